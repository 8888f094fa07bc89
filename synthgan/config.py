"""The synthesizer's parameters: their constraints, the defaults *auto* resolves to with and
without privacy, and the checks of combinations, before any data is read."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from typing import Any

import torch

from synthgan.errors import ConfigError, PrivacyError
from synthgan.estimator import Estimator
from synthgan.fairness import Fairness
from synthgan.params import (
    AnyOf,
    Auto,
    Instance,
    Interval,
    IntTuple,
    MappingOf,
    NameGroups,
    OptionalInt,
    Options,
    ShareOrTable,
)
from synthgan.privacy import Privacy
from synthgan.train.gan import GANConfig

__all__ = [
    "AUTO_STEPS",
    "BF16_MIN_WIDTH",
    "DEFAULTS",
    "DP_DEFAULTS",
    "MIN_VALIDATION_STEPS",
    "PATIENCE",
    "VALIDATIONS",
    "SynthesizerConfig",
]

#: What the *auto* parameters become without privacy (CTGAN's settings; epochs: None, from
#: AUTO_STEPS)...
DEFAULTS: Mapping[str, Any] = {
    "epochs": None,
    "batch_size": 500,
    "discriminator_dim": (256, 256),
    "generator_lr": 2e-4,
    "discriminator_lr": 2e-4,
    "pac": 10,
    # The generator kept is the average of its weights (decay 0.999): on Adult and COMPAS it
    # moved every fidelity measure the right way (benchmarks/RESULTS.md, issue 19).
    "ema": 0.999,
}
#: ...and with it: the best of the sweep in benchmarks/RESULTS.md ("DP settings sweep").
DP_DEFAULTS: Mapping[str, Any] = {
    "epochs": 30,
    "batch_size": 1000,
    "discriminator_dim": (128, 128),
    "generator_lr": 1e-3,
    "discriminator_lr": 1e-3,
    "pac": 1,
    "ema": 0.0,  # not yet measured under DP
}


#: Without privacy, *auto* epochs train CTGAN's 300 epochs, but for at least and at most this
#: many steps: 300 epochs are 600 steps on 1,000 rows, too few to learn anything, and 3 million
#: on 5 million rows. Validation ends most fits earlier.
AUTO_STEPS = (10_000, 20_000)
CTGAN_EPOCHS = 300
#: Validations per fit (about), and how many in a row without improvement end it.
VALIDATIONS = 40
PATIENCE = 10
#: Validate no more often than this: each validation costs about a second.
MIN_VALIDATION_STEPS = 50


def native_bfloat16(device: torch.device) -> bool:
    """Whether ``device`` multiplies bfloat16 matrices in hardware (emulated, it is slower
    than float32)."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported(including_emulation=False)
    cpu = torch.cpu
    return any(getattr(cpu, name, lambda: False)() for name in _BF16_CPU_CHECKS)


#: *auto* precision uses bfloat16 only where the critic's packed input (pac x the encoded and
#: condition features) is at least this wide: there it halves a step (ACS, 12,180 wide: 0.107 →
#: 0.051 s). On Adult (2,910) it saved 14 % and moved the target's class share (error 0.004 →
#: 0.038 over three seeds; benchmarks/notes.md), so narrower tables stay float32.
BF16_MIN_WIDTH = 6_000
#: torch's CPU feature checks (private names, hence looked up with a fallback).
_BF16_CPU_CHECKS = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")


