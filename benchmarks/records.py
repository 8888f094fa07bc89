"""One record type for every benchmark, and the reader that converts the older formats.

Every benchmark writes :class:`Record` s (one JSON object each, with a ``format_version``) and
``report.py`` reads nothing else. Files written before this type existed (the two-tool runs, the
DP comparison, the sweep, the fairness lines, the evaluator runs and the suite's own records)
are converted as they are read, so RESULTS.md can still be rebuilt from them.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

FORMAT_VERSION = 1
ENVIRONMENT = ("date", "machine", "versions")


@dataclass(frozen=True)
class Record:
    """What was run (``what``: suite, tool-pair, dp-compare, dp-sweep, dp-speed, fairness,
    fit-scale, fit-processes, epoch-speed, startup, eval-speed, eval-sanity, eval-scale, audit, audit-shadow), on which data, with which tool and settings; its scores
    (``synthgan.evaluate``'s keys), its timings, where and from which commit and command.
    ``details`` holds what only that kind of benchmark reports."""

    what: str
    dataset: str
    tool: str | None = None
    seed: int | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    scores: dict[str, float] = field(default_factory=dict)
    timings: dict[str, Any] = field(default_factory=dict)
    environment: dict[str, Any] = field(default_factory=dict)
    commit: str | None = None
    command: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def date(self) -> str:
        return self.environment.get("date", "")

    def to_dict(self) -> dict[str, Any]:
        return {"format_version": FORMAT_VERSION, **asdict(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Record:
        if data.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"not a benchmark record of format {FORMAT_VERSION}: {list(data)[:5]}")
        return cls(**{k: v for k, v in data.items() if k != "format_version"})


def with_environment(environment: dict[str, Any], **fields: Any) -> Record:
    """A record stamped with ``benchmarks.environment.describe()``'s date, machine and commit."""
    env = {k: environment[k] for k in ENVIRONMENT if k in environment}
    return Record(environment=env, commit=environment.get("commit"), **fields)


def save(record: Record, path: Path) -> None:
    """One record as one JSON file (a suite run, an evaluator run)."""
    path.write_text(json.dumps(record.to_dict(), indent=2) + "\n")


def append(record: Record, path: Path) -> None:
    """One record as one more line of a JSON-lines file (sweeps, fairness fits)."""
    with path.open("a") as out:
        out.write(json.dumps(record.to_dict()) + "\n")


def read(path: Path) -> list[Record]:
    """The records of one file, new or old format, in file order."""
    if path.suffix == ".jsonl":
        return [r for line in path.read_text().splitlines() if line for r in _convert(line)]
    return _convert(path.read_text())


def _convert(text: str) -> list[Record]:
    data = json.loads(text)
    if "format_version" in data:
        return [Record.from_dict(data)]
    for marker, convert in LEGACY:
        if marker in data:
            return convert(data)
    raise ValueError(f"unknown benchmark record with keys {sorted(data)[:8]}")


def _environment(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "environment": {k: data[k] for k in ENVIRONMENT if k in data},
        "commit": data.get("commit"),
    }


def _suite(d: dict[str, Any]) -> list[Record]:
    settings = d.get("settings", {}) | {
        k: d[k] for k in ("run", "epsilon", "delta", "fair") if k in d
    }
    timings = {k: d[k] for k in ("fit", "sample", "score_seconds", "wall_seconds") if k in d}
    return [
        Record(
            "suite",
            d["dataset"],
            d.get("tool"),
            settings.get("seed"),
            settings,
            d.get("scores", {}),
            timings,
            command=d.get("command"),
            details={k: d[k] for k in ("invocation", "error") if k in d},
            **_environment(d),
        )
    ]


def _tool_pair(d: dict[str, Any]) -> list[Record]:
    """The early synthgan-against-ctgan runs: one record per tool; the real rows' TSTR AUC
    (a model trained on real rows) is the TRTR AUC."""
    return [
        Record(
            "tool-pair",
            d["suite"],
            name,
            d["settings"]["seed"],
            d["settings"],
            tool["scores"] | {"trtr_auc": d["real"]["tstr_auc"]},
            {k: tool[k] for k in ("fit", "sample", "stream") if k in tool},
            command=d["command"],
            **_environment(d),
        )
        for name, tool in d["tools"].items()
    ]


def _dp_compare(d: dict[str, Any]) -> list[Record]:
    return [
        Record(
            "dp-compare",
            d["suite"],
            run["tool"],
            settings={"epsilon": run["epsilon"], "delta": d["delta"]},
            scores=run.get("scores", {}) | {"trtr_auc": d["real"]["tstr_auc"]},
            timings={"fit": run["fit"]} if "fit" in run else {},
            command=d["command"],
            details={"skipped": run["skipped"]} if "skipped" in run else {},
            **_environment(d),
        )
        for run in d["runs"]
    ]


def _dp_sweep(d: dict[str, Any]) -> list[Record]:
    extra = ("epsilon_spent", "noise_multiplier", "steps", "resolved", "pipeline")
    return [
        Record(
            "dp-sweep",
            d["suite"],
            "synthgan",
            d["seed"],
            {"epsilon": d["epsilon"], "delta": d["delta"], "synthesizer": d["settings"]},
            d["scores"],
            {"fit_seconds": d["fit_seconds"]},
            details={k: d[k] for k in extra if k in d}
            | ({"scores_unmatched": d["scores_unmatched"]} if "scores_unmatched" in d else {}),
            **_environment(d),
        )
    ]


def _fairness(d: dict[str, Any]) -> list[Record]:
    settings = {k: d.get(k) for k in ("weight", "epsilon", "epochs")}
    settings["dp_target"] = d.get("dp_target", False)
    return [
        Record(
            "fairness",
            d["suite"],
            "synthgan",
            d.get("seed", 0),
            settings,
            d["scores"],
            {"fit_seconds": d["fit_seconds"]},
            command=d.get("command"),
            details={k: d.get(k) for k in ("epsilon_spent", "frontier", "draws")},
            **_environment(d),
        )
    ]


def _dp_speed(d: dict[str, Any]) -> list[Record]:
    return [
        Record(
            "dp-speed",
            d["suite"],
            "synthgan",
            settings={"batch_size": d["batch_size"]},
            timings={"epoch_seconds": d["epoch_seconds"]},
            details={"ratio": d["ratio"], "note": d["note"]},
            **_environment(d),
        )
    ]


def _evaluator(d: dict[str, Any]) -> list[Record]:
    return [
        Record(
            f"eval-{d['part']}",
            "adult",
            command=d["command"],
            details=d["result"],
            **_environment(d),
        )
    ]


#: (a key only that format has, its converter), tried in order.
LEGACY = (
    ("tools", _tool_pair),
    ("runs", _dp_compare),
    ("part", _evaluator),
    ("run", _suite),
    ("weight", _fairness),
    ("noise_multiplier", _dp_sweep),
    ("ratio", _dp_speed),
)


def load(results: Path) -> list[Record]:
    """Every record under ``results`` (and its suite/ folder), files in name order."""
    paths = sorted(p for p in results.rglob("*") if p.suffix in (".json", ".jsonl"))
    return [r for p in paths for r in read(p)]
