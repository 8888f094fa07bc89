"""Privacy accounting with Opacus's accountants: preprocessing and DP-SGD composed in one history.

Every preprocessing statistic is a Gaussian mechanism of L2 sensitivity 1. A composition of
Gaussian mechanisms is exactly one Gaussian mechanism whose ``1/σ²`` is the sum of theirs, and a
Gaussian mechanism is a subsampled Gaussian with sampling rate 1, so the whole of preprocessing is
one ``(σ, q=1, 1 step)`` entry ahead of DP-SGD's ``(σ, q, steps)`` in the accountant's history.
"""

from __future__ import annotations

import synthgan.opacus_import  # noqa: F401  (first: Opacus configures logging when imported)

# isort: split

import functools
import math
import warnings

import numpy as np
from opacus.accountants import PRVAccountant, RDPAccountant

from synthgan.errors import PrivacyError

__all__ = ["Budget", "combined_noise"]

#: Noise multipliers above this drown any signal: "the budget cannot pay for training".
MAX_NOISE_MULTIPLIER = 100.0


def combined_noise(noise_multipliers: list[float]) -> float:
    """σ of the single Gaussian mechanism equal to composing Gaussians with these σ."""
    return 1 / math.sqrt(sum(1 / s**2 for s in noise_multipliers))


@functools.lru_cache(maxsize=4096)
def _epsilon(accountant: str, history: tuple[tuple[float, float, int], ...], delta: float) -> float:
    """ε of a history of (σ, q, steps) at ``delta``. Cached: calibration asks the same questions
    again (its bisection, and every fit of a table with the same DP row count)."""
    opacus_accountant = PRVAccountant() if accountant == "prv" else RDPAccountant()
    opacus_accountant.history = list(history)
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore")  # Opacus's notes on alpha ranges and q = 1 logs
        # PRV answers with an upper bound, within 0.01 of the exact value.
        return float(opacus_accountant.get_epsilon(delta=delta))


class Budget:
    """Answers "what is ε after these steps?" for a fixed preprocessing spend.

    Parameters
    ----------
    accountant
        ``"prv"`` or ``"rdp"``.
    epsilon, delta
        The target, with ``delta`` the δ the accountant reports at.
    preprocessing_noise
        σ of preprocessing as one combined Gaussian mechanism (``None``: nothing spent).
    """

    def __init__(
        self, accountant: str, epsilon: float, delta: float, preprocessing_noise: float | None
    ):
        self.accountant = accountant
        self.epsilon = epsilon
        self.delta = delta
        self.prefix = [] if preprocessing_noise is None else [(preprocessing_noise, 1.0, 1)]

    def spent(
        self, noise_multiplier: float = 1.0, sample_rate: float = 0.0, steps: int = 0
    ) -> float:
        """ε after preprocessing and ``steps`` DP-SGD steps (an upper bound for PRV)."""
        history = list(self.prefix)
        if steps > 0:
            history.append((float(noise_multiplier), float(sample_rate), int(steps)))
        if not history:
            return 0.0
        return _epsilon(self.accountant, tuple(history), self.delta)

    def calibrate(self, sample_rate: float, steps: int) -> float:
        """The smallest σ (to 1%) with which ``steps`` steps stay within the target."""
        if self.spent() >= self.epsilon:
            raise PrivacyError(
                f"Preprocessing alone spends epsilon {self.spent():.3g} of {self.epsilon:g}; "
                "raise epsilon or lower preprocessing_share. (The accountants' bounds are "
                "coarse for budgets much below 0.1: PRV's is within 0.01 of the exact value.)"
            )
        low, high = 0.0, 1.0
        while self.spent(high, sample_rate, steps) > self.epsilon:
            low, high = high, high * 2
            if high > MAX_NOISE_MULTIPLIER:
                raise PrivacyError(
                    f"The budget epsilon={self.epsilon:g} is too small to train: {steps} steps "
                    f"at sampling rate {sample_rate:.3g} would need a noise multiplier above "
                    f"{MAX_NOISE_MULTIPLIER:g}. Raise epsilon, or train fewer epochs."
                )
        while high - low > 0.01 * high:
            mid = (low + high) / 2
            if self.spent(mid, sample_rate, steps) > self.epsilon:
                low = mid
            else:
                high = mid
        return high

    def allowed_steps(self, noise_multiplier: float, sample_rate: float, planned: int) -> int:
        """The most steps (at most ``planned``) that keep ε within the target."""
        if self.spent(noise_multiplier, sample_rate, planned) <= self.epsilon:
            return planned
        if self.spent(noise_multiplier, sample_rate, 1) > self.epsilon:
            return 0
        low, high = 1, planned  # spent(low) <= target < spent(high)
        while high - low > 1:
            mid = (low + high) // 2
            if self.spent(noise_multiplier, sample_rate, mid) <= self.epsilon:
                low = mid
            else:
                high = mid
        return low
