"""The whole-table encoder: columns in, one contiguous float32 matrix out, and back again."""

from __future__ import annotations

import dataclasses
import os
import warnings
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning

from synthgan.encoded import CompactRows, compact_block
from synthgan.errors import NotFittedError, SchemaError
from synthgan.schema import Column, Schema
from synthgan.spans import Span
from synthgan.transform.categorical import CategoricalEncoder
from synthgan.transform.continuous import ContinuousEncoder, Remap

__all__ = ["TableTransformer"]

Encoder = ContinuousEncoder | CategoricalEncoder
#: Rows encoded at once per column: bounds the dense block a wide column makes (100 slots: 40 MB).
ENCODE_ROWS = 100_000


class TableTransformer:
    """Encode the learned columns of a table for the GAN and decode generated rows.

    Parameters
    ----------
    max_modes
        Largest number of mixture modes per continuous column.
    mode_subsample
        Rows used to fit each column's mixture; the encoding then covers every row.
    max_categories
        Widest one-hot a discrete column gets; rarer values share an "other" slot.
    """

    def __init__(
        self, *, max_modes: int = 10, mode_subsample: int = 5_000, max_categories: int = 100
    ):
        self.max_modes = max_modes
        self.mode_subsample = mode_subsample
        self.max_categories = max_categories

    def fit(self, df: pd.DataFrame, schema: Schema, *, seed: int = 0) -> TableTransformer:
        """Learn each column's encoding from the table itself (no privacy)."""

        def fit_one(column: Column, seed: int) -> Encoder:
            if column.discrete:
                return CategoricalEncoder.fit(column, df[column.name], self.max_categories)
            return ContinuousEncoder.fit(
                column,
                df[column.name],
                max_modes=self.max_modes,
                subsample=self.mode_subsample,
                seed=seed,
            )

        return self._fit_encoders(schema, fit_one, seed)

    def fit_private(
        self, schema: Schema, summaries: Mapping[str, Any], *, seed: int = 0
    ) -> TableTransformer:
        """Build each column's encoding from DP summaries alone; the table is never passed in.

        ``schema`` is the one completed from the same summaries (see ``PrivateStatistics``).
        """

        def fit_one(column: Column, seed: int) -> Encoder:
            summary = summaries[column.name]
            if not column.discrete:
                return ContinuousEncoder.from_summary(
                    column,
                    summary,
                    max_modes=self.max_modes,
                    subsample=self.mode_subsample,
                    seed=seed,
                )
            encoder = CategoricalEncoder.from_counts(
                column, list(summary.counts), self.max_categories
            )
            # Unreleased values go to the missing slot; missing values in a column the DP
            # count found (almost) none in go to the most frequent value.
            slots = encoder.slot_counts(list(summary.counts), summary.missing)
            fallback = encoder.missing_slot if column.nullable else int(np.argmax(slots))
            return dataclasses.replace(encoder, fallback_slot=fallback)

        return self._fit_encoders(schema, fit_one, seed)

    def _fit_encoders(
        self, schema: Schema, fit_one: Callable[[Column, int], Encoder], seed: int
    ) -> TableTransformer:
        columns = schema.learned
        if not columns:
            raise SchemaError("No column is left to learn: every column is an ID or ignored.")
        seeds = [int(s) for s in np.random.SeedSequence(seed).generate_state(len(columns))]
        # The mixtures spend their time in numpy, which releases the GIL: threads suffice.
        # Warning filters are process-wide, so silence convergence notes here, not per thread.
        with (
            warnings.catch_warnings(),
            ThreadPoolExecutor(max_workers=min(len(columns), os.cpu_count() or 1)) as pool,
        ):
            warnings.simplefilter("ignore", ConvergenceWarning)
            self.encoders_ = list(pool.map(fit_one, columns, seeds))
        self._layout()
        return self

    def _layout(self) -> None:
        self.spans_: list[Span] = []
        self.column_spans_: dict[str, tuple[int, int]] = {}
        start = 0
        for encoder in self.encoders_:
            self.spans_.extend(encoder.spans(start))
            self.column_spans_[encoder.column.name] = (start, start + encoder.width)
            start += encoder.width
        self.output_dim_ = start

    def _check_fitted(self) -> None:
        if not hasattr(self, "encoders_"):
            raise NotFittedError(
                "This TableTransformer is not fitted yet; call fit(df, schema) first."
            )

    def condition_spans(self) -> list[Span]:
        """The one-hot spans a condition vector covers: each discrete column's values and each
        continuous column's missing flag, so both are sampled at their real frequencies."""
        self._check_fitted()
        return [s for s in self.spans_ if s.role in ("category", "missing")]

    def condition_draw_columns(self) -> list[int]:
        """Where the condition spans' drawn indices sit among all one-hot spans' draws."""
        soft = [s for s in self.spans_ if s.is_softmax]
        return [i for i, s in enumerate(soft) if s.role in ("category", "missing")]

    def condition_codes(self, encoded: CompactRows) -> list[np.ndarray]:
        """For each condition span, the slot every encoded row occupies (views, not copies:
        five million rows of ACS's 28 condition columns are 1.1 GB as int64)."""
        return [encoded.slots[:, j] for j in self.condition_draw_columns()]

    def private_condition_counts(
        self, summaries: Mapping[str, Any], n_rows: float
    ) -> list[np.ndarray]:
        """DP counts for each condition span's slots (see :meth:`condition_spans`)."""
        out = []
        for span in self.condition_spans():
            encoder, summary = self.encoder(span.column), summaries[span.column]
            if span.role == "category":
                counts = encoder.slot_counts(list(summary.counts), summary.missing)
            else:  # a continuous column's missing flag: present, missing
                counts = [max(n_rows - summary.missing, 0.0), summary.missing]
            out.append(np.asarray(counts, dtype=float))
        return out

    def encoder(self, name: str) -> Encoder:
        self._check_fitted()
        for encoder in self.encoders_:
            if encoder.column.name == name:
                return encoder
        raise SchemaError(f"Column {name!r} is not learned by this model.")

    def transform(self, df: pd.DataFrame, *, seed: int = 0) -> np.ndarray:
        """Encode ``df`` into an ``(n_rows, output_dim_)`` float32 matrix."""
        return self.transform_compact(df, seed=seed).dense()

    def transform_compact(self, df: pd.DataFrame, *, seed: int = 0) -> CompactRows:
        """Encode ``df`` compactly (see ``compact.py``), a column and ``ENCODE_ROWS`` rows at a
        time, so no dense block of the whole table is ever built. The mixture modes' draws
        follow one stream in column order, so the result does not depend on the chunk size."""
        self._check_fitted()
        rng = np.random.default_rng(seed)
        out = CompactRows.empty(len(df), self.spans_)
        v = d = 0
        for encoder in self.encoders_:
            spans = encoder.spans(0)
            n_values = sum(not s.is_softmax for s in spans)
            n_slots = len(spans) - n_values
            series = df[encoder.column.name]
            for lo in range(0, len(df), ENCODE_ROWS):
                chunk = slice(lo, lo + ENCODE_ROWS)
                values, slots = compact_block(encoder.encode(series.iloc[chunk], rng), spans)
                out.values[chunk, v : v + n_values] = values
                out.slots[chunk, d : d + n_slots] = slots
            v, d = v + n_values, d + n_slots
        return out

    def encode_draws(self, values: np.ndarray, draws: np.ndarray, *, seed: int = 0) -> np.ndarray:
        """``transform`` of the rows that ``inverse_draws`` decodes these draws to, computed
        without building them: how sampling scores generated rows it may reject."""
        self._check_fitted()
        rng = np.random.default_rng(seed)
        out = np.empty((len(values), self.output_dim_), dtype=np.float32)
        for encoder, v, d in self.blocks(values, draws):
            lo, hi = self.column_spans_[encoder.column.name]
            out[:, lo:hi] = encoder.encode_draws(v, d, rng)
        return out

    def inverse_transform(self, matrix: np.ndarray, *, seed: int = 0) -> pd.DataFrame:
        """Decode an encoded (or generated) matrix back into a table of the learned columns."""
        self._check_fitted()
        return self.inverse_draws(*compact_block(matrix, self.spans_), seed=seed)

    def inverse_draws(
        self,
        values: np.ndarray,
        draws: np.ndarray,
        *,
        seed: int = 0,
        remaps: Mapping[str, Remap] | None = None,
    ) -> pd.DataFrame:
        """Decode generated rows given as the value-span scalars and, for each one-hot span, the
        drawn index (both in span order): what :meth:`OutputActivation.draw` returns.
        ``remaps`` moves a numeric column's decoded values (post-processing's marginal maps)."""
        self._check_fitted()
        rng = np.random.default_rng(seed)
        remaps = remaps or {}
        data = {}
        for encoder, v, d in self.blocks(values, draws):
            name = encoder.column.name
            if isinstance(encoder, ContinuousEncoder):
                decoded = encoder.decode_draws(v, d, rng, remaps.get(name))
            else:
                decoded = encoder.decode_draws(v, d, rng)
            data[name] = decoded.reset_index(drop=True)
        return pd.DataFrame(data)

    def blocks(self, values: np.ndarray, draws: np.ndarray):
        """Each encoder with its own columns of ``values`` and ``draws``."""
        v = d = 0
        for encoder in self.encoders_:
            spans = encoder.spans(0)
            n_values = sum(not s.is_softmax for s in spans)
            n_draws = len(spans) - n_values
            yield encoder, values[:, v : v + n_values], draws[:, d : d + n_draws]
            v, d = v + n_values, d + n_draws

    def to_dict(self) -> dict[str, Any]:
        self._check_fitted()
        return {
            "max_modes": self.max_modes,
            "mode_subsample": self.mode_subsample,
            "max_categories": self.max_categories,
            "encoders": {e.column.name: e.to_dict() for e in self.encoders_},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], schema: Schema) -> TableTransformer:
        self = cls(
            max_modes=data["max_modes"],
            mode_subsample=data["mode_subsample"],
            max_categories=data["max_categories"],
        )
        encoders: list[Encoder] = []
        for column in schema.learned:
            params = data["encoders"][column.name]
            kind: type[Encoder] = CategoricalEncoder if column.discrete else ContinuousEncoder
            encoders.append(kind.from_dict(column, params))
        self.encoders_ = encoders
        self._layout()
        return self
