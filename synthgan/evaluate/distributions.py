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
            edges, integer = _edges(values)
            real_bins, real_tails = _shares(values, edges)
            fake_bins, fake_tails = _shares(fake.dropna().to_numpy(), edges)
            columns[column] = {
                "kind": kind,
                "edges": edges.tolist(),
                "integer": integer,
                "dates": column in tables.dates,  # values are seconds since the epoch
                "real": real_bins,
                "synthetic": fake_bins,
                # shares of the values outside the plotted range: [below, above]
                "tails": {"real": real_tails, "synthetic": fake_tails},
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


def _edges(values: np.ndarray) -> tuple[np.ndarray, bool]:
    """Bins over the middle 99% of the real values (a long tail would squash the rest).

    Whole numbers get bins on half-integer edges, each holding the same count of integers, so a
    histogram of ages or counts has no comb of empty and double bins; few distinct values get
    one bin each, over their whole range.
    """
    low, high = np.quantile(values, [0.005, 0.995])
    if not np.all(values == np.round(values)):
        if high <= low:
            low, high = low - 0.5, high + 0.5
        return np.linspace(low, high, BINS + 1), False
    if values.max() - values.min() < BINS:
        low, high = values.min(), values.max()
    low, high = np.floor(low), np.ceil(high)
    width = max(1.0, np.ceil((high - low + 1) / BINS))
    count = int(np.ceil((high - low + 1) / width))
    return low - 0.5 + width * np.arange(count + 1), True


def _shares(values: np.ndarray, edges: np.ndarray) -> tuple[list[float], list[float]]:
    """Share of the values in each bin, and of those below and above the bins (not clipped into
    the end bins, where they would show as a spike that is not in the data)."""
    total = max(len(values), 1)
    counts, _ = np.histogram(values, bins=edges)
    tails = [float((values < edges[0]).sum() / total), float((values > edges[-1]).sum() / total)]
    return (counts / total).tolist(), tails


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))
