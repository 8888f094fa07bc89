import numpy as np
import pandas as pd
import pytest

from synthgan import ConditionError
from synthgan.conditional import ConditionSpace
from synthgan.inference import infer_schema
from synthgan.sampling import Condition, sample_matching
from synthgan.transform import TableTransformer


@pytest.fixture
def setup():
    df = pd.DataFrame(
        {"c": ["a", "b", "c"] * 40, "x": np.random.default_rng(0).uniform(0, 120, 120)}
    )
    transformer = TableTransformer().fit(df, infer_schema(df))
    codes = [transformer.encoder("c").codes(df["c"])]
    space = ConditionSpace.from_codes(["c"], [3], [0], codes)
    return transformer, space


def fake_generator(log):
    """Stands in for the model: 'c' follows the condition vector when one is fixed, x uniform."""
    rng = np.random.default_rng(0)

    def generate(n, fixed):
        log.append((n, fixed))
        c = np.full(n, "abc"[fixed[1]]) if fixed else rng.choice(list("abc"), n)
        return pd.DataFrame({"c": c, "x": rng.uniform(0, 120, n)})

    return generate


def test_rarest_discrete_condition_goes_to_the_vector_and_ranges_are_rejected(setup):
    transformer, space = setup
    calls = []
    out = sample_matching(
        500,
        [Condition("c", "b", slot=1), Condition("x", low=10.0, high=20.0)],
        fake_generator(calls),
        space,
        transformer,
    )
    assert len(out) == 500 and (out["c"] == "b").all() and out["x"].between(10, 20).all()
    assert all(fixed == (0, 1) for _, fixed in calls)  # column 0 of the space, slot of "b"
    assert len(calls) > 1  # the acceptance rate (~1/12) needed several batches


def test_impossible_combination_stops_at_the_budget(setup, monkeypatch):
    transformer, space = setup
    monkeypatch.setattr("synthgan.sampling.engine.MIN_REJECTION_BUDGET", 20_000)
    calls = []
    with pytest.raises(
        ConditionError, match=r"Only 0 of 10 rows matched \{'x': \(500.0, 600.0\)\}"
    ):
        sample_matching(
            10, [Condition("x", low=500.0, high=600.0)], fake_generator(calls), space, transformer
        )
    generated = sum(n for n, _ in calls)
    assert 20_000 <= generated < 20_000 + 200_000
