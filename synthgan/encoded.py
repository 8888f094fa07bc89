"""The encoded table kept compact: each value span's scalar and each one-hot span's hot slot.

A dense encoding costs four bytes per one-hot slot per row: ACS's 627 features are 2.5 KB a row,
12.5 GB for five million rows. Real rows are exactly one-hot in every such span, so one small
integer per span says the same. Training builds the dense rows the networks read one batch at a
time (:class:`DenseBatches`), on the training device. Neutral ground, like ``spans``: the
encoders make it, the trainers read it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from synthgan.spans import Span

__all__ = ["CompactRows", "DenseBatches"]


def _slot_dtype(spans: Sequence[Span]) -> np.dtype:
    widest = max((s.width for s in spans if s.is_softmax), default=1)
    return np.dtype(np.int16 if widest <= np.iinfo(np.int16).max else np.int32)


@dataclass
class CompactRows:
    """``values``: (rows, value spans) float32; ``slots``: (rows, one-hot spans), each row's
    hot index within its span, in span order (what ``inverse_draws`` calls draws)."""

    values: np.ndarray
    slots: np.ndarray
    spans: tuple[Span, ...]

    @classmethod
    def empty(cls, n: int, spans: Sequence[Span]) -> CompactRows:
        n_values = sum(not s.is_softmax for s in spans)
        values = np.zeros((n, n_values), np.float32)
        slots = np.zeros((n, len(spans) - n_values), _slot_dtype(spans))
        return cls(values, slots, tuple(spans))

    def __len__(self) -> int:
        return len(self.values)

    @property
    def width(self) -> int:
        """Features per dense row."""
        return max((s.end for s in self.spans), default=0)

    @property
    def nbytes(self) -> int:
        return self.values.nbytes + self.slots.nbytes

    def dense(self, rows: np.ndarray | slice = slice(None)) -> np.ndarray:
        """The dense float32 encoding of ``rows`` (all by default)."""
        values, slots = self.values[rows], self.slots[rows]
        out = np.zeros((len(values), self.width), np.float32)
        out[:, _value_columns(self.spans)] = values
        hot = _slot_offsets(self.spans) + slots.astype(np.int64)
        np.put_along_axis(out, hot, 1.0, axis=1)
        return out


def compact_block(dense: np.ndarray, spans: Sequence[Span]) -> tuple[np.ndarray, np.ndarray]:
    """(values, slots) of a dense block whose spans start at 0: the inverse of ``dense``."""
    values = dense[:, _value_columns(spans)]
    soft = [s for s in spans if s.is_softmax]
    slots = np.empty((len(dense), len(soft)), np.int64)
    for j, span in enumerate(soft):
        slots[:, j] = dense[:, span.start : span.end].argmax(axis=1)
    return values, slots


def _value_columns(spans: Sequence[Span]) -> np.ndarray:
    return np.asarray([s.start for s in spans if not s.is_softmax], dtype=np.int64)


def _slot_offsets(spans: Sequence[Span]) -> np.ndarray:
    return np.asarray([s.start for s in spans if s.is_softmax], dtype=np.int64)


class DenseBatches:
    """Compact rows held on a device; ``batch(index)`` returns their dense encoding there."""

    def __init__(self, rows: CompactRows, device: torch.device):
        self.values = torch.from_numpy(rows.values).to(device)
        self.slots = torch.from_numpy(rows.slots).to(device)
        self.value_columns = torch.from_numpy(_value_columns(rows.spans)).to(device)
        self.offsets = torch.from_numpy(_slot_offsets(rows.spans)).to(device)
        self.width = rows.width

    def __len__(self) -> int:
        return len(self.values)

    def batch(self, index: torch.Tensor) -> torch.Tensor:
        values = self.values[index]
        out = values.new_zeros(len(index), self.width)
        out[:, self.value_columns] = values
        return out.scatter_(1, self.slots[index].long() + self.offsets, 1.0)
