"""The monotone map that puts a DP model's numeric marginals onto its DP histograms."""

import numpy as np
import pytest
from scipy.stats import ks_2samp

from synthgan.postprocess.marginals import MarginalMap
from synthgan.transform.summaries import LEVELS, histogram_quantiles


def _quantiles(x):
    return np.quantile(x, np.linspace(0, 1, LEVELS + 1))


def test_generated_values_take_the_target_marginal_in_the_same_order():
    rng = np.random.default_rng(0)
    generated = rng.normal(0, 1, 20_000)  # what a half-trained generator makes
    target = rng.gamma(2.0, 10.0, 20_000)  # what the column looks like
    mapping = MarginalMap.fit(generated, _quantiles(target))
    fresh = rng.normal(0, 1, 5_000)  # later samples, not the ones the map was fitted on
    mapped = mapping.apply(fresh, rng)
    assert ks_2samp(fresh, target).statistic > 0.5
    assert ks_2samp(mapped, target).statistic < 0.03
    order = np.argsort(fresh)
    assert np.all(np.diff(mapped[order]) >= 0)  # monotone: ranks (and correlations) are kept


def test_a_generated_point_mass_is_resized_to_the_targets_share():
    rng = np.random.default_rng(1)
    # The generator makes zeros 97 % of the time; the column has 90 % zeros.
    generated = np.where(rng.random(20_000) < 0.97, 0.0, rng.lognormal(8, 1, 20_000))
    target = np.where(rng.random(20_000) < 0.90, 0.0, rng.lognormal(8, 1, 20_000))
    mapping = MarginalMap.fit(generated, _quantiles(target))
    fresh = np.where(rng.random(10_000) < 0.97, 0.0, rng.lognormal(8, 1, 10_000))
    mapped = mapping.apply(fresh, rng)
    assert np.mean(mapped == 0) == pytest.approx(0.90, abs=0.01)
    assert np.all(mapped[fresh > 0] > 0)  # a non-zero value never becomes a zero


def test_histogram_quantiles_put_point_bins_before_the_interval_they_start():
    edges = np.array([[0.0, 10.0], [10.0, 20.0], [0.0, 0.0]])
    counts = np.array([25.0, 25.0, 50.0])  # half the mass is exactly 0
    point = np.array([False, False, True])
    points = np.array([0.0, 0.0, 0.0])
    q = histogram_quantiles(edges, counts, point, points)
    levels = np.linspace(0, 1, LEVELS + 1)
    assert np.all(q[levels < 0.5] == 0.0)
    assert q[levels == 0.75][0] == pytest.approx(10.0)
    assert q[-1] == pytest.approx(20.0) and np.all(np.diff(q) >= 0)


def test_a_malformed_map_in_a_file_is_rejected():
    with pytest.raises(ValueError, match="quantiles"):
        MarginalMap.from_dict({"source": [0.0, 1.0], "target": [0.0, 1.0]})
