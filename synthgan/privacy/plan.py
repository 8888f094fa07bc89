"""The differentially private side of ``fit``: split the budget, run the DP statistics, plan
DP-SGD with the accountant, and write the ledger.

The order matters for honesty: the user's declarations and the δ split are fixed before any
statistic is taken; the row count comes first, and δ is checked against it before anything else
is spent; preprocessing noise is fixed before DP-SGD's noise is calibrated to what is left; and
the step budget is computed before the first step.

**The schedule follows a DP count.** DP-SGD's sampling rate q = batch / n̂, its number of
steps and the σ calibrated for them all come from the DP row count n̂, so the data chooses the
mechanism, and composing ε as if it had been fixed would prove nothing. The rule: σ is
calibrated (or, for a fixed σ, the step budget set) at the largest rate and the most steps that
any table within ``w = 2 z σ_c + 1`` rows of n̂ would get (σ_c: the count's noise, which has a
share of the budget of its own to keep the window narrow; z: the normal quantile with
2 (1 - Φ(z)) = δ_tail, about 5.7). Why this covers every neighbouring pair (n, n + 1 rows):

* except with probability δ_tail (added to δ), the count of either table lands in
  W = [n - z σ_c, n + 1 + z σ_c], which is w wide;
* every count c in W was calibrated at the rate of c - w ≤ n - z σ_c and the steps of
  c + w ≥ n + 1 + z σ_c, so the smallest σ over W, together with the largest rate and the most
  steps over W, is a schedule that was accounted within the target;
* that schedule dominates every one the count can pick in W: Poisson subsampling at a smaller
  rate is a mixture of the larger rate's mechanism with "nothing of the row" (its privacy
  profile only grows with q), fewer steps are a prefix of more, and less noise only adds risk.

The run itself uses the schedule of n̂. ``tests/unit/test_plan.py`` checks the worst case
over W against the target on a grid of counts, and that calibrating at the count alone does not
pass it.
"""

from __future__ import annotations

import synthgan.opacus_import  # noqa: F401  (first: Opacus configures logging when imported)

# isort: split

import dataclasses
import logging
import platform
from typing import Any

import numpy as np
import opacus
import pandas as pd
import torch
from scipy.special import ndtri

from synthgan._version import __version__
from synthgan.errors import PrivacyError, SchemaError
from synthgan.privacy.accountant import Budget, combined_noise
from synthgan.privacy.ledger import VALIDATION_OFF, LedgerItem, PrivacyLedger
from synthgan.privacy.settings import (
    COUNT_TAIL_DELTA_SHARE,
    THRESHOLD_DELTA_SHARE,
    Privacy,
    rho_for,
)
from synthgan.privacy.statistics import PrivateStatistics, declared_public
from synthgan.schema import Schema, distinct_categories, parse_bounds
from synthgan.transform.cells import TargetPairs

__all__ = ["PrivatePlan", "SGDPlan", "Schedule", "plan_sgd", "schedule_for", "split_entropy"]

logger = logging.getLogger(__name__)

#: Share of ρ for the row count, on top of the preprocessing share of the histograms.
ROW_COUNT_SHARE = 0.02
#: Fewer expected rows per preprocessing count's noise than this, and fit warns that the table
#: is small for the budget (judged on DP releases only).
USEFUL_ROWS_PER_NOISE = 50.0


@dataclasses.dataclass(frozen=True)
class Schedule:
    """DP-SGD's sampling rate and steps for a table of (about) ``rows`` rows."""

    sample_rate: float
    steps: int


def schedule_for(rows: float, batch_size: int, epochs: int) -> Schedule:
    """Poisson rate ``batch / rows`` (at most 1) and ``epochs`` passes of ``int(1 / rate)``
    steps, as Opacus's sampler makes them. The rate falls and the steps grow with ``rows``."""
    rate = min(1.0, batch_size / max(rows, 1.0))
    return Schedule(rate, epochs * max(1, int(1 / rate)))


