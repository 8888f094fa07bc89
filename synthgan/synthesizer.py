"""The public object: learn a table, sample it (optionally conditioned), save and load it."""

from __future__ import annotations

import contextlib
import inspect
import logging
import os
import platform
import time
import warnings
from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import torch

from synthgan._version import __version__
from synthgan.conditional import ConditionSpace
from synthgan.errors import (
    ConfigError,
    DataError,
    ModelFileError,
    NotFittedError,
    PrivacyError,
    SynthganError,
    TrainingError,
)
from synthgan.fairness import Fairness
from synthgan.io import ChunkWriter, atomic_path, table_format
from synthgan.nn import OutputActivation
from synthgan.params import Auto, Interval, IntTuple, OptionalInt, Options, validate
from synthgan.persist import read_model, write_model
from synthgan.postprocess.cells import Cells
from synthgan.postprocess.raking import Raking, marginal_targets
from synthgan.privacy import Privacy, PrivacyLedger, fresh_entropy
from synthgan.privacy.plan import PrivatePlan, declare_public
from synthgan.privacy.statistics import TargetPairs
from synthgan.progress import progress_bar
from synthgan.sampling import parse_conditions, sample_matching
from synthgan.schema import Schema, infer_schema
from synthgan.train.dp import DPGANTrainer
from synthgan.train.gan import GANConfig, GANTrainer, build_generator
from synthgan.transform import TableTransformer
from synthgan.transform.coerce import coerce_table

__all__ = ["Synthesizer", "load"]

logger = logging.getLogger(__name__)

#: Rows generated per chunk. Fixed, so that a seed gives the same rows from ``sample`` and
#: ``sample_to`` whatever the output size.
CHUNK_ROWS = 100_000
#: Rows per generator forward pass while sampling.
GENERATE_BATCH = 3_000
#: Generated rows the raking weights (DP and fair models) and a DP model's numeric marginal
#: maps are fitted on.
RAKING_POOL_ROWS = 100_000
CALIBRATION_ROWS = 20_000
#: Rejection ceiling (quantile of the pool's weights) when raking onto a DP target's two-way
#: tables. Their weights spread much more than the marginals': on one Adult generator at ε = 1
#: the 0.999 quantile kept 5.6 % of generated rows, 0.99 keeps 13 % at the same quality (0.885)
#: and TSTR AUC (0.871 / 0.869), which keeps sampling within a few times the unraked speed.
TARGET_CEILING_QUANTILE = 0.99

#: What the *auto* parameters become without privacy (CTGAN's settings)...
DEFAULTS: Mapping[str, Any] = {
    "epochs": 300,
    "batch_size": 500,
    "discriminator_dim": (256, 256),
    "generator_lr": 2e-4,
    "discriminator_lr": 2e-4,
    "pac": 10,
}
#: ...and with it: the best of the sweep in benchmarks/RESULTS.md ("DP settings sweep").
DP_DEFAULTS: Mapping[str, Any] = {
    "epochs": 30,
    "batch_size": 1000,
    "discriminator_dim": (128, 128),
    "generator_lr": 1e-3,
    "discriminator_lr": 1e-3,
    "pac": 1,
}


