"""Detection: can a classifier tell synthetic rows from real ones? ROC AUC 0.5 means it cannot."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import StratifiedKFold, cross_val_score

from synthgan.evaluate.features import model_frame
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
    x = model_frame(tables, pd.concat([real, fake], ignore_index=True))
    y = np.r_[np.zeros(n), np.ones(n)]
    model = HistGradientBoostingClassifier(categorical_features="from_dtype", random_state=seed)
    folds = StratifiedKFold(FOLDS, shuffle=True, random_state=seed)
    aucs = cross_val_score(model, x, y, cv=folds, scoring="roc_auc")
    auc = float(aucs.mean())
    # SDMetrics' convention: 1 when the classifier is no better than chance, 0 when it is perfect.
    scores = {"detection_auc": auc, "detection": 1.0 - 2.0 * max(auc - 0.5, 0.0)}
    return scores, {"rows_per_table": n, "folds": FOLDS, "fold_aucs": aucs.tolist()}, {}
