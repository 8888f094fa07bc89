"""Diagnostics of a fitted generator: does it make every category and every numeric mode, does it
repeat rows, and did training stay stable?

Computed at the end of ``fit`` from generated rows and what the model holds anyway: the condition
frequencies and the mixture weights (DP releases under privacy) and the per-epoch history. They
need no held-out rows and cost no privacy. A category (or mode, or missing flag) with at least
0.1 % of the real rows that the generator makes at less than a tenth of that share is *lost*:
the fit warns and names it.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd
import torch

from synthgan.evaluate.diversity import MIN_REAL_SHARE, MIN_SHARE_RATIO
from synthgan.sampling.engine import SamplingEngine

__all__ = ["diagnose", "duplicate_rate_of", "stability_warnings"]

logger = logging.getLogger(__name__)

#: Rows generated for the checks (fewer on smaller tables, so duplicate rates compare).
ROWS = 10_000
#: The most lost cells named in a warning.
MAX_NAMED = 8
#: Losses or gradient norms whose typical size in the last quarter of training is this many
#: times their size (or spread: a loss near zero may cross it) in the second quarter have
#: diverged...
DIVERGENCE_RATIO = 10.0
#: ...unless they stay below this size (a loss that grows from 0.001 to 0.5 is still small).
DIVERGENCE_FLOOR = 1.0
WATCHED = ("loss_g", "loss_d", "grad_g")


def diagnose(
    engine: SamplingEngine,
    history: list[dict[str, float]],
    rows: int,
    seed: int,
    real_duplicate_rate: float | None,
) -> dict[str, Any]:
    """Coverage per column, the lost cells, the duplicate rate and the warnings, for
    ``fit_info_["diagnostics"]``; each warning is also logged. ``real_duplicate_rate`` is None
    under DP (nothing is counted on the rows)."""
    n = max(min(ROWS, rows), 1)
    rng = np.random.default_rng(seed)
    tg = torch.Generator().manual_seed(seed)
    values, draws = engine.draw_rows(n, None, rng, tg)
    coverage, lost = _coverage(engine, draws)
    frame = engine.decode(values, draws, rng)
    duplicate_rate = float(frame.duplicated().mean())
    warnings = []
    if lost:
        named = ", ".join(cell for cell, _, _ in lost[:MAX_NAMED])
        warnings.append(
            f"The generator rarely makes {len(lost)} value(s) that hold at least "
            f"{MIN_REAL_SHARE:.1%} of the real rows (under a tenth of their real share): "
            f"{named}{', ...' if len(lost) > MAX_NAMED else ''}. Train longer, or condition on "
            "them when sampling."
        )
    if real_duplicate_rate is not None and duplicate_rate > 2 * real_duplicate_rate + 0.01:
        warnings.append(
            f"{duplicate_rate:.1%} of generated rows repeat another generated row (real rows: "
            f"{real_duplicate_rate:.1%}): the generator may have collapsed onto a few rows."
        )
    warnings += stability_warnings(history)
    for warning in warnings:
        logger.warning(warning)
    return {
        "rows": n,
        # Under DP the real shares are the DP releases the model holds, not exact counts.
        "real_shares_from": "training rows" if real_duplicate_rate is not None else "DP releases",
        "coverage": coverage,
        "lost": [
            {"cell": cell, "real_share": round(real, 5), "generated_share": round(made, 5)}
            for cell, real, made in lost
        ],
        "duplicate_rate": duplicate_rate,
        "real_duplicate_rate": real_duplicate_rate,
        "warnings": warnings,
    }


def _coverage(
    engine: SamplingEngine, draws: np.ndarray
) -> tuple[dict[str, float], list[tuple[str, float, float]]]:
    """Per column, the share of its cells (categories; a number's modes and missing flag) with
    ≥ 0.1 % of the real rows that the generator makes at ≥ a tenth of their share; and the
    cells it does not, most common first."""
    transformer, n = engine.transformer, len(draws)
    frequencies = iter(engine.space.frequencies)
    covered: dict[str, list[bool]] = {}
    lost = []
    soft = [s for s in transformer.spans_ if s.is_softmax]
    for i, span in enumerate(soft):
        made = np.bincount(draws[:, i], minlength=span.width) / n
        if span.role == "mode":
            expected = transformer.encoder(span.column).modes.weights
        else:  # a category span or a number's missing flag: the condition frequencies
            expected = np.asarray(next(frequencies))
        labels = _labels(transformer.encoder(span.column), span.role)
        for label, real, share in zip(labels, expected, made, strict=True):
            if real < MIN_REAL_SHARE:
                continue
            ok = share >= MIN_SHARE_RATIO * real
            covered.setdefault(span.column, []).append(bool(ok))
            if not ok:
                lost.append((f"{span.column}={label}", float(real), float(share)))
    lost.sort(key=lambda cell: -cell[1])
    return {column: float(np.mean(ok)) for column, ok in covered.items()}, lost


def _labels(encoder: Any, role: str) -> list[str]:
    if role == "missing":
        return ["(present)", "(missing)"]
    if role == "mode":
        return [f"(mode near {mean:.4g})" for mean in encoder.modes.means]
    labels = [str(v) for v in encoder.kept]
    return labels + ["(other)"] * encoder.has_other + ["(missing)"] * encoder.column.nullable


def stability_warnings(history: list[dict[str, float]]) -> list[str]:
    """A warning for each loss or gradient norm that grew tenfold from the second quarter of
    training to the last: the GAN game has come apart, whatever the final numbers say."""
    warnings = []
    for key in WATCHED:
        series = np.array([h[key] for h in history if key in h], dtype=float)
        if len(series) < 8:
            continue
        q = len(series) // 4
        second = series[q : 2 * q]
        before = max(float(np.median(np.abs(second))), float(np.std(second)))
        late = float(np.median(np.abs(series[-q:])))
        if late > DIVERGENCE_FLOOR and late > DIVERGENCE_RATIO * before:
            warnings.append(
                f"Training looks unstable: {key} grew from about {before:.3g} to {late:.3g} "
                "over the fit. Try a smaller learning rate or fewer steps."
            )
    return warnings


def duplicate_rate_of(df: pd.DataFrame, rows: int, seed: int) -> float:
    """The share of ``rows`` random real rows that repeat another of them (what the generated
    rows' duplicate rate is compared with; not under DP)."""
    n = min(ROWS, rows, len(df))
    sample = df.sample(n=n, random_state=np.random.default_rng(seed)) if n < len(df) else df
    return float(sample.duplicated().mean())
