"""DP-SGD's moving parts against brute force: per-row clipping, the post-processing term,
Poisson sampling, the accountant and the DP statistics."""

import math

import numpy as np
import pandas as pd
import pytest
import torch
from conftest import declared

from synthgan.conditional import ConditionSpace
from synthgan.encoded import CompactRows, compact_block
from synthgan.inference import infer_schema
from synthgan.nn import Discriminator
from synthgan.privacy.accountant import Budget, combined_noise
from synthgan.privacy.settings import rho_for
from synthgan.privacy.statistics import PrivateStatistics
from synthgan.spans import Span
from synthgan.train.dp import DPGANTrainer, clipped_row_gradients
from synthgan.train.gan import GANConfig, GANTrainer
from synthgan.transform.coerce import coerce_table


def _brute_force(critic, rows, sign, masks, clip, penalty=None):
    """Clip-and-sum by a loop over rows, each row's loss differentiated on its own."""
    params = list(critic.parameters())
    total = [torch.zeros_like(p) for p in params]
    norms = []
    for i in range(len(rows)):
        if penalty is None:
            row_masks = None if masks is None else [k[i : i + 1] for k in masks]
            loss = sign * critic(rows[i : i + 1], masks=row_masks).sum()
        else:
            weight, partner, alpha, mix = penalty
            # wgan_terms scores [real, fake, interpolate]: the fake score is not part of the loss
            row_masks = (
                None
                if masks is None
                else [torch.stack([r[i], r[i], x[i]]) for r, x in zip(masks, mix, strict=True)]
            )
            score, _, grad = critic.wgan_terms(
                rows[i : i + 1], partner[i : i + 1], alpha[i : i + 1], masks=row_masks
            )
            loss = (sign * score + weight * (grad.norm(2, dim=1, keepdim=True) - 1) ** 2).sum()
        grads = torch.autograd.grad(loss, params)
        norm = torch.sqrt(sum((g**2).sum() for g in grads))
        norms.append(norm)
        factor = min(1.0, clip / (norm.item() + 1e-6))
        for t, g in zip(total, grads, strict=True):
            t += factor * g
    return total, torch.stack(norms)


@pytest.mark.parametrize("dropout", [0.0, 0.5])
@pytest.mark.parametrize("with_penalty", [True, False])
def test_clipped_per_row_gradients_equal_a_brute_force_loop(dropout, with_penalty):
    torch.manual_seed(0)
    critic = Discriminator(9, (7, 6, 5), pac=1, dropout=dropout).double()
    m = 12
    rows, partner = torch.randn(m, 9).double(), torch.randn(m, 9).double()
    alpha = torch.rand(m, 1).double()
    masks = critic.masks(2 * m, torch.Generator().manual_seed(1), "cpu")
    row_masks = None if masks[0] is None else [k[:m].double() for k in masks]
    mix_masks = None if masks[0] is None else [k[m:].double() for k in masks]
    penalty = (10.0, partner, alpha, mix_masks) if with_penalty else None
    sign = -1.0 if with_penalty else 1.0  # real rows: -score + penalty; generated: +score
    _, norms = _brute_force(critic, rows, sign, row_masks, math.inf, penalty)
    clip = float(norms.median())  # some rows are clipped, some are not
    summed, got_norms = clipped_row_gradients(critic, rows, sign, row_masks, clip, penalty)
    expected, _ = _brute_force(critic, rows, sign, row_masks, clip, penalty)
    torch.testing.assert_close(got_norms, norms)
    assert (norms > clip).any() and (norms < clip).any()
    for got, want in zip(summed, expected, strict=True):
        torch.testing.assert_close(got.reshape(want.shape), want)


def _double_backward(critic, rows, partner, alpha, masks, mix_masks, weight, clip):
    """Each real row's loss, -score + weight (|d score / dx at its interpolate| - 1)², with the
    input gradient taken by autograd's double backward (not the closed form the code and
    ``wgan_terms`` share), differentiated row by row, clipped and summed."""
    params = list(critic.parameters())
    total = [torch.zeros_like(p) for p in params]
    norms = []
    for i in range(len(rows)):
        own = None if masks is None else [k[i : i + 1] for k in masks]
        mixed = None if mix_masks is None else [k[i : i + 1] for k in mix_masks]
        x = (alpha[i] * rows[i : i + 1] + (1 - alpha[i]) * partner[i : i + 1]).requires_grad_()
        (grad,) = torch.autograd.grad(critic(x, masks=mixed).sum(), x, create_graph=True)
        loss = -critic(rows[i : i + 1], masks=own).sum() + weight * (grad.norm() - 1) ** 2
        grads = torch.autograd.grad(loss, params)
        norm = torch.sqrt(sum((g**2).sum() for g in grads))
        norms.append(norm)
        for t, g in zip(total, grads, strict=True):
            t += min(1.0, clip / (norm.item() + 1e-6)) * g
    return total, torch.stack(norms)


