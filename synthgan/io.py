"""Reading tables and writing files safely: atomic replaces and chunked streaming writes."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import numpy as np
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


#: Rows read at a time: a large table never exists as Python strings all at once.
READ_ROWS = 250_000


def read_table(path: str | os.PathLike, *, as_text: bool = False) -> pd.DataFrame:
    """Read a CSV or Parquet file; an empty CSV field is a missing value, nothing else is.

    Read ``READ_ROWS`` rows at a time (Parquet batch by batch, row group by row group), and each
    distinct text value of a column is kept once, shared by every row that holds it: the same
    frame as reading the file at once, in a fraction of the memory (5 million ACS rows: about
    1 GB of references instead of 11 GB of Python strings).

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
    try:
        if fmt == "parquet":
            return _read_parquet(path)
        return _read_csv(path, as_text)
    except (OSError, ValueError, UnicodeDecodeError, pd.errors.ParserError) as e:
        reason = f"{type(e).__name__} (details withheld under DP)" if as_text else str(e)
        raise InputFileError(f"Cannot read {str(path)!r} as {fmt}: {reason}") from (
            None if as_text else e
        )


def _read_csv(path: Path, as_text: bool) -> pd.DataFrame:
    """The CSV in chunks, as one read of the whole file would type it."""
    options: dict = {"keep_default_na": False, "na_values": [""], "low_memory": False}
    if as_text:
        options |= {"dtype": str, "on_bad_lines": "skip", "encoding_errors": "replace"}
    shared = _SharedText()
    chunks = [shared.apply(chunk) for chunk in pd.read_csv(path, chunksize=READ_ROWS, **options)]
    if not chunks:  # a header and no rows
        return pd.read_csv(path, **options)
    df = pd.concat(chunks, ignore_index=True) if len(chunks) > 1 else chunks[0]
    # A column the chunks typed differently (numbers in one, text in another) is typed by one
    # read that sees the whole column: read those columns again, whole.
    mixed = [c for c in df.columns if _typed_differently([chunk[c] for chunk in chunks])]
    if mixed:
        df[mixed] = shared.apply(pd.read_csv(path, usecols=mixed, **options))[mixed]
    return df


def _typed_differently(parts: list[pd.Series]) -> bool:
    """Whether chunks holding values typed them differently (int64 beside float64 aside: a
    whole read makes that float64 too), or hold different things as Python objects."""
    parts = [part for part in parts if part.notna().any()]
    dtypes = {part.dtype for part in parts}
    if dtypes <= {np.dtype("int64"), np.dtype("float64")}:
        return False
    if len(dtypes) > 1:
        return True
    objects = [part for part in parts if part.dtype == object]
    return len({pd.api.types.infer_dtype(part, skipna=True) for part in objects}) > 1


def _read_parquet(path: Path) -> pd.DataFrame:
    """The Parquet file batch by batch, categoricals merged across batches."""
    import pyarrow.parquet as pq

    file = pq.ParquetFile(path)
    indexes = (file.schema_arrow.pandas_metadata or {}).get("index_columns", [])
    if any(isinstance(i, str) or (i.get("start"), i.get("step")) != (0, 1) for i in indexes):
        return _SharedText().apply(pd.read_parquet(path))  # a stored index: one read keeps it
    shared = _SharedText()
    chunks = [shared.apply(b.to_pandas()) for b in file.iter_batches(batch_size=READ_ROWS)]
    if len(chunks) <= 1:
        return chunks[0] if chunks else file.schema_arrow.empty_table().to_pandas()
    categorical = [
        c for c in chunks[0].columns if isinstance(chunks[0][c].dtype, pd.CategoricalDtype)
    ]
    merged = {
        c: pd.api.types.union_categoricals([chunk[c] for chunk in chunks], ignore_order=True)
        for c in categorical
    }
    df = pd.concat([chunk.drop(columns=categorical) for chunk in chunks], ignore_index=True)
    for c, values in merged.items():
        df[c] = values.as_ordered() if chunks[0][c].cat.ordered else values
    return df[list(chunks[0].columns)]


class _SharedText:
    """One Python string per distinct text value of a column, across the chunks of a file."""

    def __init__(self) -> None:
        self.seen: dict[str, dict[str, str]] = {}

    def apply(self, chunk: pd.DataFrame) -> pd.DataFrame:
        for column in chunk.columns:
            if chunk[column].dtype != object:
                continue
            if pd.api.types.infer_dtype(chunk[column], skipna=True) != "string":
                continue  # booleans with gaps, lists, structs: nothing to share
            original = chunk[column].to_numpy()
            codes, uniques = pd.factorize(original)
            seen = self.seen.setdefault(column, {})
            values = np.array(
                [seen.setdefault(u, u) if isinstance(u, str) else u for u in uniques] + [None],
                dtype=object,
            )[codes]
            missing = codes < 0
            values[missing] = original[missing]  # NaN stays NaN, None stays None
            chunk[column] = values
        return chunk


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
    """Yield a temporary path beside ``path``; it replaces ``path`` only if the block succeeds.

    The file gets the mode a plain write would give it: the replaced file's, or the user's
    umask's for a new one (the temporary file is private, 0600, while it is written)."""
    target = Path(path)
    with _temporary_beside(target) as tmp_path:
        yield tmp_path
        with open(tmp_path, "rb") as f:
            os.fsync(f.fileno())
        os.chmod(tmp_path, _mode_for(target))
        os.replace(tmp_path, target)


def _mode_for(target: Path) -> int:
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:  # a new file
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


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
