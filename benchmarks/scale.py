"""``python -m benchmarks.scale --rows 1000000 5000000``: peak memory of a default fit on a
large table.

ACS's training split resampled with replacement (seeded) to each row count, its text columns as
pandas categoricals (how a table of millions of rows should be held: 5M rows take about 1 GB so,
11 GB as Python strings), then fitted at the default settings except a short step budget: memory
does not grow with the steps, and the full ACS fit's time is the suite's figure. Each size runs
in a fresh process, one after another; each writes one ``fit-scale`` record to
``benchmarks/results/scale.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

import numpy as np

from benchmarks.environment import describe
from benchmarks.records import append, with_environment
from benchmarks.report import RESULTS
from benchmarks.sample_worker import peak_mb

OUT = RESULTS / "scale.jsonl"


def _table(rows: int):
    from benchmarks.datasets import acs

    train = acs().train
    for name in train.columns:
        if train[name].dtype == object:
            train[name] = train[name].astype("category")
    pick = np.random.default_rng(0).integers(len(train), size=rows)
    return train.iloc[pick].reset_index(drop=True)


def measure(rows: int, steps: int) -> dict:
    """One fit in this process: its figures."""
    from synthgan import Synthesizer

    df = _table(rows)
    read_mb = peak_mb()
    started = time.perf_counter()
    model = Synthesizer(seed=0, max_steps=steps, verbose=False).fit(df)
    info = model.fit_info_
    return {
        "rows": rows,
        "columns": df.shape[1],
        "table_mb": df.memory_usage(deep=True).sum() / 2**20,
        "encoded_dim": info["encoded_dim"],
        "steps": info["training"]["steps"],
        "peak_rss_after_reading_mb": read_mb,
        "peak_rss_mb": peak_mb(),
        "fit_seconds": time.perf_counter() - started,
        "preprocess_seconds": info["preprocess_seconds"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 5_000_000])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # the worker's row count
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.steps)))
        return
    command = " ".join(["python -m benchmarks.scale", *sys.argv[1:]])
    for rows in args.rows:
        cmd = [sys.executable, "-m", "benchmarks.scale", "--one", str(rows)]
        done = subprocess.run(
            [*cmd, "--steps", str(args.steps)], capture_output=True, text=True, check=True
        )
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        print(figures, flush=True)
        record = with_environment(
            describe(), what="fit-scale", dataset="acs-resampled", tool="synthgan",
            seed=0, settings={"max_steps": args.steps}, timings=figures, command=command,
        )  # fmt: skip
        append(record, OUT)


if __name__ == "__main__":
    main()
