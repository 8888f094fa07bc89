"""The fairness head's trade-off: demographic-parity gaps against utility, over λ, with and without DP.

``python -m benchmarks.fairness --suite adult --weights 0 0.3 1 3 --epochs 300 [--epsilon 3
[--dp-target]]``

For each λ, synthgan is fitted on the training split (λ = 0 is the unconstrained model, same seed)
and its sample is scored by synthgan's evaluator against the real test split: the synthetic data's
gap, the gap of a HistGradientBoosting model trained on the synthetic rows when it predicts the
real test rows, and that model's ROC AUC. One JSON line per fit goes to
benchmarks/results/fairness.jsonl; ``python -m benchmarks report`` draws the trade-off plot.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from benchmarks.__main__ import RESULTS
from benchmarks.datasets import DATASETS
from benchmarks.environment import describe

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


def fit_and_score(
    train, test, target, sensitive, positive, weight, epochs, epsilon, seed, dp_target=False
) -> dict:
    from synthgan import Fairness, Privacy, Synthesizer, evaluate

    fairness = Fairness(sensitive=sensitive, target=target, weight=weight) if weight > 0 else None
    declared = target if dp_target else None
    privacy = Privacy(epsilon=epsilon, delta=1e-6, target=declared) if epsilon else None
    started = time.perf_counter()
    model = Synthesizer(epochs=epochs, seed=seed, verbose=False, fairness=fairness, privacy=privacy)
    model.fit(train)
    seconds = time.perf_counter() - started
    fake = model.sample(len(train), seed=seed + 1)
    report = evaluate(
        train, fake, test, target=target, sensitive=sensitive, positive=positive, verbose=False
    )
    return {
        "weight": weight,
        "epsilon": epsilon,
        "dp_target": bool(epsilon and dp_target),
        "epsilon_spent": None if model.ledger_ is None else round(model.ledger_.epsilon_spent, 4),
        "epochs": model.fit_info_["settings"]["epochs"],
        "fit_seconds": round(seconds, 1),
        "scores": {k: round(report.scores[k], 4) for k in KEYS if k in report.scores},
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fairness")
    parser.add_argument("--suite", choices=sorted(DATASETS), default="adult")
    parser.add_argument("--weights", type=float, nargs="+", default=[0.0, 0.3, 1.0, 3.0])
    parser.add_argument("--epochs", type=int, default=None, help="default: synthgan's default")
    parser.add_argument("--epsilon", type=float, default=None, help="train with DP at this ε")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--dp-target", action="store_true", help="with --epsilon: declare the target to DP"
    )
    args = parser.parse_args()
    data = DATASETS[args.suite]()
    train, test, target = data.train, data.test, data.target
    sensitive, positive = data.sensitive, data.positive
    context = describe() | {
        "suite": args.suite,
        "command": " ".join(["python -m benchmarks.fairness", *sys.argv[1:]]),
    }
    with (RESULTS / "fairness.jsonl").open("a") as out:
        for weight in args.weights:
            row = context | fit_and_score(
                train,
                test,
                target,
                sensitive,
                positive,
                weight,
                args.epochs,
                args.epsilon,
                args.seed,
                args.dp_target,
            )
            out.write(json.dumps(row) + "\n")
            out.flush()
            print(
                json.dumps(
                    {k: row[k] for k in ("weight", "epsilon", "epochs", "fit_seconds", "scores")}
                )
            )


if __name__ == "__main__":
    main()
