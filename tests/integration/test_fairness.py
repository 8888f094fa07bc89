"""Fairness heads: the synthetic target's dependence on the sensitive attribute shrinks, λ = 0 is the
unconstrained model exactly, the head costs no privacy budget, and bad settings fail clearly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from synthgan import ConfigError, DataError, Fairness, Privacy, Synthesizer, load
from synthgan.cli import main

KINDS = {
    "group": "categorical",
    "skill": "numeric",
    "city": "categorical",
    "outcome": "categorical",
}
SMALL = dict(
    epochs=60,
    batch_size=200,
    embedding_dim=16,
    generator_dim=(64, 64),
    discriminator_dim=(64, 64),
    verbose=False,
)


@pytest.fixture(scope="module")
def biased() -> pd.DataFrame:
    """The outcome is far more often 'yes' for group B, and 'skill' carries some of it."""
    rng = np.random.default_rng(0)
    n = 3000
    group = rng.choice(["A", "B"], n)
    skill = rng.normal(0, 1, n) + 0.5 * (group == "B")
    yes = rng.random(n) < 1 / (1 + np.exp(-(skill + 1.5 * (group == "B") - 0.8)))
    return pd.DataFrame(
        {
            "group": group,
            "skill": skill.round(3),
            "city": rng.choice(["x", "y", "z"], n),
            "outcome": np.where(yes, "yes", "no"),
        }
    )


def parity_gap(df: pd.DataFrame) -> float:
    rates = (df["outcome"] == "yes").groupby(df["group"]).mean()
    return float(rates.max() - rates.min())


@pytest.fixture(scope="module")
def unfair(biased):
    return Synthesizer(seed=0, **SMALL).fit(biased)


@pytest.fixture(scope="module")
def fair(biased):
    fairness = Fairness(sensitive="group", target="outcome", weight=2.0)
    return Synthesizer(seed=0, fairness=fairness, **SMALL).fit(biased)


def test_the_fairness_head_shrinks_the_parity_gap(biased, unfair, fair):
    real_gap = parity_gap(biased)
    unfair_gap = parity_gap(unfair.sample(5000, seed=1))
    fair_gap = parity_gap(fair.sample(5000, seed=1))
    assert real_gap > 0.3 and unfair_gap > 0.2
    assert fair_gap < unfair_gap / 2
    # The head penalises the target, not the groups: their shares stay as they were.
    shares = fair.sample(5000, seed=1)["group"].value_counts(normalize=True)
    assert shares["B"] == pytest.approx((biased["group"] == "B").mean(), abs=0.06)
    assert "fair_leak" in fair.history_[-1] and "fair_leak" not in unfair.history_[-1]


def test_reweighing_removes_the_gap_the_head_leaves(biased):
    """Raking with a (sensitive, target) factor makes the sample's joint the product of the
    marginals; it only chooses which generated rows to keep, so rows are not altered. A weak
    head (λ = 0.01) leaves much of the gap in the generator; the sample has none of it."""
    # Without the weight average, whose smoother generator leaves less of the gap to remove.
    fairness = Fairness("group", "outcome", weight=0.01)
    weak = Synthesizer(seed=0, fairness=fairness, ema=0, **SMALL)
    weak.fit(biased)
    sample = weak.sample(20_000, seed=5)
    head_only = weak.sample(20_000, seed=5, postprocess=False)
    assert parity_gap(sample) < 0.02 and parity_gap(head_only) > 0.05
    real_yes = (biased["outcome"] == "yes").mean()
    assert (sample["outcome"] == "yes").mean() == pytest.approx(real_yes, abs=0.03)
    assert sample["group"].value_counts(normalize=True)["B"] == pytest.approx(
        (biased["group"] == "B").mean(), abs=0.03
    )


def test_weight_zero_reproduces_the_unconstrained_model_exactly(biased, unfair):
    off = Synthesizer(seed=0, fairness=Fairness("group", "outcome", weight=0.0), **SMALL)
    pd.testing.assert_frame_equal(off.fit(biased).sample(300, seed=2), unfair.sample(300, seed=2))


def test_fairness_with_dp_leaves_the_ledger_unchanged(biased, pinned_entropy):
    privacy = Privacy(epsilon=3.0, delta=1e-5)
    dp = dict(SMALL, epochs=2, overrides=KINDS)
    plain = Synthesizer(seed=0, privacy=privacy, **dp).fit(biased)
    fair = Synthesizer(
        seed=0, privacy=privacy, fairness=Fairness("group", "outcome", weight=1.0), **dp
    ).fit(biased)
    assert fair.ledger_.to_dict() == plain.ledger_.to_dict()
    assert fair.ledger_.epsilon_spent <= 3.0
    assert not fair.sample(200, seed=1).equals(plain.sample(200, seed=1))  # the head did act
    # Two DP epochs teach little, but the sample is reweighed to parity all the same.
    assert parity_gap(fair.sample(10_000, seed=1)) < 0.03


def test_a_dp_target_and_a_fairness_head_are_refused_together(biased):
    """The target's DP tables would restore its dependence on proxies of the sensitive column."""
    privacy = Privacy(epsilon=3.0, delta=1e-5, target="outcome")
    with pytest.raises(ConfigError, match="cannot be combined with a fairness head"):
        Synthesizer(privacy=privacy, fairness=Fairness("group", "outcome"), **SMALL).fit(biased)
    # A weight of 0 is the unconstrained model, which may declare its target.
    off = Fairness("group", "outcome", weight=0.0)
    Synthesizer(privacy=privacy, fairness=off, **dict(SMALL, epochs=1, overrides=KINDS)).fit(biased)


