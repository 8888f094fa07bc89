"""One-hot encoding of a discrete column, with rare values grouped to bound its width."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from synthgan.errors import DataError
from synthgan.schema import Column
from synthgan.spans import Span
from synthgan.transform.dtypes import is_missing, restore_dtype

__all__ = ["CategoricalEncoder"]


@dataclass
class CategoricalEncoder:
    """Encode a categorical or boolean column as one one-hot span.

    When a column has more than ``max_categories`` values, the most frequent
    ``max_categories - 1`` keep a slot of their own and the rest share an *other* slot; decoding
    the other slot draws one of the rare values with its observed frequency. Memory and network
    width then stay bounded whatever the cardinality, at the price of the rare values' correlation
    with other columns (they keep their marginal frequencies).

    ``fallback_slot`` is where values without a slot of their own go (values too rare to be
    released, missing values in a column judged not nullable): only under differential privacy;
    otherwise such values are an error.
    """

    column: Column
    kept: list[Any]
    other_values: list[Any] = field(default_factory=list)
    other_probs: list[float] = field(default_factory=list)
    fallback_slot: int | None = None

    @classmethod
    def fit(cls, column: Column, series: pd.Series, max_categories: int) -> CategoricalEncoder:
        counts = series.value_counts(dropna=True)
        # numpy and Python scalars hash and compare alike, so plain dict lookups suffice.
        observed = counts.to_dict()
        freq = [float(observed.get(v, 0)) for v in column.categories or []]
        return cls.from_counts(column, freq, max_categories)

    @classmethod
    def from_counts(
        cls, column: Column, freq: list[float], max_categories: int
    ) -> CategoricalEncoder:
        """Keep the most frequent categories (by ``freq``, one per category) up to the width."""
        categories = list(column.categories or [])
        if len(categories) <= max_categories:
            return cls(column, categories)
        order = np.argsort(-np.asarray(freq), kind="stable")
        keep = sorted(order[: max_categories - 1])
        rest = sorted(order[max_categories - 1 :])
        rest_freq = np.asarray([freq[i] for i in rest], dtype=float) + 1e-12
        return cls(
            column,
            [categories[i] for i in keep],
            [categories[i] for i in rest],
            (rest_freq / rest_freq.sum()).tolist(),
        )

    @property
    def has_other(self) -> bool:
        return bool(self.other_values)

    @property
    def width(self) -> int:
        return len(self.kept) + self.has_other + self.column.nullable

    @property
    def other_slot(self) -> int | None:
        return len(self.kept) if self.has_other else None

    @property
    def missing_slot(self) -> int | None:
        return self.width - 1 if self.column.nullable else None

    def spans(self, start: int) -> list[Span]:
        return [Span(self.column.name, "category", start, self.width)]

    def slot_counts(self, freq: list[float], missing: float) -> list[float]:
        """Counts per slot, from counts per category (as given to :meth:`from_counts`)."""
        by_value = dict(zip(self.column.categories or [], freq, strict=True))
        out = [by_value[v] for v in self.kept]
        if self.has_other:
            out.append(sum(by_value[v] for v in self.other_values))
        if self.column.nullable:
            out.append(missing)
        return out

    def slot_of(self, value: Any) -> int | None:
        """The slot that holds ``value`` (None for missing), or None if the value is unseen."""
        if is_missing(value):
            return self.missing_slot
        if value in self.kept:
            return self.kept.index(value)
        if value in self.other_values:
            return self.other_slot
        return None

    def codes(self, series: pd.Series) -> np.ndarray:
        """The slot index of every value, as int64."""
        codes = pd.Categorical(series, categories=self.kept).codes.astype(np.int64)
        missing = series.isna().to_numpy().copy()  # written to below (read-only in pandas 3)
        unknown = (codes < 0) & ~missing
        if self.fallback_slot is not None:
            in_other = series.isin(self.other_values).to_numpy()
            if self.has_other:
                codes[unknown & in_other] = self.other_slot
            codes[unknown & ~in_other] = self.fallback_slot
            if self.missing_slot is None:
                codes[missing] = self.fallback_slot
                missing[:] = False
            unknown[:] = False
        if unknown.any():
            if self.has_other:
                known = set(self.other_values)
                bad = [v for v in series[unknown].unique() if v not in known]
                if bad:
                    raise DataError(
                        f"Column {self.column.name!r} has value(s) {bad[:5]} not seen when the "
                        "model was fitted."
                    )
                codes[unknown] = self.other_slot
            else:
                bad = list(series[unknown].unique()[:5])
                raise DataError(
                    f"Column {self.column.name!r} has value(s) {bad} not seen when the model "
                    f"was fitted; known values: {self.kept[:20]}."
                )
        if missing.any():
            if self.missing_slot is None:
                raise DataError(
                    f"Column {self.column.name!r} has missing values but had none when fitted."
                )
            codes[missing] = self.missing_slot
        return codes

    def encode(self, series: pd.Series, rng: np.random.Generator) -> np.ndarray:
        del rng  # one-hot encoding is deterministic
        out = np.zeros((len(series), self.width), dtype=np.float32)
        out[np.arange(len(series)), self.codes(series)] = 1.0
        return out

    def encode_draws(
        self, values: np.ndarray, draws: np.ndarray, rng: np.random.Generator
    ) -> np.ndarray:
        """What :meth:`encode` gives the values these draws decode to: each decodes to a value
        of its own slot (a rare value of the other slot, missing for the missing slot)."""
        del values, rng
        out = np.zeros((len(draws), self.width), dtype=np.float32)
        out[np.arange(len(draws)), draws[:, 0]] = 1.0
        return out

    def decode_draws(
        self, values: np.ndarray, draws: np.ndarray, rng: np.random.Generator
    ) -> pd.Series:
        """Decode from the drawn slot of each row (``values`` is empty: no value span)."""
        del values
        slots = draws[:, 0]
        values = np.empty(len(slots), dtype=object)
        is_kept = slots < len(self.kept)
        values[is_kept] = np.asarray([*self.kept, None], dtype=object)[slots[is_kept]]
        if self.has_other:
            rows = np.flatnonzero(slots == self.other_slot)
            picks = rng.choice(len(self.other_values), size=len(rows), p=self.other_probs)
            values[rows] = np.asarray(self.other_values, dtype=object)[picks]
        missing = slots == self.missing_slot if self.column.nullable else np.zeros(len(slots), bool)
        values[missing] = np.nan
        return restore_dtype(pd.Series(values, name=self.column.name), self.column, missing)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kept": self.kept,
            "other_values": self.other_values,
            "other_probs": self.other_probs,
            "fallback_slot": self.fallback_slot,
        }

    @classmethod
    def from_dict(cls, column: Column, data: dict[str, Any]) -> CategoricalEncoder:
        return cls(
            column,
            list(data["kept"]),
            list(data["other_values"]),
            list(data["other_probs"]),
            data.get("fallback_slot"),
        )
