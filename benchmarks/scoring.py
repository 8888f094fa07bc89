"""Every benchmark scores a synthetic table one way: through ``synthgan.evaluate``.

The training split is the real table, the test split the holdout; the same seed, the same
subsample for the large table, and scores rounded to four places in every record.
"""

from __future__ import annotations

from collections.abc import Collection

import pandas as pd

from benchmarks.datasets import Dataset

#: The scores a suite record keeps.
SUITE_SCORES = (
    "quality",
    "column_shapes",
    "column_pair_trends",
    "detection_auc",
    "tstr_auc",
    "trtr_auc",
    "dcr_share",
    "dcr_share_expected",
    "exact_copy_rate",
    "mia_auc",
    "dp_gap_real",
    "dp_gap_synthetic",
    "dp_gap_tstr",
    "dp_gap_trtr",
    "column_pair_trends_sdmetrics",
    "detection_lr_auc",
    "coverage",
    "holdout_coverage",
    "category_coverage",
    "range_coverage",
    "synthetic_duplicate_rate",
    "real_duplicate_rate",
    "tstr_f1",
    "trtr_f1",
    "tstr_accuracy",
    "trtr_accuracy",
    "label_share_error",
    "tstr_positive_rate",
    "holdout_positive_rate",
)
#: Fidelity and utility alone (the DP comparison and sweep), from evaluate's quality and utility.
FIDELITY_SCORES = ("quality", "column_shapes", "column_pair_trends", "tstr_auc", "trtr_auc")
FIDELITY_PARTS = ("quality", "utility")


def _subsample(df: pd.DataFrame, n: int | None, seed: int) -> pd.DataFrame:
    return df if n is None or len(df) <= n else df.sample(n=n, random_state=seed)


def score(
    data: Dataset,
    fake: pd.DataFrame,
    seed: int = 0,
    *,
    keys: Collection[str] = SUITE_SCORES,
    parts: Collection[str] | None = None,
) -> dict[str, float]:
    """``keys`` of ``synthgan.evaluate``'s scores of ``fake`` (``parts``: the evaluator's parts
    to run, all by default), rounded to four places."""
    from synthgan.evaluate import evaluate

    n = data.score_rows
    report = evaluate(
        _subsample(data.train, n, seed),
        _subsample(fake, n, seed),
        _subsample(data.test, None if n is None else n // 2, seed),
        target=data.target,
        sensitive=data.sensitive,
        positive=data.positive,
        seed=seed,
        verbose=False,
        parts=parts,
    )
    return {k: round(report.scores[k], 4) for k in keys if k in report.scores}
