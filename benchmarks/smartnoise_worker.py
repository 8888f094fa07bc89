"""Fit one smartnoise-synth synthesizer (MST, AIM, DPCTGAN or PATECTGAN) on a CSV; write a synthetic CSV.

Runs in its own virtual environment (``make bench-smartnoise`` builds ``.venv-smartnoise``):
smartnoise-synth 1.0.8 pins ``opacus<0.15``, which conflicts with the Opacus synthgan uses, so this
script never imports synthgan or anything from this repository. Run as::

    .venv-smartnoise/bin/python benchmarks/smartnoise_worker.py --synth mst|aim|dpctgan|patectgan \\
        --epsilon E --delta D --train train.csv --out fake.csv [--rows N] [--epochs K] [--seed S]
        [--rounds R]

stdout gets exactly one line, the JSON summary, last; smartnoise's own prints (preprocessing
budget, DPCTGAN's per-epoch losses) are sent to stderr.

Column handling, following smartnoise's documented API
(``Synthesizer.create(name, epsilon=, delta=)`` then ``fit(df, preprocessor_eps=,
categorical_columns=, continuous_columns=)``):

* Non-numeric columns (and any named with ``--categorical``) are categorical: smartnoise's ``LabelTransformer`` (MST) or label + one-hot
  (DPCTGAN). As in smartnoise, the category *set* is taken from the data as is (not privatised).
* Numeric columns are continuous. Their bounds are NOT declared by hand: smartnoise's own
  transformer infers them with a DP histogram (``snsql``'s ``approx_bounds``, Laplace noise on a
  log2-bucket histogram), paid from ``preprocessor_eps``. By default that is
  ``PREPROCESSOR_SHARE`` = 10% of the total epsilon (``--preprocessor-share``), split evenly
  across the continuous columns by smartnoise; smartnoise subtracts what it spends from the
  synthesizer's epsilon, so the total stays ``--epsilon``. MST then gets smartnoise's
  ``BinTransformer`` (10 equal-width bins between the DP bounds, smartnoise's default; ``--bins``
  changes it), DPCTGAN its ``MinMaxTransformer``. Outputs are bin midpoints (MST) or values in the
  DP bounds (DPCTGAN); integer input columns are rounded back to integers.
* Missing values. smartnoise does support nulls, but only through the single ``nullable=True``
  hint, which adds a null-indicator output to *every* column (a constant extra attribute for MST
  to spend budget on), and its ``LabelTransformer(nullable=False)`` raises ``KeyError`` on a null.
  So: empty fields in a categorical column become the sentinel category ``MISSING`` (a category
  like any other, mapped back to an empty field on output); a numeric column that has nulls gets
  smartnoise's nullable transformer for that column alone (``BinTransformer(nullable=True)`` /
  ``MinMaxTransformer(nullable=True)``). Caveat: DPCTGAN's nullable ``MinMaxTransformer`` decodes
  a null only when the tanh-activated indicator is exactly 1, so DPCTGAN will practically never
  emit nulls in numeric columns (Adult has none there).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import platform
import random
import re
import sys
import time
from importlib import metadata
from typing import ClassVar

import numpy as np
import pandas as pd

PREPROCESSOR_SHARE = 0.10  # share of the total epsilon spent on DP bounds of continuous columns
GANS = ("dpctgan", "patectgan")  # the rest (MST, AIM) are marginal-based and bin numbers
MISSING = "__snsynth_missing__"  # sentinel category for empty fields in categorical columns
PACKAGES = [
    "smartnoise-synth",
    "smartnoise-sql",
    "opendp",
    "opacus",
    "torch",
    "mbi",
    "jax",
    "numpy",
    "pandas",
]


def _versions() -> dict:
    out = {"python": platform.python_version()}
    for package in PACKAGES:
        with contextlib.suppress(metadata.PackageNotFoundError):
            out[package] = metadata.version(package)
    return out


def _parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--synth", required=True, choices=["mst", "aim", "dpctgan", "patectgan"])
    p.add_argument(
        "--epsilon", required=True, type=float, help="total epsilon, preprocessing included"
    )
    p.add_argument("--delta", required=True, type=float)
    p.add_argument("--train", required=True, help="training CSV")
    p.add_argument("--out", required=True, help="where to write the synthetic CSV")
    p.add_argument("--rows", type=int, default=None, help="rows to sample (default: training rows)")
    p.add_argument(
        "--epochs", type=int, default=None, help="DPCTGAN/PATECTGAN epochs (default: their 300)"
    )
    p.add_argument(
        "--rounds", type=int, default=None, help="AIM rounds (default: its 16 x columns)"
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--preprocessor-share",
        type=float,
        default=PREPROCESSOR_SHARE,
        help="share of --epsilon spent inferring continuous bounds (default %(default)s)",
    )
    p.add_argument(
        "--bins", type=int, default=None, help="MST bins per continuous column (default 10)"
    )
    p.add_argument(
        "--categorical",
        action="append",
        default=[],
        metavar="COLUMN",
        help="treat COLUMN as categorical even if it parses as numbers (repeatable)",
    )
    args = p.parse_args(argv)
    if args.epochs is not None and args.synth not in GANS:
        p.error("--epochs applies to --synth dpctgan and patectgan only")
    if args.rounds is not None and args.synth != "aim":
        p.error("--rounds applies to --synth aim only")
    if args.bins is not None and args.synth in GANS:
        p.error("--bins applies to --synth mst and aim only")
    if not 0.0 < args.preprocessor_share < 1.0:
        p.error("--preprocessor-share must be in (0, 1)")
    return args


def _seed(seed: int) -> None:
    # MST's tree selection and domain decompression use np.random; its Gaussian noise comes from
    # OpenDP's OS-seeded sampler and cannot be seeded, so MST output is not reproducible. DPCTGAN
    # calls torch.manual_seed(0) itself when it builds its discriminator, so its torch stream (and
    # Opacus's noise) is the same whatever seed is given here; numpy still follows --seed.
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 -- smartnoise draws from the global numpy state
    try:
        import torch

        torch.manual_seed(seed)
    except ImportError:
        pass


class _Tee(io.TextIOBase):
    """Passes writes on to ``stream`` and keeps a copy."""

    def __init__(self, stream):
        self.stream, self.parts = stream, []

    def write(self, text: str) -> int:
        self.parts.append(text)
        return self.stream.write(text)

    @property
    def text(self) -> str:
        return "".join(self.parts)


class _RecordingEngine:
    """Wraps opacus.PrivacyEngine so the spent epsilon can be read after DPCTGAN's training loop."""

    instances: ClassVar[list] = []

    @classmethod
    def install(cls):
        import opacus

        original = opacus.PrivacyEngine

        def factory(*args, **kwargs):
            engine = original(*args, **kwargs)
            cls.instances.append(engine)
            return engine

        opacus.PrivacyEngine = factory  # dpctgan looks the name up at call time
        return original


