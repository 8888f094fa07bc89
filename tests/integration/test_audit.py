"""The audit against real fits: it stays below the claim on the correct pipeline and proves the
claim false on each broken one (benchmarks/audit_faults.py), with real Opacus throughout."""

import contextlib
import json

import pandas as pd
import pytest
from click.testing import CliRunner
from test_report_browser import chromium

from benchmarks.audit_faults import FAULTS, LABELS, public_domain_pipeline, public_domain_table
from synthgan import InputFileError, Synthesizer, audit, evaluate, load
from synthgan.auditing.result import sidecar
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


def test_a_dp_model_keeps_its_audit_in_memory_and_the_report_shows_it(tmp_path):
    table = public_domain_table(2000)
    model = public_domain_pipeline(2.0).fit(table)
    result = audit(table, model, canaries=50, rows=1000, seed=0)
    assert model.audit_ == result.to_dict()
    path = tmp_path / "m.sgm"
    model.save(path)
    assert Synthesizer.load(path).audit_ is None  # never in the file: it is not a DP release
    report = evaluate(table, model.sample(500, seed=0), model=model, parts=["privacy"])
    assert "Privacy audit" in report.summary() and "cannot" in report.summary()
    page = report.to_html(tmp_path / "r.html")
    console, dom = chromium(page, tmp_path)  # headless Chromium renders it, silently
    assert console == ""
    assert "Empirical privacy audit of the pipeline" in dom and "claimed 2" in dom
    assert dom.index("Differential-privacy guarantee") < dom.index('id="audit"')  # beside it
    assert report.to_dict()["audit"] == result.to_dict()


def test_the_cli_keeps_a_models_audit_beside_it_for_info_and_the_report(tmp_path):
    data = tmp_path / "t.csv"
    table = public_domain_table(2000)
    table.to_csv(data, index=False)
    path = tmp_path / "m.sgm"
    public_domain_pipeline(2.0).fit(table).save(path)
    before = path.read_bytes()
    runner = CliRunner()
    both = runner.invoke(main, ["audit", str(data), "--model", str(path), "--epsilon", "3"])
    assert both.exit_code == 2 and "--epsilon" in both.output
    shadow_option = runner.invoke(main, ["audit", str(data), "--epsilon", "3", "--shadows", "3"])
    assert shadow_option.exit_code == 2 and "--shadows" in shadow_option.output
    done = runner.invoke(
        main, ["audit", str(data), "--model", str(path), "--canaries", "40", "--rows", "500"]
    )
    assert done.exit_code == 0, done.output
    assert path.read_bytes() == before  # the model file is untouched
    kept = json.loads(sidecar(path).read_text())
    assert kept["canaries"] == 40 and kept["epsilon_claimed"] == 2.0
    shown = runner.invoke(main, ["info", str(path)])
    assert shown.exit_code == 0 and "Privacy audit: epsilon >=" in shown.output
    report = evaluate(table, load(path).sample(300, seed=0), model=path, parts=["privacy"])
    assert report.audit == kept


@pytest.mark.parametrize(
    "bad",
    [
        {"epsilon_claimed": "8"},
        {"attacks": []},
        {"seconds": float("nan")},
        {"rows": 10**400},
        {"delta": 2.0},
        {"attacks": [{"attack": "x", "epsilon_lower_bound": 1.0, "guesses": 1, "correct": 5,
                      "auc": 0.5}]},
        {"attacks": [{"attack": 1, "epsilon_lower_bound": 0.0, "guesses": 0, "correct": 0,
                      "auc": 0.5}]},
    ],
)  # fmt: skip
def test_a_malformed_audit_beside_a_model_is_refused_with_its_name(tmp_path, bad):
    table = public_domain_table(1500)
    model = public_domain_pipeline(2.0).fit(table)
    result = audit(table, model, canaries=20, rows=500, seed=0)
    path = tmp_path / "m.sgm"
    model.save(path)
    sidecar(path).write_text(json.dumps(result.to_dict() | bad))
    shown = CliRunner().invoke(main, ["info", str(path)])
    assert shown.exit_code == 1 and "m.sgm.audit.json" in shown.output
    assert "Traceback" not in shown.output
    with pytest.raises(InputFileError, match="audit"):
        evaluate(table, model.sample(100, seed=0), model=path, parts=["privacy"])
