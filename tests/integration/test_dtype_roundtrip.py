"""dtypes survive fit → sample → save → load → sample: time zones and units, ordered and
unordered categoricals (unused levels included), pandas' nullable and string dtypes with
``pd.NA``, and ID columns in their real format; under DP, only what was declared."""

import importlib.util

import numpy as np
import pandas as pd
import pytest
from conftest import rewrite_manifest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import synthgan.sampling.engine as engine_module
from synthgan import ModelFileError, Privacy, PrivacyError, Synthesizer, load
from synthgan.persist import read_model

#: One epoch of tiny networks: the dtypes, not the quality, are under test.
TINY = dict(
    epochs=1,
    batch_size=50,
    embedding_dim=8,
    generator_dim=(16,),
    discriminator_dim=(16,),
    verbose=False,
    seed=0,
)
TIMEZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "+05:30"]
STRINGS = ["string", "string[pyarrow]"] if importlib.util.find_spec("pyarrow") else ["string"]
#: The nullable columns asked for as missing through a condition (discrete ones).
DISCRETE_NULLABLE = ("flag", "label", "code")


@st.composite
def frames(draw) -> tuple[pd.DataFrame, dict]:
    """A table with one column of each dtype under test, and what its ID columns look like."""
    n = draw(st.integers(30, 60))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    unit = draw(st.sampled_from(["ns", "us", "s"]))
    tz = draw(st.sampled_from(TIMEZONES))
    levels = draw(
        st.lists(st.text("abcdefgh", min_size=1, max_size=3), min_size=3, max_size=5, unique=True)
    )
    used = levels[: draw(st.integers(2, len(levels)))]  # the other levels are never seen
    prefix = draw(st.text("ABZ-_#", max_size=4))
    suffix = draw(st.sampled_from(["", "@example.com", "-x"]))
    width = draw(st.integers(3, 8))
    first = draw(st.integers(0, 10**width - 3 * n))
    numbers = first + rng.permutation(3 * n)[:n]
    seconds = rng.integers(1_500_000_000, 1_700_000_000, n)
    df = pd.DataFrame(
        {
            "key": [f"{prefix}{k:0{width}d}{suffix}" for k in numbers],
            "num": numbers + 1000,
            "when": pd.Series(pd.to_datetime(seconds, unit="s", utc=True))
            .dt.tz_convert(tz)
            .astype(pd.DatetimeTZDtype(unit, tz)),
            "grade": pd.Categorical(rng.choice(used, n), categories=levels, ordered=True),
            "colour": pd.Categorical(rng.choice(["red", "blue", "green"], n)),
            "count": pd.array(rng.integers(-500, 500, n), dtype="Int64"),
            "amount": pd.array(rng.normal(size=n).round(3), dtype="Float64"),
            "flag": pd.array(rng.random(n) < 0.5, dtype="boolean"),
            "label": pd.array(rng.choice(["x", "y", "z"], n), dtype="string"),
            "code": pd.array(rng.choice(["p", "q"], n), dtype=draw(st.sampled_from(STRINGS))),
        }
    )
    for name in ("count", "amount", *DISCRETE_NULLABLE):
        gaps = rng.random(n) < draw(st.floats(0.05, 0.4))
        gaps[0] = True
        df.loc[gaps, name] = pd.NA
    ids = {"prefix": prefix, "suffix": suffix, "width": width, "after": int(numbers.max()) + 1}
    return df, ids


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=frames())
def test_dtypes_round_trip_through_sample_and_the_model_file(case, tmp_path_factory):
    df, ids = case
    model = Synthesizer(overrides={"key": "id", "num": "id"}, **TINY).fit(df)
    fake = model.sample(40, seed=1)
    assert fake.dtypes.to_dict() == df.dtypes.to_dict()
    assert fake["grade"].dtype.ordered and fake["grade"].dtype == df["grade"].dtype
    assert set(fake["grade"]) <= set(df["grade"])
    assert fake["when"].between(df["when"].min(), df["when"].max()).all()
    for name in ("count", "amount", *DISCRETE_NULLABLE):
        assert all(v is pd.NA for v in fake.loc[fake[name].isna(), name])
    for name in DISCRETE_NULLABLE:  # the input had gaps: the model gives them back as pd.NA
        gaps = model.sample(3, conditions={name: None}, seed=2)[name]
        assert all(v is pd.NA for v in gaps)
    after, width = ids["after"], ids["width"]
    expected = [f"{ids['prefix']}{k:0{width}d}{ids['suffix']}" for k in range(after, after + 40)]
    assert fake["key"].tolist() == expected
    assert fake["num"].tolist() == list(range(after + 1000, after + 1040))

    again = load(model.save(tmp_path_factory.mktemp("roundtrip") / "m.sgm"))
    pd.testing.assert_frame_equal(again.sample(40, seed=1), fake)


