import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import FAST

from synthgan import (
    ConditionError,
    ConfigError,
    Fairness,
    ModelFileError,
    Privacy,
    PrivacyError,
    Synthesizer,
    load,
)
from synthgan.cli import main
from synthgan.persist import read_model, write_model

LEVELS = {"school": 9, "bachelor": 13, "master": 14, "doctorate": 16}


def linked_frame(n: int = 1500, seed: int = 0) -> pd.DataFrame:
    """A degree and its number (one to one, missing together), a score and its band (many to
    one), with the linked columns apart from each other."""
    rng = np.random.default_rng(seed)
    degree = rng.choice([*LEVELS, None], n, p=[0.35, 0.3, 0.15, 0.1, 0.1])
    score = rng.integers(1, 11, n)
    return pd.DataFrame(
        {
            "degree": degree,
            "age": rng.integers(18, 80, n),
            "score": score,
            "level": pd.Series(degree).map(LEVELS).to_numpy(),  # float: NaN where missing
            "band": np.where(score <= 4, "low", np.where(score <= 7, "medium", "high")),
            "outcome": rng.choice(["yes", "no"], n),
        }
    )


GROUPS = [("degree", "level"), ("score", "band")]


def real_pairs(df: pd.DataFrame, a: str, b: str) -> set:
    return set(df[[a, b]].astype(object).where(df[[a, b]].notna(), None).itertuples(index=False))


@pytest.fixture(scope="module")
def linked_model():
    return Synthesizer(seed=0, fixed_combinations=GROUPS, epochs=3, verbose=False).fit(
        linked_frame()
    )


def test_sampled_rows_keep_only_the_real_combinations(linked_model):
    real = linked_frame()
    fake = linked_model.sample(2000, seed=1)
    assert list(fake.columns) == list(real.columns)
    assert fake.dtypes.to_dict() == real.dtypes.to_dict()
    for a, b in GROUPS:
        assert real_pairs(fake, a, b) <= real_pairs(real, a, b)
    assert fake["degree"].isna().any() and (fake["degree"].isna() == fake["level"].isna()).all()
    # The groups are learned as one column each, and the model still learns the others.
    assert {"degree + level", "score + band"} <= set(linked_model.schema_.names)
    assert "level" not in linked_model.schema_.names


def test_conditions_on_a_grouped_column_take_its_whole_combination(linked_model):
    rows = linked_model.sample(20, conditions={"level": 16, "outcome": "yes"}, seed=2)
    assert (rows["degree"] == "doctorate").all() and (rows["level"] == 16).all()
    assert (rows["outcome"] == "yes").all()
    assert (linked_model.sample(5, conditions={"degree": None}, seed=2)["level"].isna()).all()
    with pytest.raises(ConditionError, match="single out one combination"):
        linked_model.sample(5, conditions={"band": "high"})  # scores 8, 9 and 10
    with pytest.raises(ConditionError, match="no combination"):
        linked_model.sample(5, conditions={"degree": "master", "level": 16})
    with pytest.raises(ConditionError, match="not ranges"):
        linked_model.sample(5, conditions={"score": (1, 3)})


def test_the_model_file_keeps_the_combinations(linked_model, tmp_path):
    path = linked_model.save(tmp_path / "m.sgm")
    loaded = load(path)
    pd.testing.assert_frame_equal(loaded.sample(50, seed=3), linked_model.sample(50, seed=3))
    manifest, tensors = read_model(path)
    manifest["combinations"]["groups"][0]["columns"] = ["degree", "nowhere"]
    write_model(tmp_path / "bad.sgm", manifest, tensors)
    with pytest.raises(ModelFileError, match="fixed combination"):
        load(tmp_path / "bad.sgm")


@pytest.mark.parametrize(
    ("groups", "message"),
    [
        ([("degree",)], "two or more columns"),
        ([("degree", "nowhere")], "no column"),
        ([("degree", "level"), ("level", "band")], "one fixed combination only"),
        ([("outcome", "band")], "fairness head's target"),
    ],
)
def test_bad_declarations_are_refused_before_training(groups, message):
    fairness = Fairness(sensitive="age", target="outcome")
    model = Synthesizer(fixed_combinations=groups, fairness=fairness, epochs=1, verbose=False)
    with pytest.raises(ConfigError, match=message):
        model.fit(linked_frame(200))


def test_a_datetime_column_cannot_be_grouped():
    df = linked_frame(200).assign(day=pd.Timestamp("2024-01-01"))
    model = Synthesizer(fixed_combinations=[("day", "band")], epochs=1, verbose=False)
    with pytest.raises(ConfigError, match="datetime"):
        model.fit(df)


def test_under_dp_the_combinations_are_one_released_domain(pinned_entropy):
    kinds = {
        "degree": "categorical",
        "age": "integer",
        "score": "integer",
        "level": "integer",
        "band": "categorical",
        "outcome": "categorical",
    }
    real = linked_frame(3000).astype({"score": "float64"})
    privacy = Privacy(epsilon=3.0, delta=1e-5)
    model = Synthesizer(
        seed=0, privacy=privacy, overrides=kinds, fixed_combinations=GROUPS, **FAST
    ).fit(real)
    report = model.privacy_report()
    assert "column 'degree + level': domain and frequencies" in report
    assert "'level'" not in report and "'band'" not in report
    fake = model.sample(1000, seed=1)
    for a, b in GROUPS:  # a DP count can find missing values a column lacks, as for any column
        assert real_pairs(fake, a, b) - {(None, None)} <= real_pairs(real, a, b)
    # Given back as the declared kinds' dtypes: the frame's could depend on its values.
    assert model.combinations_.groups[1].dtypes == ("int64", "object")
    undeclared = {k: v for k, v in kinds.items() if k != "level"}
    with pytest.raises(PrivacyError, match="'level'"):
        Synthesizer(
            privacy=privacy, overrides=undeclared, fixed_combinations=GROUPS, verbose=False
        ).fit(real)


def test_the_command_line_declares_and_conditions_on_combinations(tmp_path):
    real = linked_frame(600)
    csv, model = tmp_path / "real.csv", tmp_path / "m.sgm"
    real.to_csv(csv, index=False)
    fit = ["fit", str(csv), "-o", str(model), "--epochs", "2", "--seed", "0", "-q"]
    fit += ["--fixed-combination", "degree,level", "--fixed-combination", "score,band"]
    result = CliRunner().invoke(main, fit)
    assert result.exit_code == 0, result.output
    out = tmp_path / "fake.csv"
    sample = ["sample", str(model), "-n", "30", "-o", str(out), "--where", "level=13", "-q"]
    result = CliRunner().invoke(main, sample)
    assert result.exit_code == 0, result.output
    fake = pd.read_csv(out)
    assert (fake["degree"] == "bachelor").all() and (fake["level"] == 13).all()
    info = json.loads(CliRunner().invoke(main, ["info", str(model), "--json"]).output)
    assert info["config"]["fixed_combinations"] == [["degree", "level"], ["score", "band"]]
    described = CliRunner().invoke(main, ["info", str(model)]).output
    assert (
        "fixed combinations (each learned as one column): degree + level; score + band" in described
    )


def test_a_public_declaration_and_a_group_are_alternatives():
    privacy = Privacy(epsilon=1.0, public={"band": ["low", "medium", "high"]})
    model = Synthesizer(privacy=privacy, fixed_combinations=GROUPS, verbose=False)
    with pytest.raises(ConfigError, match="declared public"):
        model.fit(linked_frame(200))
