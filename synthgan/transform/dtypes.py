"""Casting decoded values back to the dtype the real column had."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from synthgan.schema import Column

__all__ = ["is_missing", "restore_datetimes", "restore_dtype"]

logger = logging.getLogger(__name__)

_INTEGER_DTYPES = ("int64", "int32", "int16", "int8", "uint8", "uint16", "uint32", "uint64")


def restore_dtype(values: pd.Series, column: Column, missing: np.ndarray) -> pd.Series:
    """Cast decoded values back to the column's original dtype where the values allow it."""
    dtype = column.dtype
    if dtype.startswith("category"):
        levels = column.levels if column.levels is not None else column.categories
        if levels is None and column.role == "id":  # regenerated IDs are their own categories
            return values.astype("category")
        return values.astype(pd.CategoricalDtype(list(levels or []), ordered=column.ordered))
    if missing.any() and dtype in ("bool", *_INTEGER_DTYPES):
        dtype = "boolean" if dtype == "bool" else "float64"
    try:
        return values.astype(dtype)
    except (TypeError, ValueError) as e:  # e.g. an exotic extension dtype
        logger.warning(
            "Column %r: cannot restore dtype %s (%s); keeping %s.",
            column.name,
            dtype,
            e,
            values.infer_objects().dtype,
        )
        return values.infer_objects()


def restore_datetimes(stamps: pd.Series, column: Column) -> pd.Series:
    """Decoded datetimes (naive, in UTC, nanoseconds) in the column's dtype: its time zone and
    unit. A dtype that is not a datetime one (dates read from strings) keeps nanoseconds."""
    dtype = column.dtype
    if not dtype.startswith("datetime64") or dtype == str(stamps.dtype):
        return stamps
    try:
        target = pd.api.types.pandas_dtype(dtype)
        if getattr(target, "tz", None) is not None:
            stamps = stamps.dt.tz_localize("UTC").dt.tz_convert(target.tz)
        return stamps.astype(target)
    except (TypeError, ValueError) as e:  # a time zone pandas cannot name (dateutil's)
        logger.warning(
            "Column %r: cannot restore dtype %s (%s); giving it back in UTC.", column.name, dtype, e
        )
        return stamps.dt.tz_localize("UTC")


def is_missing(value: Any) -> bool:
    """Whether a single value (a user's condition, a category) stands for "missing"."""
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))
