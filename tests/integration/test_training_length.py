"""How long a fit trains: the automatic step budget, the validation split that keeps the best
generator and stops early, the explicit budgets, and how the model file and CLI report it."""

import re

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import FAST, make_population

from synthgan import Synthesizer, load
from synthgan.cli import main
from synthgan.config import AUTO_STEPS
from synthgan.errors import ConfigError
from synthgan.validation import ValidationScorer, split_validation

SHORT = {**FAST, "epochs": None, "max_steps": 60}  # 60 steps of 100 rows, whatever the table


@pytest.fixture(scope="module")
def population() -> pd.DataFrame:
    return make_population(1340, seed=3)


@pytest.mark.parametrize(
    ("rows", "params", "expected"),
    [
        # 300 epochs of 2 steps are too few: the floor of 10,000 steps, in 5,000 epochs.
        (1_000, {}, (5_000, 10_000)),
        (20_000, {}, (300, 12_000)),  # 40 steps an epoch: CTGAN's 300 epochs
        (60_000, {}, (167, 20_000)),  # 36,000 steps capped at 20,000
        (5_000_000, {}, (2, 20_000)),
        (60_000, {"epochs": 7}, (7, None)),  # epochs given: they decide
        (60_000, {"max_steps": 1_000}, (9, 1_000)),
        (60_000, {"epochs": 7, "max_steps": 100}, (7, 100)),
    ],
)
def test_auto_epochs_train_ctgans_300_epochs_within_a_step_range(rows, params, expected):
    assert AUTO_STEPS == (10_000, 20_000)
    assert Synthesizer(**params)._schedule(rows) == expected


@pytest.mark.parametrize(
    ("rows", "validation", "held"),
    [(9_999, None, 0), (10_000, None, 1_000), (80_000, None, 5_000), (80_000, 0.02, 1_600)],
)
def test_auto_validation_holds_out_a_tenth_of_large_tables_only(rows, validation, held):
    df = pd.DataFrame({"i": np.arange(rows)})
    train, rest = split_validation(df, validation, seed=0)
    assert len(train) == rows - held and (rest is None) == (held == 0)
    if held:
        assert len(rest) == held and not set(train["i"]) & set(rest["i"])
        assert rest["i"].is_monotonic_increasing  # held-out rows keep the table's order
        assert not rest["i"].equals(pd.Series(range(held)))  # ...but are drawn at random


def test_validation_holds_out_rows_and_keeps_the_best_generator(population):
    model = Synthesizer(seed=0, validation=0.1, **SHORT).fit(population)
    held = round(0.1 * len(population))
    assert model.fit_info_["rows"] == len(population) - held
    training = model.fit_info_["training"]
    assert training["steps"] == 60 and training["stopped_by"] == "step budget (60 steps)"
    validation = training["validation"]
    assert validation["rows"] == held and validation["every_steps"] == 50
    assert [r["step"] for r in validation["records"]] == [50, 60]
    best = max(validation["records"], key=lambda r: r["fidelity"])
    assert validation["best_step"] == best["step"]
    assert 0 < best["fidelity"] < 1 and 0.5 <= best["detection_auc"] <= 1
    # Epochs report the latest validation: the last epoch ended before the final one, at 60.
    assert model.history_[-1]["val_fidelity"] == validation["records"][0]["fidelity"]


def test_the_kept_generator_scores_what_validation_recorded(population):
    model = Synthesizer(seed=1, validation=0.1, **SHORT).fit(population)
    training = model.fit_info_["training"]
    seed = int(np.random.SeedSequence(1).generate_state(4)[3])
    _, held = split_validation(population, 0.1, seed)
    assert len(held) == training["validation"]["rows"]

    class Ready:  # what the scorer reads from a prepared table
        schema, transformer, space = model.schema_, model.transformer_, model.condition_space_

    score = ValidationScorer(Ready, held, model.embedding_dim, seed)(model.generator_)
    assert score["fidelity"] == pytest.approx(training["validation"]["best"]["fidelity"])


def test_a_seed_fixes_a_validated_fit_and_its_sample(population):
    a, b = (Synthesizer(seed=4, validation=0.1, **SHORT).fit(population) for _ in "ab")
    pd.testing.assert_frame_equal(a.sample(300, seed=1), b.sample(300, seed=1))
    assert a.fit_info_["training"] == b.fit_info_["training"]


def test_no_validation_on_small_tables_or_when_switched_off(population):
    small = Synthesizer(seed=0, **SHORT).fit(population)
    off = Synthesizer(seed=0, validation=0, **SHORT).fit(population)
    for model, rows in ((small, len(population)), (off, len(population))):
        assert model.fit_info_["rows"] == rows
        assert model.fit_info_["training"]["validation"] == "off"
        assert "val_fidelity" not in model.history_[-1]


def _manifest_bytes(path):
    import zipfile

    with zipfile.ZipFile(path) as z:
        return b"".join(z.read(name) for name in z.namelist() if name.endswith(".json"))


