"""Match a DP model's numeric marginals to the DP histograms it already paid for.

A DP-SGD generator gets a few hundred noisy critic steps, and its one-dimensional marginals come
out visibly off (Adult at ε = 1: age and fnlwgt score 0.72 / 0.78 on SDMetrics' KS complement).
The shape histogram of every numeric column was released during preprocessing, so mapping the
generator's output onto it is post-processing: it costs no privacy. The map is monotone (value
``x`` goes to the histogram's quantile at the generated marginal's CDF of ``x``), so the order of
values, and with it rank correlations and every threshold a tree would learn, is kept.

The map is fitted once, on rows generated right after training, and stored in the model: a row's
value does not depend on the other rows of the sample it comes in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from synthgan.transform import TableTransformer
from synthgan.transform.continuous import ContinuousEncoder
from synthgan.transform.summaries import (
    LEVELS,
    NumericSummary,
    histogram_quantiles,
    quantile_levels,
)

__all__ = ["LEVELS", "MarginalMap", "fit_marginal_maps", "histogram_quantiles"]


@dataclass(frozen=True)
class MarginalMap:
    """A monotone map from a generated marginal onto a target one, both given as quantiles."""

    source: np.ndarray  # the generated values' quantiles at LEVELS + 1 even levels
    target: np.ndarray  # the target's quantiles at the same levels

    @classmethod
    def fit(cls, generated: np.ndarray, target: np.ndarray) -> MarginalMap:
        """``generated``: raw values from the generator; ``target``: quantiles at ``quantile_levels()``."""
        return cls(np.quantile(generated, quantile_levels()), np.asarray(target, dtype=float))

    def apply(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Each value's CDF under the generated marginal, then the target quantile there.

        A value the generator produces often enough to fill several levels (a point mass, such
        as an exact 0) spreads uniformly over those levels, so a generated share of zeros that
        is too large or too small is corrected rather than moved as a block.
        """
        levels = quantile_levels()
        u = np.interp(x, self.source, levels)
        first = np.searchsorted(self.source, x, side="left")
        last = np.searchsorted(self.source, x, side="right") - 1
        tied = last > first
        u[tied] = rng.uniform(levels[first[tied]], levels[last[tied]])
        return np.interp(u, levels, self.target)

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source.tolist(), "target": self.target.tolist()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MarginalMap:
        source, target = (np.asarray(data[k], dtype=float) for k in ("source", "target"))
        if source.shape != (LEVELS + 1,) or target.shape != source.shape:
            raise ValueError(f"a marginal map needs {LEVELS + 1} quantiles on each side")
        for side in (source, target):
            if not (np.all(np.isfinite(side)) and np.all(np.diff(side) >= 0)):
                raise ValueError("a marginal map's quantiles must be finite and non-decreasing")
        return cls(source, target)


def fit_marginal_maps(
    transformer: TableTransformer,
    values: np.ndarray,
    draws: np.ndarray,
    summaries: Mapping[str, NumericSummary],
) -> dict[str, MarginalMap]:
    """A map per numeric column from its generated marginal (``values`` / ``draws`` of
    generated rows, as for ``TableTransformer.inverse_draws``) onto its DP histogram."""
    maps = {}
    for encoder, v, d in transformer.blocks(values, draws):
        if not isinstance(encoder, ContinuousEncoder):
            continue
        x = encoder.generated_values(v, d)
        if len(x) == 0:
            continue
        summary = summaries[encoder.column.name]
        target = histogram_quantiles(
            np.asarray(summary.edges),
            np.asarray(summary.counts),
            np.asarray(summary.point),
            np.asarray(summary.points),
        )
        maps[encoder.column.name] = MarginalMap.fit(x, target)
    return maps
