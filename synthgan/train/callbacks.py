"""Training callbacks: what the loop reports, and whether it goes on, kept out of the loop itself.

The trainer calls each callback's hooks in list order; a hook that wants training to end sets
``trainer.stop_training = True`` (looked at after every step), and a hook that finds the model
unusable raises. The step budget, validation and early stopping are callbacks.

Privacy rules are not callbacks: the DP trainer enforces its accountant's step budget itself,
where it draws batches, so no list of callbacks can leave it out (see ``train/dp.py``).
"""

from __future__ import annotations

import contextlib
import copy
import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from synthgan.errors import TrainingError
from synthgan.progress import progress_bar

if TYPE_CHECKING:
    import torch

    from synthgan.train.gan import GANTrainer

__all__ = [
    "Budget",
    "Callback",
    "DivergenceCheck",
    "History",
    "ProgressBar",
    "Validation",
    "WeightAverage",
]

Metrics = dict[str, float]


class Callback:
    """Hooks the training loop calls; each does nothing unless a subclass overrides it."""

    def on_train_begin(self, trainer: GANTrainer) -> None:
        """After the networks and optimisers exist, before the first epoch."""

    def on_epoch_begin(self, trainer: GANTrainer, epoch: int) -> None:
        """Before the first step of ``epoch`` (counted from 1)."""

    def on_step_end(self, trainer: GANTrainer) -> None:
        """After every step; ``trainer.global_step`` counts them from 1."""

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


class Budget(Callback):
    """Ends training after ``max_steps`` steps or ``max_seconds`` of wall time, whichever comes
    first (``None``: no limit of that kind). Not used under DP, whose plan fixes the steps."""

    def __init__(
        self, max_steps: int | None = None, max_seconds: float | None = None, automatic=False
    ) -> None:
        self.max_steps, self.max_seconds = max_steps, max_seconds
        self.automatic = automatic  # the step budget is the default, not the user's
        self.reason: str | None = None  # why it stopped training, if it did

    def on_train_begin(self, trainer: GANTrainer) -> None:
        self.started, self.reason = time.perf_counter(), None

    def on_step_end(self, trainer: GANTrainer) -> None:
        if self.max_steps is not None and trainer.global_step >= self.max_steps:
            kind = "automatic step budget" if self.automatic else "step budget"
            self.reason = f"{kind} ({self.max_steps:,} steps)"
        elif (
            self.max_seconds is not None and time.perf_counter() - self.started >= self.max_seconds
        ):
            self.reason = f"time budget ({self.max_seconds:g} s)"
        if self.reason is not None:
            trainer.stop_training = True


class WeightAverage(Callback):
    """Keeps an exponential moving average of the generator's weights, and makes it the
    generator that training returns (Yazıcı et al., "The unusual effectiveness of averaging in
    GAN training", ICLR 2019): the average smooths the oscillation of the GAN game.

    ``trainer.kept_generator`` becomes the average, so validation scores it. The decay warms up
    as ``(1 + t) / (10 + t)`` so early steps are not frozen in. Works under DP too: averaging
    generator weights is post-processing.
    """

    def __init__(self, decay: float) -> None:
        self.decay = decay

    def on_train_begin(self, trainer: GANTrainer) -> None:
        self.average = copy.deepcopy(trainer.generator).requires_grad_(False)
        trainer.kept_generator = self.average
        self.steps = 0

    def on_step_end(self, trainer: GANTrainer) -> None:
        import torch

        self.steps += 1
        weight = 1 - min(self.decay, (1 + self.steps) / (10 + self.steps))
        with torch.no_grad():
            live = trainer.generator
            for mine, theirs in zip(self.average.parameters(), live.parameters(), strict=True):
                mine.lerp_(theirs, weight)
            for mine, theirs in zip(self.average.buffers(), live.buffers(), strict=True):
                mine.copy_(theirs)  # batch-norm statistics: the live network's

    def on_train_end(self, trainer: GANTrainer) -> None:
        if trainer.completed:
            trainer.generator.load_state_dict(self.average.state_dict())
        trainer.kept_generator = trainer.generator


class Validation(Callback):
    """Scores the generator every ``every`` steps, keeps the best weights and stops early.

    ``score`` is called with the generator training would return (``trainer.kept_generator``,
    in eval mode) and returns the validation metrics,
    among them ``fidelity`` (higher is better). Training stops when ``patience`` validations in
    a row have not beaten the best by ``min_delta``; at the end the generator gets the best
    weights back. Not used under DP: the scores would read real rows outside the accounting.
    """

    def __init__(
        self,
        score: Callable[[torch.nn.Module], Metrics],
        every: int,
        patience: int | None,
        min_delta: float = 0.002,
    ) -> None:
        self.score, self.every, self.patience, self.min_delta = score, every, patience, min_delta
        self.records: list[Metrics] = []
        self.best: Metrics | None = None
        self.stopped_early = False
        self._best_weights: dict | None = None
        self._since_best = 0

    def on_train_begin(self, trainer: GANTrainer) -> None:
        self.records, self.best, self._best_weights = [], None, None
        self._since_best, self.stopped_early = 0, False
        self._latest: float | None = None

    def on_epoch_end(self, trainer: GANTrainer, metrics: Metrics) -> None:
        """The latest validation's fidelity joins the epoch's metrics (history, progress bar)."""
        if self._latest is not None:
            metrics["val_fidelity"] = self._latest

    def on_step_end(self, trainer: GANTrainer) -> None:
        if trainer.global_step % self.every == 0:
            self.validate(trainer)

    def validate(self, trainer: GANTrainer, final: bool = False) -> None:
        """Score the generator; keep its weights if it is the best yet. Patience counts only
        while training (``final``: the last score, after training ended)."""
        generator = trainer.kept_generator
        generator.eval()  # batch norm: use, do not update, the running statistics
        try:
            metrics = {"step": trainer.global_step, **self.score(generator)}
        finally:
            generator.train()
        self.records.append(metrics)
        self._latest = metrics["fidelity"]
        if self.best is None or metrics["fidelity"] > self.best["fidelity"] + self.min_delta:
            self.best, self._since_best = metrics, 0
            self._best_weights = copy.deepcopy(generator.state_dict())
            return
        self._since_best += 1
        if not final and self.patience is not None and self._since_best >= self.patience:
            self.stopped_early = trainer.stop_training = True

    def summary(self) -> dict:
        """What a fit record keeps: the schedule, the best validation and every score."""
        return {
            "every_steps": self.every,
            "patience": self.patience,
            "best_step": None if self.best is None else self.best["step"],
            "best": self.best,
            "records": [
                {k: v for k, v in r.items() if isinstance(v, int | float)} for r in self.records
            ],
        }

    def on_train_end(self, trainer: GANTrainer) -> None:
        if not trainer.completed:  # an error ended training: nothing worth scoring or keeping
            return
        if not self.records or self.records[-1]["step"] != trainer.global_step:
            self.validate(trainer, final=True)  # the last weights get their chance too
        if self._best_weights is not None:
            # Into the generator training returns, whatever the order of the callbacks: a
            # weight average that ends after this one copies it on.
            trainer.kept_generator.load_state_dict(self._best_weights)


class ProgressBar(Callback):
    """A bar over the epochs on stderr, showing the latest losses.

    Whether it shows times is the trainer's call (``reports_timing``): under DP how long an
    epoch takes depends on its hidden batch sizes.
    """

    POSTFIX = ("loss_g", "loss_d", "grad_g", "fair_leak", "val_fidelity")

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
