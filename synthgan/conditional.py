"""Condition vectors: which discrete value each generated row is asked to have.

During training CTGAN's *training-by-sampling* picks a discrete column uniformly and one of its
values by log-frequency, then draws a real row that has that value. Here the draw is one
vectorised gather over rows pre-sorted by value, not a per-row Python loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

__all__ = ["ConditionSpace", "RowIndex"]


@dataclass(frozen=True)
class ConditionSpace:
    """The discrete columns the condition vector covers and their value frequencies."""

    columns: tuple[str, ...]
    widths: tuple[int, ...]
    data_starts: tuple[int, ...]  # where each column's one-hot span starts in the encoded matrix
    frequencies: tuple[tuple[float, ...], ...]
    n_rows: int

    @classmethod
    def from_codes(
        cls, columns: list[str], widths: list[int], data_starts: list[int], codes: list[np.ndarray]
    ) -> ConditionSpace:
        counts = [
            np.bincount(c, minlength=w).astype(float) for w, c in zip(widths, codes, strict=True)
        ]
        return cls.from_counts(columns, widths, data_starts, counts, len(codes[0]) if codes else 0)

    @classmethod
    def from_counts(
        cls,
        columns: list[str],
        widths: list[int],
        data_starts: list[int],
        counts: list[np.ndarray],
        n_rows: float,
    ) -> ConditionSpace:
        """From counts per slot (exact, or DP counts under differential privacy)."""
        freqs = []
        for c in counts:
            c = np.maximum(np.asarray(c, dtype=float), 0.0)
            freqs.append(
                tuple((c / c.sum() if c.sum() > 0 else np.full(len(c), 1 / len(c))).tolist())
            )
        return cls(tuple(columns), tuple(widths), tuple(data_starts), tuple(freqs), int(n_rows))

    @property
    def cond_dim(self) -> int:
        return sum(self.widths)

    @property
    def n_columns(self) -> int:
        return len(self.columns)

    @property
    def offsets(self) -> np.ndarray:
        return np.concatenate([[0], np.cumsum(self.widths)[:-1]]).astype(np.int64)

    def _sample(
        self, n: int, rng: np.random.Generator, log: bool, skip: tuple[str, ...] = ()
    ) -> tuple[np.ndarray, np.ndarray]:
        """Column uniformly (never one named in ``skip``), then a value by (log-)frequency, as
        CTGAN does."""
        if not skip:
            col = rng.integers(self.n_columns, size=n)
        else:
            allowed = np.array(
                [j for j, c in enumerate(self.columns) if c not in skip], dtype=np.int64
            )
            if len(allowed) == 0:  # nothing else to pin: pin any column, as without ``skip``
                allowed = np.arange(self.n_columns)
            col = allowed[rng.integers(len(allowed), size=n)]
        slot = np.empty(n, dtype=np.int64)
        u = rng.random(n)
        for j in range(self.n_columns):  # loop over columns, vectorised over rows
            rows = np.flatnonzero(col == j)
            p = np.asarray(self.frequencies[j])
            if log:
                p = np.log1p(p * self.n_rows)  # CTGAN's log(count + 1)
            cdf = np.cumsum(p / p.sum())
            slot[rows] = np.minimum(np.searchsorted(cdf, u[rows], side="right"), len(p) - 1)
        return col, slot

    def sample_training(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        return self._sample(n, rng, log=True)

    def sample_original(
        self, n: int, rng: np.random.Generator, skip: tuple[str, ...] = ()
    ) -> tuple[np.ndarray, np.ndarray]:
        return self._sample(n, rng, log=False, skip=skip)

    def one_hot(self, col: np.ndarray, slot: np.ndarray, device: torch.device | str = "cpu"):
        cond = torch.zeros(len(col), self.cond_dim, device=device)
        index = torch.as_tensor(self.offsets[col] + slot, device=device)
        cond[torch.arange(len(col), device=device), index] = 1.0
        return cond

    def padded_index(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Per column, the positions of its span in the encoded matrix, padded to one width.

        Lets the conditional cross-entropy gather every row's own column in one operation.
        """
        width = max(self.widths, default=1)
        index = torch.zeros(self.n_columns, width, dtype=torch.long)
        valid = torch.zeros(self.n_columns, width, dtype=torch.bool)
        for j, (start, w) in enumerate(zip(self.data_starts, self.widths, strict=True)):
            index[j, :w] = torch.arange(start, start + w)
            valid[j, :w] = True
        return index, valid

    def to_dict(self) -> dict[str, Any]:
        return {
            "columns": list(self.columns),
            "widths": list(self.widths),
            "data_starts": list(self.data_starts),
            "frequencies": [list(f) for f in self.frequencies],
            "n_rows": self.n_rows,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ConditionSpace:
        return cls(
            tuple(data["columns"]),
            tuple(data["widths"]),
            tuple(data["data_starts"]),
            tuple(tuple(f) for f in data["frequencies"]),
            int(data["n_rows"]),
        )


class RowIndex:
    """Real rows grouped by value, so matching rows for a batch of conditions is one gather."""

    def __init__(self, space: ConditionSpace, codes: list[np.ndarray]):
        offsets = space.offsets
        n = len(codes[0]) if codes else 0
        # One entry per (row, column): int32 halves the memory where the row count allows it.
        row_type = np.int32 if n < 2**31 else np.int64
        self._rows = np.empty(n * len(codes), dtype=row_type)
        self._starts = np.zeros(space.cond_dim, dtype=np.int64)
        self._counts = np.zeros(space.cond_dim, dtype=np.int64)
        self._offsets = offsets
        for j, c in enumerate(codes):
            order = np.argsort(c, kind="stable")
            self._rows[j * n : (j + 1) * n] = order
            counts = np.bincount(c, minlength=space.widths[j])
            g = offsets[j] + np.arange(space.widths[j])
            self._counts[g] = counts
            self._starts[g] = j * n + np.concatenate([[0], np.cumsum(counts)[:-1]])

    def sample(self, col: np.ndarray, slot: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        g = self._offsets[col] + slot
        pick = (rng.random(len(g)) * self._counts[g]).astype(np.int64)
        return self._rows[self._starts[g] + pick]
