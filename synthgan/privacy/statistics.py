"""Everything preprocessing learns from the real rows, as differentially private statistics.

Under differential privacy the transformer never sees the table: it is built from the summaries
made here, each a Gaussian-noised histogram (L2 sensitivity 1: one row moves one count by one)
and each recorded in the ledger.

* Row count: one noisy count, with a budget of its own (``count_rho``): it sets DP-SGD's
  sampling rate and steps, and its noise sets how wide a range of table sizes DP-SGD is
  accounted over (``privacy/plan.py``), so it is measured more precisely than a histogram bin.
* Numeric range: a noisy histogram over fixed power-of-two bins (0 and each sign get their own),
  bounds from the outermost bins clearly above the noise. "Clearly" is judged over all 121 bins
  at once: one empty bin whose noise passes the bar would stretch the range to 2**50 and ruin the
  column, so the bar is set for a 1e-4 chance of that per column. Declared public bounds skip
  this.
* Numeric shape: a noisy histogram of 100 bins within the range (one bin per integer for narrow
  integer columns, and a bin of its own for exact zeros); the continuous normaliser's modes are
  fitted on points drawn from it, so point masses such as "0 capital gain" survive.
* Category domain and frequencies: a noisy histogram over the declared categories (a value
  outside them counts as missing: an error naming it would leak it), or, when the domain is not
  declared, over the observed values with only those above a threshold released (the Gaussian
  sparse-histogram mechanism: a value held by one row is released with probability at most δ_τ,
  which is added to δ). Unreleased values and missing ones share the missing slot; a column
  none of whose values is released is generated as missing throughout.
* With a declared target column: its two-way table with every other column, over coarse cells
  chosen from the summaries above (cells.py), one noisy histogram per pair.

Nothing here raises, warns or logs because of a value: only because of a DP release. Values
outside declared bounds are clipped to them without a word (a count of them would be exact).
"""

from __future__ import annotations

import dataclasses
import logging
import math
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtri

from synthgan.datetimes import DATETIME_SECONDS, datetime_to_seconds
from synthgan.privacy.ledger import LedgerItem
from synthgan.privacy.mechanisms import Release, Releases
from synthgan.schema import Column, Schema
from synthgan.transform.cells import Cells, TargetPairs
from synthgan.transform.summaries import CategorySummary, NumericSummary

__all__ = ["PrivateStatistics", "declared_public", "planned_releases"]

logger = logging.getLogger(__name__)

#: Power-of-two magnitudes covered by the range histogram: 2**-9 .. 2**51.
_MIN_EXP, _MAX_EXP = -9, 50
#: Bins of the shape histogram, and the widest integer range that gets one bin per integer.
SHAPE_BINS = 100
MAX_INTEGER_BINS = 256
#: A count is "clearly above the noise" at this many noise standard deviations.
SIGNAL = 3.0
#: Chance that any empty bin of a column's range histogram passes as data (Bonferroni over bins).
RANGE_FALSE_BIN = 1e-4
#: Shape-histogram counts below this many standard deviations are set to zero.
SHAPE_FLOOR = 2.0


