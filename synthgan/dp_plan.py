"""The differentially private side of ``fit``: split the budget, run the DP statistics, plan
DP-SGD with the accountant, and write the ledger.

The order matters for honesty: the user's declarations and the δ split are fixed before any
statistic is taken; preprocessing noise is fixed before DP-SGD's noise is calibrated to what is
left; and the step budget is computed before the first step.
"""

from __future__ import annotations

import dataclasses
import logging
import platform
from typing import Any

import numpy as np
import opacus
import pandas as pd
import torch

from synthgan._version import __version__
from synthgan.accounting import Budget, combined_noise
from synthgan.errors import PrivacyError
from synthgan.privacy import THRESHOLD_DELTA_SHARE, Privacy, PrivacyLedger, rho_for
from synthgan.schema import Schema, datetime_to_seconds
from synthgan.transform.dp_stats import PrivateStatistics

__all__ = ["PrivatePlan"]

logger = logging.getLogger(__name__)


class PrivatePlan:
    """One DP fit's budget: created before the data is read, consulted at every stage."""

    def __init__(self, privacy: Privacy, n_rows: int, seed: np.random.SeedSequence):
        privacy.validate(n_rows)
        self.privacy = privacy
        self.delta = privacy.resolved_delta(n_rows)
        self.rng = np.random.default_rng(seed)

    def statistics(self, df: pd.DataFrame, structure: Schema) -> tuple[Schema, dict[str, Any]]:
        """Apply the public declarations, then take every statistic preprocessing needs."""
        schema = declare_public(structure, self.privacy.public)
        target = self.privacy.target
        if target is not None and target not in {c.name for c in schema.learned}:
            raise PrivacyError(
                f"Privacy(target={target!r}): the table has no learned column of that name "
                f"(learned columns: {[c.name for c in schema.learned][:20]})."
            )
        private_domains = any(c.discrete and c.source == "dp" for c in schema.learned)
        threshold_delta = self.delta * THRESHOLD_DELTA_SHARE if private_domains else 0.0
        rho = rho_for(self.privacy.epsilon, self.delta - threshold_delta)
        stats = PrivateStatistics(
            schema, rho * self.privacy.preprocessing_share, threshold_delta, self.rng, target
        )
        completed, summaries, self.n_rows = stats.run(df)
        self.items = stats.items
        self.target_pairs = stats.pairs
        self.budget = Budget(
            self.privacy.accountant,
            self.privacy.epsilon,
            self.delta - threshold_delta,
            combined_noise([i.noise_multiplier for i in self.items]),
        )
        return completed, summaries

    def schedule(self, batch_size: int, epochs: int) -> None:
        """Choose q, σ and the step budget; raise before training if the budget cannot pay."""
        self.batch_size = batch_size
        self.sample_rate = min(1.0, batch_size / self.n_rows)
        self.planned_steps = epochs * int(1 / self.sample_rate)
        sigma = self.privacy.noise_multiplier
        if sigma is None:
            sigma = self.budget.calibrate(self.sample_rate, self.planned_steps)
        self.noise_multiplier = sigma
        self.max_steps = self.budget.allowed_steps(sigma, self.sample_rate, self.planned_steps)
        if self.max_steps == 0:
            raise PrivacyError(
                f"The budget epsilon={self.privacy.epsilon:g} is too small for a single DP-SGD "
                f"step at noise multiplier {sigma:.3g} (preprocessing spends epsilon "
                f"{self.budget.spent():.3g}). Raise epsilon or the noise multiplier."
            )
        logger.info(
            "DP-SGD: noise multiplier %.3f, sampling rate %.4f, up to %d steps",
            sigma,
            self.sample_rate,
            self.max_steps,
        )

    def trainer_args(self) -> dict[str, Any]:
        return {
            "noise_multiplier": self.noise_multiplier,
            "max_grad_norm": self.privacy.max_grad_norm,
            "sample_rate": self.sample_rate,
            "max_steps": self.max_steps,
        }

    def ledger(self, trainer: Any, schema: Schema) -> PrivacyLedger:
        """The record of what was spent, with ε recomputed from the steps actually taken."""
        steps = trainer.steps_taken
        spent = self.budget.spent(self.noise_multiplier, self.sample_rate, steps)
        if spent > self.privacy.epsilon:  # cannot happen: the step budget forbids it
            raise RuntimeError(f"epsilon {spent} exceeds the target {self.privacy.epsilon}")
        public: dict[str, Any] = {
            "(structure)": "column names, kinds and roles (from dtypes, formats and overrides)"
        }
        for column in schema.learned:
            if column.source == "public":
                public[column.name] = list(column.categories or column.bounds or [])
        return PrivacyLedger(
            epsilon_target=self.privacy.epsilon,
            delta_target=self.delta,
            accountant=self.privacy.accountant,
            preprocessing=self.items,
            training={
                "mechanism": "DP-SGD (Opacus DPOptimizer) on the discriminator",
                "noise_multiplier": self.noise_multiplier,
                "max_grad_norm": self.privacy.max_grad_norm,
                "sample_rate": self.sample_rate,
                "expected_batch_size": self.batch_size,
                "dp_row_count": round(self.n_rows, 1),
                "steps": steps,
                "planned_steps": self.planned_steps,
                "stopped_by_budget": trainer.stopped_by_budget,
                "preprocessing_share": self.privacy.preprocessing_share,
            },
            public=public,
            epsilon_spent=spent,
            versions={
                "synthgan": __version__,
                "opacus": opacus.__version__,
                "torch": torch.__version__,
                "python": platform.python_version(),
            },
        )


def declare_public(schema: Schema, public: Any) -> Schema:
    """Mark the user's public bounds and category lists on a structure-only schema."""
    unknown = sorted(set(public) - set(schema.names))
    if unknown:
        raise PrivacyError(
            f"Public declarations name column(s) {unknown} that are not in the table; columns "
            f"are {schema.names}."
        )
    columns = []
    for column in schema.columns:
        if column.name not in public:
            columns.append(column)
            continue
        value = public[column.name]
        if column.discrete:
            if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__") or not value:
                raise PrivacyError(
                    f"Public domain of {column.name!r} must be a non-empty list of categories; "
                    f"got {value!r}."
                )
            column = dataclasses.replace(column, categories=tuple(value), source="public")
        else:
            column = dataclasses.replace(
                column, bounds=_bounds(column.name, column.kind, value), source="public"
            )
        columns.append(column)
    return Schema(tuple(columns))


def _bounds(name: str, kind: str, value: Any) -> tuple[float, float]:
    try:
        low, high = value
        if kind == "datetime":
            low, high = datetime_to_seconds(pd.Series([low, high], dtype=object))
        low, high = float(low), float(high)
    except (TypeError, ValueError) as e:
        raise PrivacyError(
            f"Public bounds of {name!r} ({kind}) must be (low, high); got {value!r}."
        ) from e
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise PrivacyError(
            f"Public bounds of {name!r} must be finite with low < high; got {value!r}."
        )
    return low, high
