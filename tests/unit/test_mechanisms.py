"""The noise of preprocessing is derived from the releases planned, and only those are made."""

import numpy as np
import pandas as pd
import pytest
from conftest import declared

from synthgan.inference import infer_schema
from synthgan.privacy.mechanisms import Releases
from synthgan.privacy.statistics import PrivateStatistics, planned_releases
from synthgan.transform.coerce import coerce_table


def test_sigma_shares_rho_equally_among_the_planned_releases():
    two = Releases([("a", "gaussian"), ("b", "gaussian")], 0.5, np.random.default_rng(0))
    four = Releases([(w, "gaussian") for w in "abcd"], 0.5, np.random.default_rng(0))
    assert two.sigma == pytest.approx(np.sqrt(2 / (2 * 0.5)))
    assert four.sigma == pytest.approx(two.sigma * np.sqrt(2))


def test_a_release_outside_the_plan_or_made_twice_is_refused():
    releases = Releases([("a", "gaussian"), ("b", "sparse")], 1.0, np.random.default_rng(0))
    with pytest.raises(RuntimeError, match="not in the plan"):
        releases.gaussian("c", [1.0])
    with pytest.raises(RuntimeError, match="not in the plan"):
        releases.gaussian("b", [1.0])  # planned as a sparse histogram
    releases.gaussian("a", [1.0])
    with pytest.raises(RuntimeError, match="made twice"):
        releases.gaussian("a", [1.0])


def test_the_ledger_waits_for_every_planned_release():
    releases = Releases([("a", "gaussian"), ("b", "sparse")], 1.0, np.random.default_rng(0))
    releases.gaussian("a", [3.0, 4.0])
    with pytest.raises(RuntimeError, match="never made"):
        releases.ledger()
    releases.sparse("b", pd.Series([100, 1], index=["x", "y"]), threshold=50.0, delta=1e-7)
    items = releases.ledger()
    assert [i.what for i in items] == ["a", "b"]
    assert items[1].delta == 1e-7 and "threshold 50" in items[1].mechanism
    assert all(i.noise_multiplier == releases.sigma for i in items)


@pytest.mark.parametrize("target", [None, "label"])
def test_the_statistics_make_exactly_the_planned_releases(mixed_frame, target):
    """Every column kind, public and private domains, with and without a target's tables."""
    overrides = declared(mixed_frame)
    structure = infer_schema(mixed_frame, overrides, private=True)
    clean = coerce_table(mixed_frame, structure)
    stats = PrivateStatistics(structure, 0.5, 0.5, 1e-7, np.random.default_rng(0), target)
    stats.run(clean, stats.count(clean))
    planned = [what for what, _ in planned_releases(structure, target)]
    assert [i.what for i in stats.items] == ["row count", *planned]
    assert stats.sigma == pytest.approx(np.sqrt(len(planned) / (2 * 0.5)))