def test_fairness_is_saved_with_the_model_and_shown_by_info(fair, tmp_path):
    path = fair.save(tmp_path / "fair.sgm")
    again = load(path)
    assert again.fairness == fair.fairness
    pd.testing.assert_frame_equal(again.sample(100, seed=3), fair.sample(100, seed=3))
    result = CliRunner().invoke(main, ["info", str(path)])
    assert "fairness: demographic_parity of 'outcome' across 'group', weight 2" in result.output
    assert "privacy: none" in result.output
    assert "reweighed to the real marginals and demographic parity" in result.output


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(sensitive="group", target="group"), "same column"),
        (dict(sensitive="group", target="outcome", criterion="equal_pay"), "not supported"),
        (dict(sensitive="group", target="outcome", weight=-1), "weight must be a number ≥ 0"),
        (dict(sensitive="", target="outcome"), "must be a column name"),
        (dict(sensitive=("group", "outcome"), target="outcome"), "same column"),
        (dict(sensitive=("group", "group"), target="outcome"), "distinct columns"),
        (dict(sensitive=(), target="outcome"), "distinct columns"),
    ],
)
def test_bad_fairness_settings_are_config_errors(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        Fairness(**kwargs)


@pytest.mark.parametrize(
    ("fairness", "change", "message"),
    [
        (Fairness("nope", "outcome"), None, "'nope' is not in the table"),
        (Fairness("group", "skill"), None, "'skill' is numeric: it must be categorical"),
        (Fairness("group", "outcome"), lambda df: df.assign(group="A"), "one group only"),
        (Fairness(("group", "skill"), "outcome"), None, "'skill' is numeric: it must be"),
        (Fairness(("group", "nope"), "outcome"), None, "'nope' is not in the table"),
    ],
)
def test_fairness_columns_are_checked_before_training(biased, fairness, change, message):
    df = biased if change is None else change(biased)
    with pytest.raises(DataError, match=message):
        Synthesizer(seed=0, fairness=fairness, **SMALL).fit(df)
    with pytest.raises(ConfigError, match="must be a synthgan.Fairness"):
        Synthesizer(fairness={"sensitive": "group"}, **SMALL).fit(biased)


def test_cli_fit_with_fairness(biased, tmp_path):
    data = tmp_path / "biased.csv"
    biased.to_csv(data, index=False)
    out = tmp_path / "fair.sgm"
    args = ["fit", str(data), "-o", str(out), "--epochs", "1", "-q"]
    result = CliRunner().invoke(
        main, [*args, "--fair-sensitive", "group", "--fair-target", "outcome"]
    )
    assert result.exit_code == 0, result.output
    assert load(out).fairness == Fairness("group", "outcome")
    result = CliRunner().invoke(main, [*args, "--fair-sensitive", "group"])
    assert result.exit_code == 2 and "go together" in result.output


def intersectional_gap(df: pd.DataFrame) -> float:
    rates = (df["outcome"] == "yes").groupby([df["group"], df["city"]]).mean()
    return float(rates.max() - rates.min())


@pytest.fixture(scope="module")
def crossed(biased) -> pd.DataFrame:
    """The outcome also depends on the city, so group × city carries a larger gap."""
    rng = np.random.default_rng(1)
    lift = (biased["city"] == "z") & (rng.random(len(biased)) < 0.5)
    return biased.assign(outcome=np.where(lift, "yes", biased["outcome"]))


def test_intersectional_groups_are_learned_as_one_column_and_lose_their_gap(crossed, unfair):
    fairness = Fairness(("group", "city"), "outcome", weight=2.0)
    model = Synthesizer(seed=0, fairness=fairness, **SMALL).fit(crossed)
    assert fairness.group_column in model.schema_.names  # the groups, as one learned column
    assert "group" not in model.schema_.names and "city" not in model.schema_.names
    sample = model.sample(6000, seed=1)
    assert list(sample.columns) == list(crossed.columns)  # split back, in the table's order
    plain = Synthesizer(seed=0, **SMALL).fit(crossed).sample(6000, seed=1)
    assert intersectional_gap(crossed) > 0.4 and intersectional_gap(plain) > 0.3
    assert intersectional_gap(sample) < intersectional_gap(plain) / 2
    pairs = sample[["group", "city"]].drop_duplicates()
    assert len(pairs.merge(crossed[["group", "city"]].drop_duplicates())) == len(pairs)
    # The groups keep their real shares: the head changes the target, not who is in a group.
    shares = sample.groupby(["group", "city"]).size() / len(sample)
    real = crossed.groupby(["group", "city"]).size() / len(crossed)
    assert np.abs(shares - real).max() < 0.03


def test_intersectional_settings_round_trip_and_the_head_off_fuses_nothing(crossed, tmp_path):
    fairness = Fairness(["group", "city"], "outcome", weight=0.0)  # a list, as JSON gives it
    assert fairness.sensitive == ("group", "city") and fairness.intersectional
    short = SMALL | {"epochs": 2}
    off = Synthesizer(seed=0, fairness=fairness, **short).fit(crossed)
    assert "group" in off.schema_.names  # not fused: the unconstrained model exactly
    plain = Synthesizer(seed=0, **short).fit(crossed)
    pd.testing.assert_frame_equal(off.sample(300, seed=2), plain.sample(300, seed=2))
    assert load(off.save(tmp_path / "off.sgm")).fairness == fairness
    with pytest.raises(ConfigError, match="'city' is the fairness head's sensitive column"):
        Synthesizer(
            fairness=Fairness(("group", "city"), "outcome"),
            fixed_combinations=[("city", "skill")],
            **SMALL,
        ).fit(crossed)


def test_cli_fit_and_evaluate_with_intersectional_groups(crossed, tmp_path):
    data = tmp_path / "crossed.csv"
    crossed.to_csv(data, index=False)
    out = tmp_path / "fair.sgm"
    args = ["fit", str(data), "-o", str(out), "--epochs", "1", "-q", "--fair-target", "outcome"]
    result = CliRunner().invoke(
        main, [*args, "--fair-sensitive", "group", "--fair-sensitive", "city"]
    )
    assert result.exit_code == 0, result.output
    assert load(out).fairness == Fairness(("group", "city"), "outcome")
    assert "across 'group' × 'city'" in CliRunner().invoke(main, ["info", str(out)]).output
    fake = tmp_path / "fake.csv"
    assert (
        CliRunner().invoke(main, ["sample", str(out), "-n", "500", "-o", str(fake)]).exit_code == 0
    )
    evaluated = CliRunner().invoke(
        main,
        [
            "evaluate",
            str(data),
            str(fake),
            "--target",
            "outcome",
            "--json",
            str(tmp_path / "r.json"),
            "--sensitive",
            "group",
            "--sensitive",
            "city",
            "-q",
        ],
    )
    assert evaluated.exit_code == 0, evaluated.output
    import json

    report = json.loads((tmp_path / "r.json").read_text())
    assert report["settings"]["sensitive"] == "group × city"
    assert "B × z" in report["details"]["fairness"]["rates"]["real"]
