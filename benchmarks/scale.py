"""``python -m benchmarks.scale --rows 1000000 5000000``: peak memory of a default fit on a
large table; ``python -m benchmarks.scale --processes 1 2``: time per step of Adult's default fit
in one and in two data-parallel processes (``Synthesizer(distributed=N)``).

ACS's training split resampled with replacement (seeded) to each row count, its text columns as
pandas categoricals (how a table of millions of rows should be held: 5M rows take about 1 GB so,
11 GB as Python strings), then fitted at the default settings except a short step budget: memory
does not grow with the steps, and the full ACS fit's time is the suite's figure. Each size runs
in a fresh process, one after another; each writes one ``fit-scale`` record to
``benchmarks/results/scale.jsonl``. The process runs alternate (1, 2, 1, 2, ...) for ``--rounds``
rounds, each a ``fit-processes`` record there.
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


def time_processes(processes: int, steps: int) -> dict:
    """One Adult fit of ``steps`` steps in ``processes`` processes: its time per step."""
    from benchmarks.datasets import adult
    from synthgan import Synthesizer

    data = adult()
    started = time.perf_counter()
    model = Synthesizer(
        seed=0, max_steps=steps, validation=0, density_ratio=False, verbose=False,
        fixed_combinations=data.combinations, distributed=processes if processes > 1 else None,
    ).fit(data.train)  # fmt: skip
    epochs = [h for h in model.history_ if "seconds" in h]
    per_epoch = sum(h["seconds"] for h in epochs) / len(epochs)
    steps_done = model.fit_info_["training"]["steps"]
    return {
        "processes": processes,
        "steps": steps_done,
        "seconds_per_step": sum(h["seconds"] for h in epochs) / steps_done,
        "seconds_per_epoch": per_epoch,
        "fit_seconds": model.fit_info_["fit_seconds"],  # rank 0's own fit
        "wall_seconds": time.perf_counter() - started,  # processes started and joined included
        "final_losses": {k: model.history_[-1][k] for k in ("loss_d", "loss_g")},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 5_000_000])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--processes", type=int, nargs="+", help="time steps instead")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # the worker's row count
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.steps)))
        return
    command = " ".join(["python -m benchmarks.scale", *sys.argv[1:]])
    if args.processes:
        for _ in range(args.rounds):
            for processes in args.processes:
                figures = time_processes(processes, args.steps)
                print(figures, flush=True)
                record = with_environment(
                    describe(), what="fit-processes", dataset="adult", tool="synthgan",
                    seed=0, settings={"max_steps": args.steps}, timings=figures,
                    command=command,
                )  # fmt: skip
                append(record, OUT)
        return
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
