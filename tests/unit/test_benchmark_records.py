"""Benchmark records: one type, and every record already in benchmarks/results/ converts to it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.records import Record, append, load, read, save

RESULTS = Path(__file__).resolve().parents[2] / "benchmarks" / "results"


def test_every_stored_result_reads_as_a_record():
    records = load(RESULTS)
    kinds = {r.what for r in records}
    assert {"suite", "tool-pair", "dp-compare", "dp-sweep", "fairness", "eval-speed"} <= kinds
    assert all(r.dataset and r.date for r in records)


def test_a_record_round_trips_through_json_and_json_lines(tmp_path):
    record = Record("suite", "adult", "synthgan", 0, {"run": "synthgan"}, {"tstr_auc": 0.9})
    save(record, tmp_path / "one.json")
    append(record, tmp_path / "many.jsonl")
    append(record, tmp_path / "many.jsonl")
    assert read(tmp_path / "one.json") == [record]
    assert read(tmp_path / "many.jsonl") == [record, record]


def test_the_old_two_tool_format_becomes_one_record_per_tool(tmp_path):
    path = tmp_path / "adult-old.json"
    tool = {"fit": {"epoch_seconds": 1.0}, "scores": {"tstr_auc": 0.8}}
    path.write_text(
        json.dumps(
            {
                "suite": "adult",
                "date": "2026-01-01T00:00:00+00:00",
                "command": "python -m benchmarks run",
                "settings": {"epochs": 1, "seed": 0},
                "real": {"tstr_auc": 0.9},
                "tools": {"ctgan": tool, "synthgan": tool},
            }
        )
    )
    ctgan, ours = read(path)
    assert (ctgan.tool, ours.tool) == ("ctgan", "synthgan")
    assert ours.scores == {"tstr_auc": 0.8, "trtr_auc": 0.9}  # the real rows' model is TRTR
    assert ours.timings["fit"] == {"epoch_seconds": 1.0}


def test_an_unknown_record_is_refused(tmp_path):
    (tmp_path / "x.json").write_text('{"what": 1}')
    with pytest.raises(ValueError, match="unknown benchmark record"):
        read(tmp_path / "x.json")


def _suite(tool: str, seed: int, commit: str, when: str, **scores) -> Record:
    scores = {"detection_lr_auc": 0.6, **scores}
    return Record(
        "suite", "compas", tool, seed, {"run": tool}, scores, commit=commit,
        details={"invocation": when},
    )  # fmt: skip


def test_the_seeds_table_judges_every_seed_of_synthgans_newest_commit():
    from benchmarks.suite_report import seeds_section

    records = [
        _suite("tvae", 0, "a", "1", tstr_auc=0.70, detection_auc=1.0),
        _suite("tvae", 1, "a", "2", tstr_auc=0.72, detection_auc=1.0),
        _suite("synthgan", 0, "old", "3", tstr_auc=0.50, detection_auc=0.70),  # older code
        _suite("synthgan", 0, "new", "4", tstr_auc=0.75, detection_auc=0.80),
        _suite("synthgan", 1, "new", "5", tstr_auc=0.73, detection_auc=0.90),
    ]
    text = "\n".join(seeds_section(records))
    assert "| synthgan | 0, 1 | new | 0.850 (0.800–0.900) | 0.740 (0.730–0.750) |" in text
    assert "| synthgan | tstr_auc ≥ tvae's mean 0.710 | 0.750, 0.730 | yes |" in text
    assert "| synthgan | detection_auc ≤ 0.850 | 0.800, 0.900 | no |" in text  # one seed misses it
