"""The fairness head's trade-off: demographic-parity gaps against utility, over λ, with and without DP.

``python -m benchmarks.fairness --suite adult --weights 0 0.3 1 3 --epochs 300 [--seed 0 1 2]
[--draws 5] [--epsilon 3 [--dp-target]]``

For each λ, synthgan is fitted on the training split (λ = 0 is the unconstrained model, same seed)
and its sample is scored by synthgan's evaluator against the real test split: the synthetic data's
gap, the gap of a HistGradientBoosting model trained on the synthetic rows when it predicts the
real test rows, and that model's ROC AUC. One JSON line per fit goes to
benchmarks/results/fairness.jsonl; ``python -m benchmarks report`` draws the trade-off plot.

With ``--draws K`` the same model is sampled K times and each sample gets its own
HistGradientBoosting model (seeded by the draw): the model gap moves by several hundredths from one
draw to the next, more than between some settings, so one draw per fit cannot say whether a
bound is met.

With λ = 0 the line also holds two reference curves (``offset_frontier``): the same model,
and one trained on the real training rows, repaired after training by shifting each group's
scores toward equal positive rates. That is what parity costs on these test rows without any
synthetic data involved: a fair synthesizer is judged against it, not against zero.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time

import numpy as np

from benchmarks.__main__ import RESULTS
from benchmarks.datasets import DATASETS
from benchmarks.environment import describe
from benchmarks.records import Record, append, with_environment
from benchmarks.scoring import score

KEYS = (
    "quality",
    "tstr_auc",
    "trtr_auc",
    "dp_gap_real",
    "dp_gap_synthetic",
    "dp_gap_tstr",
    "dp_gap_trtr",
    "eo_gap_tstr",
)


#: The scores every extra draw records (utility and fairness only: the rest is slow and steady).
DRAW_KEYS = ("tstr_auc", "dp_gap_synthetic", "dp_gap_tstr")


def fit_and_score(data, weight, epochs, epsilon, seed, dp_target=False, draws=1) -> dict:
    """Fit one model of ``data`` (a benchmarks.datasets.Dataset) and score ``draws`` samples:
    the record's fields."""
    from synthgan import Fairness, Privacy, Synthesizer

    train, test, target = data.train, data.test, data.target
    sensitive, positive = data.sensitive, data.positive

    fairness = Fairness(sensitive=sensitive, target=target, weight=weight) if weight > 0 else None
    declared = target if dp_target else None
    privacy = Privacy(epsilon=epsilon, delta=1e-6, target=declared) if epsilon else None
    started = time.perf_counter()
    overrides = data.kinds if privacy else None  # DP needs every column's kind declared
    model = Synthesizer(
        epochs=epochs,
        seed=seed,
        verbose=False,
        fairness=fairness,
        privacy=privacy,
        overrides=overrides,
    )
    model.fit(train)
    seconds = time.perf_counter() - started
    fake = model.sample(len(train), seed=seed + 1)
    scores = score(data, fake, keys=KEYS)
    first = {k: scores[k] for k in DRAW_KEYS if k in scores}
    more = [redraw(model, data, seed + 1 + 10_000 * k, k) for k in range(1, draws)]
    frontier = None
    if weight == 0:
        frontier = {
            name: offset_frontier(train, rows, test, target, sensitive, positive, seed)
            for name, rows in (("real", train), ("synthetic", fake))
        }
    return {
        "seed": seed,
        "settings": {
            "weight": weight,
            "epsilon": epsilon,
            "epochs": model.fit_info_["settings"]["epochs"],
            "dp_target": bool(epsilon and dp_target),
        },
        "scores": scores,
        "timings": {"fit_seconds": round(seconds, 1)},
        "details": {
            "epsilon_spent": None
            if model.ledger_ is None
            else round(model.ledger_.epsilon_spent, 4),
            "frontier": frontier,
            "draws": [first, *more],
        },
    }