@dataclasses.dataclass(frozen=True)
class SGDPlan:
    """What DP-SGD runs (rate, planned steps, the step budget) and what it is accounted at."""

    sample_rate: float
    planned_steps: int
    noise_multiplier: float
    accounted_rate: float
    accounted_steps: int  # the step budget at the accounted rate (at most the accounted steps)
    max_steps: int


def plan_sgd(
    budget: Budget,
    n_rows: float,
    window: float,
    batch_size: int,
    epochs: int,
    noise_multiplier: float | None = None,
) -> SGDPlan:
    """The schedule for ``n_rows`` (a DP count), accounted at the pessimistic one of the sizes
    within ``window`` of it (the module docstring says why); σ calibrated to spend the budget
    there, or, when given, the step budget it allows. Raises :class:`PrivacyError` when the
    budget cannot pay for one step."""
    run = schedule_for(n_rows, batch_size, epochs)
    rate = schedule_for(n_rows - window, batch_size, epochs).sample_rate
    steps = schedule_for(n_rows + window, batch_size, epochs).steps
    sigma = noise_multiplier
    if sigma is None:
        try:
            sigma = budget.calibrate(rate, steps)
        except PrivacyError as e:
            raise PrivacyError(
                f"{e} (DP-SGD is accounted for any table within {window:,.0f} rows of the DP "
                f"row count, about {n_rows:,.0f}: a smaller batch_size helps too.)"
            ) from e
    allowed = budget.allowed_steps(sigma, rate, steps)
    if allowed == 0:
        raise PrivacyError(
            f"The budget epsilon={budget.epsilon:g} is too small for a single DP-SGD step at "
            f"noise multiplier {sigma:.3g} (preprocessing spends epsilon {budget.spent():.3g}). "
            "Raise epsilon or the noise multiplier."
        )
    return SGDPlan(run.sample_rate, run.steps, sigma, rate, allowed, min(run.steps, allowed))


