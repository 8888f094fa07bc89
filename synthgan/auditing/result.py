"""An audit's result, as the reports show it and the file beside a model keeps it (no fitting
here, so the evaluators may read it)."""

from __future__ import annotations

import json
import math
import os
import reprlib
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from synthgan.errors import InputFileError
from synthgan.evaluate.statements import audit_text

__all__ = ["AttackResult", "Audit", "read_sidecar", "sidecar"]

#: The largest audit file read back (a result is a few kilobytes).
MAX_SIDECAR_BYTES = 1 << 20


def sidecar(model_path: str | os.PathLike) -> Path:
    """Where ``synthgan audit --model`` keeps a model's audit: beside the model file, never in
    it (the audit reads the real rows without privacy; the model file holds DP releases only)."""
    path = Path(model_path)
    return path.with_name(path.name + ".audit.json")


def read_sidecar(model_path: str | os.PathLike) -> dict[str, Any] | None:
    """The audit kept beside ``model_path``, checked field by field; None when there is none."""
    path = sidecar(model_path)
    if not path.is_file():
        return None
    try:
        if path.stat().st_size > MAX_SIDECAR_BYTES:
            raise ValueError(f"larger than {MAX_SIDECAR_BYTES:,} bytes")
        return Audit.from_dict(json.loads(path.read_text(encoding="utf-8"))).to_dict()
    except (OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError) as e:
        raise InputFileError(f"{str(path)!r} is not a privacy audit synthgan wrote: {e}") from e


def _check_types(obj: Any) -> None:
    """Each field of a result read back from a file has its declared type; numbers are finite."""
    for f in fields(obj):
        value = getattr(obj, f.name)
        kind = {"float": (int, float), "int": (int,), "str": (str,)}.get(str(f.type))
        if kind is None:
            continue
        if isinstance(value, bool) or not isinstance(value, kind):
            raise ValueError(
                f"{type(obj).__name__}.{f.name} must be {f.type}, got {reprlib.repr(value)}"
            )
        if kind != (str,) and not _finite(value):
            raise ValueError(
                f"{type(obj).__name__}.{f.name} must be finite, got {reprlib.repr(value)}"
            )


def _finite(value: float) -> bool:
    try:
        return math.isfinite(float(value))
    except OverflowError:  # an integer beyond any float
        return False


def _check_range(name: str, ok: bool) -> None:
    if not ok:
        raise ValueError(f"{name} is out of range")


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
        _check_range("correct guesses", 0 <= self.correct <= self.guesses)
        _check_range("the bound", self.epsilon_lower_bound >= 0 and 0 <= self.auc <= 1)


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
    #: DP-SGD as the audited runs planned it (on the audit's subsample with its canaries).
    noise_multiplier: float
    sample_rate: float
    steps: int

    @property
    def epsilon_lower_bound(self) -> float:
        """The strongest attack's bound: what the audit shows ε is at least."""
        return max(a.epsilon_lower_bound for a in self.attacks)

    @property
    def violated(self) -> bool:
        """Whether the audit proves the claim false."""
        return self.epsilon_lower_bound > self.epsilon_claimed

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values, as reports and the file beside a model keep them."""
        out = asdict(self)
        out["attacks"] = [asdict(a) for a in self.attacks]
        out["epsilon_lower_bound"] = self.epsilon_lower_bound
        out["violated"] = self.violated
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Audit:
        """An audit read back (the best bound and the verdict are recomputed, never read)."""
        values = {k: v for k, v in data.items() if k not in ("epsilon_lower_bound", "violated")}
        values["attacks"] = tuple(AttackResult(**a) for a in data["attacks"])
        return cls(**values)

    def summary(self) -> str:
        """What the audit found, and what a lower bound does and does not show."""
        return audit_text(self.to_dict())

    def __post_init__(self) -> None:
        _check_types(self)
        if not self.attacks or not all(isinstance(a, AttackResult) for a in self.attacks):
            raise ValueError("an audit has at least one attack result")
        _check_range("delta", 0 < self.delta < 1)
        _check_range("confidence", 0 < self.confidence < 1)
        _check_range("the counts", min(self.canaries, self.runs, self.rows) >= 1)
        _check_range("the claim", self.epsilon_claimed > 0 and self.epsilon_spent >= 0)
