"""The demo job: fit a real table, sample it, score the sample, write everything to one folder."""

from __future__ import annotations

import json
import time
from pathlib import Path

from synthgan.datasets import DEMO_DATASET, load_demo
from synthgan.evaluate.quality import quality_report
from synthgan.io import atomic_path, read_table
from synthgan.synthesizer import Synthesizer

__all__ = ["run_demo"]


def run_demo(
    *, data: Path | None, out_dir: Path, epochs: int, rows: int | None, seed: int, verbose: bool
) -> str:
    """Run fit -> sample -> quality score and return a short text summary."""
    real = load_demo() if data is None else read_table(data)
    source = DEMO_DATASET if data is None else str(data)
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    model = Synthesizer(epochs=epochs, seed=seed, verbose=verbose).fit(real)
    model_path = model.save(out_dir / "model.sgm")
    fit_seconds = time.perf_counter() - started
    n = rows or len(real)
    sample_path = out_dir / "synthetic.csv"
    started = time.perf_counter()
    model.sample_to(sample_path, n)
    sample_seconds = time.perf_counter() - started
    fake = read_table(sample_path)
    quality = quality_report(real, fake)
    summary = {
        "data": source,
        "real_rows": len(real),
        "synthetic_rows": n,
        "epochs": epochs,
        "seed": seed,
        "fit_seconds": round(fit_seconds, 1),
        "sample_seconds": round(sample_seconds, 1),
        "quality": quality,
        "files": {"model": str(model_path), "synthetic": str(sample_path)},
    }
    with atomic_path(out_dir / "summary.json") as tmp:
        tmp.write_text(json.dumps(summary, indent=2))
    shapes = "\n".join(f"    {k:<24} {v:.3f}" for k, v in quality["column_shapes"].items())
    properties = ", ".join(f"{k} {v:.3f}" for k, v in quality["properties"].items())
    return (
        f"Data: {source}\n"
        f"Fitted {len(real):,} rows in {fit_seconds:.0f}s ({epochs} epochs); sampled {n:,} rows "
        f"in {sample_seconds:.1f}s.\n"
        f"SDMetrics quality score: {quality['score']:.3f} ({properties})\n"
        f"  per-column shape similarity (1 = identical):\n{shapes}\n"
        f"Files in {out_dir}/: model.sgm (synthgan info {model_path}), synthetic.csv, summary.json"
    )
