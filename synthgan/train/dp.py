"""DP-SGD for the conditional WGAN-GP: the discriminator is the only network that sees real rows.

What makes the guarantee hold (each point has a test):

* Real rows are drawn by Poisson sampling at rate q (Opacus's ``UniformWithReplacementSampler``,
  what ``DPDataLoader`` uses), the sampling the accountant assumes. Each real row comes with a
  condition vector made from its own values; generated rows are conditioned on values drawn at
  their DP frequencies, so both sides show the critic the same joint distribution. There is no
  training-by-sampling of real rows and no PacGAN packing (a pack would make several rows the
  privacy unit).
* Every term of the critic loss that depends on a real row, its score and the gradient penalty
  on its interpolate with a generated row, is clipped row by row to C (see
  :func:`real_row_gradients`: Opacus's hooks cannot follow the penalty's input gradient), and
  Opacus's ``DPOptimizerFastGradientClipping`` adds N(0, σ²C²) to the clipped sum. The generated
  rows' scores depend on no real row: their gradient is post-processing and is added after the
  noise, unclipped.
* The step budget comes from the accountant before training; the loop checks it before every
  step, so training stops before ε would pass the target, never after.
* The generator only ever sees the critic's output on generated rows: post-processing.
"""

from __future__ import annotations

import time

import numpy as np
import torch
from opacus.optimizers import DPOptimizerFastGradientClipping
from opacus.utils.uniform_sampler import UniformWithReplacementSampler
from torch import nn

from synthgan.conditional import ConditionSpace
from synthgan.nn import Discriminator
from synthgan.train.gan import EpochCallback, GANConfig, GANTrainer, build_generator
from synthgan.transform.spans import Span

__all__ = ["DPGANTrainer", "real_row_gradients"]


def real_row_gradients(
    critic: Discriminator,
    real: torch.Tensor,
    fake: torch.Tensor,
    alpha: torch.Tensor,
    masks: list[tuple[torch.Tensor, torch.Tensor]] | None,
    penalty: float,
    max_grad_norm: float,
) -> tuple[list[torch.Tensor], torch.Tensor]:
    """The sum of real rows' loss gradients, each clipped to ``max_grad_norm``.

    A row's loss is ``-score(real) + penalty * (|d score / dx at the interpolate| - 1)²``, with
    ``real[i]`` mixed with ``fake[i]`` by ``alpha[i]``; ``masks`` hold each hidden layer's dropout
    masks for the real rows and for the interpolates. Every weight matrix enters a row's loss
    twice, in the forward pass and in the closed-form input gradient, each time as a product
    whose per-row gradient is an outer product of two vectors. So each row's gradient norm
    follows from dot products of those vectors, without materialising per-row gradients (the
    "ghost clipping" of Opacus's fast-gradient-clipping mode, whose hooks cannot see the second
    path), and the clipped sum is one weighted matrix product per use. Returns the clipped sum
    (aligned with ``critic.parameters()``) and each row's unclipped gradient norm.
    """
    hidden, out = critic.hidden, critic.out
    slope = critic.slope
    pre_real, inputs, slopes_mix = [], [], []
    h, h_mix = real, (alpha * real + (1 - alpha) * fake).detach()
    for i, layer in enumerate(hidden):
        inputs.append(h)
        pre = layer(h)
        with torch.no_grad():
            pre_m = layer(h_mix)
            d_mix = torch.where(pre_m > 0, 1.0, slope)
            d_real = torch.where(pre > 0, 1.0, slope)
            if masks is not None:
                d_real, d_mix = d_real * masks[i][0], d_mix * masks[i][1]
            h_mix = pre_m * d_mix
        pre_real.append(pre)
        slopes_mix.append(d_mix)
        h = pre * d_real
    score = out(h).squeeze(1)
    # The input gradient at the interpolate, backwards from the output weight.
    start = out.weight * torch.ones(len(real), 1, device=real.device, dtype=real.dtype)
    a, chain_in, chain_out = start, [], []
    for layer, d in zip(reversed(hidden), reversed(slopes_mix), strict=True):
        u = a * d
        a = u @ layer.weight
        chain_in.append(u)
        chain_out.append(a)
    chain_in.reverse()
    chain_out.reverse()
    losses = -score + penalty * (a.norm(2, dim=1) - 1) ** 2
    taps = [*pre_real, *chain_out, score, start]
    grads = torch.autograd.grad(losses.sum(), taps)
    n = len(hidden)
    delta, back, g_score, g_start = grads[:n], grads[n : 2 * n], grads[2 * n], grads[2 * n + 1]

    # Per-row squared norms: |x⊗y + u⊗v|² = |x|²|y|² + |u|²|v|² + 2(x·u)(y·v).
    def dot(p, q):
        return (p * q).sum(1)

    out_grad = g_score[:, None] * h.detach() + g_start  # (rows, width) per-row out.weight grads
    sq = dot(out_grad, out_grad) + g_score**2
    for i in range(n):
        x, y, u, v = delta[i], inputs[i].detach(), chain_in[i].detach(), back[i]
        sq = sq + dot(x, x) * dot(y, y) + dot(u, u) * dot(v, v) + 2 * dot(x, u) * dot(y, v)
        sq = sq + dot(x, x)  # the bias
    norms = sq.clamp_min(0).sqrt()
    c = (max_grad_norm / (norms + 1e-6)).clamp(max=1.0)  # Opacus's clipping factor
    summed = []
    for i in range(n):
        weight = (c[:, None] * delta[i]).T @ inputs[i].detach()
        weight += (c[:, None] * chain_in[i].detach()).T @ back[i]
        summed += [weight, (c[:, None] * delta[i]).sum(0)]
    summed += [(c[:, None] * out_grad).sum(0, keepdim=True), (c * g_score).sum(0, keepdim=True)]
    return summed, norms


