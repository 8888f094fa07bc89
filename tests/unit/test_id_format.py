"""ID columns: the format read from the real IDs (prefix, digits, suffix, range, or a
fixed-length pattern), the IDs written in it, and the checks on a declared or stored format."""

import re
import uuid

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synthgan import Schema, SchemaError, infer_schema
from synthgan.sampling.engine import regenerated_ids
from synthgan.schema import IdFormat


def _ids(values, n: int, start: int = 0, **override) -> pd.Series:
    """``n`` IDs regenerated from the ``start``-th row for a column of ``values``."""
    column = infer_schema(pd.DataFrame({"key": values}), {"key": {"role": "id", **override}})
    return regenerated_ids(column["key"], start, n)


def test_integer_ids_continue_after_the_greatest_real_one():
    """No synthetic row carries a real row's ID: a join with the real table matches nothing."""
    ids = _ids(np.arange(1000, 2000)[::-1], 5)
    assert ids.tolist() == [2000, 2001, 2002, 2003, 2004] and ids.dtype == "int64"


def test_prefixed_zero_padded_ids_keep_prefix_width_and_range():
    ids = _ids([f"CUST-{i:06d}" for i in (123, 500, 9000)], 3, start=2)
    assert ids.tolist() == ["CUST-009003", "CUST-009004", "CUST-009005"]


def test_emails_with_a_number_keep_the_pattern():
    ids = _ids([f"user{i}@example.com" for i in range(17, 60)], 3)
    assert ids.tolist() == ["user60@example.com", "user61@example.com", "user62@example.com"]


def test_the_last_digit_run_is_the_counter():
    ids = _ids([f"ORD-2024-{i:04d}" for i in range(5, 30)], 2)
    assert ids.tolist() == ["ORD-2024-0030", "ORD-2024-0031"]


def test_uuids_keep_their_shape_constants_and_hex_digits():
    rng = np.random.default_rng(0)
    real = [str(uuid.UUID(bytes=rng.bytes(16), version=4)) for _ in range(200)]
    ids = _ids(real, 500)
    shape = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$")
    assert all(shape.match(v) for v in ids) and ids.is_unique


def test_names_without_digits_keep_their_common_prefix_and_suffix():
    ids = _ids(["alice@x.com", "bob@x.com", "carol@x.com", "dave@x.com"], 3)
    assert ids.tolist() == ["0@x.com", "1@x.com", "2@x.com"]


def test_a_pattern_past_its_capacity_stays_unique():
    # one lowercase letter: 26 IDs of the real shape, then the counter's rest appended
    ids = _ids(["p", "q", "r", "s"], 60)
    assert ids.is_unique and ids.str.match(r"^[a-z]\d*$").all()
    assert ids.iloc[:26].str.len().eq(1).all() and ids.iloc[26:].str.len().gt(1).all()


def test_ids_of_later_chunks_continue_the_counter():
    real = [f"K{i:03d}" for i in range(10, 50)]
    whole = _ids(real, 30)
    chunks = pd.concat([_ids(real, 10, start=s) for s in (0, 10, 20)], ignore_index=True)
    assert chunks.equals(whole) and whole.is_unique


@settings(max_examples=40, deadline=None)
@given(
    prefix=st.text("ABCxyz-_#", max_size=5),
    suffix=st.text("abc@.-", max_size=6),
    width=st.integers(1, 9),
    numbers=st.lists(st.integers(0, 10**9), min_size=2, max_size=30, unique=True),
)
def test_any_prefix_digits_suffix_format_round_trips(prefix, suffix, width, numbers):
    real = [f"{prefix}{k:0{width}d}{suffix}" for k in numbers]
    ids = _ids(real, 4)
    digits = min(len(f"{k:0{width}d}") for k in numbers)
    after = max(numbers) + 1
    assert ids.tolist() == [f"{prefix}{k:0{digits}d}{suffix}" for k in range(after, after + 4)]


def test_ids_keep_the_real_dtype():
    strings = pd.Series([f"u{i}" for i in range(30)], dtype="string")
    assert _ids(strings, 3).dtype == "string"
    nullable = pd.Series([*range(7, 37), None], dtype="Int64")
    assert _ids(nullable, 3).tolist() == [37, 38, 39] and _ids(nullable, 3).dtype == "Int64"
    small = pd.Series(np.arange(200, dtype="uint8"))
    assert _ids(small, 300).is_unique  # beyond what uint8 holds: int64, not wrapped around
    categories = _ids(pd.Series([f"c{i}" for i in range(4, 30)], dtype="category"), 3)
    assert categories.dtype == "category" and categories.tolist() == ["c30", "c31", "c32"]


def test_a_declared_format_wins_and_is_used_under_privacy():
    real = [f"CUST-{i:06d}" for i in range(100, 130)]
    declared = {"id_format": {"prefix": "P", "width": 3, "start": 7}}
    assert _ids(real, 2, **declared).tolist() == ["P007", "P008"]
    schema = infer_schema(
        pd.DataFrame({"key": real}),
        {"key": {"kind": "categorical", "role": "id", **declared}},
        private=True,
    )
    assert regenerated_ids(schema["key"], 0, 2).tolist() == ["P007", "P008"]


def test_under_privacy_no_format_is_read_from_the_ids():
    df = pd.DataFrame({"key": [f"CUST-{i:06d}" for i in range(100, 130)], "n": range(1000, 1030)})
    kinds = {"key": {"kind": "categorical", "role": "id"}, "n": {"kind": "integer", "role": "id"}}
    schema = infer_schema(df, kinds, private=True)
    assert schema["key"].id_format is None and schema["n"].id_format is None
    assert regenerated_ids(schema["key"], 5, 2).tolist() == ["5", "6"]
    assert regenerated_ids(schema["n"], 5, 2).tolist() == [5, 6]


@pytest.mark.parametrize(
    ("id_format", "match"),
    [
        ("CUST-{:06d}", "must be a dict"),
        ({"prefix": 3}, "prefix must be a string"),
        ({"width": "6"}, "width must be an int"),
        ({"start": True}, "start must be an int"),
        ({"width": 10**6}, "width must be in"),
        ({"alphabets": "abc"}, "alphabets must be a list"),
        ({"alphabets": ["ab", ""]}, "alphabets must be a list"),
        ({"alphabets": ["aa"]}, "without repeated characters"),
        ({"alphabets": ["ab"], "start": -1}, "start must be >= 0"),
        ({"padding": 2}, "unknown field"),
    ],
)
def test_a_bad_id_format_is_a_schema_error(id_format, match):
    with pytest.raises(SchemaError, match=match):
        infer_schema(pd.DataFrame({"k": ["a", "b"]}), {"k": {"role": "id", "id_format": id_format}})


def test_an_id_format_needs_the_id_role():
    with pytest.raises(SchemaError, match="needs role 'id'"):
        infer_schema(pd.DataFrame({"k": ["a", "b"]}), {"k": {"id_format": {"prefix": "x"}}})


def test_an_id_format_round_trips_through_json():
    rng = np.random.default_rng(1)
    real = [str(uuid.UUID(bytes=rng.bytes(16))) for _ in range(30)]
    schema = infer_schema(pd.DataFrame({"a": real, "b": [f"x{i}" for i in range(30)]}))
    assert schema["a"].role == "id" and schema["a"].id_format.alphabets is not None
    assert Schema.from_dict(schema.to_dict()) == schema
    assert isinstance(Schema.from_dict(schema.to_dict())["b"].id_format, IdFormat)
