"""Adapters that fit, time, save and sample each tool the same way."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd


class SynthganTool:
    name = "synthgan"

    def __init__(self, epochs: int, batch_size: int, seed: int):
        from synthgan import Synthesizer

        self.model = Synthesizer(epochs=epochs, batch_size=batch_size, seed=seed, verbose=False)

    def fit(self, df: pd.DataFrame) -> dict:
        started = time.perf_counter()
        self.model.fit(df)
        total = time.perf_counter() - started
        epochs = [h["seconds"] for h in self.model.history_]
        return {
            "fit_seconds": total,
            "preprocess_seconds": self.model.fit_info_["preprocess_seconds"],
            "epoch_seconds": sum(epochs) / len(epochs),
        }

    def save(self, path: Path) -> None:
        self.model.save(path)

    def sample(self, n: int) -> pd.DataFrame:
        return self.model.sample(n, seed=1)


class CtganTool:
    """ctgan 0.12 (BUSL-1.1): benchmark-only, never imported by synthgan/."""

    name = "ctgan"

    def __init__(self, epochs: int, batch_size: int, seed: int):
        import torch
        from ctgan import CTGAN

        torch.manual_seed(seed)
        self.model = CTGAN(epochs=epochs, batch_size=batch_size, verbose=False)

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
            "epoch_seconds": (total - preprocess) / self.model._epochs,
        }

    def save(self, path: Path) -> None:
        self.model.save(str(path))  # ctgan's own format is a pickle; benchmark-only

    def sample(self, n: int) -> pd.DataFrame:
        return self.model.sample(n)


TOOLS = {"synthgan": SynthganTool, "ctgan": CtganTool}
