"""Infer a table's :class:`~synthgan.schema.Schema` from its values, then apply the user's
overrides; under differential privacy, build it from the declarations alone."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from synthgan.datetimes import datetime_to_seconds, has_utc_offset, is_date_text
from synthgan.errors import DataError, PrivacyError, SchemaError
from synthgan.schema import (
    ID_ALPHABETS,
    KIND_DTYPES,
    KINDS,
    MAX_ID_WIDTH,
    ROLES,
    Column,
    IdFormat,
    Kind,
    Schema,
    Source,
    check_column,
    dtype_name,
    parse_bounds,
    python_value,
)

__all__ = ["infer_schema"]

logger = logging.getLogger(__name__)

#: Integer columns with at most this many distinct values are modelled as categories.
MAX_CATEGORICAL_INTEGERS = 20
#: Integer columns that are all-unique are treated as IDs from this many rows on (smaller
#: frames are often all-unique by chance), or at any size when they are monotonic.
MIN_ROWS_FOR_INTEGER_ID = 1000
MIN_ROWS_FOR_STRING_ID = 20
_DATETIME_UNITS = (("D", 86_400.0), ("h", 3_600.0), ("min", 60.0), ("s", 1.0))
#: An ID's last run of digits, with what comes before and after it.
_NUMBERED_ID = re.compile(r"^(.*?)(\d+)(\D*)$", re.DOTALL)
#: IDs an ID pattern is read from (each position's characters).
ID_PATTERN_ROWS = 100_000
#: Which pandas dtypes may be declared for each kind.
_DTYPE_FITS = {
    "numeric": pd.api.types.is_float_dtype,
    "integer": lambda d: pd.api.types.is_integer_dtype(d) or pd.api.types.is_float_dtype(d),
    "boolean": lambda d: pd.api.types.is_bool_dtype(d) or pd.api.types.is_object_dtype(d),
    "datetime": pd.api.types.is_datetime64_any_dtype,
    "categorical": lambda d: not pd.api.types.is_datetime64_any_dtype(d),
}


def infer_schema(
    df: pd.DataFrame, overrides: Mapping[str, Any] | None = None, *, private: bool = False
) -> Schema:
    """Infer a :class:`Schema` from ``df``, then apply ``overrides``.

    Parameters
    ----------
    df
        The real table. It is not modified.
    overrides
        Per column, either a kind (``"numeric"``, ``"integer"``, ``"categorical"``,
        ``"boolean"``, ``"datetime"``), a role (``"target"``, ``"sensitive"``, ``"id"``,
        ``"ignored"``, ``"feature"``), or a dict of :class:`Column` fields such as
        ``{"kind": "integer", "bounds": [0, 120]}``. Declared bounds and categories are marked
        ``source="public"``.
        Three more fields say how a sample is given back: ``"dtype"`` (a pandas dtype that
        holds the kind, e.g. ``"Int64"``, ``"string"``, ``"datetime64[ns, Europe/Berlin]"``),
        ``"ordered": True`` (categories in their declared order, as an ordered pandas
        categorical) and, with role ``"id"``, ``"id_format"`` (a dict of
        :class:`~synthgan.schema.IdFormat` fields, e.g. ``{"prefix": "CUST-", "width": 6}``).
        Without them the input's dtype is kept (time zone, unit, categorical order, nullable
        and string dtypes) and an ID column's format is read from its values.
    private
        The structure differential privacy needs, read from no value at all: every column's
        kind must be declared in ``overrides`` (inferring it reads every value, and one row can
        change it); roles come from ``overrides`` only; no bounds, categories, decimals or
        missing-value flags are read (they come from DP statistics later, or from public
        declarations). Booleans get the domain ``(False, True)`` by type. Nothing is checked
        that depends on the rows (their number, missing or odd values).

        Dtypes follow the kinds (``KIND_DTYPES``) unless declared: the input's dtype is not
        read, not even its time zone, nullability or categorical order, because pandas often
        sets those by looking at the values (``read_csv``, ``convert_dtypes``, ``concat``
        with a row that does not fit), so one row could change them. An ordered categorical
        needs its categories declared public (the order is theirs); an ID column keeps the
        plain counter 0, 1, 2, ... unless its ``id_format`` is declared (a format read from
        the IDs would give away their prefix, width and least value).

    Raises
    ------
    DataError
        Empty frame, a single row, an all-missing column, infinite values, a column that mixes
        types, an unsupported dtype (not under ``private``).
    SchemaError
        An override names an unknown column or an invalid kind, role or field.
    PrivacyError
        Under ``private``, columns whose kind is not declared.
    """
    if not isinstance(df, pd.DataFrame):
        raise DataError(f"Expected a pandas DataFrame; got {type(df).__name__}.")
    if df.shape[1] == 0:
        raise DataError("The table is empty: it has no columns.")
    if not private and len(df) == 0:
        raise DataError(f"The table is empty (0 rows x {df.shape[1]} columns).")
    if not private and len(df) < 2:
        raise DataError("The table has a single row; at least 2 rows are needed to learn from it.")
    if df.columns.duplicated().any():
        dupes = sorted({str(c) for c in df.columns[df.columns.duplicated()]})
        raise DataError(f"Duplicate column names {dupes}; rename them first.")
    non_str = [c for c in df.columns if not isinstance(c, str)]
    if non_str:
        raise DataError(
            f"Column names must be strings; got {non_str[:5]}. Use df.columns.astype(str)."
        )
    overrides = dict(overrides or {})
    unknown = sorted(set(overrides) - set(df.columns))
    if unknown:
        raise SchemaError(
            f"Overrides name column(s) {unknown} that are not in the table; columns are {list(df.columns)}."
        )
    normalised = {name: _normalise_override(name, overrides.get(name)) for name in df.columns}
    if private:
        _require_kinds(normalised)
        return Schema(tuple(_declared_column(name, o) for name, o in normalised.items()))
    return Schema(tuple(_infer_column(df[name], o) for name, o in normalised.items()))


def _require_kinds(overrides: Mapping[str, dict[str, Any]]) -> None:
    undeclared = [n for n, o in overrides.items() if "kind" not in o and o.get("role") != "ignored"]
    if undeclared:
        raise PrivacyError(
            f"Under differential privacy every column's kind must be declared; {len(undeclared)} "
            f"column(s) are not: {undeclared[:20]}. Inferring a kind reads every value, and one "
            "row can change it (a blank cell turns integers into floats, a word turns numbers "
            "into categories). Declare them, e.g. overrides={"
            + f"{undeclared[0]!r}: 'numeric', ..."
            + f"}} in Python (kinds: {', '.join(KINDS)}) or --schema kinds.json on the command "
            "line. `synthgan schema DATA "
            "--declare` writes such a file from the data itself (without privacy: review it, "
            "or write it from the table's documentation)."
        )


def _normalise_override(name: str, value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, str):
        if value in KINDS:
            return {"kind": value}
        if value in ROLES:
            return {"role": value}
        raise SchemaError(
            f"Override for {name!r} is {value!r}; use a kind {KINDS}, a role {ROLES} or a dict."
        )
    if isinstance(value, Mapping):
        allowed = {
            *("kind", "role", "bounds", "categories", "decimals"),
            *("dtype", "ordered", "id_format"),
        }
        bad = sorted(set(value) - allowed)
        if bad:
            raise SchemaError(
                f"Override for {name!r} has unknown field(s) {bad}; allowed: {sorted(allowed)}."
            )
        for key, options in (("kind", KINDS), ("role", ROLES)):
            if key in value and value[key] not in options:
                raise SchemaError(
                    f"Override for {name!r}: {key} {value[key]!r} is not one of {options}."
                )
        value = dict(value)
        if not isinstance(value.get("ordered", False), bool):
            raise SchemaError(f"Override for {name!r}: ordered must be True or False.")
        if "id_format" in value:
            if value.get("role") != "id":
                raise SchemaError(f"Override for {name!r}: an id_format needs role 'id'.")
            value["id_format"] = IdFormat.from_dict(name, value["id_format"])
        return value
    raise SchemaError(
        f"Override for {name!r} must be a string or a dict; got {type(value).__name__}."
    )


def _infer_column(series: pd.Series, override: dict[str, Any]) -> Column:
    name = str(series.name)
    role = override.get("role", "feature")
    dtype = dtype_name(series.dtype)
    nonnull = series.dropna()
    if role == "ignored":
        return Column(name, override.get("kind", "categorical"), role="ignored", dtype=dtype)
    if nonnull.empty:
        raise DataError(
            f"Column {name!r} has no values (all {len(series)} are missing); drop it or declare "
            f"it ignored with overrides={{{name!r}: 'ignored'}}."
        )
    kind = override.get("kind") or _infer_kind(series, nonnull)
    if "dtype" in override:
        dtype = _declared_dtype(name, kind, override["dtype"])
    _check_ordered(name, kind, override)
    if kind in ("numeric", "integer"):
        values = _as_float(name, nonnull)
        if "kind" not in override and kind == "integer" and _few_values(nonnull):
            kind = "categorical"
    elif kind == "datetime":
        values = _as_seconds(name, nonnull)
        if "dtype" not in override and has_utc_offset(nonnull):
            dtype = "datetime64[ns, UTC]"  # dates written with their offset: aware, in UTC
    nullable = bool(series.isna().any())
    if role == "id" or (not override and _looks_like_id(nonnull, len(series), kind)):
        if role != "id":
            logger.warning(
                "Column %r looks like an identifier (all %d values unique): it is not learned and "
                "samples get fresh unique values. Declare its kind, e.g. overrides={%r: %r}, to "
                "learn it.",
                name,
                len(series),
                name,
                kind,
            )
        id_format = override.get("id_format") or _read_id_format(nonnull, kind)
        column = Column(name, kind, "id", nullable, dtype, id_format=id_format)
        check_column(column)
        return column
    if kind in ("categorical", "boolean"):
        categories_declared = override.get("categories")
        source: Source = "public" if categories_declared is not None else "data"
        categories = (
            _sorted_categories(nonnull)
            if categories_declared is None
            else [python_value(v) for v in categories_declared]
        )
        ordered, levels = False, None
        if isinstance(series.dtype, pd.CategoricalDtype) and "dtype" not in override:
            ordered = kind == "categorical" and bool(series.dtype.ordered)
            if source == "data" and kind == "categorical":  # the dtype's unused levels too
                levels = tuple(python_value(v) for v in series.dtype.categories)
        if override.get("ordered") and categories_declared is None and not ordered:
            raise SchemaError(
                f"Override for {name!r}: ordered needs an order: declare its categories in "
                "order, e.g. {'categories': ['S', 'M', 'L'], 'ordered': True}, or pass an "
                "ordered pandas categorical."
            )
        ordered = override.get("ordered", ordered)
        column = Column(
            name,
            kind,
            role,
            nullable,
            _ordered_dtype(name, dtype, override) if ordered else dtype,
            categories=tuple(categories),
            source=source,
            ordered=ordered,
            levels=levels,
        )
    else:
        bounds = override.get("bounds")
        source = "public" if bounds is not None else "data"
        if bounds is None:
            bounds = (float(values.min()), float(values.max()))
        else:
            bounds = parse_bounds(name, kind, bounds)
        column = Column(
            name,
            kind,
            role,
            nullable,
            dtype,
            bounds=(float(bounds[0]), float(bounds[1])),
            decimals=override.get("decimals", _decimals(values) if kind == "numeric" else None),
            datetime_unit=_datetime_unit(values) if kind == "datetime" else None,
            source=source,
        )
    check_column(column)
    return column


def _declared_column(name: str, override: dict[str, Any]) -> Column:
    """A column from its declaration alone (``infer_schema(..., private=True)``)."""
    role = override.get("role", "feature")
    kind = override.get("kind", "categorical")
    dtype = KIND_DTYPES[kind]
    if "dtype" in override:
        dtype = _declared_dtype(name, kind, override["dtype"])
    _check_ordered(name, kind, override)
    if role in ("ignored", "id"):  # dropped, or regenerated: never learned
        return Column(name, kind, role=role, dtype=dtype, id_format=override.get("id_format"))
    if kind in ("categorical", "boolean"):
        categories = override.get("categories")
        if categories is None and kind == "boolean":
            categories = [False, True]
        ordered = override.get("ordered", False)
        column = Column(
            name,
            kind,
            role,
            dtype=_ordered_dtype(name, dtype, override) if ordered else dtype,
            categories=None if categories is None else tuple(python_value(v) for v in categories),
            source="dp" if categories is None else "public",
            ordered=ordered,
        )
    else:
        bounds = override.get("bounds")
        column = Column(
            name,
            kind,
            role,
            dtype=dtype,
            bounds=None if bounds is None else parse_bounds(name, kind, bounds),
            decimals=override.get("decimals"),
            source="dp" if bounds is None else "public",
        )
    check_column(column)
    return column


def _declared_dtype(name: str, kind: str, value: Any) -> str:
    """A declared pandas dtype, checked to hold the column's kind."""
    try:
        dtype = pd.api.types.pandas_dtype(value)
    except (TypeError, ValueError) as e:
        raise SchemaError(f"Override for {name!r}: {value!r} is not a pandas dtype ({e}).") from e
    if not _DTYPE_FITS[kind](dtype):
        raise SchemaError(
            f"Override for {name!r}: dtype {value!r} cannot hold {kind} values; declare another "
            "dtype or kind."
        )
    return dtype_name(dtype)


