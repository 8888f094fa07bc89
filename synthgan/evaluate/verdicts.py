"""Headline verdicts: the registry's headline metrics, graded, with what each is compared with."""

from __future__ import annotations

from dataclasses import dataclass
from string import Formatter
from typing import Any

from synthgan.evaluate.metrics import METRICS, Headline

__all__ = ["Verdict", "headline_verdicts"]


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


def headline_verdicts(scores: dict[str, float], details: dict[str, Any]) -> list[Verdict]:
    """The lines a reader should look at first, in registry order; a line whose score (or a score
    it needs) is missing is left out."""
    out = []
    for m in METRICS:
        headline = m.headline
        if headline is None or any(k not in scores for k in (m.key, *headline.needs)):
            continue
        facts = headline.facts(scores, details) if headline.facts else {}
        value = scores[m.key]
        known = scores | facts
        grade = headline.thresholds.grade(value, scores, facts) if headline.thresholds else "info"
        out.append(
            Verdict(
                m.area,
                m.key,
                headline.label,
                value,
                _compare_with(headline, known),
                grade,
                headline.meaning.format_map(known),
                facts.get("caveat", ""),
            )
        )
    return out


def _compare_with(headline: Headline, known: dict[str, Any]) -> str:
    fields = {name for _, name, _, _ in Formatter().parse(headline.compare_with) if name}
    if fields <= known.keys():
        return headline.compare_with.format_map(known)
    return headline.compare_without