def test_a_validation_table_of_its_own_keeps_every_training_row(population, tmp_path):
    train, held = population.iloc[:1000], population.iloc[1000:]
    model = Synthesizer(seed=0, validation=held, **SHORT).fit(train)
    assert model.fit_info_["rows"] == 1000
    assert model.fit_info_["training"]["validation"]["rows"] == len(held)
    assert f"seed=0, verbose=False, validation=<DataFrame {len(held)} x 6>," in repr(model)
    # The model file keeps the table's size, never its rows, and loads.
    path = model.save(tmp_path / "m.sgm")
    again = load(path)
    assert again.validation is None
    assert again.fit_info_["training"] == model.fit_info_["training"]
    pd.testing.assert_frame_equal(again.sample(50, seed=1), model.sample(50, seed=1))
    assert b"a table of 340 rows" in _manifest_bytes(path)


@pytest.mark.parametrize(
    ("validation", "match"),
    [
        (0.01, "holds out 13 of 1340 rows; at least 50"),
        (0.0001, "holds out 0 of 1340 rows; at least 50"),  # not silently none
        (0.6, "'validation' parameter of Synthesizer must be None, a float in \\[0, 0.5\\]"),
        ("auto", "'validation' parameter .* Got 'auto'"),
    ],
)
def test_bad_validation_settings_fail_before_training(population, validation, match):
    with pytest.raises(ConfigError, match=match):
        Synthesizer(validation=validation, **SHORT).fit(population)


def test_a_validation_table_must_have_the_columns_and_enough_rows(population):
    with pytest.raises(ConfigError, match=r"lacks columns of the training table: \['sex'\]"):
        Synthesizer(validation=population.drop(columns="sex"), **SHORT).fit(population)
    with pytest.raises(ConfigError, match="has 10 rows; at least 50"):
        Synthesizer(validation=population.iloc[:10], **SHORT).fit(population)


def test_patience_ends_a_fit_that_stops_improving(population):
    model = Synthesizer(seed=0, validation=0.1, patience=1, **{**SHORT, "max_steps": 400})
    model.fit(population)
    training = model.fit_info_["training"]
    records = training["validation"]["records"]
    # Stopped at the first validation that did not beat the best by min_delta.
    assert training["stopped_by"] == "early stopping (1 validations without improvement)"
    assert training["steps"] == records[-1]["step"] < 400
    assert records[-1]["fidelity"] <= max(r["fidelity"] for r in records[:-1]) + 0.002


def test_cli_fit_reports_how_it_trained_and_info_shows_it(tmp_path, population):
    data = tmp_path / "t.csv"
    population.to_csv(data, index=False)
    model_path = tmp_path / "m.sgm"
    args = ["fit", str(data), "-o", str(model_path), "--max-steps", "60", "--validation", "0.2"]
    args += ["--batch-size", "100", "--seed", "0"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert (
        "trained 60 steps (stopped by step budget (60 steps)); kept the generator" in result.output
    )
    assert "held-out rows" in result.output and "268 held-out" in result.output
    info = CliRunner().invoke(main, ["info", str(model_path)]).output
    assert "trained 60 steps" in info and "validation fidelity" in info
    # The curves: losses and gradient norm per epoch, fidelity per validation (50 and 60).
    assert re.search(r"    loss_g +[▁▂▃▄▅▆▇█]{6} ", info)  # 6 epochs of 10 steps
    assert re.search(r"    val_fidelity +[▁▂▃▄▅▆▇█]{2} ", info)
    assert "  diagnostics: " in info and "duplicate rows" in info


def test_cli_validates_on_a_file_and_refuses_validation_under_dp(tmp_path, population):
    data, held = tmp_path / "t.csv", tmp_path / "held.csv"
    population.iloc[:1000].to_csv(data, index=False)
    population.iloc[1000:].to_csv(held, index=False)
    out = tmp_path / "m.sgm"
    args = ["fit", str(data), "-o", str(out), "--max-steps", "60", "--batch-size", "100"]
    result = CliRunner().invoke(main, [*args, "--validation-file", str(held)])
    assert result.exit_code == 0, result.output
    assert "on 340 held-out rows" in result.output
    assert load(out).fit_info_["rows"] == 1000
    for extra, named in (
        (["--validation", "0.1"], "--validation"),
        (["--validation-file", str(tmp_path / "absent.csv")], "--validation-file"),
        (["--patience", "3"], "--patience"),
    ):
        result = CliRunner().invoke(
            main, ["fit", str(data), "-o", str(tmp_path / "dp.sgm"), "--epsilon", "1", *extra]
        )
        assert result.exit_code == 2 and f"{named} cannot be used with --epsilon" in result.output
    result = CliRunner().invoke(main, [*args, "--validation", "0.7"])
    assert result.exit_code == 2 and "0.7 is not in the range" in result.output


def test_the_generator_kept_is_a_weight_average_without_dp_only(population):
    from synthgan import Privacy

    averaged = Synthesizer(seed=0, **SHORT).fit(population)
    last = Synthesizer(seed=0, ema=0, **SHORT).fit(population)
    assert averaged.fit_info_["settings"]["ema"] == 0.999
    assert last.fit_info_["settings"]["ema"] == 0
    # Same seed, same steps: only the weights kept differ.
    untimed = [
        [{k: v for k, v in h.items() if k != "seconds"} for h in m.history_]
        for m in (averaged, last)
    ]
    assert untimed[0] == untimed[1]
    weights = zip(averaged.generator_.parameters(), last.generator_.parameters(), strict=True)
    assert not all(a.equal(b) for a, b in weights)
    assert Synthesizer(privacy=Privacy(epsilon=1.0))._setting("ema") == 0
