"""Checking and aligning the tables an evaluation compares, so every metric reads the same values.

The synthetic table may come from anywhere (a CSV from another tool, say), so its columns are
matched to the real table's by name and its values are brought to the real table's types: a
column is *numeric* or *categorical* by the real table's dtype, and the other tables must agree.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import numpy as np
import pandas as pd

from synthgan.datetimes import datetime_to_seconds, is_date_text
from synthgan.errors import DataError

__all__ = ["EvalTables", "as_labels", "prepare_tables"]

ColumnKind = Literal["numeric", "categorical"]
Task = Literal["binary", "multiclass", "regression"]

#: A numeric target with at most this many distinct values is treated as classes (0/1 labels).
MAX_CLASS_VALUES = 10
#: Joins the columns of intersectional groups: the attribute "sex × race", the group
#: "Female × Black".
GROUP_SEPARATOR = " × "


@dataclass(frozen=True)
class EvalTables:
    """The aligned tables and what the evaluation knows about their columns."""

    real: pd.DataFrame
    synthetic: pd.DataFrame
    holdout: pd.DataFrame | None
    kinds: dict[str, ColumnKind]
    target: str | None = None
    task: Task | None = None
    positive: str | None = None
    #: The sensitive attribute's name: a column, or several joined by " × " (intersectional
    #: groups, e.g. sex × race), whose columns ``sensitive_columns`` lists.
    sensitive: str | None = None
    sensitive_columns: tuple[str, ...] = ()
    #: Why the target cannot be used for utility and fairness (one class, all missing), if so.
    target_problem: str | None = None
    #: Numeric columns that hold dates in the real table (as seconds here; plots show dates).
    dates: frozenset[str] = frozenset()

    @property
    def numeric(self) -> list[str]:
        return [c for c, k in self.kinds.items() if k == "numeric"]

    @property
    def categorical(self) -> list[str]:
        return [c for c, k in self.kinds.items() if k == "categorical"]

    def groups(self, frame: pd.DataFrame) -> pd.Series:
        """Each row's sensitive group as a label; with several columns, their labels joined
        (missing where any of them is missing)."""
        parts = [as_labels(frame[c]) for c in self.sensitive_columns]
        if len(parts) == 1:
            return parts[0]
        joined = parts[0].astype(object).str.cat(parts[1:], sep=GROUP_SEPARATOR)
        return joined.where(pd.concat(parts, axis=1).notna().all(axis=1))

    def frames(self) -> list[pd.DataFrame]:
        return [t for t in (self.real, self.synthetic, self.holdout) if t is not None]

    @cached_property
    def levels(self) -> dict[str, list[str]]:
        """Each categorical column's labels: the real table's by frequency, then the others'."""
        out = {}
        for column in self.categorical:
            levels = self.real[column].value_counts().index.tolist()
            known = set(levels)
            for frame in self.frames()[1:]:
                for value in frame[column].dropna().unique():
                    if value not in known:
                        known.add(value)
                        levels.append(value)
            out[column] = levels
        return out


def prepare_tables(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    holdout: pd.DataFrame | None = None,
    *,
    target: str | None = None,
    sensitive: str | Sequence[str] | None = None,
    positive: object = None,
    ignore: Sequence[str] = (),
) -> EvalTables:
    """Check the tables against each other and return them aligned to the real table's types.

    ``sensitive`` is a column, or several whose combinations are the groups (intersectional).
    """
    sensitive_columns = sensitive_list(sensitive)
    tables = {"real": real, "synthetic": synthetic}
    if holdout is not None:
        tables["holdout"] = holdout
    for name, table in tables.items():
        if not isinstance(table, pd.DataFrame):
            raise DataError(
                f"The {name} table must be a pandas DataFrame, not {type(table).__name__}."
            )
    unknown = [c for c in ignore if c not in real.columns]
    if unknown:
        raise DataError(f"Cannot ignore {unknown}: the real table has no such column.")
    columns = [c for c in real.columns if c not in set(ignore)]
    if not columns:
        raise DataError("The real table has no columns to evaluate.")
    roles = [("target", target)] + [("sensitive attribute", c) for c in sensitive_columns]
    if target is not None and target in sensitive_columns:
        raise DataError(f"{target!r} is both the target and a sensitive attribute.")
    for role, column in roles:
        if column is None:
            continue
        if column in ignore:
            raise DataError(f"The {role} {column!r} is also in ignore.")
        for name, table in tables.items():
            if column not in table.columns:
                raise DataError(f"The {role} {column!r} is not a column of the {name} table.")
    for name, table in tables.items():
        _check_columns(name, table, columns, ignore)
        if len(table) == 0:
            raise DataError(f"The {name} table is empty: there is nothing to compare.")

    dates = frozenset(c for c in columns if _dates(real[c]))
    kinds = {c: _kind(real[c], c in dates) for c in columns}
    aligned = {name: _align(name, table[columns], kinds) for name, table in tables.items()}
    task, positive_label, problem = _target_task(aligned, target, kinds, positive)
    if task is not None and task != "regression":
        kinds[target] = "categorical"
        aligned = {name: _target_as_labels(t, target) for name, t in aligned.items()}
    return EvalTables(
        real=aligned["real"],
        synthetic=aligned["synthetic"],
        holdout=aligned.get("holdout"),
        kinds=kinds,
        target=target,
        task=task,
        positive=positive_label,
        sensitive=GROUP_SEPARATOR.join(sensitive_columns) or None,
        sensitive_columns=sensitive_columns,
        target_problem=problem,
        dates=dates,
    )


