"""Diversity: does the synthetic table cover the real one, or has the generator collapsed onto a
few modes?

- Category and range coverage: every category holding at least 0.1 % of the real rows, and every
  tenth of a number's real distribution (its deciles), should reach at least a tenth of its real
  share in the synthetic table. Those that do not are listed: a lost mode shows by name.
- Coverage (Naeem et al., "Reliable fidelity and diversity metrics for generative models", 2020):
  the share of real rows whose neighbourhood, the ball reaching their k-th nearest real
  neighbour, holds a synthetic row. A generator that samples the real distribution scores what
  holdout rows score in their place (reported beside it); a collapsed one scores less.
- Duplicates: the share of synthetic rows that repeat another synthetic row, beside the same
  share in the real table.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd

from synthgan.evaluate.distance import row_keys
from synthgan.evaluate.neighbours import nearest_distances
from synthgan.evaluate.tables import EvalTables

__all__ = ["coverage_cells", "diversity_scores"]

#: A category with this share of the real rows or more should appear in the synthetic table...
MIN_REAL_SHARE = 0.001
#: ...with at least this fraction of its real share.
MIN_SHARE_RATIO = 0.1
QUANTILE_BINS = 10
#: Rows per table for coverage (nearest neighbours within the real rows cost n²).
COVERAGE_ROWS = 5000
NEIGHBOURS = 5
#: The lost modes listed in the details, most common in the real table first.
MAX_LISTED = 50


def coverage_cells(
    real: pd.Series, synthetic: pd.Series, numeric: bool
) -> list[tuple[str, float, float]]:
    """(cell, real share, synthetic share) for every cell with at least 0.1 % of the real rows:
    a category, or a decile bin of a number; missing values are a cell of their own."""
    if numeric:
        present = real.dropna().to_numpy()
        edges = np.unique(np.quantile(present, np.linspace(0, 1, QUANTILE_BINS + 1)))
        if len(edges) == 1:  # one value only
            names = [f"{edges[0]:.4g}"]
        else:
            names = [f"[{lo:.4g}, {hi:.4g})" for lo, hi in itertools.pairwise(edges)]
            names[-1] = names[-1][:-1] + "]"
        names.append("(missing)")

        def shares(v: pd.Series) -> np.ndarray:
            values = v.to_numpy()
            bins = np.where(np.isnan(values), len(names) - 1, np.digitize(values, edges[1:-1]))
            return np.bincount(bins, minlength=len(names)) / len(v)

        cells = zip(names, shares(real), shares(synthetic), strict=True)
    else:
        real_shares = real.value_counts(normalize=True, dropna=False)
        synthetic_shares = synthetic.value_counts(normalize=True, dropna=False)
        cells = (
            (_name(value), share, synthetic_shares.get(value, 0.0))
            for value, share in real_shares.items()
        )
    return [(n, float(r), float(s)) for n, r, s in cells if r >= MIN_REAL_SHARE]


def _name(value: Any) -> str:
    return "(missing)" if pd.isna(value) else str(value)


def diversity_scores(
    tables: EvalTables, encoded: dict[str, np.ndarray], rng: np.random.Generator
) -> tuple[dict[str, float], dict[str, Any], dict[str, str]]:
    """Scores, the lost modes and coverage's settings, and what does not apply."""
    scores: dict[str, float] = {}
    not_applicable: dict[str, str] = {}
    lost: list[dict[str, Any]] = []
    for kind, key in (("categorical", "category_coverage"), ("numeric", "range_coverage")):
        columns = tables.categorical if kind == "categorical" else tables.numeric
        cells = [
            (column, *cell)
            for column in columns
            for cell in coverage_cells(
                tables.real[column], tables.synthetic[column], kind == "numeric"
            )
        ]
        if not cells:
            not_applicable[key] = f"the table has no {kind} columns"
            continue
        missed = [c for c in cells if c[3] < MIN_SHARE_RATIO * c[2]]
        scores[key] = 1.0 - len(missed) / len(cells)
        lost += [
            {"column": c, "cell": cell, "real_share": r, "synthetic_share": s}
            for c, cell, r, s in missed
        ]
    scores["synthetic_duplicate_rate"] = _duplicate_rate(tables.synthetic)
    scores["real_duplicate_rate"] = _duplicate_rate(tables.real)

    sizes = [len(tables.real), len(tables.synthetic), COVERAGE_ROWS]
    if tables.holdout is not None:
        sizes.append(len(tables.holdout))
    n = min(sizes)
    details: dict[str, Any] = {
        "lost_modes": sorted(lost, key=lambda m: -m["real_share"])[:MAX_LISTED],
        "lost_mode_count": len(lost),
        "rule": f"a cell with >= {MIN_REAL_SHARE:.1%} of the real rows reaching under "
        f"{MIN_SHARE_RATIO:g} x its real share",
    }
    if n <= NEIGHBOURS:
        not_applicable["coverage"] = f"needs more than {NEIGHBOURS} rows in each table"
        return scores, details, not_applicable
    real = encoded["real"][rng.permutation(len(tables.real))[:n]]
    radius = nearest_distances(real, real, k=NEIGHBOURS + 1)[:, -1]  # the first is the row itself
    for name, key in (("synthetic", "coverage"), ("holdout", "holdout_coverage")):
        if name not in encoded:
            continue
        sample = encoded[name][rng.permutation(len(encoded[name]))[:n]]
        nearest = nearest_distances(real, sample, k=1)[:, 0]
        scores[key] = float(np.mean(nearest <= radius))
    details["coverage"] = {"rows_per_table": n, "neighbours": NEIGHBOURS}
    return scores, details, not_applicable


def _duplicate_rate(frame: pd.DataFrame) -> float:
    """The share of rows equal to an earlier row, missing values included."""
    return float(pd.Series(row_keys(frame)).duplicated().mean())