def _check_ordered(name: str, kind: str, override: Mapping[str, Any]) -> None:
    if override.get("ordered") and kind != "categorical":
        raise SchemaError(
            f"Override for {name!r}: only a categorical column is ordered, not {kind}."
        )


def _ordered_dtype(name: str, dtype: str, override: Mapping[str, Any]) -> str:
    """An ordered column's dtype: a pandas categorical (a declared dtype must be one)."""
    if "dtype" in override and dtype != "category":
        raise SchemaError(f"Override for {name!r}: an ordered column's dtype is 'category'.")
    return "category"


def _read_id_format(nonnull: pd.Series, kind: str) -> IdFormat | None:
    """How the real IDs are written, so that regenerated ones look alike (not under DP: all of
    it is read from the values).

    Integers continue after the greatest real one, so no synthetic row carries a real row's
    ID (a join with the real table matches nothing). Strings that share a prefix and a suffix
    around their last run of digits keep both and the digit count (zero padding), and count on
    from the greatest real number: "CUST-000123", "user17@example.com". Otherwise strings of one length
    keep each position's character class (digits, hex, letters) and its constant characters:
    UUIDs, hex tokens. Otherwise (names, words) their common prefix and suffix stay around a
    decimal counter ("alice@x.com", "bob@x.com" become "0@x.com", "1@x.com"). Other kinds keep
    the plain counter.
    """
    if kind == "integer":
        high = int(pd.to_numeric(nonnull).max())
        return IdFormat(start=high + 1) if abs(high) < 2**62 else None  # 64-bit hashes: 0, 1, ...
    strings = nonnull.astype(object)  # a pandas categorical or string dtype too
    if kind != "categorical" or pd.api.types.infer_dtype(strings, skipna=True) != "string":
        return None
    values = strings.tolist()
    matches = [_NUMBERED_ID.match(v) for v in values]
    if all(matches) and len({(m.group(1), m.group(3)) for m in matches}) == 1:
        digits = [m.group(2) for m in matches]
        return IdFormat(
            prefix=matches[0].group(1),
            suffix=matches[0].group(3),
            start=max(int(d) for d in digits) + 1,
            width=min(min(len(d) for d in digits), MAX_ID_WIDTH),
        )
    length = len(values[0])
    if 0 < length <= MAX_ID_WIDTH and all(len(v) == length for v in values):
        alphabets = _position_alphabets(values[:ID_PATTERN_ROWS], length)
        if any(len(a) > 1 for a in alphabets):
            return IdFormat(alphabets=alphabets)
    prefix = _common_prefix(values)
    suffix = _common_prefix([v[len(prefix) :][::-1] for v in values])[::-1]
    return IdFormat(prefix=prefix, suffix=suffix)