class Synthesizer:
    """A conditional tabular GAN (CTGAN-class) that learns a table and samples synthetic rows.

    Parameters marked *auto* take ``None`` for a default that depends on whether ``privacy`` is
    set: DP-SGD wants a smaller critic, larger batches and fewer steps (see ``DP_DEFAULTS``).

    Parameters
    ----------
    epochs
        Passes over the real table (*auto*: 300, CTGAN's default; under DP, expected passes).
    batch_size
        Rows per step, a multiple of ``pac`` (*auto*: 500); under DP, the expected size of
        a Poisson-sampled batch.
    embedding_dim, generator_dim, discriminator_dim
        Noise size and hidden widths of the residual generator and the critic
        (``discriminator_dim`` is *auto*).
    generator_lr, discriminator_lr, weight_decay
        Adam settings for both networks (the learning rates are *auto*).
    pac
        Rows the critic judges together (PacGAN), which discourages mode collapse (*auto*: 10;
        must be 1 under DP, where a pack would make several rows the privacy unit).
    discriminator_steps
        Critic updates per generator update.
    max_modes
        Most mixture modes per continuous column.
    max_categories
        Widest one-hot of a discrete column; rarer values share one slot (see the README).
    overrides
        Schema corrections per column: a kind, a role, or a dict (see :func:`infer_schema`).
        Under ``privacy`` every column's kind must be declared here.
    seed
        Fixes the model and every sample on CPU. ``None`` draws fresh entropy. Under
        ``privacy`` it fixes only what is public (initial weights, generated batches,
        post-processing, sampling): the DP noise always comes from fresh entropy.
    device
        ``"cpu"``, ``"cuda"``, or ``"auto"`` (CUDA when available).
    verbose
        Progress bars for fit and sample.
    privacy
        A :class:`Privacy` budget to train with differential privacy (see the README's "Honest
        differential privacy"); ``None`` trains without any privacy guarantee.
    fairness
        A :class:`Fairness` setting: an adversary head removes the dependence of a target on a
        sensitive attribute (demographic parity) in the synthetic data. Works with ``privacy``
        at no privacy cost: the head only sees generated rows.

    Examples
    --------
    >>> import pandas as pd
    >>> from synthgan import Synthesizer
    >>> df = pd.DataFrame({"x": [1.0, 2.5, 3.1, 4.2] * 25, "y": ["a", "b", "a", "c"] * 25})
    >>> model = Synthesizer(epochs=1, seed=0, verbose=False).fit(df)
    >>> model.sample(5, conditions={"y": "b"})["y"].tolist()
    ['b', 'b', 'b', 'b', 'b']
    """

    _constraints: Mapping[str, Any] = {
        "epochs": Auto(Interval(int, 1, None)),
        "batch_size": Auto(Interval(int, 2, None)),
        "embedding_dim": Interval(int, 1, None),
        "generator_dim": IntTuple(),
        "discriminator_dim": Auto(IntTuple()),
        "generator_lr": Auto(Interval(float, 0, None, closed="neither")),
        "discriminator_lr": Auto(Interval(float, 0, None, closed="neither")),
        "weight_decay": Interval(float, 0, None),
        "pac": Auto(Interval(int, 1, None)),
        "discriminator_steps": Interval(int, 1, None),
        "max_modes": Interval(int, 1, None),
        "max_categories": Interval(int, 2, None),
        "seed": OptionalInt(),
        "device": Options("cpu", "cuda", "auto"),
        "verbose": Options(True, False),
    }

    def __init__(
        self,
        *,
        epochs: int | None = None,
        batch_size: int | None = None,
        embedding_dim: int = 128,
        generator_dim: tuple[int, ...] = (256, 256),
        discriminator_dim: tuple[int, ...] | None = None,
        generator_lr: float | None = None,
        discriminator_lr: float | None = None,
        weight_decay: float = 1e-6,
        pac: int | None = None,
        discriminator_steps: int = 1,
        max_modes: int = 10,
        max_categories: int = 100,
        overrides: Mapping[str, Any] | None = None,
        seed: int | None = None,
        device: Literal["cpu", "cuda", "auto"] = "cpu",
        verbose: bool = True,
        privacy: Privacy | None = None,
        fairness: Fairness | None = None,
    ):
        self.epochs = epochs
        self.batch_size = batch_size
        self.embedding_dim = embedding_dim
        self.generator_dim = generator_dim
        self.discriminator_dim = discriminator_dim
        self.generator_lr = generator_lr
        self.discriminator_lr = discriminator_lr
        self.weight_decay = weight_decay
        self.pac = pac
        self.discriminator_steps = discriminator_steps
        self.max_modes = max_modes
        self.max_categories = max_categories
        self.overrides = overrides
        self.seed = seed
        self.device = device
        self.verbose = verbose
        self.privacy = privacy
        self.fairness = fairness

    # -- parameters ---------------------------------------------------------------------------

    @classmethod
    def _param_names(cls) -> list[str]:
        return [p for p in inspect.signature(cls.__init__).parameters if p != "self"]

    def get_params(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self._param_names()}

    def __repr__(self) -> str:
        defaults = {
            p.name: p.default for p in inspect.signature(type(self).__init__).parameters.values()
        }
        changed = [f"{k}={v!r}" for k, v in self.get_params().items() if v != defaults.get(k)]
        return f"{type(self).__name__}({', '.join(changed)})"

    def _setting(self, name: str) -> Any:
        """A parameter's value, with *auto* (``None``) resolved for this model's privacy."""
        value = getattr(self, name)
        if value is not None:
            return value
        return (DP_DEFAULTS if self.privacy is not None else DEFAULTS)[name]

    def _validate(self) -> None:
        validate(type(self).__name__, self.get_params(), self._constraints)
        if self.privacy is not None and not isinstance(self.privacy, Privacy):
            raise ConfigError(
                f"privacy must be a synthgan.Privacy or None; got {type(self.privacy).__name__}."
            )
        if self.fairness is not None and not isinstance(self.fairness, Fairness):
            raise ConfigError(
                f"fairness must be a synthgan.Fairness or None; got {type(self.fairness).__name__}."
            )
        if self.privacy is not None and self._setting("pac") != 1:
            raise PrivacyError(
                f"pac={self.pac} cannot be used with differential privacy: a pack of rows would "
                "make several rows the privacy unit. Leave pac unset (or 1)."
            )
        declared = self.privacy is not None and self.privacy.target is not None
        if declared and self.fairness is not None and self.fairness.weight != 0:
            raise ConfigError(
                "Privacy(target=...) (--dp-target) cannot be combined with a fairness head "
                "(Fairness / --fair-sensitive): the target's "
                "two-way tables put back its dependence on the columns that stand in for the "
                "sensitive one (Adult, DP at epsilon 3: a model trained on such a sample had a "
                "parity gap of 0.16 on real rows, 0.009 without the target). Drop one of them."
            )
        batch_size, pac = self._setting("batch_size"), self._setting("pac")
        if batch_size % pac:
            raise ConfigError(f"batch_size ({batch_size}) must be a multiple of pac ({pac}).")
        if self.overrides is not None and not isinstance(self.overrides, Mapping):
            raise ConfigError(
                f"overrides must be a dict of column -> override; got {type(self.overrides).__name__}."
            )
        if self.device == "cuda" and not torch.cuda.is_available():
            raise ConfigError(
                "device='cuda' was asked for but CUDA is not available; use 'cpu' or 'auto'."
            )

    def _torch_device(self) -> torch.device:
        if self.device == "auto":
            return torch.device("cuda" if torch.cuda.is_available() else "cpu")
        return torch.device(self.device)

    def _gan_config(self) -> GANConfig:
        return GANConfig(
            embedding_dim=self.embedding_dim,
            generator_dim=tuple(self.generator_dim),
            discriminator_dim=tuple(self._setting("discriminator_dim")),
            generator_lr=float(self._setting("generator_lr")),
            discriminator_lr=float(self._setting("discriminator_lr")),
            weight_decay=float(self.weight_decay),
            batch_size=self._setting("batch_size"),
            pac=self._setting("pac"),
            discriminator_steps=self.discriminator_steps,
        )

    # -- fit ----------------------------------------------------------------------------------

    def fit(self, df: pd.DataFrame) -> Synthesizer:
        """Learn ``df`` (not modified). Returns ``self``.

        Under differential privacy every column's kind must be declared in ``overrides``, and
        nothing that leaves ``fit`` (the model, messages, logs, errors) depends on the rows
        except through DP releases; see the README's "Honest differential privacy".

        Raises
        ------
        DataError, SchemaError, ConfigError, PrivacyError
            For a table or parameters that cannot be learned, before any training starts.
        """
        self._validate()
        started = time.perf_counter()
        # When the fit started; under DP the day only, since the file's own time (when it was
        # written) would otherwise tell how long the fit took.
        private = self.privacy is not None
        now = datetime.now(timezone.utc)
        fitted_at = now.date().isoformat() if private else now.isoformat(timespec="seconds")
        seeds = np.random.SeedSequence(self.seed)
        transform_seed, train_seed, torch_seed = (int(s) for s in seeds.generate_state(3))
        with _withheld(private, "reading the table"):
            prepared = self._prepare_private(df, transform_seed) if private else None
        if prepared is None:
            schema = infer_schema(df, self.overrides)
            transformer = self._transformer().fit(df, schema, seed=transform_seed)
            data = transformer.transform(df, seed=transform_seed)
            _check_finite(data, transformer)
            codes = transformer.condition_codes(data)
            space = _condition_space(transformer, codes=codes)
            plan = summaries = None
        else:
            schema, transformer, data, codes, space, plan, summaries = prepared
        if self.fairness is not None:
            self.fairness.check(schema)
        preprocess_seconds = time.perf_counter() - started
        if private:  # the exact count and the time it took both depend on the rows
            logger.info(
                "Encoded about %.0f rows (DP count) into %d features", plan.n_rows, data.shape[1]
            )
        else:
            logger.info(
                "Encoded %d rows into %d features in %.2fs",
                len(df),
                data.shape[1],
                preprocess_seconds,
            )

        device = self._torch_device()
        epochs = self._setting("epochs")
        history: list[dict[str, float]] = []
        with progress_bar(
            total=epochs, desc="Training", unit="epoch", enabled=self.verbose, timing=not private
        ) as bar:

            def on_epoch_end(metrics: dict[str, float]) -> None:
                history.append(metrics)
                if not all(np.isfinite(v) for v in metrics.values()):
                    raise TrainingError(
                        f"Training diverged in epoch {len(history)} (a loss is not finite: "
                        f"{metrics}); the model would only produce garbage. Try a smaller "
                        "learning rate, or check the table for extreme values."
                    )
                bar.set_postfix(
                    {
                        k: f"{metrics[k]:.3f}"
                        for k in ("loss_g", "loss_d", "fair_leak")
                        if k in metrics
                    }
                )
                bar.update(1)

            # nn.Linear's initialisation draws from torch's global generator: fork it so the seed
            # fixes the initial weights without disturbing the caller's random state.
            with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
                torch.manual_seed(torch_seed)
                common = {
                    "device": device,
                    "rng": np.random.default_rng(train_seed),
                    "torch_generator": torch.Generator(device=device).manual_seed(torch_seed),
                    "fairness": self.fairness,
                }
                config, spans = self._gan_config(), transformer.spans_
                if plan is None:
                    trainer = GANTrainer(config, spans, space, **common)
                else:
                    trainer = DPGANTrainer(
                        config, spans, space, **common, **plan.trainer_args(), secret=plan.secret
                    )
                with _withheld(private, "training"):
                    generator = trainer.fit(torch.from_numpy(data), codes, epochs, on_epoch_end)

        self.schema_ = schema
        self.transformer_ = transformer
        self.condition_space_ = space
        self.generator_ = generator.cpu().eval()
        self.activation_ = OutputActivation(transformer.spans_)
        self.history_ = history
        self.ledger_ = None if plan is None else plan.ledger(trainer, schema, self.seed)
        self.raking_ = self.cells_ = None
        if private or self._parity_pair() is not None:
            self._post_process(
                summaries, seeds.spawn(1)[0], None if plan is None else plan.target_pairs
            )
        self.fit_info_ = {
            # Under DP the true row count is private: the DP count stands in for it.
            "rows": len(df) if plan is None else round(plan.n_rows),
            "rows_are_dp_estimate": private,
            "encoded_dim": int(data.shape[1]),
            "device": str(device),
            "fitted_at": fitted_at,
            "settings": {name: self._setting(name) for name in DEFAULTS},
        }
        if not private:  # how long a DP fit takes depends on the rows and the hidden batches
            self.fit_info_["preprocess_seconds"] = round(preprocess_seconds, 3)
            self.fit_info_["fit_seconds"] = round(time.perf_counter() - started, 3)
        self._sample_calls = 0
        return self

    def _transformer(self) -> TableTransformer:
        return TableTransformer(max_modes=self.max_modes, max_categories=self.max_categories)

    def _prepare_private(self, df: pd.DataFrame, transform_seed: int) -> tuple:
        """Schema, encoders, encoded rows and condition space from DP statistics alone.

        The noise, and every random choice made about a real row (each value's mixture mode in
        the encoding), come from fresh entropy: with the seed stored in the model file, seeded
        noise could be regenerated and subtracted. Values are converted to the declared kinds
        by fixed rules and nothing here warns about a value, so a message cannot give a row
        away (see ``synthgan.transform.coerce``)."""
        plan = PrivatePlan(self.privacy, fresh_entropy())
        structure = declare_public(
            infer_schema(df, self.overrides, private=True), self.privacy.public
        )
        clean = coerce_table(df, structure)
        schema, summaries = plan.statistics(clean, structure)
        transformer = self._transformer().fit_private(schema, summaries, seed=transform_seed)
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            data = transformer.transform(clean, seed=plan.secret_int())
        codes = transformer.condition_codes(data)
        counts = transformer.private_condition_counts(summaries, plan.n_rows)
        space = _condition_space(transformer, counts=counts, n_rows=plan.n_rows)
        plan.schedule(self._setting("batch_size"), self._setting("epochs"))
        return schema, transformer, data, codes, space, plan, summaries

    def privacy_report(self) -> str:
        """What differential privacy this model has: ε and δ spent, DP-SGD, every statistic."""
        self._check_fitted()
        if self.ledger_ is None:
            return "No differential privacy: this model was trained on the raw rows and can memorise them."
        return self.ledger_.report()

    def _check_fitted(self) -> None:
        if not hasattr(self, "generator_"):
            raise NotFittedError(
                f"This {type(self).__name__} is not fitted yet; call fit(df) or load a model file first."
            )

    # -- sample -------------------------------------------------------------------------------

    def sample(
        self, n: int, conditions: Mapping[str, Any] | None = None, seed: int | None = None
    ) -> pd.DataFrame:
        """Generate ``n`` rows with the real table's columns, dtypes and categories.

        Parameters
        ----------
        n
            Number of rows.
        conditions
            ``{column: value}`` for discrete columns (``None`` asks for missing) or
            ``{column: (low, high)}`` for numeric ones; every returned row satisfies all of them.
        seed
            Fixes the rows. Without it, the k-th call on a model fitted (or loaded) with a seed
            returns the same rows every time.

        Raises
        ------
        ConditionError
            Unknown column, unseen value, or a combination the model cannot produce.
        """
        parts = list(self._iter_chunks(n, conditions, seed, desc="Sampling"))
        if not parts:
            return self._empty_frame()
        return pd.concat(parts, ignore_index=True)

    def sample_to(
        self,
        path: str | os.PathLike,
        n: int,
        conditions: Mapping[str, Any] | None = None,
        seed: int | None = None,
    ) -> Path:
        """Stream ``n`` rows to a CSV or Parquet file in chunks, with bounded memory.

        The file appears only once complete (written to a temporary file, then renamed). With the
        same seed, it holds exactly the rows ``sample(n, conditions, seed)`` returns.
        """
        fmt = table_format(path)
        target = Path(path)
        with atomic_path(target) as tmp:
            writer = ChunkWriter(tmp, fmt)
            try:
                for chunk in self._iter_chunks(n, conditions, seed, desc=f"Writing {target.name}"):
                    writer.write(chunk)
                if writer.empty:
                    writer.write(self._empty_frame())
            finally:
                writer.close()
        return target

    def _iter_chunks(
        self, n: int, conditions: Mapping[str, Any] | None, seed: int | None, desc: str
    ) -> Iterator[pd.DataFrame]:
        self._check_fitted()
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise ConfigError(f"n must be an int >= 0; got {n!r}.")
        parsed = parse_conditions(conditions, self.schema_, self.transformer_) if conditions else []
        children = self._sampling_seeds(seed).spawn((int(n) + CHUNK_ROWS - 1) // CHUNK_ROWS)
        with progress_bar(
            total=int(n), desc=desc, unit="row", enabled=self.verbose and n > CHUNK_ROWS
        ) as bar:
            for i, child in enumerate(children):
                rows = min(CHUNK_ROWS, int(n) - i * CHUNK_ROWS)
                np_seed, torch_seed = (int(s) for s in child.generate_state(2))
                rng = np.random.default_rng(np_seed)
                tg = torch.Generator().manual_seed(torch_seed)

                generate = partial(self._generate, rng=rng, tg=tg)
                if parsed:
                    chunk = sample_matching(
                        rows, parsed, generate, self.condition_space_, self.transformer_
                    )
                else:
                    chunk = generate(rows, None)
                yield self._finish(chunk, start=i * CHUNK_ROWS)
                bar.update(rows)

    def _sampling_seeds(self, seed: int | None) -> np.random.SeedSequence:
        if seed is not None:
            if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
                raise ConfigError(f"seed must be None or an int >= 0; got {seed!r}.")
            return np.random.SeedSequence(int(seed))
        if self.seed is None:
            return np.random.SeedSequence()
        self._sample_calls += 1
        return np.random.SeedSequence([self.seed, self._sample_calls])

    def _unpinned_columns(self) -> tuple[str, ...]:
        """Columns that unconditional sampling never pins in the condition vector.

        With a fairness head, a row whose condition vector fixes the sensitive value gets its
        target as the critic learned it from real rows of that group, P(target | sensitive), and
        a row that fixes the target gets P(sensitive | target): both are the real dependence the
        head is there to remove (on a test table, pinning them left a parity gap ten times
        larger). Rows are pinned on the other discrete columns instead.
        """
        if self.fairness is None or self.fairness.weight == 0:
            return ()
        return (self.fairness.sensitive, self.fairness.target)

    def _post_process(
        self,
        summaries: Mapping[str, Any] | None,
        seed: np.random.SeedSequence,
        pairs: TargetPairs | None = None,
    ) -> None:
        """Fit the raking weights on generated rows: onto the condition vector's frequencies
        (DP ones under DP), with the fairness pair made independent. Under DP, then fit the
        numeric marginal maps onto the DP histograms on raked rows, as sampling returns them,
        and with a declared target, refit the raking on decoded rows onto the target's DP
        two-way tables. Post-processing: generated rows and released statistics only
        (raking.py, calibration.py, transform/cells.py)."""
        rng = np.random.default_rng(seed)
        tg = torch.Generator().manual_seed(int(rng.integers(2**63 - 1)))
        space = self.condition_space_
        if space.n_columns:
            _, draws = self._draw(RAKING_POOL_ROWS, None, rng, tg)
            slots = draws[:, self.transformer_.condition_draw_columns()]
            self.raking_ = Raking.fit(
                slots, marginal_targets(space.frequencies, self._parity_pair())
            )
        if summaries is not None:
            self.transformer_.calibrate(*self._draw(CALIBRATION_ROWS, None, rng, tg), summaries)
        if pairs is not None and pairs.tables:
            values, draws = self._draw_rows(RAKING_POOL_ROWS, None, rng, tg)
            pool = self.transformer_.inverse_draws(values, draws, seed=int(rng.integers(2**63 - 1)))
            # The tables hold every column's marginal too: they replace the marginal margins.
            targets = [((pairs.target, j), table) for j, table in pairs.tables.items()]
            self.raking_ = Raking.fit(pairs.cells.of(pool), targets, TARGET_CEILING_QUANTILE)
            self.cells_ = pairs.cells

    def _parity_pair(self) -> tuple[int, int] | None:
        """The condition columns of the fairness head's (sensitive, target), if it is on."""
        if self.fairness is None or self.fairness.weight == 0:
            return None
        spans = self.transformer_.condition_spans()
        index = {s.column: i for i, s in enumerate(spans) if s.role == "category"}
        return index[self.fairness.sensitive], index[self.fairness.target]

    def _generate(
        self, n: int, fixed: tuple[int, int] | None, rng: np.random.Generator, tg: torch.Generator
    ) -> pd.DataFrame:
        """Decode ``n`` generated rows; ``fixed`` pins the condition vector to one value.
        Raked on the decoded rows' cells when the model has a DP target's tables."""
        if self.cells_ is None:
            values, draws = self._draw(n, fixed, rng, tg)
            return self.transformer_.inverse_draws(values, draws, seed=int(rng.integers(2**63 - 1)))
        frames, kept = [], 0
        while kept < n:
            batch = int(1.1 * (n - kept) / self.raking_.acceptance)
            batch = min(max(GENERATE_BATCH, batch), RAKING_POOL_ROWS)
            values, draws = self._draw_rows(batch, fixed, rng, tg)
            frame = self.transformer_.inverse_draws(
                values, draws, seed=int(rng.integers(2**63 - 1))
            )
            keep = self.raking_.keep(self.cells_.of(frame), rng)
            frames.append(frame[keep])
            kept += int(keep.sum())
        return pd.concat(frames, ignore_index=True).iloc[:n]

    def _draw(
        self, n: int, fixed: tuple[int, int] | None, rng: np.random.Generator, tg: torch.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """``n`` generated rows as value scalars and drawn one-hot indices, raked if the
        model has raking weights on them (rows are drawn until ``n`` are kept)."""
        if self.raking_ is None or self.cells_ is not None:
            return self._draw_rows(n, fixed, rng, tg)
        columns = self.transformer_.condition_draw_columns()
        values, draws, kept = [], [], 0
        while kept < n:
            batch = max(GENERATE_BATCH, int(1.1 * (n - kept) / self.raking_.acceptance))
            v, d = self._draw_rows(batch, fixed, rng, tg)
            keep = self.raking_.keep(d[:, columns], rng)
            values.append(v[keep])
            draws.append(d[keep])
            kept += int(keep.sum())
        return np.concatenate(values)[:n], np.concatenate(draws)[:n]

    @torch.no_grad()
    def _draw_rows(
        self, n: int, fixed: tuple[int, int] | None, rng: np.random.Generator, tg: torch.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """``n`` rows straight from the generator: value scalars and drawn one-hot indices."""
        space = self.condition_space_
        if space.n_columns:
            if fixed is None:
                col, slot = space.sample_original(n, rng, skip=self._unpinned_columns())
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
            value, draw = self.activation_.draw(self.generator_(inputs), generator=tg)
            values.append(value.numpy())
            draws.append(draw.numpy())
        return np.concatenate(values), np.concatenate(draws)

    def _finish(self, learned: pd.DataFrame, start: int) -> pd.DataFrame:
        """Add regenerated ID columns and restore the real table's column order."""
        out = {}
        for column in self.schema_.columns:
            if column.role == "ignored":
                continue
            if column.role == "id":
                ids = np.arange(start, start + len(learned))
                out[column.name] = ids.astype(str) if column.kind == "categorical" else ids
            else:
                out[column.name] = learned[column.name].reset_index(drop=True)
        return pd.DataFrame(out)

    def _empty_frame(self) -> pd.DataFrame:
        """Zero rows with the sample's columns and dtypes (decoded from one generated row)."""
        return self._finish(
            self._generate(1, None, np.random.default_rng(0), torch.Generator().manual_seed(0)), 0
        ).iloc[:0]

    # -- persistence --------------------------------------------------------------------------

    def save(self, path: str | os.PathLike) -> Path:
        """Write the model to one ``.sgm`` file (JSON manifest + safetensors weights, nothing pickled)."""
        return write_model(path, self.manifest(), self.generator_.state_dict())

    def manifest(self) -> dict[str, Any]:
        """Everything the model file says about the model, except the weights (JSON-ready)."""
        self._check_fitted()
        params = self.get_params()
        for key in ("generator_dim", "discriminator_dim"):
            if params[key] is not None:
                params[key] = list(params[key])
        if self.privacy is not None:
            params["privacy"] = self.privacy.to_dict()
        if self.fairness is not None:
            params["fairness"] = self.fairness.to_dict()
        return {
            "synthgan_version": __version__,
            "versions": {
                "torch": torch.__version__,
                "numpy": np.__version__,
                "pandas": pd.__version__,
                "python": platform.python_version(),
            },
            "config": params,
            "schema": self.schema_.to_dict(),
            "transformer": self.transformer_.to_dict(),
            "condition_space": self.condition_space_.to_dict(),
            "raking": None if self.raking_ is None else self.raking_.to_dict(),
            "cells": None if self.cells_ is None else self.cells_.to_dict(),
            "history": self.history_,
            "fit": self.fit_info_,
            "privacy": None if self.ledger_ is None else self.ledger_.to_dict(),
        }

    @classmethod
    def load(cls, path: str | os.PathLike) -> Synthesizer:
        """Load a model file written by :meth:`save`. Never unpickles; never runs code from it."""
        manifest, tensors = read_model(path)
        try:
            model = cls(**_config_args(manifest["config"], cls._param_names()))
            model._validate()
            model.schema_ = Schema.from_dict(manifest["schema"])
            model.transformer_ = TableTransformer.from_dict(manifest["transformer"], model.schema_)
            model.condition_space_ = ConditionSpace.from_dict(manifest["condition_space"])
            cells = manifest.get("cells")
            model.cells_ = None if cells is None else Cells.from_dict(cells, model.schema_)
            widths = model.condition_space_.widths if cells is None else model.cells_.widths
            raking = manifest.get("raking")
            model.raking_ = None if raking is None else Raking.from_dict(raking, widths)
            model.history_ = list(manifest["history"])
            model.fit_info_ = dict(manifest["fit"])
            ledger = manifest.get("privacy")
            model.ledger_ = None if ledger is None else PrivacyLedger.from_dict(ledger)
            generator = build_generator(
                model._gan_config(), model.condition_space_, model.transformer_.output_dim_
            )
            generator.load_state_dict(tensors, strict=True)
        except (KeyError, TypeError, ValueError, IndexError, RuntimeError) as e:
            if isinstance(e, ModelFileError):
                raise
            raise ModelFileError(
                f"{str(path)!r} does not describe a valid synthgan model: {e}"
            ) from e
        model.generator_ = generator.eval()
        model.activation_ = OutputActivation(model.transformer_.spans_)
        model._sample_calls = 0
        return model


def _condition_space(
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


def _config_args(config: Mapping[str, Any], names: list[str]) -> dict[str, Any]:
    unknown = set(config) - set(names)
    if unknown:
        raise ModelFileError(f"Model config has unknown parameter(s) {sorted(unknown)}.")
    args = dict(config)
    for key in ("generator_dim", "discriminator_dim"):
        if args.get(key) is not None:
            args[key] = tuple(args[key])
    if args.get("privacy") is not None:
        args["privacy"] = Privacy.from_dict(args["privacy"])
    if args.get("fairness") is not None:
        args["fairness"] = Fairness.from_dict(args["fairness"])
    return args


def load(path: str | os.PathLike) -> Synthesizer:
    """Load a synthesizer saved with :meth:`Synthesizer.save`."""
    return Synthesizer.load(path)


@contextlib.contextmanager
def _withheld(private: bool, stage: str) -> Iterator[None]:
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


def _check_finite(data: np.ndarray, transformer: TableTransformer) -> None:
    """Refuse to train on an encoding with inf or NaN: the GAN would diverge without a word.

    Not under DP, where such an error would name what one row did; there values are clipped to
    the DP or public range and scalars to [-1, 1], so the encoding is finite by construction."""
    bad_features = ~np.isfinite(data).all(axis=0)
    if not bad_features.any():
        return
    bad = [
        name for name, (lo, hi) in transformer.column_spans_.items() if bad_features[lo:hi].any()
    ]
    raise DataError(f"Columns {bad} encode to non-finite values: check them for extreme values.")
