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

import synthgan.train.dp as dp
from synthgan.conditional import RowIndex
from synthgan.synthesizer import Synthesizer

__all__ = ["FAULTS"]


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
            yield np.asarray(index.sample(col, slot, self.row_rng), dtype=np.int64)

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
