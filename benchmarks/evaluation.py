"""Benchmarks of the evaluators: speed on Adult, a sanity table, and distances at 1M × 1M rows.

``python -m benchmarks.evaluation speed``   full evaluate() of Adult, per part, best of --repeat
``python -m benchmarks.evaluation sanity``  copies / independent sample / shuffled columns / synthgan
``python -m benchmarks.evaluation scale``   DCR + membership attacks, 1M synthetic × 1M real rows,
                                            in a fresh process whose peak memory (VmHWM) is read,
                                            as ``evaluate`` runs them (distances from a sample of
                                            the synthetic rows, see evaluate/distance.py);
                                            --query-rows Q keeps only the first Q synthetic rows

The synthetic Adult table comes from a synthgan model fitted in the same run (--epochs, default
30: the evaluator's speed does not depend on how good the table is). Each part writes
benchmarks/results/eval-<part>-<date>.json; ``python -m benchmarks report`` renders them.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.__main__ import HERE, RESULTS
from benchmarks.datasets import adult
from benchmarks.environment import describe
from benchmarks.records import save, with_environment

HEADLINE = [
    "quality", "column_pair_trends", "detection_auc", "tstr_auc", "trtr_auc", "exact_copy_rate",
    "holdout_copy_rate", "dcr_share", "dcr_share_expected", "nndr_median", "mia_auc",
    "dp_gap_real", "dp_gap_synthetic",
]  # fmt: skip


def synthetic_adult(train: pd.DataFrame, epochs: int, rows: int, seed: int) -> pd.DataFrame:
    from synthgan import Synthesizer

    model = Synthesizer(epochs=epochs, seed=seed, verbose=False).fit(train)
    return model.sample(rows, seed=seed + 1)


def speed(args) -> dict:
    from synthgan import evaluate

    data = adult()
    train, test, target = data.train, data.test, data.target
    fake = synthetic_adult(train, args.epochs, len(train), args.seed)
    runs = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        report = evaluate(train, fake, test, target=target, sensitive="sex", verbose=False)
        runs.append({"total": time.perf_counter() - started, "parts": report.timings})
    best = min(runs, key=lambda r: r["total"])
    return {
        "rows": {"real": len(train), "synthetic": len(fake), "holdout": len(test)},
        "epochs": args.epochs,
        "totals": [round(r["total"], 2) for r in runs],
        "best": {"total": round(best["total"], 2)}
        | {k: round(v, 2) for k, v in best["parts"].items()},
    }


def sanity(args) -> dict:
    from synthgan import evaluate

    data = adult()
    train, test, target = data.train, data.test, data.target
    half = len(test) // 2
    holdout, independent = test.iloc[:half], test.iloc[half:]
    rng = np.random.default_rng(args.seed)
    cases = {
        "copies of train": train.sample(frac=1.0, random_state=args.seed),
        "independent real rows": independent,
        "columns shuffled independently": train.apply(
            lambda c: c.to_numpy()[rng.permutation(len(train))]
        ),
        f"synthgan ({args.epochs} epochs)": synthetic_adult(
            train, args.epochs, len(train), args.seed
        ),
    }
    out = {}
    for name, fake in cases.items():
        report = evaluate(train, fake, holdout, target=target, sensitive="sex", verbose=False)
        out[name] = {k: round(report.scores[k], 4) for k in HEADLINE if k in report.scores}
    return {"holdout_rows": len(holdout), "cases": out}


def scale(args) -> dict:
    """Write the big tables to Parquet, then time and measure the distance parts in a child."""
    from synthgan import Synthesizer

    train = adult().train
    model = Synthesizer(epochs=args.epochs, seed=args.seed, verbose=False).fit(train)
    with tempfile.TemporaryDirectory() as tmp:
        paths = {}
        for name, rows, seed in (
            ("real", args.rows, 1), ("synthetic", args.rows, 2), ("holdout", args.holdout_rows, 3)
        ):  # fmt: skip
            paths[name] = Path(tmp) / f"{name}.parquet"
            model.sample_to(paths[name], rows, seed=seed)
        command = [sys.executable, "-m", "benchmarks.evaluation", "scale-worker"]
        command += [str(paths[n]) for n in ("real", "synthetic", "holdout")]
        command += ["--query-rows", str(args.query_rows or args.rows)]
        result = subprocess.run(
            command, capture_output=True, text=True, check=True, cwd=HERE.parent
        )
    return {
        "source": f"rows sampled from a synthgan model of Adult ({args.epochs} epochs)"
    } | json.loads(result.stdout.strip().splitlines()[-1])


def scale_worker(real: str, synthetic: str, holdout: str, query_rows: int) -> None:
    from benchmarks.sample_worker import peak_mb
    from synthgan.evaluate.distance import distance_risks
    from synthgan.evaluate.evaluation import encode_tables
    from synthgan.evaluate.membership import membership_attacks
    from synthgan.evaluate.tables import prepare_tables
    from synthgan.io import read_table

    tables_read = [read_table(p) for p in (real, synthetic, holdout)]
    after_read = peak_mb()
    rng = np.random.default_rng(0)
    timings = {}
    started = time.perf_counter()
    tables = prepare_tables(*tables_read, target="income")
    del tables_read
    encoded = encode_tables(tables)[3]
    timings["prepare_and_encode"] = time.perf_counter() - started
    if query_rows < len(tables.synthetic):  # the old projection of an exhaustive pass
        tables = dataclasses.replace(tables, synthetic=tables.synthetic.iloc[:query_rows])
        encoded = encoded | {"synthetic": encoded["synthetic"][:query_rows]}
    started = time.perf_counter()
    scores, details, _ = distance_risks(tables, encoded, rng)
    timings["distances"] = time.perf_counter() - started
    started = time.perf_counter()
    attack, _, _ = membership_attacks(tables, encoded, rng, 0)
    timings["membership"] = time.perf_counter() - started
    timings["total"] = sum(timings.values())
    print(json.dumps({
        "rows": {"real": len(tables.real), "synthetic": len(tables.synthetic), "holdout": len(tables.holdout)},
        "distance_rows_measured": details["synthetic_rows_measured"],
        "dcr_share_margin": round(details["dcr_share_margin"], 4),
        "encoded_width": int(encoded["real"].shape[1]),
        "encoded_mb": round(sum(a.nbytes for a in encoded.values()) / 2**20, 1),
        "seconds": {k: round(v, 1) for k, v in timings.items()},
        "peak_rss_mb": round(peak_mb(), 1),
        "rss_after_reading_mb": round(after_read, 1),
        "scores": {k: round(v, 4) for k, v in (scores | attack).items() if k in HEADLINE},
    }))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.evaluation")
    parser.add_argument("part", choices=["speed", "sanity", "scale", "scale-worker"])
    parser.add_argument("paths", nargs="*", help="(scale-worker) real, synthetic, holdout files")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3, help="(speed) evaluations; best counts")
    parser.add_argument(
        "--rows", type=int, default=1_000_000, help="(scale) real and synthetic rows"
    )
    parser.add_argument("--holdout-rows", type=int, default=100_000, help="(scale)")
    parser.add_argument("--query-rows", type=int, default=None, help="(scale) see above")
    args = parser.parse_args()
    if args.part == "scale-worker":
        scale_worker(*args.paths, query_rows=args.query_rows)
        return
    environment = describe()
    result = {"speed": speed, "sanity": sanity, "scale": scale}[args.part](args)
    record = with_environment(
        environment,
        what=f"eval-{args.part}",
        dataset="adult",
        seed=args.seed,
        command=" ".join(["python -m benchmarks.evaluation", *sys.argv[1:]]),
        details=result,
    )
    stamp = record.date[:19].replace(":", "").replace("-", "")
    path = RESULTS / f"eval-{args.part}-{stamp}.json"
    save(record, path)
    print(json.dumps(result, indent=2))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
