"""The same scoring for every tool: SDMetrics quality and train-synthetic/test-real ROC AUC."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score

from synthgan.evaluate.quality import quality_report


def _features(df: pd.DataFrame, target: str, categories: dict[str, list]) -> pd.DataFrame:
    X = df.drop(columns=[target]).copy()
    for name, values in categories.items():
        X[name] = pd.Categorical(X[name], categories=values)
    return X


def tstr_auc(
    train: pd.DataFrame, test: pd.DataFrame, target: str, positive, seed: int = 0
) -> float:
    """ROC AUC on real ``test`` of a HistGradientBoosting model trained on ``train``."""
    categories = {
        c: sorted(pd.concat([train[c], test[c]]).dropna().astype(str).unique())
        for c in test.columns
        if c != target and not pd.api.types.is_numeric_dtype(test[c])
    }
    y_train = (train[target].astype(str) == str(positive)).to_numpy()
    if y_train.all() or not y_train.any():
        return float("nan")  # one class only: the synthesizer dropped the other
    model = HistGradientBoostingClassifier(categorical_features="from_dtype", random_state=seed)
    model.fit(_features(train.astype({c: str for c in categories}), target, categories), y_train)
    y_test = (test[target].astype(str) == str(positive)).to_numpy()
    proba = model.predict_proba(
        _features(test.astype({c: str for c in categories}), target, categories)
    )
    return float(roc_auc_score(y_test, proba[:, 1]))


def score(
    real_train: pd.DataFrame, real_test: pd.DataFrame, fake: pd.DataFrame, target: str, positive
) -> dict:
    quality = quality_report(real_train, fake)
    return {
        "quality": round(quality["score"], 4),
        "column_shapes": round(quality["properties"]["Column Shapes"], 4),
        "column_pair_trends": round(quality["properties"]["Column Pair Trends"], 4),
        "tstr_auc": round(tstr_auc(fake, real_test, target, positive), 4),
        "missing_rate_error": round(
            float(np.abs(real_train.isna().mean() - fake[real_train.columns].isna().mean()).max()),
            4,
        ),
    }
