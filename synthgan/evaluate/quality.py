"""Statistical fidelity through SDMetrics' QualityReport (column shapes and pair trends)."""

from __future__ import annotations

import warnings
from typing import Any

import pandas as pd

__all__ = ["quality_report", "sdmetrics_metadata"]


def sdmetrics_metadata(df: pd.DataFrame) -> dict[str, Any]:
    """SDMetrics single-table metadata read off the real table's dtypes.

    It depends on the data only, not on how a synthesizer chose to model it, so two synthesizers
    are scored on the same terms.
    """
    columns: dict[str, Any] = {}
    for name, dtype in df.dtypes.items():
        if pd.api.types.is_bool_dtype(dtype):
            columns[name] = {"sdtype": "boolean"}
        elif pd.api.types.is_numeric_dtype(dtype):
            columns[name] = {"sdtype": "numerical"}
        elif pd.api.types.is_datetime64_any_dtype(dtype):
            columns[name] = {"sdtype": "datetime"}
        else:
            columns[name] = {"sdtype": "categorical"}
    return {"columns": columns}


def quality_report(real: pd.DataFrame, synthetic: pd.DataFrame) -> dict[str, Any]:
    """Overall score, the two property scores, per-column shape scores and per-pair trend scores.

    A pair's score is 1 minus half the gap between its real and synthetic correlation (two
    numbers) or the total variation distance of its contingency table (otherwise).
    """
    with warnings.catch_warnings():
        # SDMetrics announces a unified report; the single-table one is the score people quote.
        warnings.simplefilter("ignore", FutureWarning)
        from sdmetrics.reports.single_table import QualityReport

    report = QualityReport()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SDMetrics' own deprecation chatter, not about the data
        report.generate(real, synthetic[real.columns], sdmetrics_metadata(real), verbose=False)
    properties = report.get_properties()
    shapes = report.get_details("Column Shapes")
    pairs = report.get_details("Column Pair Trends")
    pairs = pairs[pairs["Score"].notna()]
    return {
        "score": float(report.get_score()),
        "properties": dict(
            zip(properties["Property"], properties["Score"].astype(float), strict=True)
        ),
        "column_shapes": dict(zip(shapes["Column"], shapes["Score"].astype(float), strict=True)),
        "column_pairs": [
            [a, b, float(score)]
            for a, b, score in zip(
                pairs["Column 1"], pairs["Column 2"], pairs["Score"], strict=True
            )
        ],
    }