class DPGANTrainer(GANTrainer):
    """The GAN loop with a differentially private discriminator (see the module docstring)."""

    def __init__(
        self,
        config: GANConfig,
        spans: list[Span],
        space: ConditionSpace,
        *,
        device: torch.device,
        rng: np.random.Generator,
        torch_generator: torch.Generator,
        noise_multiplier: float,
        max_grad_norm: float,
        sample_rate: float,
        max_steps: int,
    ):
        super().__init__(
            config, spans, space, device=device, rng=rng, torch_generator=torch_generator
        )
        self.noise_multiplier = noise_multiplier
        self.max_grad_norm = max_grad_norm
        self.sample_rate = sample_rate
        self.max_steps = max_steps
        self.steps_taken = 0
        self.stopped_by_budget = False

    def fit(
        self,
        data: torch.Tensor,
        codes: list[np.ndarray],
        epochs: int,
        on_epoch_end: EpochCallback | None = None,
    ) -> nn.Module:
        cfg = self.config
        n, data_dim = data.shape
        self.data = data.to(self.device)
        self.codes = np.stack(codes, axis=1) if codes else np.zeros((n, 0), np.int64)
        self.generator = build_generator(cfg, self.space, data_dim).to(self.device)
        self.critic = Discriminator(data_dim + self.space.cond_dim, cfg.discriminator_dim, pac=1)
        self.critic.to(self.device)
        self.opt_g = self._adam(self.generator, cfg.generator_lr)
        sampler_seed, noise_seed = (int(s) for s in self.rng.integers(2**63 - 1, size=2))
        self.opt_d = DPOptimizerFastGradientClipping(
            self._adam(self.critic, cfg.discriminator_lr),
            noise_multiplier=self.noise_multiplier,
            max_grad_norm=self.max_grad_norm,
            expected_batch_size=cfg.batch_size,
            generator=torch.Generator(device=self.device).manual_seed(noise_seed),
        )
        sampler = UniformWithReplacementSampler(
            num_samples=n,
            sample_rate=self.sample_rate,
            generator=torch.Generator().manual_seed(sampler_seed),
        )
        # The critic's loss on real rows is not private: only generator-side losses are reported.
        for epoch in range(1, epochs + 1):
            start = time.perf_counter()
            totals = torch.zeros(2, device=self.device)
            steps = 0
            for rows in sampler:
                if self.steps_taken >= self.max_steps:  # the accountant's budget, checked first
                    self.stopped_by_budget = True
                    break
                totals += self.private_step(np.asarray(rows, dtype=np.int64))
                self.steps_taken += 1
                steps += 1
            if steps and on_epoch_end is not None:
                loss_g, loss_cond = (totals / steps).tolist()
                on_epoch_end(
                    {
                        "epoch": epoch,
                        "loss_g": loss_g,
                        "loss_cond": loss_cond,
                        "seconds": time.perf_counter() - start,
                    }
                )
            if self.stopped_by_budget:
                break
        self.generator.eval()
        return self.generator

    def _conditions(self, n: int) -> tuple[torch.Tensor, np.ndarray, np.ndarray]:
        """Generated rows ask for values at their DP frequencies, as real rows come."""
        if not self.space.n_columns:
            return super()._conditions(n)
        col, slot = self.space.sample_original(n, self.rng)
        return self.space.one_hot(col, slot, self.device), col, slot

    def private_step(self, rows: np.ndarray) -> torch.Tensor:
        """One critic update on a Poisson batch; a generator update every ``discriminator_steps``.

        Returns the generator's losses (zero when it did not update).
        """
        b = self.config.batch_size
        generator_turn = (self.steps_taken + 1) % self.config.discriminator_steps == 0
        cond, col, slot = self._conditions(b)
        with torch.set_grad_enabled(generator_turn):
            raw = self.generator(torch.cat([self._noise(b), cond], dim=1))
            fake = self.activation(raw, self.tg)
        self.private_critic_step(rows, torch.cat([fake.detach(), cond], dim=1))
        if not generator_turn:
            return fake.new_zeros(2)
        return torch.stack(self.generator_step(raw, fake, cond, col, slot))

    def _real_inputs(self, rows: np.ndarray) -> torch.Tensor:
        """Real rows with a condition vector made from each row's own value in a random column."""
        real = self.data[torch.as_tensor(rows, device=self.device)]
        if not self.space.n_columns:
            return real
        col = self.rng.integers(self.space.n_columns, size=len(rows))
        slot = self.codes[rows, col]
        return torch.cat([real, self.space.one_hot(col, slot, self.device)], dim=1)

    def private_critic_step(self, rows: np.ndarray, fake: torch.Tensor) -> None:
        b, m = fake.shape[0], len(rows)
        critic = self.critic
        params = list(critic.parameters())
        real = self._real_inputs(rows)
        pair = fake[torch.arange(m, device=self.device) % b]
        alpha = torch.rand(m, 1, generator=self.tg, device=self.device)
        masks = critic.masks(2 * m, self.tg, self.device)
        pairs = None if masks[0] is None else [(mk[:m], mk[m:]) for mk in masks]
        clipped, _ = real_row_gradients(
            critic, real, pair, alpha, pairs, self.config.gradient_penalty, self.max_grad_norm
        )
        for p, g in zip(params, clipped, strict=True):
            p.grad = g.reshape(p.shape)
        self.opt_d.pre_step()  # Opacus: add N(0, σ²C²) to the clipped sum, divide by b
        # Generated rows depend on no real row: their gradient is added after the noise.
        fake_loss = critic(fake, self.tg).sum()
        for p, g in zip(params, torch.autograd.grad(fake_loss / b, params), strict=True):
            p.grad += g
        self.opt_d.original_optimizer.step()
        self.opt_d.zero_grad(set_to_none=True)
