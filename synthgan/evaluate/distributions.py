"""Per-column summaries of real and synthetic values, small enough to keep in the report and to
plot without the tables: shared histogram bins for numbers, frequencies of the top labels."""

from __future__ import annotations

from typing import Any

import numpy as np

from synthgan.evaluate.tables import EvalTables

__all__ = ["column_distributions"]

BINS = 30
TOP_LABELS = 12


def column_distributions(tables: EvalTables) -> tuple[dict, dict[str, Any], dict]:
    columns: dict[str, Any] = {}
    for column, kind in tables.kinds.items():
        real, fake = tables.real[column], tables.synthetic[column]
        missing = {"real": float(real.isna().mean()), "synthetic": float(fake.isna().mean())}
        if kind == "numeric":
            values = real.dropna().to_numpy()
            if len(values) == 0:
                continue
            low, high = np.quantile(values, [0.005, 0.995])
            if high <= low:
                low, high = low - 0.5, high + 0.5
            edges = np.linspace(low, high, BINS + 1)
            columns[column] = {
                "kind": kind,
                "edges": edges.tolist(),
                "real": _shares(real.dropna().to_numpy(), edges),
                "synthetic": _shares(fake.dropna().to_numpy(), edges),
                "missing": missing,
            }
        else:
            real_share = real.value_counts(normalize=True, dropna=False)
            fake_share = fake.value_counts(normalize=True, dropna=False)
            labels = real_share.index[:TOP_LABELS].tolist()
            columns[column] = {
                "kind": kind,
                "labels": ["(missing)" if _missing(v) else str(v) for v in labels],
                "real": [float(real_share.get(v, 0.0)) for v in labels],
                "synthetic": [float(fake_share.get(v, 0.0)) for v in labels],
                "other_labels": max(len(real_share) - TOP_LABELS, 0),
                "missing": missing,
            }
    return {}, {"columns": columns}, {}


def _shares(values: np.ndarray, edges: np.ndarray) -> list[float]:
    """Share of values in each bin; values outside the range count in the end bins."""
    counts, _ = np.histogram(np.clip(values, edges[0], edges[-1]), bins=edges)
    return (counts / max(len(values), 1)).tolist()


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))