@dataclasses.dataclass(frozen=True)
class PrivatePlan:
    """One DP fit's budget, made by :meth:`make` before training and never changed after.

    ``secret`` seeds DP-SGD's noise and batches and ``encoding_seed`` the encoding's random
    choices about each real row; both come from fresh, secret entropy
    (:func:`synthgan.privacy.fresh_entropy`), never from the user's seed.
    """

    privacy: Privacy
    delta: float
    tail_delta: float  # chance the DP row count misses the window
    n_rows: float  # the DP row count
    window: float  # table sizes DP-SGD is accounted over, around n_rows
    items: tuple[LedgerItem, ...]
    target_pairs: TargetPairs | None
    budget: Budget
    sgd: SGDPlan
    batch_size: int
    secret: np.random.SeedSequence | None
    encoding_seed: int | None

    @classmethod
    def make(
        cls,
        privacy: Privacy,
        entropy: np.random.SeedSequence,
        df: pd.DataFrame,
        schema: Schema,
        batch_size: int,
        epochs: int,
    ) -> tuple[PrivatePlan, Schema, dict[str, Any]]:
        """Count the rows, check δ against the count, take every other statistic preprocessing
        needs, then choose q, σ and the step budget (raising before training if the budget
        cannot pay). ``schema`` holds the declarations (``declare_public``) and ``df`` the
        declared kinds' values (:func:`synthgan.transform.coerce.coerce_table`). Returns the
        plan, the completed schema and the DP summaries."""
        privacy.validate()
        delta = privacy.resolved_delta()
        noise, encoding, secret = split_entropy(entropy)
        target = privacy.target
        if target is not None and target not in {c.name for c in schema.learned}:
            raise PrivacyError(
                f"Privacy(target={target!r}): the table has no learned column of that name "
                f"(learned columns: {[c.name for c in schema.learned][:20]})."
            )
        private_domains = any(c.discrete and not declared_public(c) for c in schema.learned)
        threshold_delta = delta * THRESHOLD_DELTA_SHARE if private_domains else 0.0
        tail_delta = delta * COUNT_TAIL_DELTA_SHARE
        accountant_delta = delta - threshold_delta - tail_delta
        rho = rho_for(privacy.epsilon, accountant_delta)
        stats = PrivateStatistics(
            schema,
            rho * privacy.preprocessing_share,
            rho * ROW_COUNT_SHARE,
            threshold_delta,
            np.random.default_rng(noise),
            target,
        )
        n_rows = stats.count(df)
        _check_delta(delta, n_rows, stats.count_sigma)
        completed, summaries = stats.run(df, n_rows)
        items = tuple(stats.items)
        z = float(ndtri(1 - tail_delta / 2))
        window = 2 * z * stats.count_sigma + 1
        budget = Budget(
            privacy.accountant,
            privacy.epsilon,
            accountant_delta,
            combined_noise([i.noise_multiplier for i in items]),
        )
        if n_rows < USEFUL_ROWS_PER_NOISE * stats.sigma:
            logger.warning(
                "The table is small for this privacy budget: each DP statistic carries noise of "
                "about %.0f rows against about %.0f rows in all (DP count), so expect ranges "
                "that miss their tails, rare categories lost and a weak sample. What helps: "
                "declare bounds and categories public (Privacy(public=...)), raise epsilon, or "
                "use more rows.",
                stats.sigma,
                n_rows,
            )
        sgd = plan_sgd(budget, n_rows, window, batch_size, epochs, privacy.noise_multiplier)
        logger.info(
            "DP-SGD: noise multiplier %.3f, sampling rate %.4f, up to %d steps",
            sgd.noise_multiplier,
            sgd.sample_rate,
            sgd.max_steps,
        )
        encoding_seed = int(encoding.generate_state(1, np.uint64)[0])
        plan = cls(
            privacy, delta, tail_delta, n_rows, window, items, stats.pairs, budget, sgd,
            batch_size, secret, encoding_seed,
        )  # fmt: skip
        return plan, completed, summaries

    def without_secrets(self) -> PrivatePlan:
        """The plan as rank 0 hands it to the other ranks of a distributed fit: its secret
        entropy stays with it."""
        return dataclasses.replace(self, secret=None, encoding_seed=None)

    def with_secrets(self, entropy: np.random.SeedSequence) -> PrivatePlan:
        """The plan for another rank, with secret entropy of that rank's own (its Poisson
        batches and its rows' random choices must be independent of every other rank's)."""
        secret, encoding = entropy.spawn(2)
        return dataclasses.replace(
            self, secret=secret, encoding_seed=int(encoding.generate_state(1, np.uint64)[0])
        )

    def trainer_args(self) -> dict[str, Any]:
        return {
            "noise_multiplier": self.sgd.noise_multiplier,
            "max_grad_norm": self.privacy.max_grad_norm,
            "sample_rate": self.sgd.sample_rate,
            "max_steps": self.sgd.max_steps,
        }

    def ledger(self, trainer: Any, schema: Schema, seed: int | None) -> PrivacyLedger:
        """The record of what was spent: ε of the accounted (pessimistic) schedule."""
        sgd = self.sgd
        spent = self.budget.spent(sgd.noise_multiplier, sgd.accounted_rate, sgd.accounted_steps)
        if spent > self.privacy.epsilon:  # cannot happen: the step budget forbids it
            raise RuntimeError(f"epsilon {spent} exceeds the target {self.privacy.epsilon}")
        public: dict[str, Any] = {"(structure)": "column names, kinds and roles, as declared"}
        for column in schema.learned:
            if column.source == "public":
                public[column.name] = list(column.categories or column.bounds or [])
        return PrivacyLedger(
            epsilon_target=self.privacy.epsilon,
            delta_target=self.delta,
            accountant=self.privacy.accountant,
            preprocessing=list(self.items),
            training={
                "mechanism": "DP-SGD (Opacus DPOptimizer) on the discriminator",
                "noise_multiplier": sgd.noise_multiplier,
                "max_grad_norm": self.privacy.max_grad_norm,
                "sample_rate": sgd.sample_rate,
                "expected_batch_size": self.batch_size,
                "dp_row_count": round(self.n_rows, 1),
                "steps": trainer.steps_taken,
                "planned_steps": sgd.planned_steps,
                "accounted_sample_rate": sgd.accounted_rate,
                "accounted_steps": sgd.accounted_steps,
                "count_window": round(self.window, 1),
                "stopped_by_budget": trainer.stopped_by_budget,
                "preprocessing_share": self.privacy.preprocessing_share,
                "validation": VALIDATION_OFF,
            },
            public=public,
            epsilon_spent=spent,
            versions={
                "synthgan": __version__,
                "opacus": opacus.__version__,
                "torch": torch.__version__,
                "python": platform.python_version(),
            },
            count_tail_delta=self.tail_delta,
            randomness=randomness_note(seed),
        )


