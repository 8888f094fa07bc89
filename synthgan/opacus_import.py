"""Opacus, imported without its side effect on the caller's logging.

Opacus calls ``logging.basicConfig`` when it is imported (``opacus.utils.module_utils``), which
gives the root logger a timestamped handler in whatever program imports synthgan: a library must
not configure its caller's logging, and under DP the time on each line would tell how long a
stage took. Every module of synthgan that uses Opacus imports it through here first.
"""

from __future__ import annotations

import logging

_root = logging.getLogger()
_before = list(_root.handlers)

import opacus  # noqa: E402

for _handler in [h for h in _root.handlers if h not in _before]:
    _root.removeHandler(_handler)

__all__ = ["opacus"]