class PrivateStatistics:
    """Plans the preprocessing mechanisms for a schema and runs them on a table.

    Every mechanism gets the same noise multiplier, chosen so that together they spend ``rho``.

    Parameters
    ----------
    schema
        Structure-only schema (see ``infer_schema(..., private=True)``).
    rho
        zCDP budget of the histograms, shared equally.
    count_rho
        zCDP budget of the row count.
    threshold_delta
        δ the release thresholds of undeclared category domains may spend in all.
    rng
        Source of the noise.
    target
        A learned column whose two-way tables with every other column are measured too.
    """

    def __init__(
        self,
        schema: Schema,
        rho: float,
        count_rho: float,
        threshold_delta: float,
        rng: np.random.Generator,
        target: str | None = None,
    ):
        self.schema = schema
        self.target = target
        self.counter = Releases([("row count", "gaussian")], count_rho, rng)
        self.releases = Releases(planned_releases(schema, target), rho, rng)
        self.sigma, self.count_sigma = self.releases.sigma, self.counter.sigma
        private_domains = [c for c in schema.learned if c.discrete and not declared_public(c)]
        self.column_delta = threshold_delta / len(private_domains) if private_domains else 0.0
        # A value held by one row passes the threshold with probability column_delta.
        self.threshold = (
            1 + self.sigma * float(ndtri(1 - self.column_delta)) if private_domains else math.inf
        )
        self.pairs: TargetPairs | None = None

    @property
    def items(self) -> list[LedgerItem]:
        """Every release made, the row count first; only once all planned ones were made."""
        return self.counter.ledger() + self.releases.ledger()

    def count(self, df: pd.DataFrame) -> float:
        """The DP row count (at least 1): the first statistic, so δ can be checked on it."""
        return max(float(self.counter.gaussian("row count", len(df), "Gaussian count")), 1.0)

    def run(self, df: pd.DataFrame, n_rows: float) -> tuple[Schema, dict[str, Any]]:
        """The completed schema and a summary per learned column (after :meth:`count`)."""
        summaries: dict[str, Any] = {}
        columns = []
        for column in self.schema.columns:
            if not column.learned:
                columns.append(column)
                continue
            series = df[column.name]
            if column.discrete:
                summary = self._categories(column, series, n_rows)
                column = dataclasses.replace(
                    column,
                    categories=summary.categories,
                    nullable=summary.nullable,
                )
            else:
                summary = self._numeric(column, series)
                column = dataclasses.replace(
                    column, bounds=summary.bounds, nullable=summary.nullable
                )
            summaries[column.name] = summary
            columns.append(column)
        schema = Schema(tuple(columns))
        if self.target is not None:
            self.pairs = self._target_pairs(df, schema, summaries)
        return schema, summaries

    def _target_pairs(self, df: pd.DataFrame, schema: Schema, summaries: dict[str, Any]):
        """The target's two-way table with every other learned column, over their cells."""
        cells = Cells.from_summaries(schema, summaries)
        codes = cells.of(df)
        t = cells.names.index(self.target)
        tables = {}
        for j, name in enumerate(cells.names):
            if j == t:
                continue
            shape = (cells.widths[t], cells.widths[j])
            exact = np.bincount(
                np.ravel_multi_index((codes[:, t], codes[:, j]), shape),
                minlength=shape[0] * shape[1],
            )
            noisy = self.releases.gaussian(_pair(self.target, name), exact.reshape(shape))
            tables[j] = np.maximum(noisy, 0.0)
        return TargetPairs(cells, t, tables)

    # -- discrete -----------------------------------------------------------------------------

    def _categories(self, column: Column, series: pd.Series, n_rows: float) -> CategorySummary:
        values = series.dropna()
        if declared_public(column):
            declared = list(column.categories or [])
            exact = values.value_counts().reindex(declared, fill_value=0).to_numpy(float)
            missing = len(series) - exact.sum()  # missing values and values outside the list
            noisy = self.releases.gaussian(_frequencies(column), np.append(exact, missing))
            counts, missing_noisy = np.maximum(noisy[:-1], 0), float(noisy[-1])
            return CategorySummary(
                tuple(declared),
                tuple(counts.tolist()),
                max(missing_noisy, 0.0),
                missing_noisy > SIGNAL * self.sigma,
            )
        released = self.releases.sparse(
            _frequencies(column), values.value_counts(), self.threshold, self.column_delta
        )
        if not released:
            logger.warning(
                "Column %r: no value is frequent enough to be released under this privacy "
                "budget (threshold %.0f rows); it will be generated as missing. Declare its "
                "categories public, raise epsilon, or drop the column.",
                column.name,
                self.threshold,
            )
        categories = tuple(v for v, _ in released)
        counts = tuple(c for _, c in released)
        # The missing slot holds missing values and every value below the threshold.
        return CategorySummary(categories, counts, max(n_rows - sum(counts), 0.0), True)

    # -- numeric ------------------------------------------------------------------------------

    def _numeric(self, column: Column, series: pd.Series) -> NumericSummary:
        x = _as_float(series, column)
        missing = np.isnan(x)
        x = x[~missing]
        if declared_public(column):
            lo, hi = column.bounds
            missing_noisy = None
        else:
            (lo, hi), missing_noisy = self._range(column, x, int(missing.sum()))
        x = np.clip(x, lo, hi)
        edges, point, points = _shape_bins(lo, hi, column.kind == "integer")
        exact = _bin_counts(x, edges, point, points)
        if missing_noisy is None:
            exact = np.append(exact, missing.sum())
        noisy = self.releases.gaussian(_shape(column), exact)
        if missing_noisy is None:
            noisy, missing_noisy = noisy[:-1], float(noisy[-1])
        counts = np.where(noisy >= SHAPE_FLOOR * self.sigma, noisy, 0.0)
        return NumericSummary(
            bounds=(lo, hi),
            points=tuple(points.tolist()),
            edges=tuple(map(tuple, edges.tolist())),
            counts=tuple(counts.tolist()),
            point=tuple(point.tolist()),
            missing=max(missing_noisy, 0.0),
            nullable=missing_noisy > SIGNAL * self.sigma,
        )

    def _range(self, column: Column, x: np.ndarray, missing: int):
        """Bounds from a noisy histogram over fixed sign and power-of-two bins."""
        exps = np.arange(_MIN_EXP, _MAX_EXP + 1)
        # bin 0: exact zero; 1..m: positive magnitudes; m+1..2m: negative ones; last: missing
        m = len(exps)
        with np.errstate(divide="ignore"):
            k = np.clip(np.floor(np.log2(np.abs(x))), _MIN_EXP, _MAX_EXP).astype(int) - _MIN_EXP
        index = np.where(x == 0, 0, np.where(x > 0, 1 + k, 1 + m + k))
        exact = np.bincount(index, minlength=1 + 2 * m).astype(float)
        noisy = self.releases.gaussian(_range_of(column), np.append(exact, missing))
        counts, missing_noisy = noisy[:-1], float(noisy[-1])
        low = np.concatenate([[0.0], 2.0**exps, -(2.0 ** (exps + 1))])
        high = np.concatenate([[0.0], 2.0 ** (exps + 1), -(2.0**exps)])
        low[1], high[1 + m] = 0.0, 0.0  # the smallest magnitudes reach down to zero
        bar = float(ndtri(1 - RANGE_FALSE_BIN / len(counts))) * self.sigma
        strong = np.flatnonzero(counts > bar)
        if len(strong) == 0:
            strong = np.array([int(np.argmax(counts))])
            logger.warning(
                "Column %r: the privacy budget is too small to find its range reliably; "
                "declare its bounds public (Privacy(public={%r: (low, high)})).",
                column.name,
                column.name,
            )
        lo, hi = float(low[strong].min()), float(high[strong].max())
        if column.kind == "integer":
            lo, hi = math.floor(lo), math.ceil(hi)
        if column.kind == "datetime":  # within what a datetime64[ns] can hold
            lo, hi = (float(b) for b in np.clip([lo, hi], *DATETIME_SECONDS))
        return (lo, hi), missing_noisy