def split_entropy(
    entropy: np.random.SeedSequence,
) -> tuple[np.random.SeedSequence, np.random.SeedSequence, np.random.SeedSequence]:
    """A fit's secret entropy split three ways: the DP statistics' noise, the encoding's
    choices about each row, and DP-SGD (its noise, batches and row choices)."""
    noise, encoding, secret = entropy.spawn(3)
    return noise, encoding, secret


def _check_delta(delta: float, n_rows: float, sigma: float) -> None:
    """δ must be below 1/n: judged on the DP count, so the refusal is itself DP."""
    if delta * n_rows < 1:
        return
    suggestion = 10.0 ** np.floor(np.log10(0.1 / n_rows))
    raise PrivacyError(
        f"delta {delta:g} is not below 1/n for a table of about {n_rows:,.0f} rows "
        "(its DP row count): a delta of 1/n or more allows releasing whole rows. Pass a "
        f"smaller delta, e.g. {suggestion:g}. Only the row count was measured (a Gaussian "
        f"count with noise {sigma:.3g}); nothing else was spent."
    )


def randomness_note(seed: int | None) -> str:
    """What the seed of a DP fit fixes, and what it cannot."""
    secret = (
        "the noise, the Poisson batches and every random choice made about a real row come from "
        "fresh operating-system entropy that is neither stored nor derived from the seed"
    )
    if seed is None:
        return secret + "; no seed was given."
    return (
        secret + f"; the seed ({seed}) fixes only what is public: the initial weights, the "
        "generated rows each step is compared with, the encoders fitted on the DP statistics, "
        "the post-processing and sampling. Two DP fits with one seed differ."
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
        try:
            if column.discrete:
                if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__") or not value:
                    raise SchemaError(
                        f"Public domain of {column.name!r} must be a non-empty list of "
                        f"categories; got {value!r}."
                    )
                categories = distinct_categories(column.name, value)
                column = dataclasses.replace(column, categories=categories, source="public")
            else:
                bounds = parse_bounds(column.name, column.kind, value)
                column = dataclasses.replace(column, bounds=bounds, source="public")
        except SchemaError as e:
            raise PrivacyError(f"Privacy(public=...): {e}") from e
        columns.append(column)
    unordered = [c.name for c in columns if c.ordered and c.source != "public"]
    if unordered:
        raise PrivacyError(
            f"Column(s) {unordered} are declared ordered but their categories are not public: "
            "under differential privacy the order is the one of declared categories. Declare "
            f"them, e.g. overrides={{{unordered[0]!r}: {{'kind': 'categorical', 'ordered': True, "
            "'categories': [...]}}, or drop 'ordered'."
        )
    return Schema(tuple(columns))
