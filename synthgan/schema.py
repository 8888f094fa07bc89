"""What each column of a table is: its kind, role, domain and where that domain came from.

A schema is inferred from a DataFrame (``synthgan.inference.infer_schema``), can be corrected by
overrides, and round-trips through JSON so it can live in the model file and be shown by
``synthgan info``.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from synthgan.datetimes import datetime_to_seconds
from synthgan.errors import SchemaError

__all__ = ["KINDS", "KIND_DTYPES", "ROLES", "Column", "Schema"]

logger = logging.getLogger(__name__)

Kind = Literal["numeric", "integer", "categorical", "boolean", "datetime"]
Role = Literal["feature", "target", "sensitive", "id", "ignored"]
Source = Literal["data", "public", "dp"]
KINDS: tuple[str, ...] = get_args(Kind)
ROLES: tuple[str, ...] = get_args(Role)

#: Under differential privacy a sample's dtypes follow the declared kind, never the input's
#: dtype (which pandas chose by looking at every value).
KIND_DTYPES = {
    "numeric": "float64",
    "integer": "int64",
    "categorical": "object",
    "boolean": "bool",
    "datetime": "datetime64[ns]",
}


@dataclass(frozen=True)
class Column:
    """One column of the table.

    ``bounds`` hold numbers (datetimes as seconds since the epoch); ``categories`` hold the
    values of a discrete column; ``source`` says where they came from: read from the data,
    declared public by the user, or released by a differentially private mechanism.
    """

    name: str
    kind: Kind
    role: Role = "feature"
    nullable: bool = False
    dtype: str = "object"
    bounds: tuple[float, float] | None = None
    categories: tuple[Any, ...] | None = None
    decimals: int | None = None
    datetime_unit: str | None = None
    source: Source = "data"

    @property
    def learned(self) -> bool:
        """Whether the GAN models this column (IDs are regenerated, ignored columns dropped)."""
        return self.role not in ("id", "ignored")

    @property
    def discrete(self) -> bool:
        return self.kind in ("categorical", "boolean")

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["bounds"] = list(self.bounds) if self.bounds is not None else None
        out["categories"] = list(self.categories) if self.categories is not None else None
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Column:
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise SchemaError(
                f"Unknown column field(s) {sorted(unknown)}; allowed: {sorted(names)}."
            )
        values = dict(data)
        if values.get("bounds") is not None:
            values["bounds"] = tuple(float(b) for b in values["bounds"])
        if values.get("categories") is not None:
            values["categories"] = tuple(values["categories"])
        column = cls(**values)
        check_column(column)
        return column


@dataclass(frozen=True)
class Schema:
    """An ordered collection of :class:`Column` with JSON round trip."""

    columns: tuple[Column, ...] = field(default_factory=tuple)

    def __getitem__(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise SchemaError(f"No column named {name!r}; columns are {self.names}.")

    def __contains__(self, name: object) -> bool:
        return any(c.name == name for c in self.columns)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def learned(self) -> list[Column]:
        return [c for c in self.columns if c.learned]

    def to_dict(self) -> dict[str, Any]:
        return {"columns": [c.to_dict() for c in self.columns]}

    def declaration(self) -> dict[str, dict[str, str]]:
        """Each column's kind (and role, where it is not a plain feature) as ``overrides``:
        what differential privacy needs declared. Review it before use: made by
        :func:`infer_schema` on a table, it was read from every value of that table."""
        return {
            c.name: {"kind": c.kind} | ({"role": c.role} if c.role != "feature" else {})
            for c in self.columns
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Schema:
        try:
            columns = tuple(Column.from_dict(c) for c in data["columns"])
        except (KeyError, TypeError) as e:
            raise SchemaError(f"A schema needs a 'columns' list of column objects: {e}") from e
        return cls(columns)


def check_column(column: Column) -> None:
    if column.kind not in KINDS:
        raise SchemaError(f"Column {column.name!r}: kind {column.kind!r} is not one of {KINDS}.")
    if column.role not in ROLES:
        raise SchemaError(f"Column {column.name!r}: role {column.role!r} is not one of {ROLES}.")
    if column.bounds is not None:
        lo, hi = column.bounds
        if not (math.isfinite(lo) and math.isfinite(hi) and lo <= hi):
            raise SchemaError(
                f"Column {column.name!r}: bounds must be finite with low <= high; got {column.bounds}."
            )
    # Under DP a domain with no value released is allowed: the column is generated as missing.
    if column.discrete and column.learned and not column.categories and column.source != "dp":
        raise SchemaError(f"Column {column.name!r} is {column.kind} but has no categories.")
    if column.categories is not None:
        distinct_categories(column.name, column.categories)


def distinct_categories(name: str, categories: Any) -> tuple[Any, ...]:
    """``categories`` as a tuple, refused if two are the same value: 1, 1.0 and True count as
    one, so a row holding it would be counted once per copy (under DP, more than one row's
    worth of change)."""
    values = tuple(categories)
    try:
        distinct = len(set(values)) == len(values)
    except TypeError as e:
        raise SchemaError(
            f"Categories of {name!r} must be strings, numbers or booleans: {e}"
        ) from e
    if not distinct:
        raise SchemaError(
            f"Categories of {name!r} must be distinct; {list(values)[:20]} repeats a value "
            "(1, 1.0 and True count as the same value)."
        )
    return values


def parse_bounds(name: str, kind: str, value: Any) -> tuple[float, float]:
    """Declared ``(low, high)`` as numbers (datetimes as seconds since the epoch)."""
    try:
        low, high = value
        if kind == "datetime":
            low, high = datetime_to_seconds(pd.Series([low, high], dtype=object))
        low, high = float(low), float(high)
    except (TypeError, ValueError, OverflowError) as e:
        raise SchemaError(f"Bounds of {name!r} ({kind}) must be (low, high); got {value!r}.") from e
    if not (math.isfinite(low) and math.isfinite(high) and low <= high):
        raise SchemaError(f"Bounds of {name!r} must be finite with low <= high; got {value!r}.")
    if kind == "integer" and math.ceil(low) > math.floor(high):
        raise SchemaError(f"Bounds of {name!r} (integer) hold no integer; got {value!r}.")
    return low, high


def python_value(value: Any) -> Any:
    """A JSON-friendly Python scalar."""
    return value.item() if isinstance(value, np.generic) else value
