"""Differential privacy end to end: the budget is never exceeded, nothing escapes the ledger,
bad requests fail before training, and the ledger lives in the model file."""

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from click.testing import CliRunner
from conftest import declared, pin_entropy

from synthgan import Privacy, PrivacyError, Synthesizer, load
from synthgan.cli import main
from synthgan.persist import read_model

#: The kinds of the module's table, declared as DP requires.
KINDS = {"age": "integer", "income": "numeric", "city": "categorical", "member": "boolean"}
#: Small networks for DP fits in seconds (conftest's FAST, with larger Poisson batches).
DP_FAST = dict(
    overrides=KINDS,
    epochs=2,
    batch_size=200,
    embedding_dim=16,
    generator_dim=(32, 32),
    discriminator_dim=(32, 32),
    verbose=False,
)


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 3000
    df = pd.DataFrame(
        {
            "age": rng.integers(18, 80, n),
            "income": np.round(rng.lognormal(10, 0.5, n), 2),
            "city": rng.choice(["Oslo", "Lima", "Pune"], n, p=[0.5, 0.3, 0.2]),
            "member": rng.random(n) < 0.4,
        }
    )
    df.loc[rng.random(n) < 0.1, "income"] = np.nan
    return df


@pytest.fixture(scope="module")
def dp_model(table) -> Synthesizer:
    privacy = Privacy(epsilon=8.0, delta=1e-5, public={"age": (18, 90)})
    with pin_entropy():  # the quality checks below hold for this fit
        return Synthesizer(privacy=privacy, seed=0, **DP_FAST).fit(table)


def test_dp_model_samples_the_table_and_reports_its_ledger(dp_model, table):
    fake = dp_model.sample(500)
    assert list(fake.columns) == list(table.columns)
    assert fake["age"].between(18, 90).all()
    assert set(fake["city"].dropna()) <= {"Oslo", "Lima", "Pune"}
    ledger = dp_model.ledger_
    assert ledger.epsilon_spent <= 8.0
    report = dp_model.privacy_report()
    assert "spent of 8" in report and "age: [18.0, 90.0]" in report
    # No real rows were held out to validate on, and the model says so.
    assert "validation while training: off: under differential privacy" in report
    assert dp_model.fit_info_["training"] == {"validation": ledger.training["validation"]}


def test_ledger_lists_every_statistic_taken_from_the_rows(dp_model):
    whats = [item.what for item in dp_model.ledger_.preprocessing]
    assert whats == [
        "row count",
        "column 'age': shape histogram",  # bounds are public: no range histogram
        "column 'income': range histogram",
        "column 'income': shape histogram",
        "column 'city': domain and frequencies",
        "column 'member': frequencies",  # a boolean's domain is public by type
    ]
    t = dp_model.ledger_.training
    for key in ("noise_multiplier", "sample_rate", "steps", "max_grad_norm", "expected_batch_size"):
        assert t[key] > 0
    assert t["steps"] == t["planned_steps"] == 2 * int(1 / t["sample_rate"])
    assert set(dp_model.ledger_.versions) >= {"opacus", "torch", "synthgan"}
    # Only the thresholded domain pays a delta; the rest of delta goes to the accountant.
    assert dp_model.ledger_.threshold_delta == pytest.approx(1e-6)


def test_condition_frequencies_are_noised(dp_model, table):
    space = dp_model.condition_space_
    j = space.columns.index("city")
    exact = table["city"].value_counts(normalize=True)[["Lima", "Oslo", "Pune"]].to_numpy()
    noisy = np.asarray(space.frequencies[j][:3])
    assert not np.allclose(noisy, exact, atol=1e-9) and np.allclose(noisy, exact, atol=0.05)


