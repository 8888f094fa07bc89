"""One benchmark run: fit one tool on one dataset, sample it, score it, write one JSON record.

``python -m benchmarks run`` calls this once per (dataset, run) in a fresh process, so a crash or
timeout costs one row of the table, and the process's peak memory is that of the run alone. Run by
hand as ``python -m benchmarks.suite DATASET RUN OUT.json [--epochs E] [--seed S] ...``.

Every synthetic table is scored by synthgan's own evaluator against the same real rows: the
training split as "real", the test split as the holdout (utility, distances, membership attacks).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.datasets import DATASETS, Dataset
from benchmarks.environment import describe
from benchmarks.records import Record, save, with_environment
from benchmarks.sample_worker import peak_mb
from benchmarks.scoring import score

HERE = Path(__file__).resolve().parent
DELTA = 1e-6


@dataclass(frozen=True)
class Run:
    """What a row of the results table is: a tool and its privacy / fairness settings."""

    tool: str  # synthgan | ctgan | tvae | gaussiancopula | mst | aim | dpctgan | patectgan
    epsilon: float | None = None
    fair: bool = False
    dp_target: bool = False  # declare the dataset's target to the DP model (Privacy(target=...))

    @property
    def smartnoise(self) -> bool:
        return self.tool in ("mst", "aim", "dpctgan", "patectgan")


RUNS = {
    "synthgan": Run("synthgan"),
    "synthgan-dp1": Run("synthgan", epsilon=1.0),
    "synthgan-dp3": Run("synthgan", epsilon=3.0),
    "synthgan-dp1-target": Run("synthgan", epsilon=1.0, dp_target=True),
    "synthgan-dp3-target": Run("synthgan", epsilon=3.0, dp_target=True),
    "synthgan-fair": Run("synthgan", fair=True),
    "synthgan-fair-dp3": Run("synthgan", epsilon=3.0, fair=True),
    "ctgan": Run("ctgan"),
    "tvae": Run("tvae"),
    "gaussiancopula": Run("gaussiancopula"),
    "mst-1": Run("mst", epsilon=1.0),
    "mst-3": Run("mst", epsilon=3.0),
    "aim-1": Run("aim", epsilon=1.0),
    "aim-3": Run("aim", epsilon=3.0),
    "dpctgan-1": Run("dpctgan", epsilon=1.0),
    "dpctgan-3": Run("dpctgan", epsilon=3.0),
    "patectgan-1": Run("patectgan", epsilon=1.0),
    "patectgan-3": Run("patectgan", epsilon=3.0),
}


def _tool(run: Run, data: Dataset, args: argparse.Namespace):
    from benchmarks.smartnoise import SmartnoiseTool
    from benchmarks.tools import TOOLS
    from synthgan import Fairness, Privacy

    if run.smartnoise:
        epochs = args.dp_gan_epochs if run.tool in ("dpctgan", "patectgan") else None
        rounds = args.aim_rounds if run.tool == "aim" else None
        return SmartnoiseTool(
            run.tool, run.epsilon, DELTA, args.seed, epochs, rounds=rounds, timeout=args.timeout
        )
    if run.tool != "synthgan":
        return TOOLS[run.tool](args.epochs, args.batch_size, args.seed)
    target = data.target if run.dp_target else None
    privacy = Privacy(epsilon=run.epsilon, delta=DELTA, target=target) if run.epsilon else None
    if run.fair and data.sensitive is None:
        raise SystemExit(f"{data.name} has no sensitive attribute: it has no fair runs.")
    fairness = Fairness(sensitive=data.sensitive, target=data.target) if run.fair else None
    # Under DP, epochs and batch size stay the DP defaults (tuned for DP-SGD, see RESULTS.md).
    epochs, batch = (None, None) if privacy else (args.synthgan_epochs or None, args.batch_size)
    # DP needs every column's kind declared; without DP they are inferred as before.
    overrides = data.kinds if privacy else None
    params = {"fixed_combinations": [list(g) for g in data.combinations] or None}
    return TOOLS["synthgan"](
        epochs,
        batch,
        args.seed,
        privacy=privacy,
        fairness=fairness,
        overrides=overrides,
        **params | json.loads(args.synthgan_params),
    )


def _sample_timed(tool: str, model: Path, n: int) -> dict:
    """Sampling ``n`` rows from the saved model in a fresh process: seconds and peak memory."""
    command = [sys.executable, "-m", "benchmarks.sample_worker", tool, str(model), str(n)]
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=HERE.parent)
    return json.loads(done.stdout.strip().splitlines()[-1]) | {"rows": n}


def run_one(dataset: str, name: str, args: argparse.Namespace) -> Record:
    data = DATASETS[dataset]()
    run = RUNS[name]
    tool = _tool(run, data, args)
    print(f"[{dataset}/{name}] fitting", flush=True)
    fit = tool.fit(data.train)
    fit["peak_rss_mb"] = peak_mb()  # the data, the imports and the fit (smartnoise: its worker's)
    details = fit.pop("smartnoise", None)
    if details is not None:
        fit["epsilon_spent"] = details.get("epsilon_spent")
        fit["epsilon_lower_bound"] = details.get("epsilon_lower_bound")
        fit["epochs"] = details.get("epochs_run", details.get("epochs"))
    settings = {
        "epochs": args.epochs,
        "synthgan_epochs": args.synthgan_epochs or "auto",
        "synthgan_params": json.loads(args.synthgan_params),
        "batch_size": args.batch_size,
        "seed": args.seed,
        "dp_gan_epochs": args.dp_gan_epochs,
        "aim_rounds": args.aim_rounds,
        "train_rows": len(data.train),
        "test_rows": len(data.test),
        "score_rows": data.score_rows,
        "run": name,
        "epsilon": run.epsilon,
        "delta": DELTA if run.epsilon else None,
        "fair": run.fair,
        "fixed_combinations": [list(g) for g in data.combinations]
        if run.tool == "synthgan"
        else None,
    }
    timings = {"fit": {k: (round(v, 4) if isinstance(v, float) else v) for k, v in fit.items()}}
    fake = tool.sample(len(data.train))
    print(f"[{dataset}/{name}] scoring", flush=True)
    started = time.perf_counter()
    scores = score(data, fake, args.seed)
    timings["score_seconds"] = round(time.perf_counter() - started, 1)
    if not run.smartnoise and args.sample_rows:  # smartnoise keeps no model to sample from later
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "model"
            tool.save(path)
            timings["sample"] = _sample_timed(run.tool, path, args.sample_rows)
    return with_environment(
        describe(),
        what="suite",
        dataset=dataset,
        tool=run.tool,
        seed=args.seed,
        settings=settings,
        scores=scores,
        timings=timings,
    )


def add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--epochs", type=int, default=300, help="epochs of CTGAN and TVAE")
    parser.add_argument(
        "--synthgan-epochs",
        type=int,
        default=0,
        help="synthgan's non-DP epochs; 0: its automatic length (step budget and validation)",
    )
    parser.add_argument(
        "--synthgan-params",
        default="{}",
        help="more Synthesizer parameters as JSON, for measuring a change: '{\"ema\": 0.999}'",
    )
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--dp-gan-epochs",
        type=int,
        default=3,
        help="smartnoise DPCTGAN/PATECTGAN epochs (their default 300 takes hours on 2 cores)",
    )
    parser.add_argument(
        "--aim-rounds",
        type=int,
        default=20,
        help="AIM rounds (its own default, 16 x columns, did not finish Adult in 10 min)",
    )
    parser.add_argument("--sample-rows", type=int, default=1_000_000, help="0: skip")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per run")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.suite")
    parser.add_argument("dataset", choices=sorted(DATASETS))
    parser.add_argument("run", choices=list(RUNS))
    parser.add_argument("out", type=Path)
    add_options(parser)
    args = parser.parse_args()
    record = run_one(args.dataset, args.run, args)
    save(record, args.out)
    print(json.dumps({"run": args.run, "fit": record.timings["fit"], "scores": record.scores}))


if __name__ == "__main__":
    main()