class SynthesizerConfig(Estimator):
    """Parameter handling for ``Synthesizer`` (which declares the parameters in ``__init__``)."""

    _constraints: Mapping[str, Any] = {
        "epochs": Auto(Interval(int, 1, None)),
        "batch_size": Auto(Interval(int, 2, None)),
        "embedding_dim": Interval(int, 1, None),
        "generator_dim": IntTuple(),
        "discriminator_dim": Auto(IntTuple()),
        "generator_lr": Auto(Interval(float, 0, None, closed="neither")),
        "discriminator_lr": Auto(Interval(float, 0, None, closed="neither")),
        "weight_decay": Interval(float, 0, None),
        "pac": Auto(Interval(int, 1, None)),
        "discriminator_steps": Interval(int, 1, None),
        "max_modes": Interval(int, 1, None),
        "max_categories": Interval(int, 2, None),
        "overrides": MappingOf("column -> override"),
        "fixed_combinations": NameGroups(),
        "seed": OptionalInt(),
        "device": Options("cpu", "cuda", "auto"),
        "verbose": Options(True, False),
        "privacy": Instance(Privacy),
        "fairness": Instance(Fairness),
        "validation": ShareOrTable(0.5),
        "patience": Auto(Interval(int, 1, None)),
        "max_steps": Auto(Interval(int, 1, None)),
        "max_seconds": Auto(Interval(float, 0, None, closed="neither")),
        "ema": Auto(Interval(float, 0, 1, closed="left")),
        "density_ratio": Options(True, False, None),
        "distributed": AnyOf(Options(None, "env"), Interval(int, 1, None)),
        "precision": Options("auto", "float32", "bfloat16"),
    }

    def _setting(self, name: str) -> Any:
        """A parameter's value, with *auto* (``None``) resolved for this model's privacy."""
        value = getattr(self, name)
        if value is not None:
            return value
        return (DP_DEFAULTS if self.privacy is not None else DEFAULTS)[name]

    def _validate(self) -> None:
        """Each parameter against ``_constraints``, then the combinations."""
        self._validate_params()
        if self.privacy is not None:
            self.privacy.validate()
        if self.privacy is not None and self._setting("pac") != 1:
            raise PrivacyError(
                f"pac={self.pac} cannot be used with differential privacy: a pack of rows would "
                "make several rows the privacy unit. Leave pac unset (or 1)."
            )
        declared = self.privacy is not None and self.privacy.target is not None
        if declared and self.fairness is not None and self.fairness.weight != 0:
            raise ConfigError(
                "Privacy(target=...) (--dp-target) cannot be combined with a fairness head "
                "(Fairness / --fair-sensitive): the target's "
                "two-way tables put back its dependence on the columns that stand in for the "
                "sensitive one (Adult, DP at epsilon 3: a model trained on such a sample had a "
                "parity gap of 0.16 on real rows, 0.009 without the target). Drop one of them."
            )
        if self.privacy is not None:
            self._check_private_training()
        if self.distributed not in (None, 1):
            self._check_distributed()
        if self.density_ratio and self.fairness is not None and self.fairness.active:
            raise ConfigError(
                "density_ratio cannot be combined with a fairness head: it moves the sample "
                "towards the real table, dependence of the target on the sensitive attribute "
                "included. Leave it unset (it is off with a fairness head)."
            )
        batch_size, pac = self._setting("batch_size"), self._setting("pac")
        if batch_size % pac:
            raise ConfigError(f"batch_size ({batch_size}) must be a multiple of pac ({pac}).")
        if self.device == "cuda" and not torch.cuda.is_available():
            raise ConfigError(
                "device='cuda' was asked for but CUDA is not available; use 'cpu' or 'auto'."
            )

    def _check_distributed(self) -> None:
        """What data-parallel training does not cover yet, refused before any work."""
        if self.fairness is not None and self.fairness.weight != 0:
            raise ConfigError(
                "distributed training with a fairness head is not available yet. Leave "
                "distributed unset to fit in one process."
            )
        if isinstance(self.distributed, int):
            self._check_process_batch(self.distributed)
            gpus = torch.cuda.device_count() if self._torch_device().type == "cuda" else None
            if gpus is not None and self.distributed > gpus:
                raise ConfigError(
                    f"distributed={self.distributed} processes on CUDA need a GPU each; this "
                    f"machine has {gpus}."
                )

    def _check_process_batch(self, processes: int) -> None:
        """The batch splits into one equal share per process, each a multiple of pac."""
        batch, pac = self._setting("batch_size"), self._setting("pac")
        if batch % (processes * pac):
            raise ConfigError(
                f"batch_size ({batch}) must split into {processes} equal per-process batches, "
                f"each a multiple of pac ({pac}): use a multiple of {processes * pac}."
            )

    def _check_private_training(self) -> None:
        """Under DP the plan fixes the steps, and nothing may look at real rows outside it."""
        if self.validation is not None and not (
            isinstance(self.validation, float | int) and self.validation == 0
        ):
            raise PrivacyError(
                "validation cannot be used with differential privacy: scoring the generator on "
                "real rows would leak them outside the accounting. Leave it unset (it is off "
                "under DP, and the ledger says so)."
            )
        for name in ("max_steps", "max_seconds", "patience"):
            if getattr(self, name) is not None:
                raise PrivacyError(
                    f"{name} cannot be used with differential privacy: the DP plan fixes the "
                    "number of steps from epochs and batch_size (and nothing is validated on "
                    "real rows). Set epochs instead."
                )
        if self.precision == "bfloat16":
            raise PrivacyError(
                "precision='bfloat16' cannot be used with differential privacy: DP-SGD clips "
                "each row's gradient to its norm bound, and bfloat16's rounding (about 0.4 %) "
                "would let a row's gradient exceed it. Leave precision unset (DP trains in "
                "float32)."
            )
        if self.density_ratio:
            raise PrivacyError(
                "density_ratio cannot be used with differential privacy: its classifier learns "
                "from real rows outside the accounting. Leave it unset (it is off under DP)."
            )

    def _steps_per_epoch(self, rows: float) -> int:
        """As the trainer counts them (under DP, the expected number)."""
        return max(1, int(rows) // self._setting("batch_size"))

    def _schedule(self, rows: float) -> tuple[int, int | None]:
        """Epochs and the step budget (None: epochs alone decide) for a table of ``rows``."""
        if self.privacy is not None:
            return self._setting("epochs"), None
        per_epoch = self._steps_per_epoch(rows)
        budget = self.max_steps
        if budget is None and self.epochs is None:
            low, high = AUTO_STEPS
            budget = min(max(CTGAN_EPOCHS * per_epoch, low), high)
        epochs = self.epochs if self.epochs is not None else math.ceil(budget / per_epoch)
        return epochs, budget

    def _torch_device(self) -> torch.device:
        kind = self.device
        if kind == "auto":
            kind = "cuda" if torch.cuda.is_available() else "cpu"
        if kind == "cuda" and self.distributed == "env":  # one GPU per process on a machine
            return torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
        return torch.device(kind)

    def _mixed_precision(self, critic_width: int) -> bool:
        """Whether the networks train with bfloat16 matrix products (weights, optimiser and
        losses stay float32). *auto*: where the device computes bfloat16 natively (CPUs with
        AVX512-BF16 or AMX, CUDA GPUs from Ampere on) and the critic's packed input is
        ``critic_width`` >= BF16_MIN_WIDTH; never under DP."""
        if self.privacy is not None or self.precision == "float32":
            return False
        if self.precision == "bfloat16":
            return True
        return critic_width >= BF16_MIN_WIDTH and native_bfloat16(self._torch_device())

    def _gan_config(self, processes: int = 1, data_width: int = 0) -> GANConfig:
        """The trainer's settings; ``batch_size`` is each of ``processes``' share;
        ``data_width``: a row's width as the critic reads it (encoded and condition features)."""
        return GANConfig(
            embedding_dim=self.embedding_dim,
            generator_dim=tuple(self.generator_dim),
            discriminator_dim=tuple(self._setting("discriminator_dim")),
            generator_lr=float(self._setting("generator_lr")),
            discriminator_lr=float(self._setting("discriminator_lr")),
            weight_decay=float(self.weight_decay),
            batch_size=self._setting("batch_size") // processes,
            pac=self._setting("pac"),
            discriminator_steps=self.discriminator_steps,
            mixed_precision=self._mixed_precision(self._setting("pac") * data_width),
        )
