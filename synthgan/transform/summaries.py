"""What an encoder is fitted on when it may not see the rows: a column's DP summaries.

``synthgan.privacy.statistics`` makes them; the encoders, the condition space and the
post-processing only read them, so nothing outside ``synthgan.privacy`` needs the real rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["LEVELS", "CategorySummary", "NumericSummary", "histogram_quantiles", "quantile_levels"]


@dataclass(frozen=True)
class NumericSummary:
    """DP range and shape of a numeric, integer or datetime column."""

    bounds: tuple[float, float]
    points: tuple[float, ...]  # bin centres (integers, or 0) where ``point`` is set
    edges: tuple[tuple[float, float], ...]
    counts: tuple[float, ...]  # noisy, floored at zero
    point: tuple[bool, ...]  # the bin holds a single value
    missing: float  # noisy count of missing values
    nullable: bool

    def pseudo_sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Draw ``n`` values from the histogram: exact values in point bins, uniform elsewhere."""
        counts = np.asarray(self.counts, dtype=float)
        if counts.sum() <= 0:
            return rng.uniform(*self.bounds, size=n)
        bins = rng.choice(len(counts), size=n, p=counts / counts.sum())
        edges = np.asarray(self.edges)
        values = rng.uniform(edges[bins, 0], edges[bins, 1])
        point = np.asarray(self.point)[bins]
        values[point] = np.asarray(self.points)[bins][point]
        return values

    def median(self) -> float:
        counts = np.asarray(self.counts)
        if counts.sum() <= 0:
            return float(np.mean(self.bounds))
        i = int(np.searchsorted(np.cumsum(counts), counts.sum() / 2))
        return float(np.mean(self.edges[i]))


@dataclass(frozen=True)
class CategorySummary:
    """DP domain and frequencies of a discrete column."""

    categories: tuple[Any, ...]
    counts: tuple[float, ...]  # noisy, floored at zero, one per category
    missing: float  # noisy count of the missing slot (missing and unreleased values)
    nullable: bool


#: Quantile levels the map is stored at (1/LEVELS is its resolution in probability).
LEVELS = 500


def quantile_levels() -> np.ndarray:
    return np.linspace(0.0, 1.0, LEVELS + 1)


def histogram_quantiles(
    edges: np.ndarray, counts: np.ndarray, point: np.ndarray, points: np.ndarray
) -> np.ndarray:
    """Quantiles at ``quantile_levels()`` of a histogram: uniform inside interval bins, exact at point
    bins (a point bin at the left edge of an interval bin comes first)."""
    counts = np.maximum(np.asarray(counts, dtype=float), 0.0)
    left = np.where(point, points, edges[:, 0])
    right = np.where(point, points, edges[:, 1])
    order = np.lexsort((~point, left))
    counts, left, right = counts[order], left[order], right[order]
    if counts.sum() <= 0:
        return left[0] + quantile_levels() * (right[-1] - left[0])
    cum = np.cumsum(counts) / counts.sum()
    u = quantile_levels()
    i = np.minimum(np.searchsorted(cum, u, side="left"), len(cum) - 1)
    before = np.where(i > 0, cum[i - 1], 0.0)
    share = np.where(counts[i] > 0, (u - before) / np.maximum(cum[i] - before, 1e-300), 0.0)
    return left[i] + np.clip(share, 0.0, 1.0) * (right[i] - left[i])
