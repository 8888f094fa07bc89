"""The benchmark datasets, read from ../shared/data (never copied into the repository).

Each has a fixed train/test split (Adult's official one; a seeded 70/30 or 80/20 split otherwise),
the target and positive class that utility is scored on, and the sensitive attribute fairness is
scored on. ``score_rows`` caps the rows the evaluators see, so the large table's exact distances
stay within minutes; fitting always uses the whole training split.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


@dataclass
class Dataset:
    name: str
    train: pd.DataFrame
    test: pd.DataFrame
    target: str
    sensitive: str | None  # None: the table has no sensitive attribute (no fairness scores)
    positive: Any
    score_rows: int | None = None
    #: Each column's kind, from the dataset's documentation (../shared/data/README.md), never
    #: from its values: what a DP fit must be told.
    kinds: dict[str, str] = field(default_factory=dict)
    #: Columns the documentation says recode one another: synthgan is told them as fixed
    #: combinations, as a user who read it would.
    combinations: tuple[tuple[str, ...], ...] = ()


def _kinds(df: pd.DataFrame, integers: set[str]) -> dict[str, str]:
    """The documented numeric columns (all whole numbers) as integers, the rest categories."""
    return {c: "integer" if c in integers else "categorical" for c in df.columns}


def _read(relative: str) -> pd.DataFrame:
    from synthgan.io import read_table

    return read_table(DATA / relative)


def _split(df: pd.DataFrame, test_share: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    test = df.sample(frac=test_share, random_state=0)
    return df.drop(index=test.index).reset_index(drop=True), test.reset_index(drop=True)


def adult() -> Dataset:
    train, test = _read("adult/train.csv"), _read("adult/test.csv")
    numeric = {"age", "fnlwgt", "education-num", "capital-gain", "capital-loss", "hours-per-week"}
    return Dataset(
        "adult",
        train,
        test,
        "income",
        "sex",
        ">50K",
        kinds=_kinds(train, numeric),
        combinations=(("education", "education-num"),),  # "a 1:1 recoding"
    )


def compas() -> Dataset:
    """COMPAS two-year recidivism with ProPublica's analysis filter (|days_b_screening_arrest| <=
    30: 6,172 rows, and no missing numbers, which ctgan cannot fit); ``is_recid`` and
    ``is_violent_recid`` dropped (they leak the outcome); 0/1 target as a label; a 70/30 split."""
    df = _read("compas/compas-two-years.csv")
    df = df[df["days_b_screening_arrest"].between(-30, 30)]
    df = df.drop(columns=["is_recid", "is_violent_recid"])
    df["two_year_recid"] = df["two_year_recid"].map({1: "yes", 0: "no"})
    train, test = _split(df, 0.3)
    numeric = {
        "age",
        "juv_fel_count",
        "juv_misd_count",
        "juv_other_count",
        "priors_count",
        "days_b_screening_arrest",
        "c_days_from_compas",
        "decile_score",
        "v_decile_score",
    }
    kinds = _kinds(train, numeric)
    return Dataset("compas", train, test, "two_year_recid", "race", "yes", kinds=kinds)


def acs() -> Dataset:
    """ACS Income 2018 (295,243 rows): the scale test. ``Income`` becomes the two-class target
    ``income_over_50k`` (the usual ACSIncome task); an 80/20 split."""
    df = _read("acs-income-2018/acs_income_2018.csv.gz")
    df["income_over_50k"] = (df.pop("Income") > 50_000).map({True: "yes", False: "no"})
    train, test = _split(df, 0.2)
    kinds = _kinds(train, {"Age", "Vehicle occupancy", "Travel time to work"})
    return Dataset(
        "acs", train, test, "income_over_50k", "Gender", "yes", score_rows=20_000, kinds=kinds
    )


def kdd() -> Dataset:
    """KDD Cup 99, 10 % (494,021 rows, 42 columns, 348,435 of them duplicates of another row):
    the second scale test. The target is the 23-class ``label`` (a multiclass task for the
    evaluator); no sensitive attribute; an 80/20 split."""
    df = _read("kddcup99/kddcup99_10pct.csv.gz")
    train, test = _split(df, 0.2)
    symbolic = {"protocol_type", "service", "flag", "land", "logged_in", "root_shell"}
    symbolic |= {"is_host_login", "is_guest_login", "su_attempted", "label"}
    kinds = {  # the documented kinds: symbolic columns, rates with two decimals, counts
        c: "categorical" if c in symbolic else "numeric" if c.endswith("rate") else "integer"
        for c in train.columns
    }
    return Dataset("kdd", train, test, "label", None, None, score_rows=20_000, kinds=kinds)


DATASETS = {"adult": adult, "compas": compas, "acs": acs, "kdd": kdd}
