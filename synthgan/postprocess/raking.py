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

With a fairness head, one more factor per (sensitive, target) pair of values makes the weighted
joint of the two columns the product of their marginals: demographic parity in the sample
(Kamiran and Calders' "reweighing", applied to generated rows). The head removes most of the
dependence during training; this removes what the head leaves, without touching any row.

When a DP model is given the target column it will be used to predict, the margins are instead
the target's DP two-way tables with every other column (coarse cells for numbers, see
transform/cells.py): what a classifier trained on the sample needs most, and what a few hundred
noisy critic steps do not teach the generator.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Raking", "marginal_targets"]

#: Passes of iterative proportional fitting over the columns (it converges in a handful).
PASSES = 20
#: A factor stays within [1 / MAX_FACTOR, MAX_FACTOR], so a value the generator almost never
#: makes cannot take over the sample (or make rejection sampling crawl).
MAX_FACTOR = 5.0
#: The least share of generated rows a model file may say sampling keeps: it sets how many rows
#: one pass draws (1.1 / acceptance per row asked for), so it bounds sampling's memory.
MIN_ACCEPTANCE = 0.01
#: The rejection ceiling is this quantile of the pool's weights, not their maximum: sampling
#: keeps 2-5 times more rows (Adult, fair model without DP: 18 % instead of 4 %; same quality and
#: parity gap). The fit counts heavier rows at the ceiling, as sampling keeps them, so the kept
#: rows still match (a DP target's tables at the 0.99 quantile: quality 0.877 -> 0.885).
CEILING_QUANTILE = 0.999


