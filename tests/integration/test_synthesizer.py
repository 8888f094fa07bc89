import logging

import numpy as np
import pandas as pd
import pytest
import torch

import synthgan.sampling.engine as engine_module
from synthgan import (
    ConditionError,
    ConfigError,
    DataError,
    Fairness,
    NotFittedError,
    SchemaError,
    Synthesizer,
    SynthganError,
    TrainingError,
    load,
)
from synthgan.io import read_table
from synthgan.report_text import describe_model
from synthgan.sampling import SamplingEngine


def test_sample_has_the_real_columns_dtypes_and_domains(fitted_mixed, mixed_frame):
    fake = fitted_mixed.sample(2000, seed=0)
    assert list(fake.columns) == list(mixed_frame.columns)
    assert fake.dtypes.equals(mixed_frame.dtypes)
    assert fake["age"].between(18, 89).all()  # integers stay inside the observed bounds
    assert (fake["age"] == fake["age"].round()).all()
    assert set(fake["city"].dropna()) <= {"Oslo", "Lima", "Pune", "Kyiv"}
    assert set(fake["rating"]) <= set(range(1, 6))
    assert fake["member"].dtype == bool
    assert fake["joined"].between(mixed_frame["joined"].min(), mixed_frame["joined"].max()).all()
    assert (fake["joined"] == fake["joined"].dt.normalize()).all()  # day resolution kept
    assert (fake["constant"] == 7.5).all()
    assert (fake["amount"] == fake["amount"].round(2)).all()


def test_the_callers_frame_is_not_modified(mixed_frame, fast):
    before = mixed_frame.copy()
    Synthesizer(seed=0, **fast).fit(mixed_frame)
    pd.testing.assert_frame_equal(mixed_frame, before)


def test_missing_rates_are_reproduced_per_column(fast):
    rng = np.random.default_rng(0)
    n = 3000
    df = pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "c": rng.choice(["a", "b", "c"], n),
            "y": rng.gamma(2, size=n),
        }
    )
    df.loc[rng.random(n) < 0.3, "x"] = np.nan
    df.loc[rng.random(n) < 0.1, "c"] = np.nan
    settings = {**fast, "epochs": 60, "generator_dim": (64, 64), "discriminator_dim": (64, 64)}
    model = Synthesizer(seed=0, **settings).fit(df)
    fake = model.sample(5000, seed=1)
    assert abs(fake["x"].isna().mean() - 0.3) < 0.05
    assert abs(fake["c"].isna().mean() - 0.1) < 0.03
    assert fake["y"].notna().all()
    # The missing flag of a numeric column is part of the condition vector, so it can be asked for.
    assert model.sample(100, conditions={"x": None}, seed=0)["x"].isna().all()


def test_generator_is_in_eval_mode_after_fit_and_load(fitted_mixed, tmp_path):
    assert not fitted_mixed.generator_.training
    assert not load(fitted_mixed.save(tmp_path / "m.sgm")).generator_.training


def test_seed_fixes_weights_and_samples(mixed_frame, fast):
    a = Synthesizer(seed=3, **fast).fit(mixed_frame)
    b = Synthesizer(seed=3, **fast).fit(mixed_frame)
    c = Synthesizer(seed=4, **fast).fit(mixed_frame)
    for (k, wa), wb in zip(
        a.generator_.state_dict().items(), b.generator_.state_dict().values(), strict=True
    ):
        assert torch.equal(wa, wb), k
    assert a.sample(500).equals(b.sample(500))  # the first seedless call of each model
    assert a.sample(500).equals(b.sample(500))  # and the second
    assert not a.sample(500, seed=0).equals(c.sample(500, seed=0))
    assert not a.sample(500, seed=0).equals(a.sample(500, seed=1))


def test_the_density_ratio_is_on_by_default_and_kept_by_the_model_file(
    fitted_mixed, mixed_frame, fast, tmp_path
):
    assert fitted_mixed.postprocessor_.ratio is not None
    sample = fitted_mixed.sample(300, seed=4)
    assert load(fitted_mixed.save(tmp_path / "m.sgm")).sample(300, seed=4).equals(sample)
    assert not fitted_mixed.sample(300, seed=4, postprocess=False).equals(sample)
    assert "density-ratio" in describe_model(fitted_mixed.manifest())
    off = Synthesizer(seed=0, density_ratio=False, **fast).fit(mixed_frame)
    assert off.postprocessor_.ratio is None
    assert "density-ratio" not in describe_model(off.manifest())


def test_fit_does_not_touch_global_random_state(mixed_frame, fast):
    torch.manual_seed(123)
    np.random.seed(123)
    expected_torch, expected_np = torch.rand(3), np.random.rand(3)
    torch.manual_seed(123)
    np.random.seed(123)
    Synthesizer(seed=0, **fast).fit(mixed_frame)
    assert torch.equal(torch.rand(3), expected_torch)
    assert np.array_equal(np.random.rand(3), expected_np)


