import json
import subprocess
import sys

import pandas as pd
import pytest
from click.testing import CliRunner

from synthgan import load
from synthgan.cli import main
from synthgan.io import read_table
from synthgan.persist import FORMAT_VERSION

FAST_ARGS = ["--epochs", "2", "--batch-size", "100", "--seed", "0", "--quiet"]


@pytest.fixture
def csv_path(tmp_path, mixed_frame):
    path = tmp_path / "real.csv"
    mixed_frame.to_csv(path, index=False)
    return path


@pytest.fixture
def model_path(tmp_path, csv_path):
    path = tmp_path / "m.sgm"
    result = CliRunner().invoke(main, ["fit", str(csv_path), "-o", str(path), *FAST_ARGS])
    assert result.exit_code == 0, result.output
    return path


def test_fit_writes_a_loadable_model(model_path):
    assert load(model_path).schema_["city"].kind == "categorical"
    assert load(model_path).postprocessor_.ratio is not None  # on by default


def test_fit_without_the_density_ratio(tmp_path, csv_path):
    path = tmp_path / "n.sgm"
    args = ["fit", str(csv_path), "-o", str(path), *FAST_ARGS, "--no-density-ratio"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert load(path).postprocessor_.ratio is None


def test_fit_with_overrides(tmp_path, csv_path):
    path = tmp_path / "o.sgm"
    result = CliRunner().invoke(
        main,
        [
            "fit",
            str(csv_path),
            "-o",
            str(path),
            *FAST_ARGS,
            "--override",
            "rating=integer",
            "--override",
            "label=target",
        ],
    )
    assert result.exit_code == 0, result.output
    schema = load(path).schema_
    assert schema["rating"].kind == "integer" and schema["label"].role == "target"


def test_sample_streams_to_parquet_with_conditions(tmp_path, model_path):
    out = tmp_path / "fake.parquet"
    result = CliRunner().invoke(
        main,
        [
            "sample",
            str(model_path),
            "-n",
            "1200",
            "-o",
            str(out),
            "--where",
            "city=Lima",
            "--where",
            "age=30..50",
            "--seed",
            "1",
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    fake = read_table(out)
    assert (
        len(fake) == 1200 and (fake["city"] == "Lima").all() and fake["age"].between(30, 50).all()
    )


def test_sample_to_stdout_as_csv(model_path):
    result = CliRunner().invoke(main, ["sample", str(model_path), "-n", "7", "--seed", "2", "-q"])
    assert result.exit_code == 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 8 and lines[0].startswith("amount,age,rating,city")


def test_same_seed_same_file(tmp_path, model_path):
    outputs = []
    for name in ("a.csv", "b.csv"):
        CliRunner().invoke(
            main,
            [
                "sample",
                str(model_path),
                "-n",
                "300",
                "-o",
                str(tmp_path / name),
                "--seed",
                "4",
                "-q",
            ],
        )
        outputs.append((tmp_path / name).read_bytes())
    assert outputs[0] == outputs[1]


def test_info_shows_schema_and_training(model_path):
    result = CliRunner().invoke(main, ["info", str(model_path)])
    assert result.exit_code == 0
    for text in (
        f"format {FORMAT_VERSION}",
        "trained on 400 rows",
        "epochs 2",
        "city",
        "categorical",
        "4 values",
    ):
        assert text in result.output
    as_json = json.loads(CliRunner().invoke(main, ["info", str(model_path), "--json"]).output)
    assert as_json["schema"]["columns"][0]["name"] == "amount"
    assert len(as_json["history"]) == 2


def test_schema_command_shows_inferred_kinds(csv_path):
    result = CliRunner().invoke(main, ["schema", str(csv_path), "--override", "label=target"])
    assert result.exit_code == 0
    row = next(line for line in result.output.splitlines() if line.startswith("label"))
    assert "categorical" in row and "target" in row


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["fit", "missing.csv", "-o", "x.sgm"], 1, "InputFileError: No such file"),
        (["fit", "data.txt", "-o", "x.sgm"], 1, "Cannot tell the format"),
        (["fit", "REAL", "-o", "x.sgm", "--epochs", "0"], 2, "Invalid value for '--epochs'"),
        (["fit", "REAL", "-o", "x.sgm", "--override", "nocolumn"], 2, "expected COLUMN=VALUE"),
        (["fit", "REAL", "-o", "x.sgm", "--override", "zzz=integer", "-q"], 1, "SchemaError"),
        (
            ["sample", "MODEL", "-n", "5", "--where", "city=Mars"],
            1,
            "ConditionError: Column 'city' has no value 'Mars'",
        ),
        (["sample", "MODEL"], 2, "Missing option '-n'"),
        (["sample", "REAL", "-n", "5"], 1, "ModelFileError"),
        (["info", "nothing.sgm"], 1, "ModelFileError: No model file"),
    ],
)
def test_bad_arguments_give_clear_errors_and_exit_codes(
    tmp_path, csv_path, model_path, args, code, message, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    args = [str(csv_path) if a == "REAL" else str(model_path) if a == "MODEL" else a for a in args]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == code
    assert message in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "x.sgm").exists()


def test_unreadable_csv_is_an_input_file_error(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"a,b\n\xff\xfe\x00,1\n")
    result = CliRunner().invoke(main, ["fit", str(bad), "-o", str(tmp_path / "m.sgm")])
    assert result.exit_code == 1 and "InputFileError" in result.output


