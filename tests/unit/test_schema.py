import json
import logging

import numpy as np
import pandas as pd
import pytest

from synthgan import DataError, PrivacyError, Schema, SchemaError, infer_schema


def test_kinds_are_inferred_for_every_supported_dtype(mixed_frame):
    schema = infer_schema(mixed_frame)
    kinds = {c.name: c.kind for c in schema.columns}
    assert kinds == {
        "amount": "numeric",
        "age": "integer",
        "rating": "categorical",
        "city": "categorical",
        "member": "boolean",
        "joined": "datetime",
        "score": "numeric",
        "constant": "numeric",
        "label": "categorical",
    }
    assert schema["score"].nullable and schema["city"].nullable
    assert not schema["age"].nullable
    assert schema["amount"].decimals == 2
    assert schema["joined"].datetime_unit == "D"
    assert schema["age"].bounds == (mixed_frame["age"].min(), mixed_frame["age"].max())


def test_iso_date_strings_and_float_integers_are_recognised():
    counts = np.where(np.arange(60) % 3 == 0, np.nan, np.arange(60.0))
    df = pd.DataFrame({"day": ["2021-01-05", "2021-02-11", None] * 20, "count": counts})
    schema = infer_schema(df)
    assert schema["day"].kind == "datetime"
    assert schema["count"].kind == "integer" and schema["count"].nullable


def test_schema_round_trips_through_json(mixed_frame):
    schema = infer_schema(mixed_frame, {"label": "target"})
    again = Schema.from_dict(json.loads(json.dumps(schema.to_dict())))
    assert again == schema
    assert again["label"].role == "target"


def test_overrides_set_kind_role_bounds_and_mark_them_public(mixed_frame):
    schema = infer_schema(
        mixed_frame,
        {"rating": "integer", "age": {"bounds": [0, 120]}, "label": {"role": "sensitive"}},
    )
    assert schema["rating"].kind == "integer"
    assert schema["age"].bounds == (0.0, 120.0) and schema["age"].source == "public"
    assert schema["city"].source == "data"
    assert schema["label"].role == "sensitive"


def test_id_like_columns_are_detected_and_warned_about(caplog):
    df = pd.DataFrame({"user": [f"u{i}" for i in range(50)], "x": np.arange(50) % 7})
    with caplog.at_level(logging.WARNING, logger="synthgan"):
        schema = infer_schema(df)
    assert schema["user"].role == "id"
    assert "user" in caplog.text and "identifier" in caplog.text
    declared = infer_schema(df, {"user": "categorical"})
    assert declared["user"].role == "feature"


def test_constant_column_is_kept():
    df = pd.DataFrame({"c": ["same"] * 10, "x": range(10)})
    assert infer_schema(df)["c"].categories == ("same",)


@pytest.mark.parametrize(
    ("frame", "match"),
    [
        (pd.DataFrame(), "empty"),
        (pd.DataFrame({"a": []}), "empty"),
        (pd.DataFrame({"a": [1.0]}), "single row"),
        (pd.DataFrame({"a": [1.0, 2.0], "b": [np.nan, np.nan]}), "'b' has no values"),
        (pd.DataFrame({"a": [1.0, np.inf, 3.0]}), "'a' contains infinite"),
        (pd.DataFrame({"a": ["x", 1, 2.5]}), "'a' mixes value types"),
        (pd.DataFrame({"a": [1 + 2j, 3j]}), "'a' has unsupported dtype"),
        (pd.DataFrame({"a": pd.to_timedelta([1, 2], unit="D")}), "'a' has unsupported dtype"),
    ],
)
def test_bad_tables_raise_data_error_naming_the_problem(frame, match):
    with pytest.raises(DataError, match=match):
        infer_schema(frame)


def test_not_a_dataframe_is_refused():
    with pytest.raises(DataError, match="Expected a pandas DataFrame"):
        infer_schema([[1, 2]])


@pytest.mark.parametrize(
    ("overrides", "match"),
    [
        ({"nope": "integer"}, "'nope'"),
        ({"a": "decimal"}, "use a kind"),
        ({"a": {"kind": "text"}}, "kind 'text'"),
        ({"a": {"colour": 1}}, "unknown field"),
        ({"a": {"bounds": [5, 1]}}, "low <= high"),
    ],
)
def test_bad_overrides_raise_schema_error(overrides, match):
    with pytest.raises(SchemaError, match=match):
        infer_schema(pd.DataFrame({"a": [1.5, 2.5, 3.5]}), overrides)


