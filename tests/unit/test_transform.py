import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.pandas import column, data_frames, range_indexes

from synthgan import DataError, NotFittedError
from synthgan.inference import infer_schema
from synthgan.transform import TableTransformer
from synthgan.transform.continuous import fit_modes


def assert_frames_match(actual: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert list(actual.columns) == list(expected.columns)
    for name in expected.columns:
        a, e = actual[name], expected[name]
        assert a.dtype == e.dtype, name
        assert (a.isna() == e.isna()).all(), name
        if pd.api.types.is_float_dtype(e):
            np.testing.assert_allclose(
                a[e.notna()], e[e.notna()], rtol=1e-5, atol=1e-6 * (1 + e.abs().max())
            )
        else:
            assert (a[e.notna()] == e[e.notna()]).all(), name


def test_round_trip_is_exact_on_every_kind(mixed_frame):
    schema = infer_schema(mixed_frame)
    transformer = TableTransformer().fit(mixed_frame, schema)
    encoded = transformer.transform(mixed_frame)
    assert encoded.dtype == np.float32 and encoded.shape == (
        len(mixed_frame),
        transformer.output_dim_,
    )
    assert_frames_match(transformer.inverse_transform(encoded), mixed_frame)


def test_spans_tile_the_encoded_matrix(mixed_frame):
    transformer = TableTransformer().fit(mixed_frame, infer_schema(mixed_frame))
    position = 0
    for span in transformer.spans_:
        assert span.start == position
        position = span.end
    assert position == transformer.output_dim_
    roles = {(s.column, s.role) for s in transformer.spans_}
    assert ("score", "missing") in roles and ("amount", "missing") not in roles
    assert ("city", "category") in roles


def test_each_encoder_sets_exactly_one_slot_of_each_one_hot_span(mixed_frame):
    # what the compact rows rely on: a slot index says all a one-hot block says
    transformer = TableTransformer().fit(mixed_frame, infer_schema(mixed_frame))
    rng = np.random.default_rng(0)
    for encoder in transformer.encoders_:
        encoded = encoder.encode(mixed_frame[encoder.column.name], rng)
        for span in encoder.spans(0):
            block = encoded[:, span.start : span.end]
            if not span.is_softmax:
                continue
            assert (block.sum(axis=1) == 1).all() and set(np.unique(block)) <= {0.0, 1.0}


def test_modes_are_found_on_a_bimodal_column():
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(-50, 1, 3000), rng.normal(50, 1, 3000)])
    modes = fit_modes(x, seed=0)
    assert any(abs(m + 50) < 2 for m in modes.means) and any(abs(m - 50) < 2 for m in modes.means)
    scalar, mode = modes.encode(x, np.random.default_rng(1))
    np.testing.assert_allclose(modes.decode(scalar, mode), x, rtol=1e-10)
    assert np.mean(np.abs(scalar) <= 1) > 0.99


def test_mixture_is_fitted_on_a_bounded_subsample(monkeypatch):
    seen = []
    from sklearn.mixture import BayesianGaussianMixture

    original = BayesianGaussianMixture.fit

    def spy(self, X, y=None):
        seen.append(len(X))
        return original(self, X, y)

    monkeypatch.setattr(BayesianGaussianMixture, "fit", spy)
    fit_modes(np.random.default_rng(0).normal(size=50_000), subsample=2_000)
    assert seen == [2_000]


def test_rare_categories_share_one_slot_and_keep_their_frequencies():
    rng = np.random.default_rng(0)
    values = np.concatenate([rng.choice(["a", "b", "c"], 6000), [f"r{i}" for i in range(3000)] * 2])
    df = pd.DataFrame({"v": values})
    transformer = TableTransformer(max_categories=10).fit(df, infer_schema(df))
    assert transformer.output_dim_ == 10  # 9 frequent values + one shared slot
    assert_frames_match(
        transformer.inverse_transform(transformer.transform(df)).iloc[:6000], df.iloc[:6000]
    )
    decoded = transformer.inverse_transform(transformer.transform(df), seed=1)["v"]
    rare = decoded[~decoded.isin(["a", "b", "c"])]
    assert rare.str.startswith("r").all() and rare.nunique() > 1000


