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
