"""``evaluate``: score a synthetic table against the real one for quality, utility, privacy risk
and fairness, in one call that works on any synthetic table, not only synthgan's."""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from synthgan._version import __version__
from synthgan.errors import ConfigError
from synthgan.evaluate.detection import detection_scores
from synthgan.evaluate.distance import distance_risks
from synthgan.evaluate.distributions import column_distributions
from synthgan.evaluate.diversity import diversity_scores
from synthgan.evaluate.fairness import fairness_scores
from synthgan.evaluate.features import DistanceSpace
from synthgan.evaluate.membership import membership_attacks
from synthgan.evaluate.quality import quality_scores
from synthgan.evaluate.report import Report
from synthgan.evaluate.samples import sample_rows
from synthgan.evaluate.tables import EvalTables, prepare_tables, sensitive_list
from synthgan.evaluate.utility import utility_scores
from synthgan.progress import progress_bar

__all__ = ["evaluate"]

logger = logging.getLogger("synthgan")

PARTS = (
    "quality",
    "distributions",
    "detection",
    "utility",
    "encoding",
    "privacy",
    "membership",
    "fairness",
    "diversity",
)
#: A categorical column all-distinct over at least this many real rows is warned about as an ID.
MIN_ID_ROWS = 20
#: Parts whose output another part reads: it runs whenever the part that needs it does.
NEEDS = {
    "fairness": ("utility",),
    "privacy": ("encoding",),
    "membership": ("encoding",),
    "diversity": ("encoding",),
}


