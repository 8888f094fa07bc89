"""Generation: the one place generated rows are drawn, raked, decoded, matched to conditions and
cut into chunks. Every rejection loop of synthgan lives here.

Exact conditional sampling: one discrete condition (the rarest asked for) is handed to the
generator's condition vector, which makes matching rows common; the rest are enforced by bounded
rejection. Every returned row satisfies every condition; if the model cannot produce enough
matching rows within the budget, a :class:`ConditionError` says so instead of returning fewer
rows. Raking and the density ratio (``synthgan.postprocess``) keep each generated row with
probability weight / ceiling, drawing until enough are kept.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
import torch

from synthgan.conditional import ConditionSpace
from synthgan.errors import ConditionError, ModelFileError
from synthgan.nn import OutputActivation
from synthgan.postprocess import PostProcessor
from synthgan.postprocess.density_ratio import MIN_ACCEPTANCE
from synthgan.progress import progress_bar
from synthgan.sampling.conditions import Condition
from synthgan.schema import Column, IdFormat, Schema
from synthgan.transform import TableTransformer
from synthgan.transform.dtypes import restore_dtype

__all__ = ["CHUNK_ROWS", "SamplingEngine", "regenerated_ids", "sample_matching"]

#: Rows generated per chunk. Fixed, so that a seed gives the same rows from ``sample`` and
#: ``sample_to`` whatever the output size.
CHUNK_ROWS = 100_000
#: Rows per generator forward pass while sampling.
GENERATE_BATCH = 3_000
#: The most rows drawn (and decoded) at once to keep ``n`` after filtering decoded rows.
MAX_RAKING_BATCH = 100_000
#: A rejection loop (raking, the density ratio) stops with an error after drawing this many
#: times the rows its model's acceptance calls for.
RAKING_SLACK = 20
#: Give up on conditions once this many candidate rows per requested row have been generated...
REJECTION_BUDGET_PER_ROW = 50
#: ...but always try at least this many.
MIN_REJECTION_BUDGET = 100_000

#: (condition column, slot) the condition vector is pinned to, or None.
Fixed = tuple[int, int] | None

Generate = Callable[[int, Fixed], pd.DataFrame]


def sample_matching(
    n: int,
    conditions: list[Condition],
    generate: Generate,
    space: ConditionSpace,
    transformer: TableTransformer,
) -> pd.DataFrame:
    """Generate ``n`` rows that satisfy every condition, or raise :class:`ConditionError`."""
    fixed = _vector_condition(conditions, space)
    budget = max(REJECTION_BUDGET_PER_ROW * n, MIN_REJECTION_BUDGET)
    parts: list[pd.DataFrame] = []
    got, generated, rate = 0, 0, 1.0
    while got < n:
        batch = int(min(max((n - got) / max(rate, 1e-3) * 1.2, 1_000), 200_000))
        df = generate(batch, fixed)
        generated += batch
        keep = np.ones(len(df), dtype=bool)
        for c in conditions:
            keep &= c.mask(df, transformer.encoder(c.column))
        df = df[keep]
        parts.append(df)
        got += len(df)
        rate = max(got / generated, 1e-4)
        if got < n and generated >= budget:
            wanted = {c.column: c.value if not c.is_range else (c.low, c.high) for c in conditions}
            raise ConditionError(
                f"Only {got} of {n} rows matched {wanted} after generating {generated} candidates: "
                "the model makes this combination too rarely (or never). Relax the conditions."
            )
    out = pd.concat(parts, ignore_index=True).iloc[:n].reset_index(drop=True)
    for c in conditions:
        if c.rare:  # rare values share one slot and are drawn independently: assigning is exact
            out[c.column] = pd.Series([c.value] * len(out), dtype=out[c.column].dtype)
    return out


def _vector_condition(conditions: list[Condition], space: ConditionSpace) -> tuple[int, int] | None:
    """The rarest discrete condition, as (column index, slot) for the condition vector."""
    best = None
    for c in conditions:
        if c.is_range or c.column not in space.columns:
            continue
        j = space.columns.index(c.column)
        freq = space.frequencies[j][c.slot]
        if best is None or freq < best[0]:
            best = (freq, (j, c.slot))
    return None if best is None else best[1]


@dataclasses.dataclass
class SamplingEngine:
    """A fitted model's parts that generation needs, and the loops that generate.

    ``unpinned`` are discrete columns unconditional sampling never pins in the condition vector
    (the fairness pair: see ``Synthesizer``); ``post`` is the post-processing applied.
    """

    schema: Schema
    transformer: TableTransformer
    space: ConditionSpace
    generator: torch.nn.Module
    embedding_dim: int
    post: PostProcessor
    unpinned: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self.activation = OutputActivation(self.transformer.spans_)

    def chunks(
        self,
        n: int,
        conditions: list[Condition],
        seeds: np.random.SeedSequence,
        *,
        desc: str,
        verbose: bool,
    ) -> Iterator[pd.DataFrame]:
        """``n`` rows in chunks of ``CHUNK_ROWS``, each from its own child seed of ``seeds``."""
        children = seeds.spawn((n + CHUNK_ROWS - 1) // CHUNK_ROWS)
        with progress_bar(
            total=n, desc=desc, unit="row", enabled=verbose and n > CHUNK_ROWS
        ) as bar:
            for i, child in enumerate(children):
                rows = min(CHUNK_ROWS, n - i * CHUNK_ROWS)
                np_seed, torch_seed = (int(s) for s in child.generate_state(2))
                rng = np.random.default_rng(np_seed)
                tg = torch.Generator().manual_seed(torch_seed)
                generate = partial(self.generate, rng=rng, tg=tg)
                if conditions:
                    chunk = sample_matching(
                        rows, conditions, generate, self.space, self.transformer
                    )
                else:
                    chunk = generate(rows, None)
                yield self.finish(chunk, start=i * CHUNK_ROWS)
                bar.update(rows)

    def empty_frame(self) -> pd.DataFrame:
        """Zero rows with the sample's columns and dtypes (decoded from one generated row)."""
        one = self.generate(1, None, np.random.default_rng(0), torch.Generator().manual_seed(0))
        return self.finish(one, 0).iloc[:0]

    def generate(
        self, n: int, fixed: Fixed, rng: np.random.Generator, tg: torch.Generator
    ) -> pd.DataFrame:
        """Decode ``n`` generated rows; ``fixed`` pins the condition vector to one value.
        Filtered on the decoded rows when the model has a DP target's tables (raking on their
        cells) or a density-ratio classifier."""
        post = self.post
        # Never both: a model file that has them together is refused at load.
        if post.ratio is not None:
            return self.decode(*self._ratio_draws(n, fixed, rng, tg), rng)
        if post.cells is None:
            return self.decode(*self.draw(n, fixed, rng, tg), rng)

        def kept_rows(batch: int) -> tuple[pd.DataFrame, int]:
            frame = self.decode(*self.draw(batch, fixed, rng, tg), rng)
            keep = post.raking.keep(post.cells.of(frame), rng)
            return frame[keep], int(keep.sum())

        frames = _keep_until(n, post.raking.acceptance, kept_rows, MAX_RAKING_BATCH)
        return pd.concat(frames, ignore_index=True).iloc[:n]

    def _ratio_draws(
        self, n: int, fixed: Fixed, rng: np.random.Generator, tg: torch.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """``n`` generated rows the density ratio keeps, scored before decoding: most generated
        rows are rejected, and decoding them would cost as much as generating them."""
        ratio = self.post.ratio

        def kept_rows(batch: int) -> tuple[tuple[np.ndarray, np.ndarray], int]:
            values, draws = self.draw(batch, fixed, rng, tg)
            encoded = self.transformer.encode_draws(
                values, draws, seed=int(rng.integers(2**63 - 1))
            )
            keep = ratio.keep(encoded, rng)
            return (values[keep], draws[keep]), int(keep.sum())

        # Rows pinned to a condition can be kept far less often than the model's average row.
        parts = _keep_until(n, ratio.acceptance, kept_rows, MAX_RAKING_BATCH, fixed is not None)
        return _stack(parts, n)

    def decode(self, values: np.ndarray, draws: np.ndarray, rng: np.random.Generator):
        """Generated rows as a frame, with the numeric marginal maps applied."""
        seed = int(rng.integers(2**63 - 1))
        return self.transformer.inverse_draws(values, draws, seed=seed, remaps=self.post.remaps)

    def draw(
        self, n: int, fixed: Fixed, rng: np.random.Generator, tg: torch.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """``n`` generated rows as value scalars and drawn one-hot indices, raked if the
        model has raking weights on the condition slots (rows are drawn until ``n`` are kept)."""
        raking = self.post.raking
        if raking is None or self.post.cells is not None:
            return self.draw_rows(n, fixed, rng, tg)
        columns = self.transformer.condition_draw_columns()

        def kept_rows(batch: int) -> tuple[tuple[np.ndarray, np.ndarray], int]:
            values, draws = self.draw_rows(batch, fixed, rng, tg)
            keep = raking.keep(draws[:, columns], rng)
            return (values[keep], draws[keep]), int(keep.sum())

        return _stack(_keep_until(n, raking.acceptance, kept_rows), n)

    @torch.no_grad()
    def draw_rows(
        self, n: int, fixed: Fixed, rng: np.random.Generator, tg: torch.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """``n`` rows straight from the generator: value scalars and drawn one-hot indices."""
        space = self.space
        if space.n_columns:
            if fixed is None:
                col, slot = space.sample_original(n, rng, skip=self.unpinned)
            else:
                col, slot = np.full(n, fixed[0]), np.full(n, fixed[1])
        emb = self.embedding_dim
        values, draws = [], []
        # Small batches keep the activations in cache: much faster than one large batch.
        for lo in range(0, n, GENERATE_BATCH):
            hi = min(lo + GENERATE_BATCH, n)
            inputs = torch.zeros(hi - lo, emb + space.cond_dim)
            inputs[:, :emb] = torch.randn(hi - lo, emb, generator=tg)
            if space.n_columns:
                hot = emb + space.offsets[col[lo:hi]] + slot[lo:hi]
                inputs[torch.arange(hi - lo), torch.as_tensor(hot)] = 1.0
            value, draw = self.activation.draw(self.generator(inputs), generator=tg)
            values.append(value.numpy())
            draws.append(draw.numpy())
        return np.concatenate(values), np.concatenate(draws)

    def finish(self, learned: pd.DataFrame, start: int) -> pd.DataFrame:
        """Add regenerated ID columns and restore the real table's column order."""
        out = {}
        for column in self.schema.columns:
            if column.role == "ignored":
                continue
            if column.role == "id":
                out[column.name] = regenerated_ids(column, start, len(learned))
            else:
                out[column.name] = learned[column.name].reset_index(drop=True)
        return pd.DataFrame(out)


def regenerated_ids(column: Column, start: int, n: int) -> pd.Series:
    """An ID column's ``n`` values from the ``start``-th row of a sample on: fresh, unique
    across chunks, written in the column's format (integers, or strings of its prefix, width
    and suffix: ``schema.IdFormat``) and dtype. Without a format (under DP, unless declared):
    0, 1, 2, ..."""
    ids = column.id_format or IdFormat()
    if column.kind == "categorical":
        values = pd.Series(ids.strings(start, n), name=column.name)
    else:
        values = pd.Series(ids.numbers(start, n), name=column.name)
    if not _takes_dtype(column, values):
        return values  # as before: the counter
    return restore_dtype(values, column, np.zeros(n, dtype=bool))


def _takes_dtype(column: Column, ids: pd.Series) -> bool:
    """Whether regenerated IDs can be cast to the column's dtype: strings to a non-numeric one,
    integers to one that holds every one of them (a uint8 column of 200 rows does not hold
    1,000 IDs: the cast would wrap them around into duplicates)."""
    if column.kind in ("datetime", "boolean"):
        return False
    try:
        target = pd.api.types.pandas_dtype(column.dtype)
    except (TypeError, ValueError):  # restore_dtype says so
        return True
    if column.kind == "categorical":
        return not pd.api.types.is_numeric_dtype(target)
    try:
        info = np.iinfo(getattr(target, "numpy_dtype", target))
    except ValueError:  # floats and objects hold them all
        return True
    return ids.empty or (info.min <= ids.min() and ids.max() <= info.max)


def _stack(parts: list[tuple[np.ndarray, np.ndarray]], n: int) -> tuple[np.ndarray, np.ndarray]:
    """The first ``n`` rows of kept (values, draws) parts."""
    return (
        np.concatenate([v for v, _ in parts])[:n],
        np.concatenate([d for _, d in parts])[:n],
    )


def _keep_until(
    n: int,
    acceptance: float,
    kept_rows: Callable[[int], tuple[Any, int]],
    cap: int | None = None,
    pinned: bool = False,
) -> list[Any]:
    """Raking's rejection loop: draw batches sized for the rows still missing at the model's
    acceptance (at most ``cap``), keeping what ``kept_rows`` keeps, until ``n`` rows are kept.
    Stops with an error when far more is drawn than the acceptance calls for: a model file
    that lies about it would otherwise make sampling run for ever. ``pinned``: the rows are
    pinned to a condition, which the density ratio may keep rarely: then the bound is the least
    acceptance a model file may state, and running past it is a :class:`ConditionError`."""
    parts, kept, drawn = [], 0, 0
    bound = MIN_ACCEPTANCE if pinned else acceptance
    while kept < n:
        if drawn > RAKING_SLACK * max(n, GENERATE_BATCH) / bound:
            if pinned:
                raise ConditionError(
                    f"The density ratio kept {kept:,} of {drawn:,} rows generated with this "
                    "condition: the model makes such rows poorly. Sample them with "
                    "postprocess=False, or relax the condition."
                )
            raise ModelFileError(
                f"Sampling kept too few generated rows: {drawn:,} drawn for {n:,}, while the "
                f"model says it keeps {acceptance:.1%} of them. The model file is inconsistent; "
                "refit it."
            )
        batch = max(GENERATE_BATCH, int(1.1 * (n - kept) / acceptance))
        if cap is not None:
            batch = min(batch, cap)
        part, count = kept_rows(batch)
        parts.append(part)
        kept, drawn = kept + count, drawn + batch
    return parts