def _shape_bins(lo: float, hi: float, integer: bool):
    """Bin edges, which bins hold a single value, and that value (an integer, or 0)."""
    if integer and hi - lo <= MAX_INTEGER_BINS:
        values = np.arange(math.ceil(lo), math.floor(hi) + 1, dtype=float)
        edges = np.stack([values - 0.5, values + 0.5], axis=1)
        return edges, np.ones(len(values), bool), values
    cuts = np.linspace(lo, hi, SHAPE_BINS + 1)
    edges = np.stack([cuts[:-1], cuts[1:]], axis=1)
    point = np.zeros(SHAPE_BINS, bool)
    points = np.zeros(SHAPE_BINS)
    if lo <= 0 <= hi:  # exact zeros get a bin of their own (0 is a common point mass)
        edges = np.vstack([edges, [0.0, 0.0]])
        point = np.append(point, True)
        points = np.append(points, 0.0)
    return edges, point, points


def _bin_counts(x: np.ndarray, edges: np.ndarray, point: np.ndarray, points: np.ndarray):
    """Each value counted once: in the zero bin if it is 0 and there is one, else by interval."""
    if point.all():  # one bin per integer
        index = np.clip(np.round(x - points[0]).astype(int), 0, len(points) - 1)
        return np.bincount(index, minlength=len(points)).astype(float)
    counts = np.zeros(len(edges))
    if point.any():  # the zero bin comes last
        counts[-1] = np.count_nonzero(x == 0)
        x = x[x != 0]
    n = int((~point).sum())
    index = np.clip(np.searchsorted(edges[:n, 1], x, side="right"), 0, n - 1)
    counts[:n] = np.bincount(index, minlength=n)
    return counts


def _as_float(series: pd.Series, column: Column) -> np.ndarray:
    """The values as float64 (datetimes as seconds); the series already holds the declared kind
    (``coerce_table``)."""
    if column.kind == "datetime":
        return datetime_to_seconds(series)
    return series.to_numpy(dtype=float)


def planned_releases(schema: Schema, target: str | None) -> list[Release]:
    """The histograms ``run`` will release for ``schema``, named as in the ledger: a discrete
    column's frequencies (sparse when its domain is not declared), a numeric column's range
    (unless its bounds are declared) and shape, and the target's two-way tables."""
    planned: list[Release] = []
    for column in schema.learned:
        if column.discrete:
            sparse = not declared_public(column)
            planned.append((_frequencies(column), "sparse" if sparse else "gaussian"))
            continue
        if not declared_public(column):
            planned.append((_range_of(column), "gaussian"))
        planned.append((_shape(column), "gaussian"))
    if target is not None:
        planned += [(_pair(target, c.name), "gaussian") for c in schema.learned if c.name != target]
    return planned


def declared_public(column: Column) -> bool:
    """Whether the user declared the column's domain public: the one test that decides both
    which releases are planned and which are made."""
    return column.source == "public"


def _frequencies(column: Column) -> str:
    if not declared_public(column):
        return f"column {column.name!r}: domain and frequencies"
    return f"column {column.name!r}: frequencies"


def _range_of(column: Column) -> str:
    return f"column {column.name!r}: range histogram"


def _shape(column: Column) -> str:
    return f"column {column.name!r}: shape histogram"


def _pair(target: str, other: str) -> str:
    return f"columns {target!r} x {other!r}: two-way histogram"
