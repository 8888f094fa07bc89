"""Raking weights: generated rows reweighted onto target discrete marginals, rows untouched."""

import numpy as np
import pytest

from synthgan.postprocess.raking import MAX_FACTOR, Raking, marginal_targets


def _generated(n, rng):
    """Two dependent columns whose marginals are off: a in {0,1,2}, b copies a 80% of the time."""
    a = rng.choice(3, n, p=[0.7, 0.2, 0.1])
    b = np.where(rng.random(n) < 0.8, a, rng.choice(3, n))
    return np.stack([a, b], axis=1)


def test_kept_rows_have_the_target_marginals_and_keep_their_dependence():
    rng = np.random.default_rng(0)
    targets = ((0.4, 0.35, 0.25), (0.3, 0.3, 0.4))
    raking = Raking.fit(_generated(100_000, rng), marginal_targets(targets))
    fresh = _generated(200_000, rng)
    kept = fresh[raking.keep(fresh, rng)]
    assert len(kept) / len(fresh) == pytest.approx(raking.acceptance, abs=0.01)
    for j, target in enumerate(targets):
        share = np.bincount(kept[:, j], minlength=3) / len(kept)
        assert share == pytest.approx(target, abs=0.01)
        assert np.abs(np.bincount(fresh[:, j], minlength=3) / len(fresh) - target).max() > 0.1
    # Whole rows are kept or dropped: b still copies a far more often than chance.
    assert np.mean(kept[:, 0] == kept[:, 1]) > 0.7


def test_a_value_the_generator_never_makes_does_not_break_the_weights():
    rng = np.random.default_rng(1)
    slots = np.stack([rng.choice(2, 10_000, p=[0.99, 0.01])], axis=1)  # slot 2 never appears
    raking = Raking.fit(slots, marginal_targets(((0.3, 0.3, 0.4),)))
    factors = raking.factors[0]
    assert factors[2] == 1.0 and np.all(factors <= MAX_FACTOR) and np.all(factors >= 1 / MAX_FACTOR)
    assert 0 < raking.acceptance <= 1


def test_malformed_weights_in_a_file_are_rejected():
    good = Raking.fit(np.zeros((10, 1), np.int64), marginal_targets(((1.0, 0.0),))).to_dict()
    assert Raking.from_dict(good, (2,)).ceiling == good["ceiling"]
    with pytest.raises(ValueError, match="do not match"):
        Raking.from_dict(good, (3,))
    with pytest.raises(ValueError, match="do not match"):  # a column that is not there
        Raking.from_dict(good | {"margins": [[-1]]}, (2,))
    with pytest.raises(ValueError, match="acceptance must be in"):
        Raking.from_dict(good | {"acceptance": 0.0}, (2,))
    with pytest.raises(ValueError, match="ceiling lies outside"):
        Raking.from_dict(good | {"ceiling": good["ceiling"] * 100}, (2,))
    with pytest.raises(ValueError, match="must lie in"):
        Raking.from_dict(good | {"factors": [[0.0, 1.0]]}, (2,))


def test_the_pair_factor_makes_two_columns_independent_and_survives_a_file():
    rng = np.random.default_rng(2)
    slots = _generated(100_000, rng)  # b depends strongly on a
    targets = ((0.5, 0.3, 0.2), (0.4, 0.4, 0.2))
    raking = Raking.fit(slots, marginal_targets(targets, independent=(0, 1)))
    raking = Raking.from_dict(raking.to_dict(), (3, 3))
    fresh = _generated(300_000, rng)
    kept = fresh[raking.keep(fresh, rng)]
    joint = np.zeros((3, 3))
    np.add.at(joint, (kept[:, 0], kept[:, 1]), 1)
    joint /= joint.sum()
    assert joint == pytest.approx(np.outer(*targets), abs=0.01)
    factors = raking.to_dict()["factors"]
    tampered = raking.to_dict() | {"factors": [*factors[:2], factors[2][:2]]}
    with pytest.raises(ValueError, match="do not match"):
        Raking.from_dict(tampered, (3, 3))


def test_two_way_margins_give_the_kept_rows_the_target_joint():
    """A declared DP target's tables: margins over (target, feature) pairs. The generated rows
    have b independent of a; the tables ask for a strong dependence, which the kept rows get."""
    rng = np.random.default_rng(3)

    def generated(n):
        return np.stack([rng.choice(2, n), rng.choice(3, n), rng.choice(4, n)], axis=1)

    ab = np.array([[0.3, 0.1, 0.1], [0.05, 0.15, 0.3]])
    ac = np.array([[0.2, 0.1, 0.1, 0.1], [0.1, 0.1, 0.1, 0.2]])
    raking = Raking.fit(generated(100_000), [((0, 1), ab * 900), ((0, 2), ac)])
    raking = Raking.from_dict(raking.to_dict(), (2, 3, 4))
    fresh = generated(300_000)
    kept = fresh[raking.keep(fresh, rng)]
    for (a, b), table in (((0, 1), ab), ((0, 2), ac)):
        joint = np.zeros(table.shape)
        np.add.at(joint, (kept[:, a], kept[:, b]), 1)
        assert joint / joint.sum() == pytest.approx(table, abs=0.01)


def test_weights_written_before_margins_were_general_still_load():
    old = {"factors": [[1.0, 2.0], [0.5, 1.0, 1.5]], "ceiling": 3.0, "acceptance": 0.4}
    pair = {"pair": [0, 1], "pair_factors": [[1.0, 1.0, 2.0], [1.0, 0.5, 1.0]]}
    assert Raking.from_dict(old | {"pair": None}, (2, 3)).margins == ((0,), (1,))
    raking = Raking.from_dict(old | pair, (2, 3))
    assert raking.margins == ((0,), (1,), (0, 1)) and raking.factors[2][1, 1] == 0.5
