"""A shadow-model membership attack on any synthetic table (in the spirit of TAPAS, Houssiau et
al. 2022): what a table made by someone else's generator leaks about its training rows.

The attacker holds a sample of the population (half of the holdout) and a generator like the
one that made the table. It trains the generator on shadow tables drawn from its sample, with
each of some candidate rows put in or left out by a coin, learns from the shadow synthetic
tables what a member's neighbourhood looks like (distances to the closest synthetic rows, how
many copies, how much denser the synthetic rows crowd around the row than the population does),
and then scores the real training rows (members) against the other half of the holdout
(non-members) on the table under audit. Reported as ROC AUC and TPR at 1 % and 0.1 % FPR, with
95 % bootstrap intervals: an empirical risk estimate for this attack, not a guarantee.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier

from synthgan.errors import ConfigError, DataError
from synthgan.evaluate.features import DistanceSpace
from synthgan.evaluate.membership import attack_metrics
from synthgan.evaluate.neighbours import nearest_distances
from synthgan.evaluate.tables import prepare_tables
from synthgan.synthesizer import Synthesizer

__all__ = ["ShadowAttack", "shadow_attack", "synthgan_generator"]

logger = logging.getLogger(__name__)

#: A generator: (training table, rows wanted, seed) -> synthetic table.
Generator = Callable[[pd.DataFrame, int, int], pd.DataFrame]
#: Neighbours read for each candidate.
NEIGHBOURS = 5
#: Candidate rows per shadow table, each in with probability 1/2.
SHADOW_CANDIDATES = 200
#: Members (and as many non-members) scored at most.
MAX_TARGETS = 5000
#: Reference rows (the population's density) at most, and the fewest rows of a shadow table.
MAX_REFERENCE = 5000
MIN_ROWS = 50


def synthgan_generator(max_steps: int = 2000) -> Generator:
    """synthgan without DP, trained for ``max_steps`` steps: the default shadow generator."""

    def generate(table: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
        model = Synthesizer(max_steps=max_steps, seed=seed, verbose=False).fit(table)
        return model.sample(n, seed=seed)

    return generate


@dataclass(frozen=True)
class ShadowAttack:
    """The attack's figures on the table under audit (``metrics``: AUC, TPR at low FPR, each
    with a 95 % interval) and how it was run."""

    metrics: dict[str, Any]
    members: int
    non_members: int
    shadows: int
    shadow_rows: int
    seconds: float

    def summary(self) -> str:
        m = self.metrics

        def figure(key: str) -> str:
            low, high = m[f"{key}_ci"]
            return f"{m[key]:.3f} [{low:.3f}, {high:.3f}]"

        return (
            f"Shadow-model membership attack ({self.shadows} shadow tables of "
            f"{self.shadow_rows:,} rows; {self.members:,} training rows against "
            f"{self.non_members:,} holdout rows):\n"
            f"  ROC AUC {figure('auc')} (0.5: no better than guessing)\n"
            f"  TPR at 1% FPR {figure('tpr_at_1pct_fpr')}, at 0.1% FPR {figure('tpr_at_0_1pct_fpr')}"
            "\nAn empirical risk estimate for this attack, not a guarantee: a stronger attack may "
            "do better; only differential privacy bounds every attack."
        )

    def to_dict(self) -> dict[str, Any]:
        out = dict(vars(self))
        out["metrics"] = {k: v for k, v in self.metrics.items() if k != "roc"}
        return out


def shadow_attack(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    holdout: pd.DataFrame,
    *,
    generator: Generator | None = None,
    shadows: int = 6,
    shadow_rows: int | None = None,
    seed: int | None = None,
) -> ShadowAttack:
    """Attack ``synthetic`` (made from ``real``) with ``shadows`` shadow tables made by
    ``generator`` (default: :func:`synthgan_generator`) from half of ``holdout``; the other
    half are the non-members.

    A shadow table has ``shadow_rows`` rows (default: as many as ``real``, or as many as the
    holdout allows) and its generator makes as many synthetic rows per training row as the
    table under audit has: a member's chance of a close copy depends on that ratio."""
    if not isinstance(shadows, int) or isinstance(shadows, bool) or shadows < 2:
        raise ConfigError(f"shadows must be an integer >= 2; got {shadows!r}.")
    if shadow_rows is not None and (
        not isinstance(shadow_rows, int) or isinstance(shadow_rows, bool) or shadow_rows < MIN_ROWS
    ):
        raise ConfigError(
            f"shadow_rows must be None or an integer >= {MIN_ROWS}; got {shadow_rows!r}."
        )
    tables = prepare_tables(real, synthetic, holdout)  # the same columns and kinds, checked
    real, synthetic, holdout = tables.real, tables.synthetic, tables.holdout
    # Half the holdout are the non-members; of the other half, the attacker's sample of the
    # population, a part are reference rows (the population's density; never candidates, which
    # would find themselves among them) and the rest the pool shadow tables are drawn from.
    half = len(holdout) // 2
    n_reference = min(half // 2, MAX_REFERENCE)
    room = half - n_reference - SHADOW_CANDIDATES
    wanted = len(real) if shadow_rows is None else shadow_rows
    if room < min(wanted, MIN_ROWS) or (shadow_rows is not None and room < shadow_rows):
        raise DataError(
            f"The holdout has {len(holdout):,} rows, too few for shadow tables of "
            f"{wanted:,} rows: half are the non-members, and the other half must hold "
            f"{n_reference:,} reference rows, {SHADOW_CANDIDATES} candidates and the shadow "
            "table. Lower shadow_rows or give a larger holdout."
        )
    shadow_rows = min(wanted, room)
    if shadow_rows < len(real):
        logger.warning(
            "Shadow tables of %d rows against a training table of %d: the holdout is too small "
            "for shadows as large as the table, and the attack may understate the risk.",
            shadow_rows,
            len(real),
        )
    generate = generator or synthgan_generator()
    rng = np.random.default_rng(seed)
    started = time.perf_counter()
    order = rng.permutation(len(holdout))
    population = holdout.iloc[order[:half]].reset_index(drop=True)
    outsiders = holdout.iloc[order[half:]].reset_index(drop=True)
    # Every label of every table has a vertex, and each column one more (missing, or a label
    # only a shadow generator made): a blank row puts it there.
    every = pd.concat([holdout, real], ignore_index=True)
    every.loc[len(every)] = None
    space = DistanceSpace(prepare_tables(population, synthetic, every))
    reference = space.encode(population.iloc[:n_reference])
    pool = population.iloc[n_reference:]
    # Synthetic rows per training row, as the table under audit was made.
    per_row = len(synthetic) / len(real)

    features, labels = [], []
    for s in range(shadows):
        pick = rng.permutation(len(pool))
        train = pool.iloc[pick[:shadow_rows]]
        candidates = pool.iloc[pick[shadow_rows : shadow_rows + SHADOW_CANDIDATES]]
        inside = rng.random(len(candidates)) < 0.5
        table = pd.concat([train, candidates[inside]], ignore_index=True)
        logger.info(
            "Shadow table %d of %d: training the generator on %d rows", s + 1, shadows, len(table)
        )
        made = generate(
            table, max(round(per_row * len(table)), NEIGHBOURS), int(rng.integers(2**31))
        )
        made = prepare_tables(population, made[population.columns], holdout).synthetic
        features.append(_features(space, candidates, made, reference))
        labels.append(inside)
    attack = HistGradientBoostingClassifier(max_iter=200, random_state=0)
    attack.fit(np.concatenate(features), np.concatenate(labels))

    n = min(len(outsiders), len(real), MAX_TARGETS)
    members = real.iloc[rng.choice(len(real), n, replace=False)]
    targets = pd.concat([members, outsiders.iloc[:n]], ignore_index=True)
    score = attack.predict_proba(_features(space, targets, synthetic, reference))[:, 1]
    is_member = np.r_[np.ones(n, dtype=bool), np.zeros(n, dtype=bool)]
    return ShadowAttack(
        metrics=attack_metrics(score, is_member, rng),
        members=n,
        non_members=n,
        shadows=shadows,
        shadow_rows=shadow_rows,
        seconds=round(time.perf_counter() - started, 1),
    )


def _features(
    space: DistanceSpace, rows: pd.DataFrame, synthetic: pd.DataFrame, reference: np.ndarray
) -> np.ndarray:
    """Per row: log distances to its nearest synthetic rows and population rows, the density
    ratio between them, and how many of its nearest synthetic rows are copies of it."""
    points = space.encode(rows)
    to_synthetic = nearest_distances(points, space.encode(_known(space, synthetic)), NEIGHBOURS)
    to_reference = nearest_distances(points, reference, NEIGHBOURS)
    tiny = 1e-6
    log_s, log_r = np.log(to_synthetic + tiny), np.log(to_reference + tiny)
    copies = (to_synthetic < tiny).sum(1, keepdims=True)
    return np.hstack([log_s, log_r, log_r - log_s, copies])


def _known(space: DistanceSpace, table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with labels the space has no vertex for (a generator's own) made missing."""
    table = table.copy()
    for column, levels in space.levels.items():
        table[column] = table[column].where(table[column].isin(levels))
    return table
