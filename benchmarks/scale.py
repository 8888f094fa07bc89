"""``python -m benchmarks.scale --rows 1000000 5000000``: peak memory of a default fit on a
large table; ``python -m benchmarks.scale --processes 1 2``: time per step of Adult's default fit
in one and in two data-parallel processes (``Synthesizer(distributed=N)``); with ``--private
EPSILON``, DP fits of Adult at the DP defaults instead (ε spent, steps, loss curves);
``python -m benchmarks.scale --sample 10000000 --steps 2000``: an Adult model streams that many
rows to Parquet (``sample_to``) in a fresh process (time, peak memory, file size).

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
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

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


def private_processes(processes: int, epsilon: float) -> dict:
    """One DP Adult fit at ``epsilon`` (the DP defaults) in ``processes`` processes: what it
    spent, its steps and its generator's loss curve, to compare with one process."""
    from benchmarks.datasets import adult
    from benchmarks.suite import DELTA
    from synthgan import Privacy, Synthesizer

    data = adult()
    started = time.perf_counter()
    model = Synthesizer(
        seed=0, privacy=Privacy(epsilon=epsilon, delta=DELTA), overrides=data.kinds,
        fixed_combinations=data.combinations, verbose=False,
        distributed=processes if processes > 1 else None,
    ).fit(data.train)  # fmt: skip
    ledger = model.ledger_
    return {
        "processes": processes,
        "epsilon": epsilon,
        "epsilon_spent": ledger.epsilon_spent,
        "steps": ledger.training["steps"],
        "noise_multiplier": ledger.training["noise_multiplier"],
        "sample_rate": ledger.training["sample_rate"],
        "wall_seconds": time.perf_counter() - started,
        "loss_g": [h["loss_g"] for h in model.history_],
        "loss_cond": [h["loss_cond"] for h in model.history_],
    }


def stream_sample(rows: int, steps: int) -> dict:
    """Fit Adult for ``steps`` steps (default settings otherwise), then stream ``rows`` rows to
    Parquet with ``sample_to`` in a fresh process: its time, peak memory and file size."""
    from benchmarks.datasets import adult
    from synthgan import Synthesizer

    data = adult()
    model = Synthesizer(
        seed=0, max_steps=steps, verbose=False, fixed_combinations=data.combinations
    ).fit(data.train)
    with tempfile.TemporaryDirectory() as folder:
        path, out = Path(folder) / "adult.sgm", Path(folder) / "sample.parquet"
        model.save(path)
        cmd = [sys.executable, "-m", "benchmarks.sample_worker", "synthgan", str(path)]
        done = subprocess.run(
            [*cmd, str(rows), str(out)], capture_output=True, text=True, check=True
        )
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        written = pq.ParquetFile(out).metadata.num_rows
        return figures | {
            "rows": rows,
            "rows_written": written,
            "file_mb": out.stat().st_size / 2**20,
            "steps": steps,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 5_000_000])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--processes", type=int, nargs="+", help="time steps instead")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--sample", type=int, metavar="ROWS", help="stream a sample instead")
    parser.add_argument(
        "--private", type=float, metavar="EPSILON", help="(with --processes) DP fits instead"
    )
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # the worker's row count
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.steps)))
        return
    command = " ".join(["python -m benchmarks.scale", *sys.argv[1:]])
    if args.sample:
        figures = stream_sample(args.sample, args.steps)
        print(figures, flush=True)
        record = with_environment(
            describe(), what="sample-stream", dataset="adult", tool="synthgan", seed=0,
            settings={"max_steps": args.steps}, timings=figures, command=command,
        )  # fmt: skip
        append(record, OUT)
        return
    if args.processes:
        for _ in range(args.rounds):
            for processes in args.processes:
                if args.private:
                    figures = private_processes(processes, args.private)
                    what, settings = "fit-processes-dp", {"epsilon": args.private}
                else:
                    figures = time_processes(processes, args.steps)
                    what, settings = "fit-processes", {"max_steps": args.steps}
                print(figures, flush=True)
                record = with_environment(
                    describe(), what=what, dataset="adult", tool="synthgan", seed=0,
                    settings=settings, timings=figures, command=command,
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
