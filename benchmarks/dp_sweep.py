"""Sweep synthgan's DP-SGD settings on Adult and score each fit the same way.

``python -m benchmarks.dp_sweep --epsilon 1 --grid '[{"epochs": 10}, {"batch_size": 2000}]' --seed 0 1 2``
``python -m benchmarks.dp_sweep --speed`` times a DP epoch against a non-DP epoch at the same
expected batch size, in the same process.

Every entry of the grid is a set of Synthesizer (or Privacy, under "privacy") parameters on top
of the DP defaults; each fit is scored by ``synthgan.evaluate`` (quality and utility, with Adult's
test split as the holdout), with and without its DP marginal matching (post-processing, same
generator), and appended as one record per seed to benchmarks/results/dp-sweep.jsonl.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from benchmarks.__main__ import RESULTS
from benchmarks.datasets import DATASETS
from benchmarks.environment import describe
from benchmarks.records import Record, append, with_environment
from benchmarks.scoring import FIDELITY_PARTS, FIDELITY_SCORES, score


def _score(data, fake):
    return score(data, fake, keys=FIDELITY_SCORES, parts=FIDELITY_PARTS)


def fit_and_score(data, epsilon, delta, settings, seed, environment) -> Record:
    from synthgan import Privacy, Synthesizer

    train = data.train
    settings = dict(settings)
    privacy = Privacy(epsilon=epsilon, delta=delta, **settings.pop("privacy", {}))
    if "discriminator_dim" in settings:
        settings["discriminator_dim"] = tuple(settings["discriminator_dim"])
    started = time.perf_counter()
    model = Synthesizer(
        privacy=privacy, overrides=data.kinds, seed=seed, verbose=False, **settings
    ).fit(train)
    seconds = time.perf_counter() - started
    fake = model.sample(len(train), seed=1)
    ledger = model.ledger_
    scores = _score(data, fake)
    unmatched = _score(data, model.sample(len(train), seed=1, postprocess=False))
    return with_environment(
        environment,
        what="dp-sweep",
        dataset=data.name,
        tool="synthgan",
        seed=seed,
        settings={
            "epsilon": epsilon,
            "delta": delta,
            "synthesizer": settings | {"privacy": privacy.to_dict()},
        },
        scores=scores,
        timings={"fit_seconds": round(seconds, 1)},
        details={
            "resolved": model.fit_info_["settings"],
            "epsilon_spent": round(ledger.epsilon_spent, 4),
            "noise_multiplier": round(ledger.training["noise_multiplier"], 4),
            "steps": ledger.training["steps"],
            "pipeline": "dp-second-pass",  # fresh entropy, declared kinds, window accounting
            "scores_unmatched": unmatched,
        },
    )


def speed(data, batch_size: int, epochs: int, repeat: int) -> dict:
    """Seconds per epoch with and without DP at the same (expected) batch size, interleaved:
    the difference between fits of 1 and 1 + ``epochs`` epochs, per epoch (a DP model records
    no timings of its own)."""
    from synthgan import Privacy, Synthesizer

    def fit_seconds(privacy, n_epochs):
        started = time.perf_counter()
        Synthesizer(
            privacy=privacy,
            overrides=data.kinds,
            batch_size=batch_size,
            epochs=n_epochs,
            seed=0,
            verbose=False,
        ).fit(data.train)
        return time.perf_counter() - started

    times: dict[str, list[float]] = {"dp": [], "non_dp": []}
    for _ in range(repeat):
        for name, privacy in (("non_dp", None), ("dp", Privacy(epsilon=1.0))):
            extra = fit_seconds(privacy, 1 + epochs) - fit_seconds(privacy, 1)
            times[name].append(extra / epochs)
    best = {k: min(v) for k, v in times.items()}  # the least disturbed run of each
    return {
        "batch_size": batch_size,
        "epoch_seconds": {k: round(v, 3) for k, v in best.items()},
        "ratio": round(best["dp"] / best["non_dp"], 3),
        "note": "non-DP: default settings (pac 10, critic (256, 256)); DP: DP defaults",
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.dp_sweep")
    parser.add_argument("--suite", choices=sorted(DATASETS), default="adult")
    parser.add_argument("--epsilon", type=float, nargs="+", default=[1.0])
    parser.add_argument("--delta", type=float, default=1e-6)
    parser.add_argument("--grid", default="[{}]", help="JSON list of settings dicts")
    parser.add_argument("--seed", type=int, nargs="+", default=[0])
    parser.add_argument("--out", default=str(RESULTS / "dp-sweep.jsonl"))
    parser.add_argument("--speed", action="store_true", help="time DP vs non-DP epochs instead")
    parser.add_argument("--batch-size", type=int, default=None, help="for --speed")
    args = parser.parse_args()
    data = DATASETS[args.suite]()
    machine = describe()
    if args.speed:
        from synthgan.config import DP_DEFAULTS

        batch = args.batch_size or DP_DEFAULTS["batch_size"]
        result = speed(data, batch, epochs=2, repeat=2)
        print(json.dumps(result), flush=True)
        record = with_environment(
            machine,
            what="dp-speed",
            dataset=args.suite,
            tool="synthgan",
            settings={"batch_size": result["batch_size"]},
            timings={"epoch_seconds": result["epoch_seconds"]},
            details={"ratio": result["ratio"], "note": result["note"]},
        )
        append(record, RESULTS / "dp-speed.jsonl")
        return
    for epsilon in args.epsilon:
        for settings in json.loads(args.grid):
            for seed in args.seed:
                record = fit_and_score(data, epsilon, args.delta, settings, seed, machine)
                print(json.dumps(record.to_dict()), flush=True)
                append(record, Path(args.out))


if __name__ == "__main__":
    main()
