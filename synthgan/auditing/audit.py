"""``synthgan.audit``: check a DP claim on your own table with one (or a few) training runs.

Each run draws a subsample of the table and ``canaries`` worst-case rows, puts each canary in
the training table with probability ½ (a coin the auditor keeps), fits the pipeline exactly as
configured, and scores every canary white-box (the DP releases the critic was trained with)
and black-box (the synthetic sample alone). Each attack's guesses give an ε lower bound
(:mod:`synthgan.auditing.bound`); the attacks' bounds are Bonferroni-corrected, so the largest
holds at the stated confidence. A bound above the claimed ε proves the pipeline leaks more
than it claims; a bound below it is consistent with the claim but does not prove it.
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import roc_auc_score

from synthgan.auditing.attacks import GradientCanaries, black_box_scores
from synthgan.auditing.bound import Bound, best_bound
from synthgan.auditing.canaries import make_canaries
from synthgan.auditing.result import AttackResult, Audit
from synthgan.errors import ConfigError, DataError
from synthgan.inference import infer_schema
from synthgan.privacy.plan import declare_public
from synthgan.synthesizer import Synthesizer
from synthgan.training import release_watch
from synthgan.transform.coerce import coerce_table

__all__ = ["AttackResult", "Audit", "audit"]

logger = logging.getLogger(__name__)
#: The fit's diagnostics (lost modes, duplicates): about the model, not the audit.
DIAGNOSTICS = "synthgan.diagnostics"


def audit(
    data: pd.DataFrame,
    synthesizer: Synthesizer,
    *,
    canaries: int = 1000,
    runs: int = 1,
    rows: int | None = 5000,
    seed: int | None = None,
    confidence: float = 0.95,
) -> Audit:
    """Audit the DP pipeline ``synthesizer`` is configured with, on ``data``.

    The audit fits copies (in one process); ``synthesizer`` itself is not fitted. A fitted DP
    model keeps the result as ``audit_`` in memory, and ``evaluate(..., model=it)`` shows it
    beside the ledger. The result reads the real rows without privacy, so it is never written
    into the model file: ``synthgan audit --model`` writes it beside it
    (:func:`synthgan.auditing.result.sidecar`).

    ``canaries`` per run, each included with probability ½; ``runs`` independent fits pool
    their guesses (a stronger bound for proportionally more time); ``rows``: the subsample of
    ``data`` each run trains on besides its canaries (``None``: every row). Column kinds come
    from the synthesizer's ``overrides`` when it has them, else from the values.
    """
    privacy = synthesizer.privacy
    if privacy is None:
        raise ConfigError(
            "audit checks a differential-privacy claim: give the synthesizer a Privacy(...). "
            "For a synthetic table made without DP, use the membership attacks of evaluate()."
        )
    privacy.validate()
    _check_counts(canaries, runs, rows, confidence)
    if not isinstance(data, pd.DataFrame) or data.empty:
        raise DataError("audit needs the real table as a non-empty pandas DataFrame.")
    overrides = synthesizer.overrides
    schema = declare_public(
        infer_schema(data, overrides, private=overrides is not None), privacy.public
    )
    if overrides is None:
        logger.warning(
            "The audit read the column kinds from the values; a DP fit needs them declared "
            "(overrides), and audits best with the same declarations."
        )
    # The user's own declarations (public domains, decimals) when given, so the audited fits
    # are theirs; else the kinds read from the values.
    declared = overrides or {c.name: schema.declaration()[c.name] for c in schema.learned}
    table = coerce_table(data, schema)
    rng = np.random.default_rng(seed)
    started = time.perf_counter()
    scores: dict[str, list[np.ndarray]] = {}
    included: dict[str, list[np.ndarray]] = {}
    spent = []
    for run in range(runs):
        base = table.sample(n=min(rows or len(table), len(table)), random_state=rng)
        base = base.reset_index(drop=True)
        chosen = _canaries(base, schema, canaries, rng)
        inside = rng.random(2 * canaries) < 0.5
        train, positions = _training_table(base, chosen, inside, rng)
        run_seed = int(rng.integers(2**31 - 1))
        logger.info("Audit run %d of %d: fitting on %d rows", run + 1, runs, len(train))
        model = clone(synthesizer).set_params(
            overrides=declared, seed=run_seed, verbose=False, distributed=None
        )
        white = GradientCanaries(
            positions[:canaries], len(train), privacy.max_grad_norm, replay_seed=run_seed
        )
        token = release_watch.set(white.watch())
        try:
            with _silenced(DIAGNOSTICS):  # how well a canary-laden fit learned is beside the point
                model.fit(train)
        finally:
            release_watch.reset(token)
        spent.append(model.ledger_.epsilon_spent)
        sgd = model.ledger_.training
        # As many rows whichever canaries are in: the guesses read nothing but the release.
        synthetic = model.sample(len(base) + canaries, seed=run_seed)
        for name, s in white.scores.items():
            scores.setdefault(name, []).append(s)
            included.setdefault(name, []).append(inside[:canaries])
        black = black_box_scores(chosen.iloc[canaries:], synthetic, base)
        for name, s in black.items():
            scores.setdefault(name, []).append(s)
            included.setdefault(name, []).append(inside[canaries:])
    delta = privacy.resolved_delta()
    # Bonferroni over the attacks: the best of them holds at ``confidence``.
    each = 1 - (1 - confidence) / len(scores)
    results = tuple(
        _attack_result(name, np.concatenate(s), np.concatenate(included[name]), delta, each)
        for name, s in scores.items()
    )
    result = Audit(
        epsilon_claimed=privacy.epsilon,
        delta=delta,
        epsilon_spent=max(spent),
        canaries=canaries,
        runs=runs,
        rows=min(rows or len(table), len(table)),
        confidence=confidence,
        noise_multiplier=sgd["noise_multiplier"],
        sample_rate=sgd["sample_rate"],
        steps=sgd["steps"],
        attacks=results,
        seconds=round(time.perf_counter() - started, 1),
    )
    if getattr(synthesizer, "ledger_", None) is not None:  # a fitted DP model keeps it in memory
        synthesizer.audit_ = result.to_dict()
    return result


def _canaries(
    base: pd.DataFrame, schema: Any, canaries: int, rng: np.random.Generator
) -> pd.DataFrame:
    """``canaries`` gradient canaries, then as many black-box ones, all distinct."""
    try:
        return make_canaries(base, schema, 2 * canaries, rng)
    except ConfigError as e:
        raise ConfigError(
            f"canaries={canaries} needs {2 * canaries:,} distinct canary rows ({canaries:,} of "
            f"each kind): {e}"
        ) from e


@contextlib.contextmanager
def _silenced(name: str) -> Iterator[None]:
    """Warnings of logger ``name`` left out for the duration."""
    log = logging.getLogger(name)
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        log.setLevel(level)


def _training_table(
    base: pd.DataFrame, canaries: pd.DataFrame, inside: np.ndarray, rng: np.random.Generator
) -> tuple[pd.DataFrame, np.ndarray]:
    """The base rows and the included canaries, shuffled; and each canary's row (-1: out)."""
    train = pd.concat([base, canaries[inside]], ignore_index=True)
    order = rng.permutation(len(train))
    train = train.iloc[order].reset_index(drop=True)
    row_of = np.empty(len(train), dtype=np.int64)
    row_of[order] = np.arange(len(train))  # where each row of the concatenation went
    positions = np.full(len(canaries), -1, dtype=np.int64)
    positions[inside] = row_of[len(base) :]
    return train, positions


def _attack_result(
    name: str, scores: np.ndarray, inside: np.ndarray, delta: float, confidence: float
) -> AttackResult:
    bound: Bound = best_bound(scores, inside, delta, confidence=confidence)
    auc = roc_auc_score(inside, scores) if 0 < inside.sum() < len(inside) else 0.5
    epsilon = math.floor(bound.epsilon * 1e4) / 1e4  # a lower bound is never rounded up
    return AttackResult(name, epsilon, bound.guesses, bound.correct, float(auc))


def _check_counts(canaries: Any, runs: Any, rows: Any, confidence: Any) -> None:
    for name, value, low in (("canaries", canaries, 10), ("runs", runs, 1)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ConfigError(f"{name} must be an integer >= {low}; got {value!r}.")
    if rows is not None and (isinstance(rows, bool) or not isinstance(rows, int) or rows < 1):
        raise ConfigError(f"rows must be a positive integer or None; got {rows!r}.")
    if not (isinstance(confidence, float) and 0.5 <= confidence < 1 and math.isfinite(confidence)):
        raise ConfigError(f"confidence must be a float in [0.5, 1); got {confidence!r}.")
