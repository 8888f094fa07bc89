"""Turn a table into what training needs: schema, encoders, encoded rows, condition space.

Two paths return the same :class:`Prepared`: the plain one reads the rows directly, the private
one sees them only through the DP statistics of a :class:`~synthgan.privacy.plan.PrivatePlan`.
"""

from __future__ import annotations

import dataclasses
import logging
import time
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from synthgan.conditional import ConditionSpace
from synthgan.encoded import CompactRows
from synthgan.errors import DataError
from synthgan.inference import infer_schema
from synthgan.privacy import Privacy, fresh_entropy
from synthgan.privacy.plan import PrivatePlan, declare_public
from synthgan.schema import Schema
from synthgan.train.world import SINGLE, World
from synthgan.transform import TableTransformer
from synthgan.transform.coerce import coerce_table

__all__ = ["Prepared", "prepare", "prepare_plain", "prepare_private"]

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Prepared:
    """A table ready to train on. ``plan`` and ``summaries`` are set under DP only; ``rows`` is
    then the DP row count."""

    schema: Schema
    transformer: TableTransformer
    data: CompactRows
    codes: list[np.ndarray]
    space: ConditionSpace
    rows: float
    plan: PrivatePlan | None = None
    summaries: Mapping[str, Any] | None = None
    seconds: float | None = None  # how long it took; not kept under DP (it depends on the rows)

    @property
    def width(self) -> int:
        """Encoded features per row."""
        return self.data.width


def prepare(
    df: pd.DataFrame,
    overrides: Mapping[str, Any] | None,
    transformer: TableTransformer,
    seed: int,
    privacy: Privacy | None = None,
    schedule: tuple[int, int] = (0, 0),
    world: World = SINGLE,
) -> Prepared:
    """The table ready to train on, through DP statistics alone when ``privacy`` is set
    (``schedule``: DP-SGD's expected batch size and epochs; ``world``: the data-parallel ranks,
    each of which then encodes its own shard of the rows). Logs what it encoded."""
    started = time.perf_counter()
    if privacy is not None:
        ready = prepare_private(df, overrides, transformer, seed, privacy, *schedule, world)
        # The exact count and the time it took both depend on the rows.
        logger.info("Encoded about %.0f rows (DP count) into %d features", ready.rows, ready.width)
        return ready
    ready = dataclasses.replace(
        prepare_plain(df, overrides, transformer, seed), seconds=time.perf_counter() - started
    )
    logger.info("Encoded %d rows into %d features in %.2fs", ready.rows, ready.width, ready.seconds)
    return ready


def prepare_plain(
    df: pd.DataFrame,
    overrides: Mapping[str, Any] | None,
    transformer: TableTransformer,
    seed: int,
) -> Prepared:
    """Infer the schema, fit the encoders and encode ``df``, reading its rows directly."""
    schema = infer_schema(df, overrides)
    transformer.fit(df, schema, seed=seed)
    data = transformer.transform_compact(df, seed=seed)
    _check_finite(data, transformer)
    codes = transformer.condition_codes(data)
    return Prepared(
        schema, transformer, data, codes, condition_space(transformer, codes=codes), len(df)
    )


def prepare_private(
    df: pd.DataFrame,
    overrides: Mapping[str, Any] | None,
    transformer: TableTransformer,
    seed: int,
    privacy: Privacy,
    batch_size: int,
    epochs: int,
    world: World = SINGLE,
) -> Prepared:
    """Schema, encoders, encoded rows and condition space from DP statistics alone.

    The noise, and every random choice made about a real row (each value's mixture mode in
    the encoding), come from fresh entropy: with the seed stored in the model file, seeded
    noise could be regenerated and subtracted. Values are converted to the declared kinds
    by fixed rules and nothing here warns about a value, so a message cannot give a row
    away (see ``synthgan.transform.coerce``).

    With several ranks, rank 0 alone takes the DP statistics and plans DP-SGD (one release,
    paid once) and hands them to the others; each rank then encodes only its shard of the rows,
    with secret entropy of its own."""
    structure = declare_public(infer_schema(df, overrides, private=True), privacy.public)
    clean = coerce_table(df, structure)
    plan, schema, summaries = world.from_leader(
        lambda: PrivatePlan.make(privacy, fresh_entropy(), clean, structure, batch_size, epochs),
        lambda made: (made[0].without_secrets(), *made[1:]),
    )
    if not world.leader:
        plan = plan.with_secrets(fresh_entropy())
    transformer.fit_private(schema, summaries, seed=seed)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        shard = clean if world.size == 1 else clean.iloc[world.shard(len(clean))]
        data = transformer.transform_compact(shard, seed=plan.encoding_seed)
    codes = transformer.condition_codes(data)
    counts = transformer.private_condition_counts(summaries, plan.n_rows)
    space = condition_space(transformer, counts=counts, n_rows=plan.n_rows)
    return Prepared(schema, transformer, data, codes, space, plan.n_rows, plan, summaries)


def condition_space(
    transformer: TableTransformer,
    *,
    codes: list[np.ndarray] | None = None,
    counts: list[np.ndarray] | None = None,
    n_rows: float = 0,
) -> ConditionSpace:
    """The condition vector's columns and frequencies: exact from codes, or from DP counts."""
    spans = transformer.condition_spans()
    layout = ([s.column for s in spans], [s.width for s in spans], [s.start for s in spans])
    if codes is not None:
        return ConditionSpace.from_codes(*layout, codes)
    return ConditionSpace.from_counts(*layout, counts, n_rows)


def _check_finite(data: CompactRows, transformer: TableTransformer) -> None:
    """Refuse to train on an encoding with inf or NaN: the GAN would diverge without a word.

    Not under DP, where such an error would name what one row did; there values are clipped to
    the DP or public range and scalars to [-1, 1], so the encoding is finite by construction."""
    finite = np.isfinite(data.values).all(axis=0)
    value_spans = [s for s in transformer.spans_ if not s.is_softmax]
    bad = list(dict.fromkeys(s.column for s, ok in zip(value_spans, finite, strict=True) if not ok))
    if not bad:
        return
    raise DataError(f"Columns {bad} encode to non-finite values: check them for extreme values.")