def test_demo_on_a_user_table(tmp_path, csv_path):
    out_dir = tmp_path / "demo"
    result = CliRunner().invoke(
        main,
        [
            "demo",
            "--data",
            str(csv_path),
            "--out-dir",
            str(out_dir),
            "--epochs",
            "1",
            "--rows",
            "300",
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "detection ROC AUC" in result.output and "80 held out" in result.output
    summary = json.loads((out_dir / "summary.json").read_text())
    assert 0 < summary["scores"]["quality"] <= 1 and "exact_copy_rate" in summary["scores"]
    assert len(pd.read_csv(out_dir / "synthetic.csv")) == 300
    assert load(out_dir / "model.sgm").fit_info_["rows"] == 320  # a fifth is held out
    report = json.loads((out_dir / "report.json").read_text())
    assert report["settings"]["rows"] == {"real": 320, "synthetic": 300, "holdout": 80}
    assert (out_dir / "report.html").read_text().startswith("<!DOCTYPE html>")


def test_demo_leaves_out_what_the_user_ignores(tmp_path, mixed_frame):
    data = tmp_path / "people.csv"
    mixed_frame.assign(email=[f"p{i}@example.org" for i in range(len(mixed_frame))]).to_csv(
        data, index=False
    )
    out_dir = tmp_path / "demo"
    args = ["demo", "--data", str(data), "--out-dir", str(out_dir), "--epochs", "1", "-q"]
    result = CliRunner().invoke(main, [*args, "--ignore", "email"])
    assert result.exit_code == 0, result.output
    assert "email" not in pd.read_csv(out_dir / "synthetic.csv").columns
    report = json.loads((out_dir / "report.json").read_text())
    assert "email" not in report["settings"]["columns"] and "column 'email'" in result.output


@pytest.mark.parametrize("option", ["--target", "--sensitive", "--ignore"])
def test_demo_names_a_misspelt_column_before_fitting(tmp_path, csv_path, option):
    out_dir = tmp_path / "demo"
    result = CliRunner().invoke(
        main, ["demo", "--data", str(csv_path), "--out-dir", str(out_dir), option, "incmoe"]
    )
    assert result.exit_code == 1 and f"{option} 'incmoe' is not a column" in result.output
    assert not out_dir.exists()  # failed before any work or output


def test_console_script_runs_in_a_subprocess(model_path):
    result = subprocess.run(
        [sys.executable, "-m", "synthgan.cli", "sample", str(model_path), "-n", "3", "-q"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.strip().splitlines()) == 4


def test_quiet_fit_prints_nothing(tmp_path, csv_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "synthgan.cli",
            "fit",
            str(csv_path),
            "-o",
            str(tmp_path / "q.sgm"),
            *FAST_ARGS,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0 and result.stdout == "" and result.stderr == ""


@pytest.mark.parametrize("where", ["missing-folder", "under-a-file", "the-input"])
def test_fit_refuses_an_unwritable_output_before_training(tmp_path, csv_path, monkeypatch, where):
    """Under DP a fit whose model cannot be saved would spend the budget for nothing: the output
    is checked before the data is read, and the data file is never overwritten."""
    from synthgan.synthesizer import Synthesizer

    def never(*args, **kwargs):
        raise AssertionError("training started")

    monkeypatch.setattr(Synthesizer, "fit", never)
    (tmp_path / "file").write_text("x")
    output = {
        "missing-folder": tmp_path / "nope" / "m.sgm",
        "under-a-file": tmp_path / "file" / "m.sgm",
        "the-input": csv_path,
    }[where]
    before = csv_path.read_bytes()
    result = CliRunner().invoke(
        main, ["fit", str(csv_path), "-o", str(output), "--epsilon", "1", *FAST_ARGS]
    )
    assert result.exit_code == 1, result.output
    assert "InputFileError: " in result.output and "training started" not in result.output
    assert csv_path.read_bytes() == before
    assert not [p for p in tmp_path.rglob(".*.tmp")]


def test_sample_refuses_an_unwritable_output_before_loading(tmp_path):
    result = CliRunner().invoke(
        main,
        ["sample", str(tmp_path / "absent.sgm"), "-n", "5", "-o", str(tmp_path / "x" / "f.csv")],
    )
    assert result.exit_code == 1 and "folder" in result.output and "does not exist" in result.output


def test_the_help_loads_neither_torch_nor_the_library():
    """`synthgan --help` must be instant: the package's names are imported on first use."""
    code = (
        "import sys; from click.testing import CliRunner; from synthgan.cli import main; "
        "assert CliRunner().invoke(main, ['--help']).exit_code == 0; "
        "heavy = {'torch', 'opacus', 'sklearn', 'pandas'} & set(sys.modules); "
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_package_names_stay_what_they_are_whatever_was_imported_first():
    code = (
        "import synthgan.evaluate.quality, synthgan.auditing.audit, synthgan; "
        "from synthgan import evaluate, audit, Synthesizer; "
        "assert callable(evaluate) and callable(audit) and synthgan.evaluate is evaluate; "
        "assert sorted(dir(synthgan)) == sorted(synthgan.__all__)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_importing_synthgan_leaves_the_callers_logging_alone():
    """Opacus configures the root logger when imported; synthgan undoes it."""
    code = (
        "import logging; from synthgan import Synthesizer; import synthgan.train.dp, "
        "synthgan.privacy.accountant, synthgan.auditing.attacks; "
        "assert logging.getLogger().handlers == [], logging.getLogger().handlers"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("quiet", [True, False])
def test_quiet_silences_warnings_and_log_warnings_too(quiet):
    code = (
        "import logging, warnings; from synthgan.cli.app import setup_logging; "
        f"setup_logging({quiet}); logging.getLogger('synthgan.x').warning('LOGWARN'); "
        "warnings.warn('PYWARN')"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0
    shown = "LOGWARN" in result.stderr, "PYWARN" in result.stderr
    assert shown == ((False, False) if quiet else (True, True))