def test_unfitted_transformer_raises():
    with pytest.raises(NotFittedError):
        TableTransformer().transform(pd.DataFrame({"a": [1.0]}))


def test_unseen_category_at_transform_time_is_a_data_error():
    df = pd.DataFrame({"c": ["x", "y"] * 5})
    transformer = TableTransformer().fit(df, infer_schema(df))
    with pytest.raises(DataError, match="'c'.*'z'"):
        transformer.transform(pd.DataFrame({"c": ["z"]}))


frames = data_frames(
    columns=[
        column("f", elements=st.floats(-1e6, 1e6) | st.just(np.nan)),
        column("i", elements=st.integers(-1000, 1000)),
        column("c", elements=st.sampled_from(["p", "q", "r"]) | st.none()),
        column("b", elements=st.booleans()),
    ],
    index=range_indexes(min_size=2, max_size=60),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames)
def test_round_trip_property(df):
    df = df.assign(c=df["c"].astype(object))
    if df["f"].isna().all() or df["c"].isna().all():
        df = df.assign(f=1.5, c="p")
    schema = infer_schema(df)
    transformer = TableTransformer(mode_subsample=500).fit(df, schema)
    back = transformer.inverse_transform(transformer.transform(df))
    expected = df.copy()
    if schema["f"].decimals is not None:
        expected["f"] = expected["f"].round(schema["f"].decimals)
    assert_frames_match(back, expected)


def test_a_narrow_mode_over_several_values_is_not_a_point_mass():
    """Found by the round-trip property: 0 and 1 in a column reaching 500.5 share a mode
    narrower than 1e-3 of the scale, which, made a point mass, decoded every 1 as 0."""
    df = pd.DataFrame({"f": [0.0, 1.0] + [500.5] * 19})
    transformer = TableTransformer(mode_subsample=500).fit(df, infer_schema(df))
    back = transformer.inverse_transform(transformer.transform(df))
    assert back["f"].tolist() == df["f"].tolist()


def test_point_masses_get_exact_modes():
    rng = np.random.default_rng(0)
    x = np.where(rng.random(20_000) < 0.7, 0.0, rng.lognormal(8, 1, 20_000))
    modes = fit_modes(x, seed=0)
    spike = int(np.argmin(np.abs(modes.means)))
    assert modes.means[spike] == 0.0 and abs(modes.weights[spike] - 0.7) < 0.02
    # Whatever scalar the generator produces for that mode, it decodes to exactly zero.
    decoded = modes.decode(np.linspace(-1, 1, 101), np.full(101, spike))
    assert (decoded == 0.0).all()


def test_values_far_more_common_than_their_neighbours_get_point_masses():
    # Weekly hours: a smooth spread of integers with 30 and 35 (3 % each) far above 29-31 and
    # 34-36, and one value (52) at 0.1 %, too rare to be a spike; ages-like values never are.
    rng = np.random.default_rng(0)
    smooth = rng.integers(1, 100, 20_000).astype(float)
    x = np.concatenate([smooth, np.full(600, 30.0), np.full(600, 35.0), np.full(20, 52.0)])
    modes = fit_modes(x, seed=0)
    assert sorted(modes.means[modes.stds == 0].tolist()) == [30.0, 35.0]
    assert modes.weights[modes.means == 30.0][0] == pytest.approx(np.mean(x == 30.0))
    assert not (fit_modes(smooth, seed=0).stds == 0).any()


def test_modes_fitted_on_a_few_integers_are_point_masses_and_encode_finitely():
    # Draws from a DP histogram of a small integer column: each value below the 5 % spike share
    # used to get a mixture mode of width ~1e-11, and a value between them an encoding of ~1e10.
    rng = np.random.default_rng(0)
    x = rng.choice([0, 1, 2, 3, 4, 5, 10, 13, 16], 5000, p=[0.3, 0.2, 0.13] + [0.37 / 6] * 6)
    modes = fit_modes(x.astype(float), seed=0)
    assert set(modes.means[modes.stds == 0]) <= set(x.tolist())
    assert np.all((modes.stds == 0) | (modes.stds > 0.1))
    values = np.arange(0, 17, dtype=float)  # 6-9, 11, 12, 14, 15 were never drawn
    scalar, mode = modes.encode(values, np.random.default_rng(1))
    assert np.all(np.abs(scalar) <= 1)  # reachable by the generator's tanh
    drawn = np.isin(values, x)
    assert np.array_equal(modes.decode(scalar, mode)[drawn], values[drawn])


