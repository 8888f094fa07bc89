"""The evaluator's parts against independent references: brute-force distances, scikit-learn's
ROC, fairlearn's fairness metrics, and hand-made tables with known answers."""

from __future__ import annotations

import ast
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score, roc_curve

from synthgan import DataError
from synthgan.evaluate import distance, html, report, verdicts
from synthgan.evaluate.distance import distance_risks
from synthgan.evaluate.evaluation import encode_tables
from synthgan.evaluate.fairness import (
    equalized_odds_difference,
    group_rates,
    parity,
    rate_intervals,
)
from synthgan.evaluate.features import DistanceSpace, simplex
from synthgan.evaluate.membership import _metrics
from synthgan.evaluate.metrics import METRICS, Thresholds, metric
from synthgan.evaluate.neighbours import nearest_distances
from synthgan.evaluate.tables import as_labels, prepare_tables
from synthgan.evaluate.verdicts import area_verdicts, headline_verdicts, overall_verdict


def brute_force(queries: np.ndarray, refs: np.ndarray, k: int) -> np.ndarray:
    d = np.sqrt(((queries[:, None, :].astype(float) - refs[None, :, :]) ** 2).sum(-1))
    return np.sort(d, axis=1)[:, :k]


@pytest.mark.parametrize("block_mb", [0.01, 2.0])
def test_nearest_distances_match_brute_force_in_any_block_size(block_mb):
    rng = np.random.default_rng(0)
    refs = rng.random((700, 9)).astype(np.float32)
    queries = rng.random((300, 9)).astype(np.float32)
    queries[:20] = refs[50:70]  # exact copies must measure exactly 0
    got = nearest_distances(queries, refs, k=2, block_mb=block_mb)
    np.testing.assert_allclose(got, brute_force(queries, refs, 2), atol=1e-6)
    assert (got[:20, 0] == 0).all()


def test_nearest_distances_report_progress_and_need_enough_references():
    done = []
    nearest_distances(np.zeros((5, 2)), np.ones((3, 2)), k=1, progress=done.append)
    assert sum(done) == 5
    with pytest.raises(ValueError, match="at least 2"):
        nearest_distances(np.zeros((5, 2)), np.ones((1, 2)), k=2)


@pytest.mark.parametrize("k", [1, 2, 3, 17])
def test_simplex_vertices_are_all_one_apart(k):
    v = simplex(k)
    assert v.shape == (k, k - 1)
    d = np.sqrt(((v[:, None] - v[None]) ** 2).sum(-1))
    np.testing.assert_allclose(d[~np.eye(k, dtype=bool)], 1.0, atol=1e-6)


def test_squared_distance_is_quantile_gaps_plus_label_mismatches():
    real = pd.DataFrame({"x": np.arange(10.0), "c": list("aabbccddee"), "d": ["u", "v"] * 5})
    tables = prepare_tables(real, real.copy())
    points = DistanceSpace(tables).encode(real)
    quantile = (np.arange(10) + 0.5) / 10  # mid-rank quantiles of distinct values
    for i, j in [(0, 1), (0, 9), (3, 4), (2, 7)]:
        expected = (quantile[i] - quantile[j]) ** 2
        expected += (real.c[i] != real.c[j]) + (real.d[i] != real.d[j])
        assert np.sum((points[i] - points[j]) ** 2) == pytest.approx(expected, abs=1e-6)


def test_missing_values_are_a_value_of_their_own():
    real = pd.DataFrame({"x": [1.0, np.nan, 3.0, 4.0], "c": ["a", None, "b", "a"]})
    tables = prepare_tables(real, real.copy())
    p = DistanceSpace(tables).encode(
        pd.DataFrame({"x": [np.nan, np.nan, 1.0], "c": [None, None, "a"]})
    )
    assert np.sum((p[0] - p[1]) ** 2) == 0
    assert np.sum((p[0] - p[2]) ** 2) >= 2  # a missing number and a missing label both differ


def test_labels_compare_equal_across_file_types():
    assert as_labels(pd.Series([1, 2, None])).tolist()[:2] == ["1", "2"]
    assert as_labels(pd.Series([1.0, 2.5])).tolist() == ["1", "2.5"]
    assert as_labels(pd.Series([True, False])).tolist() == ["True", "False"]
    assert as_labels(pd.Series(["a", 1.0, True, None])).tolist()[:3] == ["a", "1", "True"]
    real = pd.DataFrame({"flag": [True, False, True], "n": [1, 2, 3]})
    fake = pd.DataFrame({"flag": ["True", "False", "False"], "n": ["1", "2", "2"]})  # as from a CSV
    tables = prepare_tables(real, fake)
    assert tables.synthetic["flag"].tolist() == ["True", "False", "False"]
    assert tables.synthetic["n"].dtype == np.float64


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r, s: (r, s.drop(columns=["b"])), "missing \\['b'\\]"),
        (lambda r, s: (r, s.assign(extra=1)), "not in the real table \\['extra'\\]"),
        (lambda r, s: (r, s.iloc[:0]), "synthetic table is empty"),
        (lambda r, s: (r.iloc[:0], s), "real table is empty"),
        (lambda r, s: (r, s.assign(a=["x"] * len(s))), "'a' is numeric in the real table"),
        (lambda r, s: (r, [1, 2]), "must be a pandas DataFrame"),
    ],
)
def test_mismatched_tables_fail_with_a_message_that_names_the_problem(change, message):
    real = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": ["x", "y", "x"]})
    r, s = change(real, real.copy())
    with pytest.raises(DataError, match=message):
        prepare_tables(r, s)


