"""An ε lower bound from one training run's membership guesses (Steinke, Nasr & Jagielski,
"Privacy auditing with one (1) training run", NeurIPS 2023, Theorem 3.1 with δ > 0).

m canaries are each put in the training table with probability ½, independently. An auditor
guesses "in" or "out" for r of them and abstains on the rest. If training is (ε, δ)-DP, the
number of correct guesses is stochastically dominated by Binomial(r, e^ε / (1 + e^ε)) up to a
term in δ, so v correct guesses give a p-value for "the pipeline is (ε, δ)-DP"; the ε lower
bound is the largest ε that this p-value rejects at the chosen confidence.

The bound is a statement about the pipeline as run: it can show a claim is false (a bound above
it), never that a claim is true.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

__all__ = ["Bound", "best_bound", "epsilon_lower_bound", "p_value"]

#: The largest ε searched: a bound this high means every guess was right.
EPSILON_CEILING = 50.0


def p_value(m: int, r: int, v: int, epsilon: float, delta: float) -> float:
    """P[at least ``v`` of ``r`` guesses right] for an (ε, δ)-DP pipeline, ``m`` canaries."""
    if not 0 <= v <= r <= m:
        raise ValueError(f"need 0 <= v <= r <= m, got v={v}, r={r}, m={m}")
    q = 1.0 / (1.0 + math.exp(-epsilon))  # randomized response's accuracy at ε
    beta = stats.binom.sf(v - 1, r, q)
    if delta == 0 or v == 0:
        return float(min(beta, 1.0))
    # The δ term: the largest of P[v > Binomial(r, q) >= v - i] / i over i = 1..v.
    below = stats.binom.pmf(v - np.arange(1, v + 1), r, q)
    alpha = float(np.max(np.cumsum(below) / np.arange(1, v + 1)))
    return float(min(beta + alpha * delta * 2 * m, 1.0))


def epsilon_lower_bound(m: int, r: int, v: int, delta: float, significance: float = 0.05) -> float:
    """The largest ε whose (ε, δ)-DP null hypothesis ``v`` right of ``r`` rejects at
    ``significance`` (0 when even ε = 0 is not rejected)."""
    if p_value(m, r, v, 0.0, delta) > significance:
        return 0.0
    if p_value(m, r, v, EPSILON_CEILING, delta) <= significance:
        return EPSILON_CEILING
    low, high = 0.0, EPSILON_CEILING  # p rises with ε: rejected at low, not at high
    while high - low > 1e-4:
        mid = (low + high) / 2
        if p_value(m, r, v, mid, delta) <= significance:
            low = mid
        else:
            high = mid
    return low


@dataclass(frozen=True)
class Bound:
    """The best guessing rule's result: ε lower bound, guesses made and right."""

    epsilon: float
    guesses: int
    correct: int
    canaries: int
    confidence: float


def best_bound(
    scores: np.ndarray,
    included: np.ndarray,
    delta: float,
    guess_counts: tuple[int, ...] | None = None,
    confidence: float = 0.95,
) -> Bound:
    """Guess "in" for the k highest ``scores`` and "out" for the k lowest, for each k in
    ``guess_counts`` (default: 5 % to 50 % of the canaries on each side), and keep the best
    bound. Trying several k is paid for with a Bonferroni correction, so the confidence holds
    for the best of them."""
    scores, included = np.asarray(scores, float), np.asarray(included, bool)
    m = len(scores)
    if m == 0 or len(included) != m:
        raise ValueError("need one inclusion flag per canary score, and at least one canary")
    if guess_counts is None:
        guess_counts = tuple(sorted({max(1, round(m * s)) for s in (0.05, 0.1, 0.2, 0.3, 0.5)}))
    order = np.argsort(-scores, kind="stable")
    significance = (1 - confidence) / len(guess_counts)
    best = Bound(0.0, 0, 0, m, confidence)
    for k in guess_counts:
        k = min(k, m // 2)
        top, bottom = order[:k], order[m - k :]
        right = int(included[top].sum() + (~included[bottom]).sum())
        epsilon = epsilon_lower_bound(m, 2 * k, right, delta, significance)
        if epsilon > best.epsilon:
            best = Bound(epsilon, 2 * k, right, m, confidence)
    return best
