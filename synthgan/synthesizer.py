"""The public object: learn a table, sample it (optionally conditioned), save and load it.

A facade: preparation (``prepare.py``), training (``train/``), post-processing
(``postprocess/``), generation (``sampling/``) and the model file (``model_file.py``,
``persist.py``) each live in their own module; this one wires them together."""

from __future__ import annotations

import hashlib
import html
import json
import logging
import os
import time
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, BinaryIO, Literal

import numpy as np
import pandas as pd

from synthgan.combinations import Combinations
from synthgan.config import (
    DEFAULTS,
    MIN_VALIDATION_STEPS,
    PATIENCE,
    VALIDATIONS,
    SynthesizerConfig,
)
from synthgan.diagnostics import diagnose, duplicate_rate_of
from synthgan.errors import ConfigError, NotFittedError
from synthgan.fairness import Fairness
from synthgan.inference import infer_schema
from synthgan.io import ChunkWriter, atomic_path, table_format
from synthgan.launch import fit_in_processes, join_process_group
from synthgan.model_file import from_manifest, to_manifest
from synthgan.persist import file_label, read_model, write_model
from synthgan.postprocess import PostProcessor, fit_post_processor
from synthgan.prepare import Prepared, prepare
from synthgan.privacy import Privacy
from synthgan.privacy.withheld import withheld
from synthgan.sampling import SamplingEngine, parse_conditions
from synthgan.train.callbacks import Budget, Callback, Validation, WeightAverage
from synthgan.train.world import SINGLE, World
from synthgan.training import train_generator, training_summary
from synthgan.transform import TableTransformer
from synthgan.validation import ValidationScorer, split_validation

__all__ = ["Synthesizer", "load"]

logger = logging.getLogger(__name__)


