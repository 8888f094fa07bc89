"""Adapters that fit, time, save and sample each tool the same way."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd


class SynthganTool:
    """synthgan; ``privacy`` / ``fairness`` / ``overrides`` as for ``Synthesizer`` (DP runs keep
    the DP defaults for epochs and batch size unless given)."""

    name = "synthgan"

    def __init__(
        self,
        epochs: int | None,
        batch_size: int | None,
        seed: int,
        privacy=None,
        fairness=None,
        overrides=None,
        **params,
    ):
        from synthgan import Synthesizer

        self.model = Synthesizer(
            epochs=epochs,
            batch_size=batch_size,
            seed=seed,
            verbose=False,
            privacy=privacy,
            fairness=fairness,
            overrides=overrides,
            **params,
        )

    def fit(self, df: pd.DataFrame) -> dict:
        started = time.perf_counter()
        self.model.fit(df)
        total = time.perf_counter() - started
        # A DP model records no timings (they depend on the rows and the hidden batches).
        epochs = [h["seconds"] for h in self.model.history_ if "seconds" in h]
        ledger = self.model.ledger_
        training = self.model.fit_info_["training"]
        validation = training.get("validation")
        return {
            "steps": training.get("steps"),
            "stopped_by": training.get("stopped_by"),
            "best_step": validation.get("best_step") if isinstance(validation, dict) else None,
            "validation_fidelity": (
                validation["best"]["fidelity"] if isinstance(validation, dict) else None
            ),
            "fit_seconds": total,
            "preprocess_seconds": self.model.fit_info_.get("preprocess_seconds"),
            "epoch_seconds": sum(epochs) / len(epochs) if epochs else None,
            "epochs": len(self.model.history_),
            "epsilon_spent": None if ledger is None else ledger.epsilon_spent,
        }

    def save(self, path: Path) -> None:
        self.model.save(path)

    def sample(self, n: int) -> pd.DataFrame:
        return self.model.sample(n, seed=1)


class CtganTool:
    """ctgan 0.12's CTGAN (BUSL-1.1): benchmark-only, never imported by synthgan/."""

    name = "ctgan"

    def __init__(self, epochs: int, batch_size: int, seed: int):
        import torch

        torch.manual_seed(seed)
        self.epochs = epochs
        self.model = self._model_class()(epochs=epochs, batch_size=batch_size, verbose=False)
        self.null_flags: dict[str, str] = {}  # numeric column -> its missing flag (``fit``)

    @staticmethod
    def _model_class():
        from ctgan import CTGAN

        return CTGAN

    @classmethod
    def load(cls, path: str):
        return cls._model_class().load(path)  # a pickle: only ever our own file, in a benchmark

    def fit(self, df: pd.DataFrame) -> dict:
        from ctgan.data_transformer import DataTransformer

        spent = {"fit": 0.0, "transform": 0.0}
        originals = {k: getattr(DataTransformer, k) for k in spent}

        def timed(name):
            def wrapper(self_, *args, **kwargs):
                started = time.perf_counter()
                try:
                    return originals[name](self_, *args, **kwargs)
                finally:
                    spent[name] += time.perf_counter() - started

            return wrapper

        df = self._flag_nulls(df)
        discrete = [c for c in df.columns if not pd.api.types.is_numeric_dtype(df[c])]
        for k in spent:
            setattr(DataTransformer, k, timed(k))
        try:
            started = time.perf_counter()
            self.model.fit(df, discrete)
            total = time.perf_counter() - started
        finally:
            for k, v in originals.items():
                setattr(DataTransformer, k, v)
        preprocess = spent["fit"] + spent["transform"]
        return {
            "fit_seconds": total,
            "preprocess_seconds": preprocess,
            "mixture_fit_seconds": spent["fit"],
            "epoch_seconds": (total - preprocess) / self.epochs,
        }

    def _flag_nulls(self, df: pd.DataFrame) -> pd.DataFrame:
        """ctgan refuses missing numbers (ACS has them): each such column gets a discrete
        missing flag and its mean in the gaps, as SDV's own wrapper does (RDT's
        ``missing_value_generation='from_column'``); ``sample`` puts the gaps back."""
        self.null_flags.clear()
        df = df.copy()
        for c in df.columns:
            if pd.api.types.is_numeric_dtype(df[c]) and df[c].isna().any():
                flag = f"{c} (missing)"
                df[flag] = df[c].isna().map({True: "yes", False: "no"})
                df[c] = df[c].fillna(df[c].mean())
                self.null_flags[c] = flag
        return df

    def save(self, path: Path) -> None:
        self.model.save(str(path))  # ctgan's own format is a pickle; benchmark-only

    def sample(self, n: int) -> pd.DataFrame:
        out = self.model.sample(n)
        for c, flag in self.null_flags.items():
            out.loc[out[flag] == "yes", c] = float("nan")
            out = out.drop(columns=flag)
        return out


class TvaeTool(CtganTool):
    """ctgan 0.12's TVAE: the same transformer as CTGAN, a variational autoencoder instead of a GAN."""

    name = "tvae"

    @staticmethod
    def _model_class():
        from ctgan import TVAE

        return TVAE


class GaussianCopulaTool:
    """SDV 2.0's GaussianCopulaSynthesizer (BUSL-1.1), default settings; it has no epochs."""

    name = "gaussiancopula"

    def __init__(self, epochs: int, batch_size: int, seed: int):
        self.seed = seed
        self.model = None

    def fit(self, df: pd.DataFrame) -> dict:
        import numpy as np
        from sdv.metadata import Metadata
        from sdv.single_table import GaussianCopulaSynthesizer

        np.random.seed(self.seed)  # noqa: NPY002 -- copulas draws from the global numpy state
        metadata = Metadata.detect_from_dataframes({"real": df})
        self.model = GaussianCopulaSynthesizer(metadata)
        started = time.perf_counter()
        self.model.fit({"real": df})  # SDV 2.0 takes and returns {table name: frame}
        total = time.perf_counter() - started
        return {"fit_seconds": total, "preprocess_seconds": None, "epoch_seconds": None}

    @classmethod
    def load(cls, path: str):
        from sdv.utils import load_synthesizer

        return _SdvSampler(load_synthesizer(path))  # a pickle: only our own file, benchmark-only

    def save(self, path: Path) -> None:
        self.model.save(str(path))

    def sample(self, n: int) -> pd.DataFrame:
        return _SdvSampler(self.model).sample(n)


class _SdvSampler:
    """A loaded SDV 2.0 synthesizer whose ``sample(n)`` returns the frame, as the others do."""

    def __init__(self, model):
        self.model = model

    def sample(self, n: int) -> pd.DataFrame:
        return self.model.sample(n)["real"]


TOOLS = {t.name: t for t in (SynthganTool, CtganTool, TvaeTool, GaussianCopulaTool)}