@pytest.mark.parametrize("dropout", [0.0, 0.5])
def test_per_row_gradients_match_autograd_double_backward(dropout):
    torch.manual_seed(1)
    critic = Discriminator(7, (6, 5), pac=1, dropout=dropout).double()
    m = 10
    rows, partner = torch.randn(m, 7).double(), torch.randn(m, 7).double()
    alpha = torch.rand(m, 1).double()
    masks = critic.masks(2 * m, torch.Generator().manual_seed(2), "cpu")
    own = None if masks[0] is None else [k[:m].double() for k in masks]
    mixed = None if masks[0] is None else [k[m:].double() for k in masks]
    _, norms = _double_backward(critic, rows, partner, alpha, own, mixed, 10.0, math.inf)
    clip = float(norms.median())
    expected, _ = _double_backward(critic, rows, partner, alpha, own, mixed, 10.0, clip)
    summed, got_norms = clipped_row_gradients(
        critic, rows, -1.0, own, clip, (10.0, partner, alpha, mixed)
    )
    torch.testing.assert_close(got_norms, norms)
    for got, want in zip(summed, expected, strict=True):
        torch.testing.assert_close(got.reshape(want.shape), want)


def _trainer(n=600, noise=0.0, clip=1e6, batch=50, seed=0, max_steps=10_000):
    rng = np.random.default_rng(seed)
    codes = [rng.integers(0, 3, n)]
    data = np.zeros((n, 5), np.float32)
    data[:, 0] = rng.normal(size=n)
    data[:, 1] = 1
    data[np.arange(n), 2 + codes[0]] = 1
    spans = [Span("x", "value", 0, 1), Span("x", "mode", 1, 1), Span("c", "category", 2, 3)]
    space = ConditionSpace.from_counts(["c"], [3], [2], [np.array([300.0, 200.0, 100.0])], n)
    config = GANConfig(
        embedding_dim=4,
        generator_dim=(8,),
        discriminator_dim=(8,),
        batch_size=batch,
        pac=1,
    )
    trainer = DPGANTrainer(
        config,
        spans,
        space,
        device=torch.device("cpu"),
        rng=np.random.default_rng(seed),
        torch_generator=torch.Generator().manual_seed(seed),
        noise_multiplier=noise,
        max_grad_norm=clip,
        sample_rate=batch / n,
        max_steps=max_steps,
        secret=np.random.SeedSequence(seed),
    )
    return trainer, CompactRows(*compact_block(data, spans), tuple(spans)), codes


def test_noise_is_added_once_to_the_real_rows_and_never_to_generated_ones(monkeypatch):
    trainer, data, codes = _trainer(noise=0.0, clip=1.0, batch=50)
    trainer._setup(data, codes)  # the networks, the DP optimizer and the rows, as fit builds them
    critic, m, b = trainer.critic, 40, 50
    fake = torch.randn(b, data.width + 3)

    def step_gradient(noise):
        """The critic's gradient as the optimizer is about to apply it, for fixed draws."""
        trainer.opt_d.noise_multiplier = noise
        trainer.opt_d.generator = torch.Generator().manual_seed(3)
        trainer.row_tg, trainer.row_rng = torch.Generator().manual_seed(7), np.random.default_rng(0)
        trainer.tg = torch.Generator().manual_seed(8)
        captured = []
        monkeypatch.setattr(
            trainer.opt_d.original_optimizer,
            "step",
            lambda: captured.extend(p.grad.clone() for p in critic.parameters()),
        )
        trainer.private_critic_step(np.arange(m), fake)
        return captured

    quiet, noisy = step_gradient(0.0), step_gradient(2.0)
    # Replay the step's draws: real rows (with their own condition vectors) and their penalty
    # against a generated partner each, clipped per row, all from the secret generators;
    # generated rows clipped per row, with the public ones; both summed and divided by b.
    tg = torch.Generator().manual_seed(7)
    trainer.row_rng = np.random.default_rng(0)
    real = trainer._real_inputs(np.arange(m))
    partner = fake[torch.as_tensor(trainer.row_rng.integers(b, size=m))]
    alpha = torch.rand(m, 1, generator=tg)
    masks = critic.masks(2 * m, tg, "cpu")
    fake_masks = critic.masks(b, torch.Generator().manual_seed(8), "cpu")
    penalty = (10.0, partner, alpha, [k[m:] for k in masks])
    real_sum, _ = clipped_row_gradients(critic, real, -1.0, [k[:m] for k in masks], 1.0, penalty)
    fake_sum, _ = clipped_row_gradients(critic, fake, 1.0, fake_masks, 1.0)
    for got, r, f in zip(quiet, real_sum, fake_sum, strict=True):
        torch.testing.assert_close(got, (r + f).reshape(got.shape) / b)
    # The only difference noise makes is one N(0, (σC)²) draw per coordinate, divided by b.
    noise = torch.cat([(n - q).flatten() for n, q in zip(noisy, quiet, strict=True)]) * b
    assert 0.75 < float(noise.std()) / 2.0 < 1.25 and abs(float(noise.mean())) < 0.5


