import numpy as np
import pandas as pd
import pytest

from synthgan import ConditionError
from synthgan.combinations import Combinations


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "code": pd.Series([1, 2, 2, np.nan], dtype="float64"),
            "flag": [True, False, False, True],
            "label": pd.Categorical(["one", "two", "two", None]),
            "rest": [0.5, 1.5, 2.5, 3.5],
            "count": pd.Series([7, 8, 8, 9], dtype="int32"),
        }
    )


def test_fusing_and_splitting_gives_the_table_back():
    df = frame()
    combinations = Combinations.declare([("code", "label"), ("count", "flag")], df, None, False)
    fused = combinations.fuse(df)
    assert list(fused.columns) == ["code + label", "count + flag", "rest"]
    assert fused["code + label"].nunique() == 3  # (1, one), (2, two), (missing, missing)
    pd.testing.assert_frame_equal(combinations.split(fused), df)


def test_a_condition_must_single_out_one_combination():
    df = frame()
    combinations = Combinations.declare([("code", "label")], df, None, False)
    learned = {"code + label": list(combinations.fuse(df)["code + label"].unique())}
    asked = combinations.conditions({"label": "two", "rest": 1.5}, learned)
    assert asked == {"rest": 1.5, "code + label": '[2, "two"]'}
    assert combinations.conditions({"code": "1"}, learned)["code + label"] == '[1, "one"]'
    assert combinations.conditions({"code": None}, learned)["code + label"] == "[null, null]"
    with pytest.raises(ConditionError, match="no combination"):
        combinations.conditions({"code": 3}, learned)
