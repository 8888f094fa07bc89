"""Cells of a DP target's two-way tables: chosen from DP summaries, the same on real and
generated rows, and checked when read from a model file."""

import numpy as np
import pandas as pd
import pytest
from conftest import declared

from synthgan.inference import infer_schema
from synthgan.privacy.statistics import PrivateStatistics
from synthgan.transform.cells import Cells
from synthgan.transform.coerce import coerce_table


def _table(n=4000, seed=0):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "x": rng.exponential(10, n),
            "c": rng.choice(["a", "b", "rare"], n, p=[0.6, 0.399, 0.001]),
            "when": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365, n), "D"),
            "y": rng.choice(["no", "yes"], n),
        }
    )
    df.loc[::20, "x"] = np.nan
    return df


def _private(df, rho=50.0, target=None):
    structure = infer_schema(df, declared(df), private=True)
    stats = PrivateStatistics(structure, rho, rho, 1e-7, np.random.default_rng(0), target)
    clean = coerce_table(df, structure)
    schema, summaries = stats.run(clean, stats.count(clean))
    return stats, schema, summaries


def test_numeric_cells_split_at_the_dp_deciles_and_missing_values_get_their_own():
    df = _table()
    _, schema, summaries = _private(df)
    cells = Cells.from_summaries(schema, summaries)
    codes = cells.of(df)
    x = cells.names.index("x")
    shares = np.bincount(codes[:, x], minlength=cells.widths[x]) / len(df)
    assert cells.widths[x] == 10 + 1  # ten bins, one missing cell
    assert shares[-1] == pytest.approx(0.05, abs=1e-9)  # exactly the missing rows
    assert shares[:-1] == pytest.approx(np.full(10, 0.095), abs=0.02)  # DP deciles: near-even
    when = cells.names.index("when")
    counts = np.bincount(codes[:, when])  # datetimes bin like numbers (as epoch seconds)
    assert len(counts) == 10 and counts.min() > 0.02 * len(df)


def test_a_heavy_value_gets_a_cell_of_its_own_and_the_rest_is_still_split():
    """Like capital gain: 90 % zeros. Deciles alone would all be 0 and leave one cell for every
    positive gain, the values that predict most."""
    rng = np.random.default_rng(2)
    gain = np.where(rng.random(20_000) < 0.9, 0.0, rng.exponential(5000, 20_000).round())
    df = pd.DataFrame({"gain": gain})
    _, schema, summaries = _private(df)
    cells = Cells.from_summaries(schema, summaries).columns[0]
    assert cells.points == (0.0,)
    codes = cells.of(df["gain"])
    zero = len(cells.cuts) + 1
    assert (codes[gain == 0] == zero).all() and (codes[gain > 0] != zero).all()
    positive = np.bincount(codes[gain > 0], minlength=zero) / (gain > 0).sum()
    assert len(cells.cuts) == 8 and positive[1:].min() > 0.06  # nine near-even bins of gains


def test_unreleased_and_missing_categories_share_the_last_cell():
    df = _table()
    df.loc[1, "c"] = None
    _, schema, summaries = _private(df, rho=0.05)  # too little budget to release "rare"
    cells = Cells.from_summaries(schema, summaries)
    c = cells.names.index("c")
    assert "rare" not in cells.columns[c].categories
    codes = cells.of(df)[:, c]
    last = cells.widths[c] - 1
    assert (codes[df["c"].isin(["rare"]) | df["c"].isna()] == last).all()
    assert (codes[df["c"].isin(["a", "b"])] < last).all()


def test_the_target_tables_are_charged_one_mechanism_each():
    df = _table()
    plain, _, _ = _private(df)
    stats, _, _ = _private(df, target="y")
    pairs = stats.pairs
    assert [i.what for i in stats.items[len(plain.items) :]] == [
        f"columns 'y' x {name!r}: two-way histogram" for name in ("x", "c", "when")
    ]
    # Same rho in all: each histogram's noise grows so that the added tables are paid for (the
    # row count, first in the ledger, has a budget of its own).
    ratio = (len(stats.items) - 1) / (len(plain.items) - 1)
    assert stats.sigma == pytest.approx(plain.sigma * np.sqrt(ratio))
    assert stats.count_sigma == plain.count_sigma
    assert sorted(pairs.tables) == [0, 1, 2] and pairs.target == 3
    exact = pd.crosstab(df["y"], df["c"]).to_numpy()
    c = pairs.cells.names.index("c")
    table = pairs.tables[c][: exact.shape[0], : exact.shape[1]]
    assert not np.allclose(table, exact) and np.abs(table - exact).max() < 6 * stats.sigma


def test_cells_read_from_a_file_are_checked_against_the_schema():
    df = _table()
    _, schema, summaries = _private(df)
    cells = Cells.from_summaries(schema, summaries)
    again = Cells.from_dict(cells.to_dict(), schema)
    assert (again.of(df) == cells.of(df)).all()
    data = cells.to_dict()
    data[0] = data[0] | {"cuts": [3.0, 1.0]}
    with pytest.raises(ValueError, match="not increasing"):
        Cells.from_dict(data, schema)
    data = cells.to_dict()
    data[1] = data[1] | {"categories": ["a", "z"]}
    with pytest.raises(ValueError, match="do not match"):
        Cells.from_dict(data, schema)
