"""Validation while training: real rows held out from the fit, and cheap fidelity checks of the
generator against them, so a fit can keep its best generator and stop when it stops improving.

The checks are the evaluator's, on a few thousand rows: column shapes and pair trends over every
pair, a quick detection classifier, and the categories the generator has lost. Their mean of
shapes, pair trends and detection score is the ``fidelity`` that early stopping follows. Never
under differential privacy: the held-out rows are real rows outside the accounting.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pandas as pd
import torch

from synthgan.errors import ConfigError
from synthgan.evaluate.detection import boosting_detection, detection_score
from synthgan.evaluate.diversity import MIN_SHARE_RATIO, coverage_cells
from synthgan.evaluate.quality import quality_scores
from synthgan.evaluate.tables import prepare_tables
from synthgan.postprocess import PostProcessor
from synthgan.prepare import Prepared
from synthgan.sampling.engine import SamplingEngine

__all__ = ["MAX_ROWS", "ValidationScorer", "split_validation"]

#: The share of the training rows *auto* holds out, at most MAX_ROWS rows...
AUTO_SHARE = 0.1
MAX_ROWS = 5000
#: ...on tables of at least this many rows. On smaller ones the scores of a few hundred held-out
#: rows are too noisy to choose a generator by: on 3,000 rows the one kept (step 100 of 780) had
#: lost the dependence of the outcome on a group (parity gap 0.006, real 0.39). Those train for
#: the whole step budget instead, on every row.
MIN_TABLE_ROWS = 10_000
#: Fewer held-out rows than this cannot be scored (the detection check cross-validates).
MIN_ROWS = 50
#: The quick detection classifier: few trees, so a validation costs about a second.
DETECTION_TREES = 50


def split_validation(
    df: pd.DataFrame, validation: float | pd.DataFrame | None, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The rows to train on and the rows to validate on (``None``: no validation).

    ``validation`` is a share of ``df`` (0: none), a table of its own, or ``None`` for *auto*:
    a tenth of the rows, at most 5,000, for tables of 10,000 rows or more.
    """
    if isinstance(validation, pd.DataFrame):
        missing = sorted(set(df.columns) - set(validation.columns), key=str)
        if missing:
            raise ConfigError(
                f"The validation table lacks columns of the training table: {missing}."
            )
        if len(validation) < MIN_ROWS:
            raise ConfigError(
                f"The validation table has {len(validation)} rows; at least {MIN_ROWS} are needed."
            )
        rows = validation[list(df.columns)]
        if len(rows) > MAX_ROWS:  # a random subset: a sorted file's first rows are not typical
            rows = rows.sample(n=MAX_ROWS, random_state=np.random.default_rng(seed))
        return df, rows
    if validation is None:
        if len(df) < MIN_TABLE_ROWS:
            return df, None
        validation = AUTO_SHARE
    if validation == 0:
        return df, None
    n = min(round(validation * len(df)), MAX_ROWS)
    if n < MIN_ROWS:
        raise ConfigError(
            f"validation={validation:g} holds out {n} of {len(df)} rows; at least {MIN_ROWS} "
            "are needed to score the generator. Use validation=0 (none) or a larger share."
        )
    held = np.zeros(len(df), dtype=bool)
    held[np.random.default_rng(seed).permutation(len(df))[:n]] = True
    return df.iloc[~held], df.iloc[held]


class ValidationScorer:
    """Generates as many rows as the validation set holds, with the same seed every time (the
    scores then move with the generator only), and scores them against it."""

    def __init__(self, ready: Prepared, rows: pd.DataFrame, embedding_dim: int, seed: int):
        self.rows = rows[[c.name for c in ready.schema.learned]].reset_index(drop=True)
        self.ready, self.embedding_dim, self.seed = ready, embedding_dim, seed

    def __call__(self, generator: torch.nn.Module) -> dict[str, Any]:
        if next(generator.parameters()).device.type != "cpu":
            generator = copy.deepcopy(generator).cpu()
        ready = self.ready
        engine = SamplingEngine(
            ready.schema,
            ready.transformer,
            ready.space,
            generator,
            self.embedding_dim,
            PostProcessor(),
        )
        rng = np.random.default_rng(self.seed)
        tg = torch.Generator().manual_seed(self.seed)
        generated = engine.generate(len(self.rows), None, rng, tg)
        tables = prepare_tables(self.rows, generated[self.rows.columns])
        scores, _, _ = quality_scores(tables)
        both = pd.concat([tables.real, tables.synthetic], ignore_index=True)
        y = np.r_[np.zeros(len(tables.real)), np.ones(len(tables.synthetic))]
        auc = float(boosting_detection(tables, both, y, self.seed, DETECTION_TREES).mean())
        lost = [
            f"{column}={cell}"
            for column in tables.categorical
            for cell, real, synthetic in coverage_cells(
                tables.real[column], tables.synthetic[column], numeric=False
            )
            if synthetic < MIN_SHARE_RATIO * real
        ]
        parts = [scores["column_shapes"], scores.get("column_pair_trends", scores["column_shapes"])]
        parts.append(detection_score(auc))
        return {
            "fidelity": float(np.mean(parts)),
            "column_shapes": scores["column_shapes"],
            "column_pair_trends": parts[1],
            "detection_auc": auc,
            "lost_categories": lost,
        }