@dataclass(frozen=True)
class Raking:
    """One factor per cell of each margin, and the rejection ceiling.

    A margin is one column of cells (a discrete column's values) or two (their joint); a row's
    weight is the product of the factors of the cells it falls in, one per margin.
    """

    margins: tuple[tuple[int, ...], ...]  # the cell columns each margin covers
    factors: tuple[np.ndarray, ...]  # per margin, one factor per cell (shaped by the widths)
    ceiling: float  # a high quantile of the pool's weights; heavier rows are always kept
    acceptance: float  # the share of the pool's rows sampling keeps

    @classmethod
    def fit(
        cls,
        cells: np.ndarray,
        targets: Sequence[tuple[tuple[int, ...], np.ndarray]],
        ceiling_quantile: float = CEILING_QUANTILE,
    ) -> Raking:
        """``cells``: each generated row's cell in every cell column (rows x columns);
        ``targets``: (cell columns, target shares shaped by those columns' widths) per margin."""
        margins = tuple(tuple(int(c) for c in columns) for columns, _ in targets)
        tables = [np.asarray(t, dtype=float) for _, t in targets]
        shares = [(t / t.sum() if t.sum() > 0 else t).ravel() for t in tables]
        index = [_flat(cells, m, t.shape) for m, t in zip(margins, tables, strict=True)]
        factors = [np.ones(len(s)) for s in shares]
        weights = np.ones(len(cells))
        for _ in range(PASSES):
            # Fit what sampling keeps: weights above the ceiling count as the ceiling.
            ceiling = np.quantile(weights, ceiling_quantile)
            for j, target in enumerate(shares):
                kept = np.minimum(weights, ceiling)
                current = np.bincount(index[j], weights=kept, minlength=len(target))
                new = _update(factors[j], target, current / kept.sum())
                weights *= (new / factors[j])[index[j]]  # rescale by the changed factor only
                factors[j] = new
        weights = _product(factors, index)  # exact, without rounding drift
        ceiling = float(np.quantile(weights, ceiling_quantile))
        acceptance = float(np.minimum(weights / ceiling, 1).mean())
        shaped = tuple(f.reshape(t.shape) for f, t in zip(factors, tables, strict=True))
        return cls(margins, shaped, ceiling, acceptance)

    def keep(self, cells: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Which generated rows to keep: each with probability weight / ceiling (at most 1)."""
        index = [_flat(cells, m, f.shape) for m, f in zip(self.margins, self.factors, strict=True)]
        weights = _product([f.ravel() for f in self.factors], index)
        return rng.random(len(cells)) * self.ceiling < weights

    def to_dict(self) -> dict[str, Any]:
        return {
            "margins": [list(m) for m in self.margins],
            "factors": [f.tolist() for f in self.factors],
            "ceiling": self.ceiling,
            "acceptance": self.acceptance,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], widths: tuple[int, ...]) -> Raking:
        if "margins" not in data:  # written before margins were general: singles, then a pair
            singles = [(j,) for j in range(len(data["factors"]))]
            pair = [] if data.get("pair") is None else [tuple(data["pair"])]
            factors = [*data["factors"], *([] if not pair else [data["pair_factors"]])]
            data = data | {"margins": singles + pair, "factors": factors}
        margins = tuple(tuple(int(c) for c in m) for m in data["margins"])
        factors = tuple(np.asarray(f, dtype=float) for f in data["factors"])
        ceiling, acceptance = float(data["ceiling"]), float(data["acceptance"])
        if len(margins) != len(factors) or any(
            not m
            or not all(0 <= c < len(widths) for c in m)
            or f.shape != tuple(widths[c] for c in m)
            for m, f in zip(margins, factors, strict=False)
        ):
            raise ValueError("the raking factors do not match the columns they weigh")
        bounded = all(
            np.all(np.isfinite(f)) and np.all(f >= 1 / MAX_FACTOR) and np.all(f <= MAX_FACTOR)
            for f in factors
        )
        if not bounded:
            raise ValueError(f"raking factors must lie in [1/{MAX_FACTOR:g}, {MAX_FACTOR:g}]")
        # A model file that lies about its ceiling or acceptance would make sampling loop for
        # ever, or draw without bound: both must agree with what the factors can weigh.
        lightest = float(np.prod([f.min() for f in factors]))
        heaviest = float(np.prod([f.max() for f in factors]))
        if not (lightest <= ceiling <= heaviest):
            raise ValueError("the raking ceiling lies outside the weights its factors can make")
        if not (max(MIN_ACCEPTANCE, min(1.0, lightest / ceiling)) <= acceptance <= 1):
            raise ValueError(f"raking acceptance must be in [{MIN_ACCEPTANCE:g}, 1]")
        return cls(margins, factors, ceiling, acceptance)


def marginal_targets(
    frequencies: Sequence[Sequence[float]], independent: tuple[int, int] | None = None
) -> list[tuple[tuple[int, ...], np.ndarray]]:
    """Margins onto each column's frequencies and, for ``independent`` = (sensitive, target),
    onto the product of their frequencies (demographic parity)."""
    targets = [((j,), np.asarray(f, dtype=float)) for j, f in enumerate(frequencies)]
    if independent is not None:
        s, t = independent
        targets.append(((s, t), np.outer(frequencies[s], frequencies[t])))
    return targets


def _flat(cells: np.ndarray, columns: tuple[int, ...], shape: tuple[int, ...]) -> np.ndarray:
    """Each row's cell of a margin, as a flat index into its factors."""
    return np.ravel_multi_index(tuple(cells[:, c] for c in columns), shape)


def _product(factors: list[np.ndarray], index: list[np.ndarray]) -> np.ndarray:
    """Each row's weight: the product of its cells' factors."""
    weights = np.ones(len(index[0]) if index else 0)
    for factor, i in zip(factors, index, strict=True):
        weights *= factor[i]
    return weights


def _update(factor: np.ndarray, target: np.ndarray, current: np.ndarray) -> np.ndarray:
    """One IPF step: scale each cell's factor by target / current share, within the limits."""
    ratio = np.divide(target, current, out=np.ones_like(target), where=current > 0)
    return np.clip(factor * ratio, 1 / MAX_FACTOR, MAX_FACTOR)