def evaluate(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    holdout: pd.DataFrame | None = None,
    *,
    target: str | None = None,
    sensitive: str | Sequence[str] | None = None,
    positive: Any = None,
    ignore: Sequence[str] = (),
    model: Any = None,
    seed: int = 0,
    verbose: bool = True,
    parts: Collection[str] | None = None,
) -> Report:
    """Compare ``synthetic`` with the ``real`` rows it was learned from.

    ``holdout`` is real rows the generator never saw; utility, the distance-to-closest-record
    share and the membership attacks need it. ``target`` enables utility (and, with
    ``sensitive``, fairness: a column, or a list of columns whose combinations are the groups,
    e.g. ``["sex", "race"]``); ``positive`` names the class of interest of a two-class target (by
    default the rarer one). ``ignore`` leaves columns such as IDs out of every metric. ``model``,
    a fitted :class:`~synthgan.Synthesizer` or the path of its ``.sgm`` file, adds the model's
    settings and differential-privacy ledger to the report.

    ``parts`` (default: all of :data:`PARTS`) runs only the named parts, and those they read
    from; a benchmark that needs utility alone skips the rest. Utility and fairness scores do
    not depend on the other parts; detection, distances and attacks draw from one seeded
    generator in turn, so skipping one of them changes the others' draws.
    """
    selected = _selected_parts(parts)
    started = time.perf_counter()
    ledger, audit, model_summary, curves, unlearned = _model_facts(model)
    regenerated = [
        c
        for c in unlearned
        if c in real.columns and c not in {*ignore, target, *sensitive_list(sensitive)}
    ]
    ignore = [*ignore, *regenerated]
    tables = prepare_tables(
        real,
        synthetic,
        holdout,
        target=target,
        sensitive=sensitive,
        positive=positive,
        ignore=ignore,
    )
    _warn_about_ids(tables)
    rng = np.random.default_rng(seed)
    scores: dict[str, float] = {}
    not_applicable: dict[str, str] = {
        f"column {c!r}": "the model does not learn it (an ID it regenerates, or a column "
        "declared ignored): left out of every metric"
        for c in regenerated
    }
    details: dict[str, Any] = {}
    timings: dict[str, float] = {"prepare": time.perf_counter() - started}

    with progress_bar(total=len(selected), desc="evaluate", unit="part", enabled=verbose) as bar:

        def run(name: str, compute) -> Any:
            """Run one part, keep its scores, details and reasons, and time it."""
            if name not in selected:
                return None
            bar.set_postfix_str(name)
            clock = time.perf_counter()
            part_scores, part_details, part_na, *extra = compute()
            scores.update(part_scores)
            not_applicable.update(part_na)
            if part_details:
                details[name] = part_details
            timings[name] = time.perf_counter() - clock
            bar.update(1)
            return extra[0] if extra else None

        run("quality", lambda: quality_scores(tables))
        run("distributions", lambda: column_distributions(tables))
        run("detection", lambda: detection_scores(tables, rng, seed))
        predictions = run("utility", lambda: utility_scores(tables, seed))
        encoded = run("encoding", lambda: encode_tables(tables))
        run("privacy", lambda: distance_risks(tables, encoded, rng))
        run("membership", lambda: membership_attacks(tables, encoded, rng, seed))
        run("fairness", lambda: fairness_scores(tables, predictions))
        run("diversity", lambda: diversity_scores(tables, encoded, rng))

    _check_finite(scores)
    settings = {
        "rows": {
            n: len(t)
            for n, t in (
                ("real", tables.real),
                ("synthetic", tables.synthetic),
                ("holdout", tables.holdout),
            )
            if t is not None
        },
        "columns": dict(tables.kinds),
        "target": target,
        "task": tables.task,
        "positive": tables.positive,
        "sensitive": tables.sensitive,
        "ignored": list(ignore),
        "seed": seed,
        "synthgan_version": __version__,
        "evaluated_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    if curves:
        details["model"] = {"training_curves": curves}
    details["samples"] = sample_rows(real, synthetic, list(tables.kinds), seed)
    report = Report(
        scores, not_applicable, details, settings, timings, ledger, model_summary, audit
    )
    logger.info("evaluation done in %.1fs", sum(timings.values()))
    return report


def _selected_parts(parts: Collection[str] | None) -> set[str]:
    if parts is None:
        return set(PARTS)
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        raise ConfigError(f"Unknown evaluation parts {unknown}; choose from {list(PARTS)}.")
    selected = set(parts)
    for part in list(selected):
        selected.update(NEEDS.get(part, ()))
    return selected


def encode_tables(tables) -> tuple[dict, dict, dict, dict[str, np.ndarray]]:
    """Every table as points in one distance space (shared by the distance and attack parts)."""
    space = DistanceSpace(tables)
    named = {"real": tables.real, "synthetic": tables.synthetic, "holdout": tables.holdout}
    encoded = {name: space.encode(t) for name, t in named.items() if t is not None}
    return {}, {"width": space.width}, {}, encoded


def _model_facts(
    model: Any,
) -> tuple[dict | None, dict | None, str | None, dict[str, Any], list[str]]:
    """The DP ledger, its privacy audit, a readable summary, the training curves of the model
    that made the synthetic table, and the columns it does not learn (IDs, ignored columns)."""
    if model is None:
        return None, None, None, {}, []
    from synthgan.report_text import describe_model, training_series

    if isinstance(model, str | os.PathLike):
        from synthgan.auditing.result import read_sidecar
        from synthgan.persist import read_model

        manifest, _ = read_model(Path(model))
        audit = read_sidecar(model)
    elif hasattr(model, "manifest"):
        manifest, audit = model.manifest(), getattr(model, "audit_", None)
    else:
        raise ConfigError("model= takes a fitted Synthesizer or the path of a .sgm file.")
    curves = training_series(manifest.get("history", []), manifest.get("fit", {}))
    unlearned = [c["name"] for c in manifest["schema"]["columns"] if c["role"] in ("id", "ignored")]
    return manifest.get("privacy"), audit, describe_model(manifest, audit), curves, unlearned


def _warn_about_ids(tables: EvalTables) -> None:
    """A column with a different label in every real row (an ID) scores as if it were lost."""
    for column in tables.categorical:
        values = tables.real[column].dropna()
        if len(values) >= MIN_ID_ROWS and values.nunique() == len(values):
            logger.warning(
                "column %r has a different value in every real row, like an ID: its shape and "
                "detection scores say little; leave it out with ignore=[%r] (--ignore %s)",
                column,
                column,
                column,
            )


def _check_finite(scores: dict[str, float]) -> None:
    """Every score is a finite number; a NaN here is a bug in synthgan, never a result."""
    bad = [k for k, v in scores.items() if not math.isfinite(v)]
    if bad:
        raise AssertionError(f"non-finite evaluation scores {bad}; please report this")
