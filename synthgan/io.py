"""Reading tables and writing files safely: atomic replaces and chunked streaming writes."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import pandas as pd

from synthgan.errors import InputFileError

__all__ = ["ChunkWriter", "atomic_path", "check_writable", "read_table", "table_format"]

Format = Literal["csv", "parquet"]


def table_format(path: str | os.PathLike) -> Format:
    """The file format implied by ``path``'s suffix (``.csv``, ``.csv.gz``, ``.parquet``, ``.pq``)."""
    name = str(path).lower()
    if name.endswith((".csv", ".csv.gz", ".csv.bz2", ".csv.zip", ".csv.xz")):
        return "csv"
    if name.endswith((".parquet", ".pq")):
        return "parquet"
    raise InputFileError(
        f"Cannot tell the format of {str(path)!r}: use a .csv, .csv.gz or .parquet file name."
    )


def read_table(path: str | os.PathLike, *, as_text: bool = False) -> pd.DataFrame:
    """Read a CSV or Parquet file; an empty CSV field is a missing value, nothing else is.

    ``as_text`` is for differential privacy: every CSV column is read as strings (pandas' own
    type inference looks at every value; the declared kinds convert the text instead), a
    malformed record is skipped rather than reported by its line number, undecodable bytes are
    replaced, and a parser error that still occurs is reported without pandas' message, which
    can quote a row.
    """
    path = Path(path)
    fmt = table_format(path)
    if not path.is_file():
        raise InputFileError(f"No such file: {str(path)!r}.")
    options = {"dtype": str, "on_bad_lines": "skip", "encoding_errors": "replace"}
    try:
        if fmt == "parquet":
            return pd.read_parquet(path)
        return pd.read_csv(
            path,
            keep_default_na=False,
            na_values=[""],
            low_memory=False,
            **(options if as_text else {}),
        )
    except (OSError, ValueError, UnicodeDecodeError, pd.errors.ParserError) as e:
        reason = f"{type(e).__name__} (details withheld under DP)" if as_text else str(e)
        raise InputFileError(f"Cannot read {str(path)!r} as {fmt}: {reason}") from (
            None if as_text else e
        )


def check_writable(path: str | os.PathLike, *, reading: str | os.PathLike | None = None) -> Path:
    """Fail now, not after the work, if ``path`` cannot be written (or would replace the file
    being read): under differential privacy a fit whose model cannot be saved spends the budget
    for nothing."""
    target = Path(path)
    if reading is not None and target.resolve() == Path(reading).resolve():
        raise InputFileError(
            f"The output {str(target)!r} is the input file: writing it would destroy the data. "
            "Choose another output path."
        )
    if target.is_dir():
        raise InputFileError(f"Cannot write {str(target)!r}: it is a folder.")
    with _temporary_beside(target):  # made and removed again: the folder takes new files
        pass
    return target


@contextlib.contextmanager
def _temporary_beside(target: Path) -> Iterator[Path]:
    folder = target.parent
    if not folder.is_dir():
        raise InputFileError(
            f"Cannot write {str(target)!r}: folder {str(folder)!r} does not exist."
        )
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as e:
        raise InputFileError(f"Cannot write {str(target)!r}: {e.strerror or e}.") from e
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
    finally:
        tmp_path.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; it replaces ``path`` only if the block succeeds."""
    target = Path(path)
    with _temporary_beside(target) as tmp_path:
        yield tmp_path
        with open(tmp_path, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp_path, target)


class ChunkWriter:
    """Append DataFrame chunks to one CSV or Parquet file with bounded memory."""

    def __init__(self, path: Path, fmt: Format):
        self.path, self.fmt = path, fmt
        self._parquet = None
        self._schema = None
        self._first = True

    @property
    def empty(self) -> bool:
        """True until the first chunk is written."""
        return self._first

    def write(self, df: pd.DataFrame) -> None:
        if self.fmt == "csv":
            df.to_csv(self.path, mode="w" if self._first else "a", header=self._first, index=False)
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            if self._parquet is None:
                table = pa.Table.from_pandas(df, preserve_index=False)
                self._schema = table.schema
                self._parquet = pq.ParquetWriter(self.path, self._schema)
            else:
                table = pa.Table.from_pandas(df, schema=self._schema, preserve_index=False)
            self._parquet.write_table(table)
        self._first = False

    def close(self) -> None:
        if self._parquet is not None:
            self._parquet.close()