def test_marginals_are_matched_to_the_dp_releases(dp_model, table, tmp_path):
    """Two epochs leave the generator's marginals far off; raking (discrete columns) and the
    maps onto the DP histograms (numeric ones), both post-processing stored in the model, bring
    them close to the real ones (ε = 8 here, so the DP releases are close to the truth)."""
    from scipy.stats import ks_2samp

    matched = dp_model.sample(5000, seed=3)
    unmatched = dp_model.sample(5000, seed=3, postprocess=False)
    for name in ("age", "income"):
        real = table[name].dropna()
        after = ks_2samp(matched[name].dropna(), real).statistic
        before = ks_2samp(unmatched[name].dropna(), real).statistic
        assert after < 0.06 and after < before / 2, (name, before, after)
    for name in ("city", "member"):
        real = table[name].value_counts(normalize=True)
        after = (matched[name].value_counts(normalize=True) - real).abs().sum() / 2
        before = (unmatched[name].value_counts(normalize=True) - real).abs().sum() / 2
        assert after < 0.03 and after < before / 2, (name, before, after)
    dp_model.save(tmp_path / "dp.sgm")
    assert load(tmp_path / "dp.sgm").sample(500, seed=4).equals(dp_model.sample(500, seed=4))


def test_no_raw_value_escapes_into_the_model_file(tmp_path, table):
    leaky = table.copy()
    leaky.loc[0, "city"] = "Secret-Hamlet"  # a value one person has
    leaky.loc[1, "income"] = 987654.25  # an outlier one person has
    model = Synthesizer(privacy=Privacy(epsilon=2.0), seed=0, **DP_FAST).fit(leaky)
    model.save(tmp_path / "dp.sgm")
    manifest, _ = read_model(tmp_path / "dp.sgm")
    text = json.dumps(manifest)
    # (the outlier as written: its six digits alone turn up inside the noisy floats by chance)
    for secret in ("Secret-Hamlet", "987654.25"):
        assert secret not in text
    income = next(c for c in manifest["schema"]["columns"] if c["name"] == "income")
    assert income["bounds"][1] < 987654.25  # the DP range did not stretch to the outlier
    # The row count is private too: the file holds the DP count in its place.
    assert abs(manifest["fit"]["rows"] - manifest["privacy"]["training"]["dp_row_count"]) <= 0.5
    assert "Secret-Hamlet" not in set(model.sample(3000)["city"].dropna())


@pytest.mark.parametrize(("epsilon", "sigma", "accountant"), [(0.5, 3.0, "rdp"), (1.0, 2.0, "prv")])
def test_training_stops_before_the_budget_is_exceeded(table, epsilon, sigma, accountant):
    # A fixed noise multiplier: the budget runs out long before the epochs do.
    privacy = Privacy(epsilon=epsilon, noise_multiplier=sigma, accountant=accountant)
    model = Synthesizer(privacy=privacy, seed=1, **{**DP_FAST, "epochs": 50}).fit(table)
    t = model.ledger_.training
    assert t["stopped_by_budget"] and 0 < t["steps"] < t["planned_steps"]
    assert model.ledger_.epsilon_spent <= epsilon
    assert len(model.history_) < 50


@pytest.mark.parametrize("epsilon", [0.5, 1.0, 3.0])
def test_calibrated_training_never_exceeds_the_target(table, epsilon):
    model = Synthesizer(privacy=Privacy(epsilon=epsilon), seed=2, **DP_FAST).fit(table)
    assert model.ledger_.epsilon_spent <= epsilon
    assert model.ledger_.training["steps"] == model.ledger_.training["planned_steps"]


def test_a_seed_does_not_fix_the_dp_noise_but_fixes_sampling(table):
    """With the seed in the model file, seeded noise could be regenerated and subtracted (the DP
    row count minus the noise is the exact n; refitting both neighbours with the seed matches
    one exactly). So two DP fits with one seed differ; sampling a fitted model is still fixed."""
    fits = [Synthesizer(privacy=Privacy(epsilon=4.0), seed=5, **DP_FAST).fit(table) for _ in "ab"]
    counts = [f.ledger_.training["dp_row_count"] for f in fits]
    assert counts[0] != counts[1]
    weights = [f.generator_.state_dict() for f in fits]
    assert any(not torch.equal(weights[0][k], weights[1][k]) for k in weights[0])
    pd.testing.assert_frame_equal(fits[0].sample(200, seed=1), fits[0].sample(200, seed=1))
    assert "fresh operating-system entropy" in fits[0].privacy_report()
    assert "the seed (5) fixes only what is public" in fits[0].privacy_report()