def test_target_and_sensitive_must_exist_in_every_table():
    real = pd.DataFrame({"a": [1.0, 2.0, 3.0], "y": ["p", "n", "p"]})
    with pytest.raises(DataError, match="target 'z' is not a column of the real table"):
        prepare_tables(real, real, target="z")
    with pytest.raises(DataError, match="sensitive attribute 'y' is not a column of the holdout"):
        prepare_tables(real, real, real.drop(columns=["y"]), sensitive="y", ignore=())
    with pytest.raises(DataError, match="positive='q' is not a class"):
        prepare_tables(real, real, target="y", positive="q")


def test_task_and_positive_class_are_inferred_from_the_real_target():
    rng = np.random.default_rng(0)
    real = pd.DataFrame(
        {"x": rng.random(100), "y": ["rare"] * 10 + ["common"] * 90, "r": rng.random(100)}
    )
    binary = prepare_tables(real, real, target="y")
    assert (binary.task, binary.positive) == ("binary", "rare")
    assert prepare_tables(real, real, target="r").task == "regression"
    ints = real.assign(y=[0, 1] * 50)
    assert prepare_tables(ints, ints, target="y", positive=1).positive == "1"
    one_class = real.assign(y="only")
    assert "one class only" in prepare_tables(one_class, one_class, target="y").target_problem


def test_roc_metrics_match_scikit_learn_with_and_without_ties():
    rng = np.random.default_rng(1)
    members = rng.random(2000) < 0.5
    for score in (rng.normal(size=2000) + members, np.round(rng.normal(size=2000) + members, 1)):
        ours = _metrics(score, members)
        assert ours["auc"] == pytest.approx(roc_auc_score(members, score), abs=1e-12)
        fpr, tpr, _ = roc_curve(members, score)
        assert ours["tpr_at_1pct_fpr"] == pytest.approx(np.interp(0.01, fpr, tpr), abs=1e-12)


def test_fairness_definitions_agree_with_fairlearn():
    from fairlearn.metrics import (
        demographic_parity_difference,
        demographic_parity_ratio,
    )
    from fairlearn.metrics import equalized_odds_difference as fl_eo

    rng = np.random.default_rng(2)
    groups = rng.choice(["a", "b", "c"], 3000)
    y_true = (rng.random(3000) < np.where(groups == "a", 0.3, 0.5)).astype(int)
    y_pred = (rng.random(3000) < np.where(groups == "b", 0.2, 0.6)).astype(int)
    difference, ratio = parity(group_rates(y_pred, groups))
    assert difference == pytest.approx(
        demographic_parity_difference(y_true, y_pred, sensitive_features=groups)
    )
    assert ratio == pytest.approx(
        demographic_parity_ratio(y_true, y_pred, sensitive_features=groups)
    )
    assert equalized_odds_difference(y_true, y_pred, groups) == pytest.approx(
        fl_eo(y_true, y_pred, sensitive_features=groups)
    )


def test_dcr_share_counts_ties_half_and_states_the_expected_share():
    rng = np.random.default_rng(3)
    population = pd.DataFrame({"x": rng.normal(size=3000), "c": rng.choice(list("abc"), 3000)})
    real, holdout = population.iloc[:2000], population.iloc[2000:]
    tables = prepare_tables(real, real.iloc[:500], holdout)  # copies: all closer to train
    encoded = encode_tables(tables)[3]
    scores, details, _ = distance_risks(tables, encoded, rng)
    assert scores["exact_copy_rate"] == 1.0
    assert scores["dcr_share"] == 1.0
    assert scores["dcr_share_expected"] == pytest.approx(2000 / 3000)
    assert scores["dcr_p5"] == 0.0 < scores["holdout_dcr_p5"]
    assert len(details["dcr_quantiles"]["synthetic"]) == 101
    # Rows in both train and holdout are at distance 0 from each: every comparison is a tie.
    tied = prepare_tables(pd.concat([real, holdout.iloc[:10]]), holdout.iloc[:10], holdout)
    scores, _, _ = distance_risks(tied, encode_tables(tied)[3], rng)
    assert scores["dcr_share"] == 0.5


