"""Broken DP pipelines, for checking that the audit catches them (tests and benchmarks only).

Each is a context manager that breaks one rule of DESIGN.md's honest DP while the ledger goes
on claiming the same ε, the way published DP synthesizers were found broken.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from unittest import mock

import numpy as np
import pandas as pd

import synthgan.train.dp as dp
from synthgan.conditional import RowIndex
from synthgan.privacy import Privacy
from synthgan.synthesizer import Synthesizer

__all__ = ["FAULTS", "LABELS", "public_domain_pipeline", "public_domain_table"]

#: The public domain of the generated table's three label columns; rows use the first four.
LABELS = [f"v{i}" for i in range(30)]


def public_domain_table(n: int = 6000, seed: int = 0) -> pd.DataFrame:
    """Three label columns whose public domain holds labels no row has (so a canary can take
    one, as the worst case allows), and two numbers."""
    rng = np.random.default_rng(seed)
    labels = {k: rng.choice(LABELS[:4], n) for k in "abc"}
    return pd.DataFrame(
        {**labels, "x": rng.normal(size=n), "y": rng.integers(0, 100, n).astype(float)}
    )


def public_domain_pipeline(epsilon: float) -> Synthesizer:
    """A DP pipeline for :func:`public_domain_table`, with small networks (fast audits)."""
    kinds = {"a": "categorical", "b": "categorical", "c": "categorical"}
    return Synthesizer(
        privacy=Privacy(epsilon=epsilon, public={k: LABELS for k in "abc"}),
        overrides={**kinds, "x": "numeric", "y": "numeric"},
        embedding_dim=16,
        generator_dim=(32, 32),
        discriminator_dim=(32, 32),
        verbose=False,
    )


@contextlib.contextmanager
def noise_off() -> Iterator[None]:
    """DP-SGD adds no noise."""
    make = dp.private_optimizer

    def without_noise(optimizer, noise_multiplier, *args, **kwargs):
        return make(optimizer, 0.0, *args, **kwargs)

    with mock.patch.object(dp, "private_optimizer", without_noise):
        yield


@contextlib.contextmanager
def clipping_off() -> Iterator[None]:
    """Real rows' gradients are not clipped (the noise is still scaled to C)."""
    clip = dp.clipped_row_gradients

    def unclipped(critic, rows, sign, masks, max_grad_norm, *args, **kwargs):
        return clip(
            critic, rows, sign, masks, math.inf if sign < 0 else max_grad_norm, *args, **kwargs
        )

    with mock.patch.object(dp, "clipped_row_gradients", unclipped):
        yield


@contextlib.contextmanager
def training_by_sampling() -> Iterator[None]:
    """Real rows drawn by CTGAN's training-by-sampling (a value, then a row with it) while the
    accountant assumes Poisson sampling: rare values' rows are drawn far more often."""

    def batches(self):
        index = RowIndex(self.space, list(self.codes.T))
        for _ in range(max(round(1 / self.sample_rate), 1)):
            if self.steps_taken >= self.max_steps:
                self.stopped_by_budget = self.stop_training = True
                return
            col, slot = self.space.sample_training(self.config.batch_size, self.row_rng)
            held = index._counts[self.space.offsets[col] + slot] > 0  # values some row has
            rows = index.sample(col[held], slot[held], self.row_rng)
            yield np.asarray(rows, dtype=np.int64)

    with mock.patch.object(dp.DPGANTrainer, "_batches", batches):
        yield


@contextlib.contextmanager
def seeded_noise() -> Iterator[None]:
    """The secret entropy (noise, batches) derived from the seed stored in the model file."""
    fit = Synthesizer.fit

    def seeded_fit(self, df):
        with mock.patch(
            "synthgan.prepare.fresh_entropy", lambda: np.random.SeedSequence(self.seed)
        ):
            return fit(self, df)

    with mock.patch.object(Synthesizer, "fit", seeded_fit):
        yield


FAULTS = {
    "noise off": noise_off,
    "clipping off": clipping_off,
    "training-by-sampling": training_by_sampling,
    "noise from the stored seed": seeded_noise,
}
