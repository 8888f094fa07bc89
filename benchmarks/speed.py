"""``python -m benchmarks.speed --repeats 3 --epochs 3``: Adult's time per epoch, synthgan against
CTGAN in one run.

Each repeat fits CTGAN, synthgan at its default precision and synthgan in float32, one after
another in this process, for ``--epochs`` epochs each at CTGAN's network sizes and batch (which
are synthgan's defaults), so the machine's drift over a run touches all three alike; the ratio
of each repeat is taken within it. synthgan runs without validation (it would be timed inside
its epochs) and without the density ratio (fitted after training). CTGAN's epoch is its fit less
its preprocessing, over its epochs; synthgan's, the mean of its epochs' own timings. Each repeat
appends one ``epoch-speed`` record per tool to ``benchmarks/results/speed.jsonl``.
"""

from __future__ import annotations

import argparse
import sys

from benchmarks.datasets import Dataset, adult
from benchmarks.environment import describe
from benchmarks.records import append, with_environment
from benchmarks.report import RESULTS
from benchmarks.tools import CtganTool, SynthganTool

OUT = RESULTS / "speed.jsonl"
BATCH = 500
#: What each repeat fits: a name and the synthgan parameters (None: CTGAN).
VARIANTS = {"ctgan": None, "synthgan": {}, "synthgan-float32": {"precision": "float32"}}


def fit_once(name: str, data: Dataset, epochs: int, seed: int) -> dict:
    params = VARIANTS[name]
    if params is None:
        tool = CtganTool(epochs, BATCH, seed)
    else:
        tool = SynthganTool(
            epochs, BATCH, seed, validation=0, density_ratio=False,
            fixed_combinations=data.combinations, **params,
        )  # fmt: skip
    figures = tool.fit(data.train)
    if params is not None:
        figures["precision"] = tool.model.fit_info_["settings"]["precision"]
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    command = " ".join(["python -m benchmarks.speed", *sys.argv[1:]])
    run = describe()["date"]  # the records of this run share it
    data = adult()
    for repeat in range(args.repeats):
        for name in VARIANTS:
            figures = fit_once(name, data, args.epochs, args.seed) | {"repeat": repeat}
            print(name, figures, flush=True)
            record = with_environment(
                describe(), what="epoch-speed", dataset="adult", tool=name, seed=args.seed,
                settings={"epochs": args.epochs, "batch_size": BATCH, "run": run}, timings=figures,
                command=command,
            )  # fmt: skip
            append(record, OUT)


if __name__ == "__main__":
    main()
