"""How a score is written for a reader: shares as percentages, AUC-like figures as decimals.

One rule for the whole report, read off the metric registry, so a share is never shown as a
4-decimal fraction in one place and a percentage in another.
"""

from __future__ import annotations

import math
import re
from typing import Literal

from synthgan.evaluate.metrics import metric

__all__ = ["decimal", "format_reference", "format_value", "percent", "style_of"]

Style = Literal["percent", "decimal", "signed"]

#: Scores on [0, 1] that are conventionally read as decimals, not as shares of rows: ROC AUC
#: (0.912), F1, R² and the neighbour-distance ratio (words of the key), and parity ratios.
DECIMAL_WORDS = frozenset({"auc", "f1", "r2", "nndr"})
DECIMAL_PREFIXES = ("dp_ratio",)
#: Unbounded scores that are still relative gaps, best read as percentages.
PERCENT_KEYS = frozenset({"label_share_error"})


def style_of(key: str) -> Style:
    """How score ``key`` is written, from its declared range (a KeyError for an unknown key)."""
    low, high = metric(key).range
    if DECIMAL_WORDS & set(key.split("_")) or key.startswith(DECIMAL_PREFIXES):
        return "decimal"
    if (low, high) == (0.0, 1.0) or key in PERCENT_KEYS:
        return "percent"
    if low < 0 and high == math.inf:  # a gain: the sign is the point
        return "signed"
    return "decimal"


def format_value(key: str, value: float) -> str:
    """Score ``key`` as the report writes it: ``91.2%``, ``0.912`` or ``+0.004``."""
    style = style_of(key)
    if style == "percent":
        return percent(value)
    if style == "signed":
        return f"{value:+.3f}"
    return decimal(value)


def percent(share: float) -> str:
    """A share in [0, 1] as a percentage with one decimal; tiny non-zero shares keep two
    significant digits, so 0.0004 reads 0.04%, not 0.0%."""
    p = 100 * share
    if p == 0:
        return "0%"
    if abs(p) < 0.1:
        return f"{p:.2g}%"
    return f"{p:.1f}%"


def decimal(value: float) -> str:
    """Three decimals below 1 (0.912), three significant digits up to 100, whole numbers
    with thousands separators above."""
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:.3g}" if abs(value) >= 10 else f"{value:.2f}"
    return f"{value:.3f}"


def format_reference(template: str, scores: dict[str, float]) -> str | None:
    """A headline's ``compare_with`` template with each score written by :func:`format_value`
    (its own format spec ignored); None when a score it names is missing."""
    names = re.findall(r"\{(\w+)[^}]*\}", template)
    if any(name not in scores for name in names):
        return None
    return re.sub(r"\{(\w+)[^}]*\}", lambda m: format_value(m[1], scores[m[1]]), template)
