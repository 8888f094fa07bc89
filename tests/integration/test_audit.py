"""The audit against real fits: it stays below the claim on the correct pipeline and proves the
claim false on each broken one (benchmarks/audit_faults.py), with real Opacus throughout."""

import contextlib
import json

import pandas as pd
import pytest
from click.testing import CliRunner

from benchmarks.audit_faults import FAULTS, LABELS, public_domain_pipeline, public_domain_table
from synthgan import audit
from synthgan.cli import main

CLAIM = 1.0


@pytest.mark.parametrize("fault", ["correct", *FAULTS])
def test_the_audit_proves_a_broken_pipeline_false_and_a_correct_one_not(fault):
    breaking = contextlib.nullcontext if fault == "correct" else FAULTS[fault]
    with breaking():
        result = audit(
            public_domain_table(), public_domain_pipeline(CLAIM), canaries=500, rows=5000, seed=3
        )
    assert result.epsilon_spent <= CLAIM
    if fault == "correct":
        assert not result.violated, result.summary()
    else:
        assert result.violated, result.summary()
        assert "VIOLATED" in result.summary()


def test_the_cli_audits_a_table_and_writes_the_result(tmp_path):
    data = tmp_path / "t.csv"
    public_domain_table(3000).to_csv(data, index=False)
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
