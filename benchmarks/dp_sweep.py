"""Sweep synthgan's DP-SGD settings on Adult and score each fit the same way.

``python -m benchmarks.dp_sweep --epsilon 1 --grid '[{"epochs": 10}, {"batch_size": 2000}]' --seed 0 1 2``
``python -m benchmarks.dp_sweep --speed`` times a DP epoch against a non-DP epoch at the same
expected batch size, in the same process.

Every entry of the grid is a set of Synthesizer (or Privacy, under "privacy") parameters on top
of the DP defaults; each fit is scored with SDMetrics quality and TSTR ROC AUC on Adult's test
split, with and without its DP marginal matching (post-processing, same generator), and appended
as one JSON line per seed to benchmarks/results/dp-sweep.jsonl.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import json
import time

from benchmarks.__main__ import RESULTS
from benchmarks.datasets import DATASETS
from benchmarks.environment import describe
from benchmarks.scoring import score


def fit_and_score(data, epsilon, delta, settings, seed):
    from synthgan import Privacy, Synthesizer

    train, test, target, positive = data.train, data.test, data.target, data.positive
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
    scores = score(train, test, fake, target, positive)
    unmatched = score(train, test, _unmatched(model).sample(len(train), seed=1), target, positive)
    return {
        "settings": settings | {"privacy": privacy.to_dict()},
        "resolved": model.fit_info_["settings"],
        "epsilon_spent": round(ledger.epsilon_spent, 4),
        "noise_multiplier": round(ledger.training["noise_multiplier"], 4),
        "steps": ledger.training["steps"],
        "fit_seconds": round(seconds, 1),
        "pipeline": "dp-second-pass",  # fresh entropy, declared kinds, window accounting
        "scores": scores,
        "scores_unmatched": unmatched,
    }


def _unmatched(model):
    """The same fitted model without its DP marginal matching (raking and numeric maps), to
    measure what that post-processing buys on the very same generator."""
    raw = copy.deepcopy(model)
    raw.raking_ = raw.cells_ = None
    raw.transformer_.encoders_ = [
        dataclasses.replace(e, calibration=None) if hasattr(e, "calibration") else e
        for e in raw.transformer_.encoders_
    ]
    return raw


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
        from synthgan.synthesizer import DP_DEFAULTS

        batch = args.batch_size or DP_DEFAULTS["batch_size"]
        result = speed(data, batch, epochs=2, repeat=2) | {"suite": args.suite, **machine}
        print(json.dumps(result), flush=True)
        with open(RESULTS / "dp-speed.jsonl", "a") as f:
            f.write(json.dumps(result) + "\n")
        return
    for epsilon in args.epsilon:
        for settings in json.loads(args.grid):
            for seed in args.seed:
                result = fit_and_score(data, epsilon, args.delta, settings, seed)
                result.update(
                    suite=args.suite, epsilon=epsilon, delta=args.delta, seed=seed, **machine
                )
                print(json.dumps(result), flush=True)
                with open(args.out, "a") as f:
                    f.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
