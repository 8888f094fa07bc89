"""Value-free conversion of a table to its declared kinds, for differential privacy.

Under DP nothing may depend on a single value except through a DP release, so each value is
converted on its own by a fixed rule, whatever the other rows hold and whatever dtype pandas gave
the column (a blank cell turns a column of ints into floats, a word turns it into strings):

* numeric and integer: a number, or a string that parses as one; anything else (words, ±inf,
  NaN) is missing. Integers are not checked for a fractional part: the DP statistics bin them by
  rounding, and samples are rounded.
* datetime: a datetime, or an ISO-8601 string; time-zone-aware values are converted to UTC; any
  other value, an impossible date included, is missing.
* boolean: ``True``/``False``, the numbers 1/0 and the strings true/false, yes/no, 1/0 (any
  case); anything else is missing.
* categorical: the value itself (numpy scalars as Python ones, whole floats as ints, anything
  but strings and numbers as its text); with declared categories, a value whose text equals a
  category's text is that category, so ``"3"`` read from a CSV matches a declared ``3``.

No rule raises, warns or logs. Values outside a declared domain are dealt with later, the same
way for every value (``dp_stats.py``).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd

from synthgan.schema import Column, Schema

__all__ = ["coerce_table"]

#: A time of day followed by a UTC offset or Z.
_OFFSET = r"\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}(?::?\d{2})?)$"
_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0"})


def coerce_table(df: pd.DataFrame, schema: Schema) -> pd.DataFrame:
    """The learned columns of ``df`` converted to their declared kinds (``df`` is unchanged)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")  # pandas' parsing notes can name values
        return pd.DataFrame(
            {c.name: _coerce(df[c.name], c) for c in schema.learned}, index=df.index
        )


def _coerce(series: pd.Series, column: Column) -> pd.Series:
    if column.kind in ("numeric", "integer"):
        return _numbers(series)
    if column.kind == "datetime":
        return _datetimes(series)
    if column.kind == "boolean":
        return _each_value(series, _boolean)
    declared = frozenset(column.categories or ())
    by_text = {str(c): c for c in column.categories or ()}
    return _each_value(series, lambda v: _category(v, declared, by_text))


def _each_value(series: pd.Series, rule: Any) -> pd.Series:
    """``rule`` applied to every non-missing value on its own, as objects. (Not once per
    distinct value: pandas counts 3 and 3.0, or 1 and True, as one, and which of them stood for
    both would depend on the other rows.)"""
    return series.astype(object).map(rule, na_action="ignore").astype(object)


def _numbers(series: pd.Series) -> pd.Series:
    try:
        values = pd.to_numeric(series, errors="coerce").astype(float)
    except (TypeError, ValueError):  # objects pandas cannot even try (lists, dicts)
        values = series.map(_number).astype(float)
    return values.where(np.isfinite(values))


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        return math.nan


def _datetimes(series: pd.Series) -> pd.Series:
    """datetime64[ns] (naive, UTC), NaT where a value is not a date. Each value is parsed on
    its own: parsing a column at once lets one value's time-zone offset shift the others."""
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        stamps = series
        if getattr(stamps.dt, "tz", None) is not None:
            stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
        return stamps.astype("datetime64[ns]")
    out = pd.Series(pd.NaT, index=series.index, dtype="datetime64[ns]", name=series.name)
    is_text = series.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
    text = series[is_text].astype(str).str.strip()
    aware = text.str.contains(_OFFSET).to_numpy(dtype=bool)
    # Naive and offset-carrying strings apart: parsed together, one offset shifts the rest.
    naive = pd.to_datetime(text[~aware], format="ISO8601", errors="coerce")
    utc = pd.to_datetime(text[aware], format="ISO8601", errors="coerce", utc=True)
    out[text.index[~aware]] = naive.astype("datetime64[ns]")
    out[text.index[aware]] = utc.dt.tz_localize(None).astype("datetime64[ns]")
    others = series[~is_text & series.notna().to_numpy()]
    out[others.index] = pd.to_datetime(others.map(_datetime).to_numpy())
    return out


def _datetime(value: Any) -> Any:
    """A datetime object (not text) as a naive UTC nanosecond timestamp, or NaT."""
    try:
        if isinstance(value, (pd.Timestamp, np.datetime64)) or hasattr(value, "isoformat"):
            stamp = pd.Timestamp(value)
        else:
            return pd.NaT
        if stamp is pd.NaT:
            return pd.NaT
        if stamp.tzinfo is not None:
            stamp = stamp.tz_convert("UTC").tz_localize(None)
        return stamp.as_unit("ns")
    except (TypeError, ValueError, OverflowError):
        return pd.NaT


def _boolean(value: Any) -> Any:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return True if value == 1 else False if value == 0 else math.nan
    text = str(value).strip().lower()
    return True if text in _TRUE else False if text in _FALSE else math.nan


def _category(value: Any, declared: frozenset, by_text: dict[str, Any]) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        if math.isnan(value):
            return math.nan
        if value.is_integer():  # 3.0 is 3: they would count as one value anyway
            value = int(value)
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        value = str(value)  # True as text: as a number it would count as 1
    if by_text and value not in declared:
        return by_text.get(str(value), value)
    return value
