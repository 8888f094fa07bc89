"""The density-ratio stage: it keeps rows the classifier finds real more often, keeps about the
share it says, and survives the model file's round trip unchanged."""

import numpy as np
import pytest

from synthgan.postprocess.density_ratio import DensityRatio


def _normal(n, mean, seed):
    return np.random.default_rng(seed).normal(mean, 1.0, (n, 3)).astype(np.float32)


@pytest.fixture(scope="module")
def ratio():
    # Real rows are shifted by one in every column: the ratio must pull the sample that way.
    return DensityRatio.fit(_normal(3000, 1.0, 0), _normal(3000, 0.0, 1), _normal(5000, 0.0, 2), 7)


def test_kept_rows_move_towards_the_real_ones(ratio):
    pool = _normal(20_000, 0.0, 3)
    keep = ratio.keep(pool, np.random.default_rng(0))
    assert pool[keep].mean() > 0.5  # the pool's mean is 0, the real rows' 1
    assert abs(keep.mean() - ratio.acceptance) < 0.03


def test_the_same_seed_fits_the_same_classifier(ratio):
    again = DensityRatio.fit(_normal(3000, 1.0, 0), _normal(3000, 0.0, 1), _normal(5000, 0.0, 2), 7)
    assert again.log_ceiling == ratio.log_ceiling
    pool = _normal(1000, 0.0, 4)
    assert np.array_equal(
        ratio.keep(pool, np.random.default_rng(1)), again.keep(pool, np.random.default_rng(1))
    )


def test_the_model_file_round_trip_keeps_the_same_rows(ratio):
    loaded = DensityRatio.from_dict(ratio.to_dict(), ratio.tensors(), width=3)
    pool = _normal(1000, 0.0, 5)
    assert np.array_equal(
        ratio.keep(pool, np.random.default_rng(2)), loaded.keep(pool, np.random.default_rng(2))
    )


@pytest.mark.parametrize(
    ("change", "width"),
    [
        ({"acceptance": 1e-9}, 3),
        ({"acceptance": 1.5}, 3),
        ({"log_ceiling": float("inf")}, 3),
        ({}, 4),  # weights of another table's width
    ],
)
def test_a_stage_that_does_not_fit_its_weights_is_refused(ratio, change, width):
    with pytest.raises((ValueError, RuntimeError)):
        DensityRatio.from_dict(ratio.to_dict() | change, ratio.tensors(), width)


def test_weights_that_are_not_finite_are_refused(ratio):
    tensors = {k: v.clone() for k, v in ratio.tensors().items()}
    next(iter(tensors.values()))[0, 0] = float("nan")
    with pytest.raises(ValueError, match="finite"):
        DensityRatio.from_dict(ratio.to_dict(), tensors, width=3)
