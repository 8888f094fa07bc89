"""How long the command line takes to answer before any work: ``synthgan --help``,
``--version``, a command's ``--help`` and a bare ``import synthgan``, each in a fresh process
(the median of several runs), beside the same process importing torch alone (what an eager
package would pay). ``python -m benchmarks.startup [--repeats 7]``"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.environment import describe
from benchmarks.records import append, with_environment

RESULTS = Path(__file__).resolve().parent / "results" / "startup.jsonl"
PYTHON = sys.executable
CASES = {
    "synthgan --help": [PYTHON, "-m", "synthgan.cli", "--help"],
    "synthgan --version": [PYTHON, "-m", "synthgan.cli", "--version"],
    "synthgan fit --help": [PYTHON, "-m", "synthgan.cli", "fit", "--help"],
    "import synthgan": [PYTHON, "-c", "import synthgan"],
    "import torch (reference)": [PYTHON, "-c", "import torch"],
    "python itself (reference)": [PYTHON, "-c", "pass"],
}


def seconds(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    environment = describe()
    command = " ".join(["python -m benchmarks.startup", *sys.argv[1:]])
    for case, argv in CASES.items():
        runs = [seconds(argv) for _ in range(args.repeats)]
        median = statistics.median(runs)
        print(f"{case}: median {median:.3f}s over {args.repeats} runs")
        append(
            with_environment(
                environment,
                what="startup",
                dataset="-",
                tool="synthgan",
                settings={"case": case, "run": environment["date"]},
                timings={"median_seconds": median, "runs": runs},
                command=command,
            ),
            RESULTS,
        )


if __name__ == "__main__":
    main()
