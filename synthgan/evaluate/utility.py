"""Machine-learning utility: is a model trained on synthetic rows as good on real rows as one
trained on real rows?

TSTR (train on synthetic, test on real) against TRTR (train on real, test on real), both scored on
the holdout, with HistGradientBoosting and a linear model; and the augmentation gain, real plus
synthetic against real alone. The holdout is the only fair test set: the synthetic table was
learned from the real training rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import (
    accuracy_score,
    f1_score,
    mean_absolute_error,
    r2_score,
    roc_auc_score,
)

from synthgan.evaluate.features import linear_frame, linear_pipeline, model_frame
from synthgan.evaluate.tables import EvalTables

__all__ = ["Predictions", "utility_scores"]

#: Short names for the two model families in score keys: tstr_auc (boosting), tstr_lr_auc (linear).
MODELS = {"hgb": "", "linear": "lr_"}


@dataclass
class Predictions:
    """Holdout predictions of the boosting models, for the fairness metrics."""

    y_true: np.ndarray
    rows: np.ndarray  # the holdout rows predicted (those with a target value)
    labels: dict[str, np.ndarray] = field(default_factory=dict)  # "tstr" / "trtr" → 0/1


def utility_scores(
    tables: EvalTables, seed: int
) -> tuple[dict[str, float], dict[str, Any], dict[str, str], Predictions | None]:
    """Scores, per-model details, what does not apply (with why), and holdout predictions."""
    if tables.target is None:
        return {}, {}, {"utility": "no target column was named"}, None
    if tables.target_problem is not None:
        return {}, {}, {"utility": tables.target_problem}, None
    if tables.holdout is None:
        reason = (
            "needs a holdout table: scoring on the training rows would flatter the synthetic data"
        )
        return {}, {}, {"utility": reason}, None

    target = tables.target
    train_sets = {"trtr": tables.real, "tstr": tables.synthetic}
    test = tables.holdout[tables.holdout[target].notna()]
    y_test = _targets(tables, test)
    predictions = (
        Predictions(y_true=y_test, rows=test.index.to_numpy()) if tables.task == "binary" else None
    )
    scores: dict[str, float] = {}
    details: dict[str, Any] = {"task": tables.task, "test_rows": len(test)}
    not_applicable: dict[str, str] = {}
    classes = sorted(tables.real[target].dropna().unique()) if tables.task == "multiclass" else None
    test_inputs = {name: _inputs(tables, test, name) for name in MODELS}  # built once, used 5 times

    for setting, train in train_sets.items():
        train = train[train[target].notna()]
        y = _targets(tables, train)
        problem = _train_problem(tables, setting, y)
        if problem:
            not_applicable[setting] = problem
            continue
        for model_name, prefix in MODELS.items():
            model = _model(tables, model_name, seed, y)
            model.fit(_inputs(tables, train, model_name), y)
            metrics, predicted = _metrics(tables, model, test_inputs[model_name], y_test, classes)
            details[f"{setting}_{model_name}"] = metrics
            scores |= {f"{setting}_{prefix}{k}": v for k, v in metrics.items()}
            if predictions is not None and model_name == "hgb":
                predictions.labels[setting] = predicted

    if tables.task != "regression":
        label_scores, details["label_shares"] = _label_shares(tables, predictions)
        scores |= label_scores
    if "trtr" not in not_applicable and "tstr" not in not_applicable:
        both = pd.concat([tables.real, tables.synthetic], ignore_index=True)
        both = both[both[target].notna()]
        y_both = _targets(tables, both)
        model = _model(tables, "hgb", seed, y_both).fit(_inputs(tables, both, "hgb"), y_both)
        augmented, _ = _metrics(tables, model, test_inputs["hgb"], y_test, classes)
        details["augmented_hgb"] = augmented
        key = "r2" if tables.task == "regression" else "auc"
        scores["augmentation_gain"] = augmented[key] - scores[f"trtr_{key}"]
    return scores, details, not_applicable, predictions


def _label_shares(
    tables: EvalTables, predictions: Predictions | None
) -> tuple[dict[str, float], dict[str, Any]]:
    """Each class's share of the real and the synthetic rows, the largest relative gap among
    classes with at least 1 % of the real rows, and (two classes) how often each model predicts
    the positive class on the holdout, beside how often it is the truth there."""
    real, synthetic = (
        t[tables.target].dropna().value_counts(normalize=True)
        for t in (tables.real, tables.synthetic)
    )
    shares = {
        str(label): {"real": float(share), "synthetic": float(synthetic.get(label, 0.0))}
        for label, share in real.items()
    }
    gaps = [
        abs(s["synthetic"] - s["real"]) / s["real"] for s in shares.values() if s["real"] >= 0.01
    ]
    scores = {"label_share_error": max(gaps)}
    if predictions is not None:
        scores["holdout_positive_rate"] = float(predictions.y_true.mean())
        for setting, labels in predictions.labels.items():
            scores[f"{setting}_positive_rate"] = float(np.mean(labels))
    return scores, shares


def _targets(tables: EvalTables, frame: pd.DataFrame) -> np.ndarray:
    values = frame[tables.target]
    if tables.task == "regression":
        return values.to_numpy(dtype=np.float64)
    if tables.task == "binary":
        return (values == tables.positive).to_numpy().astype(np.int64)
    return values.to_numpy(dtype=object).astype(str)


def _train_problem(tables: EvalTables, setting: str, y: np.ndarray) -> str | None:
    which = "synthetic" if setting == "tstr" else "real"
    if len(y) < 10:
        return f"the {which} table has fewer than 10 rows with a target value"
    if tables.task != "regression" and len(np.unique(y)) < 2:
        return f"the {which} table has one target class only"
    return None


def _inputs(tables: EvalTables, frame: pd.DataFrame, model_name: str) -> pd.DataFrame:
    read = linear_frame if model_name == "linear" else model_frame
    return read(tables, frame, drop=(tables.target,))


def _model(tables: EvalTables, model_name: str, seed: int, y: np.ndarray):
    regression = tables.task == "regression"
    if model_name == "hgb":
        if regression:
            return HistGradientBoostingRegressor(
                categorical_features="from_dtype", random_state=seed
            )
        # Early stopping (on by default past 10,000 rows) holds out a stratified share, which
        # needs two rows of every class: a synthetic table may make a rare class once.
        once = (np.unique(y, return_counts=True)[1] < 2).any()
        return HistGradientBoostingClassifier(
            categorical_features="from_dtype",
            random_state=seed,
            early_stopping=False if once else "auto",
        )
    final = Ridge() if regression else LogisticRegression(max_iter=500)
    return linear_pipeline(tables, final, drop=(tables.target,))


def _metrics(
    tables, model, x: pd.DataFrame, y: np.ndarray, classes
) -> tuple[dict[str, float], np.ndarray]:
    """The metrics on the holdout, and the predictions they were computed from."""
    if tables.task == "regression":
        predicted = model.predict(x)
        return {
            "r2": float(r2_score(y, predicted)),
            "mae": float(mean_absolute_error(y, predicted)),
        }, predicted
    proba = model.predict_proba(x)
    predicted = model.classes_[np.argmax(proba, axis=1)]
    out = {
        "accuracy": float(accuracy_score(y, predicted)),
        "f1": float(f1_score(y, predicted, average="macro")),
    }
    if tables.task == "binary":
        out["auc"] = float(roc_auc_score(y, proba[:, list(model.classes_).index(1)]))
    else:
        # A model trained on synthetic rows may not know every class: missing ones score 0.
        full = np.zeros((len(y), len(classes)))
        for i, c in enumerate(model.classes_):
            if c in classes:
                full[:, classes.index(c)] = proba[:, i]
        known = np.isin(y, classes)
        present = [c for c in classes if c in set(y[known])]
        if len(present) < 2:
            return out, predicted
        sub = full[known][:, [classes.index(c) for c in present]]
        # Rows the model gives (almost) wholly to classes the real table lacks rank as uniform.
        total = sub.sum(axis=1, keepdims=True)
        sub = np.where(total > 1e-12, sub / np.maximum(total, 1e-12), 1 / len(present))
        out["auc"] = float(roc_auc_score(y[known], sub, multi_class="ovr", labels=present))
    return out, predicted
