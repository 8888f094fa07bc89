"""The metric registry: every score ``evaluate`` can produce, declared once.

Each :class:`Metric` says what its score key means, which area it belongs to, which way is
better and over what range; a headline metric also carries the verdict rule (thresholds and what
to compare with). The summary, the JSON, the HTML tables and the verdicts all read this registry,
so a label or a threshold is changed in one place. The tiers follow SDMetrics: a metric (a score
with a goal and a range), a property (an area's details table), a report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["METRICS", "Goal", "Headline", "Metric", "Thresholds", "metric", "table_metrics"]

Area = Literal["quality", "utility", "privacy", "fairness"]
#: maximize / minimize: one direction is better; closer: nearer ``ideal`` is better;
#: info: no better direction (a baseline, or a figure whose goal depends on the use).
Goal = Literal["maximize", "minimize", "closer", "info"]

UNBOUNDED = float("inf")

#: A group's rate whose 95% interval is wider than ± this is too noisy to carry a parity gap.
NOISY_RATE = 0.05


@dataclass(frozen=True)
class Thresholds:
    """Where *good* and *fair* end, on the score or, with ``relative_to``, on its gap to another
    score (a missing one counts as 0)."""

    good: float
    fair: float
    higher_is_better: bool
    relative_to: str | None = None
    #: Good whenever the lower end of the 95% interval (the ``interval_low`` fact) is at or below
    #: this: the attack may then be no better than chance, whatever its point estimate.
    good_if_interval_reaches: float | None = None
    #: "not informative" when the ``relative_to`` score is at or below this: a reference near
    #: chance (a target the other columns cannot predict) makes any comparison with it empty.
    informative_above: float | None = None

    def grade(self, value: float, scores: dict[str, float], facts: dict[str, Any]) -> str:
        reference = scores.get(self.relative_to or "", 0.0)
        if self.informative_above is not None and reference <= self.informative_above:
            return "not informative"
        low = facts.get("interval_low")
        reaches = self.good_if_interval_reaches
        if reaches is not None and low is not None and low <= reaches:
            return "good"
        if self.relative_to is not None:
            value -= scores.get(self.relative_to, 0.0)
        good, fair = self.good, self.fair
        if not self.higher_is_better:
            value, good, fair = -value, -good, -fair
        return "good" if value >= good else "fair" if value >= fair else "poor"


@dataclass(frozen=True)
class Headline:
    """How a metric appears among the verdicts a reader looks at first.

    ``compare_with`` and ``meaning`` are format strings over the scores and the ``facts`` read
    off the details; ``compare_without`` stands in when a score that ``compare_with`` names is
    missing.
    """

    label: str
    compare_with: str
    meaning: str
    thresholds: Thresholds | None = None  # None: the verdict is "info"
    needs: tuple[str, ...] = ()  # other scores the line cannot do without
    compare_without: str = ""
    facts: Callable[[dict[str, float], dict[str, Any]], dict[str, Any]] | None = None


@dataclass(frozen=True)
class Metric:
    """One score: its key in ``Report.scores``, its label in the tables, its goal and range."""

    key: str
    label: str
    area: Area
    goal: Goal
    range: tuple[float, float]
    ideal: float | str | None = None  # for goal "closer": a number, or the key of a score
    table: Area | None = None  # the HTML section whose score table lists it
    headline: Headline | None = None

    def describe(self) -> dict[str, Any]:
        """The declaration as JSON-ready values, for readers of a saved report."""
        low, high = (None if abs(x) == UNBOUNDED else x for x in self.range)
        out = {"label": self.label, "area": self.area, "goal": self.goal, "range": [low, high]}
        return out | ({"ideal": self.ideal} if self.ideal is not None else {})


def _membership_facts(scores: dict[str, float], details: dict[str, Any]) -> dict[str, Any]:
    strongest = details.get("membership", {}).get("strongest")
    low = details["membership"][strongest]["auc_ci"][0] if strongest else scores["mia_auc"]
    return {"strongest": strongest, "interval_low": low}


def _distance_facts(scores: dict[str, float], details: dict[str, Any]) -> dict[str, Any]:
    """Whether the distances were measured on a sample of the synthetic rows, and its margin."""
    distance = details.get("privacy", {})
    measured, rows = distance.get("synthetic_rows_measured"), distance.get("synthetic_rows")
    if measured is None or measured == rows:
        return {"measured": ""}
    margin = distance["dcr_share_margin"]
    return {"measured": f" (a sample of {measured:,} of {rows:,} synthetic rows: ±{margin:.3f})"}


def _noisy_groups(table: str) -> Callable[[dict[str, float], dict[str, Any]], dict[str, Any]]:
    """A caveat when the highest or lowest group rate of ``table`` rests on too few rows."""

    def facts(scores: dict[str, float], details: dict[str, Any]) -> dict[str, Any]:
        rates, groups = (details["fairness"][part][table] for part in ("rates", "groups"))
        extremes = {max(rates, key=rates.get), min(rates, key=rates.get)}
        noisy = [
            f"{g} ({groups[g]['rows']:,} rows, 95% interval "
            f"{groups[g]['interval'][0]:.2f}-{groups[g]['interval'][1]:.2f})"
            for g in sorted(extremes)
            if (groups[g]["interval"][1] - groups[g]["interval"][0]) / 2 > NOISY_RATE
        ]
        if not noisy:
            return {"caveat": ""}
        return {
            "caveat": "the highest or lowest rate is a small group's, itself uncertain: "
            f"{'; '.join(noisy)}."
        }

    return facts


UNIT = (0.0, 1.0)
PARITY_MEANING = "Largest difference in the positive rate between sensitive groups."

QUALITY = (
    Metric(
        "quality",
        "quality (mean of column shapes and pair trends, SDMetrics' definitions)",
        "quality",
        "maximize",
        UNIT,
        table="quality",
        headline=Headline(
            "quality",
            "100% = same shapes and pairs",
            "How closely columns and column pairs match the real table.",
            Thresholds(0.85, 0.70, higher_is_better=True),
        ),
    ),
    Metric("column_shapes", "column shapes", "quality", "maximize", UNIT, table="quality"),
    Metric(
        "column_pair_trends",
        "column pair trends, every pair",
        "quality",
        "maximize",
        UNIT,
        table="quality",
    ),
    Metric(
        "column_pair_trends_sdmetrics",
        "column pair trends, only pairs SDMetrics' report counts (|r| > 0.5 or V > 0.3)",
        "quality",
        "info",
        UNIT,
        table="quality",
    ),
    Metric(
        "detection_auc",
        "detection ROC AUC (0.5 = indistinguishable)",
        "quality",
        "closer",
        UNIT,
        ideal=0.5,
        table="quality",
        headline=Headline(
            "detection ROC AUC",
            "0.5 = indistinguishable; logistic {detection_lr_auc:.3f}",
            "How well a classifier tells synthetic rows from real ones.",
            Thresholds(0.60, 0.80, higher_is_better=False),
            compare_without="0.5 = indistinguishable",
        ),
    ),
    Metric(
        "detection_lr_auc",
        "detection ROC AUC, logistic regression (published C2ST figures use a linear one)",
        "quality",
        "closer",
        UNIT,
        ideal=0.5,
        table="quality",
    ),
    Metric(
        "detection",
        "detection score (100% = indistinguishable)",
        "quality",
        "maximize",
        UNIT,
        table="quality",
    ),
    Metric(
        "coverage",
        "coverage: real rows with a synthetic row among their 5 nearest neighbours' reach",
        "quality",
        "closer",
        UNIT,
        ideal="holdout_coverage",
        table="quality",
        headline=Headline(
            "coverage (diversity)",
            "holdout {holdout_coverage:.3f}",
            "Share of real rows with a synthetic row nearby; a collapsed generator scores low.",
            Thresholds(-0.05, -0.15, higher_is_better=True, relative_to="holdout_coverage"),
            needs=("holdout_coverage",),
        ),
    ),
    Metric(
        "holdout_coverage",
        "coverage of the real rows by holdout rows (baseline)",
        "quality",
        "info",
        UNIT,
        table="quality",
    ),
    Metric(
        "category_coverage",
        "categories (>= 0.1 % of real rows) reaching a tenth of their real share",
        "quality",
        "maximize",
        UNIT,
        table="quality",
    ),
    Metric(
        "range_coverage",
        "deciles of numeric columns reaching a tenth of their real share",
        "quality",
        "maximize",
        UNIT,
        table="quality",
    ),
    Metric(
        "synthetic_duplicate_rate",
        "synthetic rows repeating another synthetic row",
        "quality",
        "closer",
        UNIT,
        ideal="real_duplicate_rate",
        table="quality",
    ),
    Metric(
        "real_duplicate_rate",
        "real rows repeating another real row (baseline)",
        "quality",
        "info",
        UNIT,
        table="quality",
    ),
)


def _utility() -> tuple[Metric, ...]:
    """Each model's holdout metrics, trained on real (trtr) or synthetic (tstr) rows; the key is
    setting_[lr_]metric, as utility.py writes it."""
    #: Where a model trained on the real rows is no better than this, it is near chance.
    near_chance = {"auc": 0.55, "r2": 0.05}
    measures = {  # name: (label, goal, range)
        "accuracy": ("accuracy", "maximize", UNIT),
        "f1": ("macro F1", "maximize", UNIT),
        "auc": ("ROC AUC", "maximize", UNIT),
        "r2": ("R²", "maximize", (-UNBOUNDED, 1.0)),
        "mae": ("mean absolute error", "minimize", (0.0, UNBOUNDED)),
    }
    out = []
    for setting, trained in (("tstr", "synthetic"), ("trtr", "real")):
        for prefix, model in (("", "boosting"), ("lr_", "linear model")):
            for name, (label, goal, bounds) in measures.items():
                headline = None
                if setting == "tstr" and not prefix and name in ("auc", "r2"):
                    headline = Headline(
                        f"train-synthetic {label}",
                        f"train-real {{trtr_{name}:.3f}}",
                        "A model trained on synthetic rows, scored on real holdout rows.",
                        Thresholds(
                            -0.03,
                            -0.10,
                            higher_is_better=True,
                            relative_to=f"trtr_{name}",
                            informative_above=near_chance[name],
                        ),
                        needs=(f"trtr_{name}",),
                    )
                out.append(
                    Metric(
                        f"{setting}_{prefix}{name}",
                        f"{label}, {model} trained on {trained} rows",
                        "utility",
                        goal if setting == "tstr" else "info",
                        bounds,
                        headline=headline,
                    )
                )
    out += [
        Metric(
            "label_share_error",
            "largest relative gap between a class's synthetic and real share (classes >= 1 %)",
            "utility",
            "minimize",
            (0.0, UNBOUNDED),
            headline=Headline(
                "target class shares",
                "0% = the real shares",
                "How far the rarest-made class's share is from its real share, relatively.",
                Thresholds(0.10, 0.25, higher_is_better=False),
            ),
        ),
        Metric(
            "tstr_positive_rate",
            "holdout rows predicted positive, boosting trained on synthetic rows",
            "utility",
            "closer",
            UNIT,
            ideal="holdout_positive_rate",
        ),
        Metric(
            "trtr_positive_rate",
            "holdout rows predicted positive, boosting trained on real rows",
            "utility",
            "info",
            UNIT,
        ),
        Metric(
            "holdout_positive_rate",
            "holdout rows that are positive (truth)",
            "utility",
            "info",
            UNIT,
        ),
    ]
    out.append(
        Metric(
            "augmentation_gain",
            "augmentation gain (boosting, real + synthetic vs real)",
            "utility",
            "maximize",
            (-UNBOUNDED, UNBOUNDED),
            headline=Headline(
                "augmentation gain",
                "0 = no change",
                "Real + synthetic rows against real rows alone, on the holdout.",
            ),
        )
    )
    return tuple(out)


def _distance(key: str, label: str, goal: Goal, bounds, ideal=None, headline=None) -> Metric:
    return Metric(key, label, "privacy", goal, bounds, ideal, "privacy", headline)


PRIVACY = (
    _distance(
        "exact_copy_rate",
        "synthetic rows identical to a training row",
        "minimize",
        UNIT,
        headline=Headline(
            "exact copies of training rows",
            "holdout {holdout_copy_rate:.3f}",
            "Synthetic rows identical to a training row, against how often real new rows are.",
            # No more copies than real new rows make, give or take 0.1 %.
            Thresholds(0.001, 0.001, higher_is_better=False, relative_to="holdout_copy_rate"),
            compare_without="no holdout",
        ),
    ),
    _distance(
        "holdout_copy_rate", "holdout rows identical to a training row (baseline)", "info", UNIT
    ),
    _distance(
        "dcr_share",
        "share of synthetic rows closer to train than to holdout",
        "minimize",
        UNIT,
        headline=Headline(
            "closer to train than holdout",
            "expected {dcr_share_expected:.3f}",
            "Share of synthetic rows whose nearest real row is a training row{measured}.",
            Thresholds(0.02, 0.05, higher_is_better=False, relative_to="dcr_share_expected"),
            needs=("dcr_share_expected",),
            facts=_distance_facts,
        ),
    ),
    _distance(
        "dcr_share_expected",
        "expected share without memorisation, n_train / (n_train + n_holdout)",
        "info",
        UNIT,
    ),
    _distance(
        "dcr_p5",
        "5th percentile distance, synthetic → train",
        "closer",
        (0.0, UNBOUNDED),
        "holdout_dcr_p5",
    ),
    _distance(
        "holdout_dcr_p5",
        "5th percentile distance, holdout → train (baseline)",
        "info",
        (0.0, UNBOUNDED),
    ),
    _distance(
        "nndr_median",
        "median nearest / second-nearest ratio, synthetic → train",
        "closer",
        UNIT,
        "holdout_nndr_median",
    ),
    _distance("holdout_nndr_median", "the same for holdout rows (baseline)", "info", UNIT),
)


def _membership() -> tuple[Metric, ...]:
    """The stronger attack's AUC, then each attack's AUC and TPR at 1% and 0.1% FPR."""
    out = [
        Metric(
            "mia_auc",
            "membership attack ROC AUC, the stronger attack",
            "privacy",
            "closer",
            UNIT,
            ideal=0.5,
            headline=Headline(
                "membership attack ROC AUC",
                "0.5 = chance",
                "The stronger of two attacks ({strongest}); 95% interval lower end "
                "{interval_low:.3f}.",
                Thresholds(0.55, 0.60, higher_is_better=False, good_if_interval_reaches=0.5),
                facts=_membership_facts,
            ),
        )
    ]
    for attack, name in (("distance", "distance"), ("density_ratio", "density-ratio")):
        out.append(
            Metric(f"mia_{attack}_auc", f"{name} attack ROC AUC", "privacy", "closer", UNIT, 0.5)
        )
        for pct, fpr in (("1pct", "1%"), ("0_1pct", "0.1%")):
            out.append(
                Metric(
                    f"mia_{attack}_tpr_at_{pct}_fpr",
                    f"{name} attack TPR at {fpr} FPR",
                    "privacy",
                    "minimize",
                    UNIT,
                )
            )
    return tuple(out)


def _fairness() -> tuple[Metric, ...]:
    """Parity of the positive rate between sensitive groups, per table and per model."""
    out = [
        Metric(
            "dp_gap",
            "demographic-parity difference, synthetic (the headline's)",
            "fairness",
            "info",
            UNIT,
            headline=Headline(
                "demographic-parity gap (data)",
                "real {dp_gap_real:.3f}",
                PARITY_MEANING,
                needs=("dp_gap_real",),
                facts=_noisy_groups("synthetic"),
            ),
        )
    ]
    for name in ("real", "synthetic", "holdout", "trtr", "tstr"):
        gap_headline = None
        if name == "tstr":
            gap_headline = Headline(
                "demographic-parity gap (model)",
                "train-real {dp_gap_trtr:.3f}",
                "The same gap in a synthetic-trained model's holdout predictions.",
                facts=_noisy_groups("tstr_predictions"),
            )
        out += [
            Metric(
                f"dp_gap_{name}",
                f"demographic-parity difference, {name}",
                "fairness",
                "info",
                UNIT,
                table="fairness",
                headline=gap_headline,
            ),
            Metric(
                f"dp_ratio_{name}",
                f"demographic-parity ratio, {name}",
                "fairness",
                "info",
                UNIT,
                table="fairness",
            ),
        ]
        if name in ("trtr", "tstr"):
            out.append(
                Metric(
                    f"eo_gap_{name}",
                    f"equalized-odds difference, {name}",
                    "fairness",
                    "info",
                    UNIT,
                    table="fairness",
                )
            )
    return tuple(out)


#: Every score in the order the report lists them; the headline verdicts follow this order.
METRICS: tuple[Metric, ...] = QUALITY + _utility() + PRIVACY + _membership() + _fairness()
_BY_KEY = {m.key: m for m in METRICS}
if len(_BY_KEY) != len(METRICS):
    raise RuntimeError("two metrics share a key in the registry")


def metric(key: str) -> Metric:
    """The declaration of score ``key``; a KeyError names a score that was never declared."""
    return _BY_KEY[key]


def table_metrics(table: Area) -> list[Metric]:
    """The metrics an HTML section's score table lists, in registry order."""
    return [m for m in METRICS if m.table == table]
