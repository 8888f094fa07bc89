"""Shared fixtures: small frames the tests make themselves, and fast synthesizer settings."""

from __future__ import annotations

import contextlib
import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from synthgan import Synthesizer, infer_schema
from synthgan.schema import KINDS

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

#: Small networks and few epochs: enough to exercise every code path in seconds.
FAST = dict(
    epochs=2,
    batch_size=100,
    embedding_dim=16,
    generator_dim=(32, 32),
    discriminator_dim=(32, 32),
    verbose=False,
)


def declared(df: pd.DataFrame, extra: dict | None = None) -> dict:
    """Each column's kind as ``infer_schema`` reads it, merged with ``extra`` per column: the
    declaration a DP fit needs (tests know their own tables, as users know theirs)."""
    declaration = infer_schema(df).declaration()
    for name, value in (extra or {}).items():
        if isinstance(value, str):
            value = {"kind": value} if value in KINDS else {"role": value}
        declaration[name] = {**declaration.get(name, {}), **value}
    return declaration


def make_mixed_frame(n: int = 400, seed: int = 0) -> pd.DataFrame:
    """One column of every kind synthgan supports, with missing values in several."""
    rng = np.random.default_rng(seed)
    bimodal = np.where(rng.random(n) < 0.5, rng.normal(-5, 1, n), rng.normal(10, 2, n))
    df = pd.DataFrame(
        {
            "amount": np.round(bimodal, 2),
            "age": rng.integers(18, 90, n),
            "rating": rng.integers(1, 6, n),  # low-cardinality int -> categorical
            "city": rng.choice(["Oslo", "Lima", "Pune", "Kyiv"], n, p=[0.4, 0.3, 0.2, 0.1]),
            "member": rng.random(n) < 0.3,
            "joined": pd.Timestamp("2020-01-01")
            + pd.to_timedelta(rng.integers(0, 1000, n), unit="D"),
            "score": rng.normal(0, 1, n),
            "constant": np.full(n, 7.5),
            "label": rng.choice(["yes", "no"], n),
        }
    )
    df.loc[rng.random(n) < 0.2, "score"] = np.nan
    df.loc[rng.random(n) < 0.15, "city"] = np.nan
    return df


def make_population(n: int, seed: int = 0) -> pd.DataFrame:
    """People whose outcome depends on age, city and sex, with some missing values."""
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 80, n)
    city = rng.choice(["Oslo", "Lima", "Pune", "Kyiv"], n, p=[0.4, 0.3, 0.2, 0.1])
    sex = rng.choice(["F", "M"], n)
    income = np.round(rng.lognormal(10, 0.3, n) * (1 + 0.03 * (age - 18) + 0.3 * (sex == "M")), 0)
    signal = 0.05 * (age - 45) + (city == "Oslo") + 0.8 * (sex == "M") + rng.normal(0, 0.7, n)
    df = pd.DataFrame(
        {
            "age": age,
            "income": income,
            "city": city,
            "sex": sex,
            "hours": np.round(rng.normal(38, 6, n), 1),
            "outcome": np.where(signal > 0.9, "yes", "no"),
        }
    )
    df.loc[rng.random(n) < 0.05, "city"] = None
    df.loc[rng.random(n) < 0.05, "hours"] = np.nan
    return df


@pytest.fixture(scope="session")
def people():
    """A way to draw rows of the population above (the evaluator tests' data)."""
    return make_population


@contextlib.contextmanager
def pin_entropy(seed: int = 20261204):
    """Fix the secret entropy of DP fits inside the block, so that tests of a fit's quality are
    repeatable and two fits can be compared exactly (the library never does this: its DP noise
    always comes from the operating system)."""
    import sys

    with pytest.MonkeyPatch.context() as patch:
        for name, module in list(sys.modules.items()):  # wherever it was imported
            if name.startswith("synthgan") and hasattr(module, "fresh_entropy"):
                patch.setattr(module, "fresh_entropy", lambda: np.random.SeedSequence(seed))
        yield


@pytest.fixture
def pinned_entropy():
    with pin_entropy():
        yield


@pytest.fixture
def fast() -> dict:
    return dict(FAST)


@pytest.fixture
def mixed_frame() -> pd.DataFrame:
    return make_mixed_frame()


@pytest.fixture(scope="session")
def fitted_mixed() -> Synthesizer:
    """A model of the mixed frame, fitted once for the read-only tests."""
    return Synthesizer(seed=0, **FAST).fit(make_mixed_frame())


@pytest.fixture(scope="session")
def adult() -> pd.DataFrame:
    """Adult's official training split from ../shared/data (skipped where it is absent)."""
    from synthgan.io import read_table

    path = SHARED_DATA / "adult" / "train.csv"
    if not path.exists():
        pytest.skip("../shared/data/adult is not present")
    return read_table(path)


def rewrite_manifest(path, manifest) -> None:
    """Write ``manifest`` into a copy of the file at ``path``, signed as the writer signs it (so
    that what is tested is the check of its content, not the checksum)."""
    from synthgan.persist import _canonical, _digest

    with zipfile.ZipFile(path) as zf:
        weights = zf.read("weights.safetensors")
    with contextlib.suppress(ValueError):  # NaN: the reader refuses it before the checksum
        manifest["checksums"]["manifest_sha256"] = _digest(_canonical(manifest))
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("manifest.json", json.dumps(manifest))
        zf.writestr("weights.safetensors", weights)