def test_distances_of_a_large_synthetic_table_come_from_a_stated_sample_within_its_margin(
    monkeypatch,
):
    rng = np.random.default_rng(4)
    population = pd.DataFrame({"x": rng.normal(size=6000), "c": rng.choice(list("abc"), 6000)})
    real, holdout = population.iloc[:2000], population.iloc[2000:3000]
    # Half the synthetic rows copy training rows, half are new: the share is about 0.83.
    tables = prepare_tables(
        real, pd.concat([real.iloc[:1500], population.iloc[3000:4500]]), holdout
    )
    encoded = encode_tables(tables)[3]
    full, _, _ = distance_risks(tables, encoded, np.random.default_rng(0))
    monkeypatch.setattr(distance, "DISTANCE_ROWS", 1000)
    part, details, _ = distance_risks(tables, encoded, np.random.default_rng(0))
    assert details["synthetic_rows_measured"] == 1000 and details["synthetic_rows"] == 3000
    margin = details["dcr_share_margin"]
    assert 0 < margin < 0.03 and abs(part["dcr_share"] - full["dcr_share"]) < margin
    assert part["exact_copy_rate"] == full["exact_copy_rate"] == 0.5  # counted on every row
    line = metric("dcr_share").headline.facts(part, {"privacy": details})["measured"]
    assert "1,000 of 3,000 synthetic rows" in line and f"±{margin:.3f}" in line
    # the page says so too
    page = html._privacy(report.Report(part, {}, {"privacy": details}, {}, {}))
    assert "uniform sample of 1,000 of the 3,000 synthetic rows" in page


@pytest.mark.parametrize("true_share", [0.5, 0.997])
def test_the_dcr_share_margin_covers_the_share_of_every_row_95_percent_of_the_time(true_share):
    rng = np.random.default_rng(5)
    population = rng.random(3000) < true_share
    covered = 0
    for _ in range(2000):
        share = population[rng.choice(3000, 1000, replace=False)].mean()
        covered += abs(share - population.mean()) <= distance._margin(share, 1000, 3000)
    assert covered / 2000 >= 0.94
    assert distance._margin(1.0, 1000, 3000) > 0.001  # a sample of copies only is not exact


def test_group_rate_intervals_cover_the_true_rate_about_95_percent_of_the_time():
    rng = np.random.default_rng(3)
    covered, widths = 0, {}
    for n in (20, 2000):
        for _ in range(1000):
            y = (rng.random(n) < 0.3).astype(int)
            groups = np.where(np.arange(n) % 2 == 0, "a", "b")
            out = rate_intervals(y, groups)
            assert out["a"]["rows"] == out["b"]["rows"] == n // 2
            for g, rate in group_rates(y, groups).items():
                low, high = out[g]["interval"]
                assert low <= rate <= high
                covered += low <= 0.3 <= high
                widths.setdefault(n, []).append(high - low)
    assert 0.93 <= covered / 4000 <= 0.97
    assert np.mean(widths[20]) > 5 * np.mean(widths[2000])


def headline(scores: dict[str, float], key: str):
    return next((v for v in headline_verdicts(scores, {}) if v.metric == key), None)


@pytest.mark.parametrize(
    ("scores", "key", "expected"),
    [
        ({"quality": 0.85}, "quality", "good"),
        ({"quality": 0.84}, "quality", "fair"),
        ({"quality": 0.69}, "quality", "poor"),
        ({"detection_auc": 0.5}, "detection_auc", "good"),
        ({"detection_auc": 0.81}, "detection_auc", "poor"),
        ({"tstr_auc": 0.85, "trtr_auc": 0.875}, "tstr_auc", "good"),
        ({"tstr_auc": 0.80, "trtr_auc": 0.875}, "tstr_auc", "fair"),
        ({"tstr_r2": 0.5, "trtr_r2": 0.7}, "tstr_r2", "poor"),
        ({"exact_copy_rate": 0.0}, "exact_copy_rate", "good"),
        ({"exact_copy_rate": 0.01, "holdout_copy_rate": 0.0}, "exact_copy_rate", "poor"),
        ({"dcr_share": 0.53, "dcr_share_expected": 0.5}, "dcr_share", "fair"),
        ({"augmentation_gain": 0.2}, "augmentation_gain", "info"),
    ],
)
def test_headline_verdicts_grade_by_the_registry_thresholds(scores, key, expected):
    assert headline(scores, key).verdict == expected


