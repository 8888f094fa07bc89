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
  :func:`clipped_row_gradients`: Opacus's hooks cannot follow the penalty's input gradient), and
  Opacus's ``DPOptimizerFastGradientClipping`` adds N(0, σ²C²) to the clipped sum. The generated
  rows' scores depend on no real row: their gradient is post-processing, is added after the
  noise and is not charged (it is clipped to C too, for balance, which costs no privacy).
* Data-parallel (``world`` of several ranks, Opacus's distributed DP support): each rank holds
  a disjoint shard of the rows and Poisson-samples it at the global rate q, so the union of the
  ranks' batches is exactly a Poisson sample of the table at rate q; the clipped sums are added
  over the ranks and rank 0 alone adds the noise (``DistributedDPOptimizerFastGradientClipping``),
  so the release, its sensitivity C and its noise are those of one process, and the accountant's
  q and steps are unchanged (every rank takes the same ``int(1 / q)`` steps an epoch).
* The step budget comes from the accountant before training; the loop checks it before every
  step, so training stops before ε would pass the target, never after.
* The generator only ever sees the critic's output on generated rows: post-processing.
* Randomness is split in two. Everything that touches a real row (the Poisson batches, DP-SGD's
  noise, each real row's condition column, its interpolation weight, its generated partner and
  its dropout masks) comes from ``secret``, fresh entropy never stored. Each such choice is drawn
  independently per row, so adding a row adds one draw without changing how the others are
  distributed. The generated side (conditions, latent noise, Gumbel draws, dropout on generated
  rows) uses the public, seeded generators and consumes them the same way whatever the data,
  so the seed fixes it and nothing about the rows can be read from it.
"""

from __future__ import annotations

import synthgan.opacus_import  # noqa: F401  (first: Opacus configures logging when imported)

# isort: split

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import torch
from opacus.optimizers import (
    DistributedDPOptimizerFastGradientClipping,
    DPOptimizerFastGradientClipping,
)
from opacus.utils.uniform_sampler import UniformWithReplacementSampler

from synthgan.conditional import ConditionSpace
from synthgan.encoded import CompactRows, DenseBatches
from synthgan.errors import PrivacyError
from synthgan.fairness import Fairness
from synthgan.nn import Discriminator
from synthgan.spans import Span
from synthgan.train.gan import GANConfig, GANTrainer
from synthgan.train.world import SINGLE, World

__all__ = [
    "DPGANTrainer",
    "ReleaseSettings",
    "ReleaseWatch",
    "clipped_row_gradients",
    "private_optimizer",
    "release_gradient",
    "secret_streams",
]


@dataclass(frozen=True)
class ReleaseSettings:
    """What an observer of the releases may know: the public settings of DP-SGD."""

    noise_multiplier: float
    max_grad_norm: float
    sample_rate: float
    expected_batch: int


@dataclass(frozen=True)
class ReleaseWatch:
    """What an audit (``synthgan.auditing``) attaches to a DP fit, in memory only.

    ``observe`` is called with each step's DP release (one tensor per optimised parameter) and
    DP-SGD's public settings, nothing else of the trainer's. ``markers`` maps a batch's row
    indices to each row's gradient on ``width`` marker parameters that only the audit's canary
    rows move (zero for other rows): gradient canaries, clipped and noised with the rest of the
    row's gradient. Single-process fits only: ranks index their own shards of the rows."""

    observe: Callable[[list[torch.Tensor], ReleaseSettings], None]
    markers: Callable[[np.ndarray], torch.Tensor] | None = None
    width: int = 0


def secret_streams(secret: np.random.SeedSequence) -> tuple[int, int, int, int]:
    """The seeds of the Poisson sampler, DP-SGD's noise, the real rows' numpy choices and
    their torch choices, drawn from the secret entropy."""
    sampler, noise, rows, rows_torch = (int(s) for s in secret.generate_state(4, np.uint64))
    return sampler, noise, rows, rows_torch


def private_optimizer(
    optimizer: torch.optim.Optimizer,
    noise_multiplier: float,
    max_grad_norm: float,
    expected_batch_size: int,
    generator: torch.Generator,
    world: World = SINGLE,
) -> DPOptimizerFastGradientClipping:
    """Opacus's DP optimizer over ``optimizer``; with several ranks its distributed variant,
    which adds the noise on rank 0 alone. ``expected_batch_size``: this rank's share."""
    kind = DPOptimizerFastGradientClipping
    if world.size > 1:
        kind = DistributedDPOptimizerFastGradientClipping
    return kind(
        optimizer,
        noise_multiplier=noise_multiplier,
        max_grad_norm=max_grad_norm,
        expected_batch_size=expected_batch_size,
        generator=generator,
    )


def release_gradient(optimizer: DPOptimizerFastGradientClipping, world: World = SINGLE) -> None:
    """Turn each parameter's ``grad`` (this rank's clipped sum) into the DP release: the sum
    over every rank plus N(0, σ²C²) once, divided by the expected batch size of all ranks."""
    optimizer.pre_step()  # Opacus: the noise (rank 0 only when distributed), / expected batch
    if world.size > 1:
        optimizer.reduce_gradients()  # the sum over ranks, / ranks


def clipped_row_gradients(
    critic: Discriminator,
    rows: torch.Tensor,
    sign: float,
    masks: list[torch.Tensor] | None,
    max_grad_norm: float,
    penalty: tuple[float, torch.Tensor, torch.Tensor, list[torch.Tensor] | None] | None = None,
    extra: torch.Tensor | None = None,
) -> tuple[list[torch.Tensor], torch.Tensor]:
    """The sum over rows of each row's loss gradient, clipped to ``max_grad_norm``.

    A row's loss is ``sign * score(row)``, plus, when ``penalty = (weight, partner, alpha,
    mix_masks)`` is given, ``weight * (|d score / dx at the interpolate| - 1)²`` with the row
    mixed with ``partner[i]`` by ``alpha[i]``. ``masks`` (and ``mix_masks``) hold each hidden
    layer's dropout masks for the rows (and the interpolates).

    Each weight matrix enters a row's loss as a product whose per-row gradient is an outer
    product of two vectors: once in the forward pass, once more in the closed-form input
    gradient. So each row's gradient norm follows from dot products of those vectors, without
    materialising per-row gradients (the "ghost clipping" of Opacus's fast-gradient-clipping
    mode, whose hooks cannot see the penalty's path), and the clipped sum is one weighted matrix
    product per use. Returns the clipped sum (aligned with ``critic.parameters()``) and each
    row's unclipped gradient norm.

    ``extra`` (rows × k), if given, is each row's gradient of k further parameters (an audit's
    canary markers): it counts in the row's norm, and its clipped sum comes last.
    """
    hidden, out, slope = critic.hidden, critic.out, critic.slope
    pre_rows, inputs, slopes_mix = [], [], []
    h = rows
    h_mix = (
        None if penalty is None else (penalty[2] * rows + (1 - penalty[2]) * penalty[1]).detach()
    )
    for i, layer in enumerate(hidden):
        inputs.append(h)
        pre = layer(h)
        with torch.no_grad():
            d = torch.where(pre > 0, 1.0, slope)
            if masks is not None:
                d = d * masks[i]
            if h_mix is not None:
                pre_m = layer(h_mix)
                d_mix = torch.where(pre_m > 0, 1.0, slope)
                if penalty[3] is not None:
                    d_mix = d_mix * penalty[3][i]
                h_mix = pre_m * d_mix
                slopes_mix.append(d_mix)
        pre_rows.append(pre)
        h = pre * d
    score = out(h).squeeze(1)
    losses = sign * score
    chain_in, chain_out = [], []
    start = out.weight * torch.ones(len(rows), 1, device=rows.device, dtype=rows.dtype)
    if penalty is not None:  # the input gradient at the interpolate, back from the output weight
        a = start
        for layer, d_mix in zip(reversed(hidden), reversed(slopes_mix), strict=True):
            chain_in.insert(0, a * d_mix)
            a = chain_in[0] @ layer.weight
            chain_out.insert(0, a)
        losses = losses + penalty[0] * (a.norm(2, dim=1) - 1) ** 2
    grads = torch.autograd.grad(
        losses.sum(), [*pre_rows, *chain_out, score, start], allow_unused=True
    )
    n = len(hidden)
    delta, back = grads[:n], grads[n : n + len(chain_out)]
    g_score = grads[-2]
    g_start = grads[-1] if grads[-1] is not None else torch.zeros_like(start)

    def dot(p, q):
        return (p * q).sum(1)

    # Per-row squared norms; for two uses, |x⊗y + u⊗v|² = |x|²|y|² + |u|²|v|² + 2(x·u)(y·v).
    out_grad = g_score[:, None] * h.detach() + g_start  # each row's gradient of out.weight
    sq = dot(out_grad, out_grad) + g_score**2
    for i in range(n):
        x, y = delta[i], inputs[i].detach()
        sq = sq + dot(x, x) * (dot(y, y) + 1)  # the weight's forward use, and the bias
        if penalty is not None:
            u, v = chain_in[i].detach(), back[i]
            sq = sq + dot(u, u) * dot(v, v) + 2 * dot(x, u) * dot(y, v)
    if extra is not None:
        sq = sq + dot(extra, extra)
    norms = sq.clamp_min(0).sqrt()
    c = (max_grad_norm / (norms + 1e-6)).clamp(max=1.0)[:, None]  # Opacus's clipping factor
    summed = []
    for i in range(n):
        weight = (c * delta[i]).T @ inputs[i].detach()
        if penalty is not None:
            weight = weight + (c * chain_in[i].detach()).T @ back[i]
        summed += [weight, (c * delta[i]).sum(0)]
    summed += [(c * out_grad).sum(0, keepdim=True), (c[:, 0] * g_score).sum(0, keepdim=True)]
    if extra is not None:
        summed.append((c * extra).sum(0))
    return summed, norms


class DPGANTrainer(GANTrainer):
    """The GAN loop with a differentially private discriminator (see the module docstring)."""

    # The critic's loss on real rows is not private: only generator-side losses are reported,
    # and no timings (an epoch's time depends on its hidden batch sizes).
    loss_names = ("loss_g", "loss_cond", "grad_g")
    reports_timing = False

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
        secret: np.random.SeedSequence,
        fairness: Fairness | None = None,
        world: World = SINGLE,
    ):
        super().__init__(
            config,
            spans,
            space,
            device=device,
            rng=rng,
            torch_generator=torch_generator,
            fairness=fairness,
            world=world,
        )
        if config.mixed_precision:
            raise PrivacyError("DP-SGD trains in float32: rounding would break its clipping bound.")
        self.noise_multiplier = noise_multiplier
        self.max_grad_norm = max_grad_norm
        self.sample_rate = sample_rate
        self.max_steps = max_steps
        self.steps_taken = 0
        self.stopped_by_budget = False
        self.secret = secret
        self.watch: ReleaseWatch | None = None
        self.markers: torch.nn.Parameter | None = None
        target = torch.zeros(self.cond_valid.shape)  # DP frequencies, padded like cond_index
        for j, freq in enumerate(space.frequencies):
            target[j, : len(freq)] = torch.as_tensor(freq)
        self.target_frequencies = target.to(device)

    def _setup(self, data: CompactRows, codes: list[np.ndarray]) -> None:
        cfg = self.config
        n, data_dim = len(data), data.width
        self.n_rows = n
        self.data = DenseBatches(data, self.device)
        self.codes = np.stack(codes, axis=1) if codes else np.zeros((n, 0), np.int64)
        self._build_networks(data_dim, pac=1)  # the fairness head sees generated rows only
        sampler_seed, noise_seed, rows_seed, rows_torch_seed = secret_streams(self.secret)
        released: torch.nn.Module = self.critic
        if self.watch is not None and self.world.size > 1:
            raise PrivacyError("An audit watches single-process fits only.")
        if self.watch is not None and self.watch.markers is not None:
            self.markers = torch.nn.Parameter(torch.zeros(self.watch.width, device=self.device))
            released = torch.nn.ParameterList([*self.critic.parameters(), self.markers])
        self.opt_d = private_optimizer(
            self._adam(released, cfg.discriminator_lr),
            self.noise_multiplier,
            self.max_grad_norm,
            cfg.batch_size,  # this rank's share of the expected batch
            torch.Generator(device=self.device).manual_seed(noise_seed),
            self.world,
        )
        # Opacus refuses an empty table; a table of 0 rows must train all the same (on noise
        # alone), or the refusal would tell that it is empty: sample from one row, keep none.
        self.sampler = UniformWithReplacementSampler(
            num_samples=max(n, 1),
            sample_rate=self.sample_rate,
            generator=torch.Generator().manual_seed(sampler_seed),
        )
        # The real rows' own random choices: secret, like the noise.
        self.row_rng = np.random.default_rng(rows_seed)
        self.row_tg = torch.Generator(device=self.device).manual_seed(rows_torch_seed)

    def _batches(self) -> Iterator[np.ndarray]:
        """An epoch of Poisson batches, none once the accountant's step budget is spent.

        The budget is checked here, before every step, rather than in a callback: it is a
        privacy rule, and a step cannot happen without a batch, whatever callbacks the caller
        passes or leaves out.
        """
        for rows in self.sampler:
            if self.steps_taken >= self.max_steps:
                self.stopped_by_budget = True
                self.stop_training = True
                return
            rows = np.asarray(rows, dtype=np.int64)
            yield rows[rows < self.n_rows]

    def _train_step(self, batch: np.ndarray) -> torch.Tensor:
        losses = self.private_step(batch)
        self.steps_taken += 1
        return losses

    def _conditions(self, n: int) -> tuple[torch.Tensor, np.ndarray, np.ndarray]:
        """Generated rows ask for values at their DP frequencies, as real rows come."""
        if not self.space.n_columns:
            return super()._conditions(n)
        col, slot = self.space.sample_original(n, self.rng)
        return self.space.one_hot(col, slot, self.device), col, slot

    def _condition_loss(self, raw: torch.Tensor, col: np.ndarray, slot: np.ndarray) -> torch.Tensor:
        """The conditional cross-entropy, plus KL(DP frequencies ‖ the batch's frequencies) for
        every discrete column and missing flag at once.

        Only a row's conditioned column is held to its value; the others drift wherever the
        noisy critic lets them (a third of native-country came out missing without this). The
        DP frequencies are already released, so using them again costs no privacy. (The same
        pull on continuous columns' modes improved column shapes but hurt pair trends and
        utility in the sweep, so it is not used.)
        """
        loss = super()._condition_loss(raw, col, slot)
        if not self.space.n_columns:
            return loss
        logits = raw[:, self.cond_index].masked_fill(~self.cond_valid, float("-inf"))
        batch = torch.softmax(logits, dim=-1).mean(0)  # (columns, width)
        target = self.target_frequencies
        kl = torch.where(target > 0, target * (target.log() - batch.clamp_min(1e-8).log()), 0.0)
        return loss + kl.sum(1).mean()

    def private_step(self, rows: np.ndarray) -> torch.Tensor:
        """One critic update on a Poisson batch; a generator update every ``discriminator_steps``.

        Returns the generator's losses and gradient norm (zero when it did not update).
        """
        b = self.config.batch_size
        generator_turn = (self.steps_taken + 1) % self.config.discriminator_steps == 0
        cond, col, slot = self._conditions(b)
        with torch.set_grad_enabled(generator_turn):
            raw = self._generate(cond)
            fake = self.activation(raw, self.tg)
        self.private_critic_step(rows, torch.cat([fake.detach(), cond], dim=1))
        if not generator_turn:
            return fake.new_zeros(len(self.loss_names))
        return torch.stack(self.generator_step(raw, fake, cond, col, slot))

    def _release_rows(self) -> None:
        super()._release_rows()
        self.codes = None

    def _real_inputs(self, rows: np.ndarray) -> torch.Tensor:
        """Real rows with a condition vector made from each row's own value in a random column."""
        real = self.data.batch(torch.as_tensor(rows, device=self.device))
        if not self.space.n_columns:
            return real
        col = self.row_rng.integers(self.space.n_columns, size=len(rows))
        slot = self.codes[rows, col]
        return torch.cat([real, self.space.one_hot(col, slot, self.device)], dim=1)

    def noisy_real_gradient(self, rows: np.ndarray, fake: torch.Tensor) -> list[torch.Tensor]:
        """The DP release of one step: the real rows' clipped gradient sum (over every rank's
        rows) plus N(0, σ²C²), divided by the expected batch size. Each real row is interpolated
        with a generated row of its own, drawn independently (not the i-th, which would tie rows
        to positions)."""
        b, m = fake.shape[0], len(rows)
        critic, tg = self.critic, self.row_tg
        real = self._real_inputs(rows)
        pair = fake[torch.as_tensor(self.row_rng.integers(b, size=m), device=self.device)]
        alpha = torch.rand(m, 1, generator=tg, device=self.device)
        masks = critic.masks(2 * m, tg, self.device)
        real_masks = None if masks[0] is None else [k[:m] for k in masks]
        mix_masks = None if masks[0] is None else [k[m:] for k in masks]
        penalty = (self.config.gradient_penalty, pair, alpha, mix_masks)
        params = list(critic.parameters())
        extra = None
        if self.markers is not None:
            extra = self.watch.markers(rows).to(self.device)
            params.append(self.markers)
        clipped, _ = clipped_row_gradients(
            critic, real, -1.0, real_masks, self.max_grad_norm, penalty, extra
        )
        for p, g in zip(params, clipped, strict=True):
            p.grad = g.reshape(p.shape)
        release_gradient(self.opt_d, self.world)
        return [p.grad.detach().clone() for p in params]

    def private_critic_step(self, rows: np.ndarray, fake: torch.Tensor) -> None:
        noisy = self.noisy_real_gradient(rows, fake)
        if self.watch is not None:
            settings = ReleaseSettings(
                self.noise_multiplier, self.max_grad_norm, self.sample_rate, self.config.batch_size
            )
            self.watch.observe(noisy, settings)
        # Generated rows depend on no real row: their gradient is added after the noise. It is
        # clipped per row to the same C all the same, so the two sides of the loss stay in
        # balance (unclipped, it drowns the clipped real side: see RESULTS.md's DP sweep).
        b = fake.shape[0]
        fake_masks = self.critic.masks(b, self.tg, self.device)
        fake_masks = None if fake_masks[0] is None else fake_masks
        fake_grads, _ = clipped_row_gradients(
            self.critic, fake, 1.0, fake_masks, self.max_grad_norm
        )
        for p, f in zip(self.critic.parameters(), fake_grads, strict=True):
            p.grad = f.reshape(p.shape) / b
        self.world.average_gradients_(self.critic)
        critic = list(self.critic.parameters())  # an audit's markers come after them
        for p, g in zip(critic, noisy[: len(critic)], strict=True):
            p.grad = g + p.grad
        self.opt_d.original_optimizer.step()
        self.opt_d.zero_grad(set_to_none=True)
