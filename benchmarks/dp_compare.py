"""synthgan with differential privacy next to smartnoise-synth's MST and DPCTGAN, same run.

``python -m benchmarks.dp_compare --epsilon 1 3 [--dpctgan-epochs 3]``

Every tool is fitted on Adult's training split at the same (ε, δ) and scored by
``synthgan.evaluate`` (quality and utility, benchmarks/scoring.py) with the test split as the
holdout. smartnoise runs in its own virtual environment (``make bench-smartnoise``); it is
skipped, with a note, where that is missing. Appends one record per run to
benchmarks/results/dp-compare.jsonl and rewrites RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict

from benchmarks.__main__ import RESULTS
from benchmarks.datasets import DATASETS
from benchmarks.environment import describe
from benchmarks.records import append, with_environment
from benchmarks.scoring import FIDELITY_PARTS, FIDELITY_SCORES, score


def _synthgan(train, kinds, epsilon: float, delta: float, seed: int) -> tuple[dict, object]:
    from synthgan import Privacy, Synthesizer

    started = time.perf_counter()
    privacy = Privacy(epsilon=epsilon, delta=delta)
    model = Synthesizer(privacy=privacy, overrides=kinds, seed=seed, verbose=False)
    model.fit(train)
    ledger = model.ledger_
    fit = {
        "fit_seconds": round(time.perf_counter() - started, 1),
        "epsilon_spent": round(ledger.epsilon_spent, 4),
        "noise_multiplier": round(ledger.training["noise_multiplier"], 3),
        "steps": ledger.training["steps"],
        "settings": model.fit_info_["settings"],
    }
    return fit, model.sample(len(train), seed=1)


def main() -> None:
    from benchmarks.smartnoise import SmartnoiseTool

    parser = argparse.ArgumentParser(prog="python -m benchmarks.dp_compare")
    parser.add_argument("--suite", choices=sorted(DATASETS), default="adult")
    parser.add_argument("--epsilon", type=float, nargs="+", default=[1.0, 3.0])
    parser.add_argument("--delta", type=float, default=1e-6)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--dpctgan-epochs",
        type=int,
        default=3,
        help="DPCTGAN epochs; 0 for its own default (300, cut short by its budget)",
    )
    parser.add_argument("--tools", nargs="+", default=["synthgan", "mst", "dpctgan"])
    args = parser.parse_args()
    data = DATASETS[args.suite]()
    train = data.train
    environment = describe()
    path = RESULTS / "dp-compare.jsonl"

    def record(tool, epsilon, **fields):
        return with_environment(
            environment,
            what="dp-compare",
            dataset=args.suite,
            tool=tool,
            seed=args.seed,
            settings={"epsilon": epsilon, "delta": args.delta},
            command=" ".join(["python -m benchmarks.dp_compare", *sys.argv[1:]]),
            **fields,
        )

    for epsilon in args.epsilon:
        for tool in args.tools:
            print(f"[{tool}] epsilon {epsilon}", flush=True)
            if tool == "synthgan":
                fit, fake = _synthgan(train, data.kinds, epsilon, args.delta, args.seed)
            elif not SmartnoiseTool.available():
                append(record(tool, epsilon, details={"skipped": "no venv"}), path)
                continue
            else:
                epochs = (args.dpctgan_epochs or None) if tool == "dpctgan" else None
                model = SmartnoiseTool(tool, epsilon, args.delta, args.seed, epochs)
                fit = model.fit(train)
                fit.pop("smartnoise", None)
                fit["epochs"] = epochs
                fake = model.sample(len(train))
            scores = score(data, fake, args.seed, keys=FIDELITY_SCORES, parts=FIDELITY_PARTS)
            run = record(tool, epsilon, scores=scores, timings={"fit": fit})
            print(json.dumps(asdict(run)), flush=True)
            append(run, path)
    print(f"appended to {path}")
    from benchmarks.report import write_results

    write_results()


if __name__ == "__main__":
    main()
