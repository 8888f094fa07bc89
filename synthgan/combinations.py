"""Fixed combinations: columns whose rows may only take the combinations the real table has.

Tables often hold one fact twice: a code and its label, a number and its band (Adult's
``education`` and ``education-num``, COMPAS's ``decile_score`` and ``score_text``). A generator
learns such a link only approximately, and every row that breaks it gives the synthetic table
away: under DP at ε = 1 a quarter of Adult's generated rows matched education to its number,
and a classifier told synthetic rows from real ones with AUC 0.98, 0.94 without those columns.
Each group is therefore learned as one categorical column whose values are the combinations
(as SDV's ``FixedCombinations`` constraint does), and split back into its columns after
sampling. Under DP the combinations are released like any categorical column's values: the
rare ones are withheld.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from synthgan.errors import ConditionError, ConfigError
from synthgan.inference import infer_schema
from synthgan.schema import KINDS, Schema, dtype_name
from synthgan.transform.coerce import coerce_table
from synthgan.transform.dtypes import is_missing

__all__ = ["Combinations", "group_name"]


def group_name(columns: Sequence[str]) -> str:
    """The learned column that stands for a group of columns."""
    return " + ".join(columns)


@dataclass(frozen=True)
class Group:
    """One group of columns and the dtype each is given back."""

    columns: tuple[str, ...]
    dtypes: tuple[str, ...]

    @property
    def name(self) -> str:
        """The learned column that stands for the group."""
        return group_name(self.columns)

    def fuse(self, df: pd.DataFrame) -> pd.Series:
        """Each row's combination, as a JSON list (missing values as null)."""
        parts = []
        for c in self.columns:
            try:
                parts.append([_plain(v) for v in df[c].astype(object).to_numpy()])
            except TypeError:  # no value in the message: under DP it would leave the fit
                raise ConfigError(
                    f"Column {c!r} is in a fixed combination but holds values other than "
                    "strings, numbers and booleans."
                ) from None
        return pd.Series(
            [json.dumps(row) for row in zip(*parts, strict=True)], index=df.index, dtype=object
        )

    def split(self, fused: pd.Series) -> dict[str, pd.Series]:
        """The group's columns from its learned column (each distinct value parsed once)."""
        codes, uniques = pd.factorize(fused, use_na_sentinel=True)
        parsed = [_parse(v, len(self.columns)) for v in uniques]
        out = {}
        for k, (column, dtype) in enumerate(zip(self.columns, self.dtypes, strict=True)):
            table = np.array([row[k] for row in parsed] + [None], dtype=object)
            out[column] = _restore(pd.Series(table[codes], name=column), dtype)
        return out

    def values(self, combination: Any) -> list[Any]:
        return _parse(combination, len(self.columns))


