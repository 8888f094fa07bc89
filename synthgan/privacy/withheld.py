"""Errors under DP: an unexpected one must not carry a message that could describe a row."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from synthgan.errors import PrivacyError, SynthganError

__all__ = ["withheld"]


@contextlib.contextmanager
def withheld(private: bool, stage: str) -> Iterator[None]:
    """Under DP, an unexpected error (not a SynthganError, whose messages name DP releases only)
    becomes a PrivacyError without its message or traceback: pandas' and numpy's messages can
    quote a value or a row's position. Such an error is a bug in synthgan's value rules."""
    if not private:
        yield
        return
    try:
        yield
    except SynthganError:
        raise
    except Exception as e:
        raise PrivacyError(
            f"The differentially private fit failed while {stage} ({type(e).__name__}). Its "
            "message is withheld because it could describe a row of the table; this is a bug "
            "in synthgan: please report it with a table that reproduces it."
        ) from None
