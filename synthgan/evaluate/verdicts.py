"""Headline verdicts: the registry's headline metrics, graded, with what each is compared with."""

from __future__ import annotations

from dataclasses import dataclass
from string import Formatter
from typing import Any

from synthgan.evaluate.formatting import format_reference, format_value
from synthgan.evaluate.metrics import METRICS, Headline

__all__ = ["AreaVerdict", "Verdict", "area_verdicts", "headline_verdicts", "overall_verdict"]

#: Graded verdicts, best first; an area is as good as its worst graded line.
GRADES = ("good", "fair", "poor")
NOT_INFORMATIVE = "not informative"


@dataclass(frozen=True)
class Verdict:
    """One headline line: a metric, what to compare it with, and what it means."""

    area: str
    metric: str
    label: str
    value: float
    reference: str
    #: good / fair / poor; info where there is no better direction; not informative where the
    #: reference itself carries no signal (a model trained on the real rows is near chance).
    verdict: str
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
        meaning = headline.meaning.format_map(known)
        if grade == NOT_INFORMATIVE:
            meaning = (
                f"The reference ({_compare_with(headline, known, scores)}) is near "
                "chance, so the real rows themselves do not predict this; the comparison "
                "says nothing about the synthetic rows."
            )
        out.append(
            Verdict(
                m.area,
                m.key,
                headline.label,
                value,
                _compare_with(headline, known, scores),
                grade,
                meaning,
                facts.get("caveat", ""),
            )
        )
    return out


def _compare_with(headline: Headline, known: dict[str, Any], scores: dict[str, float]) -> str:
    """The reference, each score in it written as the report writes that score."""
    fields = {name for _, name, _, _ in Formatter().parse(headline.compare_with) if name}
    if fields <= scores.keys():
        return format_reference(headline.compare_with, scores) or headline.compare_without
    if fields <= known.keys():
        return headline.compare_with.format_map(known)
    return headline.compare_without


@dataclass(frozen=True)
class AreaVerdict:
    """One area's verdict (or the overall one), and the sentence that says why."""

    area: str  # quality / utility / privacy / fairness, or overall
    verdict: str  # good / fair / poor / not informative / info
    summary: str


def area_verdicts(verdicts: list[Verdict]) -> list[AreaVerdict]:
    """Each area's verdict is its worst graded line, so one poor figure is never averaged away."""
    areas: dict[str, list[Verdict]] = {}
    for v in verdicts:
        areas.setdefault(v.area, []).append(v)
    return [_area(area, lines) for area, lines in areas.items()]


def overall_verdict(areas: list[AreaVerdict]) -> AreaVerdict:
    """The worst graded area: a sample that leaks rows is poor however faithful it is."""
    graded = [a for a in areas if a.verdict in GRADES]
    empty = ", ".join(a.area for a in areas if a.verdict == NOT_INFORMATIVE)
    if not graded:
        if empty:
            return AreaVerdict("overall", NOT_INFORMATIVE, f"Not informative: {empty}.")
        return AreaVerdict("overall", "info", "No area has a graded figure.")
    worst = max(graded, key=lambda a: GRADES.index(a.verdict))
    if worst.verdict == "good":
        names = ", ".join(a.area for a in graded)
        also = f" Not informative: {empty}." if empty else ""
        return AreaVerdict("overall", "good", f"Every graded area is good ({names}).{also}")
    return AreaVerdict("overall", worst.verdict, f"{worst.area.capitalize()}: {worst.summary}")


def _area(area: str, lines: list[Verdict]) -> AreaVerdict:
    """The worst graded line; a line that is not informative outranks only good ones, so a
    target nothing predicts never reads as good utility."""
    graded = [v for v in lines if v.verdict in GRADES]
    empty = [v for v in lines if v.verdict == NOT_INFORMATIVE]
    worst = max(graded, key=lambda v: GRADES.index(v.verdict), default=None)
    if worst is not None and worst.verdict != "good":
        return AreaVerdict(
            area,
            worst.verdict,
            f"{worst.label} {format_value(worst.metric, worst.value)} against {worst.reference} "
            f"({worst.verdict}).",
        )
    if empty:
        return AreaVerdict(area, NOT_INFORMATIVE, f"{empty[0].label}: {empty[0].meaning}")
    if worst is None:
        first = lines[0]
        value = format_value(first.metric, first.value)
        return AreaVerdict(area, "info", f"{first.label} {value} ({first.reference}).")
    if len(graded) == 1:
        return AreaVerdict(area, "good", f"Its graded figure ({graded[0].label}) is good.")
    return AreaVerdict(area, "good", f"All {len(graded)} graded figures are good.")