def _common_prefix(values: list[str]) -> str:
    """The characters every value starts with (those of the least and greatest values)."""
    low, high = min(values), max(values)
    same = (i for i, (a, b) in enumerate(zip(low, high, strict=False)) if a != b)
    return low[: next(same, min(len(low), len(high)))]


def _position_alphabets(values: list[str], length: int) -> tuple[str, ...]:
    """Per position, the one character every value has there, or the smallest character class
    (``ID_ALPHABETS``) holding every character seen there."""
    chars = np.array(values, dtype=f"<U{length}").view("<U1").reshape(len(values), length)
    alphabets = []
    for position in chars.T:
        seen = set(np.unique(position).tolist())
        if len(seen) == 1:
            alphabets.append(next(iter(seen)))
        else:
            fits = (a for a in ID_ALPHABETS if seen <= set(a))
            alphabets.append(next(fits, "".join(sorted(seen))))
    return tuple(alphabets)


def _infer_kind(series: pd.Series, nonnull: pd.Series) -> Kind:
    name = series.name
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if isinstance(dtype, pd.CategoricalDtype):
        return "categorical"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_float_dtype(dtype):
        values = nonnull.to_numpy(dtype=float)
        if not np.isfinite(values).all():
            raise DataError(
                f"Column {name!r} contains infinite values; replace them (e.g. with NaN) first."
            )
        return "integer" if np.all(values == np.round(values)) else "numeric"
    if pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
        inferred = pd.api.types.infer_dtype(nonnull, skipna=True)
        if inferred == "string":
            if is_date_text(nonnull):
                return "datetime"
            return "categorical"
        if inferred == "boolean":
            return "boolean"
        if inferred == "integer":
            return "integer"
        if inferred in ("floating", "mixed-integer-float", "decimal"):
            return _infer_kind(pd.Series(nonnull.astype(float), name=name), nonnull.astype(float))
        if inferred in ("datetime", "datetime64", "date"):
            return "datetime"
        if inferred in ("mixed", "mixed-integer"):
            types = sorted({type(v).__name__ for v in nonnull.iloc[:10_000]})
            raise DataError(
                f"Column {name!r} mixes value types {types}; convert it to one type first, "
                f"e.g. df[{name!r}] = df[{name!r}].astype(str)."
            )
    raise DataError(
        f"Column {name!r} has unsupported dtype {dtype} ({pd.api.types.infer_dtype(nonnull)}); "
        "supported: numbers, integers, strings/categories, booleans, datetimes. Convert it, or "
        "declare it ignored with overrides={%r: 'ignored'}." % name
    )