def test_ledger_survives_save_and_load(tmp_path, dp_model):
    path = dp_model.save(tmp_path / "dp.sgm")
    again = load(path)
    assert again.ledger_.to_dict() == dp_model.ledger_.to_dict()
    assert again.privacy == dp_model.privacy
    pd.testing.assert_frame_equal(again.sample(100, seed=3), dp_model.sample(100, seed=3))


@pytest.mark.parametrize(
    ("privacy", "params", "match"),
    [
        (Privacy(epsilon=0.0), {}, "epsilon must be a finite number > 0"),
        (Privacy(epsilon=-1.0), {}, "epsilon must be"),
        (Privacy(epsilon=1.0, delta=0.0), {}, "delta must be in"),
        (Privacy(epsilon=1.0, delta=1.5), {}, "delta must be in"),
        (Privacy(epsilon=1.0), {"pac": 10, "batch_size": 200}, "pac=10 cannot be used"),
        (Privacy(epsilon=1.0, public={"nope": (0, 1)}), {}, "not in the table"),
        (Privacy(epsilon=1.0, public={"age": (0,)}), {}, "must be \\(low, high\\)"),
        (Privacy(epsilon=1.0, public={"age": (9, 1)}), {}, "low <= high"),
        (Privacy(epsilon=1.0), {"overrides": {"age": "integer"}}, "kind must be declared"),
        (Privacy(epsilon=1.0, public={"city": "Oslo"}), {}, "non-empty list"),
        # a row holding a repeated category would count once per copy: more than one row's worth
        (Privacy(epsilon=1.0, public={"city": ["Oslo", "Lima", "Oslo"]}), {}, "must be distinct"),
        (Privacy(epsilon=1.0, public={"city": [1, 1.0, True]}), {}, "must be distinct"),
        (Privacy(epsilon=1.0, public={"age": (20.2, 20.8)}), {}, "hold no integer"),
        (Privacy(epsilon=1e-3), {}, "Preprocessing alone spends"),
        (Privacy(epsilon=0.5, noise_multiplier=0.3), {}, "too small for a single DP-SGD step"),
        (Privacy(epsilon=0.2), {"epochs": 50, "batch_size": 4000}, "too small to train"),
        (Privacy(epsilon=1.0, preprocessing_share=1.0), {}, "preprocessing_share"),
        (Privacy(epsilon=1.0, accountant="gdp"), {}, "accountant must be"),
        (Privacy(epsilon=1.0, target="nope"), {}, "no learned column of that name"),
        (Privacy(epsilon=1.0, target=["city"]), {}, "target must be a column name"),
        (Privacy(epsilon=1.0), {"validation": 0.1}, "validation cannot be used with differ"),
        (Privacy(epsilon=1.0), {"max_steps": 10}, "max_steps cannot be used with differ"),
        (Privacy(epsilon=1.0), {"max_seconds": 60}, "max_seconds cannot be used with differ"),
        (Privacy(epsilon=1.0), {"patience": 3}, "patience cannot be used with differ"),
        (Privacy(epsilon=1.0), {"density_ratio": True}, "density_ratio cannot be used with"),
    ],
)
def test_bad_privacy_requests_fail_before_training(table, monkeypatch, privacy, params, match):
    import synthgan.train.dp as dp

    def never(*args, **kwargs):
        raise AssertionError("training started")

    monkeypatch.setattr(dp.DPGANTrainer, "fit", never)
    with pytest.raises(PrivacyError, match=match):
        Synthesizer(privacy=privacy, **{**DP_FAST, **params}).fit(table)


