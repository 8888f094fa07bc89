"""Reading tables in chunks gives the frame one read of the whole file gives."""

import os
import stat

import numpy as np
import pandas as pd
import pytest

from synthgan import io
from synthgan.io import read_table


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(io, "READ_ROWS", 40)


def _frame(n: int = 200) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "city": rng.choice(["Oslo", "Lima", "Pune"], n),
            "count": rng.integers(0, 9, n),
            "late_gaps": rng.normal(size=n),  # missing only after the first chunk
            "late_text": rng.integers(0, 5, n).astype(str),  # numbers, then a word
            "flag": rng.random(n) < 0.5,
            "day": [f"2024-01-{d:02d}" for d in rng.integers(1, 28, n)],
        }
    )
    df.loc[150:, "late_gaps"] = np.nan
    df.loc[170, "late_text"] = "many"
    df["flag"] = df["flag"].astype(object)
    df.loc[180, "flag"] = None
    df.loc[::7, "city"] = np.nan
    return df


def test_a_csv_read_in_chunks_is_the_frame_of_one_whole_read(small_chunks, tmp_path):
    path = tmp_path / "t.csv"
    _frame().to_csv(path, index=False)
    whole = pd.read_csv(path, keep_default_na=False, na_values=[""], low_memory=False)
    back = read_table(path)
    pd.testing.assert_frame_equal(back, whole)
    assert back["late_text"].map(type).eq(str).all()  # text throughout, as in one read
    # each distinct text value is one object, shared by every row that holds it
    oslo = back.loc[back["city"] == "Oslo", "city"]
    assert len({id(v) for v in oslo}) == 1 and len(oslo) > 40


def test_columns_the_chunks_type_differently_are_typed_as_one_read_types_them(
    small_chunks, tmp_path
):
    n = 200
    df = pd.DataFrame(
        {
            "gap_chunk": np.where(np.arange(n) % 2 == 0, "True", "False").astype(object),
            "big": np.arange(n, dtype=np.uint64),
            "yes_later": np.where(np.arange(n) % 2 == 0, "True", "False").astype(object),
        }
    )
    df.loc[40:79, "gap_chunk"] = ""  # one whole chunk empty: booleans still
    df.loc[150, "big"] = 2**63 + 5  # past int64 in a later chunk: uint64, not float
    df.loc[[5, 160], "yes_later"] = ["", "maybe"]  # booleans, then a word: text
    path = tmp_path / "t.csv"
    df.to_csv(path, index=False)
    whole = pd.read_csv(path, keep_default_na=False, na_values=[""], low_memory=False)
    back = read_table(path)
    pd.testing.assert_frame_equal(back, whole)
    assert back["big"].dtype == np.uint64 and back.loc[150, "big"] == 2**63 + 5
    assert back.loc[0, "yes_later"] == "True"  # text, as the whole column is


def test_a_csv_read_as_text_in_chunks_is_all_strings(small_chunks, tmp_path):
    path = tmp_path / "t.csv"
    _frame().to_csv(path, index=False)
    back = read_table(path, as_text=True)
    whole = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    pd.testing.assert_frame_equal(back, whole)


def test_a_parquet_file_read_batch_by_batch_keeps_every_dtype(small_chunks, tmp_path):
    df = _frame().drop(columns=["late_text"])
    df["band"] = pd.Categorical(
        np.where(df["count"] < 3, "low", np.where(df["count"] < 6, "mid", "high")),
        categories=["low", "mid", "high"],
        ordered=True,
    )
    df["seen"] = pd.date_range("2024-01-01", periods=len(df), freq="h", tz="Europe/Oslo")
    path = tmp_path / "t.parquet"
    df.to_parquet(path, row_group_size=30)
    back = read_table(path)
    pd.testing.assert_frame_equal(back, pd.read_parquet(path))  # one read of the whole file
    assert back.dtypes.to_dict() == df.dtypes.to_dict()


def test_a_header_without_rows_reads_as_an_empty_frame(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b\n")
    assert list(read_table(path).columns) == ["a", "b"] and read_table(path).empty


def test_a_parquet_file_with_a_stored_index_or_no_rows_reads_as_pandas_reads_it(
    small_chunks, tmp_path
):
    df = _frame().set_index("city")
    df.to_parquet(tmp_path / "indexed.parquet", row_group_size=30)
    back = read_table(tmp_path / "indexed.parquet")
    pd.testing.assert_frame_equal(back, pd.read_parquet(tmp_path / "indexed.parquet"))
    df.reset_index().iloc[100:].to_parquet(tmp_path / "shifted.parquet", row_group_size=30)
    back = read_table(tmp_path / "shifted.parquet")
    pd.testing.assert_frame_equal(back, pd.read_parquet(tmp_path / "shifted.parquet"))
    df.iloc[:0].to_parquet(tmp_path / "empty.parquet")
    empty = read_table(tmp_path / "empty.parquet")
    pd.testing.assert_frame_equal(empty, pd.read_parquet(tmp_path / "empty.parquet"))


def test_written_files_get_the_users_umask_or_keep_their_mode(tmp_path):
    from synthgan.io import atomic_path

    old = os.umask(0o022)
    try:
        new = tmp_path / "new.txt"
        with atomic_path(new) as tmp:
            tmp.write_text("a")
        assert stat.S_IMODE(new.stat().st_mode) == 0o644
        kept = tmp_path / "kept.txt"
        kept.write_text("old")
        os.chmod(kept, 0o640)
        with atomic_path(kept) as tmp:
            tmp.write_text("b")
        assert stat.S_IMODE(kept.stat().st_mode) == 0o640 and kept.read_text() == "b"
    finally:
        os.umask(old)
