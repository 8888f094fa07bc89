import numpy as np

from synthgan.conditional import ConditionSpace, RowIndex


def make_space(codes):
    widths = [int(c.max()) + 1 for c in codes]
    return ConditionSpace.from_codes(
        [f"c{j}" for j in range(len(codes))], widths, [0] * len(codes), codes
    )


def test_row_index_returns_only_rows_with_the_asked_value():
    rng = np.random.default_rng(0)
    codes = [rng.integers(0, 5, 2000), rng.integers(0, 3, 2000)]
    space = make_space(codes)
    index = RowIndex(space, codes)
    col, slot = space.sample_training(10_000, rng)
    rows = index.sample(col, slot, rng)
    picked = np.where(col == 0, codes[0][rows], codes[1][rows])
    assert (picked == slot).all()


def test_row_index_draws_uniformly_among_matching_rows():
    rng = np.random.default_rng(1)
    codes = [np.array([0, 1, 0, 1, 0, 1, 0, 1])]
    index = RowIndex(make_space(codes), codes)
    rows = index.sample(np.zeros(40_000, int), np.ones(40_000, int), rng)
    counts = np.bincount(rows, minlength=8)
    assert set(np.flatnonzero(counts)) == {1, 3, 5, 7}
    assert np.allclose(counts[[1, 3, 5, 7]] / 40_000, 0.25, atol=0.01)


def test_training_conditions_follow_log_frequency_and_original_follow_frequency():
    codes = [np.array([0] * 990 + [1] * 10)]
    space = make_space(codes)
    rng = np.random.default_rng(2)
    _, train = space.sample_training(100_000, rng)
    _, orig = space.sample_original(100_000, rng)
    expected_log = np.log(11) / (np.log(991) + np.log(11))
    assert abs(train.mean() - expected_log) < 0.01
    assert abs(orig.mean() - 0.01) < 0.002


def test_one_hot_marks_the_global_position():
    codes = [np.array([0, 1, 2]), np.array([0, 1])]
    space = make_space([codes[0], np.array([0, 1, 1])])
    cond = space.one_hot(np.array([0, 1]), np.array([2, 1]))
    assert cond.shape == (2, 5)
    assert cond[0].nonzero().flatten().tolist() == [2]
    assert cond[1].nonzero().flatten().tolist() == [4]


def test_sampling_can_skip_columns_and_pins_the_others_uniformly():
    rng = np.random.default_rng(3)
    codes = [rng.integers(0, 2, 500), rng.integers(0, 3, 500), rng.integers(0, 4, 500)]
    space = make_space(codes)
    col, slot = space.sample_original(30_000, np.random.default_rng(4), skip=("c0", "c2"))
    assert set(col) == {1} and slot.max() <= 2
    col, _ = space.sample_original(30_000, np.random.default_rng(4), skip=("c1",))
    assert set(col) == {0, 2} and abs((col == 0).mean() - 0.5) < 0.02
    # Nothing to skip: the very same draws as before the option existed.
    a = space.sample_original(100, np.random.default_rng(5))
    b = space.sample_original(100, np.random.default_rng(5), skip=())
    assert all((x == y).all() for x, y in zip(a, b, strict=True))
    # Skipping every column falls back to pinning any of them.
    col, _ = space.sample_original(1000, rng, skip=("c0", "c1", "c2"))
    assert set(col) == {0, 1, 2}
