"""evaluate() end to end on tables with known answers: copies of the training rows (privacy must
flag them), an independent sample of the same population (must look ideal), and columns shuffled
independently (utility and pair trends must drop). Plus bad input, the CLI, files and DP models."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import declared

from synthgan import ConfigError, DataError, Privacy, Synthesizer, evaluate, infer_schema
from synthgan.cli import main
from synthgan.evaluate.metrics import METRICS, metric


@pytest.fixture(scope="module")
def tables(people) -> dict[str, pd.DataFrame]:
    rows = people(4500)
    return {
        "real": rows.iloc[:2000].reset_index(drop=True),
        "holdout": rows.iloc[2000:3500].reset_index(drop=True),
        "independent": rows.iloc[3500:].reset_index(drop=True),
    }


def run(tables, synthetic, **kwargs):
    kwargs = {
        "holdout": tables["holdout"],
        "target": "outcome",
        "sensitive": "sex",
        "verbose": False,
    } | kwargs
    return evaluate(tables["real"], synthetic, **kwargs)


@pytest.fixture(scope="module")
def copies(tables):
    return run(tables, tables["real"].sample(frac=1.0, random_state=1))


@pytest.fixture(scope="module")
def independent(tables):
    return run(tables, tables["independent"])


@pytest.fixture(scope="module")
def shuffled(tables):
    rng = np.random.default_rng(5)
    real = tables["real"]
    return run(tables, real.apply(lambda c: c.to_numpy()[rng.permutation(len(real))]))


def verdict(report, metric):
    return next(v.verdict for v in report.verdicts if v.metric == metric)


def test_copies_of_the_training_rows_are_flagged_by_every_privacy_metric(copies):
    s = copies.scores
    assert s["exact_copy_rate"] == 1.0 and s["dcr_share"] > 0.99 and s["dcr_p5"] == 0.0
    assert s["mia_auc"] > 0.9 and s["mia_distance_tpr_at_1pct_fpr"] > 0.5
    assert {verdict(copies, m) for m in ("exact_copy_rate", "dcr_share", "mia_auc")} == {"poor"}
    # ...while quality and utility look perfect: only the privacy panel tells.
    assert s["quality"] > 0.99 and s["tstr_auc"] == pytest.approx(s["trtr_auc"])


def test_an_independent_sample_of_the_population_looks_ideal(independent):
    s = independent.scores
    assert s["exact_copy_rate"] <= s["holdout_copy_rate"] + 0.01
    assert abs(s["dcr_share"] - s["dcr_share_expected"]) < 0.05
    assert s["mia_auc"] < 0.56
    assert s["detection_auc"] < 0.6 and s["quality"] > 0.9
    assert abs(s["tstr_auc"] - s["trtr_auc"]) < 0.03
    assert abs(s["dp_gap_synthetic"] - s["dp_gap_real"]) < 0.06
    assert {
        verdict(independent, m) for m in ("exact_copy_rate", "dcr_share", "mia_auc", "quality")
    } == {"good"}


def test_columns_shuffled_independently_lose_pairs_and_utility_but_keep_shapes(
    independent, shuffled
):
    s, ideal = shuffled.scores, independent.scores
    assert s["column_shapes"] > 0.97  # every marginal is exact
    assert s["column_pair_trends"] < ideal["column_pair_trends"] - 0.03
    assert s["tstr_auc"] < 0.6 < ideal["tstr_auc"]
    assert s["detection_auc"] > ideal["detection_auc"] + 0.05
    assert s["dp_gap_synthetic"] < 0.06 < s["dp_gap_real"]  # the dependence on sex is gone


def test_every_score_is_a_finite_number_and_the_json_holds_them(independent, tmp_path):
    assert all(math.isfinite(v) for v in independent.scores.values())
    text = independent.to_json(tmp_path / "report.json")
    saved = json.loads((tmp_path / "report.json").read_text())
    assert saved == json.loads(text)
    assert saved["scores"] == pytest.approx(independent.scores)
    assert "not guarantees" in saved["privacy_statement"]
    assert set(saved["timings"]) >= {"quality", "utility", "privacy", "membership", "fairness"}


def test_every_score_has_one_registry_entry_and_lies_in_its_range(tables, copies, independent):
    """Scores of every task (two-class with fairness, regression, multiclass, no holdout) are
    declared in the registry, within their declared range, and described in the JSON."""
    reports = [
        copies,
        independent,
        run(tables, tables["independent"], target="income", sensitive=None),
        run(tables, tables["independent"], target="city"),
        run(tables, tables["independent"], holdout=None),
    ]
    keys = [m.key for m in METRICS]
    assert len(keys) == len(set(keys))
    for report in reports:
        for key, value in report.scores.items():
            low, high = metric(key).range
            assert low <= value <= high, (key, value)
        assert json.loads(report.to_json())["metrics"].keys() == report.scores.keys()


def test_summary_is_a_table_of_verdicts(independent):
    text = independent.summary()
    assert "membership attack ROC AUC" in text and "good" in text
    assert "not guarantees" in text


def test_without_a_holdout_the_holdout_metrics_say_why_they_are_missing(tables):
    report = evaluate(tables["real"], tables["independent"], target="outcome", verbose=False)
    assert "holdout" in report.not_applicable["utility"]
    assert "holdout" in report.not_applicable["mia"]
    assert "holdout" in report.not_applicable["dcr_share"]
    assert "exact_copy_rate" in report.scores and "quality" in report.scores


@pytest.mark.parametrize(
    ("change", "key", "reason"),
    [
        (lambda t: t.assign(sex="F"), "fairness", "one group only"),
        (lambda t: t.assign(outcome="no"), "utility", "one class only"),
    ],
)
def test_degenerate_real_columns_are_not_applicable_not_nan(tables, change, key, reason):
    report = evaluate(
        change(tables["real"]),
        tables["independent"],
        holdout=tables["holdout"],
        target="outcome",
        sensitive="sex",
        verbose=False,
    )
    assert reason in report.not_applicable[key]
    assert all(math.isfinite(v) for v in report.scores.values())


def test_a_synthetic_table_with_one_class_or_group_gets_explicit_entries(tables):
    fake = tables["independent"].assign(outcome="no", sex="M")
    report = run(tables, fake)
    assert "synthetic table has one target class" in report.not_applicable["tstr"]
    assert "one 'sex' group" in report.not_applicable["dp_gap_synthetic"]
    assert "trtr_auc" in report.scores and "tstr_auc" not in report.scores


def test_a_continuous_sensitive_attribute_must_be_binned_first(tables):
    report = run(tables, tables["independent"], sensitive="income")
    assert "continuous" in report.not_applicable["fairness"]


def test_regression_and_multiclass_targets(tables):
    regression = run(tables, tables["independent"], target="income", sensitive=None)
    assert regression.settings["task"] == "regression"
    assert regression.scores["trtr_r2"] > 0 and "tstr_mae" in regression.scores
    multiclass = run(tables, tables["independent"], target="city", sensitive="sex")
    assert multiclass.settings["task"] == "multiclass" and 0.5 < multiclass.scores["tstr_auc"] <= 1
    assert "two-class target" in multiclass.not_applicable["fairness"]


def test_rows_align_by_position_whatever_the_index(tables):
    shifted = tables["independent"].set_axis(np.arange(len(tables["independent"])) + 10_000)
    a = run(tables, tables["independent"], seed=3)
    b = run(tables, shifted.iloc[::-1].iloc[::-1], seed=3)
    assert a.scores == b.scores


def test_ignored_columns_are_left_out(tables):
    with_id = {k: v.assign(row_id=np.arange(len(v))) for k, v in tables.items()}
    report = run(with_id, with_id["independent"], ignore=["row_id"])
    assert "row_id" not in report.settings["columns"]
    with pytest.raises(DataError, match="no such column"):
        run(tables, tables["independent"], ignore=["nope"])


def test_iso_date_text_is_scored_as_dates_as_fit_reads_it(tables, tmp_path):
    """Dates written to CSV come back as text; they are scored as dates, not as categories."""
    from synthgan.io import read_table

    rng = np.random.default_rng(0)
    days = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 3000, 4500), unit="D")
    dated = {}
    # A time-zone-aware column becomes text with offsets, summer and winter time mixed.
    stamps = days.tz_localize("Europe/Berlin") + pd.Timedelta(hours=9)
    for (name, frame), start in zip(tables.items(), (0, 2000, 3500), strict=True):
        path = tmp_path / f"{name}.csv"
        rows = slice(start, start + len(frame))
        frame.assign(joined=days[rows], seen=stamps[rows]).to_csv(path, index=False)
        dated[name] = read_table(path)
    assert dated["real"]["joined"].dtype == object  # the CSV reader leaves ISO dates as text
    assert {"+01:00", "+02:00"} <= {v[-6:] for v in dated["real"]["seen"]}
    assert infer_schema(dated["real"])["seen"].kind == "datetime"  # fit reads it as dates too
    report = run(dated, dated["independent"], parts=["quality", "distributions"])
    assert report.settings["columns"]["joined"] == "numeric"
    assert report.settings["columns"]["seen"] == "numeric"
    assert report.details["quality"]["column_shapes"]["seen"] > 0.9
    assert report.details["quality"]["column_shapes"]["joined"] > 0.9
    assert report.details["distributions"]["columns"]["joined"]["dates"]  # plotted as dates
    assert not report.details["distributions"]["columns"]["age"]["dates"]


def test_columns_the_model_does_not_learn_are_left_out_with_a_reason(tables, fast):
    with_id = {k: v.assign(code=[f"C{i:05d}" for i in range(len(v))]) for k, v in tables.items()}
    model = Synthesizer(seed=0, **fast).fit(with_id["real"])
    assert model.schema_["code"].role == "id"
    report = run(with_id, with_id["independent"], model=model, parts=["quality"])
    assert "code" not in report.settings["columns"] and "code" in report.settings["ignored"]
    assert "does not learn it" in report.not_applicable["column 'code'"]
    alone = run(with_id, with_id["independent"], parts=["quality"])
    assert "code" in alone.settings["columns"]  # without the model, only ignore= leaves it out


def test_a_random_target_is_not_informative_rather_than_good(tables):
    rng = np.random.default_rng(3)
    noise = {k: v.assign(outcome=rng.choice(["a", "b"], len(v))) for k, v in tables.items()}
    report = run(noise, noise["independent"], parts=["utility"])
    line = next(v for v in report.verdicts if v.metric == "tstr_auc")
    assert report.scores["trtr_auc"] < 0.55 and line.verdict == "not informative"
    assert next(a for a in report.areas if a.area == "utility").verdict == "not informative"
    assert report.overall.verdict == "not informative"  # the only area: never "good"
    assert json.loads(report.to_json())["areas"][0]["area"] == report.areas[0].area


def test_the_same_seed_gives_the_same_report(tables):
    a = run(tables, tables["independent"], seed=7)
    b = run(tables, tables["independent"], seed=7)
    assert a.scores == b.scores


def test_a_dp_model_puts_its_ledger_in_the_report(tables, tmp_path):
    privacy = Privacy(epsilon=2.0, delta=1e-5)
    model = Synthesizer(
        privacy=privacy,
        overrides=declared(tables["real"]),
        epochs=1,
        batch_size=200,
        embedding_dim=16,
        generator_dim=(32, 32),
        discriminator_dim=(32, 32),
        seed=0,
        verbose=False,
    ).fit(tables["real"])
    fake = model.sample(1000, seed=1)
    report = run(tables, fake, model=model)
    assert report.ledger["epsilon_spent"] <= 2.0
    assert "Differential privacy" in report.summary()
    path = model.save(tmp_path / "dp.sgm")
    from_file = run(tables, fake, model=path)
    assert from_file.ledger == report.ledger
    report.to_html(tmp_path / "r.html")
    assert "Differential-privacy guarantee" in (tmp_path / "r.html").read_text()
    # The report reads the real rows, so it says at its top (under the verdict, before any
    # detail) that no DP guarantee covers it.
    summary = report.summary()
    assert summary.startswith("Overall: ")
    assert summary.index("This report reads the real rows: it is not covered by") < summary.index(
        "area  "
    )
    html = (tmp_path / "r.html").read_text()
    assert html.index('id="verdict"') < html.index("Not differentially private")
    assert html.index("Not differentially private") < html.index('id="quality"')
    assert json.loads(report.to_json())["not_dp_statement"].startswith("This report reads")


def test_cli_evaluate_writes_json_and_html(tables, tmp_path):
    paths = {}
    for name in ("real", "holdout"):
        paths[name] = tmp_path / f"{name}.csv"
        tables[name].to_csv(paths[name], index=False)
    paths["fake"] = tmp_path / "fake.parquet"
    tables["independent"].to_parquet(paths["fake"])
    result = CliRunner().invoke(
        main,
        [
            "evaluate",
            str(paths["real"]),
            str(paths["fake"]),
            "--holdout",
            str(paths["holdout"]),
            "--target",
            "outcome",
            "--sensitive",
            "sex",
            "--positive",
            "yes",
            "--html",
            str(tmp_path / "r.html"),
            "--json",
            str(tmp_path / "r.json"),
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "closer to train than holdout" in result.output
    saved = json.loads((tmp_path / "r.json").read_text())
    assert saved["settings"]["positive"] == "yes" and "mia_auc" in saved["scores"]
    assert (tmp_path / "r.html").read_text().startswith("<!DOCTYPE html>")


def test_cli_evaluate_bad_input_is_one_line_and_exit_1(tables, tmp_path):
    real = tmp_path / "real.csv"
    tables["real"].to_csv(real, index=False)
    fake = tmp_path / "fake.csv"
    tables["real"].drop(columns=["age"]).to_csv(fake, index=False)
    result = CliRunner().invoke(main, ["evaluate", str(real), str(fake), "-q"])
    assert result.exit_code == 1
    assert "DataError" in result.output and "missing ['age']" in result.output
    result = CliRunner().invoke(main, ["evaluate", str(real), str(real), "--target", "nope", "-q"])
    assert result.exit_code == 1 and "target 'nope'" in result.output


def test_a_parity_gap_set_by_a_tiny_group_is_flagged_as_uncertain(tables, independent):
    """A group of 8 rows sets the largest rate: the verdict says its rate is uncertain; the
    two-group table gets no such warning."""
    synthetic = tables["independent"].copy()
    synthetic.loc[synthetic.index[:8], "sex"] = "X"
    synthetic.loc[synthetic.index[:8], "outcome"] = "yes"
    report = run(tables, synthetic, holdout=None)
    caveat = next(v.caveat for v in report.verdicts if v.metric == "dp_gap")
    assert "X (8 rows, 95% interval" in caveat
    assert caveat in report.summary()
    groups = report.details["fairness"]["groups"]
    assert groups["synthetic"]["X"]["rows"] == 8
    assert groups["synthetic"]["F"]["rows"] + groups["synthetic"]["M"]["rows"] == len(synthetic) - 8

    assert not next(v.caveat for v in independent.verdicts if v.metric == "dp_gap")
    assert "Caveats" not in independent.summary()


def test_a_subset_of_parts_gives_the_same_utility_and_fairness_scores(tables, independent):
    """Benchmarks that need utility and fairness alone skip the rest; their scores match."""
    part = run(tables, tables["independent"], parts=["fairness"])
    assert set(part.timings) == {"prepare", "utility", "fairness"}
    assert part.scores and all(independent.scores[k] == v for k, v in part.scores.items())
    assert "tstr_auc" in part.scores and "quality" not in part.scores
    with pytest.raises(ConfigError, match="Unknown evaluation parts"):
        run(tables, tables["independent"], parts=["speed"])


def test_a_class_the_synthetic_table_makes_once_is_still_scored():
    # past 10,000 rows the boosting model holds out a stratified share, which needs two rows
    # of every class (KDD Cup 99's rare attacks, made once by a generator, crashed it)
    rng = np.random.default_rng(0)
    n = 12_000
    x = rng.normal(size=n)
    label = np.where(x > 1, "high", np.where(x < -1, "low", "mid"))
    real = pd.DataFrame({"x": x, "label": label})
    synthetic = real.copy()
    synthetic.loc[synthetic.index[: n // 2], "label"] = "mid"
    synthetic.loc[synthetic.index[0], "label"] = "rare"  # one row of a class
    holdout = real.sample(2_000, random_state=1)
    report = evaluate(real, synthetic, holdout, target="label", parts=["utility"], verbose=False)
    assert report.settings["task"] == "multiclass" and 0.5 < report.scores["tstr_auc"] <= 1
