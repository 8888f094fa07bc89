"""Differential privacy settings, how the budget is split, and the ledger of what was spent.

The privacy unit is one row of the training table: two tables are neighbours when one is the
other with one row added or removed. The budget (ε, δ) pays for two things: the statistics
preprocessing needs (a row count, numeric ranges, category domains and frequencies, histograms
the continuous normaliser is fitted on) and DP-SGD on the discriminator. Both are Gaussian
mechanisms, so they compose exactly in one Opacus accountant; the share of the budget
preprocessing gets is a share of ρ (zero-concentrated DP), where shares add up.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from synthgan.errors import PrivacyError

__all__ = ["DEFAULT_DELTA", "Privacy", "fresh_entropy", "rho_for"]

#: δ when none is given: fixed, because a default computed from the row count would reveal it.
#: It is below 1/n for tables of up to a million rows; a fit on a larger table is refused right
#: after its DP row count, before anything else is spent.
DEFAULT_DELTA = 1e-6
#: Share of δ reserved for the release thresholds of category domains learned under DP.
THRESHOLD_DELTA_SHARE = 0.1
#: Share of δ for the chance that the DP row count misses the true one by more than the window
#: the DP-SGD schedule is accounted over (see ``privacy/plan.py``).
COUNT_TAIL_DELTA_SHARE = 0.01

#: The neighbouring relation the guarantee is for.
NEIGHBOURING = "neighbouring tables differ by one row added or removed"
#: What the guarantee does not cover, in every ledger.
NOT_COVERED = (
    "attacks on floating-point noise: the noise is drawn as floats from numpy's and torch's "
    "generators, which are not cryptographically secure (there is no secure mode yet)",
    "the evaluation report, which reads the real rows",
    "the column names, kinds and roles, which are declared, and anything declared public",
    "how long the fitting process runs, to anyone who watches it",
)


def fresh_entropy() -> np.random.SeedSequence:
    """128 bits from the operating system for everything a DP fit must keep secret: the noise,
    the Poisson batches and every random choice made about a real row. Never stored or
    derived from the seed: with the seed in the model file, an attacker could regenerate the
    noise and subtract it."""
    return np.random.SeedSequence()


def rho_for(epsilon: float, delta: float) -> float:
    """The zCDP ρ whose standard conversion gives exactly (ε, δ): ε = ρ + 2√(ρ ln(1/δ))."""
    log_term = math.log(1 / delta)
    return (math.sqrt(log_term + epsilon) - math.sqrt(log_term)) ** 2


@dataclass(frozen=True)
class Privacy:
    """Ask for an (ε, δ)-differentially-private model (the unit is one row).

    Parameters
    ----------
    epsilon
        Total privacy budget ε > 0, for preprocessing and training together.
    delta
        δ, in (0, 1). ``None`` uses 1e-6 whatever the table (``DEFAULT_DELTA``). δ must be below
        1/n; since n is private, this is checked against the DP row count, the first statistic
        taken, and a larger δ is refused before anything else is spent.
    public
        What you declare public, so it costs no budget and is used as given: per column either
        ``(low, high)`` bounds for a numeric, integer or datetime column (values outside are
        clipped) or a list of distinct categories for a discrete one (a value outside the list
        counts as missing). Neither says a word about the values it changes: that would tell
        that such a row exists. Only declare what is known without looking at this data.
    preprocessing_share
        Share of the budget (in ρ) spent on the DP histograms preprocessing needs (the row count
        takes another 2 %); the rest goes to DP-SGD.
    accountant
        ``"prv"`` (Opacus's PRV accountant, tight) or ``"rdp"`` (Rényi DP, a looser bound).
    max_grad_norm
        Clipping norm C of every row's discriminator gradient.
    noise_multiplier
        σ of DP-SGD. ``None`` calibrates it so that the planned epochs spend the budget exactly;
        a fixed σ trains until the epochs are done or the budget would be exceeded.
    target
        The column a model trained on the synthetic rows will predict, if you know it. Its DP
        two-way table with every other column is then measured (inside the preprocessing share)
        and the sample is matched to those tables: on Adult at ε = 1 this lifted the ROC AUC of
        a classifier trained on the sample from about 0.77 to about 0.88 (means of 3 seeds).
    """

    epsilon: float
    delta: float | None = None
    public: Mapping[str, Any] = field(default_factory=dict)
    preprocessing_share: float = 0.1
    accountant: Literal["prv", "rdp"] = "prv"
    max_grad_norm: float = 1.0
    noise_multiplier: float | None = None
    target: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.public, Mapping):  # lists and tuples compare alike after a round trip
            public = {
                k: tuple(v) if isinstance(v, (list, tuple)) else v for k, v in self.public.items()
            }
            object.__setattr__(self, "public", public)

    def validate(self) -> None:
        """Raise :class:`PrivacyError` for a setting that cannot give the guarantee.

        Nothing here looks at the table: whether δ is below 1/n is checked against the DP row
        count (see ``PrivatePlan``), because a refusal that depends on the exact n reveals it.
        """
        if not _positive(self.epsilon):
            raise PrivacyError(f"epsilon must be a finite number > 0; got {self.epsilon!r}.")
        delta = self.resolved_delta()
        if not (0 < delta < 1):
            raise PrivacyError(f"delta must be in (0, 1), and below 1/n for n rows; got {delta!r}.")
        if not (isinstance(self.preprocessing_share, float) and 0 < self.preprocessing_share < 1):
            raise PrivacyError(
                f"preprocessing_share must be a float in (0, 1); got {self.preprocessing_share!r}."
            )
        if self.accountant not in ("prv", "rdp"):
            raise PrivacyError(f"accountant must be 'prv' or 'rdp'; got {self.accountant!r}.")
        if not _positive(self.max_grad_norm):
            raise PrivacyError(f"max_grad_norm must be > 0; got {self.max_grad_norm!r}.")
        if self.noise_multiplier is not None and not _positive(self.noise_multiplier):
            raise PrivacyError(
                f"noise_multiplier must be None or > 0; got {self.noise_multiplier!r}."
            )
        if self.target is not None and not isinstance(self.target, str):
            raise PrivacyError(f"target must be a column name or None; got {self.target!r}.")
        if not isinstance(self.public, Mapping):
            raise PrivacyError(
                f"public must be a dict of column -> (low, high) or [categories]; got "
                f"{type(self.public).__name__}."
            )

    def resolved_delta(self) -> float:
        """δ as given, or the default when none was."""
        if self.delta is None:
            return DEFAULT_DELTA
        if isinstance(self.delta, bool) or not isinstance(self.delta, (int, float)):
            raise PrivacyError(f"delta must be a number; got {self.delta!r}.")
        return float(self.delta)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values, as the model file keeps them."""
        return {
            "epsilon": self.epsilon,
            "delta": self.delta,
            "public": {k: list(v) for k, v in self.public.items()},
            "preprocessing_share": self.preprocessing_share,
            "accountant": self.accountant,
            "max_grad_norm": self.max_grad_norm,
            "noise_multiplier": self.noise_multiplier,
            "target": self.target,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Privacy:
        """The setting read back from :meth:`to_dict`'s values."""
        return cls(**dict(data))


def _positive(value: Any) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value > 0
    )
