"""Progress bars as an opt-in side channel: the library itself never prints."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from tqdm.auto import tqdm

__all__ = ["progress_bar"]

#: A bar without elapsed time, rate or estimate, redrawn at every update (not every 0.1 s), so
#: that what it prints depends on the updates alone: a DP fit's timing depends on the rows.
UNTIMED = "{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} {unit}{postfix}"


@contextlib.contextmanager
def progress_bar(
    *, total: int, desc: str, unit: str, enabled: bool, timing: bool = True
) -> Iterator[tqdm]:
    """A tqdm bar on stderr, or a silent stand-in when ``enabled`` is false."""
    untimed = {} if timing else {"bar_format": UNTIMED, "mininterval": 0, "miniters": 1}
    bar = tqdm(
        total=total,
        desc=desc,
        unit=unit,
        disable=not enabled,
        leave=False,
        dynamic_ncols=True,
        **untimed,
    )
    try:
        yield bar
    finally:
        bar.close()
