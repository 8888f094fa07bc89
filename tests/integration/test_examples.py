import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]


def _run_example(name: str, tmp_path: Path, *options: str) -> subprocess.CompletedProcess:
    command = [sys.executable, str(ROOT / "examples" / name), *options, "--out-dir", str(tmp_path)]
    result = subprocess.run(command, capture_output=True, text=True, check=False, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return result


def test_quickstart_example_runs(tmp_path):
    # Three epochs: after one, the model barely honours its condition vector, and the example's
    # conditions (0.3 % of real rows) can run out of the rejection budget.
    result = _run_example("quickstart.py", tmp_path, "--epochs", "3")
    assert "conditional rows" in result.stdout
    assert len(pd.read_parquet(tmp_path / "synthetic.parquet")) == 100_000


def test_safe_test_data_example_writes_rows_ledger_and_report(tmp_path):
    result = _run_example("safe_test_data.py", tmp_path, "--epochs", "1", "--rows", "2000")
    assert "spent of 1" in result.stdout
    assert "region: ['midwest', 'northeast', 'south', 'west']" in result.stdout
    assert len(pd.read_csv(tmp_path / "synthetic.csv")) == 2_000
    assert "DP-SGD" in (tmp_path / "privacy-ledger.txt").read_text()
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["ledger"]["epsilon_spent"] <= 1.0  # the report carries the model's ledger
    assert "Privacy audit: epsilon >=" in result.stdout  # and the audit of its pipeline
    assert report["audit"]["epsilon_claimed"] == 1.0 and not report["audit"]["violated"]
    assert "tstr_auc" in report["scores"] and "mia_auc" in report["scores"]
    assert (tmp_path / "report.html").stat().st_size > 50_000


def test_augment_example_compares_three_training_sets(tmp_path):
    _run_example("augment.py", tmp_path, "--epochs", "1", "--ratio", "0.3")
    record = json.loads((tmp_path / "results.json").read_text())
    rows = record["rows"]
    assert rows["train"] + rows["test"] == 28_155
    assert rows["added"] == int(0.3 * (rows["train"] - rows["minority"])) - rows["minority"] > 0
    scores = record["scores"]
    assert set(scores) == {"none", "smote", "synthgan"}
    for s in scores.values():
        assert all(0.0 <= v <= 1.0 for v in s.values())
    # more minority rows move the default threshold's trade-off towards the minority class
    assert scores["smote"]["balanced_accuracy"] > scores["none"]["balanced_accuracy"]


def test_privacy_audit_example_flags_a_noisy_copy(tmp_path):
    _run_example("privacy_audit.py", tmp_path)
    report = json.loads((tmp_path / "report.json").read_text())
    s = report["scores"]
    assert s["dcr_share"] > s["dcr_share_expected"] + 0.05  # the audit sees the leak
    assert s["mia_auc"] > 0.6 and s["exact_copy_rate"] < 0.01  # hardly a copy, yet it leaks
    assert (tmp_path / "report.html").stat().st_size > 50_000


def test_fair_data_example_removes_the_gap_the_real_rows_have(tmp_path):
    _run_example("fair_data.py", tmp_path, "--epochs", "2")
    results = json.loads((tmp_path / "results.json").read_text())
    plain, fair = results["plain"], results["fair"]
    assert plain["dp_gap_real"] > 0.15  # the derived high_wage target differs by ethnicity
    assert fair["dp_gap_synthetic"] < 0.05  # the fair sample is at parity up to noise
    for scores in (plain, fair):  # every figure the script prints (2 epochs: no quality bar)
        assert all(0.0 <= scores[k] <= 1.0 for k in ("dp_gap_tstr", "tstr_auc", "quality"))
    for name in ("plain", "fair"):
        assert (tmp_path / f"report-{name}.html").stat().st_size > 50_000
        sample = pd.read_csv(tmp_path / f"synthetic-{name}.csv")
        assert "wage" not in sample and set(sample["high_wage"]) == {"yes", "no"}


def test_safe_test_data_example_takes_a_table_and_its_declared_kinds(tmp_path, people):
    data, kinds = tmp_path / "people.csv", tmp_path / "kinds.json"
    people(1500).to_csv(data, index=False)
    kinds.write_text(
        json.dumps(
            {
                "age": "integer",
                "income": "numeric",
                "city": "categorical",
                "sex": "categorical",
                "hours": "numeric",
                "outcome": "categorical",
            }
        )
    )
    options = ["--data", str(data), "--schema", str(kinds), "--target", "outcome"]
    result = _run_example("safe_test_data.py", tmp_path, *options, "--epochs", "1", "--rows", "500")
    assert "spent of 1" in result.stdout
    assert list(pd.read_csv(tmp_path / "synthetic.csv").columns) == list(people(5).columns)
