"""The audit against real fits: it stays below the claim on the correct pipeline and proves the
claim false on each broken one (benchmarks/audit_faults.py), with real Opacus throughout."""

import contextlib
import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from benchmarks.audit_faults import FAULTS
from synthgan import Privacy, Synthesizer, audit
from synthgan.cli import main

LABELS = [f"v{i}" for i in range(30)]
CLAIM = 1.0


def _table(n: int = 6000, seed: int = 0) -> pd.DataFrame:
    """Rows use 4 of 30 public labels: a canary can take a label no row has."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "a": rng.choice(LABELS[:4], n),
            "b": rng.choice(LABELS[:4], n),
            "c": rng.choice(LABELS[:4], n),
            "x": rng.normal(size=n),
            "y": rng.integers(0, 100, n).astype(float),
        }
    )


def _pipeline(epsilon: float = CLAIM) -> Synthesizer:
    kinds = {"a": "categorical", "b": "categorical", "c": "categorical"}
    return Synthesizer(
        privacy=Privacy(epsilon=epsilon, public={k: LABELS for k in "abc"}),
        overrides={**kinds, "x": "numeric", "y": "numeric"},
        embedding_dim=16,
        generator_dim=(32, 32),
        discriminator_dim=(32, 32),
        verbose=False,
    )


@pytest.mark.parametrize("fault", ["correct", *FAULTS])
def test_the_audit_proves_a_broken_pipeline_false_and_a_correct_one_not(fault):
    breaking = contextlib.nullcontext if fault == "correct" else FAULTS[fault]
    with breaking():
        result = audit(_table(), _pipeline(), canaries=500, rows=5000, seed=3)
    assert result.epsilon_spent <= CLAIM
    if fault == "correct":
        assert not result.violated, result.summary()
    else:
        assert result.violated, result.summary()
        assert "VIOLATED" in result.summary()


def test_the_cli_audits_a_table_and_writes_the_result(tmp_path):
    data = tmp_path / "t.csv"
    _table(3000).to_csv(data, index=False)
    public = tmp_path / "public.json"
    public.write_text(json.dumps({"a": LABELS}))
    out = tmp_path / "audit.json"
    result = CliRunner().invoke(
        main,
        ["audit", str(data), "--epsilon", "2", "--public", str(public), "--canaries", "100",
         "--rows", "1000", "--seed", "0", "-o", str(out), "--override", "a=categorical",
         "--override", "b=categorical", "--override", "c=categorical", "--override",
         "x=numeric", "--override", "y=numeric"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "claimed 2" in result.output and "lower bound" in result.output
    saved = pd.read_json(out, typ="series")
    assert saved["epsilon_claimed"] == 2 and saved["canaries"] == 100
