"""The synthesizer's parameters: their constraints, the defaults *auto* resolves to with and
without privacy, and the checks of combinations, before any data is read."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch

from synthgan.errors import ConfigError, PrivacyError
from synthgan.estimator import Estimator
from synthgan.fairness import Fairness
from synthgan.params import Auto, Instance, Interval, IntTuple, MappingOf, OptionalInt, Options
from synthgan.privacy import Privacy
from synthgan.train.gan import GANConfig

__all__ = ["DEFAULTS", "DP_DEFAULTS", "SynthesizerConfig"]

#: What the *auto* parameters become without privacy (CTGAN's settings)...
DEFAULTS: Mapping[str, Any] = {
    "epochs": 300,
    "batch_size": 500,
    "discriminator_dim": (256, 256),
    "generator_lr": 2e-4,
    "discriminator_lr": 2e-4,
    "pac": 10,
}
#: ...and with it: the best of the sweep in benchmarks/RESULTS.md ("DP settings sweep").
DP_DEFAULTS: Mapping[str, Any] = {
    "epochs": 30,
    "batch_size": 1000,
    "discriminator_dim": (128, 128),
    "generator_lr": 1e-3,
    "discriminator_lr": 1e-3,
    "pac": 1,
}


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
        "seed": OptionalInt(),
        "device": Options("cpu", "cuda", "auto"),
        "verbose": Options(True, False),
        "privacy": Instance(Privacy),
        "fairness": Instance(Fairness),
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
        batch_size, pac = self._setting("batch_size"), self._setting("pac")
        if batch_size % pac:
            raise ConfigError(f"batch_size ({batch_size}) must be a multiple of pac ({pac}).")
        if self.device == "cuda" and not torch.cuda.is_available():
            raise ConfigError(
                "device='cuda' was asked for but CUDA is not available; use 'cpu' or 'auto'."
            )

    def _torch_device(self) -> torch.device:
        if self.device == "auto":
            return torch.device("cuda" if torch.cuda.is_available() else "cpu")
        return torch.device(self.device)

    def _gan_config(self) -> GANConfig:
        return GANConfig(
            embedding_dim=self.embedding_dim,
            generator_dim=tuple(self.generator_dim),
            discriminator_dim=tuple(self._setting("discriminator_dim")),
            generator_lr=float(self._setting("generator_lr")),
            discriminator_lr=float(self._setting("discriminator_lr")),
            weight_decay=float(self.weight_decay),
            batch_size=self._setting("batch_size"),
            pac=self._setting("pac"),
            discriminator_steps=self.discriminator_steps,
        )
