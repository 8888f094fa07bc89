"""``python -m benchmarks run --suite adult|compas|acs|all`` | ``python -m benchmarks report``.

Fits synthgan (non-DP; DP at ε = 1 and 3; fair; fair + DP) and the reference tools (ctgan's CTGAN
and TVAE, SDV's GaussianCopula, smartnoise's MST, AIM, DPCTGAN and PATECTGAN) on the same data with
the same seed, scores every synthetic table the same way, writes one JSON record per run to
benchmarks/results/suite/ (a benchmarks.records.Record) and rewrites benchmarks/RESULTS.md with its tables and plots. Runs go one
after another, each in a fresh process, so the speed ratios are taken under the same machine load.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

from benchmarks.datasets import DATASETS
from benchmarks.environment import describe
from benchmarks.records import read, save, with_environment
from benchmarks.suite import RUNS, add_options

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
SUITE_RESULTS = RESULTS / "suite"
ROOT = HERE.parent

# The large table gets the tools that finish on it in reasonable time on a laptop-class machine:
# the marginal-based DP tools cannot build their domains over its ~500-category columns quickly.
DEFAULT_RUNS = {
    "adult": list(RUNS),
    "compas": list(RUNS),
    "acs": ["synthgan", "ctgan", "tvae", "gaussiancopula", "synthgan-dp1"],
    "kdd": ["synthgan", "ctgan", "tvae"],  # no sensitive attribute: no fair runs
}


def _forwarded(args: argparse.Namespace) -> list[str]:
    out = ["--epochs", str(args.epochs), "--batch-size", str(args.batch_size)]
    out += ["--synthgan-epochs", str(args.synthgan_epochs)]
    out += ["--synthgan-params", args.synthgan_params]
    out += ["--seed", str(args.seed), "--dp-gan-epochs", str(args.dp_gan_epochs)]
    out += ["--sample-rows", str(args.sample_rows), "--timeout", str(args.timeout)]
    out += ["--aim-rounds", str(args.aim_rounds)]
    return out


def _run_one(dataset: str, name: str, args: argparse.Namespace, stamp: str, command: str) -> Path:
    SUITE_RESULTS.mkdir(parents=True, exist_ok=True)
    out = SUITE_RESULTS / f"{dataset}-{name}-{stamp}.json"
    cmd = [sys.executable, "-m", "benchmarks.suite", dataset, name, str(out), *_forwarded(args)]
    started = time.perf_counter()
    try:
        done = subprocess.run(
            cmd, cwd=ROOT, capture_output=True, text=True, timeout=args.timeout + 600, check=False
        )
        error = None if done.returncode == 0 else done.stderr.strip().splitlines()[-12:]
    except subprocess.TimeoutExpired:
        error = [f"timed out after {args.timeout + 600:.0f} s"]
    if error is not None or not out.exists():
        record = with_environment(
            describe(),
            what="suite",
            dataset=dataset,
            settings={"run": name},
            details={"error": error or ["no record"]},
        )
    else:
        (record,) = read(out)
    wall = round(time.perf_counter() - started, 1)
    record = replace(
        record,
        command=command,
        timings=record.timings | {"wall_seconds": wall},
        details=record.details | {"invocation": stamp},
    )
    save(record, out)
    summary = record.details.get("error") or {"tstr_auc": record.scores.get("tstr_auc")}
    print(f"[{dataset}/{name}] {wall:.0f} s {summary}", flush=True)
    return out


def run(args: argparse.Namespace) -> None:
    from benchmarks.report import write_results

    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    command = " ".join(["python -m benchmarks", *sys.argv[1:]])
    datasets = list(DATASETS) if args.suite == "all" else [args.suite]
    for dataset in datasets:
        for name in args.runs or DEFAULT_RUNS[dataset]:
            _run_one(dataset, name, args, stamp, command)
            write_results()  # the page is current after every run, should the suite be stopped


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="run a suite and rewrite RESULTS.md")
    r.add_argument("--suite", choices=[*DATASETS, "all"], default="adult")
    r.add_argument("--runs", nargs="+", choices=list(RUNS), help="default: every run")
    add_options(r)
    sub.add_parser("report", help="rewrite RESULTS.md from benchmarks/results/")
    args = parser.parse_args()
    if args.command == "run":
        run(args)
    else:
        from benchmarks.report import write_results

        write_results()


if __name__ == "__main__":
    main()
