import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]


def test_quickstart_example_runs(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "examples" / "quickstart.py"),
            "--epochs",
            "1",
            "--out-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "conditional rows" in result.stdout
    assert len(pd.read_parquet(tmp_path / "synthetic.parquet")) == 100_000


def test_private_copy_example_runs(tmp_path):
    command = [sys.executable, str(ROOT / "examples" / "private_copy.py"), "--epochs", "1"]
    command += ["--out-dir", str(tmp_path)]
    result = subprocess.run(command, capture_output=True, text=True, check=False, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "spent of 1" in result.stdout
    assert "region: ['midwest', 'northeast', 'south', 'west']" in result.stdout
    assert len(pd.read_csv(tmp_path / "synthetic.csv")) == 10_000
    assert "DP-SGD" in (tmp_path / "privacy-ledger.txt").read_text()


def test_privacy_audit_example_flags_a_noisy_copy(tmp_path):
    command = [sys.executable, str(ROOT / "examples" / "privacy_audit.py")]
    command += ["--out-dir", str(tmp_path)]
    result = subprocess.run(command, capture_output=True, text=True, check=False, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    s = report["scores"]
    assert s["dcr_share"] > s["dcr_share_expected"] + 0.05  # the audit sees the leak
    assert s["mia_auc"] > 0.6 and s["exact_copy_rate"] < 0.01  # hardly a copy, yet it leaks
    assert (tmp_path / "report.html").stat().st_size > 50_000
