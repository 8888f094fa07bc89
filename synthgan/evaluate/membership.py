"""Membership-inference attacks: can an attacker holding the synthetic table tell training rows
from other real rows?

Members are training rows; non-members are holdout rows, which come from the same population but
were never seen. Half of the holdout is kept apart as the attacker's reference sample of the
population; the other half are the non-members. Two attacks score every candidate row:

- *distance*: how close the candidate is to its nearest synthetic row (memorised rows are close);
- *density ratio*, in the spirit of DOMIAS (van Breugel et al., 2023): how much more likely the
  candidate is under the synthetic data than under the population. The ratio p_synth / p_ref is
  estimated by a classifier that separates synthetic rows from the reference rows, whose odds
  are that ratio; a generator that overfits puts extra density on its training rows.

Each attack is reported as ROC AUC (0.5 = no better than guessing) and TPR at low FPR, with 95%
bootstrap intervals. These are empirical risk estimates for these attacks, not a guarantee:
only differential privacy bounds every attack.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier

from synthgan.evaluate.features import model_frame
from synthgan.evaluate.neighbours import nearest_distances
from synthgan.evaluate.tables import EvalTables

__all__ = ["attack_metrics", "membership_attacks"]

#: Members and non-members per attack (each); enough for an AUC within about ±0.01.
MAX_CANDIDATES = 5000
#: Synthetic rows the density-ratio classifier learns from.
MAX_DENSITY_ROWS = 10000
BOOTSTRAP = 200
LOW_FPRS = (0.01, 0.001)


def membership_attacks(
    tables: EvalTables,
    encoded: dict[str, np.ndarray],
    rng: np.random.Generator,
    seed: int,
) -> tuple[dict[str, float], dict[str, Any], dict[str, str]]:
    """Scores (the stronger attack's AUC is ``mia_auc``), details, and what does not apply."""
    if tables.holdout is None or len(tables.holdout) < 20:
        reason = "needs a holdout table of 20 rows or more (the non-members)"
        return {}, {}, {"mia": reason}
    shuffled = rng.permutation(len(tables.holdout))
    reference, non_members = np.array_split(shuffled, 2)
    n = min(len(non_members), len(tables.real), MAX_CANDIDATES)
    non_members = non_members[:n]
    members = rng.choice(len(tables.real), size=n, replace=False)
    is_member = np.r_[np.ones(n, dtype=bool), np.zeros(n, dtype=bool)]

    candidates = np.concatenate([encoded["real"][members], encoded["holdout"][non_members]])
    nearest = nearest_distances(candidates, encoded["synthetic"], k=1)[:, 0]
    attacks = {"distance": -nearest}

    synth_rows = rng.permutation(len(tables.synthetic))[:MAX_DENSITY_ROWS]
    density = HistGradientBoostingClassifier(
        class_weight="balanced", random_state=seed, early_stopping=False, max_iter=100
    )
    train_x = _model_rows(tables, (tables.synthetic, synth_rows), (tables.holdout, reference))
    density.fit(train_x, np.r_[np.ones(len(synth_rows)), np.zeros(len(reference))])
    candidates_x = _model_rows(tables, (tables.real, members), (tables.holdout, non_members))
    attacks["density_ratio"] = density.decision_function(candidates_x)

    scores: dict[str, float] = {}
    details: dict[str, Any] = {"members": n, "non_members": n, "reference_rows": len(reference)}
    for name, score in attacks.items():
        result = attack_metrics(score, is_member, rng)
        details[name] = result
        scores[f"mia_{name}_auc"] = result["auc"]
        for fpr in LOW_FPRS:
            scores[f"mia_{name}_tpr_at_{_pct(fpr)}_fpr"] = result[f"tpr_at_{_pct(fpr)}_fpr"]
    strongest = max(attacks, key=lambda a: details[a]["auc"])
    scores["mia_auc"] = details[strongest]["auc"]
    details["strongest"] = strongest
    return scores, details, {}


def _model_rows(tables: EvalTables, *parts: tuple[pd.DataFrame, np.ndarray]) -> pd.DataFrame:
    """The chosen rows of several tables, stacked, as model inputs."""
    rows = pd.concat([frame.iloc[at] for frame, at in parts], ignore_index=True)
    return model_frame(tables, rows)


def _pct(fpr: float) -> str:
    return f"{fpr * 100:g}pct".replace(".", "_")


def _roc(score: np.ndarray, is_member: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The ROC curve's (FPR, TPR) points, one per distinct score, from (0, 0) to (1, 1)."""
    order = np.argsort(-score, kind="stable")
    ranked, members = score[order], is_member[order]
    last_of_tie = np.r_[ranked[1:] != ranked[:-1], True]
    tp = np.cumsum(members)[last_of_tie]
    fp = np.cumsum(~members)[last_of_tie]
    return np.r_[0.0, fp / max(fp[-1], 1)], np.r_[0.0, tp / max(tp[-1], 1)]


def _metrics(score: np.ndarray, is_member: np.ndarray) -> dict[str, float]:
    """ROC AUC (ties count half: the trapezoid rule) and TPR at each low FPR.

    Between two thresholds the curve is interpolated linearly, which is what breaking ties at
    random achieves; without it, non-members tied with members at the top would hide the attack.
    """
    fpr, tpr = _roc(score, is_member)
    out = {"auc": float(np.trapezoid(tpr, fpr))}
    for low in LOW_FPRS:
        out[f"tpr_at_{_pct(low)}_fpr"] = float(np.interp(low, fpr, tpr))
    return out


def attack_metrics(score: np.ndarray, is_member: np.ndarray, rng: np.random.Generator) -> dict:
    """ROC AUC and TPR at each low FPR, with 95% bootstrap intervals, and the ROC curve."""
    members, others = np.flatnonzero(is_member), np.flatnonzero(~is_member)
    point = _metrics(score, is_member)
    draws: dict[str, list[float]] = {k: [] for k in point}
    for _ in range(BOOTSTRAP):
        rows = np.r_[rng.choice(members, len(members)), rng.choice(others, len(others))]
        for key, value in _metrics(score[rows], is_member[rows]).items():
            draws[key].append(value)
    out: dict[str, Any] = dict(point)
    fpr, tpr = _roc(score, is_member)
    at = np.unique(np.linspace(0, len(fpr) - 1, min(len(fpr), 200)).astype(int))
    out["roc"] = {"fpr": fpr[at].tolist(), "tpr": tpr[at].tolist()}  # for the report's plot
    for key, values in draws.items():
        low, high = np.quantile(values, [0.025, 0.975])
        out[f"{key}_ci"] = [float(low), float(high)]
    return out
