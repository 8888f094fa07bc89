"""The fairness head: an adversary and the generator's penalty for demographic parity.

Each generator step, the adversary learns to predict a generated row's sensitive value (its
Gumbel draw, as the critic sees it) from the generator's probabilities for that row's target; then
the generator is charged −λ times the adversary's cross-entropy. A generator that lets the target
carry information about the sensitive value is caught; one whose target distribution is the same
in every group leaves the adversary no better than the group frequencies. The sensitive value is
a fixed label (no gradient), so the only way to fool the adversary is to change the target, not
to move people between groups.

Both inputs are generated: the head never sees a real row, so under differential privacy it is
post-processing and costs no budget.
"""

from __future__ import annotations

import torch
from torch import nn

from synthgan.fairness import Fairness
from synthgan.nn import FairnessAdversary
from synthgan.spans import Span

__all__ = ["FairnessHead"]

ADVERSARY_WIDTH = 32
ADVERSARY_LR = 1e-3


class FairnessHead:
    def __init__(self, fairness: Fairness, spans: list[Span], device: torch.device):
        self.weight = float(fairness.weight)
        self.target = _category_span(spans, fairness.target)
        self.sensitive = _category_span(spans, fairness.group_column)
        self.adversary = FairnessAdversary(self.target.width, ADVERSARY_WIDTH, self.sensitive.width)
        self.adversary.to(device)
        self.optimizer = torch.optim.Adam(
            self.adversary.parameters(), lr=ADVERSARY_LR, betas=(0.5, 0.9)
        )
        self.leak_sum = 0.0
        self.steps = 0

    def penalty(self, raw: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        """Train the adversary one step, then return the generator's penalty (differentiable)."""
        target = torch.softmax(raw[:, self.target.start : self.target.end], dim=1)
        groups = fake[:, self.sensitive.start : self.sensitive.end].detach().argmax(dim=1)
        loss = nn.functional.cross_entropy(self.adversary(target.detach()), groups)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()

        self.adversary.requires_grad_(False)
        fooled = nn.functional.cross_entropy(self.adversary(target), groups)
        self.adversary.requires_grad_(True)
        # What the adversary gains over guessing from group frequencies alone: an estimate of
        # the information the target carries about the group (nats), for the training history.
        shares = torch.bincount(groups, minlength=self.sensitive.width).float() / len(groups)
        entropy = -(shares[shares > 0] * shares[shares > 0].log()).sum()
        self.leak_sum += float(entropy - fooled.detach())
        self.steps += 1
        return -self.weight * fooled

    def pop_leak(self) -> float:
        """The mean information estimate since the last call (one epoch)."""
        mean = self.leak_sum / max(self.steps, 1)
        self.leak_sum, self.steps = 0.0, 0
        return mean


def _category_span(spans: list[Span], column: str) -> Span:
    return next(s for s in spans if s.column == column and s.role == "category")
