"""The evaluation's result: flat scores, verdicts a person can read, and JSON / HTML output."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, overload

from synthgan.evaluate.formatting import format_value
from synthgan.evaluate.html import headline_html, render
from synthgan.evaluate.metrics import metric
from synthgan.evaluate.statements import NOT_DP_STATEMENT, PRIVACY_STATEMENT, audit_text
from synthgan.evaluate.verdicts import (
    AreaVerdict,
    Verdict,
    area_verdicts,
    headline_verdicts,
    overall_verdict,
)
from synthgan.io import atomic_path

__all__ = ["NOT_DP_STATEMENT", "PRIVACY_STATEMENT", "AreaVerdict", "Report", "Verdict"]


@dataclass
class Report:
    """Scores (a flat dict of finite numbers), what could not be computed and why, and details.

    ``not_applicable`` maps a metric or a whole section to the reason it was left out, so a
    missing score is always explained and never a NaN.
    """

    scores: dict[str, float]
    not_applicable: dict[str, str]
    details: dict[str, Any]
    settings: dict[str, Any]
    timings: dict[str, float]
    ledger: dict[str, Any] | None = None
    model_summary: str | None = None
    audit: dict[str, Any] | None = None  # a privacy audit of the model's pipeline, if run
    verdicts: list[Verdict] = field(init=False)
    areas: list[AreaVerdict] = field(init=False)  # one verdict per area, from its worst line
    overall: AreaVerdict = field(init=False)

    def __post_init__(self) -> None:
        self.verdicts = headline_verdicts(self.scores, self.details)
        self.areas = area_verdicts(self.verdicts)
        self.overall = overall_verdict(self.areas)

    def summary(self) -> str:
        """The overall and per-area verdicts, the headline table, then what was not applicable."""
        verdicts = [f"Overall: {self.overall.verdict.upper()}. {self.overall.summary}"]
        verdicts += [f"  {a.area}: {a.verdict}. {a.summary}" for a in self.areas]
        rows = [("area", "metric", "value", "compare with", "verdict")]
        rows += [
            (v.area, v.label, format_value(v.metric, v.value), v.reference, v.verdict)
            for v in self.verdicts
        ]
        widths = [max(len(r[i]) for r in rows) for i in range(5)]
        lines = [
            "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
            for row in rows
        ]
        lines.insert(1, "  ".join("-" * w for w in widths))
        lines[:0] = [*verdicts, "", NOT_DP_STATEMENT, ""]
        caveats = [f"  {v.label}: {v.caveat}" for v in self.verdicts if v.caveat]
        if caveats:
            lines += ["", "Caveats:", *caveats]
        if self.not_applicable:
            lines += ["", "Not applicable:"]
            lines += [f"  {name}: {reason}" for name, reason in self.not_applicable.items()]
        lines += ["", PRIVACY_STATEMENT]
        if self.ledger:
            from synthgan.privacy import PrivacyLedger

            lines += ["", PrivacyLedger.from_dict(self.ledger).report()]
            if self.audit:
                lines += ["", audit_text(self.audit)]
        elif self.model_summary:
            lines += [
                "",
                "The model that made this table was trained without differential privacy.",
            ]
        lines += [
            "",
            f"Evaluated in {sum(self.timings.values()):.1f}s ("
            + ", ".join(f"{k} {v:.1f}s" for k, v in self.timings.items())
            + ").",
        ]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """Everything in the report as JSON-ready values (what :meth:`to_json` writes)."""
        return {
            "scores": self.scores,
            "metrics": {key: metric(key).describe() for key in self.scores},
            "not_applicable": self.not_applicable,
            "overall": self.overall.__dict__,
            "areas": [a.__dict__ for a in self.areas],
            "verdicts": [v.__dict__ for v in self.verdicts],
            "details": self.details,
            "settings": self.settings,
            "timings": self.timings,
            "privacy_statement": PRIVACY_STATEMENT,
            "not_dp_statement": NOT_DP_STATEMENT,
            "ledger": self.ledger,
            "model_summary": self.model_summary,
            "audit": self.audit,
        }

    def to_json(self, path: str | os.PathLike | None = None) -> str:
        """The report as JSON text; also written atomically to ``path`` when one is given."""
        text = json.dumps(self.to_dict(), indent=2)
        if path is not None:
            with atomic_path(path) as tmp:
                tmp.write_text(text + "\n", encoding="utf-8")
        return text

    @overload
    def to_html(self, path: None = None) -> str: ...
    @overload
    def to_html(self, path: str | os.PathLike) -> Path: ...
    def to_html(self, path: str | os.PathLike | None = None) -> str | Path:
        """The report as one self-contained HTML page (plots inline, no network fetches): the
        page itself, or, given a ``path``, that path, written atomically."""
        text = render(self)
        if path is None:
            return text
        with atomic_path(path) as tmp:
            tmp.write_text(text, encoding="utf-8")
        return Path(path)

    def _repr_html_(self) -> str:
        """In a notebook: the headline verdicts (``to_html()`` has the whole page)."""
        return headline_html(self)
