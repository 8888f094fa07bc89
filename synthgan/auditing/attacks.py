"""Membership scores for canaries: a higher score means "more likely in the training table".

White-box (:class:`GradientCanaries`): a canary row carries a marker, a gradient of norm 100
times the clipping norm C on a parameter of its own that nothing else moves. The row goes
through the pipeline like any other (Poisson sampling, per-row clipping of its whole gradient,
the Gaussian noise), so each step's DP release shows, on that parameter, about C when the row
was drawn, plus N(0, σ²C²). The score is the log-likelihood ratio of those observations for
"in" (drawn with probability q at each step) against "out": the most powerful test of the
mechanism DP-SGD's accounting is about ("Dirac canaries", Nasr et al. 2021; Steinke et al.
2023). A second score first subtracts the noise a pipeline would have drawn had it seeded
DP-SGD from the seed stored in the model file: no help when the noise is secret, as it must
be; decisive when it is not.

Rows' own gradients make weak canaries here: each real row's critic gradient carries secret
randomness (dropout masks, its gradient-penalty partner, its condition column) and points
along every other row's, so matching releases against a row's own gradient found nothing,
even with the noise switched off (benchmarks/notes.md, "Privacy audit").

Black-box (:func:`black_box_scores`), from the synthetic table alone: the distance from a canary
to its closest synthetic row, and a density ratio (DOMIAS, van Breugel et al. 2023): how much
closer the synthetic rows crowd around the canary than the real rows without canaries do.
"""

from __future__ import annotations

import synthgan.opacus_import  # noqa: F401  (first: Opacus configures logging when imported)

# isort: split

import numpy as np
import pandas as pd
import torch
from opacus.optimizers.optimizer import _generate_noise

from synthgan.evaluate.features import DistanceSpace
from synthgan.evaluate.neighbours import nearest_distances
from synthgan.evaluate.tables import prepare_tables
from synthgan.privacy.plan import split_entropy
from synthgan.train.dp import ReleaseSettings, ReleaseWatch, secret_streams

__all__ = [
    "DENSITY_RATIO",
    "DISTANCE",
    "WHITE_BOX",
    "WHITE_BOX_REPLAY",
    "GradientCanaries",
    "black_box_scores",
]

WHITE_BOX = "white-box: gradient canaries"
WHITE_BOX_REPLAY = "white-box: noise replayed from the stored seed"
DISTANCE = "black-box: distance to the closest synthetic row"
DENSITY_RATIO = "black-box: density ratio"
#: A marker's norm, in units of the clipping norm: correct clipping cuts it to at most C.
MARKER_NORM = 100.0
#: Neighbours the density ratio's local density is read from.
DENSITY_NEIGHBOURS = 5


class GradientCanaries:
    """The white-box attack (see the module docstring); ``scores`` after the fit.

    ``rows[i]``: canary i's row in the training table, -1 when it was left out;
    ``max_grad_norm``: the pipeline's C; ``replay_seed``: the seed stored in the model file.
    """

    def __init__(self, rows: np.ndarray, n_rows: int, max_grad_norm: float, replay_seed: int):
        self.m = len(rows)
        self.canary_of = np.full(n_rows, -1, dtype=np.int64)
        inside = rows >= 0
        self.canary_of[rows[inside]] = np.flatnonzero(inside)
        self.marker = MARKER_NORM * max_grad_norm
        self.replay_seed = replay_seed
        self.scores = {WHITE_BOX: np.zeros(self.m), WHITE_BOX_REPLAY: np.zeros(self.m)}

    def markers(self, rows: np.ndarray) -> torch.Tensor:
        out = torch.zeros(len(rows), self.m)
        canary = self.canary_of[rows]
        drawn = np.flatnonzero(canary >= 0)
        out[drawn, canary[drawn]] = self.marker
        return out

    def watch(self) -> ReleaseWatch:
        _, _, secret = split_entropy(np.random.SeedSequence(self.replay_seed))
        noise_seed = secret_streams(secret)[1]
        replay: list[torch.Generator] = []  # made on the releases' device, as Opacus's is

        def observe(release: list[torch.Tensor], settings: ReleaseSettings) -> None:
            c, sigma, q = settings.max_grad_norm, settings.noise_multiplier, settings.sample_rate
            if not replay:
                replay.append(torch.Generator(device=release[0].device).manual_seed(noise_seed))
            # Opacus draws each parameter's noise in turn: the markers come last.
            guess = [_generate_noise(sigma * c, r, replay[0]) for r in release][-1]
            seen = release[-1].detach().cpu().double().numpy() * settings.expected_batch / c
            self.scores[WHITE_BOX] += _log_likelihood_ratio(seen, q, sigma)
            replayed = seen - guess.cpu().double().numpy() / c
            self.scores[WHITE_BOX_REPLAY] += _log_likelihood_ratio(replayed, q, sigma * 2**0.5)

        return ReleaseWatch(observe, self.markers, self.m)


def _log_likelihood_ratio(x: np.ndarray, q: float, sigma: float) -> np.ndarray:
    """log of [(1 - q) N(x; 0, σ²) + q N(x; 1, σ²)] / N(x; 0, σ²): one step's evidence that a
    canary is in, from its marker's release ``x`` (units of C)."""
    sigma = max(sigma, 1e-3)  # σ = 0 (no noise at all): a step still gives finite evidence
    with np.errstate(divide="ignore"):  # q = 1 on a table smaller than the batch
        return np.logaddexp(np.log1p(-q), np.log(q) + (x - 0.5) / sigma**2)


def black_box_scores(
    canaries: pd.DataFrame, synthetic: pd.DataFrame, reference: pd.DataFrame
) -> dict[str, np.ndarray]:
    """Distance and density-ratio scores of ``canaries`` against ``synthetic``; ``reference``
    holds real rows that are not canaries (the auditor's own)."""
    tables = prepare_tables(reference, synthetic[reference.columns], canaries[reference.columns])
    space = DistanceSpace(tables)
    points = space.encode(tables.holdout)
    to_synthetic = nearest_distances(points, space.encode(tables.synthetic), DENSITY_NEIGHBOURS)
    to_reference = nearest_distances(points, space.encode(tables.real), DENSITY_NEIGHBOURS)
    tiny = 1e-6  # an exact copy sits at distance 0
    return {
        DISTANCE: -to_synthetic[:, 0],
        DENSITY_RATIO: np.log(to_reference[:, -1] + tiny) - np.log(to_synthetic[:, -1] + tiny),
    }
