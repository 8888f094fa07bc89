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

__all__ = ["detection_scores"]

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
    classifiers = {
        "boosting": (
            HistGradientBoostingClassifier(categorical_features="from_dtype", random_state=seed),
            model_frame(tables, both),
        ),
        "logistic": (
            linear_pipeline(tables, LogisticRegression(max_iter=1000)),
            linear_frame(tables, both),
        ),
    }
    details: dict[str, Any] = {"rows_per_table": n, "folds": FOLDS}
    aucs = {}
    for name, (model, x) in classifiers.items():
        fold_aucs = cross_val_score(model, x, y, cv=folds, scoring="roc_auc")
        aucs[name] = float(fold_aucs.mean())
        details[f"{name}_fold_aucs"] = fold_aucs.tolist()
    scores = {
        "detection_auc": aucs["boosting"],
        "detection_lr_auc": aucs["logistic"],
        # SDMetrics' convention: 1 when the classifier is no better than chance, 0 when perfect.
        "detection": 1.0 - 2.0 * max(aucs["boosting"] - 0.5, 0.0),
    }
    return scores, details, {}
