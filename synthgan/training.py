"""One training run: the networks' seeds, the trainer plain or private, and the callbacks that
keep the history, stop a diverging run and show progress."""

from __future__ import annotations

from collections.abc import Sequence
from contextvars import ContextVar
from typing import Any

import numpy as np
import torch

from synthgan.fairness import Fairness
from synthgan.prepare import Prepared
from synthgan.privacy.ledger import VALIDATION_OFF
from synthgan.train.callbacks import (
    Budget,
    Callback,
    DivergenceCheck,
    History,
    ProgressBar,
    Validation,
)
from synthgan.train.dp import DPGANTrainer, ReleaseWatch
from synthgan.train.gan import GANConfig, GANTrainer
from synthgan.train.world import SINGLE, World

__all__ = ["release_watch", "train_generator", "training_summary"]

#: Set by an audit (``synthgan.auditing``) around a fit: what the DP trainer shows its releases
#: to. Held in memory only; unset, nothing watches.
release_watch: ContextVar[ReleaseWatch | None] = ContextVar("release_watch", default=None)


def train_generator(
    ready: Prepared,
    config: GANConfig,
    epochs: int,
    fairness: Fairness | None,
    device: torch.device,
    seeds: tuple[int, int],
    verbose: bool,
    extra: Sequence[Callback] = (),
    world: World = SINGLE,
) -> tuple[torch.nn.Module, GANTrainer, list[dict[str, float]]]:
    """The generator, the trainer (a DP ledger reads its steps) and the per-epoch history.
    ``seeds``: the trainer's numpy seed and torch's (initial weights, generated batches);
    ``extra``: callbacks run after the divergence check (the budget, validation); ``world``:
    the data-parallel ranks (each draws batches of its own; the initial weights are shared)."""
    train_seed, torch_seed = seeds
    if world.rank:  # rank 0 keeps the single-process seeds
        train_seed, batch_seed = np.random.SeedSequence([torch_seed, world.rank]).generate_state(2)
    else:
        batch_seed = torch_seed
    history = History()
    # History first (the diverged epoch is recorded before the check raises), the bar last
    # (it never counts a diverged epoch); the trainer says whether the bar may show times.
    callbacks = [history, DivergenceCheck(), *extra, ProgressBar(enabled=verbose and world.leader)]
    # nn.Linear's initialisation draws from torch's global generator: fork it so the seed
    # fixes the initial weights without disturbing the caller's random state.
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        torch.manual_seed(torch_seed)
        common = {
            "device": device,
            "rng": np.random.default_rng(train_seed),
            "torch_generator": torch.Generator(device=device).manual_seed(int(batch_seed)),
            "fairness": fairness,
        }
        spans, space = ready.transformer.spans_, ready.space
        if ready.plan is None:
            trainer = GANTrainer(config, spans, space, **common, world=world)
        else:
            plan = ready.plan
            trainer = DPGANTrainer(
                config,
                spans,
                space,
                **common,
                **plan.trainer_args(),
                secret=plan.secret,
                world=world,
            )
            trainer.watch = release_watch.get()
        generator = trainer.fit(ready.data, ready.codes, epochs, callbacks)
    return generator, trainer, history.records


def training_summary(
    trainer: GANTrainer, callbacks: Sequence[Callback], private: bool, validation_rows: int
) -> dict[str, Any]:
    """How a fit trained and why it stopped, for ``fit_info_`` (under DP only that validation
    was off: the ledger has the steps)."""
    if private:
        return {"validation": VALIDATION_OFF}
    summary: dict[str, Any] = {"steps": trainer.global_step, "stopped_by": "epochs"}
    for callback in callbacks:
        if isinstance(callback, Budget) and callback.reason is not None:
            summary["stopped_by"] = callback.reason
        if isinstance(callback, Validation):
            if callback.stopped_early:
                summary["stopped_by"] = (
                    f"early stopping ({callback.patience} validations without improvement)"
                )
            summary["validation"] = {"rows": validation_rows, **callback.summary()}
    if trainer.stopped_by_peer:
        summary["stopped_by"] = "another process's budget (max_seconds)"
    summary.setdefault("validation", "off")
    return summary
