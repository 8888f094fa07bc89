"""The demo job: fit a real table, sample it, evaluate the sample, write everything to one folder.

A fifth of the real rows is held out before fitting, so the evaluation can score utility and
privacy risk against rows the model never saw.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from synthgan.datasets import DEMO_DATASET, DEMO_SENSITIVE, DEMO_TARGET, load_demo
from synthgan.errors import DataError
from synthgan.evaluate import evaluate
from synthgan.io import atomic_path, read_table
from synthgan.synthesizer import Synthesizer

__all__ = ["run_demo"]

HOLDOUT_SHARE = 0.2


def run_demo(
    *,
    data: Path | None,
    out_dir: Path,
    epochs: int,
    rows: int | None,
    seed: int,
    verbose: bool,
    target: str | None = None,
    sensitive: str | None = None,
    ignore: Sequence[str] = (),
) -> str:
    """Run fit -> sample -> evaluate -> report and return a short text summary.

    ``ignore`` names columns (IDs, free text) the model leaves out and the evaluation skips.
    """
    if data is None:
        real, source = load_demo(), DEMO_DATASET
        target, sensitive = target or DEMO_TARGET, sensitive or DEMO_SENSITIVE
    else:
        real, source = read_table(data), str(data)
    _check_columns(real, source, target=target, sensitive=sensitive, ignore=ignore)
    out_dir.mkdir(parents=True, exist_ok=True)
    shuffled = np.random.default_rng(seed).permutation(len(real))
    cut = int(len(real) * (1 - HOLDOUT_SHARE))
    train = real.iloc[np.sort(shuffled[:cut])].reset_index(drop=True)
    holdout = real.iloc[np.sort(shuffled[cut:])].reset_index(drop=True)

    started = time.perf_counter()
    overrides = dict.fromkeys(ignore, "ignored")
    model = Synthesizer(epochs=epochs, seed=seed, verbose=verbose, overrides=overrides)
    model.fit(train)
    model_path = model.save(out_dir / "model.sgm")
    fit_seconds = time.perf_counter() - started
    n = rows or len(train)
    sample_path = out_dir / "synthetic.csv"
    started = time.perf_counter()
    model.sample_to(sample_path, n)
    sample_seconds = time.perf_counter() - started

    report = evaluate(
        train,
        read_table(sample_path),
        holdout,
        target=target,
        sensitive=sensitive,
        model=model,
        seed=seed,
        verbose=verbose,
    )
    report.to_json(out_dir / "report.json")
    report.to_html(out_dir / "report.html")
    summary = {
        "data": source,
        "train_rows": len(train),
        "holdout_rows": len(holdout),
        "synthetic_rows": n,
        "epochs": epochs,
        "seed": seed,
        "fit_seconds": round(fit_seconds, 1),
        "sample_seconds": round(sample_seconds, 1),
        "scores": report.scores,
        "files": {
            name: str(out_dir / name)
            for name in ("model.sgm", "synthetic.csv", "report.html", "report.json")
        },
    }
    with atomic_path(out_dir / "summary.json") as tmp:
        tmp.write_text(json.dumps(summary, indent=2))
    return (
        f"Data: {source}\n"
        f"Fitted {len(train):,} rows ({len(holdout):,} held out) in {fit_seconds:.0f}s "
        f"({epochs} epochs); sampled {n:,} rows in {sample_seconds:.1f}s.\n\n"
        f"{report.summary()}\n\n"
        f"Files in {out_dir}/: model.sgm (synthgan info {model_path}), synthetic.csv, "
        "report.html (open it in a browser), report.json, summary.json"
    )


def _check_columns(real: pd.DataFrame, source: str, **roles: str | Sequence[str] | None) -> None:
    """Name a misspelt column before minutes of fitting, not after."""
    for role, names in roles.items():
        for name in [names] if isinstance(names, str) else names or ():
            if name not in real.columns:
                raise DataError(
                    f"--{role} {name!r} is not a column of {source}; its columns: "
                    f"{', '.join(map(str, real.columns[:20]))}."
                )
    if roles["ignore"] and {roles["target"], roles["sensitive"]} & set(roles["ignore"]):
        raise DataError("A column cannot be both ignored and the --target or --sensitive one.")