def test_decoding_from_draws_equals_decoding_the_one_hot_matrix(mixed_frame):
    import torch

    from synthgan.nn import OutputActivation

    transformer = TableTransformer().fit(mixed_frame, infer_schema(mixed_frame))
    activation = OutputActivation(transformer.spans_)
    raw = torch.randn(500, transformer.output_dim_, generator=torch.Generator().manual_seed(0))
    values, draws = activation.draw(raw, torch.Generator().manual_seed(1))
    matrix = np.zeros((500, transformer.output_dim_), dtype=np.float32)
    value_spans = [s for s in transformer.spans_ if not s.is_softmax]
    soft_spans = [s for s in transformer.spans_ if s.is_softmax]
    for j, span in enumerate(value_spans):
        matrix[:, span.start] = values[:, j].numpy()
    for j, span in enumerate(soft_spans):
        matrix[np.arange(500), span.start + draws[:, j].numpy()] = 1.0
    pd.testing.assert_frame_equal(
        transformer.inverse_draws(values.numpy(), draws.numpy(), seed=2),
        transformer.inverse_transform(matrix, seed=2),
    )


def test_encoding_draws_equals_encoding_the_rows_they_decode_to(mixed_frame):
    # The density ratio scores generated rows from their draws, before decoding them: the
    # scores must be those of the rows sampling returns, rare categories and datetimes included.
    import torch

    from synthgan.nn import OutputActivation

    transformer = TableTransformer(max_categories=3).fit(mixed_frame, infer_schema(mixed_frame))
    assert any(getattr(e, "has_other", False) for e in transformer.encoders_)
    activation = OutputActivation(transformer.spans_)
    raw = torch.randn(2000, transformer.output_dim_, generator=torch.Generator().manual_seed(0))
    values, draws = (t.numpy() for t in activation.draw(raw, torch.Generator().manual_seed(1)))
    decoded = transformer.inverse_draws(values, draws, seed=2)
    np.testing.assert_allclose(
        transformer.encode_draws(values, draws, seed=3),
        transformer.transform(decoded, seed=3),
        atol=1e-6,
    )


def test_compact_rows_hold_what_each_encoder_encodes_whatever_the_chunk(mixed_frame, monkeypatch):
    from synthgan.transform import table

    transformer = TableTransformer().fit(mixed_frame, infer_schema(mixed_frame))
    compact = transformer.transform_compact(mixed_frame, seed=3)
    rng = np.random.default_rng(3)  # each encoder on the whole column, in order: the reference
    expected = np.hstack([e.encode(mixed_frame[e.column.name], rng) for e in transformer.encoders_])
    np.testing.assert_array_equal(compact.dense(), expected)
    monkeypatch.setattr(table, "ENCODE_ROWS", 7)  # chunks of 7 rows: the same mode draws
    chunked = transformer.transform_compact(mixed_frame, seed=3)
    np.testing.assert_array_equal(chunked.values, compact.values)
    np.testing.assert_array_equal(chunked.slots, compact.slots)


def test_dense_batches_build_the_same_rows_as_the_compact_table(mixed_frame):
    import torch

    from synthgan.encoded import DenseBatches

    transformer = TableTransformer().fit(mixed_frame, infer_schema(mixed_frame))
    compact = transformer.transform_compact(mixed_frame)
    index = np.random.default_rng(0).integers(len(compact), size=50)
    batch = DenseBatches(compact, torch.device("cpu")).batch(torch.as_tensor(index))
    np.testing.assert_array_equal(batch.numpy(), compact.dense(index))


def test_a_wide_category_costs_one_small_integer_per_row():
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {"code": rng.integers(0, 300, 5_000).astype(str), "x": rng.normal(size=5_000)}
    )
    transformer = TableTransformer(max_categories=400).fit(df, infer_schema(df))
    compact = transformer.transform_compact(df)
    assert compact.width > 300 and compact.slots.dtype == np.int16
    assert compact.nbytes * 50 < compact.dense().nbytes
