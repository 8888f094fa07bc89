"""The benchmark's adapters for the reference tools (skipped where ctgan is not installed)."""

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("ctgan")

from benchmarks.tools import CtganTool


def test_ctgan_adapter_fits_missing_numbers_and_puts_the_gaps_back():
    rng = np.random.default_rng(0)
    x = rng.normal(size=300)
    x[:90] = np.nan  # 30 % missing, as ACS's travel time is for people who do not commute
    df = pd.DataFrame({"x": x, "group": rng.choice(["a", "b"], size=300)})
    tool = CtganTool(epochs=1, batch_size=100, seed=0)
    tool.fit(df)
    out = tool.sample(400)
    assert list(out.columns) == ["x", "group"]
    assert 0 < out["x"].isna().sum() < 400
