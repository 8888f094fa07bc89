"""Progress bars as an opt-in side channel: the library itself never prints."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from tqdm.auto import tqdm

__all__ = ["progress_bar"]


@contextlib.contextmanager
def progress_bar(*, total: int, desc: str, unit: str, enabled: bool) -> Iterator[tqdm]:
    """A tqdm bar on stderr, or a silent stand-in when ``enabled`` is false."""
    bar = tqdm(
        total=total, desc=desc, unit=unit, disable=not enabled, leave=False, dynamic_ncols=True
    )
    try:
        yield bar
    finally:
        bar.close()