@dataclass(frozen=True)
class Combinations:
    """The groups of one model and the real table's column order; under DP while fitting,
    also the grouped columns' declared structure, whose value rules convert them first."""

    groups: tuple[Group, ...]
    order: tuple[str, ...]
    private: Schema | None = field(default=None, compare=False)

    @classmethod
    def declare(
        cls,
        groups: Sequence[Sequence[str]],
        df: pd.DataFrame,
        overrides: Mapping[str, Any] | None,
        private: bool,
    ) -> Combinations:
        """Check the declared groups against the table and the overrides; under DP the
        columns' dtypes follow their declared kinds (never their values)."""
        overrides = overrides or {}
        seen: set[str] = set()
        out = []
        grouped = list(dict.fromkeys(c for columns in groups for c in columns if c in df.columns))
        # Under DP the kinds are the declared ones (an undeclared kind is a PrivacyError).
        structure = (
            infer_schema(
                df[grouped], {c: overrides[c] for c in grouped if c in overrides}, private=True
            )
            if private
            else None
        )
        for columns in groups:
            columns = tuple(columns)
            if len(columns) < 2 or not all(isinstance(c, str) for c in columns):
                raise ConfigError(
                    f"A fixed combination names two or more columns; got {list(columns)!r}."
                )
            missing = [c for c in columns if c not in df.columns]
            if missing:
                raise ConfigError(f"Fixed combination {list(columns)}: no column(s) {missing}.")
            twice = seen.intersection(columns)
            if twice or len(set(columns)) < len(columns):
                raise ConfigError(
                    f"A column can be in one fixed combination only, once: {sorted(twice) or list(columns)}."
                )
            seen.update(columns)
            dtypes = tuple(_dtype(df[c], overrides.get(c), structure) for c in columns)
            group = Group(columns, dtypes)
            if group.name in df.columns:
                raise ConfigError(
                    f"Fixed combination {list(columns)}: the table already has a "
                    f"column named {group.name!r}, the name it is learned under."
                )
            out.append(group)
        return cls(tuple(out), tuple(str(c) for c in df.columns), structure)

    def fuse(self, df: pd.DataFrame) -> pd.DataFrame:
        """``df`` with each group's columns replaced by its learned column (where the first of
        them was); under DP each grouped value converted by its declared kind's rule first
        (``synthgan.transform.coerce``: no value raises, so none can show in an error)."""
        if self.private is not None:
            converted = coerce_table(df, self.private)
            converted.index = df.index
            df = df.assign(**{name: converted[name] for name in converted.columns})
        out = {}
        for name in df.columns:
            group = self._group_of(name)
            if group is None:
                out[name] = df[name]
            elif group.name not in out:
                out[group.name] = group.fuse(df)
        return pd.DataFrame(out, index=df.index)

    def fuse_overrides(self, overrides: Mapping[str, Any] | None) -> dict[str, Any] | None:
        """The overrides for the fused table: each group's learned column is categorical."""
        if overrides is None and not self.groups:
            return None
        grouped = {c for g in self.groups for c in g.columns}
        out = {k: v for k, v in (overrides or {}).items() if k not in grouped}
        out.update({g.name: "categorical" for g in self.groups})
        return out

    def split(self, df: pd.DataFrame) -> pd.DataFrame:
        """A sampled frame with the groups' columns back, in the real table's order."""
        if not self.groups:
            return df
        parts = {name: df[name] for name in df.columns}
        for group in self.groups:
            parts.update(group.split(parts.pop(group.name)))
        return pd.DataFrame({name: parts[name] for name in self.order if name in parts})

    def conditions(
        self, conditions: Mapping[str, Any], categories: Mapping[str, Sequence[Any]]
    ) -> dict[str, Any]:
        """Conditions on grouped columns as a condition on the group's learned column: they
        must single out one combination (``categories``: each learned column's values)."""
        out = dict(conditions)
        for group in self.groups:
            asked = {c: out.pop(c) for c in group.columns if c in out}
            if not asked:
                continue
            if any(isinstance(v, (tuple, list)) for v in asked.values()):
                raise ConditionError(
                    f"Columns {list(group.columns)} are a fixed combination: condition them on "
                    "single values, not ranges."
                )
            matches = [
                combination
                for combination in categories[group.name]
                if all(
                    _same(group.values(combination)[group.columns.index(c)], v)
                    for c, v in asked.items()
                )
            ]
            if len(matches) != 1:
                found = "no combination" if not matches else f"{len(matches)} combinations"
                raise ConditionError(
                    f"{asked} matches {found} of the fixed combination {list(group.columns)}; "
                    "a condition on these columns must single out one combination the model "
                    "learned (give a value for more of its columns)."
                )
            out[group.name] = matches[0]
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "groups": [{"columns": list(g.columns), "dtypes": list(g.dtypes)} for g in self.groups],
            "order": list(self.order),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Combinations:
        groups = tuple(
            Group(tuple(str(c) for c in g["columns"]), tuple(str(d) for d in g["dtypes"]))
            for g in data["groups"]
        )
        if any(len(g.columns) != len(g.dtypes) or len(g.columns) < 2 for g in groups):
            raise ValueError("a fixed combination needs two or more columns, one dtype each")
        return cls(groups, tuple(str(c) for c in data["order"]))

    def _group_of(self, name: str) -> Group | None:
        return next((g for g in self.groups if name in g.columns), None)


def _dtype(series: pd.Series, override: Any, structure: Schema | None) -> str:
    """The dtype a grouped column is given back: its own, or under DP (``structure``: the
    declared one) its declared kind's."""
    kind, role = None, None
    if isinstance(override, str):
        kind, role = (override, None) if override in KINDS else (None, override)
    elif isinstance(override, Mapping):
        kind, role = override.get("kind"), override.get("role")
        extra = set(override) - {"kind", "role"}
        if extra:
            raise ConfigError(
                f"Column {series.name!r} is in a fixed combination: its override can give a "
                f"kind only, not {sorted(extra)} (the combination is learned as one column)."
            )
    if role not in (None, "feature"):
        raise ConfigError(
            f"Column {series.name!r} has role {role!r} and cannot be in a fixed combination."
        )
    if structure is not None:
        kind = structure[str(series.name)].kind
    if kind == "datetime" or (structure is None and pd.api.types.is_datetime64_any_dtype(series)):
        raise ConfigError(
            f"Column {series.name!r} is a datetime; fixed combinations hold strings, numbers "
            "and booleans."
        )
    return dtype_name(series.dtype) if structure is None else structure[str(series.name)].dtype


def _plain(value: Any) -> Any:
    """A JSON-ready value: numpy scalars as Python ones, missing values as None."""
    if is_missing(value) or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)  # 13.0 from a column with missing values is the 13 of its peers
    if not isinstance(value, (str, int, float, bool)):
        raise TypeError(type(value).__name__)
    return value


def _parse(text: Any, width: int) -> list[Any]:
    if not isinstance(text, str):  # a missing learned value (under DP, an unreleased one)
        return [None] * width
    values = json.loads(text)
    if not isinstance(values, list) or len(values) != width:
        raise ValueError(f"a fixed combination's value {text!r} does not hold {width} values")
    return values


def _same(value: Any, asked: Any) -> bool:
    """Whether a combination's value is the one asked for (the command line asks in text)."""
    if value is None or is_missing(asked):
        return value is None and is_missing(asked)
    try:
        if value == _plain(asked):
            return True
    except TypeError:
        return False
    return isinstance(asked, str) and not isinstance(value, str) and str(value) == asked


def _restore(values: pd.Series, dtype: str) -> pd.Series:
    """Values cast back to ``dtype`` where they allow it (missing ones make ints floats)."""
    missing = values.isna()
    try:
        if missing.any() and dtype in ("bool", "int64", "int32", "int16", "int8"):
            return values.astype("boolean" if dtype == "bool" else "float64")
        return values.astype(dtype)
    except (TypeError, ValueError):
        return values.infer_objects()