@pytest.mark.parametrize(
    ("scores", "key"),
    [
        ({"tstr_auc": 0.502, "trtr_auc": 0.475}, "tstr_auc"),  # a target nothing predicts
        ({"tstr_auc": 0.9, "trtr_auc": 0.55}, "tstr_auc"),
        ({"tstr_r2": -0.2, "trtr_r2": 0.01}, "tstr_r2"),
    ],
)
def test_a_comparison_with_a_reference_near_chance_is_not_informative(scores, key):
    line = headline(scores, key)
    assert line.verdict == "not informative" and "near chance" in line.meaning
    assert headline({**scores, f"trtr_{key[5:]}": 0.8}, key).verdict != "not informative"


def test_an_area_is_as_good_as_its_worst_line_and_overall_as_its_worst_area():
    scores = {
        "quality": 0.9,
        "detection_auc": 0.52,
        "exact_copy_rate": 0.01,
        "holdout_copy_rate": 0.0,
        "tstr_auc": 0.5,
        "trtr_auc": 0.5,
    }
    areas = {a.area: a for a in area_verdicts(headline_verdicts(scores, {}))}
    assert areas["quality"].verdict == "good"
    assert areas["privacy"].verdict == "poor" and "1.0%" in areas["privacy"].summary
    assert areas["utility"].verdict == "not informative"
    overall = overall_verdict(list(areas.values()))
    assert overall.verdict == "poor" and overall.summary.startswith("Privacy")
    del scores["exact_copy_rate"]
    overall = overall_verdict(area_verdicts(headline_verdicts(scores, {})))
    assert overall.verdict == "good" and overall.summary.endswith("Not informative: utility.")
    assert overall_verdict([]).verdict == "info"


def test_a_headline_needs_its_reference_score():
    assert headline({"tstr_auc": 0.9}, "tstr_auc") is None
    assert headline({"exact_copy_rate": 0.0}, "exact_copy_rate").reference == "no holdout"
    line = headline({"tstr_auc": 0.85, "trtr_auc": 0.875}, "tstr_auc")
    assert (line.label, line.reference) == ("train-synthetic ROC AUC", "train-real 0.875")


def test_verdicts_read_their_thresholds_from_the_registry(monkeypatch):
    quality = metric("quality")
    stricter = replace(quality.headline, thresholds=Thresholds(0.95, 0.90, higher_is_better=True))
    registry = tuple(replace(m, headline=stricter) if m is quality else m for m in METRICS)
    assert headline({"quality": 0.9}, "quality").verdict == "good"
    monkeypatch.setattr(verdicts, "METRICS", registry)
    assert headline({"quality": 0.9}, "quality").verdict == "fair"


def test_an_undeclared_score_is_a_key_error():
    with pytest.raises(KeyError):
        metric("no_such_score")


def _runtime_imports(module) -> set[str]:
    """The modules a file imports when it runs (imports under ``if TYPE_CHECKING`` left out)."""
    tree = ast.parse(Path(module.__file__).read_text())
    skipped = {
        id(node)
        for branch in ast.walk(tree)
        if isinstance(branch, ast.If) and getattr(branch.test, "id", "") == "TYPE_CHECKING"
        for node in ast.walk(branch)
    }
    found = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return found


def test_report_imports_html_and_never_the_reverse():
    from synthgan.evaluate import html, metrics, statements

    assert "synthgan.evaluate.html" in _runtime_imports(report)
    for module in (html, metrics, statements, verdicts):
        assert "synthgan.evaluate.report" not in _runtime_imports(module), module.__name__


def test_time_zone_aware_datetimes_are_compared_as_utc_seconds():
    """One conversion (synthgan.datetimes) for every part: a zone-aware column used to crash."""
    stamps = pd.Series(pd.to_datetime(["2020-01-01 00:00", "2021-06-01 10:00", None]))
    real = pd.DataFrame({"when": stamps.dt.tz_localize("Europe/Oslo"), "c": ["a", "b", "a"]})
    tables = prepare_tables(real, real.copy())
    assert tables.kinds["when"] == "numeric"
    seconds = tables.real["when"]
    utc = [pd.Timestamp("2019-12-31 23:00", tz="UTC"), pd.Timestamp("2021-06-01 08:00", tz="UTC")]
    assert seconds.iloc[:2].tolist() == [t.timestamp() for t in utc]
    assert np.isnan(seconds.iloc[2])


def test_a_report_gives_its_page_without_a_path_and_its_headline_in_a_notebook(tmp_path):
    from conftest import make_mixed_frame

    from synthgan import evaluate

    real = make_mixed_frame(200, seed=0)
    report = evaluate(real, make_mixed_frame(200, seed=1), parts=["quality"])
    page = report.to_html()
    assert isinstance(page, str) and page.startswith("<!DOCTYPE html>")
    written = report.to_html(tmp_path / "r.html")
    assert written.read_text(encoding="utf-8") == page
    headline = report._repr_html_()
    assert "<table" in headline and all(v.label in headline for v in report.verdicts)