def test_public_bounds_clip_and_unlisted_categories_count_as_missing_without_a_word(
    table, caplog, pinned_entropy
):
    """A message saying how many values lay outside (or that any did) would be an exact count."""
    privacy = Privacy(epsilon=8.0, public={"age": (30, 60), "city": ["Oslo", "Lima"]})
    with caplog.at_level("INFO", logger="synthgan"):
        model = Synthesizer(privacy=privacy, seed=0, **DP_FAST).fit(table)
    assert not [r for r in caplog.records if r.levelname == "WARNING"], caplog.text
    fake = model.sample(2000)
    assert fake["age"].between(30, 60).all()
    assert set(fake["city"].dropna()) <= {"Oslo", "Lima"}
    share_missing = fake["city"].isna().mean()  # Pune, a fifth of the rows, became missing
    assert 0.1 < share_missing < 0.3


def test_cli_fits_with_dp_and_info_shows_the_ledger(tmp_path, table):
    data, public, out = tmp_path / "t.csv", tmp_path / "public.json", tmp_path / "dp.sgm"
    kinds = tmp_path / "kinds.json"
    table.to_csv(data, index=False)
    public.write_text(json.dumps({"age": [18, 90], "city": ["Lima", "Oslo", "Pune"]}))
    declare = CliRunner().invoke(main, ["schema", str(data), "--declare"])
    assert declare.exit_code == 0, declare.output
    assert json.loads(declare.output)["member"] == {"kind": "boolean"}
    kinds.write_text(declare.output)
    args = ["fit", str(data), "-o", str(out), "--epsilon", "3", "--delta", "1e-6"]
    args += ["--public", str(public), "--schema", str(kinds)]
    result = CliRunner().invoke(
        main, [*args, "--epochs", "1", "--batch-size", "200", "--seed", "0"]
    )
    assert result.exit_code == 0, result.output
    # Under DP the console gets the DP row count, never the exact one, and no timings.
    assert "Fitted about" in result.output and "rows (DP count)" in result.output
    assert f"Fitted {len(table):,} rows" not in result.output
    assert "Encoded about" in result.output  # the log lines are there, without a clock time
    assert not re.search(r"\d\d:\d\d|s/epoch|epoch/s", result.output), result.output
    fitted = load(out)
    assert fitted.sample(500)["member"].dtype == bool  # read as text, converted as declared
    info = CliRunner().invoke(main, ["info", str(out)])
    assert info.exit_code == 0, info.output
    assert "spent of 3" in info.output and "DP-SGD on the discriminator" in info.output
    assert "city: ['Lima', 'Oslo', 'Pune']" in info.output
    assert "sample reweighed to the DP marginals (raking" in info.output
    assert "numeric columns mapped onto their DP histograms" in info.output
    bad = CliRunner().invoke(main, ["fit", str(data), "-o", str(out), "--epsilon", "0", "-q"])
    assert bad.exit_code == 1 and "PrivacyError: epsilon must be" in bad.output
    no_eps = CliRunner().invoke(main, ["fit", str(data), "-o", str(out), "--delta", "1e-6"])
    assert no_eps.exit_code == 2 and "need --epsilon" in no_eps.output
    undeclared = CliRunner().invoke(main, ["fit", str(data), "-o", str(out), "--epsilon", "1"])
    assert undeclared.exit_code == 1 and "kind must be declared" in undeclared.output


#: The kinds of ``_depends``'s table.
DEPENDS = {"city": "categorical", "age": "integer", "label": "categorical"}


def _depends(n=4000, seed=0):
    """A label that depends strongly on a category and a number (the module's table has none)."""
    rng = np.random.default_rng(seed)
    city = rng.choice(["Oslo", "Lima", "Pune"], n, p=[0.5, 0.3, 0.2])
    age = rng.integers(18, 80, n)
    logit = np.where(city == "Oslo", 1.5, -1.0) + (age - 50) / 8
    label = np.where(rng.random(n) < 1 / (1 + np.exp(-logit)), "high", "low")
    return pd.DataFrame({"city": city, "age": age, "label": label})


def _bands(df):
    return df.assign(band=pd.cut(df["age"], [0, 40, 50, 60, 100]))


def _gap(df, by):
    """P(label = high) per value of ``by``."""
    return df.groupby(by, observed=True)["label"].apply(lambda s: (s == "high").mean())


