"""Data-parallel training over torch.distributed: what every rank must agree on.

Each rank trains the same networks on batches of its own. After every backward pass the
gradients are averaged across ranks (one all-reduce per network), so every rank applies the same
update and the weights stay identical; no DistributedDataParallel wrapper, whose hooks do not
follow the gradient penalty's double backward. Batch norm's running statistics are averaged
too. Whether to stop is agreed after every step (a wall-time budget may decide it on one rank).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import torch
import torch.distributed as dist
from torch import nn
from torch._utils import _flatten_dense_tensors, _unflatten_dense_tensors

from synthgan import errors

__all__ = ["SINGLE", "World"]

T = TypeVar("T")


@dataclass(frozen=True)
class World:
    """This process's ``rank`` among ``size`` training processes (1: no communication)."""

    rank: int = 0
    size: int = 1

    @classmethod
    def current(cls) -> World:
        """The initialised default process group, or a world of one."""
        if dist.is_available() and dist.is_initialized():
            return cls(dist.get_rank(), dist.get_world_size())
        return SINGLE

    @property
    def leader(self) -> bool:
        return self.rank == 0

    def broadcast_(self, *modules: nn.Module) -> None:
        """Rank 0's weights everywhere (the seed already makes them equal; this makes it sure)."""
        if self.size == 1:
            return
        for module in modules:
            for tensor in [*module.parameters(), *module.buffers()]:
                dist.broadcast(tensor.data, src=0)

    def average_gradients_(self, module: nn.Module) -> None:
        """Replace each gradient of ``module`` by its mean over the ranks."""
        self._average_([p.grad for p in module.parameters() if p.grad is not None])

    def average_buffers_(self, module: nn.Module) -> None:
        """Average float buffers (batch norm's running statistics, which each rank updates from
        its own batches) so the ranks' models stay the same."""
        self._average_([b for b in module.buffers() if b.is_floating_point()])

    def _average_(self, tensors: list[torch.Tensor]) -> None:
        """Each tensor replaced by its mean over the ranks, in one all-reduce."""
        if self.size == 1 or not tensors:
            return
        flat = _flatten_dense_tensors(tensors)
        dist.all_reduce(flat)
        flat /= self.size
        for tensor, mean in zip(tensors, _unflatten_dense_tensors(flat, tensors), strict=True):
            tensor.copy_(mean)

    def shard(self, n: int) -> slice:
        """This rank's rows of ``n``: every ``size``-th one from ``rank`` (the ranks' shards
        are disjoint and cover every row)."""
        return slice(self.rank, n, self.size)

    def from_leader(
        self, compute: Callable[[], T], handed_on: Callable[[T], T] = lambda value: value
    ) -> T:
        """``compute()`` run on rank 0 alone: rank 0 gets its result, the other ranks
        ``handed_on(result)`` (what rank 0 keeps to itself left out). When it raises, every
        rank raises (the others would otherwise wait for it forever): a ``SynthganError`` as
        itself, anything else as a ``TrainingError`` that points to rank 0's."""
        if self.size == 1:
            return compute()
        box: list = [None]
        if self.leader:
            try:
                value = compute()
                box = [(handed_on(value), None)]
            except Exception as e:
                known = isinstance(e, errors.SynthganError)
                failure = (type(e).__name__, str(e)) if known else ("", "")
                dist.broadcast_object_list([(None, failure)], src=0)
                raise
        dist.broadcast_object_list(box, src=0)
        if self.leader:
            return value
        value, failure = box[0]
        if failure is not None:
            name, message = failure
            if not name:
                raise errors.TrainingError("Rank 0 of this distributed fit failed: see its error.")
            raise getattr(errors, name, errors.SynthganError)(message)
        return value

    def shared_seed(self, seed: int | None) -> int | None:
        """``seed``, or (None) fresh entropy drawn on rank 0 for every rank: the ranks must
        encode the table alike and split off the same validation rows."""
        if self.size == 1 or seed is not None:
            return seed
        box = [np.random.SeedSequence().entropy if self.leader else None]
        dist.broadcast_object_list(box, src=0)
        return box[0]

    def differs(self, fingerprint: str, device: torch.device) -> bool:
        """Whether any rank's ``fingerprint`` differs from rank 0's."""
        if self.size == 1:
            return False
        box = [fingerprint if self.leader else None]
        dist.broadcast_object_list(box, src=0)
        return self.any(box[0] != fingerprint, device)

    def mean(self, values: torch.Tensor) -> torch.Tensor:
        """The mean of ``values`` over the ranks (what an epoch's losses report)."""
        if self.size == 1:
            return values
        values = values.clone()
        dist.all_reduce(values)
        return values / self.size

    def any(self, flag: bool, device: torch.device) -> bool:
        """Whether ``flag`` is set on any rank."""
        if self.size == 1:
            return flag
        value = torch.tensor([float(flag)], device=device)
        dist.all_reduce(value, op=dist.ReduceOp.MAX)
        return bool(value.item())


SINGLE = World()
