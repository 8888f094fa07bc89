"""Training callbacks: what the loop reports, and whether it goes on, kept out of the loop itself.

The trainer calls each callback's hooks in list order; a hook that wants training to end sets
``trainer.stop_training = True`` (looked at after every epoch), and a hook that finds the
model unusable raises. Validation, early stopping and checkpoints are meant to be added the same
way, as callbacks, without touching the loop.

Privacy rules are not callbacks: the DP trainer enforces its accountant's step budget itself,
where it draws batches, so no list of callbacks can leave it out (see ``train/dp.py``).
"""

from __future__ import annotations

import contextlib
import math
from typing import TYPE_CHECKING

from synthgan.errors import TrainingError
from synthgan.progress import progress_bar

if TYPE_CHECKING:
    from synthgan.train.gan import GANTrainer

__all__ = ["Callback", "DivergenceCheck", "History", "ProgressBar"]

Metrics = dict[str, float]


class Callback:
    """Hooks the training loop calls; each does nothing unless a subclass overrides it."""

    def on_train_begin(self, trainer: GANTrainer) -> None:
        """After the networks and optimisers exist, before the first epoch."""

    def on_epoch_begin(self, trainer: GANTrainer, epoch: int) -> None:
        """Before the first step of ``epoch`` (counted from 1)."""

    def on_epoch_end(self, trainer: GANTrainer, metrics: Metrics) -> None:
        """After an epoch that took at least one step, with the metrics it may report.

        Under DP these are the generator-side losses only, without timings.
        """

    def on_train_end(self, trainer: GANTrainer) -> None:
        """When the loop ends, also by an error, so that callbacks can release what they hold."""


class History(Callback):
    """The per-epoch metrics, in order: the synthesizer keeps them as ``history_``."""

    def __init__(self) -> None:
        self.records: list[Metrics] = []

    def on_train_begin(self, trainer: GANTrainer) -> None:
        self.records = []

    def on_epoch_end(self, trainer: GANTrainer, metrics: Metrics) -> None:
        self.records.append(metrics)


class DivergenceCheck(Callback):
    """Stops a fit whose losses are no longer finite: the model would only produce garbage."""

    def on_epoch_end(self, trainer: GANTrainer, metrics: Metrics) -> None:
        if not all(math.isfinite(v) for v in metrics.values()):
            raise TrainingError(
                f"Training diverged in epoch {metrics['epoch']} (a loss is not finite: "
                f"{metrics}); the model would only produce garbage. Try a smaller "
                "learning rate, or check the table for extreme values."
            )


class ProgressBar(Callback):
    """A bar over the epochs on stderr, showing the latest losses.

    Whether it shows times is the trainer's call (``reports_timing``): under DP how long an
    epoch takes depends on its hidden batch sizes.
    """

    POSTFIX = ("loss_g", "loss_d", "fair_leak")

    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled
        self._open = contextlib.ExitStack()
        self.bar = None

    def on_train_begin(self, trainer: GANTrainer) -> None:
        self.bar = self._open.enter_context(
            progress_bar(
                total=trainer.epochs,
                desc="Training",
                unit="epoch",
                enabled=self.enabled,
                timing=trainer.reports_timing,
            )
        )

    def on_epoch_end(self, trainer: GANTrainer, metrics: Metrics) -> None:
        self.bar.set_postfix({k: f"{metrics[k]:.3f}" for k in self.POSTFIX if k in metrics})
        self.bar.update(1)

    def on_train_end(self, trainer: GANTrainer) -> None:
        self._open.close()
        self.bar = None
