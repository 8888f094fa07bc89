"""What each column of a table is: its kind, role, domain and where that domain came from.

A schema is inferred from a DataFrame (``synthgan.inference.infer_schema``), can be corrected by
overrides, and round-trips through JSON so it can live in the model file and be shown by
``synthgan info``.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from synthgan.datetimes import datetime_to_seconds
from synthgan.errors import SchemaError

__all__ = ["KINDS", "KIND_DTYPES", "ROLES", "Column", "IdFormat", "Schema", "dtype_name"]

logger = logging.getLogger(__name__)

Kind = Literal["numeric", "integer", "categorical", "boolean", "datetime"]
Role = Literal["feature", "target", "sensitive", "id", "ignored"]
Source = Literal["data", "public", "dp"]
KINDS: tuple[str, ...] = get_args(Kind)
ROLES: tuple[str, ...] = get_args(Role)

#: Under differential privacy a sample's dtypes follow the declared kind (or a declared
#: ``dtype``), never the input's dtype (which pandas chose by looking at every value).
KIND_DTYPES = {
    "numeric": "float64",
    "integer": "int64",
    "categorical": "object",
    "boolean": "bool",
    "datetime": "datetime64[ns]",
}


#: The character classes a fixed-length ID pattern writes each position in: the first (the
#: smallest) that holds every character seen there.
ID_ALPHABETS = (
    string.digits,
    string.digits + "abcdef",
    string.digits + "ABCDEF",
    string.ascii_lowercase,
    string.ascii_uppercase,
    string.digits + string.ascii_lowercase,
    string.digits + string.ascii_uppercase,
    string.digits + string.ascii_letters,
)
#: The most digits an ID is zero-padded to, and the most characters in an ID pattern: a model
#: file cannot make sampling build giant strings.
MAX_ID_WIDTH = 256


@dataclass(frozen=True)
class IdFormat:
    """How an ID column's regenerated values are written, so that they look like the real ones.

    Integers are ``start``, ``start + 1``, ... Strings are ``prefix``, then the same counter
    zero-padded to ``width`` digits, then ``suffix`` ("CUST-000123", "user17@example.com").
    With ``alphabets`` (one string per character; a single character is a literal), the counter
    is written in the characters each position allows instead, rightmost first, keeping a
    fixed-length shape (a UUID, a hex token); past the pattern's capacity the rest of the
    counter is appended in decimal. A counter rather than random values keeps the IDs unique
    within a sample and across its chunks.
    """

    prefix: str = ""
    suffix: str = ""
    start: int = 0
    width: int = 0
    alphabets: tuple[str, ...] | None = None

    def numbers(self, first: int, n: int) -> np.ndarray:
        """``n`` integer IDs from the ``first``-th on."""
        return np.arange(self.start + first, self.start + first + n, dtype=np.int64)

    def strings(self, first: int, n: int) -> np.ndarray:
        """``n`` string IDs from the ``first``-th on, as an object array."""
        if self.alphabets is None:
            width, prefix, suffix = self.width, self.prefix, self.suffix
            first += self.start
            return np.array(
                [f"{prefix}{k:0{width}d}{suffix}" for k in range(first, first + n)], dtype=object
            )
        rest = self.numbers(first, n)
        chars = np.empty((n, len(self.alphabets)), dtype="<U1")
        for i in range(len(self.alphabets) - 1, -1, -1):
            alphabet = self.alphabets[i]
            chars[:, i] = np.array(list(alphabet))[rest % len(alphabet)]
            rest //= len(alphabet)
        out = chars.view(f"<U{len(self.alphabets)}").ravel().astype(object)
        over = rest > 0
        out[over] = out[over] + rest[over].astype(str).astype(object)
        return out

    @classmethod
    def from_dict(cls, name: str, data: Any) -> IdFormat:
        """A format from JSON or a declaration, every field checked."""
        if not isinstance(data, Mapping):
            raise SchemaError(f"The ID format of {name!r} must be a dict; got {data!r}.")
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise SchemaError(
                f"The ID format of {name!r} has unknown field(s) {unknown}; allowed: {sorted(names)}."
            )
        for key, expected in (("prefix", str), ("suffix", str), ("start", int), ("width", int)):
            value = data.get(key, getattr(cls, key))
            if not isinstance(value, expected) or isinstance(value, bool):
                what = "an int" if expected is int else "a string"
                raise SchemaError(
                    f"The ID format of {name!r}: {key} must be {what}; got {value!r}."
                )
        values = dict(data)
        alphabets = values.get("alphabets")
        if alphabets is not None:
            if (
                isinstance(alphabets, (str, bytes))
                or not isinstance(alphabets, (list, tuple))
                or not 0 < len(alphabets) <= MAX_ID_WIDTH
                or not all(isinstance(a, str) and a and len(set(a)) == len(a) for a in alphabets)
            ):
                raise SchemaError(
                    f"The ID format of {name!r}: alphabets must be a list of 1 to {MAX_ID_WIDTH} "
                    f"non-empty strings without repeated characters (a repeat would repeat "
                    f"IDs); got {alphabets!r}."
                )
            values["alphabets"] = tuple(alphabets)
        if not 0 <= values.get("width", 0) <= MAX_ID_WIDTH:
            raise SchemaError(f"The ID format of {name!r}: width must be in [0, {MAX_ID_WIDTH}].")
        if alphabets is not None and values.get("start", 0) < 0:
            raise SchemaError(f"The ID format of {name!r}: a pattern's start must be >= 0.")
        return cls(**values)


@dataclass(frozen=True)
class Column:
    """One column of the table.

    ``bounds`` hold numbers (datetimes as seconds since the epoch); ``categories`` hold the
    values of a discrete column; ``source`` says where they came from: read from the data,
    declared public by the user, or released by a differentially private mechanism.

    ``dtype`` (spelt by :func:`dtype_name`), ``ordered`` and ``levels`` (a pandas categorical
    dtype's categories, used or not, in order) are the dtype a sample is given back;
    ``id_format`` is how an ID column's values are written. Under differential privacy all
    four come from declarations only (see ``synthgan.inference.infer_schema``).
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
    ordered: bool = False
    levels: tuple[Any, ...] | None = None
    id_format: IdFormat | None = None

    @property
    def learned(self) -> bool:
        """Whether the GAN models this column (IDs are regenerated, ignored columns dropped)."""
        return self.role not in ("id", "ignored")

    @property
    def discrete(self) -> bool:
        """Whether the column takes values from a list (categories, booleans)."""
        return self.kind in ("categorical", "boolean")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values, as the model file keeps them."""
        out = dataclasses.asdict(self)
        out["bounds"] = list(self.bounds) if self.bounds is not None else None
        out["categories"] = list(self.categories) if self.categories is not None else None
        out["levels"] = list(self.levels) if self.levels is not None else None
        if self.id_format is not None and self.id_format.alphabets is not None:
            out["id_format"]["alphabets"] = list(self.id_format.alphabets)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Column:
        """A column read back from :meth:`to_dict`'s values, every field checked."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise SchemaError(
                f"Unknown column field(s) {sorted(unknown)}; allowed: {sorted(names)}."
            )
        values = dict(data)
        if values.get("bounds") is not None:
            values["bounds"] = tuple(float(b) for b in values["bounds"])
        for key in ("categories", "levels"):
            if values.get(key) is not None:
                if isinstance(values[key], (str, bytes, Mapping)):
                    raise SchemaError(f"Column {values.get('name')!r}: {key} must be a list.")
                values[key] = tuple(values[key])
        if values.get("id_format") is not None:
            values["id_format"] = IdFormat.from_dict(str(values.get("name")), values["id_format"])
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
        """The column names, in the table's order."""
        return [c.name for c in self.columns]

    @property
    def learned(self) -> list[Column]:
        """The columns the GAN models (not IDs, not ignored ones)."""
        return [c for c in self.columns if c.learned]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values, as the model file keeps them."""
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
        """A schema read back from :meth:`to_dict`'s values, every column checked."""
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
    if not isinstance(column.dtype, str):
        raise SchemaError(f"Column {column.name!r}: dtype must be a string; got {column.dtype!r}.")
    if not isinstance(column.ordered, bool):
        raise SchemaError(f"Column {column.name!r}: ordered must be true or false.")
    if column.ordered and column.kind != "categorical":
        raise SchemaError(f"Column {column.name!r} is {column.kind}: only categories are ordered.")
    if column.levels is not None:
        levels = set(distinct_categories(column.name, column.levels))
        if column.categories is not None and not levels.issuperset(column.categories):
            raise SchemaError(f"Column {column.name!r}: its dtype's levels miss some categories.")
    if column.id_format is not None and not isinstance(column.id_format, IdFormat):
        raise SchemaError(f"Column {column.name!r}: id_format must be an IdFormat.")
    if column.id_format is not None and column.role != "id":
        raise SchemaError(
            f"Column {column.name!r} has an ID format but its role is {column.role!r}."
        )
    ids = column.id_format
    if (
        ids is not None
        and (ids.alphabets or column.kind != "categorical")
        and abs(ids.start) > 2**62
    ):
        raise SchemaError(f"Column {column.name!r}: its ID counter must start within ±2**62.")


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


def dtype_name(dtype: Any) -> str:
    """``dtype`` as the schema stores it: a name ``pandas.api.types.pandas_dtype`` reads back
    to the same dtype (``str`` drops a string dtype's pyarrow storage)."""
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow" and str(dtype) == "string":
        return "string[pyarrow]"
    return str(dtype)


def python_value(value: Any) -> Any:
    """A JSON-friendly Python scalar."""
    return value.item() if isinstance(value, np.generic) else value
