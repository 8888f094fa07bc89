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

__all__ = ["ChunkWriter", "atomic_path", "read_table", "table_format"]

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


def read_table(path: str | os.PathLike) -> pd.DataFrame:
    """Read a CSV or Parquet file; an empty CSV field is a missing value, nothing else is."""
    path = Path(path)
    fmt = table_format(path)
    if not path.is_file():
        raise InputFileError(f"No such file: {str(path)!r}.")
    try:
        if fmt == "parquet":
            return pd.read_parquet(path)
        return pd.read_csv(path, keep_default_na=False, na_values=[""], low_memory=False)
    except (OSError, ValueError, UnicodeDecodeError, pd.errors.ParserError) as e:
        raise InputFileError(f"Cannot read {str(path)!r} as {fmt}: {e}") from e


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; it replaces ``path`` only if the block succeeds."""
    target = Path(path)
    if target.parent and not target.parent.exists():
        raise InputFileError(
            f"Cannot write {str(target)!r}: folder {str(target.parent)!r} does not exist."
        )
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or ".")
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        with open(tmp_path, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp_path, target)
    finally:
        tmp_path.unlink(missing_ok=True)


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
