"""The ``synthgan`` command group and what every command shares: error reporting and logging."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from functools import wraps
from typing import Any

import click

from synthgan._version import __version__
from synthgan.errors import SynthganError

__all__ = ["handle_errors", "main", "setup_logging"]


def handle_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn a :class:`SynthganError` into a one-line message and exit status 1."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except SynthganError as e:
            raise click.ClickException(f"{type(e).__name__}: {e}") from e

    return wrapper


def setup_logging(quiet: bool) -> None:
    """Log records on stderr as plain lines, with no time on them (under DP the time of each
    line would tell how long a stage took); ``quiet``: errors only, and no Python warnings."""
    level = logging.ERROR if quiet else logging.INFO
    logging.basicConfig(level=level, format="%(message)s", force=True)
    if quiet:
        warnings.simplefilter("ignore")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="synthgan")
def main() -> None:
    """synthgan: learn a table, generate synthetic rows, with honest privacy."""