def test_private_inference_reads_declarations_only():
    df = pd.DataFrame(
        {
            "code": [1, 2, 3, 2] * 50,  # few distinct integers: still an integer under DP
            "flag": [True, False] * 100,
            "city": ["a", "b"] * 100,
            "uid": range(200),
        }
    )
    kinds = {"code": "integer", "flag": "boolean", "city": "categorical"}
    schema = infer_schema(df, {**kinds, "uid": {"kind": "integer", "role": "id"}}, private=True)
    assert schema["code"].kind == "integer" and schema["code"].bounds is None
    assert schema["flag"].categories == (False, True) and schema["flag"].source == "public"
    assert schema["city"].categories is None and schema["city"].source == "dp"
    assert schema["uid"].role == "id" and schema["uid"].kind == "integer"
    assert not any(c.nullable for c in schema.columns)  # missing values come from DP counts
    # Values and dtypes play no part: one odd row changes neither kinds nor dtypes.
    odd = pd.concat([df, pd.DataFrame({"code": [None], "flag": ["x"], "city": [3.5]})])
    declared = {**kinds, "uid": {"kind": "integer", "role": "id"}}
    assert infer_schema(odd, declared, private=True) == schema
    assert schema["code"].dtype == "int64" and str(odd["code"].dtype) != "int64"


def test_private_inference_refuses_undeclared_kinds_naming_only_the_columns():
    df = pd.DataFrame({"a": [1, 2], "b": ["x", "y"], "c": [0.5, 1.5]})
    with pytest.raises(PrivacyError, match=r"2 column\(s\) are not: \['a', 'c'\]") as caught:
        infer_schema(df, {"b": "categorical"}, private=True)
    assert "--declare" in str(caught.value) and "'x'" not in str(caught.value)
    # No value is needed at all, not even a row: the refusal does not depend on the rows.
    empty = infer_schema(
        df.iloc[:0], {"a": "integer", "b": "categorical", "c": "numeric"}, private=True
    )
    assert [c.kind for c in empty.columns] == ["integer", "categorical", "numeric"]


def test_a_declaration_is_the_kinds_and_roles_of_a_schema():
    df = pd.DataFrame({"n": range(2000), "c": ["a", "b"] * 1000, "x": [0.5, 1.5] * 1000})
    declaration = infer_schema(df, {"c": "target"}).declaration()
    assert declaration == {
        "n": {"kind": "integer", "role": "id"},
        "c": {"kind": "categorical", "role": "target"},
        "x": {"kind": "numeric"},
    }
    assert infer_schema(df, declaration, private=True)["c"].role == "target"


def test_declared_domains_are_checked_the_same_way_with_and_without_dp():
    df = pd.DataFrame({"c": ["a", "b"] * 50, "when": ["2020-01-01", "2021-06-30"] * 50})
    for private in (False, True):
        kinds = {"when": "datetime"} | ({"c": "categorical"} if private else {})
        with pytest.raises(SchemaError, match="must be distinct"):
            infer_schema(
                df,
                {**kinds, "c": {"kind": "categorical", "categories": ["a", "a"]}},
                private=private,
            )
        bounds = {"kind": "datetime", "bounds": ["2019-01-01", "2022-01-01"]}
        schema = infer_schema(df, {"c": "categorical", "when": bounds}, private=private)
        assert schema["when"].bounds == (1546300800.0, 1640995200.0)
        with pytest.raises(SchemaError, match=r"must be \(low, high\)"):
            infer_schema(
                df,
                {"c": "categorical", "when": {"kind": "datetime", "bounds": ["x", 1]}},
                private=private,
            )


def test_declared_dtypes_and_order_are_checked_against_the_kind():
    df = pd.DataFrame({"size": ["S", "M", "L"] * 10, "n": [1.5, 2.5, 3.5] * 10})
    schema = infer_schema(df, {"size": {"ordered": True, "categories": ["S", "M", "L"]}})
    assert schema["size"].dtype == "category" and schema["size"].ordered
    assert infer_schema(df, {"n": {"dtype": "Float64"}})["n"].dtype == "Float64"
    for override, match in [
        ({"n": {"dtype": "Int64"}}, "cannot hold numeric"),
        ({"n": {"dtype": "no such dtype"}}, "not a pandas dtype"),
        ({"n": {"ordered": True}}, "only a categorical column is ordered"),
        ({"size": {"ordered": "yes"}}, "ordered must be True or False"),
        ({"size": {"ordered": True, "dtype": "string", "categories": ["S"]}}, "is 'category'"),
        ({"size": {"ordered": True}}, "ordered needs an order: declare its categories"),
    ]:
        with pytest.raises(SchemaError, match=match):
            infer_schema(df, override)


def test_a_categorical_dtype_keeps_its_order_and_unused_levels():
    dtype = pd.CategoricalDtype(["low", "mid", "high", "top"], ordered=True)
    df = pd.DataFrame({"g": pd.Series(["high", "low", "mid"] * 10, dtype=dtype)})
    column = infer_schema(df)["g"]
    assert column.categories == ("low", "mid", "high")  # the dtype's order, used levels
    assert column.levels == ("low", "mid", "high", "top") and column.ordered
    assert Schema.from_dict(json.loads(json.dumps(infer_schema(df).to_dict())))["g"] == column
    declared = infer_schema(df, {"g": {"kind": "categorical"}}, private=True)["g"]
    assert not declared.ordered and declared.levels is None and declared.dtype == "object"
