"""Detection: can a classifier tell synthetic rows from real ones? ROC AUC 0.5 means it cannot.

Two classifiers on the same rows and folds: gradient boosting (the strong one, which finds what
a generator gets wrong in interactions) and logistic regression on one-hot labels and
standardised numbers (a linear classifier two-sample test, as most published C2ST figures use).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score

from synthgan.evaluate.features import linear_frame, linear_pipeline, model_frame
from synthgan.evaluate.tables import EvalTables

__all__ = ["boosting_detection", "detection_score", "detection_scores"]

#: Rows taken from each table; enough for a stable AUC, and it keeps the evaluation quick.
MAX_ROWS = 5000
FOLDS = 3


def detection_scores(
    tables: EvalTables, rng: np.random.Generator, seed: int
) -> tuple[dict[str, float], dict[str, Any], dict[str, str]]:
    n = min(len(tables.real), len(tables.synthetic), MAX_ROWS)
    if n < 2 * FOLDS:
        return {}, {}, {"detection": f"needs {2 * FOLDS} rows or more in each table"}
    real = tables.real.iloc[rng.permutation(len(tables.real))[:n]]
    fake = tables.synthetic.iloc[rng.permutation(len(tables.synthetic))[:n]]
    both = pd.concat([real, fake], ignore_index=True)
    y = np.r_[np.zeros(n), np.ones(n)]
    folds = StratifiedKFold(FOLDS, shuffle=True, random_state=seed)
    logistic = linear_pipeline(tables, LogisticRegression(max_iter=1000))
    fold_aucs = {
        "boosting": boosting_detection(tables, both, y, seed),
        "logistic": cross_val_score(
            logistic, linear_frame(tables, both), y, cv=folds, scoring="roc_auc"
        ),
    }
    details: dict[str, Any] = {"rows_per_table": n, "folds": FOLDS}
    for name, aucs in fold_aucs.items():
        details[f"{name}_fold_aucs"] = aucs.tolist()
    auc = float(fold_aucs["boosting"].mean())
    scores = {
        "detection_auc": auc,
        "detection_lr_auc": float(fold_aucs["logistic"].mean()),
        "detection": detection_score(auc),
    }
    return scores, details, {}


def boosting_detection(
    tables: EvalTables, both: pd.DataFrame, y: np.ndarray, seed: int, trees: int = 100
) -> np.ndarray:
    """Per fold, the ROC AUC of gradient boosting telling the rows of ``both`` labelled 1 in
    ``y`` (synthetic) from those labelled 0 (real)."""
    model = HistGradientBoostingClassifier(
        max_iter=trees, categorical_features="from_dtype", random_state=seed
    )
    folds = StratifiedKFold(FOLDS, shuffle=True, random_state=seed)
    return cross_val_score(model, model_frame(tables, both), y, cv=folds, scoring="roc_auc")


def detection_score(auc: float) -> float:
    """SDMetrics' convention: 1 when the classifier is no better than chance, 0 when perfect."""
    return 1.0 - 2.0 * max(auc - 0.5, 0.0)
