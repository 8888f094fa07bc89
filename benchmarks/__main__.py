"""``python -m benchmarks run --suite adult`` | ``python -m benchmarks report``.

Fits synthgan and the reference tools on the same data with the same settings in one run, so the
speed figures are ratios taken under the same machine load, then scores every synthetic table the
same way and rewrites benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
DATA = HERE.parent.parent / "shared" / "data"


def _adult():
    from synthgan.io import read_table

    return (
        read_table(DATA / "adult" / "train.csv"),
        read_table(DATA / "adult" / "test.csv"),
        "income",
        ">50K",
    )


SUITES = {"adult": _adult}


def _sample_subprocess(tool: str, model: Path, n: int, out: Path | None = None) -> dict:
    command = [sys.executable, "-m", "benchmarks.sample_worker", tool, str(model), str(n)]
    if out is not None:
        command.append(str(out))
    result = subprocess.run(command, capture_output=True, text=True, check=True, cwd=HERE.parent)
    return json.loads(result.stdout.strip().splitlines()[-1])


def run(args: argparse.Namespace) -> Path:
    from benchmarks.environment import describe
    from benchmarks.scoring import score, tstr_auc
    from benchmarks.tools import TOOLS

    train, test, target, positive = SUITES[args.suite]()
    record = {
        "suite": args.suite,
        **describe(),
        "command": " ".join(["python -m benchmarks", *sys.argv[1:]]),
        "settings": {
            "epochs": args.epochs,
            "batch_size": args.batch_size,
            "seed": args.seed,
            "train_rows": len(train),
            "test_rows": len(test),
        },
        "real": {"tstr_auc": round(tstr_auc(train, test, target, positive), 4)},
        "tools": {},
    }
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.tools:
            print(f"[{name}] fitting {args.epochs} epochs", flush=True)
            tool = TOOLS[name](args.epochs, args.batch_size, args.seed)
            result = {"fit": tool.fit(train)}
            print(f"[{name}] {result['fit']}", flush=True)
            fake = tool.sample(len(train))
            result["scores"] = score(train, test, fake, target, positive)
            print(f"[{name}] {result['scores']}", flush=True)
            model_path = Path(tmp) / f"{name}.model"
            tool.save(model_path)
            del tool, fake
            gc.collect()
            # The fastest of --repeat fresh processes: the least disturbed by the machine's noise.
            runs = [
                _sample_subprocess(name, model_path, args.sample_rows) for _ in range(args.repeat)
            ]
            result["sample"] = min(runs, key=lambda r: r["seconds"])
            result["sample"].update(rows=args.sample_rows, repeats=args.repeat)
            print(f"[{name}] sample {result['sample']}", flush=True)
            if name == "synthgan" and args.stream_rows:
                out = Path(tmp) / "stream.parquet"
                result["stream"] = _sample_subprocess(name, model_path, args.stream_rows, out)
                result["stream"].update(
                    rows=args.stream_rows, file_mb=round(out.stat().st_size / 1024**2, 1)
                )
                print(f"[{name}] stream {result['stream']}", flush=True)
            record["tools"][name] = result
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{args.suite}-{record['date'][:19].replace(':', '')}.json"
    path.write_text(json.dumps(record, indent=2))
    print(f"wrote {path}")
    from benchmarks.report import write_results

    write_results()
    return path


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="run a suite and rewrite RESULTS.md")
    r.add_argument("--suite", choices=sorted(SUITES), default="adult")
    r.add_argument("--tools", nargs="+", default=["ctgan", "synthgan"])
    r.add_argument("--epochs", type=int, default=300)
    r.add_argument("--batch-size", type=int, default=500)
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--sample-rows", type=int, default=1_000_000)
    r.add_argument(
        "--stream-rows", type=int, default=0, help="also stream this many rows to Parquet"
    )
    r.add_argument(
        "--repeat", type=int, default=1, help="time sampling this many times, keep the fastest"
    )
    sub.add_parser("report", help="rewrite RESULTS.md from benchmarks/results/*.json")
    args = parser.parse_args()
    if args.command == "run":
        run(args)
    else:
        from benchmarks.report import write_results

        write_results()


if __name__ == "__main__":
    main()
