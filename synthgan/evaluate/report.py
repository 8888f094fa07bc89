"""The evaluation's result: flat scores, verdicts a person can read, and JSON / HTML output."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from synthgan.io import atomic_path

__all__ = ["NOT_DP_STATEMENT", "PRIVACY_STATEMENT", "Report", "Verdict"]

#: At the top of every report: its figures come from the real rows.
NOT_DP_STATEMENT = (
    "This report reads the real rows: it is not covered by any differential-privacy guarantee, "
    "whatever the model's. Keep it with the data owner; share the synthetic rows and the privacy "
    "ledger instead."
)

PRIVACY_STATEMENT = (
    "Distance and membership-inference figures are empirical risk estimates for the attacks run "
    "here, not guarantees: a stronger attack may do better. Only differential privacy bounds "
    "every attack."
)


@dataclass(frozen=True)
class Verdict:
    """One headline line: a metric, what to compare it with, and what it means."""

    area: str
    metric: str
    label: str
    value: float
    reference: str
    verdict: str  # good / fair / poor, or info where there is no better direction
    meaning: str
    caveat: str = ""  # why this figure may not mean what it seems to, where that is known


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
    verdicts: list[Verdict] = field(init=False)

    def __post_init__(self) -> None:
        self.verdicts = headline_verdicts(self.scores, self.details)

    def summary(self) -> str:
        """A terminal table of the headline verdicts, then what was not applicable."""
        rows = [("area", "metric", "value", "compare with", "verdict")]
        rows += [(v.area, v.label, f"{v.value:.3f}", v.reference, v.verdict) for v in self.verdicts]
        widths = [max(len(r[i]) for r in rows) for i in range(5)]
        lines = [
            "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
            for row in rows
        ]
        lines.insert(1, "  ".join("-" * w for w in widths))
        lines[:0] = [NOT_DP_STATEMENT, ""]
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
        return {
            "scores": self.scores,
            "not_applicable": self.not_applicable,
            "verdicts": [v.__dict__ for v in self.verdicts],
            "details": self.details,
            "settings": self.settings,
            "timings": self.timings,
            "privacy_statement": PRIVACY_STATEMENT,
            "not_dp_statement": NOT_DP_STATEMENT,
            "ledger": self.ledger,
            "model_summary": self.model_summary,
        }

    def to_json(self, path: str | os.PathLike | None = None) -> str:
        """The report as JSON text; also written atomically to ``path`` when one is given."""
        text = json.dumps(self.to_dict(), indent=2)
        if path is not None:
            with atomic_path(path) as tmp:
                tmp.write_text(text + "\n", encoding="utf-8")
        return text

    def to_html(self, path: str | os.PathLike) -> Path:
        """One self-contained HTML file (plots inline, no network fetches), written atomically."""
        from synthgan.evaluate.html import render

        text = render(self)
        with atomic_path(path) as tmp:
            tmp.write_text(text, encoding="utf-8")
        return Path(path)


def _grade(value: float, good: float, fair: float, *, higher_is_better: bool) -> str:
    if not higher_is_better:
        value, good, fair = -value, -good, -fair
    return "good" if value >= good else "fair" if value >= fair else "poor"


#: A group's rate whose 95% interval is wider than ± this is too noisy to carry a parity gap.
NOISY_RATE = 0.05


def _noisy_groups(details: dict[str, Any], table: str) -> str:
    """A caveat when the highest or lowest group rate of ``table`` rests on too few rows."""
    rates, groups = (details["fairness"][part][table] for part in ("rates", "groups"))
    extremes = {max(rates, key=rates.get), min(rates, key=rates.get)}
    noisy = [
        f"{g} ({groups[g]['rows']:,} rows, 95% interval "
        f"{groups[g]['interval'][0]:.2f}-{groups[g]['interval'][1]:.2f})"
        for g in sorted(extremes)
        if (groups[g]["interval"][1] - groups[g]["interval"][0]) / 2 > NOISY_RATE
    ]
    if not noisy:
        return ""
    return f"the highest or lowest rate is a small group's, itself uncertain: {'; '.join(noisy)}."


def headline_verdicts(scores: dict[str, float], details: dict[str, Any]) -> list[Verdict]:
    """The lines a reader should look at first; each says what the number is compared with."""
    s = scores
    out: list[Verdict] = []
    if "quality" in s:
        out.append(
            Verdict(
                "quality",
                "quality",
                "SDMetrics quality",
                s["quality"],
                "1 = same shapes and pairs",
                _grade(s["quality"], 0.85, 0.70, higher_is_better=True),
                "How closely columns and column pairs match the real table.",
            )
        )
    if "detection_auc" in s:
        out.append(
            Verdict(
                "quality",
                "detection_auc",
                "detection ROC AUC",
                s["detection_auc"],
                "0.5 = indistinguishable",
                _grade(s["detection_auc"], 0.60, 0.80, higher_is_better=False),
                "How well a classifier tells synthetic rows from real ones.",
            )
        )
    for metric, name in (("auc", "ROC AUC"), ("r2", "R²")):
        if f"tstr_{metric}" in s and f"trtr_{metric}" in s:
            tstr, trtr = s[f"tstr_{metric}"], s[f"trtr_{metric}"]
            out.append(
                Verdict(
                    "utility",
                    f"tstr_{metric}",
                    f"train-synthetic {name}",
                    tstr,
                    f"train-real {trtr:.3f}",
                    _grade(tstr - trtr, -0.03, -0.10, higher_is_better=True),
                    "A model trained on synthetic rows, scored on real holdout rows.",
                )
            )
    if "augmentation_gain" in s:
        out.append(
            Verdict(
                "utility",
                "augmentation_gain",
                "augmentation gain",
                s["augmentation_gain"],
                "0 = no change",
                "info",
                "Real + synthetic rows against real rows alone, on the holdout.",
            )
        )
    if "exact_copy_rate" in s:
        holdout = s.get("holdout_copy_rate")
        allowed = (holdout if holdout is not None else 0.0) + 0.001
        out.append(
            Verdict(
                "privacy",
                "exact_copy_rate",
                "exact copies of training rows",
                s["exact_copy_rate"],
                f"holdout {holdout:.3f}" if holdout is not None else "no holdout",
                "good" if s["exact_copy_rate"] <= allowed else "poor",
                "Synthetic rows identical to a training row, against how often real new rows are.",
            )
        )
    if "dcr_share" in s:
        excess = s["dcr_share"] - s["dcr_share_expected"]
        out.append(
            Verdict(
                "privacy",
                "dcr_share",
                "closer to train than holdout",
                s["dcr_share"],
                f"expected {s['dcr_share_expected']:.3f}",
                _grade(excess, 0.02, 0.05, higher_is_better=False),
                "Share of synthetic rows whose nearest real row is a training row.",
            )
        )
    if "mia_auc" in s:
        strongest = details.get("membership", {}).get("strongest")
        low = details["membership"][strongest]["auc_ci"][0] if strongest else s["mia_auc"]
        verdict = "good" if low <= 0.5 else _grade(s["mia_auc"], 0.55, 0.60, higher_is_better=False)
        out.append(
            Verdict(
                "privacy",
                "mia_auc",
                "membership attack ROC AUC",
                s["mia_auc"],
                "0.5 = chance",
                verdict,
                f"The stronger of two attacks ({strongest}); 95% interval lower end {low:.3f}.",
            )
        )
    if "dp_gap_synthetic" in s and "dp_gap_real" in s:
        out.append(
            Verdict(
                "fairness",
                "dp_gap",
                "demographic-parity gap (data)",
                s["dp_gap_synthetic"],
                f"real {s['dp_gap_real']:.3f}",
                "info",
                "Largest difference in the positive rate between sensitive groups.",
                _noisy_groups(details, "synthetic"),
            )
        )
    if "dp_gap_tstr" in s:
        reference = f"train-real {s['dp_gap_trtr']:.3f}" if "dp_gap_trtr" in s else ""
        out.append(
            Verdict(
                "fairness",
                "dp_gap_tstr",
                "demographic-parity gap (model)",
                s["dp_gap_tstr"],
                reference,
                "info",
                "The same gap in a synthetic-trained model's holdout predictions.",
                _noisy_groups(details, "tstr_predictions"),
            )
        )
    return out
