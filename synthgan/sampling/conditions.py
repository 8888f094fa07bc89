"""What a user may ask a sample for: each condition checked against the model and resolved to
a slot of the condition vector or a range (``engine.sample_matching`` enforces them)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from synthgan.datetimes import timestamp_seconds
from synthgan.errors import ConditionError
from synthgan.schema import Column, Schema
from synthgan.transform import TableTransformer
from synthgan.transform.categorical import CategoricalEncoder
from synthgan.transform.dtypes import is_missing

__all__ = ["Condition", "parse_conditions"]


@dataclass(frozen=True)
class Condition:
    """One column's requirement: a discrete value (``slot`` in its one-hot) or a closed range."""

    column: str
    value: Any = None
    slot: int | None = None
    rare: bool = False
    low: float | None = None
    high: float | None = None

    @property
    def is_range(self) -> bool:
        return self.slot is None

    def mask(self, df: pd.DataFrame, encoder: Any) -> np.ndarray:
        values = df[self.column]
        if self.is_range:
            if pd.api.types.is_datetime64_any_dtype(values):
                tz = (
                    "UTC" if getattr(values.dt, "tz", None) is not None else None
                )  # seconds are UTC
                low = pd.Timestamp(self.low, unit="s", tz=tz)
                high = pd.Timestamp(self.high, unit="s", tz=tz)
                return ((values >= low) & (values <= high)).to_numpy()
            return ((values >= self.low) & (values <= self.high)).fillna(False).to_numpy(dtype=bool)
        if self.value is None:
            return values.isna().to_numpy()
        if self.rare:
            return values.isin(encoder.other_values).to_numpy()
        return (values == self.value).fillna(False).to_numpy(dtype=bool)


def parse_conditions(
    conditions: Mapping[str, Any], schema: Schema, transformer: TableTransformer
) -> list[Condition]:
    """Validate ``conditions`` against the model and resolve each to a :class:`Condition`.

    Discrete columns take a value (``None`` asks for missing); numeric, integer and datetime
    columns take a value or a ``(low, high)`` range, both ends included.
    """
    if not isinstance(conditions, Mapping):
        raise ConditionError(
            f"conditions must be a dict of column -> value; got {type(conditions).__name__}."
        )
    parsed = []
    learned = [c.name for c in schema.learned]
    for name, wanted in conditions.items():
        if name not in schema or name not in learned:
            raise ConditionError(
                f"Cannot condition on {name!r}: it is not a learned column. Learned columns: {learned}."
            )
        column = schema[name]
        encoder = transformer.encoder(name)
        if isinstance(encoder, CategoricalEncoder):
            parsed.append(_discrete(column, encoder, wanted))
        elif is_missing(wanted):
            if not column.nullable:
                raise ConditionError(f"Column {column.name!r} never had missing values.")
            parsed.append(Condition(column.name, None, slot=1))  # the missing flag's "missing" slot
        else:
            parsed.append(_range(column, wanted))
    return parsed


def _discrete(column: Column, encoder: CategoricalEncoder, wanted: Any) -> Condition:
    if isinstance(wanted, (list, tuple, set, dict)):
        raise ConditionError(f"Condition on {column.name!r} must be one value; got {wanted!r}.")
    allowed = list(column.categories or [])
    if is_missing(wanted):
        if not column.nullable:
            raise ConditionError(
                f"Column {column.name!r} never had missing values; allowed: {allowed[:30]}."
            )
        return Condition(column.name, None, encoder.missing_slot)
    value = _match(wanted, allowed)
    if value is _NO_MATCH:
        shown = ", ".join(repr(v) for v in allowed[:30]) + (" ..." if len(allowed) > 30 else "")
        raise ConditionError(
            f"Column {column.name!r} has no value {wanted!r}; allowed values: {shown}."
        )
    slot = encoder.slot_of(value)
    return Condition(column.name, value, slot, rare=slot == encoder.other_slot)


_NO_MATCH = object()


def _match(wanted: Any, allowed: list[Any]) -> Any:
    """The category equal to ``wanted``, else the one whose text matches (for CLI input)."""
    for v in allowed:
        if type(v) is type(wanted) and v == wanted:
            return v
    for v in allowed:
        if not isinstance(wanted, str) and v == wanted:
            return v
    text = str(wanted).strip().lower()
    hits = [v for v in allowed if str(v).lower() == text]
    return hits[0] if len(hits) == 1 else _NO_MATCH


def _range(column: Column, wanted: Any) -> Condition:
    low, high = (
        wanted if isinstance(wanted, (list, tuple)) and len(wanted) == 2 else (wanted, wanted)
    )
    try:
        low, high = _as_number(low, column), _as_number(high, column)
    except (TypeError, ValueError) as e:
        raise ConditionError(
            f"Condition on {column.name!r} must be a value or a (low, high) range; got {wanted!r}."
        ) from e
    if low > high:
        raise ConditionError(f"Condition on {column.name!r}: low {low} is above high {high}.")
    lo, hi = column.bounds or (-np.inf, np.inf)
    if high < lo or low > hi:
        raise ConditionError(
            f"Condition on {column.name!r} asks for [{low}, {high}], outside the column's range "
            f"[{lo}, {hi}]: no row can match."
        )
    return Condition(column.name, low=low, high=high)


def _as_number(value: Any, column: Column) -> float:
    if column.kind == "datetime":
        return timestamp_seconds(value)
    return float(value)
