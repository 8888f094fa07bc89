"""DP-SGD's schedule follows the DP row count, so it is chosen by the data. It is accounted so
that the guarantee holds whatever the true n: every schedule that a count within z σ of n can
pick is dominated by one (largest rate, least noise, most steps) that spends within the target."""

import numpy as np
import pytest
from scipy.special import ndtri

from synthgan.privacy.accountant import Budget
from synthgan.privacy.plan import plan_sgd, schedule_for

EPSILON, BATCH, EPOCHS = 1.0, 500, 10
COUNT_NOISE = 40.0
Z = float(ndtri(1 - 1e-8 / 2))
WINDOW = 2 * Z * COUNT_NOISE + 1


def _budget(accountant: str = "rdp") -> Budget:
    return Budget(accountant, EPSILON, 1e-6, preprocessing_noise=30.0)


def _worst_case(plans, budget: Budget) -> float:
    """ε of the pair that dominates every plan: the largest rate, the least noise, the most
    steps any of them takes."""
    rate = max(p.sample_rate for p in plans)
    sigma = min(p.noise_multiplier for p in plans)
    steps = max(p.max_steps for p in plans)
    return budget.spent(sigma, rate, steps)


def _counts_near(n: int) -> np.ndarray:
    """DP counts the table of ``n`` rows gives but with probability δ_tail."""
    return np.linspace(n - Z * COUNT_NOISE, n + Z * COUNT_NOISE + 1, 7)


@pytest.mark.parametrize("n", [3_000, 40_000])
def test_every_schedule_a_count_near_n_picks_is_covered_by_the_target(n):
    budget = _budget()
    plans = [plan_sgd(budget, m, WINDOW, BATCH, EPOCHS) for m in _counts_near(n)]
    assert len({p.sample_rate for p in plans}) > 1  # the count does move the schedule
    assert _worst_case(plans, budget) <= EPSILON + 1e-9
    # Calibrated at the count itself (no window), the schedules' worst case passes the target:
    # ε would be composed as if q, σ and the steps had been fixed.
    naive = [plan_sgd(budget, m, 0.0, BATCH, EPOCHS) for m in _counts_near(n)]
    assert _worst_case(naive, budget) > EPSILON


def test_a_fixed_noise_multiplier_is_covered_the_same_way():
    budget = _budget()
    plans = [
        plan_sgd(budget, m, WINDOW, BATCH, 200, noise_multiplier=2.0) for m in _counts_near(5_000)
    ]
    assert any(p.max_steps < p.planned_steps for p in plans)  # the budget stops it early
    assert _worst_case(plans, budget) <= EPSILON + 1e-9


def test_the_prv_accountant_is_covered_too():
    budget = _budget("prv")
    plans = [plan_sgd(budget, m, WINDOW, BATCH, EPOCHS) for m in _counts_near(3_000)[::3]]
    assert _worst_case(plans, budget) <= EPSILON + 1e-6


def test_the_schedule_grows_and_thins_with_the_rows():
    small, large = schedule_for(2_000, BATCH, EPOCHS), schedule_for(9_000, BATCH, EPOCHS)
    assert small.sample_rate > large.sample_rate and small.steps < large.steps
    assert schedule_for(100, BATCH, EPOCHS) == schedule_for(-5, BATCH, EPOCHS)  # rate 1
