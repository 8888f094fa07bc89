import numpy as np
import pytest
import torch

from synthgan.nn import Discriminator, Generator, OutputActivation
from synthgan.spans import Span


def test_critic_has_no_batchnorm_and_generator_does():
    critic = Discriminator(20, (16, 16), pac=5)
    assert not any(isinstance(m, torch.nn.modules.batchnorm._BatchNorm) for m in critic.modules())
    generator = Generator(8, (16, 16), 20)
    assert any(isinstance(m, torch.nn.BatchNorm1d) for m in generator.modules())


@pytest.mark.parametrize("dropout", [0.0, 0.5])
def test_closed_form_penalty_gradient_matches_double_backward(dropout):
    torch.manual_seed(0)
    critic = Discriminator(12, (24, 16), pac=4, dropout=dropout)
    real, fake = torch.randn(40, 12), torch.randn(40, 12)
    alpha = torch.rand(10, 1)

    s_real, s_fake, grad = critic.wgan_terms(real, fake, alpha, torch.Generator().manual_seed(3))
    penalty = ((grad.norm(dim=1) - 1) ** 2).mean()
    ours = torch.autograd.grad(s_fake.mean() - s_real.mean() + penalty, list(critic.parameters()))

    # Reference: explicit interpolates, autograd with create_graph, the same dropout masks.
    mix = alpha[:, :, None].expand(-1, 4, 12).reshape(40, 12)
    interp = (mix * real + (1 - mix) * fake).requires_grad_(True)
    scores = critic(torch.cat([real, fake, interp]), torch.Generator().manual_seed(3))
    ref_grad = torch.autograd.grad(scores[20:].sum(), interp, create_graph=True)[0].reshape(10, -1)
    torch.testing.assert_close(grad, ref_grad)
    ref_penalty = ((ref_grad.norm(dim=1) - 1) ** 2).mean()
    reference = torch.autograd.grad(
        scores[10:20].mean() - scores[:10].mean() + ref_penalty, list(critic.parameters())
    )
    for a, b in zip(ours, reference, strict=True):
        torch.testing.assert_close(a, b)


def test_dropout_masks_come_from_the_given_generator():
    critic = Discriminator(6, (8,), pac=2)
    x = torch.randn(10, 6)
    a = critic(x, torch.Generator().manual_seed(0))
    b = critic(x, torch.Generator().manual_seed(0))
    c = critic(x, torch.Generator().manual_seed(1))
    assert torch.equal(a, b) and not torch.equal(a, c)
    critic.eval()
    assert torch.equal(critic(x), critic(x))


def spans():
    return [Span("x", "value", 0, 1), Span("x", "mode", 1, 3), Span("c", "category", 4, 2)]


def test_soft_activation_gives_tanh_values_and_simplex_blocks():
    act = OutputActivation(spans())
    out = act(torch.randn(50, 6) * 3, torch.Generator().manual_seed(0))
    assert (out[:, 0].abs() <= 1).all()
    torch.testing.assert_close(out[:, 1:4].sum(1), torch.ones(50))
    torch.testing.assert_close(out[:, 4:6].sum(1), torch.ones(50))


def test_draws_sample_each_span_from_its_softmax():
    act = OutputActivation(spans())
    logits = torch.tensor([0.0, 0.0, np.log(3.0), 0.0, 0.0, np.log(4.0)], dtype=torch.float32)
    values, draws = act.draw(logits.repeat(40_000, 1), torch.Generator().manual_seed(0))
    torch.testing.assert_close(values, torch.zeros(40_000, 1))
    assert draws.shape == (40_000, 2)
    mode_share = torch.bincount(draws[:, 0], minlength=3) / 40_000
    category_share = torch.bincount(draws[:, 1], minlength=2) / 40_000
    torch.testing.assert_close(mode_share, torch.tensor([0.2, 0.6, 0.2]), atol=0.01, rtol=0)
    torch.testing.assert_close(category_share, torch.tensor([0.2, 0.8]), atol=0.01, rtol=0)


def test_softmax_groups_by_width_match_one_softmax_per_span():
    # Widths across several power-of-two groups, interleaved with values, so a span put in
    # the wrong group or back in the wrong place shows.
    layout, pos = [], 0
    for i, width in enumerate([2, 529, 1, 3, 9, 2, 40, 5]):
        if i % 3 == 0:
            layout.append(Span(f"n{i}", "value", pos, 1))
            pos += 1
        layout.append(Span(f"c{i}", "category", pos, width))
        pos += width
    raw = torch.randn(30, pos) * 2
    out = OutputActivation(layout, tau=0.5)(raw, torch.Generator().manual_seed(7))

    u = torch.rand(
        30, sum(s.width for s in layout if s.is_softmax), generator=torch.Generator().manual_seed(7)
    )
    gumbel, used = -torch.log(-torch.log(u.clamp(1e-20, 1 - 1e-7))), 0
    for s in layout:
        block = out[:, s.start : s.end]
        if s.is_softmax:
            noisy = raw[:, s.start : s.end] + gumbel[:, used : used + s.width]
            torch.testing.assert_close(block, torch.softmax(noisy / 0.5, dim=-1))
            used += s.width
        else:
            torch.testing.assert_close(block, torch.tanh(raw[:, s.start : s.end]))