def test_discrete_conditions_hold_on_every_row(fitted_mixed):
    rows = fitted_mixed.sample(1500, conditions={"city": "Kyiv", "label": "yes"}, seed=0)
    assert len(rows) == 1500
    assert (rows["city"] == "Kyiv").all() and (rows["label"] == "yes").all()


def test_conditions_on_missing_booleans_ints_and_ranges(fitted_mixed):
    missing = fitted_mixed.sample(200, conditions={"city": None}, seed=0)
    assert missing["city"].isna().all()
    booleans = fitted_mixed.sample(200, conditions={"member": True, "rating": 3}, seed=0)
    assert booleans["member"].all() and (booleans["rating"] == 3).all()
    ranged = fitted_mixed.sample(300, conditions={"age": (30, 40), "amount": (0, 100)}, seed=0)
    assert ranged["age"].between(30, 40).all() and ranged["amount"].between(0, 100).all()
    text = fitted_mixed.sample(50, conditions={"rating": "4", "member": "false"}, seed=0)
    assert (text["rating"] == 4).all() and not text["member"].any()


@pytest.mark.parametrize(
    ("conditions", "match"),
    [
        ({"town": "Oslo"}, "'town'.*Learned columns"),
        (
            {"city": "Paris"},
            "'city' has no value 'Paris'; allowed values: 'Kyiv', 'Lima', 'Oslo', 'Pune'",
        ),
        ({"age": (200, 300)}, "outside the column's range"),
        ({"age": (50, 40)}, "low 50.0 is above high 40.0"),
        ({"age": "old"}, "must be a value or a \\(low, high\\) range"),
        ({"label": None}, "never had missing values"),
        ({"city": ["Oslo", "Lima"]}, "must be one value"),
    ],
)
def test_bad_conditions_raise_condition_error(fitted_mixed, conditions, match):
    with pytest.raises(ConditionError, match=match):
        fitted_mixed.sample(10, conditions=conditions)


def test_combination_the_model_cannot_make_raises_after_a_bounded_search(fitted_mixed, monkeypatch):
    monkeypatch.setattr("synthgan.sampling.engine.MIN_REJECTION_BUDGET", 5_000)
    # 'amount' lies in [-9, 18]; asking for a sliver between the two modes with a rare city
    # and a narrow age is (almost) never generated.
    with pytest.raises(ConditionError, match="too rarely"):
        fitted_mixed.sample(
            100, conditions={"amount": (3.0, 3.01), "age": (50, 50), "city": "Kyiv"}, seed=0
        )


def test_rare_grouped_value_can_be_conditioned_on(fast):
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "v": list(rng.choice(["a", "b"], 900)) + [f"r{i}" for i in range(100)],
            "x": rng.normal(size=1000),
        }
    )
    model = Synthesizer(seed=0, max_categories=4, **fast).fit(df)
    rows = model.sample(50, conditions={"v": "r7"}, seed=0)
    assert (rows["v"] == "r7").all()


def test_id_columns_are_regenerated_unique_and_ignored_columns_dropped(fast):
    n = 200
    df = pd.DataFrame(
        {
            "key": [f"k{i}" for i in range(n)],
            "note": ["x"] * n,
            "v": np.random.default_rng(0).normal(size=n),
        }
    )
    model = Synthesizer(seed=0, overrides={"note": "ignored"}, **fast).fit(df)
    assert model.schema_["key"].role == "id"
    fake = model.sample(500, seed=0)
    assert list(fake.columns) == ["key", "v"]
    assert fake["key"].is_unique


def test_high_cardinality_column_keeps_the_network_small(fast):
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {"code": rng.integers(0, 5000, 20_000).astype(str), "x": rng.normal(size=20_000)}
    )
    model = Synthesizer(seed=0, max_categories=50, **{**fast, "epochs": 4}).fit(df)
    assert model.transformer_.output_dim_ < 70
    fake = model.sample(5000, seed=0)
    assert fake["code"].nunique() > 1000 and fake["code"].isin(set(df["code"])).all()


def test_sample_to_streams_chunks_equal_to_sample(fitted_mixed, tmp_path, monkeypatch):
    monkeypatch.setattr(engine_module, "CHUNK_ROWS", 700)
    sizes = []
    original = SamplingEngine.generate

    def spy(self, n, *args, **kwargs):
        sizes.append(n)
        return original(self, n, *args, **kwargs)

    monkeypatch.setattr(SamplingEngine, "generate", spy)
    expected = fitted_mixed.sample(2500, seed=9)
    assert max(sizes) <= 700
    for name in ("out.csv", "out.parquet"):
        path = fitted_mixed.sample_to(tmp_path / name, 2500, seed=9)
        back = read_table(path)
        assert len(back) == 2500
        pd.testing.assert_series_equal(back["age"], expected["age"], check_dtype=False)
        assert back["city"].isna().equals(expected["city"].isna())
        assert back["city"].dropna().equals(expected["city"].dropna())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv", "out.parquet"]