def test_ids_stay_unique_across_chunks_and_keep_their_format(monkeypatch, tmp_path):
    n = 300
    df = pd.DataFrame(
        {
            "customer": [f"CUST-{i:06d}" for i in range(123, 123 + n)],
            "email": [f"user{i}@example.com" for i in range(17, 17 + n)],
            "number": np.arange(1000, 1000 + n),
            "x": np.random.default_rng(0).normal(size=n),
        }
    )
    model = Synthesizer(**TINY).fit(df)  # all three are recognised as IDs
    assert [c.role for c in model.schema_.columns] == ["id", "id", "id", "feature"]
    monkeypatch.setattr(engine_module, "CHUNK_ROWS", 70)
    fake = model.sample(1000, seed=0)
    assert fake["customer"].str.fullmatch(r"CUST-\d{6}").all() and fake["customer"].is_unique
    assert fake["customer"].iloc[0] == "CUST-000423"  # after the real ones
    assert fake["email"].str.fullmatch(r"user\d+@example\.com").all() and fake["email"].is_unique
    assert fake["number"].tolist() == list(range(1300, 2300))
    pd.testing.assert_frame_equal(load(model.save(tmp_path / "m.sgm")).sample(1000, seed=0), fake)


#: Settings for DP fits in seconds (larger Poisson batches).
DP_TINY = {**TINY, "batch_size": 200}


@pytest.fixture(scope="module")
def chosen_dtypes() -> pd.DataFrame:
    """A table whose dtypes were chosen by the user's code."""
    rng = np.random.default_rng(0)
    n = 800
    df = pd.DataFrame(
        {
            "key": [f"CUST-{i:06d}" for i in range(100, 100 + n)],
            "when": pd.Series(
                pd.to_datetime(rng.integers(1.6e9, 1.7e9, n), unit="s", utc=True)
            ).dt.tz_convert("Europe/Berlin"),
            "grade": pd.Categorical(
                rng.choice(["low", "mid", "high"], n), ["low", "mid", "high"], True
            ),
            "count": pd.array(rng.integers(0, 50, n), dtype="Int64"),
            "label": pd.array(rng.choice(["x", "y"], n), dtype="string"),
        }
    )
    df.loc[rng.random(n) < 0.2, "count"] = pd.NA
    return df


KINDS = {
    "key": {"kind": "categorical", "role": "id"},
    "when": "datetime",
    "grade": "categorical",
    "count": "integer",
    "label": "categorical",
}


def test_under_dp_dtypes_follow_the_declared_kinds_not_the_input(chosen_dtypes):
    model = Synthesizer(privacy=Privacy(epsilon=4.0), overrides=KINDS, **DP_TINY).fit(chosen_dtypes)
    fake = model.sample(50, seed=0)
    assert fake.dtypes.astype(str).to_dict() == {
        "key": "object",
        "when": "datetime64[ns]",
        "grade": "object",
        "count": "float64",  # int64, with the missing values a DP count may release
        "label": "object",
    }
    assert fake["key"].tolist() == [str(i) for i in range(50)]  # no format read from the IDs
    schema = model.schema_
    assert not any(c.ordered or c.levels or c.id_format for c in schema.columns)