def test_a_declared_target_is_measured_and_its_two_way_tables_matched(tmp_path, pinned_entropy):
    """Two epochs teach the generator little of how the label depends on city and age; the
    declared target's DP tables (in the ledger, inside the same budget) bring the sample's
    P(label | city) and P(label | age band) close to the real ones."""
    df = _depends()
    fits = {
        target: Synthesizer(
            privacy=Privacy(epsilon=8.0, delta=1e-5, target=target),
            seed=0,
            **{**DP_FAST, "overrides": DEPENDS},
        ).fit(df)
        for target in (None, "label")
    }
    model = fits["label"]
    whats = [item.what for item in model.ledger_.preprocessing]
    assert whats[-2:] == [f"columns 'label' x {c!r}: two-way histogram" for c in ("city", "age")]
    assert model.ledger_.epsilon_spent <= 8.0
    real = _bands(df)
    errors = {}
    for target, fit in fits.items():
        fake = _bands(fit.sample(20_000, seed=1))
        errors[target] = max(
            (_gap(fake, by) - _gap(real, by)).abs().max() for by in ("city", "band")
        )
    assert errors["label"] < 0.05 and errors["label"] < errors[None] / 2, errors
    path = model.save(tmp_path / "target.sgm")
    pd.testing.assert_frame_equal(load(path).sample(300, seed=2), model.sample(300, seed=2))
    info = CliRunner().invoke(main, ["info", str(path)])
    assert "DP two-way tables of 'label' with every other column" in info.output


def test_cli_takes_a_dp_target(tmp_path):
    data, out, kinds = tmp_path / "t.csv", tmp_path / "dp.sgm", tmp_path / "kinds.json"
    _depends(1500).to_csv(data, index=False)
    kinds.write_text(json.dumps(DEPENDS))
    args = ["fit", str(data), "-o", str(out), "--epsilon", "5", "--dp-target", "label"]
    args += ["--schema", str(kinds)]
    result = CliRunner().invoke(main, [*args, "--epochs", "1", "--batch-size", "200", "-q"])
    assert result.exit_code == 0, result.output
    assert load(out).privacy.target == "label" and load(out).postprocessor_.cells is not None
    no_eps = CliRunner().invoke(main, ["fit", str(data), "-o", str(out), "--dp-target", "label"])
    assert no_eps.exit_code == 2 and "need --epsilon" in no_eps.output


def test_default_delta_is_fixed_and_checked_against_the_dp_row_count(table, monkeypatch):
    """A default δ computed from n, or a refusal of δ ≥ 1/n judged on the exact n, would reveal
    it. The default is fixed; δ is judged on the DP row count, before anything else is spent."""
    from synthgan.privacy.statistics import PrivateStatistics

    assert Privacy(epsilon=1.0).resolved_delta() == 1e-6
    model = Synthesizer(privacy=Privacy(epsilon=2.0), seed=0, **DP_FAST).fit(table)
    assert model.ledger_.delta_target == 1e-6

    def never(*args, **kwargs):
        raise AssertionError("statistics beyond the row count were taken")

    monkeypatch.setattr(PrivateStatistics, "run", never)
    with pytest.raises(
        PrivacyError, match=r"not below 1/n for a table of about [\d,]+ rows \(its DP"
    ):
        Synthesizer(privacy=Privacy(epsilon=2.0, delta=1e-3), **DP_FAST).fit(table)


def _compas_train():
    from synthgan.io import read_table

    path = (
        Path(__file__).resolve().parents[3] / "shared" / "data" / "compas" / "compas-two-years.csv"
    )
    if not path.exists():
        pytest.skip("../shared/data/compas is not present")
    df = read_table(path)
    df = df[df["days_b_screening_arrest"].between(-30, 30)].drop(
        columns=["is_recid", "is_violent_recid"]
    )
    return df.drop(index=df.sample(frac=0.3, random_state=0).index)


