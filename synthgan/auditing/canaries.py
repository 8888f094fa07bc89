"""Canary rows for an audit: rows a DP pipeline must hide as well as any, built to stand out.

DP promises the same bound for every row, so an audit gets the most from rows that move the
model most when present: each canary takes a rare value in every discrete column (drawn with
probability inversely proportional to its count, so the combination is almost surely new) and
the smallest or largest value of every numeric or date column. The values are the table's
own, so the pipeline encodes them as it would any row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synthgan.errors import ConfigError
from synthgan.schema import Schema

__all__ = ["make_canaries"]

#: Candidates drawn per canary asked for, before duplicates are dropped.
OVERDRAW = 4


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
            edges = np.array([values.min(), values.max()], dtype=object)
            if public and column.kind == "datetime":
                edges = np.array(list(pd.to_datetime(list(column.bounds), unit="s")), dtype=object)
            elif public:
                edges = np.array(list(column.bounds), dtype=object)
            picks = rng.integers(2, size=OVERDRAW * m)
            columns[column.name] = pd.Series(edges[picks]).astype(table[column.name].dtype)
    candidates = pd.DataFrame(columns).drop_duplicates(ignore_index=True)
    if len(candidates) < m:
        raise ConfigError(
            f"The table allows only {len(candidates)} distinct canaries of the {m} asked for "
            "(few columns or few values): ask for fewer canaries."
        )
    return candidates.iloc[:m].reset_index(drop=True)
