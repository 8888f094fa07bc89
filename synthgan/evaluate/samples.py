"""A few real and synthetic rows, side by side in the report: a reader spots a wrong format or an
impossible combination in five rows faster than in any score.

The rows are copied as they are, so the report holds real rows: it is no more private than the
real table (the report's own statement says so; it is never covered by differential privacy).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["sample_rows"]

#: Rows shown from each table.
SAMPLE_ROWS = 5


def sample_rows(
    real: pd.DataFrame, synthetic: pd.DataFrame, columns: list[str], seed: int
) -> dict[str, Any]:
    """Up to :data:`SAMPLE_ROWS` rows of each table, drawn with ``seed``, as JSON-ready values
    (missing as None, dates and other objects as text)."""
    shown = [c for c in columns if c in real.columns and c in synthetic.columns]
    out: dict[str, Any] = {"columns": shown}
    for name, table in (("real", real), ("synthetic", synthetic)):
        rows = table[shown].sample(min(SAMPLE_ROWS, len(table)), random_state=seed)
        out[name] = [[_plain(v) for v in row] for row in rows.itertuples(index=False)]
    return out


def _plain(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float | np.floating) and np.isnan(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, bool | int | float | str):
        return value
    return str(value)