def sensitive_list(sensitive: str | Sequence[str] | None) -> tuple[str, ...]:
    """The sensitive attribute's columns: none, one, or several (intersectional groups)."""
    if sensitive is None:
        return ()
    columns = (sensitive,) if isinstance(sensitive, str) else tuple(sensitive)
    if not columns or not all(isinstance(c, str) for c in columns):
        raise DataError(f"sensitive= takes a column name or a list of them; got {sensitive!r}.")
    if len(set(columns)) < len(columns):
        raise DataError(f"sensitive= names a column twice: {list(columns)}.")
    return columns


def _check_columns(
    name: str, table: pd.DataFrame, columns: list[str], ignore: Sequence[str]
) -> None:
    if name == "real":
        return
    missing = [c for c in columns if c not in table.columns]
    extra = [c for c in table.columns if c not in columns and c not in ignore]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing {missing}")
        if extra:
            parts.append(f"not in the real table {extra}")
        raise DataError(
            f"The {name} table's columns do not match the real table's: {'; '.join(parts)}."
        )


def _kind(series: pd.Series, dates: bool) -> ColumnKind:
    """Numbers and dates (datetimes, or ISO date text as ``fit`` reads it) are numeric."""
    if pd.api.types.is_bool_dtype(series.dtype):
        return "categorical"
    return "numeric" if dates or pd.api.types.is_numeric_dtype(series.dtype) else "categorical"


def _dates(series: pd.Series) -> bool:
    """Datetimes, or text that ``fit`` reads as dates."""
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return True
    if pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype):
        return False
    nonnull = series.dropna()
    return len(nonnull) > 0 and is_date_text(nonnull)


def _align(name: str, table: pd.DataFrame, kinds: dict[str, ColumnKind]) -> pd.DataFrame:
    table = table.reset_index(drop=True)  # rows align by position, whatever the index was
    out = {}
    for column, kind in kinds.items():
        values = table[column]
        out[column] = _as_number(name, column, values) if kind == "numeric" else as_labels(values)
    return pd.DataFrame(out, index=pd.RangeIndex(len(table)))


def _as_number(name: str, column: str, values: pd.Series) -> pd.Series:
    """Numbers as float64; datetimes as seconds since the epoch; text that is not a number fails."""
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return pd.Series(datetime_to_seconds(values), index=values.index)
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.astype("float64")
    if pd.api.types.is_numeric_dtype(values.dtype):
        return values.astype("float64")
    parsed = pd.to_numeric(values, errors="coerce")
    bad = values.notna() & parsed.isna()
    if bad.any():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # pandas' note on per-element parsing
            parsed_dates = pd.to_datetime(values, errors="coerce", utc=True)
        if not (values.notna() & parsed_dates.isna()).any():
            return _as_number(name, column, parsed_dates)
        example = values[bad].iloc[0]
        raise DataError(
            f"Column {column!r} is numeric in the real table but the {name} table holds "
            f"text in it (e.g. {example!r})."
        )
    return parsed.astype("float64")


def as_labels(values: pd.Series) -> pd.Series:
    """Category labels as strings, so 1, 1.0, '1' and True/'True' compare equal across files."""
    present = values.notna().to_numpy()
    if pd.api.types.is_bool_dtype(values.dtype) or pd.api.types.is_numeric_dtype(values.dtype):
        numbers = values.to_numpy(dtype=np.float64, na_value=np.nan)
        whole = present & (numbers == np.round(numbers))
        text = numbers.astype(str)
        text[whole] = numbers[whole].astype(np.int64).astype(str)
        if pd.api.types.is_bool_dtype(values.dtype):
            text = np.where(numbers == 1, "True", "False")
    elif all(isinstance(v, str) for v in values[present].unique()):
        text = values.to_numpy(dtype=object)
    else:
        return pd.Series([_label(v) for v in values], index=values.index, dtype=object)
    out = np.asarray(text, dtype=object)
    out[~present] = np.nan
    return pd.Series(out, index=values.index, dtype=object)


def _label(value: object) -> object:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return np.nan
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _target_as_labels(table: pd.DataFrame, target: str) -> pd.DataFrame:
    out = table.copy()
    out[target] = as_labels(out[target])
    return out


def _target_task(
    tables: dict[str, pd.DataFrame],
    target: str | None,
    kinds: dict[str, ColumnKind],
    positive: object,
) -> tuple[Task | None, str | None, str | None]:
    if target is None:
        return None, None, None
    real = tables["real"][target]
    labels = as_labels(real).dropna()
    if labels.empty:
        return None, None, f"the target {target!r} is missing in every real row"
    if kinds[target] == "numeric" and labels.nunique() > MAX_CLASS_VALUES:
        if positive is not None:
            raise DataError(
                f"positive= applies to a class target; {target!r} is numeric (regression)."
            )
        return "regression", None, None
    # Most frequent first; ties in label order, so the choice below does not depend on row order.
    counts = labels.value_counts().sort_index().sort_values(ascending=False, kind="stable")
    if len(counts) < 2:
        return (
            None,
            None,
            f"the target {target!r} has one class only ({counts.index[0]!r}) in the real table",
        )
    if positive is not None:
        wanted = as_labels(pd.Series([positive])).iloc[0]
        if wanted not in counts.index:
            raise DataError(
                f"positive={positive!r} is not a class of {target!r}; classes: {sorted(counts.index)[:10]}."
            )
    if len(counts) > 2:
        return "multiclass", None, None
    # The rarer class is the one a user usually cares about (>50K, recidivism, fraud).
    label = wanted if positive is not None else str(counts.index[-1])
    return "binary", label, None