def test_under_dp_declared_dtypes_order_and_id_format_are_kept(chosen_dtypes, tmp_path):
    declared = {
        "key": {"kind": "categorical", "role": "id", "id_format": {"prefix": "C", "width": 4}},
        "when": {"kind": "datetime", "dtype": "datetime64[ns, Europe/Berlin]"},
        "grade": {"kind": "categorical", "ordered": True},
        "count": {"kind": "integer", "dtype": "Int64"},
        "label": {"kind": "categorical", "dtype": "string"},
    }
    privacy = Privacy(epsilon=4.0, public={"grade": ["high", "mid", "low"]})
    model = Synthesizer(privacy=privacy, overrides=declared, **DP_TINY).fit(chosen_dtypes)
    fake = model.sample(50, seed=0)
    assert fake["grade"].dtype == pd.CategoricalDtype(["high", "mid", "low"], ordered=True)
    assert str(fake["when"].dtype) == "datetime64[ns, Europe/Berlin]"
    assert fake["count"].dtype == "Int64" and fake["label"].dtype == "string"
    assert fake["key"].tolist()[:2] == ["C0000", "C0001"]
    pd.testing.assert_frame_equal(load(model.save(tmp_path / "dp.sgm")).sample(50, seed=0), fake)


def test_under_dp_an_order_needs_public_categories(chosen_dtypes):
    declared = {**KINDS, "grade": {"kind": "categorical", "ordered": True}}
    with pytest.raises(PrivacyError, match="categories are not public"):
        Synthesizer(privacy=Privacy(epsilon=4.0), overrides=declared, **DP_TINY).fit(chosen_dtypes)


@pytest.fixture(scope="module")
def saved(chosen_dtypes, tmp_path_factory):
    model = Synthesizer(**TINY).fit(chosen_dtypes)
    return model.save(tmp_path_factory.mktemp("saved") / "m.sgm"), model


def _edited(path, tmp_path, edit):
    manifest, _ = read_model(path)
    for column in manifest["schema"]["columns"]:
        edit(column)
    copy = tmp_path / "edited.sgm"
    copy.write_bytes(path.read_bytes())
    rewrite_manifest(copy, manifest)
    return copy


def test_a_file_without_the_new_fields_loads_with_the_old_dtypes(saved, tmp_path):
    path, model = saved
    assert model.sample(5, seed=0)["key"].iloc[0] == "CUST-000900"

    def old(column):
        for key in ("ordered", "levels", "id_format"):
            column.pop(key)

    again = load(_edited(path, tmp_path, old))
    fake = again.sample(5, seed=0)
    assert fake["key"].tolist() == ["0", "1", "2", "3", "4"]
    assert fake["grade"].dtype == pd.CategoricalDtype(["low", "mid", "high"])  # not ordered


@pytest.mark.parametrize(
    ("name", "field", "value"),
    [
        ("grade", "ordered", "yes"),
        ("grade", "levels", "low"),
        ("grade", "levels", ["low", "low", "mid", "high"]),
        ("grade", "levels", ["low"]),  # misses categories
        ("count", "ordered", True),  # only categories are ordered
        ("key", "id_format", "CUST-{:06d}"),
        ("key", "id_format", {"width": "6"}),
        ("key", "id_format", {"alphabets": [1, 2]}),
        ("count", "id_format", {"start": 0}),  # not an ID column
        ("count", "dtype", 64),
    ],
)
def test_a_malformed_new_field_is_a_model_file_error(saved, tmp_path, name, field, value):
    def edit(column):
        if column["name"] == name:
            column[field] = value

    with pytest.raises(ModelFileError):
        load(_edited(saved[0], tmp_path, edit))


def test_dates_read_from_a_csv_with_their_offsets_come_back_aware_in_utc(tmp_path):
    """A time-zone-aware column written to CSV is text with offsets (summer and winter time
    mixed); a model of that file writes its sample with the offset too, in UTC."""
    from synthgan.io import read_table

    rng = np.random.default_rng(0)
    start = pd.Timestamp("2023-01-01", tz="Europe/Berlin")
    stamps = pd.Series(start + pd.to_timedelta(rng.integers(0, 3 * 10**7, 60), "s"))
    pd.DataFrame({"seen": stamps, "x": rng.normal(size=60)}).to_csv(tmp_path / "t.csv", index=False)
    model = Synthesizer(**TINY).fit(read_table(tmp_path / "t.csv"))
    assert str(model.sample(5)["seen"].dtype) == "datetime64[ns, UTC]"
    model.sample_to(tmp_path / "s.csv", 5)
    assert all(v.endswith("+00:00") for v in pd.read_csv(tmp_path / "s.csv")["seen"])
