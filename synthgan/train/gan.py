"""The conditional WGAN-GP training loop (CTGAN's algorithm, without its per-row Python work).

One step = one critic update on a batch of real rows (chosen by training-by-sampling) against
generated rows, then one generator update. Real, fake and interpolated rows go through the critic
in a single forward pass, and generated rows for the critic are made without building a graph the
critic step would never use.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from synthgan.conditional import ConditionSpace, RowIndex
from synthgan.encoded import CompactRows, DenseBatches
from synthgan.fairness import Fairness
from synthgan.nn import Discriminator, Generator, OutputActivation
from synthgan.spans import Span
from synthgan.train.callbacks import Callback
from synthgan.train.fair import FairnessHead
from synthgan.train.world import SINGLE, World

__all__ = ["GANConfig", "GANTrainer"]


@dataclass(frozen=True)
class GANConfig:
    """Network sizes and optimiser settings (CTGAN's defaults, which work on Adult as they are)."""

    embedding_dim: int = 128
    generator_dim: tuple[int, ...] = (256, 256)
    discriminator_dim: tuple[int, ...] = (256, 256)
    generator_lr: float = 2e-4
    discriminator_lr: float = 2e-4
    weight_decay: float = 1e-6
    batch_size: int = 500
    pac: int = 10
    discriminator_steps: int = 1
    gradient_penalty: float = 10.0
    tau: float = 0.2
    #: Matrix products in bfloat16 (``torch.autocast``); weights, optimiser and losses float32.
    mixed_precision: bool = False


def build_generator(config: GANConfig, space: ConditionSpace, data_dim: int) -> Generator:
    return Generator(config.embedding_dim + space.cond_dim, config.generator_dim, data_dim)


class GANTrainer:
    """Trains a generator on an encoded real matrix; holds no state beyond one ``fit`` call."""

    #: The losses :meth:`_train_step` returns, in order, as the epoch metrics name them.
    loss_names: tuple[str, ...] = ("loss_d", "loss_g", "loss_cond", "grad_g")
    #: Whether an epoch's duration may be reported (not under DP: it depends on the rows).
    reports_timing = True

    def __init__(
        self,
        config: GANConfig,
        spans: list[Span],
        space: ConditionSpace,
        *,
        device: torch.device,
        rng: np.random.Generator,
        torch_generator: torch.Generator,
        fairness: Fairness | None = None,
        world: World = SINGLE,
    ):
        self.config = config
        self.world = world
        self.spans = spans
        self.fairness = fairness if fairness is not None and fairness.weight > 0 else None
        self.space = space
        self.device = device
        self.rng = rng
        self.tg = torch_generator
        self.activation = OutputActivation(spans, tau=config.tau).to(device)
        cond_index, cond_valid = space.padded_index()
        self.cond_index = cond_index.to(device)
        self.cond_valid = cond_valid.to(device)

    def fit(
        self,
        data: CompactRows,
        codes: list[np.ndarray],
        epochs: int,
        callbacks: Sequence[Callback] = (),
    ) -> Generator:
        """Train for ``epochs`` epochs, or until a callback sets ``stop_training`` (after a step).

        Callbacks run in list order at each hook (see ``train/callbacks.py``).
        """
        self.epochs = epochs
        self.stop_training = False
        self.stopped_by_peer = False  # another rank's callback (a wall-time budget) ended it
        self.global_step = 0
        self.completed = False  # set once training ended normally (not by an exception)
        self._setup(data, codes)
        self.kept_generator = self.generator  # what fit returns (a callback may average it)
        try:
            for callback in callbacks:
                callback.on_train_begin(self)
            for epoch in range(1, epochs + 1):
                for callback in callbacks:
                    callback.on_epoch_begin(self, epoch)
                start = time.perf_counter()
                totals, steps = torch.zeros(len(self.loss_names), device=self.device), 0
                for batch in self._batches():
                    totals += self._train_step(batch)
                    steps += 1
                    self.global_step += 1
                    for callback in callbacks:
                        callback.on_step_end(self)
                    agreed = self.world.any(self.stop_training, self.device)
                    self.stopped_by_peer |= agreed and not self.stop_training
                    self.stop_training = agreed
                    if self.stop_training:
                        break
                if steps:
                    metrics = self._epoch_metrics(epoch, self.world.mean(totals / steps), start)
                    for callback in callbacks:
                        callback.on_epoch_end(self, metrics)
                if self.stop_training:
                    break
            self.completed = True
        finally:
            for callback in callbacks:
                callback.on_train_end(self)
            self._release_rows()
        self.generator.eval()
        return self.generator

    def _setup(self, data: CompactRows, codes: list[np.ndarray]) -> None:
        cfg = self.config
        n, data_dim = len(data), data.width
        self.data = DenseBatches(data, self.device)
        self.row_index = RowIndex(self.space, codes) if self.space.n_columns else None
        self._build_networks(data_dim, cfg.pac)
        self.opt_d = self._adam(self.critic, cfg.discriminator_lr)
        # batch_size is each rank's: an epoch is still one pass over the rows.
        self.steps_per_epoch = max(1, n // (cfg.batch_size * self.world.size))

    def _release_rows(self) -> None:
        """Let go of the real rows and their index once training ends: what follows the fit
        (post-processing, on five million rows) then runs without them in memory."""
        self.data = self.row_index = None

    def _build_networks(self, data_dim: int, pac: int) -> None:
        """The generator, the critic, the generator's optimiser and the fairness head, in the
        order that fixes their initial weights from the seed."""
        cfg = self.config
        self.generator = build_generator(cfg, self.space, data_dim).to(self.device)
        self.critic = Discriminator(data_dim + self.space.cond_dim, cfg.discriminator_dim, pac)
        self.critic.to(self.device)
        self.world.broadcast_(self.generator, self.critic)  # rank 0's weights everywhere
        self.opt_g = self._adam(self.generator, cfg.generator_lr)
        self.fair = self._fairness_head()

    def _batches(self) -> Iterator[None]:
        """One item per step of an epoch. Training-by-sampling picks the real rows inside the
        step, after the conditions they must match, so here there is nothing to hand over."""
        for _ in range(self.steps_per_epoch):
            yield None

    def _train_step(self, batch: None) -> torch.Tensor:
        """One step on one batch; returns the losses named by ``loss_names``."""
        return self.step()

    def _epoch_metrics(self, epoch: int, losses: torch.Tensor, start: float) -> dict[str, float]:
        """What an epoch may report: its mean losses, the fairness leak and (unless the trainer
        says not to) its duration."""
        metrics = {"epoch": epoch, **dict(zip(self.loss_names, losses.tolist(), strict=True))}
        metrics.update(self._fairness_metrics())
        if self.reports_timing:
            metrics["seconds"] = time.perf_counter() - start
        return metrics

    def _fairness_head(self) -> FairnessHead | None:
        """Built after the generator and critic, so their initial weights do not depend on it."""
        if self.fairness is None:
            return None
        return FairnessHead(self.fairness, self.spans, self.device)

    def _fairness_metrics(self) -> dict[str, float]:
        return {} if self.fair is None else {"fair_leak": self.fair.pop_leak()}

    def _adam(self, module: nn.Module, lr: float) -> torch.optim.Adam:
        """CTGAN's optimiser settings; the fused kernel on CPU saves a tenth of a step."""
        return torch.optim.Adam(
            module.parameters(),
            lr=lr,
            betas=(0.5, 0.9),
            weight_decay=self.config.weight_decay,
            fused=self.device.type == "cpu" or None,
        )

    def _conditions(self, n: int) -> tuple[torch.Tensor, np.ndarray, np.ndarray]:
        if not self.space.n_columns:
            empty = np.zeros(n, dtype=np.int64)
            return torch.zeros(n, 0, device=self.device), empty, empty
        col, slot = self.space.sample_training(n, self.rng)
        return self.space.one_hot(col, slot, self.device), col, slot

    def _autocast(self) -> torch.autocast:
        """The networks' forward passes run inside this; what leaves them is cast back to
        float32, so the output activation, the losses and the penalty's norm stay float32."""
        return torch.autocast(
            self.device.type, dtype=torch.bfloat16, enabled=self.config.mixed_precision
        )

    def _generate(self, cond: torch.Tensor) -> torch.Tensor:
        """The generator's raw output for fresh noise and ``cond``."""
        with self._autocast():
            raw = self.generator(torch.cat([self._noise(len(cond)), cond], dim=1))
        return raw.float()

    def _noise(self, n: int) -> torch.Tensor:
        return torch.randn(n, self.config.embedding_dim, generator=self.tg, device=self.device)

    def step(self) -> torch.Tensor:
        """One training step; returns (critic loss, generator loss, condition loss, the
        generator's gradient norm)."""
        b = self.config.batch_size
        for _ in range(self.config.discriminator_steps - 1):
            cond, col, slot = self._conditions(b)
            with torch.no_grad():
                fake = self.activation(self._generate(cond), self.tg)
            self.critic_step(fake, cond, col, slot)
        # The last critic update and the generator update share one generated batch (the
        # DCGAN recipe): the generator runs forward once per step instead of twice.
        cond, col, slot = self._conditions(b)
        raw = self._generate(cond)
        fake = self.activation(raw, self.tg)
        loss_d = self.critic_step(fake.detach(), cond, col, slot)
        return torch.stack([loss_d, *self.generator_step(raw, fake, cond, col, slot)])

    def critic_step(
        self, fake: torch.Tensor, cond: torch.Tensor, col: np.ndarray, slot: np.ndarray
    ) -> torch.Tensor:
        b = self.config.batch_size
        perm = self.rng.permutation(b)
        if self.row_index is None:
            rows = self.rng.integers(len(self.data), size=b)
        else:
            rows = self.row_index.sample(col[perm], slot[perm], self.rng)
        real = torch.cat(
            [self.data.batch(torch.as_tensor(rows, device=self.device)), cond[perm]], dim=1
        )
        fake = torch.cat([fake, cond], dim=1)
        alpha = torch.rand(b // self.config.pac, 1, generator=self.tg, device=self.device)
        with self._autocast():
            terms = self.critic.wgan_terms(real, fake, alpha, self.tg)
        s_real, s_fake, grad = (t.float() for t in terms)
        penalty = ((grad.norm(2, dim=1) - 1) ** 2).mean() * self.config.gradient_penalty
        loss = s_fake.mean() - s_real.mean() + penalty
        self.opt_d.zero_grad(set_to_none=True)
        loss.backward()
        self.world.average_gradients_(self.critic)
        self.opt_d.step()
        return loss.detach()

    def generator_step(
        self,
        raw: torch.Tensor,
        fake: torch.Tensor,
        cond: torch.Tensor,
        col: np.ndarray,
        slot: np.ndarray,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """One generator update; returns its loss, the condition loss and the gradient's norm
        (a diagnostic: vanishing or exploding norms show a game that has come apart)."""
        self.critic.requires_grad_(False)  # the critic's weight gradients would be thrown away
        with self._autocast():
            score = self.critic(torch.cat([fake, cond], dim=1), self.tg).float()
        self.critic.requires_grad_(True)
        loss_cond = self._condition_loss(raw, col, slot)
        loss = -score.mean() + loss_cond
        if self.fair is not None:
            loss = loss + self.fair.penalty(raw, fake)
        self.opt_g.zero_grad(set_to_none=True)
        loss.backward()
        self.world.average_gradients_(self.generator)
        grads = [p.grad for p in self.generator.parameters() if p.grad is not None]
        norm = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))
        self.opt_g.step()
        self.world.average_buffers_(self.generator)
        return loss.detach(), loss_cond.detach(), norm.detach()

    def _condition_loss(self, raw: torch.Tensor, col: np.ndarray, slot: np.ndarray) -> torch.Tensor:
        """Cross-entropy between each row's asked-for value and the generator's logits for it."""
        if not self.space.n_columns:
            return raw.new_zeros(())
        col_t = torch.as_tensor(col, device=self.device)
        index = self.cond_index[col_t]
        logits = raw.gather(1, index).masked_fill(~self.cond_valid[col_t], float("-inf"))
        return nn.functional.cross_entropy(logits, torch.as_tensor(slot, device=self.device))
