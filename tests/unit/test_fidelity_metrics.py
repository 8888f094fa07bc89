"""The fidelity measuring stick: pair trends over every pair (equal to SDMetrics' numbers where
its definitions are sound, different where they drop or misbin cases), logistic detection,
diversity (coverage, lost modes, duplicates) and the target's class shares."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from synthgan.evaluate import evaluate, quality_report
from synthgan.evaluate.diversity import diversity_scores
from synthgan.evaluate.evaluation import encode_tables
from synthgan.evaluate.tables import prepare_tables


def frame(n: int, seed: int, shift: float = 0.0) -> pd.DataFrame:
    """Two correlated numbers, a number that drives a label, and two related labels."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=n)
    colour = rng.choice(["red", "green", "blue", "grey"], n, p=[0.4, 0.3, 0.2, 0.1])
    size = np.where(colour == "red", rng.choice(["S", "M"], n), rng.choice(["M", "L", "XL"], n))
    return pd.DataFrame(
        {
            "a": a + shift,
            "b": 0.8 * a + rng.normal(scale=0.6, size=n),
            "c": rng.exponential(size=n),
            "colour": colour,
            "size": size,
        }
    )


def sdmetrics_details(real: pd.DataFrame, synthetic: pd.DataFrame, thresholds: bool):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from sdmetrics.reports.single_table import QualityReport

        report = QualityReport()
        if not thresholds:
            report.real_correlation_threshold = report.real_association_threshold = 0
        columns = {
            c: {"sdtype": "numerical" if pd.api.types.is_numeric_dtype(t) else "categorical"}
            for c, t in real.dtypes.items()
        }
        report.generate(real, synthetic, {"columns": columns}, verbose=False)
    return report


@pytest.fixture(scope="module")
def pair():
    return frame(3000, 0), frame(2000, 1)


def test_shapes_and_unmixed_pairs_equal_sdmetrics_numbers(pair):
    real, synthetic = pair
    ours = quality_report(real, synthetic)
    theirs = sdmetrics_details(real, synthetic, thresholds=False)
    shapes = theirs.get_details("Column Shapes")
    for column, score in zip(shapes["Column"], shapes["Score"], strict=True):
        assert ours["column_shapes"][column] == pytest.approx(score, abs=1e-12)
    pairs = theirs.get_details("Column Pair Trends")
    kinds = {"a": "n", "b": "n", "c": "n", "colour": "c", "size": "c"}
    compared = 0
    for p in ours["column_pairs"]:
        a, b = p["columns"]
        if kinds[a] != kinds[b]:
            continue  # mixed pairs: binned differently on purpose (next test)
        row = pairs[(pairs["Column 1"] == a) & (pairs["Column 2"] == b)]
        assert p["score"] == pytest.approx(float(row["Score"].iloc[0]), abs=1e-12)
        compared += 1
    assert compared == 4  # a×b, a×c, b×c, colour×size


def test_every_pair_counts_and_the_thresholded_score_is_sdmetrics_default():
    real, synthetic = (frame(3000, s)[["colour", "size", "a", "b"]] for s in (0, 1))
    ours = quality_report(real, synthetic)
    assert len(ours["column_pairs"]) == 6 == ours["thresholds"]["pairs"]
    assert all(0 <= p["real_association"] <= 1 for p in ours["column_pairs"])
    counted = [p for p in ours["column_pairs"] if p["sdmetrics_counts"]]
    # colour×size (V ≈ 0.6) and a×b (r ≈ 0.8) pass; the mixed pairs are near independent
    assert {tuple(p["columns"]) for p in counted} == {("colour", "size"), ("a", "b")}
    theirs = sdmetrics_details(real, synthetic, thresholds=True)
    expected = theirs.get_properties().set_index("Property")["Score"]["Column Pair Trends"]
    assert ours["scores"]["column_pair_trends_sdmetrics"] == pytest.approx(expected, abs=1e-12)
    every = np.mean([p["score"] for p in ours["column_pairs"]])
    assert ours["scores"]["column_pair_trends"] == pytest.approx(every)


