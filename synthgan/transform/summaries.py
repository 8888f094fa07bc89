"""What an encoder is fitted on when it may not see the rows: a column's DP summaries.

``synthgan.privacy.statistics`` makes them; the encoders, the condition space and the
post-processing only read them, so nothing outside ``synthgan.privacy`` needs the real rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["CategorySummary", "NumericSummary"]


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
