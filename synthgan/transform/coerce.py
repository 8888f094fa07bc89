"""Value-free conversion of a table to its declared kinds, for differential privacy.

Under DP nothing may depend on a single value except through a DP release, so each value is
converted on its own by a fixed rule, whatever the other rows hold and whatever dtype pandas gave
the column (a blank cell turns a column of ints into floats, a word turns it into strings):

* numeric and integer: a number, or a string Python's ``float`` reads; anything else (words,
  complex numbers, ±inf, NaN) is missing. A column pandas already holds as numbers converts as a
  whole. Integers are not checked for a fractional part: the DP statistics bin them by
  rounding, and samples are rounded.
* datetime: a datetime, or an ISO-8601 string as Python's ``datetime.fromisoformat`` reads it;
  time-zone-aware values are converted to UTC; any other value, an impossible date or one
  outside 1677-2262 (what pandas holds) included, is missing.
* boolean: ``True``/``False``, the numbers 1/0 and the strings true/false, yes/no, 1/0 (any
  case); anything else is missing.
* categorical: the value itself (numpy scalars as Python ones, whole floats as ints, anything
  but strings and numbers as its text); with declared categories, a value whose text equals a
  category's text is that category, so ``"3"`` read from a CSV matches a declared ``3``.

No rule raises, warns or logs. Values outside a declared domain are dealt with later, the same
way for every value (``privacy/statistics.py``).
"""

from __future__ import annotations

import math
import warnings
from datetime import date, datetime, timedelta, timezone
from typing import Any

import numpy as np
import pandas as pd

from synthgan.datetimes import DATETIME_SECONDS
from synthgan.schema import Column, Schema

__all__ = ["coerce_table"]

_EPOCH = datetime(1970, 1, 1)
_PER_SECOND = {"s": 1.0, "ms": 1e3, "us": 1e6, "ns": 1e9}
_INF = (math.inf, -math.inf)
_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0"})


def coerce_table(df: pd.DataFrame, schema: Schema) -> pd.DataFrame:
    """The learned columns of ``df`` converted to their declared kinds (``df`` is unchanged).

    Rows keep their order and get a fresh 0..n-1 index: one row's index label (a duplicate, an
    odd type) must not change how the others are handled."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")  # pandas' parsing notes can name values
        return pd.DataFrame(
            {c.name: _coerce(df[c.name].reset_index(drop=True), c) for c in schema.learned}
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


def _each_value(series: pd.Series, rule: Any, dtype: Any = object) -> pd.Series:
    """``rule`` applied to every non-missing value on its own (missing stays NaN). Not once per
    distinct value: pandas counts 3 and 3.0, or 1 and True, as one, and which of them stood for
    both would depend on the other rows."""
    missing = series.isna().to_numpy()
    values = series.to_numpy(dtype=object)
    out = np.empty(len(values), dtype=object)
    out[:] = [math.nan if m else rule(v) for v, m in zip(values, missing, strict=True)]
    return pd.Series(out, dtype=dtype)


def _numbers(series: pd.Series) -> pd.Series:
    """float64; NaN where a value is not a finite number."""
    if pd.api.types.is_bool_dtype(series.dtype) or pd.api.types.is_numeric_dtype(series.dtype):
        values = series.astype(float)  # one dtype for the column: nothing per value to decide
    else:
        values = _each_value(series, _number, float)
    return values.where(np.isfinite(values))


def _number(value: Any) -> float:
    if isinstance(value, (bool, int, float, np.integer, np.floating, np.bool_)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return math.nan
    return math.nan  # complex numbers, lists and other objects are not numbers here


def _datetimes(series: pd.Series) -> pd.Series:
    """datetime64[ns] (naive, UTC), NaT where a value is not a date pandas can hold.

    A datetime64 column (any unit, any time zone) converts as a whole; anything else value by
    value: parsing strings as a column lets one value's time-zone offset shift the others."""
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        stamps = series
        if getattr(stamps.dt, "tz", None) is not None:
            stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
        unit, _ = np.datetime_data(stamps.dtype)
        raw = stamps.to_numpy().astype("int64").astype(float)
        seconds = np.where(stamps.isna().to_numpy(), np.nan, raw / _PER_SECOND[unit])
    else:
        seconds = _each_value(series, _seconds, float).to_numpy()
    inside = (seconds >= DATETIME_SECONDS[0]) & (seconds <= DATETIME_SECONDS[1])
    return pd.Series(pd.to_datetime(np.where(inside, seconds, np.nan), unit="s"))


def _seconds(value: Any) -> float:
    """Seconds since the epoch (UTC) of one ISO-8601 string or datetime; NaN otherwise."""
    try:
        if isinstance(value, str):
            stamp = datetime.fromisoformat(value.strip())
        elif isinstance(value, np.datetime64):
            stamp = pd.Timestamp(value).to_pydatetime()
        elif isinstance(value, datetime):
            stamp = value
        elif isinstance(value, date):
            stamp = datetime(value.year, value.month, value.day)
        else:
            return math.nan
    except (TypeError, ValueError, OverflowError):
        return math.nan
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(timezone.utc).replace(tzinfo=None)
    return (stamp - _EPOCH) / timedelta(seconds=1)


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
    if isinstance(value, bool) or not isinstance(value, (str, int, float)) or value in _INF:
        value = str(value)  # True as text: as a number it would count as 1; inf is no JSON
    if by_text and value not in declared:
        return by_text.get(str(value), value)
    return value