def test_a_shifted_number_loses_its_pairs_here_but_not_in_sdmetrics_own_bins():
    real = frame(3000, 0)
    ours, theirs = {}, {}
    for shift in (0.0, 10.0):
        synthetic = frame(3000, 1, shift=shift)
        pairs = quality_report(real, synthetic)["column_pairs"]
        ours[shift] = next(p["score"] for p in pairs if p["columns"] == ["a", "colour"])
        details = sdmetrics_details(real, synthetic, thresholds=False)
        table = details.get_details("Column Pair Trends").set_index(["Column 1", "Column 2"])
        theirs[shift] = table.loc[("a", "colour"), "Score"]
    # SDMetrics bins the synthetic column on its own range, so the shift is invisible to it
    assert abs(theirs[10.0] - theirs[0.0]) < 0.05
    assert ours[0.0] > 0.9 and ours[10.0] < 0.3


def test_missing_values_and_constant_columns_are_scored_not_dropped():
    rng = np.random.default_rng(0)
    real = pd.DataFrame({"x": rng.normal(size=2000), "y": rng.normal(size=2000)})
    real.loc[:999, "x"] = np.nan
    synthetic = pd.DataFrame({"x": rng.normal(size=2000), "y": np.ones(2000)})
    out = quality_report(real, synthetic)
    assert out["column_shapes"]["x"] == pytest.approx(0.5, abs=0.05)  # half the rows were missing
    (p,) = out["column_pairs"]
    assert p["metric"] == "contingency" and not p["sdmetrics_counts"] and p["score"] < 0.9


@pytest.fixture(scope="module")
def reports():
    real, holdout = frame(3000, 0), frame(3000, 2)
    collapsed = real[real["colour"] == "red"].sample(3000, replace=True, random_state=0)
    return {
        name: evaluate(real, synthetic, holdout, target="colour", verbose=False, seed=1)
        for name, synthetic in (("same", frame(3000, 1)), ("collapsed", collapsed))
    }


def test_coverage_and_lost_modes_show_a_collapse(reports):
    same, collapsed = reports["same"].scores, reports["collapsed"].scores
    assert abs(same["coverage"] - same["holdout_coverage"]) < 0.03
    assert collapsed["coverage"] < same["holdout_coverage"] - 0.3
    assert same["category_coverage"] == same["range_coverage"] == 1.0
    lost = reports["collapsed"].details["diversity"]["lost_modes"]
    assert {m["cell"] for m in lost if m["column"] == "colour"} == {"green", "blue", "grey"}
    assert collapsed["category_coverage"] < 1.0
    assert collapsed["synthetic_duplicate_rate"] > 0.5 > same["synthetic_duplicate_rate"]


def test_logistic_detection_sees_a_shift_and_not_a_fresh_sample():
    real = frame(3000, 0)
    for synthetic, low, high in ((frame(3000, 1), 0.4, 0.6), (frame(3000, 1, shift=1.0), 0.7, 1)):
        s = evaluate(real, synthetic, parts=["detection"], verbose=False).scores
        assert low < s["detection_lr_auc"] < high


def test_class_shares_and_predicted_positive_rates(reports):
    assert reports["same"].scores["label_share_error"] < 0.1  # four classes, a fresh sample

    def grey_or_not(df: pd.DataFrame) -> pd.DataFrame:
        return df.assign(colour=np.where(df["colour"] == "grey", "grey", "other"))

    real, holdout, synthetic = (
        grey_or_not(frame(n, s)) for n, s in ((3000, 0), (3000, 2), (6000, 1))
    )
    grey = synthetic.index[synthetic["colour"] == "grey"]
    fewer = synthetic.drop(grey[: len(grey) // 2])  # grey, the rarer class, at half its share
    r = evaluate(real, fewer, holdout, target="colour", verbose=False, parts=["utility"])
    assert r.details["utility"]["label_shares"]["grey"]["real"] == pytest.approx(0.1, abs=0.02)
    assert r.scores["label_share_error"] > 0.4
    assert r.scores["holdout_positive_rate"] == pytest.approx(0.1, abs=0.02)
    assert {"tstr_positive_rate", "trtr_positive_rate"} <= r.scores.keys()


def test_diversity_needs_more_rows_than_neighbours():
    tiny = prepare_tables(frame(5, 0), frame(5, 1))
    _, _, _, encoded = encode_tables(tiny)
    scores, _, na = diversity_scores(tiny, encoded, np.random.default_rng(0))
    assert "coverage" in na and "category_coverage" in scores
