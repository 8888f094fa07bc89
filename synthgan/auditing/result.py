"""An audit's result: what the model file stores and the reports show (no fitting here)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Any

from synthgan.evaluate.statements import audit_text

__all__ = ["AttackResult", "Audit"]


def _check_types(obj: Any) -> None:
    """Each field of a result read back from a file has its declared type (numbers finite)."""
    for f in fields(obj):
        value = getattr(obj, f.name)
        kind = {"float": (int, float), "int": (int,), "str": (str,)}.get(str(f.type))
        if kind is None:
            continue
        if isinstance(value, bool) or not isinstance(value, kind):
            raise ValueError(f"{type(obj).__name__}.{f.name} must be {f.type}, got {value!r}")
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"{type(obj).__name__}.{f.name} must be finite, got {value!r}")


@dataclass(frozen=True)
class AttackResult:
    """One attack's guesses over every run: its ε lower bound and its ROC AUC (0.5: blind)."""

    attack: str
    epsilon_lower_bound: float
    guesses: int
    correct: int
    auc: float

    def __post_init__(self) -> None:
        _check_types(self)


@dataclass(frozen=True)
class Audit:
    """What an audit found: the claim, each attack's lower bound, and the best of them."""

    epsilon_claimed: float
    delta: float
    epsilon_spent: float
    canaries: int
    runs: int
    rows: int
    confidence: float
    attacks: tuple[AttackResult, ...]
    seconds: float

    @property
    def epsilon_lower_bound(self) -> float:
        return max(a.epsilon_lower_bound for a in self.attacks)

    @property
    def violated(self) -> bool:
        """Whether the audit proves the claim false."""
        return self.epsilon_lower_bound > self.epsilon_claimed

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["attacks"] = [asdict(a) for a in self.attacks]
        out["epsilon_lower_bound"] = self.epsilon_lower_bound
        out["violated"] = self.violated
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Audit:
        values = {k: v for k, v in data.items() if k not in ("epsilon_lower_bound", "violated")}
        values["attacks"] = tuple(AttackResult(**a) for a in data["attacks"])
        return cls(**values)

    def summary(self) -> str:
        return audit_text(self.to_dict())

    def __post_init__(self) -> None:
        _check_types(self)
        if not self.attacks or not all(isinstance(a, AttackResult) for a in self.attacks):
            raise ValueError("an audit has at least one attack result")
