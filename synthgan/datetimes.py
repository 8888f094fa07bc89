"""Datetimes as the seconds since the epoch the encoders, the DP statistics, the cells and the
evaluators all work in, and back: one conversion, so that every part reads a date the same way
(time-zone-aware values in UTC)."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "DATETIME_SECONDS",
    "datetime_to_seconds",
    "has_utc_offset",
    "is_date_text",
    "seconds_text",
    "seconds_to_datetime",
    "timestamp_seconds",
]

#: An offset from UTC at the end of date text: what a time-zone-aware column becomes in a CSV.
UTC_OFFSET = r"(Z|[+-]\d{2}(:?\d{2})?)"
#: Text fit and evaluate both read as dates: ISO 8601 dates, optionally with a time and its
#: offset from UTC.
DATE_TEXT = re.compile(
    rf"^\d{{4}}-\d{{2}}-\d{{2}}([ T]\d{{2}}:\d{{2}}(:\d{{2}}(\.\d+)?)?{UTC_OFFSET}?)?$"
)
OFFSET_TEXT = re.compile(UTC_OFFSET + "$")

#: The seconds since the epoch a datetime64[ns] can hold (1677-09-22 to 2262-04-11).
DATETIME_SECONDS = (
    pd.Timestamp.min.ceil("s").value / 1e9,
    pd.Timestamp.max.floor("s").value / 1e9,
)


def datetime_to_seconds(values: pd.Series) -> np.ndarray:
    """Datetimes (or ISO-8601 strings) as float64 seconds since the epoch; missing stays NaN.

    Time-zone-aware values are converted to UTC first; text with offsets (summer and winter
    time mixed) is read in UTC, and text without one as if it were UTC.
    """
    stamps = values
    if not pd.api.types.is_datetime64_any_dtype(values.dtype):
        stamps = pd.to_datetime(values, format="ISO8601", utc=True)
    if getattr(stamps.dt, "tz", None) is not None:
        stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    seconds = np.full(len(stamps), np.nan)
    present = stamps.notna().to_numpy()
    ns = stamps[present].astype("datetime64[ns]").to_numpy().astype("int64")
    seconds[present] = ns.astype(float) / 1e9
    return seconds


def timestamp_seconds(value: Any) -> float:
    """One value pandas reads as a timestamp (a condition a user asks for), in seconds."""
    return pd.Timestamp(value).value / 1e9


def seconds_to_datetime(seconds: np.ndarray, unit: str | None, name: str) -> pd.Series:
    """Seconds back to datetime64 (clipped to what it can hold), rounded to ``unit``."""
    seconds = np.clip(seconds, *DATETIME_SECONDS)  # NaN stays missing
    stamps = pd.to_datetime(pd.Series(seconds, name=name), unit="s")
    return stamps.dt.round(unit) if unit and unit != "us" else stamps


def is_date_text(nonnull: pd.Series) -> bool:
    """Whether strings (no missing values) are ISO dates: the first thousand match the pattern
    and every one parses. One rule, so a column ``fit`` learns as dates is scored as dates."""
    if not all(isinstance(v, str) and DATE_TEXT.match(v) for v in nonnull.iloc[:1000]):
        return False
    try:
        pd.to_datetime(nonnull, format="ISO8601", utc=True)
    except (ValueError, TypeError, OverflowError):
        return False
    return True


def has_utc_offset(nonnull: pd.Series) -> bool:
    """Whether date text (no missing values) carries its offset from UTC (``...+02:00``,
    ``...Z``) in the first thousand values."""
    return all(isinstance(v, str) and OFFSET_TEXT.search(v) for v in nonnull.iloc[:1000])


def seconds_text(seconds: float, _position: Any = None) -> str:
    """Seconds since the epoch as a reader writes the date (UTC; also a matplotlib tick
    formatter)."""
    return pd.Timestamp(seconds, unit="s").strftime("%Y-%m-%d")
