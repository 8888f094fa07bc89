"""smartnoise-synth's MST, AIM, DPCTGAN and PATECTGAN as comparison baselines, run in their own virtual environment.

smartnoise-synth 1.0.8 pins ``opacus<0.15``, which conflicts with synthgan's Opacus, so it lives in
``.venv-smartnoise`` (``make bench-smartnoise``) and is driven through
``benchmarks/smartnoise_worker.py`` in a subprocess. smartnoise has no model file to sample from
later, and refitting would spend the privacy budget again, so ``fit`` generates the rows (as many as
the training frame, or ``rows=``) and ``sample(n)`` hands back the first ``n`` of them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
VENV_PYTHON = ROOT / ".venv-smartnoise" / "bin" / "python"
WORKER = Path(__file__).resolve().with_name("smartnoise_worker.py")
SYNTHS = ("mst", "aim", "dpctgan", "patectgan")


class SmartnoiseTool:
    """Fit one smartnoise synthesizer at (epsilon, delta); the budget includes DP preprocessing."""

    def __init__(
        self,
        synth: str,
        epsilon: float,
        delta: float,
        seed: int,
        epochs: int | None = None,
        *,
        rounds: int | None = None,
        rows: int | None = None,
        timeout: float | None = None,
    ):
        synth = synth.lower()
        if synth not in SYNTHS:
            raise ValueError(f"synth must be one of {SYNTHS}, got {synth!r}")
        if epochs is not None and synth not in ("dpctgan", "patectgan"):
            raise ValueError("epochs applies to dpctgan and patectgan only")
        if rounds is not None and synth != "aim":
            raise ValueError("rounds applies to aim only")
        self.rounds = rounds
        self.synth = synth
        self.name = f"smartnoise-{synth}"
        self.epsilon = float(epsilon)
        self.delta = float(delta)
        self.seed = int(seed)
        self.epochs = epochs
        self.rows = rows
        self.timeout = timeout
        self.summary_: dict | None = None
        self._fake: pd.DataFrame | None = None

    @staticmethod
    def available() -> bool:
        """Whether ``.venv-smartnoise`` exists (``make bench-smartnoise`` builds it)."""
        return VENV_PYTHON.exists() and os.access(VENV_PYTHON, os.X_OK)

    def _require(self) -> None:
        if not self.available():
            raise RuntimeError(
                f"smartnoise baseline needs {VENV_PYTHON.relative_to(ROOT)}: "
                "run `make bench-smartnoise` first"
            )

    def fit(self, df: pd.DataFrame) -> dict:
        self._require()
        rows = self.rows if self.rows is not None else len(df)
        categorical = [
            c
            for c in df.columns
            if not pd.api.types.is_numeric_dtype(df[c]) or pd.api.types.is_bool_dtype(df[c])
        ]
        with tempfile.TemporaryDirectory(prefix="smartnoise-") as tmp:
            train, out = Path(tmp) / "train.csv", Path(tmp) / "fake.csv"
            df.to_csv(train, index=False)  # nulls become empty fields
            command = [
                str(VENV_PYTHON),
                str(WORKER),
                "--synth", self.synth,
                "--epsilon", repr(self.epsilon),
                "--delta", repr(self.delta),
                "--train", str(train),
                "--out", str(out),
                "--rows", str(rows),
                "--seed", str(self.seed),
            ]  # fmt: skip
            if self.epochs is not None:
                command += ["--epochs", str(self.epochs)]
            if self.rounds is not None:
                command += ["--rounds", str(self.rounds)]
            for c in categorical:
                command += ["--categorical", str(c)]
            env = {
                k: v
                for k, v in os.environ.items()
                if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")
            }
            started = time.perf_counter()
            done = subprocess.run(
                command,
                capture_output=True,
                text=True,
                env=env,
                cwd=ROOT,
                timeout=self.timeout,
                check=False,
            )
            wall = time.perf_counter() - started
            if done.returncode != 0:
                tail = "\n".join(done.stderr.strip().splitlines()[-20:])
                raise RuntimeError(
                    f"smartnoise worker ({self.synth}) exited with {done.returncode}:\n{tail}"
                )
            lines = [line for line in done.stdout.splitlines() if line.strip()]
            if not lines:
                raise RuntimeError(f"smartnoise worker ({self.synth}) printed no summary line")
            self.summary_ = json.loads(lines[-1])
            fake = pd.read_csv(
                out,
                keep_default_na=False,
                na_values=[""],
                dtype={c: str for c in categorical},
            )
        self._fake = _restore_dtypes(fake, df)
        s = self.summary_
        return {
            "fit_seconds": s["fit_seconds"],
            # measured inside the worker: smartnoise's TableTransformer fit + transform, which
            # includes the DP bound search for continuous columns
            "preprocess_seconds": s.get("preprocess_seconds"),
            "epoch_seconds": s.get("epoch_seconds"),  # DPCTGAN only; MST has no epochs
            "sample_seconds": s["sample_seconds"],
            "wall_seconds": wall,  # subprocess: interpreter start, imports, CSV I/O, fit, sample
            "preprocessor_eps": s["preprocessor_eps"],
            "epsilon_spent": s.get("epsilon_spent"),
            "smartnoise": s,
        }

    def sample(self, n: int) -> pd.DataFrame:
        if self._fake is None:
            self._require()
            raise RuntimeError("call fit() first: smartnoise rows are generated during fit")
        if n > len(self._fake):
            raise ValueError(
                f"{self.name} generated {len(self._fake)} rows during fit; asked for {n}. "
                f"Pass rows={n} (or more) to SmartnoiseTool and fit again."
            )
        return self._fake.iloc[:n].reset_index(drop=True)


def _restore_dtypes(fake: pd.DataFrame, real: pd.DataFrame) -> pd.DataFrame:
    """Columns in the training frame's order and dtypes (integers rounded; nulls kept)."""
    missing = [c for c in real.columns if c not in fake.columns]
    if missing:
        raise RuntimeError(f"smartnoise output lacks columns {missing}")
    out = {}
    for c, dtype in real.dtypes.items():
        col = fake[c]
        if pd.api.types.is_bool_dtype(dtype):
            col = col.map({"True": True, "False": False, True: True, False: False})
            col = col.astype(dtype) if col.notna().all() else col.astype("boolean")
        elif pd.api.types.is_integer_dtype(dtype):
            col = pd.to_numeric(col, errors="coerce").round()
            col = col.astype(dtype) if col.notna().all() else col.astype("Int64")
        elif pd.api.types.is_numeric_dtype(dtype):
            col = pd.to_numeric(col, errors="coerce").astype(dtype)
        elif pd.api.types.is_datetime64_any_dtype(dtype):
            col = pd.to_datetime(col, errors="coerce")
        elif isinstance(dtype, pd.CategoricalDtype):
            col = col.astype(dtype)
        else:  # object or string: nulls stay NaN / <NA>, as read from a CSV
            col = col.astype(dtype)
        out[c] = col
    return pd.DataFrame(out, columns=real.columns)


if __name__ == "__main__":  # quick manual check: python -m benchmarks.smartnoise mst 1.0 train.csv
    synth, eps, path = sys.argv[1], float(sys.argv[2]), sys.argv[3]
    frame = pd.read_csv(path, keep_default_na=False, na_values=[""])
    tool = SmartnoiseTool(synth, eps, 1e-5, seed=0, epochs=1 if synth == "dpctgan" else None)
    print(json.dumps({k: v for k, v in tool.fit(frame).items() if k != "smartnoise"}))
    print(tool.sample(5))