def redraw(model, data, sample_seed, model_seed) -> dict:
    """Utility and fairness scores of one more sample of ``model``, from the evaluator's utility
    and fairness parts alone, with its models seeded by ``model_seed``."""
    fake = model.sample(len(data.train), seed=sample_seed)
    return score(data, fake, model_seed, keys=DRAW_KEYS, parts=("fairness",))


def offset_frontier(real, rows, test, target, sensitive, positive, seed, steps=11) -> list:
    """[model gap, ROC AUC] on the test rows of a HistGradientBoosting model trained on ``rows``
    (the evaluator's model and inputs, seeded with the fit's seed) whose log-odds are shifted per sensitive group, t = 0 … 1
    of the way to the shift that gives every group the model's overall positive rate: the usual
    post-processing repair for demographic parity (a per-group threshold)."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import roc_auc_score

    from synthgan.evaluate.features import model_frame
    from synthgan.evaluate.tables import prepare_tables

    tables = prepare_tables(real, rows, test, target=target, sensitive=sensitive, positive=positive)
    train = tables.synthetic[tables.synthetic[target].notna()]
    holdout = tables.holdout[tables.holdout[target].notna() & tables.groups(tables.holdout).notna()]
    model = HistGradientBoostingClassifier(categorical_features="from_dtype", random_state=seed)
    model.fit(model_frame(tables, train, (target,)), train[target] == tables.positive)
    p = np.clip(model.predict_proba(model_frame(tables, holdout, (target,)))[:, 1], 1e-9, 1 - 1e-9)
    logit = np.log(p / (1 - p))
    y = (holdout[target] == tables.positive).to_numpy()
    groups = tables.groups(holdout).to_numpy()
    rate = (logit > 0).mean()
    shift = np.zeros_like(logit)
    for g in np.unique(groups):
        shift[groups == g] = np.quantile(logit[groups == g], 1 - rate)
    curve = []
    for t in np.linspace(0, 1, steps):
        scores = logit - t * shift
        rates = [(scores[groups == g] > 0).mean() for g in np.unique(groups)]
        curve.append([round(float(max(rates) - min(rates)), 4), round(roc_auc_score(y, scores), 4)])
    return curve


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fairness")
    parser.add_argument("--suite", choices=sorted(DATASETS), default="adult")
    parser.add_argument("--weights", type=float, nargs="+", default=[0.0, 0.3, 1.0, 3.0])
    parser.add_argument("--epochs", type=int, default=None, help="default: synthgan's default")
    parser.add_argument("--epsilon", type=float, default=None, help="train with DP at this ε")
    parser.add_argument("--seed", type=int, nargs="+", default=[0], help="one fit per seed and λ")
    parser.add_argument(
        "--draws", type=int, default=1, help="samples scored per fit (utility and fairness)"
    )
    parser.add_argument(
        "--dp-target", action="store_true", help="with --epsilon: declare the target to DP"
    )
    parser.add_argument(
        "--sensitive",
        nargs="+",
        default=None,
        help="the sensitive columns instead of the suite's (two or more: intersectional groups)",
    )
    args = parser.parse_args()
    data = DATASETS[args.suite]()
    suite = args.suite
    if args.sensitive:
        data = dataclasses.replace(data, sensitive=tuple(args.sensitive))
        suite += "-" + "-".join(args.sensitive)  # its own rows in RESULTS (e.g. compas-race-sex)
    environment = describe()
    command = " ".join(["python -m benchmarks.fairness", *sys.argv[1:]])
    for seed, weight in ((s, w) for s in args.seed for w in args.weights):
        fields = fit_and_score(
            data, weight, args.epochs, args.epsilon, seed, args.dp_target, args.draws
        )
        record: Record = with_environment(
            environment,
            what="fairness",
            dataset=suite,
            tool="synthgan",
            command=command,
            **fields,
        )
        append(record, RESULTS / "fairness.jsonl")
        print(json.dumps({k: fields[k] for k in ("seed", "settings", "timings", "scores")}))


if __name__ == "__main__":
    main()
