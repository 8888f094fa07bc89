"""The one-run ε lower bound: exact where it can be checked by hand, never above the truth more
often than its confidence allows, and close to the truth when the guesses are good."""

import math

import numpy as np
import pytest

from synthgan.auditing.bound import best_bound, epsilon_lower_bound, p_value


def randomized_response(epsilon: float, m: int, rng: np.random.Generator):
    """Canaries in with probability ½, and scores from an ε-DP view of each one (randomized
    response): the best any attack on an ε-DP pipeline can do, guess by guess."""
    included = rng.random(m) < 0.5
    truthful = rng.random(m) < math.exp(epsilon) / (1 + math.exp(epsilon))
    said_in = np.where(truthful, included, ~included)
    return said_in + rng.random(m) * 0.5, included  # the noise only breaks ties


def test_without_delta_the_p_value_is_the_binomial_tail():
    m, r, v, epsilon = 200, 40, 31, 0.7
    q = 1 / (1 + math.exp(-epsilon))
    tail = sum(math.comb(r, k) * q**k * (1 - q) ** (r - k) for k in range(v, r + 1))
    assert p_value(m, r, v, epsilon, 0.0) == pytest.approx(tail, rel=1e-9)


def test_delta_only_weakens_the_bound():
    bounds = [epsilon_lower_bound(1000, 400, 330, delta) for delta in (0.0, 1e-6, 1e-3)]
    assert bounds[0] >= bounds[1] > bounds[2] > 0


def test_a_coin_flip_gives_no_bound_and_perfect_guesses_a_large_one():
    assert epsilon_lower_bound(1000, 500, 250, 1e-5) == 0.0
    assert epsilon_lower_bound(1000, 1000, 1000, 1e-5) > 5


@pytest.mark.parametrize("epsilon", [0.5, 2.0])
def test_the_bound_exceeds_the_truth_no_more_often_than_its_confidence_allows(epsilon):
    rng = np.random.default_rng(0)
    over = sum(
        best_bound(*randomized_response(epsilon, 500, rng), delta=0.0).epsilon > epsilon
        for _ in range(200)
    )
    assert over <= 0.05 * 200


def test_good_guesses_on_a_leaky_pipeline_bound_it_closely():
    rng = np.random.default_rng(1)
    bound = best_bound(*randomized_response(4.0, 2000, rng), delta=1e-5)
    assert 2.5 < bound.epsilon <= 4.0
    assert bound.guesses > 0 and bound.correct <= bound.guesses


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="v <= r <= m"):
        p_value(10, 5, 6, 1.0, 0.0)
    with pytest.raises(ValueError, match="one inclusion flag per canary"):
        best_bound(np.zeros(3), np.zeros(2, bool), 1e-5)