def test_real_rows_arrive_by_poisson_sampling_at_rate_q(monkeypatch):
    n, batch, epochs = 600, 30, 10
    trainer, data, codes = _trainer(n=n, batch=batch)
    sizes, counts, by_code = [], np.zeros(n), np.zeros(3)
    original = DPGANTrainer.private_step

    def record(self, rows):
        sizes.append(len(rows))
        counts[rows] += 1
        np.add.at(by_code, codes[0][rows], 1)
        return original(self, rows)

    monkeypatch.setattr(DPGANTrainer, "private_step", record)
    trainer.fit(data, codes, epochs=epochs)
    q, steps = batch / n, len(sizes)
    assert steps == epochs * int(1 / q)
    sizes = np.asarray(sizes)
    # Mean and variance of a Binomial(n, q) batch size: a fixed-size batch has variance 0.
    assert abs(sizes.mean() - n * q) < 4 * math.sqrt(n * q * (1 - q) / steps)
    assert 0.6 < sizes.var(ddof=1) / (n * q * (1 - q)) < 1.5
    # Every row is included at rate q, whatever its category: no training-by-sampling.
    share = by_code / by_code.sum()
    expected = np.bincount(codes[0], minlength=3) / n
    assert np.abs(share - expected).max() < 0.03
    assert abs(counts.mean() / steps - q) < 0.005


def test_training_stops_at_the_step_budget():
    trainer, data, codes = _trainer(max_steps=7)
    trainer.fit(data, codes, epochs=5)
    assert trainer.steps_taken == 7 and trainer.stopped_by_budget


def test_an_empty_poisson_batch_still_takes_a_noisy_step():
    trainer, data, codes = _trainer(noise=1.0, clip=1.0)
    trainer._setup(data, codes)
    before = [p.detach().clone() for p in trainer.critic.parameters()]
    trainer.private_critic_step(np.zeros(0, np.int64), torch.randn(50, data.width + 3))
    after = list(trainer.critic.parameters())
    assert any(not torch.equal(a, b) for a, b in zip(before, after, strict=True))


# -- accounting ---------------------------------------------------------------------------------


@pytest.mark.parametrize("accountant", ["prv", "rdp"])
def test_calibrated_noise_spends_at_most_the_target(accountant):
    budget = Budget(accountant, 1.0, 1e-6, preprocessing_noise=40.0)
    sigma = budget.calibrate(0.02, 300)
    assert budget.spent(sigma, 0.02, 300) <= 1.0
    assert budget.spent(sigma * 0.9, 0.02, 300) > 1.0  # and is close to the smallest such σ


def test_allowed_steps_is_the_largest_count_within_the_target():
    budget = Budget("rdp", 1.0, 1e-6, preprocessing_noise=None)
    steps = budget.allowed_steps(3.0, 0.05, 1000)
    assert 0 < steps < 1000
    assert budget.spent(3.0, 0.05, steps) <= 1.0 < budget.spent(3.0, 0.05, steps + 1)
    assert budget.allowed_steps(0.5, 0.05, 1000) == 0  # not even one step fits


def test_preprocessing_is_charged_in_the_same_accountant():
    alone = Budget("prv", 1.0, 1e-6, preprocessing_noise=None).spent(1.0, 0.02, 200)
    both = Budget("prv", 1.0, 1e-6, preprocessing_noise=20.0).spent(1.0, 0.02, 200)
    assert both > alone
    # Gaussian mechanisms compose into one Gaussian: 1/σ² adds up.
    assert combined_noise([2.0, 2.0]) == pytest.approx(math.sqrt(2))


def test_rho_conversion_is_exact():
    rho = rho_for(1.0, 1e-6)
    assert rho + 2 * math.sqrt(rho * math.log(1e6)) == pytest.approx(1.0)


# -- DP statistics ------------------------------------------------------------------------------


