"""Statistical fidelity: the shape of every column and the trend of every column pair.

The definitions are those of SDMetrics' QualityReport, so the numbers compare with what other
tools publish: a column's shape score is 1 − the Kolmogorov–Smirnov distance (numbers) or 1 − the
total variation distance (categories); a pair's trend score is 1 − half the gap between its real and
synthetic Pearson correlations (two numbers) or 1 − the total variation distance of its
contingency table (otherwise, numbers in 10 equal-width bins). They are computed here because the
report, read as it comes, does not score what it seems to:

- it averages only the pairs whose real association passes its thresholds (|Pearson r| > 0.5,
  Cramér's V > 0.3) and drops the others silently. Here every pair
  counts; the thresholded score is kept beside it as ``column_pair_trends_sdmetrics``, and each
  pair carries its real association and whether the report would count it;
- it bins a number's synthetic values on the synthetic column's own range, so a column shifted
  whole scores as a perfect match in its pairs; here both tables are binned on the real edges;
- it leaves out missing values from a number's shape and a pair it cannot correlate (a constant
  column); here missing values are a value of their own, and such a pair is scored on its
  contingency table;
- it subsamples tables over 50,000 rows without a seed; here every row counts.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats.contingency import association

from synthgan.evaluate.tables import EvalTables, prepare_tables

__all__ = ["ASSOCIATION_THRESHOLD", "CORRELATION_THRESHOLD", "quality_report", "quality_scores"]

#: SDMetrics' QualityReport counts a pair only above these real associations.
CORRELATION_THRESHOLD = 0.5
ASSOCIATION_THRESHOLD = 0.3
BINS = 10


def quality_report(real: pd.DataFrame, synthetic: pd.DataFrame) -> dict[str, Any]:
    """The quality scores and details of ``synthetic`` against ``real``, on every column."""
    scores, details, _ = quality_scores(prepare_tables(real, synthetic))
    return {"scores": scores, **details}


def quality_scores(
    tables: EvalTables,
) -> tuple[dict[str, float], dict[str, Any], dict[str, str]]:
    """Scores, details (per column, per pair) and what does not apply."""
    real, synthetic = tables.real, tables.synthetic
    codes = {c: _codes(tables, c) for c in tables.kinds}
    shapes = {
        c: 1.0 - (_ks(real[c], synthetic[c]) if k == "numeric" else _tv(*codes[c]))
        for c, k in tables.kinds.items()
    }
    pairs = [_pair(tables, a, b, codes) for a, b in itertools.combinations(tables.kinds, 2)]
    scores = {"column_shapes": float(np.mean(list(shapes.values())))}
    not_applicable = {}
    if pairs:
        scores["column_pair_trends"] = float(np.mean([p["score"] for p in pairs]))
        scores["quality"] = (scores["column_shapes"] + scores["column_pair_trends"]) / 2
        counted = [p["score"] for p in pairs if p["sdmetrics_counts"]]
        if counted:
            scores["column_pair_trends_sdmetrics"] = float(np.mean(counted))
        else:
            not_applicable["column_pair_trends_sdmetrics"] = (
                "no pair's real association passes SDMetrics' thresholds"
            )
    else:
        scores["quality"] = scores["column_shapes"]
        not_applicable["column_pair_trends"] = "the table has one column: there are no pairs"
    details = {
        "column_shapes": shapes,
        "column_pairs": pairs,
        "thresholds": {
            "correlation": CORRELATION_THRESHOLD,
            "association": ASSOCIATION_THRESHOLD,
            "pairs_counted_by_sdmetrics": sum(p["sdmetrics_counts"] for p in pairs),
            "pairs": len(pairs),
        },
    }
    return scores, details, not_applicable


def _ks(real: pd.Series, synthetic: pd.Series) -> float:
    """The KS distance with a missing value as one more value above every number."""
    r, s = (np.sort(v[~np.isnan(v)]) for v in (real.to_numpy(), synthetic.to_numpy()))
    points = np.union1d(r, s)
    below_r = np.searchsorted(r, points, side="right") / len(real)
    below_s = np.searchsorted(s, points, side="right") / len(synthetic)
    return float(np.max(np.abs(below_r - below_s), initial=0.0))


def _codes(tables: EvalTables, column: str) -> tuple[np.ndarray, np.ndarray, int]:
    """Both tables' values as integer codes shared between them, missing values included:
    categories by label, numbers by the real column's 10 equal-width bins (open-ended)."""
    real, synthetic = tables.real[column], tables.synthetic[column]
    if tables.kinds[column] == "numeric":
        present = real.dropna().to_numpy()
        edges = np.histogram_bin_edges(present, bins=BINS) if len(present) else np.zeros(2)
        inner = edges[1:-1]

        def code(v: pd.Series) -> np.ndarray:
            values = v.to_numpy()
            return np.where(np.isnan(values), BINS, np.digitize(values, inner))

        return code(real), code(synthetic), BINS + 1
    levels = pd.Index(tables.levels[column])
    r, s = (levels.get_indexer(v) for v in (real, synthetic))  # missing → -1
    size = len(levels) + 1
    return np.where(r < 0, size - 1, r), np.where(s < 0, size - 1, s), size


def _tv(real: np.ndarray, synthetic: np.ndarray, size: int) -> float:
    p = np.bincount(real, minlength=size) / len(real)
    q = np.bincount(synthetic, minlength=size) / len(synthetic)
    return float(np.abs(p - q).sum() / 2)


def _pair(tables: EvalTables, a: str, b: str, codes: dict) -> dict[str, Any]:
    """One pair's trend score, its real association and whether SDMetrics' report counts it."""
    if tables.kinds[a] == tables.kinds[b] == "numeric":
        r = _pearson(tables.real[[a, b]])
        s = _pearson(tables.synthetic[[a, b]])
        if r is not None and s is not None:
            return {
                "columns": [a, b],
                "metric": "correlation",
                "score": 1.0 - abs(r - s) / 2,
                "real_association": abs(r),
                "real_correlation": r,
                "synthetic_correlation": s,
                "sdmetrics_counts": bool(abs(r) > CORRELATION_THRESHOLD),
            }
    # Two numbers it cannot correlate (a constant column) SDMetrics leaves out; scored here on
    # their contingency table, and still not counted in SDMetrics' score.
    numbers = tables.kinds[a] == tables.kinds[b] == "numeric"
    (ra, sa, na), (rb, sb, nb) = codes[a], codes[b]
    real_joint, synthetic_joint = ra * nb + rb, sa * nb + sb
    table = np.bincount(real_joint, minlength=na * nb).reshape(na, nb)
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    v = float(association(table, method="cramer")) if min(table.shape) > 1 else 0.0
    return {
        "columns": [a, b],
        "metric": "contingency",
        "score": 1.0 - _tv(real_joint, synthetic_joint, na * nb),
        "real_association": v,
        "sdmetrics_counts": bool(v > ASSOCIATION_THRESHOLD) and not numbers,
    }


def _pearson(frame: pd.DataFrame) -> float | None:
    """Pearson's r on the rows where both are present; None where it is undefined."""
    values = frame.dropna().to_numpy(dtype=np.float64)
    if len(values) < 2 or np.any(values.std(axis=0) == 0):
        return None
    return float(np.corrcoef(values.T)[0, 1])