class Synthesizer(SynthesizerConfig):
    """A conditional tabular GAN (CTGAN-class) that learns a table and samples synthetic rows.

    Parameters marked *auto* take ``None`` for a default that depends on whether ``privacy`` is
    set: DP-SGD wants a smaller critic, larger batches and fewer steps (see ``synthgan.config.DP_DEFAULTS``).

    Parameters
    ----------
    epochs
        Passes over the real table. *auto*: CTGAN's 300 epochs, but at least 10,000 and at
        most 20,000 steps (see ``validation``); under DP, the expected passes of the DP plan.
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
    fixed_combinations
        Groups of columns whose rows may only take combinations the real table has, such as a
        code and its label, or a number and its band: ``[("education", "education-num")]``.
        Each group is learned as one categorical column and split back when sampling, so no
        row mixes them (see ``synthgan/combinations.py``). Under ``privacy`` the combinations
        are released like a categorical column's values: rare ones are withheld.
    seed
        Fixes the model and every sample on CPU (unless ``max_seconds`` ends training: the
        clock does not repeat). ``None`` draws fresh entropy. Under
        ``privacy`` it fixes only what is public (initial weights, generated batches,
        post-processing, sampling): the DP noise always comes from fresh entropy.
    device
        ``"cpu"``, ``"cuda"``, or ``"auto"`` (CUDA when available).
    verbose
        Progress bars for fit and sample.
    privacy
        A :class:`Privacy` budget to train with differential privacy (see the README's "Honest
        differential privacy"); ``None`` trains without any privacy guarantee.
    validation
        Rows held out from training to score the generator on while it trains: a share of the
        table (0: none), or a table of its own. *auto*: a tenth of the rows, at most 5,000, for
        tables of 10,000 rows or more. The fit keeps the generator that scored best and stops
        when ``patience`` validations in a row have not improved. Off under ``privacy``.
    patience
        Validations without improvement that end a fit (*auto*: 10; about 40 per fit).
    max_steps, max_seconds
        A budget of steps or of wall-clock seconds; training stops at whichever comes first.
        Not under ``privacy``, whose plan fixes the steps.
    ema
        Decay of an exponential moving average of the generator's weights, which becomes the
        generator kept (0: off; *auto*: 0.999 without privacy, off under it).
    density_ratio
        After training, fit a classifier of real against generated rows, and have sampling keep
        rows it finds more realistic more often (rejection by its density ratio; see
        ``synthgan/postprocess/density_ratio.py``). *auto*: on, except under ``privacy`` (it
        reads real rows) and with ``fairness`` (it would restore the real dependence); asking
        for it there is an error. Sampling draws about three rows for each one it returns.
    fairness
        A :class:`Fairness` setting: an adversary head removes the dependence of a target on a
        sensitive attribute (demographic parity) in the synthetic data. Works with ``privacy``
        at no privacy cost: the head only sees generated rows.
    distributed
        Data-parallel training over torch.distributed. ``None``: one process. An int N: fit
        starts N processes on this machine (gloo on CPU, NCCL on CUDA, one GPU each), each
        drawing its own share of every batch (``batch_size`` stays the batch of all of them);
        the gradients are averaged, so every process holds the same model. ``"env"``: this
        process is one of a ``torchrun`` launch (several machines too; see the README's
        "Large tables and several processes"); every rank calls ``fit`` on the same table.
        With ``privacy``, each process Poisson-samples its own shard of the rows and the noise
        is added once (the same ε and ledger as one process). Not yet with ``fairness``.
    precision
        ``"float32"``, or ``"bfloat16"`` matrix products in training (weights, optimiser,
        losses and sampling stay float32). *auto*: bfloat16 on wide tables (the critic's packed
        input at least ``synthgan.config.BF16_MIN_WIDTH`` features) where the device computes
        it in hardware (CPUs with AVX512-BF16 or AMX, recent CUDA GPUs), which halves ACS's
        time per step; float32 elsewhere, and always under ``privacy``, whose clipping bound
        rounding could break. A seed fixes the model on one machine either way.

    Examples
    --------
    >>> import pandas as pd
    >>> from synthgan import Synthesizer
    >>> df = pd.DataFrame({"x": [1.0, 2.5, 3.1, 4.2] * 25, "y": ["a", "b", "a", "c"] * 25})
    >>> model = Synthesizer(epochs=1, seed=0, verbose=False).fit(df)
    >>> model.sample(5, conditions={"y": "b"})["y"].tolist()
    ['b', 'b', 'b', 'b', 'b']
    """

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
        fixed_combinations: Sequence[Sequence[str]] | None = None,
        seed: int | None = None,
        device: Literal["cpu", "cuda", "auto"] = "cpu",
        verbose: bool = True,
        privacy: Privacy | None = None,
        fairness: Fairness | None = None,
        validation: float | pd.DataFrame | None = None,
        patience: int | None = None,
        max_steps: int | None = None,
        max_seconds: float | None = None,
        ema: float | None = None,
        density_ratio: bool | None = None,
        distributed: int | Literal["env"] | None = None,
        precision: Literal["auto", "float32", "bfloat16"] = "auto",
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
        self.fixed_combinations = fixed_combinations
        self.seed = seed
        self.device = device
        self.verbose = verbose
        self.privacy = privacy
        self.fairness = fairness
        self.validation = validation
        self.patience = patience
        self.max_steps = max_steps
        self.max_seconds = max_seconds
        self.ema = ema
        self.density_ratio = density_ratio
        self.distributed = distributed
        self.precision = precision

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
        if isinstance(self.distributed, int) and self.distributed > 1:
            return self._adopt(fit_in_processes(self, df, self.distributed))
        world = self._join_world()
        started = time.perf_counter()
        private = self.privacy is not None
        # When the fit started; under DP the day only, since the file's own time (when it was
        # written) would otherwise tell how long the fit took.
        now = datetime.now(timezone.utc)
        fitted_at = now.date().isoformat() if private else now.isoformat(timespec="seconds")
        seeds = np.random.SeedSequence(world.shared_seed(self.seed))
        # The last two seeds are new: the first three are the same as before they were added.
        transform_seed, train_seed, torch_seed, split_seed, check_seed = (
            int(s) for s in seeds.generate_state(5)
        )
        combinations, overrides, validation = None, self.overrides, self.validation
        if self._groups() and isinstance(df, pd.DataFrame):
            combinations = self._combinations(df)
            with withheld(private, "reading the table"):
                df = combinations.fuse(df)
                if isinstance(validation, pd.DataFrame):
                    validation = combinations.fuse(validation)
            overrides = combinations.fuse_overrides(overrides)
        held = None
        if not private and isinstance(df, pd.DataFrame):
            df, held = split_validation(df, validation, split_seed)
        transformer = TableTransformer(max_modes=self.max_modes, max_categories=self.max_categories)
        with withheld(private, "reading the table"):
            schedule = (self._setting("batch_size"), self._setting("epochs"))
            ready = prepare(
                df, overrides, transformer, transform_seed, self.privacy, schedule, world
            )
        if self.fairness is not None:
            self.fairness.check(ready.schema)
        device = self._torch_device()
        if world.size > 1 and world.differs(_fingerprint(ready, df), device):
            raise ConfigError(
                "The processes of this distributed fit encoded different tables: every rank must "
                "call fit with the same table (and the same settings)."
            )
        epochs, steps = self._schedule(ready.rows)
        watch = self._watchers(ready, held, epochs, steps, split_seed)
        with withheld(private, "training"):
            generator, trainer, history = train_generator(
                ready,
                self._gan_config(world.size, ready.width + ready.space.cond_dim),
                epochs,
                self.fairness,
                device,
                (train_seed, torch_seed),
                self.verbose,
                watch,
                world,
            )

        self.schema_ = ready.schema
        self.combinations_ = combinations
        self.transformer_ = ready.transformer
        self.condition_space_ = ready.space
        self.generator_ = generator.cpu().eval()
        self.history_ = history
        plan = ready.plan
        self.ledger_ = None if plan is None else plan.ledger(trainer, ready.schema, self.seed)
        self.audit_ = None  # set by synthgan.audit: an audit of the pipeline that made it
        self.postprocessor_ = PostProcessor()
        parity_pair = self._parity_pair()
        ratio = self._density_ratio()
        if private or parity_pair is not None or ratio:
            self.postprocessor_ = fit_post_processor(
                self._engine(),
                ready.transformer,
                ready.space.frequencies if private or parity_pair is not None else [],
                parity_pair,
                ready.summaries,
                None if plan is None else plan.target_pairs,
                ready.data if ratio else None,  # never under DP: config refuses it
                seeds.spawn(1)[0],
            )
        self.fit_info_ = {
            # Under DP the true row count is private: the DP count stands in for it.
            "rows": round(ready.rows),
            "rows_are_dp_estimate": private,
            "encoded_dim": ready.width,
            "device": str(device),
            "processes": world.size,
            "fitted_at": fitted_at,
            "settings": {name: self._setting(name) for name in DEFAULTS}
            | {
                "epochs": epochs,
                "density_ratio": ratio,
                "precision": "bfloat16" if trainer.config.mixed_precision else "float32",
            },
            "training": training_summary(trainer, watch, private, 0 if held is None else len(held)),
        }
        real_duplicates = None
        if not private:
            learned = [c.name for c in ready.schema.learned]
            real_duplicates = duplicate_rate_of(df[learned], round(ready.rows), check_seed)
        self.fit_info_["diagnostics"] = diagnose(
            self._engine(), history, round(ready.rows), check_seed, real_duplicates
        )
        if not private:  # how long a DP fit takes depends on the rows and the hidden batches
            self.fit_info_["preprocess_seconds"] = round(ready.seconds, 3)
            self.fit_info_["fit_seconds"] = round(time.perf_counter() - started, 3)
        self._sample_calls = 0
        return self

    def _join_world(self) -> World:
        """The data-parallel ranks this fit trains with (``distributed="env"``: the torchrun
        group, joined here), checked against the batch."""
        if self.distributed != "env":
            return SINGLE
        join_process_group(self._torch_device())
        world = World.current()
        self._check_process_batch(world.size)
        return world

    def _adopt(self, fitted: Synthesizer) -> Synthesizer:
        """Take over what ``fitted`` learned (its fitted attributes); keep this one's settings."""
        for name, value in vars(fitted).items():
            if name.endswith("_") and not name.startswith("_"):
                setattr(self, name, value)
        self._sample_calls = 0
        return self

    def _groups(self) -> list[Sequence[str]]:
        """The declared fixed combinations, and the intersectional sensitive columns of an
        active fairness head (learned as one column, whose values are the groups)."""
        groups = list(self.fixed_combinations or ())
        if self.fairness is not None and self.fairness.active and self.fairness.intersectional:
            groups.append(self.fairness.columns)
        return groups

    def _combinations(self, df: pd.DataFrame) -> Combinations:
        """The fixed combinations, checked against the other settings and the table."""
        grouped = {c for group in self.fixed_combinations or () for c in group}
        public = set(self.privacy.public) if self.privacy is not None else set()
        if grouped & public:
            raise ConfigError(
                f"Columns {sorted(grouped & public)} are declared public and in a fixed "
                "combination: the combination is learned as one column, whose values are "
                "released under DP. Declare them public or group them, not both."
            )
        reserved = [("the DP target", None if self.privacy is None else self.privacy.target)]
        if self.fairness is not None:
            reserved.append(("the fairness head's target", self.fairness.target))
            reserved += [("the fairness head's sensitive column", c) for c in self.fairness.columns]
        for what, name in reserved:
            if name is not None and name in grouped:
                raise ConfigError(
                    f"Column {name!r} is {what} and cannot be in a fixed combination."
                )
        if self.fairness is not None and self.fairness.intersectional:
            members = [c for c in self.fairness.columns if c in df.columns]
            declared = {c: v for c, v in (self.overrides or {}).items() if c in members}
            Fairness.check_columns(
                infer_schema(df[members], declared, private=self.privacy is not None),
                [("sensitive", c) for c in self.fairness.columns],
            )
        return Combinations.declare(self._groups(), df, self.overrides, self.privacy is not None)

    def _watchers(
        self,
        ready: Prepared,
        held: pd.DataFrame | None,
        epochs: int,
        steps: int | None,
        seed: int,
    ) -> list[Callback]:
        """The callbacks that shape what training returns: the weight average, the budget, and
        validation on ``held``."""
        watch: list[Callback] = []
        if self._setting("ema") > 0:
            watch.append(WeightAverage(self._setting("ema")))
        if steps is not None or self.max_seconds is not None:
            automatic = self.max_steps is None and self.epochs is None
            watch.append(Budget(steps, self.max_seconds, automatic=automatic))
        if held is not None:
            total = epochs * self._steps_per_epoch(ready.rows)
            total = min(total, steps or total)
            scorer = ValidationScorer(ready, held, self.embedding_dim, seed)
            every = max(total // VALIDATIONS, MIN_VALIDATION_STEPS)
            watch.append(Validation(scorer, every, self.patience or PATIENCE))
        return watch

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
        self,
        n: int,
        conditions: Mapping[str, Any] | None = None,
        seed: int | None = None,
        *,
        postprocess: bool = True,
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
        postprocess
            ``False`` returns the generator's rows without the model's post-processing (raking
            and, under DP, the marginal maps; see ``synthgan.postprocess``), to see what it adds.

        Raises
        ------
        ConditionError
            Unknown column, unseen value, or a combination the model cannot produce.
        """
        chunks = self._chunks(n, conditions, seed, "Sampling", postprocess)
        parts = list(chunks)
        if not parts:
            return self._empty_frame(postprocess)
        return pd.concat(parts, ignore_index=True)

    def sample_to(
        self,
        path: str | os.PathLike,
        n: int,
        conditions: Mapping[str, Any] | None = None,
        seed: int | None = None,
        *,
        postprocess: bool = True,
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
                desc = f"Writing {target.name}"
                for chunk in self._chunks(n, conditions, seed, desc, postprocess):
                    writer.write(chunk)
                if writer.empty:
                    writer.write(self._empty_frame(postprocess))
            finally:
                writer.close()
        return target

    def _chunks(
        self,
        n: int,
        conditions: Mapping[str, Any] | None,
        seed: int | None,
        desc: str,
        postprocess: bool,
    ) -> Iterator[pd.DataFrame]:
        self._check_fitted()
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise ConfigError(f"n must be an int >= 0; got {n!r}.")
        combinations = self.combinations_
        if conditions and combinations is not None:
            learned = {g.name: self.schema_[g.name].categories or () for g in combinations.groups}
            conditions = combinations.conditions(conditions, learned)
        parsed = parse_conditions(conditions, self.schema_, self.transformer_) if conditions else []
        seeds = self._sampling_seeds(seed)
        engine = self._engine(postprocess)
        chunks = engine.chunks(int(n), parsed, seeds, desc=desc, verbose=self.verbose)
        return chunks if combinations is None else map(combinations.split, chunks)

    def _empty_frame(self, postprocess: bool) -> pd.DataFrame:
        empty = self._engine(postprocess).empty_frame()
        return empty if self.combinations_ is None else self.combinations_.split(empty)

    def _engine(self, postprocess: bool = True) -> SamplingEngine:
        return SamplingEngine(
            self.schema_,
            self.transformer_,
            self.condition_space_,
            self.generator_,
            self.embedding_dim,
            self.postprocessor_ if postprocess else PostProcessor(),
            () if self.fairness is None else self.fairness.unpinned(),
        )

    def _density_ratio(self) -> bool:
        """Whether the fit ends with a density-ratio classifier (``density_ratio``)."""
        if self.density_ratio is None:
            return self.privacy is None and (self.fairness is None or not self.fairness.active)
        return self.density_ratio

    def _parity_pair(self) -> tuple[int, int] | None:
        if self.fairness is None:
            return None
        return self.fairness.parity_pair(list(self.condition_space_.columns))

    def _sampling_seeds(self, seed: int | None) -> np.random.SeedSequence:
        if seed is not None:
            if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
                raise ConfigError(f"seed must be None or an int >= 0; got {seed!r}.")
            return np.random.SeedSequence(int(seed))
        if self.seed is None:
            return np.random.SeedSequence()
        self._sample_calls += 1
        return np.random.SeedSequence([self.seed, self._sample_calls])

    # -- persistence --------------------------------------------------------------------------

    def save(self, path: str | os.PathLike | BinaryIO) -> Path | None:
        """Write the model to one ``.sgm`` file (JSON manifest + safetensors weights, nothing
        pickled), atomically; or into a binary file object (``open(..., "wb")``, ``BytesIO``)."""
        manifest = self.manifest()
        tensors = self.generator_.state_dict() | self.postprocessor_.tensors()
        return write_model(path, manifest, tensors)

    def manifest(self) -> dict[str, Any]:
        """Everything the model file says about the model, except the weights (JSON-ready)."""
        self._check_fitted()
        return to_manifest(self)

    def _repr_html_(self) -> str:
        """In a notebook: the settings of an unfitted model; a fitted one's privacy, columns
        and training summary."""
        if not hasattr(self, "generator_"):
            return f"<pre>{html.escape(repr(self))}</pre><p>Not fitted yet.</p>"
        from synthgan.report_text import model_html

        return model_html(self.manifest(), getattr(self, "audit_", None))

    @classmethod
    def load(cls, path: str | os.PathLike | BinaryIO) -> Synthesizer:
        """Load a model file written by :meth:`save` (a path or a binary file object). Never
        unpickles; never runs code from it."""
        manifest, tensors = read_model(path)
        label = file_label(path) if hasattr(path, "read") else str(path)
        model = from_manifest(cls, manifest, tensors, label)
        model._sample_calls = 0
        return model


def _fingerprint(ready: Prepared, df: pd.DataFrame) -> str:
    """What the ranks of a distributed fit must share: the rows counted and their encoding;
    under DP, where rank 0 alone reads the statistics, the table itself."""
    encoding = json.dumps([ready.rows, ready.transformer.to_dict()], sort_keys=True, default=str)
    digest = hashlib.sha256(encoding.encode())
    if ready.plan is not None and isinstance(df, pd.DataFrame):
        digest.update(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def load(path: str | os.PathLike | BinaryIO) -> Synthesizer:
    """Load a synthesizer saved with :meth:`Synthesizer.save` (a path or a binary file object)."""
    return Synthesizer.load(path)
