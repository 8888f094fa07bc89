"""``python -m benchmarks.gpu``: the CUDA path against the CPU in the same run, on a machine with
a GPU (``benchmarks/gpu_check.sh`` prepares one and runs this with the CUDA tests).

Adult's time per step at the default settings (no validation, no density ratio, a fixed step
budget) on the CPU and on CUDA (at the default precision, then in float32), then (``--acs``)
ACS's default fit on CUDA: its time, steps, precision and best validation fidelity, to set
beside the 2-core CPU figures in RESULTS.md. Each measurement is one ``gpu`` record in
``--out`` (default benchmarks/results/gpu.jsonl).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from benchmarks.environment import describe
from benchmarks.records import append, with_environment
from benchmarks.report import RESULTS


def adult_steps(device: str, steps: int, precision: str = "auto") -> dict:
    """Adult's seconds per step on ``device`` over ``steps`` steps (one warm-up fit first)."""
    from benchmarks.datasets import adult
    from synthgan import Synthesizer

    data = adult()

    def fit(n: int) -> Synthesizer:
        return Synthesizer(
            seed=0, max_steps=n, validation=0, density_ratio=False, verbose=False,
            device=device, fixed_combinations=data.combinations, precision=precision,
        ).fit(data.train)  # fmt: skip

    fit(50)  # CUDA's context, kernels and caches
    model = fit(steps)
    seconds = sum(h["seconds"] for h in model.history_ if "seconds" in h)
    done = model.fit_info_["training"]["steps"]
    return {
        "part": "adult-steps",
        "device": device,
        "precision": model.fit_info_["settings"]["precision"],
        "steps": done,
        "seconds_per_step": seconds / done,
    }


def acs_fit(device: str) -> dict:
    """ACS's default fit on ``device``: time, steps, why it stopped, best validation fidelity."""
    from benchmarks.datasets import acs
    from synthgan import Synthesizer

    data = acs()
    started = time.perf_counter()
    model = Synthesizer(seed=0, verbose=False, device=device).fit(data.train)
    training = model.fit_info_["training"]
    return {
        "part": "acs-fit",
        "device": device,
        "precision": model.fit_info_["settings"]["precision"],
        "fit_seconds": time.perf_counter() - started,
        "steps": training["steps"],
        "stopped_by": training["stopped_by"],
        "best_fidelity": training["validation"]["best"]["fidelity"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--acs", action="store_true", help="also ACS's default fit on CUDA")
    parser.add_argument("--out", type=Path, default=RESULTS / "gpu.jsonl")
    args = parser.parse_args()
    devices = ["cpu", "cuda"] if torch.cuda.is_available() else ["cpu"]
    figures = [adult_steps(device, args.steps) for device in devices]
    if "cuda" in devices:  # auto is bfloat16 on recent GPUs: float32 beside it
        figures.append(adult_steps("cuda", args.steps, "float32"))
    if args.acs and "cuda" in devices:
        figures.append(acs_fit("cuda"))
    environment = describe()
    if torch.cuda.is_available():
        environment["machine"]["gpu"] = torch.cuda.get_device_name()
    command = "python -m benchmarks.gpu" + (" --acs" if args.acs else "")
    for f in figures:
        print(f, flush=True)
        record = with_environment(
            environment, what="gpu", dataset=f["part"].split("-")[0], tool="synthgan", seed=0,
            settings={"steps": args.steps}, timings=f, command=command,
        )  # fmt: skip
        append(record, args.out)


if __name__ == "__main__":
    main()
