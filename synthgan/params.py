"""Uniform validation of estimator parameters, in scikit-learn's wording."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from synthgan.errors import ConfigError

__all__ = [
    "AnyOf",
    "Auto",
    "Instance",
    "IntTuple",
    "Interval",
    "MappingOf",
    "NameGroups",
    "OptionalInt",
    "Options",
    "ShareOrTable",
    "validate",
]


class Interval:
    """A number of ``kind`` (int or float) in ``[low, high]`` (open where ``closed`` says)."""

    def __init__(self, kind: type, low: float | None, high: float | None, closed: str = "both"):
        self.kind, self.low, self.high, self.closed = kind, low, high, closed

    def accepts(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(
            value, (int, float) if self.kind is float else int
        ):
            return False
        if not math.isfinite(value):
            return False
        low_ok = self.low is None or (
            value >= self.low if self.closed in ("both", "left") else value > self.low
        )
        high_ok = self.high is None or (
            value <= self.high if self.closed in ("both", "right") else value < self.high
        )
        return low_ok and high_ok

    def __str__(self) -> str:
        left = "[" if self.closed in ("both", "left") and self.low is not None else "("
        right = "]" if self.closed in ("both", "right") and self.high is not None else ")"
        low = "-inf" if self.low is None else self.low
        high = "inf" if self.high is None else self.high
        return f"{'an int' if self.kind is int else 'a float'} in {left}{low}, {high}{right}"


class Options:
    """One of a fixed set of values."""

    def __init__(self, *values: Any):
        self.values = values

    def accepts(self, value: Any) -> bool:
        return value in self.values

    def __str__(self) -> str:
        return "one of " + ", ".join(repr(v) for v in self.values)


class IntTuple:
    """A non-empty tuple or list of positive ints (hidden layer widths)."""

    def accepts(self, value: Any) -> bool:
        return (
            isinstance(value, (tuple, list))
            and len(value) > 0
            and all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value)
        )

    def __str__(self) -> str:
        return "a non-empty tuple of positive ints"


class Auto:
    """``None`` (a default chosen at fit time) or a value ``inner`` accepts."""

    def __init__(self, inner: Any):
        self.inner = inner

    def accepts(self, value: Any) -> bool:
        return value is None or self.inner.accepts(value)

    def __str__(self) -> str:
        return f"None or {self.inner}"


class AnyOf:
    """A value any of ``inner`` accepts."""

    def __init__(self, *inner: Any):
        self.inner = inner

    def accepts(self, value: Any) -> bool:
        return any(c.accepts(value) for c in self.inner)

    def __str__(self) -> str:
        return " or ".join(str(c) for c in self.inner)


class OptionalInt:
    """None or an int ≥ 0 (seeds)."""

    def accepts(self, value: Any) -> bool:
        return value is None or (
            isinstance(value, int) and not isinstance(value, bool) and value >= 0
        )

    def __str__(self) -> str:
        return "None or an int in [0, inf)"


class ShareOrTable:
    """None (*auto*), a share in [0, ``high``], or a pandas DataFrame (a validation table)."""

    def __init__(self, high: float):
        self.share = Interval(float, 0, high)

    def accepts(self, value: Any) -> bool:
        import pandas as pd

        return value is None or isinstance(value, pd.DataFrame) or self.share.accepts(value)

    def __str__(self) -> str:
        return f"None, {self.share} or a pandas DataFrame"


class Instance:
    """None or an instance of ``kind`` (a settings object such as ``Privacy``)."""

    def __init__(self, kind: type):
        self.kind = kind

    def accepts(self, value: Any) -> bool:
        return value is None or isinstance(value, self.kind)

    def __str__(self) -> str:
        return f"a {self.kind.__module__.split('.')[0]}.{self.kind.__name__} or None"


class MappingOf:
    """None or a dict with string keys (``what`` its values are, for the message)."""

    def __init__(self, what: str):
        self.what = what

    def accepts(self, value: Any) -> bool:
        return value is None or (
            isinstance(value, Mapping) and all(isinstance(k, str) for k in value)
        )

    def __str__(self) -> str:
        return f"a dict of {self.what}, or None"


class NameGroups:
    """None or a list of groups (lists or tuples) of column names."""

    def accepts(self, value: Any) -> bool:
        return value is None or (
            isinstance(value, (list, tuple))
            and all(
                isinstance(g, (list, tuple)) and all(isinstance(c, str) for c in g) for g in value
            )
        )

    def __str__(self) -> str:
        return "a list of lists of column names, or None"


def validate(owner: str, params: Mapping[str, Any], constraints: Mapping[str, Any]) -> None:
    """Raise :class:`ConfigError` naming the first parameter that breaks its constraint."""
    for name, constraint in constraints.items():
        value = params[name]
        if not constraint.accepts(value):
            raise ConfigError(
                f"The {name!r} parameter of {owner} must be {constraint}. Got {value!r} instead."
            )
