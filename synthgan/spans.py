"""The layout of the encoded matrix: which block of columns belongs to which table column.

Neutral ground: the encoders make spans, the networks and trainers read them, and neither side
imports the other."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["Span"]

SpanRole = Literal["value", "mode", "category", "missing"]


@dataclass(frozen=True)
class Span:
    """A block ``[start, start + width)`` of the encoded matrix.

    ``value`` spans hold one tanh-activated scalar; every other span is a one-hot block that the
    generator produces with a (Gumbel-)softmax. ``category`` spans are the ones the condition
    vector can fix.
    """

    column: str
    role: SpanRole
    start: int
    width: int

    @property
    def end(self) -> int:
        return self.start + self.width

    @property
    def is_softmax(self) -> bool:
        return self.role != "value"
