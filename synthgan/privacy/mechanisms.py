"""The Gaussian releases preprocessing makes, planned by name before any is made.

The noise of every preprocessing histogram is derived from the plan: ρ shared equally by the
planned releases. Each release must be one the plan names, made once, and the ledger is handed
over only when every planned release was made. So the σ each histogram got and the mechanisms
actually charged cannot disagree: a release added to the code without its plan entry, or a plan
entry whose release never happens, is an error, not a silently wrong budget.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from synthgan.privacy.ledger import LedgerItem
from synthgan.schema import python_value

__all__ = ["Release", "Releases"]

#: (what is released, "gaussian" or "sparse"): one planned release.
Release = tuple[str, str]


class Releases:
    """Planned Gaussian releases sharing ``rho`` (zCDP) equally, with L2 sensitivity 1 each
    (one row moves one count by one), so σ in rows is also the noise multiplier."""

    def __init__(self, planned: Sequence[Release], rho: float, rng: np.random.Generator):
        names = [what for what, _ in planned]
        if len(set(names)) != len(names):
            raise ValueError(f"a release is planned twice: {names}")
        self.planned = dict(planned)
        self.sigma = math.sqrt(max(len(planned), 1) / (2 * rho))
        self.rng = rng
        self.charged: list[LedgerItem] = []

    def gaussian(self, what: str, exact: Any, mechanism: str = "Gaussian histogram") -> np.ndarray:
        """The noisy ``exact`` counts, charged to the ledger as ``what``."""
        self._charge(what, "gaussian", mechanism)
        return self._gaussian(np.asarray(exact, dtype=float))

    def sparse(
        self, what: str, counts: pd.Series, threshold: float, delta: float
    ) -> list[tuple[Any, float]]:
        """The Gaussian sparse histogram: noisy counts of the observed values, only those above
        ``threshold`` released (a value held by one row passes with probability ``delta``)."""
        self._charge(what, "sparse", f"Gaussian sparse histogram, threshold {threshold:.0f}", delta)
        return self._sparse_release(counts, threshold)

    def ledger(self) -> list[LedgerItem]:
        """What was charged, in order; only once every planned release was made."""
        outstanding = set(self.planned) - {item.what for item in self.charged}
        if outstanding:
            raise RuntimeError(f"planned releases never made: {sorted(outstanding)}")
        return list(self.charged)

    def _charge(self, what: str, kind: str, mechanism: str, delta: float = 0.0) -> None:
        if self.planned.get(what) != kind or any(item.what == what for item in self.charged):
            raise RuntimeError(
                f"release {what!r} ({kind}) is not in the plan or was made twice: the noise "
                f"was derived from {len(self.planned)} planned releases"
            )
        self.charged.append(LedgerItem(what, mechanism, self.sigma, delta))

    # The only two places preprocessing noise is drawn (the replay test routes them).

    def _gaussian(self, exact: np.ndarray) -> np.ndarray:
        return exact + self.rng.normal(0.0, self.sigma, size=np.shape(exact))

    def _sparse_release(self, counts: pd.Series, threshold: float) -> list[tuple[Any, float]]:
        noisy = counts.to_numpy(float) + self.rng.normal(0, self.sigma, len(counts))
        keep = noisy >= threshold
        pairs = zip(counts.index[keep], noisy[keep], strict=True)
        return sorted(((python_value(v), float(c)) for v, c in pairs), key=_order)


def _order(item: tuple[Any, float]) -> tuple[str, Any]:
    """Released values in a fixed order, whatever order the table holds them in."""
    value = item[0]
    return (type(value).__name__, value if isinstance(value, (int, float, str)) else str(value))
