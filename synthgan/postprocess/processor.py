"""One post-processor per model: what it does to generated rows, fitted once after training on
generated rows and released statistics (and, without DP, real rows), stored in the model file.

* Raking onto the condition vector's frequencies (the DP ones under DP), with the fairness
  pair made independent (``raking.py``).
* Under DP, numeric marginal maps onto the DP histograms, fitted on raked rows as sampling
  returns them (``marginals.py``).
* Under DP with a declared target, raking refitted on decoded rows onto the target's DP two-way
  tables, over coarse cells (``cells.py``).
* Without DP, rejection by a real-vs-generated classifier's density ratio (``density_ratio.py``):
  the one stage fitted on real rows, so never under DP.

``Synthesizer.sample(..., postprocess=False)`` turns all of it off, to see what it adds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd
import torch

from synthgan.encoded import CompactRows
from synthgan.postprocess.density_ratio import DensityRatio
from synthgan.postprocess.marginals import MarginalMap, fit_marginal_maps
from synthgan.postprocess.raking import Raking, marginal_targets
from synthgan.schema import Schema
from synthgan.transform import TableTransformer
from synthgan.transform.cells import Cells, TargetPairs
from synthgan.transform.continuous import Remap

__all__ = ["TENSOR_PREFIX", "PostProcessor", "fit_post_processor"]

#: The model file's tensors that belong to post-processing (the rest are the generator's).
TENSOR_PREFIX = "postprocess.density_ratio."

#: Generated rows the raking weights and the marginal maps are fitted on.
RAKING_POOL_ROWS = 100_000
MARGINAL_MAP_ROWS = 20_000
#: Real rows (and as many generated) the density-ratio classifier learns from: more gives a
#: sharper ratio (Adult: detection 0.742 with 3,256 rows, 0.672 with 30,000)...
RATIO_MAX_ROWS = 50_000
#: ...and the generated rows its rejection ceiling is set on.
RATIO_POOL_ROWS = 20_000
#: Rejection ceiling (quantile of the pool's weights) when raking onto a DP target's two-way
#: tables. Their weights spread much more than the marginals': on one Adult generator at ε = 1
#: the 0.999 quantile kept 5.6 % of generated rows, 0.99 keeps 13 % at the same quality (0.885)
#: and TSTR AUC (0.871 / 0.869), which keeps sampling within a few times the unraked speed.
TARGET_CEILING_QUANTILE = 0.99


@dataclass
class PostProcessor:
    """Raking weights (on condition slots, or on a DP target's ``cells``), numeric marginal
    maps, and the density-ratio classifier; all empty when turned off."""

    raking: Raking | None = None
    cells: Cells | None = None
    marginals: dict[str, MarginalMap] = field(default_factory=dict)
    ratio: DensityRatio | None = None

    @property
    def remaps(self) -> dict[str, Remap]:
        return {name: m.apply for name, m in self.marginals.items()}

    def to_dict(self) -> dict[str, Any]:
        return {
            "raking": None if self.raking is None else self.raking.to_dict(),
            "cells": None if self.cells is None else self.cells.to_dict(),
            "marginals": {name: m.to_dict() for name, m in self.marginals.items()},
            "density_ratio": None if self.ratio is None else self.ratio.to_dict(),
        }

    def tensors(self) -> dict[str, torch.Tensor]:
        """Weights for the model file's tensors, each name prefixed with ``TENSOR_PREFIX``."""
        if self.ratio is None:
            return {}
        return {TENSOR_PREFIX + k: v for k, v in self.ratio.tensors().items()}

    @classmethod
    def from_dict(
        cls,
        data: Mapping[str, Any],
        schema: Schema,
        slot_widths: tuple[int, ...],
        tensors: Mapping[str, torch.Tensor],
        width: int,
    ) -> PostProcessor:
        """``slot_widths``: the condition vector's, which raking without cells is on;
        ``tensors``: the model file's, prefixed; ``width``: the transformer's output width."""
        cells = None if data["cells"] is None else Cells.from_dict(data["cells"], schema)
        widths = slot_widths if cells is None else cells.widths
        raking = None if data["raking"] is None else Raking.from_dict(data["raking"], widths)
        if cells is not None and raking is None:
            raise ValueError("cells without the raking weights on them")
        if not isinstance(data["marginals"], Mapping):
            raise ValueError("marginal maps must be a mapping of column -> map")
        numeric = {c.name for c in schema.learned if not c.discrete}
        unknown = set(data["marginals"]) - numeric
        if unknown:
            raise ValueError(f"marginal maps for columns that are not numeric: {sorted(unknown)}")
        marginals = {n: MarginalMap.from_dict(m) for n, m in data["marginals"].items()}
        ratio_data = data.get("density_ratio")  # absent from files older than the stage
        if ratio_data is not None and (raking is not None or cells is not None):
            raise ValueError("the density ratio never comes with raking (DP or a fairness head)")
        ours = {
            k[len(TENSOR_PREFIX) :]: v for k, v in tensors.items() if k.startswith(TENSOR_PREFIX)
        }
        if ratio_data is None and ours:
            raise ValueError("density-ratio weights without the stage that uses them")
        ratio = None if ratio_data is None else DensityRatio.from_dict(ratio_data, ours, width)
        return cls(raking, cells, marginals, ratio)


class Draws(Protocol):
    """The sampling engine's part the fit needs (``synthgan.sampling.SamplingEngine``)."""

    post: PostProcessor

    def draw(self, n: int, fixed: None, rng: np.random.Generator, tg: torch.Generator): ...
    def draw_rows(self, n: int, fixed: None, rng: np.random.Generator, tg: torch.Generator): ...
    def decode(self, values: np.ndarray, draws: np.ndarray, rng: np.random.Generator): ...


def fit_post_processor(
    engine: Draws,
    transformer: TableTransformer,
    frequencies: list[np.ndarray],
    parity_pair: tuple[int, int] | None,
    summaries: Mapping[str, Any] | None,
    pairs: TargetPairs | None,
    real: CompactRows | None,
    seed: np.random.SeedSequence,
) -> PostProcessor:
    """Fit each stage on rows generated with the stages before it in place (``engine.post``):
    the maps see raked rows, the target's raking sees mapped ones, as sampling returns them.
    ``frequencies``: the condition vector's (empty: no raking); ``summaries``, ``pairs``: DP
    releases, or None; ``real``: the encoded training rows for the density ratio, or None."""
    rng = np.random.default_rng(seed)
    tg = torch.Generator().manual_seed(int(rng.integers(2**63 - 1)))
    post = engine.post = PostProcessor()
    if frequencies:
        _, draws = engine.draw(RAKING_POOL_ROWS, None, rng, tg)
        slots = draws[:, transformer.condition_draw_columns()]
        post.raking = Raking.fit(slots, marginal_targets(frequencies, parity_pair))
    if summaries is not None:
        values, draws = engine.draw(MARGINAL_MAP_ROWS, None, rng, tg)
        post.marginals = fit_marginal_maps(transformer, values, draws, summaries)
    if pairs is not None and pairs.tables:
        pool: pd.DataFrame = engine.decode(*engine.draw_rows(RAKING_POOL_ROWS, None, rng, tg), rng)
        # The tables hold every column's marginal too: they replace the marginal margins.
        targets = [((pairs.target, j), table) for j, table in pairs.tables.items()]
        post.raking = Raking.fit(pairs.cells.of(pool), targets, TARGET_CEILING_QUANTILE)
        post.cells = pairs.cells
    if real is not None:
        n = min(len(real), RATIO_MAX_ROWS)
        rows = real.dense(np.sort(rng.choice(len(real), n, replace=False)))

        def generated(count: int) -> np.ndarray:  # as sampling scores them
            values, draws = engine.draw(count, None, rng, tg)
            return transformer.encode_draws(values, draws, seed=int(rng.integers(2**63 - 1)))

        post.ratio = DensityRatio.fit(
            rows, generated(n), generated(RATIO_POOL_ROWS), int(rng.integers(2**63 - 1))
        )
    return post