def test_dp_ranges_of_a_small_real_table_stay_near_the_data(pinned_entropy):
    """COMPAS (4,320 rows) at ε = 1, seed 2: judged bin by bin, the range histogram of a day
    count in [-30, 30] let noise through in a bin near 2**31, and training ran on infinite inputs."""
    train = _compas_train()
    model = Synthesizer(
        privacy=Privacy(epsilon=1.0, delta=1e-6),
        overrides=declared(train),
        epochs=1,
        seed=2,
        verbose=False,
    )
    model.fit(train)
    for column in model.schema_.learned:
        if column.bounds is not None:
            values = pd.to_numeric(train[column.name], errors="coerce")
            span = max(abs(values.min()), abs(values.max()), 1.0)
            assert max(abs(b) for b in column.bounds) <= 2 * span, column


SMALL_KINDS = {
    "age": "integer",
    "city": "categorical",
    "sex": "categorical",
    "flag": "boolean",
    "when": "datetime",
    "amount": "numeric",
    "empty": "categorical",
}


def _small_table(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "age": rng.integers(18, 80, n),
            "city": rng.choice([f"c{i}" for i in range(150)], n),
            "sex": rng.choice(["F", "M"], n),
            "flag": rng.random(n) < 0.5,
            "when": pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 900, n), "D"),
            "amount": np.round(rng.lognormal(10, 1, n), 2),
            "empty": [None] * n,
        }
    )
    df.loc[rng.random(n) < 0.3, "amount"] = np.nan
    return df


@pytest.mark.parametrize(
    ("n", "epsilon", "seed"),
    [(0, 1.0, 0), (1, 3.0, 1), (3, 0.5, 2), (60, 1.0, 3), (300, 1.0, 4), (300, 3.0, 5)],
)
def test_a_dp_model_of_a_small_table_saves_loads_and_samples(tmp_path, n, epsilon, seed):
    """300 rows at ε = 1 or 3 wrote a file that could not be loaded (a categorical column with
    no released value); datetime ranges from the noise passed what pandas can hold; Opacus
    refused a table of 0 rows, and that refusal itself would tell that the table is empty."""
    df = _small_table(n, seed)
    model = Synthesizer(
        privacy=Privacy(epsilon=epsilon), overrides=SMALL_KINDS, epochs=2, seed=seed, verbose=False
    ).fit(df)
    again = load(model.save(tmp_path / "small.sgm"))
    fake = again.sample(300, seed=1)
    assert list(fake.columns) == list(df.columns)
    assert fake["empty"].isna().all()  # nothing released: generated as missing, kept as a column
    assert again.ledger_.epsilon_spent <= epsilon


def test_a_small_table_for_its_budget_gets_a_warning_that_says_what_helps(caplog):
    with caplog.at_level("WARNING", logger="synthgan"):
        Synthesizer(
            privacy=Privacy(epsilon=1.0), overrides=SMALL_KINDS, epochs=1, seed=0, verbose=False
        ).fit(_small_table(300, 0))
    text = caplog.text
    assert "small for this privacy budget" in text and "about" in text
    assert "declare bounds and categories public" in text and "raise epsilon" in text
    assert "Column 'empty': no value is frequent enough" in text
    # On a table large for its budget, neither warning.
    caplog.clear()
    big = _small_table(30_000, 1).drop(columns=["empty", "city"])
    kinds = {k: v for k, v in SMALL_KINDS.items() if k in big}
    with caplog.at_level("WARNING", logger="synthgan"):
        Synthesizer(
            privacy=Privacy(epsilon=3.0), overrides=kinds, epochs=1, seed=0, verbose=False
        ).fit(big)
    assert "small for this privacy budget" not in caplog.text


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_a_dp_fit_on_cuda_keeps_its_secret_draws_on_the_device(table, tmp_path):
    """The secret generators (noise, batches, each real row's choices) live on the device."""
    model = Synthesizer(privacy=Privacy(epsilon=3.0), device="cuda", seed=0, **DP_FAST).fit(table)
    assert model.ledger_.epsilon_spent <= 3.0
    again = load(model.save(tmp_path / "gpu-dp.sgm"))
    assert list(again.sample(200, seed=1).columns) == list(table.columns)
