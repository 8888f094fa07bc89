"""The networks: a residual generator, a PacGAN discriminator, the fairness adversary, and the
generator's output layer."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence

import torch
from torch import nn

from synthgan.spans import Span

__all__ = ["Discriminator", "FairnessAdversary", "Generator", "OutputActivation"]


class _Residual(nn.Module):
    def __init__(self, in_dim: int, out_dim: int):
        super().__init__()
        self.fc = nn.Linear(in_dim, out_dim)
        self.bn = nn.BatchNorm1d(out_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([torch.relu(self.bn(self.fc(x))), x], dim=1)


class Generator(nn.Module):
    """Noise and condition vector in, raw (pre-activation) encoded row out.

    BatchNorm is fine here: the generator never sees real rows.
    """

    def __init__(self, in_dim: int, hidden: Sequence[int], data_dim: int):
        super().__init__()
        layers: list[nn.Module] = []
        dim = in_dim
        for width in hidden:
            layers.append(_Residual(dim, width))
            dim += width
        layers.append(nn.Linear(dim, data_dim))
        self.seq = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.seq(x)


class Discriminator(nn.Module):
    """Scores packs of ``pac`` rows (PacGAN): Linear → LeakyReLU → Dropout blocks, no BatchNorm.

    No BatchNorm: it mixes rows of a batch, which breaks both the WGAN-GP penalty and the
    per-row gradients differential privacy needs. Dropout masks are drawn from an explicit
    generator so a seed fixes training, and :meth:`wgan_terms` computes the gradient
    penalty's input gradient in closed form: a first-order function of the weights, which is
    faster than double backward and lets ``torch.func`` take per-sample gradients of it.
    """

    def __init__(
        self, in_dim: int, hidden: Sequence[int], pac: int, dropout: float = 0.5, slope: float = 0.2
    ):
        super().__init__()
        self.pac = pac
        self.pac_dim = in_dim * pac
        self.dropout = dropout
        self.slope = slope
        dims = [self.pac_dim, *hidden]
        self.hidden = nn.ModuleList(nn.Linear(a, b) for a, b in itertools.pairwise(dims))
        self.out = nn.Linear(dims[-1], 1)

    def masks(self, n: int, generator: torch.Generator | None, device) -> list[torch.Tensor | None]:
        """Dropout masks (scaled by 1/keep) for ``n`` rows, one per hidden layer."""
        if not self.training or self.dropout == 0:
            return [None] * len(self.hidden)
        keep = 1.0 - self.dropout
        return [
            (torch.rand(n, layer.out_features, generator=generator, device=device) < keep).float()
            / keep
            for layer in self.hidden
        ]

    def forward(
        self, x: torch.Tensor, generator: torch.Generator | None = None, masks=None
    ) -> torch.Tensor:
        h = x.reshape(-1, self.pac_dim)
        return self._scores(self.hidden[0](h), 0, generator, masks)[0]

    def wgan_terms(
        self,
        real: torch.Tensor,
        fake: torch.Tensor,
        alpha: torch.Tensor,
        generator: torch.Generator | None = None,
        masks: list[torch.Tensor] | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Scores of the real and fake packs, and the input gradient at their interpolates.

        ``alpha`` holds one mixing weight per pack; ``masks`` (optional) are the dropout masks
        of the real, fake and interpolated packs, in that order. The first layer is linear, so the
        interpolates' first pre-activation is the same mix of the real and fake ones: one
        matrix product fewer. The input gradient is written in closed form from the same
        activations and dropout masks, with autograd tracking only the weights; it equals
        ``torch.autograd.grad(..., create_graph=True)`` without a double backward pass, and,
        being a first-order function of the weights, ``torch.func`` can take per-sample
        gradients of the penalty built on it.
        """
        first = self.hidden[0]
        packs = real.shape[0] // self.pac
        both = torch.cat([real, fake]).reshape(-1, self.pac_dim) @ first.weight.T
        mixed = alpha * both[:packs] + (1 - alpha) * both[packs:]
        scores, grad = self._scores(torch.cat([both, mixed]) + first.bias, packs, generator, masks)
        return scores[:packs], scores[packs : 2 * packs], grad

    def _scores(
        self, pre: torch.Tensor, n_grad: int, generator: torch.Generator | None, masks=None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Scores from the first layer's pre-activation on; input gradient of the last ``n_grad``."""
        if masks is None:
            masks = self.masks(pre.shape[0], generator, pre.device)
        slopes = []
        h = pre
        for i, (layer, mask) in enumerate(zip(self.hidden, masks, strict=True)):
            if i > 0:
                pre = layer(h)
            slope = torch.where(pre > 0, 1.0, self.slope).to(pre.dtype)
            h = pre * slope
            if mask is not None:
                h = h * mask
                slope = slope * mask
            slopes.append(slope[slope.shape[0] - n_grad :].detach())
        scores = self.out(h)
        if n_grad == 0:
            return scores, None
        grad = self.out.weight.expand(n_grad, -1)
        for layer, slope in zip(reversed(self.hidden), reversed(slopes), strict=True):
            grad = (grad * slope) @ layer.weight
        return scores, grad


class FairnessAdversary(nn.Module):
    """A small MLP that predicts a row's sensitive group (logits) from its target distribution."""

    def __init__(self, in_dim: int, hidden: int, out_dim: int):
        super().__init__()
        self.seq = nn.Sequential(
            nn.Linear(in_dim, hidden), nn.LeakyReLU(0.2), nn.Linear(hidden, out_dim)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.seq(x)


class OutputActivation(nn.Module):
    """tanh on value spans, (Gumbel-)softmax on every one-hot span, a few calls for all spans.

    One-hot spans of similar width (the same power of two) share one padded
    ``(rows, spans, width)`` softmax. Padding every span to the widest made ACS's (Occupation has
    529 categories) about 15 times its 1,400 one-hot columns and cost more than the generator.
    """

    def __init__(self, spans: Sequence[Span], tau: float = 0.2):
        super().__init__()
        self.tau = tau
        soft = [s for s in spans if s.is_softmax]
        self.register_buffer(
            "value_index",
            torch.tensor([s.start for s in spans if not s.is_softmax], dtype=torch.long),
            persistent=False,
        )
        self.register_buffer(
            "soft_index",
            torch.tensor([c for s in soft for c in range(s.start, s.end)], dtype=torch.long),
            persistent=False,
        )
        offsets = [0]
        for s in soft:
            offsets.append(offsets[-1] + s.width)
        groups: dict[int, list[int]] = {}
        for j, s in enumerate(soft):
            groups.setdefault(1 << (s.width - 1).bit_length(), []).append(j)
        self.groups, self.soft_spans = len(groups), len(soft)
        for g, (width, members) in enumerate(sorted(groups.items())):
            index = torch.zeros(len(members), width, dtype=torch.long)
            valid = torch.zeros(len(members), width, dtype=torch.bool)
            for k, j in enumerate(members):
                index[k, : soft[j].width] = torch.arange(offsets[j], offsets[j + 1])
                valid[k, : soft[j].width] = True
            # Positions in the flat one-hot columns (soft_index order), which spans, and where
            # each row of the padded block is valid.
            self.register_buffer(f"_flat_{g}", index[valid], persistent=False)
            self.register_buffer(f"_spans_{g}", torch.tensor(members), persistent=False)
            self.register_buffer(f"_valid_{g}", valid, persistent=False)

    def _group(self, g: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        return (
            getattr(self, f"_flat_{g}"),
            getattr(self, f"_spans_{g}"),
            getattr(self, f"_valid_{g}"),
        )

    def _padded_logits(
        self, raw: torch.Tensor, generator: torch.Generator | None
    ) -> Iterator[tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]]:
        """Per width group: logits plus Gumbel noise padded with -inf to ``(rows, spans, width)``,
        with the group's flat positions, span numbers and valid mask."""
        u = torch.rand(raw.shape[0], len(self.soft_index), generator=generator, device=raw.device)
        noisy = raw[:, self.soft_index] - torch.log(-torch.log(u.clamp(1e-20, 1 - 1e-7)))
        for g in range(self.groups):
            flat, spans, valid = self._group(g)
            padded = raw.new_full((raw.shape[0], *valid.shape), float("-inf"))
            padded[:, valid] = noisy[:, flat]
            yield padded, flat, spans, valid

    def forward(self, raw: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """tanh values and Gumbel-softmax one-hot spans, as the critic sees them in training."""
        out = torch.empty_like(raw)
        out[:, self.value_index] = torch.tanh(raw[:, self.value_index])
        for padded, flat, _, valid in self._padded_logits(raw, generator):
            y = torch.softmax(padded / self.tau, dim=-1)
            out[:, self.soft_index[flat]] = y[:, valid]
        return out

    def draw(
        self, raw: torch.Tensor, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The tanh values, and for each one-hot span the index of an exact categorical draw.

        Gumbel-max: ``argmax(logits + g)`` is a draw from ``softmax(logits)``. Sampling decodes
        from these indices directly, without building and re-reading one-hot blocks.
        """
        values = torch.tanh(raw[:, self.value_index])
        picks = torch.zeros(raw.shape[0], self.soft_spans, dtype=torch.long, device=raw.device)
        for padded, _, spans, _ in self._padded_logits(raw, generator):
            picks[:, spans] = padded.argmax(-1)
        return values, picks