def _as_float(name: str, nonnull: pd.Series) -> np.ndarray:
    try:
        values = pd.to_numeric(nonnull).to_numpy(dtype=float)
    except (ValueError, TypeError) as e:
        raise DataError(f"Column {name!r} was declared numeric but holds non-numbers: {e}") from e
    if not np.isfinite(values).all():
        raise DataError(
            f"Column {name!r} contains infinite values; replace them (e.g. with NaN) first."
        )
    return values


def _as_seconds(name: str, nonnull: pd.Series) -> np.ndarray:
    try:
        return datetime_to_seconds(nonnull)
    except (ValueError, TypeError, OverflowError) as e:
        raise DataError(f"Column {name!r} was declared datetime but does not parse: {e}") from e


def _few_values(nonnull: pd.Series) -> bool:
    return nonnull.nunique() <= MAX_CATEGORICAL_INTEGERS


def _looks_like_id(nonnull: pd.Series, n_rows: int, kind: str) -> bool:
    if len(nonnull) != n_rows or nonnull.nunique() != n_rows:
        return False
    if kind == "integer":
        return n_rows >= MIN_ROWS_FOR_INTEGER_ID or (
            n_rows >= MIN_ROWS_FOR_STRING_ID and nonnull.is_monotonic_increasing
        )
    strings = pd.api.types.infer_dtype(nonnull, skipna=True) == "string"
    return kind == "categorical" and strings and n_rows >= MIN_ROWS_FOR_STRING_ID


def _sorted_categories(nonnull: pd.Series) -> list[Any]:
    if isinstance(nonnull.dtype, pd.CategoricalDtype):
        present = set(nonnull.unique())
        return [python_value(v) for v in nonnull.cat.categories if v in present]
    values = [python_value(v) for v in pd.unique(nonnull)]
    try:
        return sorted(values)
    except TypeError:
        return sorted(values, key=str)


def _decimals(values: np.ndarray) -> int | None:
    """The number of decimals every value is written with, if at most 6; else None."""
    sample = values[:10_000]
    for k in range(7):
        if np.allclose(sample, np.round(sample, k), rtol=0, atol=10.0 ** -(k + 3)):
            return k
    return None


def _datetime_unit(seconds: np.ndarray) -> str:
    for unit, size in _DATETIME_UNITS:
        if np.all(np.mod(seconds, size) == 0):
            return unit
    return "us"
