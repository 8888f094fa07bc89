"""Coarse cells of every learned column: what a DP model's target two-way tables count.

A discrete column's cells are its categories plus one for missing (and, under DP, unreleased)
values; a numeric one's are its heavy values (a single value holding a tenth of the rows or
more, such as Adult's 0 capital gain or 40 hours a week: one cell each), bins between the
quantiles of the rest, ten cells in all, and one for missing values, all from its DP shape
histogram. Without the heavy-value cells, capital gain's deciles would all be 0 and its cells
would say nothing about the gains that predict income best. The same cells are computed on the real rows (to measure the tables, under DP)
and on generated rows (to rake them onto the tables), so both sides must agree exactly; the cut
points come from DP summaries only, so choosing them costs no privacy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from synthgan.datetimes import datetime_to_seconds
from synthgan.schema import Schema
from synthgan.transform.summaries import LEVELS, histogram_quantiles

__all__ = ["Cells", "ColumnCells", "TargetPairs"]

#: Cells of a numeric column, heavy values and bins together; fewer where quantiles coincide.
NUMERIC_BINS = 10


@dataclass(frozen=True)
class ColumnCells:
    """One column's cells: its categories, or its heavy values and the cut points between the
    bins of its other values."""

    name: str
    categories: tuple[Any, ...] | None = None
    cuts: tuple[float, ...] | None = None
    points: tuple[float, ...] = ()
    datetime: bool = False

    @property
    def width(self) -> int:
        """Number of cells, the missing one included."""
        if self.categories is not None:
            return len(self.categories) + 1
        return len(self.cuts) + 1 + len(self.points) + 1

    def of(self, series: pd.Series) -> np.ndarray:
        """Each value's cell; missing and unknown values fall in the last one."""
        if self.categories is not None:
            codes = pd.Categorical(series, categories=list(self.categories)).codes
            return np.where(codes < 0, len(self.categories), codes).astype(np.int64)
        x = (
            datetime_to_seconds(series)
            if self.datetime
            else pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
        )
        cells = np.searchsorted(np.asarray(self.cuts), x, side="right")
        for k, value in enumerate(self.points):
            cells[x == value] = len(self.cuts) + 1 + k
        return np.where(np.isnan(x), self.width - 1, cells).astype(np.int64)


@dataclass(frozen=True)
class Cells:
    """The cells of a table's learned columns, in the schema's order."""

    columns: tuple[ColumnCells, ...]

    @classmethod
    def from_summaries(cls, schema: Schema, summaries: dict[str, Any]) -> Cells:
        """Cells from a DP model's completed schema and its DP summaries (post-processing)."""
        columns = []
        for column in schema.learned:
            if column.discrete:
                columns.append(ColumnCells(column.name, categories=tuple(column.categories or ())))
                continue
            s = summaries[column.name]
            counts, point = np.asarray(s.counts, dtype=float), np.asarray(s.point)
            heavy = point & (counts >= max(counts.sum(), 1e-300) / NUMERIC_BINS)
            rest = np.where(heavy, 0.0, counts)
            quantiles = histogram_quantiles(np.asarray(s.edges), rest, point, np.asarray(s.points))
            bins = NUMERIC_BINS - int(heavy.sum())
            levels = np.arange(1, bins) / bins if rest.sum() > 0 else np.array([])
            cuts = np.unique(np.interp(levels, np.linspace(0, 1, LEVELS + 1), quantiles))
            columns.append(
                ColumnCells(
                    column.name,
                    cuts=tuple(float(c) for c in cuts),
                    points=tuple(float(p) for p in np.asarray(s.points)[heavy]),
                    datetime=column.kind == "datetime",
                )
            )
        return cls(tuple(columns))

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def widths(self) -> tuple[int, ...]:
        return tuple(c.width for c in self.columns)

    def of(self, df: pd.DataFrame) -> np.ndarray:
        """Each row's cell in every column (rows x columns)."""
        return np.stack([c.of(df[c.name]) for c in self.columns], axis=1)

    def to_dict(self) -> list[dict[str, Any]]:
        return [
            {
                "name": c.name,
                "categories": c.categories,
                "cuts": c.cuts,
                "points": c.points,
                "datetime": c.datetime,
            }
            for c in self.columns
        ]

    @classmethod
    def from_dict(cls, data: list[dict[str, Any]], schema: Schema) -> Cells:
        """Cells saved in a model file; categories are taken from the schema, so they keep
        their types, and must be the same ones."""
        columns = []
        kinds = {c.name: c for c in schema.learned}
        for item in data:
            column = kinds[item["name"]]
            if column.discrete:
                if list(column.categories or ()) != list(item["categories"]):
                    raise ValueError(f"the cells of {column.name!r} do not match its categories")
                columns.append(ColumnCells(column.name, categories=tuple(column.categories or ())))
            else:
                cuts = tuple(float(c) for c in item["cuts"])
                points = tuple(float(p) for p in item["points"])
                if list(cuts) != sorted(set(cuts)) or not np.all(np.isfinite([*cuts, *points])):
                    raise ValueError(f"the cells of {column.name!r} are not increasing numbers")
                columns.append(
                    ColumnCells(
                        column.name, cuts=cuts, points=points, datetime=column.kind == "datetime"
                    )
                )
        return cls(tuple(columns))


@dataclass(frozen=True)
class TargetPairs:
    """DP two-way tables of a declared target (cell column ``target``) with each other column:
    ``tables[j]`` has the target's cells as rows and column j's as columns."""

    cells: Cells
    target: int
    tables: dict[int, np.ndarray]