def main(argv: list[str] | None = None) -> None:
    args = _parse(argv)
    _seed(args.seed)

    forced = set(args.categorical)
    real = pd.read_csv(
        args.train, keep_default_na=False, na_values=[""], dtype={c: str for c in forced}
    )
    columns = list(real.columns)
    if forced - set(columns):
        raise SystemExit(f"--categorical names unknown columns: {sorted(forced - set(columns))}")
    rows = args.rows if args.rows is not None else len(real)
    numeric = [
        c
        for c in columns
        if c not in forced
        and pd.api.types.is_numeric_dtype(real[c])
        and not pd.api.types.is_bool_dtype(real[c])
    ]
    categorical = [c for c in columns if c not in numeric]
    integer = [c for c in numeric if pd.api.types.is_integer_dtype(real[c])]

    data = real.copy()
    for c in categorical:
        values = data[c].astype("object")
        if values.isna().any():
            if (values == MISSING).any():
                raise SystemExit(f"column {c!r} already holds the sentinel {MISSING!r}")
            values = values.where(values.notna(), MISSING)
        data[c] = values.astype(str)  # LabelTransformer sorts labels; one type per column
    for c in numeric:
        data[c] = data[c].astype("float64")  # NaN for nulls; python floats in the transformer

    from snsynth import Synthesizer
    from snsynth.transform import BinTransformer, MinMaxTransformer

    # Per-column smartnoise transformers only where the defaults do not fit (nullable numeric
    # columns, or MST with --bins); every other continuous column goes through
    # continuous_columns and gets exactly the transformer smartnoise infers.
    constraints = {}
    for c in numeric:
        has_null = bool(data[c].isna().any())
        if args.synth not in GANS and (has_null or args.bins is not None):
            constraints[c] = BinTransformer(bins=args.bins or 10, nullable=has_null)
        elif args.synth in GANS and has_null:
            constraints[c] = MinMaxTransformer(nullable=True)
    continuous = [c for c in numeric if c not in constraints]
    preprocessor_eps = args.epsilon * args.preprocessor_share if numeric else 0.0

    kwargs = {"epsilon": args.epsilon, "delta": args.delta}
    if args.synth in GANS:
        kwargs["verbose"] = True  # per-epoch loss and epsilon, to stderr
        if args.epochs is not None:
            kwargs["epochs"] = args.epochs
        if args.synth == "dpctgan":
            _RecordingEngine.install()
    else:
        kwargs["verbose"] = False
        if args.rounds is not None:
            kwargs["rounds"] = args.rounds

    base = Synthesizer  # _get_train_data (transformer fit + transform) is timed as preprocessing
    original_get = base._get_train_data
    preprocess = {"seconds": 0.0}

    def timed_get(self, *a, **kw):
        started = time.perf_counter()
        try:
            return original_get(self, *a, **kw)
        finally:
            preprocess["seconds"] += time.perf_counter() - started

    base._get_train_data = timed_get

    printed = _Tee(sys.stderr)  # smartnoise's prints go to stderr; PATECTGAN's are parsed below
    with contextlib.redirect_stdout(printed):
        synth = Synthesizer.create(args.synth, **kwargs)
        started = time.perf_counter()
        synth.fit(
            data,
            transformer=constraints or None,
            categorical_columns=categorical,
            continuous_columns=continuous,
            preprocessor_eps=preprocessor_eps,
        )
        fit_seconds = time.perf_counter() - started
        started = time.perf_counter()
        fake = synth.sample(rows)
        sample_seconds = time.perf_counter() - started
    base._get_train_data = original_get

    # MST (mbi) emits rows grouped by value; shuffle so any prefix is a fair sample
    fake = pd.DataFrame(fake).sample(frac=1.0, random_state=args.seed).reset_index(drop=True)
    if list(fake.columns) != columns:
        fake = fake.reindex(columns=columns)
    for c in categorical:
        fake[c] = fake[c].astype("object").where(fake[c] != MISSING, np.nan)
    for c in numeric:
        values = pd.to_numeric(fake[c], errors="coerce")
        if c in integer:
            values = values.round().astype("Int64")
        fake[c] = values
    fake.to_csv(args.out, index=False)

    transformer = synth._transformer
    pre_spent = float(transformer.odometer.spent[0])
    bounds = {}
    for c, t in zip(columns, transformer.transformers, strict=True):
        if hasattr(t, "fit_lower"):
            bounds[str(c)] = [t.fit_lower, t.fit_upper]

    summary = {
        "synth": args.synth,
        "epsilon": args.epsilon,
        "delta": args.delta,
        "fit_seconds": round(fit_seconds, 3),
        "sample_seconds": round(sample_seconds, 3),
        "preprocess_seconds": round(preprocess["seconds"], 3),
        "preprocessor_eps": pre_spent,
        "preprocessor_eps_requested": preprocessor_eps,
        "train_rows": len(real),
        "rows": len(fake),
        "seed": args.seed,
        "categorical_columns": categorical,
        "continuous_columns": numeric,
        "dp_bounds": bounds,
    }
    if args.synth not in GANS:
        summary["bins"] = args.bins or 10
        summary["synth_epsilon"] = synth.epsilon  # what MST/AIM was calibrated to (zCDP)
        summary["epsilon_spent"] = pre_spent + synth.epsilon
        if args.synth == "aim":
            summary["rounds"] = args.rounds
    elif args.synth == "patectgan":
        # PATECTGAN's moments accountant lives in local variables; it prints the epsilon computed
        # at the start of each epoch, before that epoch's teacher votes. The last printed value
        # (plus preprocessing) is therefore a lower bound on what was spent, not the spend.
        printed_eps = [float(m) for m in re.findall(r"^eps: ([0-9.]+)", printed.text, re.M)]
        summary["epochs"] = synth._epochs
        summary["epochs_run"] = len(printed_eps)
        summary["synth_epsilon"] = synth.epsilon
        summary["epsilon_spent"] = None
        summary["epsilon_lower_bound"] = pre_spent + printed_eps[-1] if printed_eps else None
    else:
        epochs_run = len(synth.loss_d_list)
        summary["epochs"] = synth._epochs
        summary["epochs_run"] = epochs_run
        summary["epoch_seconds"] = (
            round((fit_seconds - preprocess["seconds"]) / epochs_run, 3) if epochs_run else None
        )
        summary["sigma"] = synth.sigma
        summary["batch_size"] = synth._batch_size
        summary["synth_epsilon"] = synth.epsilon  # the training budget after preprocessing
        # DPCTGAN checks the budget only at the start of each epoch (epsilon_at_epoch_start) and
        # stops *after* the epoch that crossed it, so the budget can be overshot by one epoch.
        # The engine's accountant over all optimizer steps gives what was really spent.
        summary["epsilon_at_epoch_start"] = [round(float(e), 6) for e in synth.epsilon_list]
        engine = _RecordingEngine.instances[-1] if _RecordingEngine.instances else None
        if engine is not None:
            spent, alpha = engine.get_privacy_spent(synth.delta)
            summary["train_epsilon_spent"] = float(spent)
            summary["best_alpha"] = float(alpha)
            summary["optimizer_steps"] = int(engine.steps)
            summary["epsilon_spent"] = pre_spent + float(spent)
            summary["epsilon_overshoot"] = max(0.0, pre_spent + float(spent) - args.epsilon)
    summary["versions"] = _versions()
    sys.stdout.flush()
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
