"""Canary rows for an audit: rows a DP pipeline must hide as well as any, built to stand out.

DP promises the same bound for every row, so an audit gets the most from rows that move the
model most when present: each canary takes a rare value in every discrete column (drawn with
probability inversely proportional to its count, so the combination is almost surely new) and
one of the smallest or largest values (the outer 1 % at either end) of every numeric or date
column. Values come from the table or its declared public domain, so the pipeline encodes
them as it would any row.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from synthgan.errors import ConfigError
from synthgan.schema import Schema

__all__ = ["make_canaries"]

#: Candidates drawn per canary asked for, before duplicates are dropped.
OVERDRAW = 4
#: A numeric canary takes one of the table's values in this share at either end.
TAIL = 0.01


def make_canaries(table: pd.DataFrame, schema: Schema, m: int, rng: np.random.Generator):
    """``m`` distinct canaries with the learned columns of ``table`` (values already in their
    declared kinds, as :func:`synthgan.transform.coerce.coerce_table` returns them).

    Where ``schema`` holds a public domain (declared categories or bounds), canaries draw from
    it: a declared category no row has is the rarest value of all, one only canaries move."""
    columns = {}
    for column in schema.learned:
        values = table[column.name].dropna()
        public = column.source == "public"
        if values.empty and not public:
            columns[column.name] = pd.Series(
                [None] * (OVERDRAW * m), dtype=table[column.name].dtype
            )
            continue
        if column.discrete:
            counts = values.value_counts()
            if public:
                counts = counts.reindex(pd.Index(column.categories), fill_value=0)
            weights = 1.0 / (1.0 + counts.to_numpy(dtype=float))
            picks = rng.choice(len(counts), size=OVERDRAW * m, p=weights / weights.sum())
            columns[column.name] = pd.Series(counts.index.to_numpy()[picks])
        else:
            edges = _tails(values)
            if public:
                bounds = list(column.bounds)
                if column.kind == "datetime":
                    bounds = list(pd.to_datetime(bounds, unit="s"))
                elif column.kind == "integer":  # the whole numbers within the bounds
                    bounds = [math.ceil(bounds[0]), math.floor(bounds[1])]
                edges = np.concatenate([edges, np.array(bounds, dtype=object)])
            picks = rng.integers(len(edges), size=OVERDRAW * m)
            columns[column.name] = pd.Series(edges[picks]).astype(table[column.name].dtype)
    candidates = pd.DataFrame(columns).drop_duplicates(ignore_index=True)
    if len(candidates) < m:
        raise ConfigError(
            f"The table allows only {len(candidates)} distinct canaries of the {m} asked for "
            "(few columns or few values): ask for fewer canaries."
        )
    return candidates.iloc[:m].reset_index(drop=True)


def _tails(values: pd.Series) -> np.ndarray:
    """The distinct values in the outer ``TAIL`` of ``values`` at either end (at least the
    smallest and the largest)."""
    ordered = np.sort(values.unique())
    k = max(1, int(len(ordered) * TAIL))
    return np.concatenate([ordered[:k], ordered[-k:]]).astype(object)