def _stats(df, rho=1e3, seed=0, threshold_delta=1e-7, extra=None):
    """The DP statistics of ``df`` with its kinds declared: stats, schema, summaries, DP count."""
    structure = infer_schema(df, declared(df, extra), private=True)
    stats = PrivateStatistics(structure, rho, rho, threshold_delta, np.random.default_rng(seed))
    clean = coerce_table(df, structure)
    n_rows = stats.count(clean)
    return stats, *stats.run(clean, n_rows), n_rows


def test_private_statistics_charge_every_column_and_release_only_frequent_values():
    rng = np.random.default_rng(0)
    n = 5000
    df = pd.DataFrame(
        {
            "x": rng.normal(50, 10, n).round(1),
            "k": rng.integers(0, 40, n),
            "c": rng.choice(["a", "b"], n),
        }
    )
    df.loc[0, "c"] = "unique-value"
    stats, schema, summaries, n_rows = _stats(df, rho=0.5)
    whats = [item.what for item in stats.items]
    assert whats[0] == "row count"
    for name in ("x", "k"):
        assert f"column {name!r}: range histogram" in whats
        assert f"column {name!r}: shape histogram" in whats
    assert "column 'c': domain and frequencies" in whats
    assert len(whats) == 1 + 2 + 2 + 1
    assert set(schema["c"].categories) == {"a", "b"} and schema["c"].source == "dp"
    assert schema["c"].nullable  # the missing slot also holds unreleased values
    lo, hi = schema["x"].bounds
    assert lo <= 20 and hi >= 80 and hi - lo < 200  # power-of-two range around the data
    assert abs(n_rows - n) < 6 * stats.count_sigma
    assert not np.allclose(summaries["c"].counts, df["c"].value_counts()[["a", "b"]].to_numpy())


def test_noise_in_empty_range_bins_does_not_stretch_a_small_tables_range():
    # COMPAS-sized: 4,320 rows in [-30, 30] at noise sigma 88. Judged bin by bin at 3 sigma, one
    # of the 120 empty bins passed in about one fit in six and made the range reach 2**50.
    df = pd.DataFrame({"days": np.random.default_rng(0).integers(-30, 31, 4320)})
    rho = 2 / (2 * 88.0**2)  # two mechanisms: range and shape histograms
    for seed in range(200):
        stats, schema, _, _ = _stats(df, rho=rho, seed=seed)
        assert stats.sigma == pytest.approx(88.0)
        lo, hi = schema["days"].bounds
        assert -32 <= lo <= -16 and 16 <= hi <= 32, (seed, lo, hi)


def test_integer_point_masses_survive_the_dp_histogram():
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"hours": np.where(rng.random(4000) < 0.4, 40, rng.integers(1, 99, 4000))})
    _, _, summaries, _ = _stats(df, rho=1.0)
    points = summaries["hours"].pseudo_sample(5000, np.random.default_rng(0))
    assert 0.3 < np.mean(points == 40) < 0.5


def test_public_declarations_are_not_charged_and_values_outside_them_pass_without_a_word(caplog):
    df = pd.DataFrame({"age": [20, 30, 150] * 100, "sex": ["F", "M", "X"] * 100})
    extra = {"age": {"kind": "integer", "bounds": [0, 120]}, "sex": {"categories": ["F", "M"]}}
    with caplog.at_level("DEBUG"):
        stats, schema, summaries, _ = _stats(df, rho=1.0, threshold_delta=0.0, extra=extra)
    # A message about values outside the declarations would tell that such a row exists.
    assert caplog.records == []
    assert summaries["sex"].missing > 50  # "X" counts as missing (noise sigma ~2)
    whats = [i.what for i in stats.items]
    assert "column 'age': range histogram" not in whats and all(i.delta == 0 for i in stats.items)
    assert schema["age"].bounds == (0.0, 120.0) and schema["age"].source == "public"


def test_generator_is_pulled_toward_the_dp_frequencies_of_every_discrete_column():
    trainer, data, codes = _trainer()
    trainer.fit(data, codes, epochs=1)
    col, slot = np.zeros(8, np.int64), np.zeros(8, np.int64)
    raw = torch.zeros(8, data.width)
    target = torch.tensor([300.0, 200.0, 100.0]) / 600
    raw[:, 2:5] = target.log()  # every row's softmax equals the DP frequencies
    plain = GANTrainer._condition_loss(trainer, raw, col, slot)
    assert trainer._condition_loss(raw, col, slot) == pytest.approx(float(plain), abs=1e-6)
    raw[:, 2:5] = torch.tensor([5.0, 0.0, 0.0])  # a batch that is almost all the first value
    skewed = trainer._condition_loss(raw, col, slot) - GANTrainer._condition_loss(
        trainer, raw, col, slot
    )
    assert float(skewed) > 0.3
