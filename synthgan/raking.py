"""Raking: reweight a DP model's generated rows so that discrete marginals match the DP ones.

Under DP the generator learns from a few hundred noisy critic steps, and the discrete columns it
is not asked for drift (Adult at ε = 1: total-variation scores of 0.93-0.95). The DP frequencies of
every discrete column and missing flag were already released for the condition vector, so fitting
row weights to them is post-processing: it costs no privacy.

The weights are those of iterative proportional fitting (survey raking): a row's weight is the
product of one factor per discrete column, for the value it has, fitted on a pool of generated
rows so that the weighted pool has the DP frequencies. Sampling keeps a generated row with
probability weight / ceiling (rejection sampling), which changes how often kinds of rows appear
but never what a row looks like, so within-row dependencies are kept, and no row is repeated.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Raking"]

#: Passes of iterative proportional fitting over the columns (it converges in a handful).
PASSES = 20
#: A factor stays within [1 / MAX_FACTOR, MAX_FACTOR], so a value the generator almost never
#: makes cannot take over the sample (or make rejection sampling crawl).
MAX_FACTOR = 5.0


@dataclass(frozen=True)
class Raking:
    """One factor per slot of each condition column, and the rejection ceiling."""

    factors: tuple[np.ndarray, ...]
    ceiling: float  # the largest weight in the fitting pool; heavier rows are always kept
    acceptance: float  # the share of the pool's rows sampling keeps

    @classmethod
    def fit(cls, slots: np.ndarray, frequencies: tuple[tuple[float, ...], ...]) -> Raking:
        """``slots``: generated rows' value index in each condition column (rows x columns);
        ``frequencies``: each column's target frequencies."""
        targets = [np.asarray(f, dtype=float) for f in frequencies]
        factors = [np.ones(len(t)) for t in targets]
        for _ in range(PASSES):
            for j, target in enumerate(targets):
                weights = _weights(factors, slots)
                current = np.bincount(slots[:, j], weights=weights, minlength=len(target))
                current /= weights.sum()
                ratio = np.divide(target, current, out=np.ones_like(target), where=current > 0)
                factors[j] = np.clip(factors[j] * ratio, 1 / MAX_FACTOR, MAX_FACTOR)
        weights = _weights(factors, slots)
        ceiling = float(weights.max())
        return cls(tuple(factors), ceiling, float(np.minimum(weights / ceiling, 1).mean()))

    def keep(self, slots: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Which generated rows to keep: each with probability weight / ceiling (at most 1)."""
        return rng.random(len(slots)) * self.ceiling < _weights(self.factors, slots)

    def to_dict(self) -> dict[str, Any]:
        return {
            "factors": [f.tolist() for f in self.factors],
            "ceiling": self.ceiling,
            "acceptance": self.acceptance,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], widths: tuple[int, ...]) -> Raking:
        factors = tuple(np.asarray(f, dtype=float) for f in data["factors"])
        ceiling, acceptance = float(data["ceiling"]), float(data["acceptance"])
        if tuple(len(f) for f in factors) != tuple(widths):
            raise ValueError("the raking factors do not match the condition columns")
        if not (ceiling > 0 and 0 < acceptance <= 1 and all(np.all(f > 0) for f in factors)):
            raise ValueError("raking factors, ceiling and acceptance must be positive")
        return cls(factors, ceiling, acceptance)


def _weights(factors: list[np.ndarray] | tuple[np.ndarray, ...], slots: np.ndarray) -> np.ndarray:
    weights = np.ones(len(slots))
    for j, factor in enumerate(factors):
        weights *= factor[slots[:, j]]
    return weights