def test_sample_to_with_bad_conditions_writes_nothing(fitted_mixed, tmp_path):
    with pytest.raises(ConditionError):
        fitted_mixed.sample_to(tmp_path / "x.csv", 100, conditions={"city": "Mars"})
    assert list(tmp_path.iterdir()) == []


def test_zero_rows_gives_an_empty_frame_with_the_columns(fitted_mixed):
    empty = fitted_mixed.sample(0)
    assert len(empty) == 0 and list(empty.columns) == list(fitted_mixed.schema_.names)


def test_progress_bars_show_only_when_verbose(mixed_frame, fast, capsys):
    Synthesizer(seed=0, **{**fast, "verbose": True}).fit(mixed_frame)
    assert "Training" in capsys.readouterr().err
    Synthesizer(seed=0, **fast).fit(mixed_frame)
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""


def test_unfitted_model_raises_not_fitted(tmp_path):
    model = Synthesizer()
    for call in (lambda: model.sample(5), lambda: model.save(tmp_path / "m.sgm")):
        with pytest.raises(NotFittedError, match="not fitted yet"):
            call()
    assert issubclass(NotFittedError, AttributeError)


@pytest.mark.parametrize(
    ("params", "match"),
    [
        (
            {"epochs": 0},
            "The 'epochs' parameter of Synthesizer must be None or an int in \\[1, inf\\). Got 0 "
            "instead.",
        ),
        ({"batch_size": 55}, "multiple of pac"),
        ({"generator_lr": -1.0}, "'generator_lr'"),
        ({"generator_dim": (256, 0)}, "'generator_dim'"),
        ({"device": "tpu"}, "'device'"),
        ({"seed": -1}, "'seed'"),
        ({"overrides": ["a"]}, "'overrides' parameter of Synthesizer must be a dict"),
        ({"density_ratio": "yes"}, "'density_ratio'"),
        (
            {"density_ratio": True, "fairness": Fairness("member", "label")},
            "density_ratio cannot be combined with a fairness head",
        ),
    ],
)
def test_bad_parameters_raise_config_error_before_training(mixed_frame, params, match):
    with pytest.raises(ConfigError, match=match):
        Synthesizer(**params).fit(mixed_frame)


@pytest.mark.parametrize(
    ("frame", "error"),
    [
        (pd.DataFrame(), DataError),
        (pd.DataFrame({"a": [1.0]}), DataError),
        (pd.DataFrame({"a": [1.0, 2.0], "b": [np.nan] * 2}), DataError),
        (pd.DataFrame({"a": [1.0, -np.inf]}), DataError),
        (pd.DataFrame({"a": ["x", 2]}), DataError),
        (pd.DataFrame({"a": [1j, 2j]}), DataError),
    ],
)
def test_bad_tables_raise_synthgan_errors(frame, error, fast):
    with pytest.raises(error) as info:
        Synthesizer(**fast).fit(frame)
    assert isinstance(info.value, SynthganError)


def test_unknown_override_column_is_a_schema_error(mixed_frame, fast):
    with pytest.raises(SchemaError, match="'nope'"):
        Synthesizer(overrides={"nope": "integer"}, **fast).fit(mixed_frame)


def test_table_of_only_ids_is_refused(fast):
    df = pd.DataFrame({"key": [f"k{i}" for i in range(30)]})
    with pytest.raises(SchemaError, match="No column is left to learn"):
        Synthesizer(**fast).fit(df)


def test_bad_n_and_seed_for_sampling(fitted_mixed):
    for n in (-1, 2.5, "10", True):
        with pytest.raises(ConfigError, match="n must be an int"):
            fitted_mixed.sample(n)
    with pytest.raises(ConfigError, match="seed must be"):
        fitted_mixed.sample(5, seed=-3)


def test_two_row_table_can_be_learned(fast):
    model = Synthesizer(seed=0, **fast).fit(pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"]}))
    assert len(model.sample(20)) == 20


def test_fit_logs_to_the_synthgan_logger(mixed_frame, fast, caplog):
    with caplog.at_level(logging.INFO, logger="synthgan"):
        Synthesizer(seed=0, **fast).fit(mixed_frame)
    assert any("Encoded 400 rows" in r.getMessage() for r in caplog.records)


def test_repr_shows_changed_parameters():
    assert repr(Synthesizer(epochs=5, seed=1)) == "Synthesizer(epochs=5, seed=1)"


def test_diverging_training_raises_instead_of_returning_a_garbage_model():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"x": rng.normal(size=2000), "c": rng.choice(list("abc"), 2000)})
    model = Synthesizer(epochs=5, generator_lr=1e6, discriminator_lr=1e6, seed=0, verbose=False)
    with pytest.raises(TrainingError, match="diverged in epoch 1"):
        model.fit(df)
    with pytest.raises(NotFittedError):
        model.sample(10)
