"""Exact nearest-neighbour distances in blocks, so memory stays bounded whatever the table sizes.

Brute force is exact and, as matrix products, fast: a block of queries against a block of
references costs one matmul, and only the running k smallest distances per query are kept.
Memory is the two encoded tables plus one block (``block_mb``; small blocks stay in the CPU
cache, which is faster), never a query × reference matrix.
"""

from __future__ import annotations

import numpy as np
import torch

__all__ = ["nearest_distances"]


def nearest_distances(
    queries: np.ndarray,
    references: np.ndarray,
    k: int = 1,
    *,
    block_mb: float = 2.0,
    progress=None,
) -> np.ndarray:
    """The Euclidean distances from each query row to its ``k`` nearest reference rows, sorted.

    ``progress``, if given, is called with the number of query rows finished after each block of
    queries.
    """
    n_queries, n_refs = len(queries), len(references)
    if n_refs < k:
        raise ValueError(f"need at least {k} reference rows, got {n_refs}")
    refs = torch.from_numpy(np.ascontiguousarray(references, dtype=np.float32))
    # One product gives |r|^2 - 2 q.r, which ranks references as |q - r|^2 does (|q|^2 is the
    # same for the whole row): the references carry their squared norm as one more column and
    # the queries a matching 1.
    # Stored transposed (one column per reference), which multiplies faster.
    refs_t = torch.cat([refs, (refs * refs).sum(dim=1, keepdim=True)], dim=1).T.contiguous()
    cells = max(int(block_mb * 2**20 / 4), 1024)
    r_rows = min(n_refs, max(cells // 512, k))
    q_rows = max(min(n_queries, cells // r_rows), 1)
    # float32 products resolve squared distances to about 1e-5, so a few extra candidates are
    # kept (one more than asked for) and their distances recomputed in float64: an exact copy then measures exactly 0.
    keep = min(k + 1, n_refs)
    out = np.empty((n_queries, k), dtype=np.float64)
    with torch.inference_mode():
        for q_start in range(0, n_queries, q_rows):
            q = torch.from_numpy(
                np.ascontiguousarray(queries[q_start : q_start + q_rows], dtype=np.float32)
            )
            q_ext = torch.cat([-2.0 * q, torch.ones(len(q), 1)], dim=1)
            best = torch.full((len(q), keep), float("inf"))
            best_at = torch.zeros((len(q), keep), dtype=torch.int64)
            for r_start in range(0, n_refs, r_rows):
                scores = q_ext @ refs_t[:, r_start : r_start + r_rows]
                # A row min is cheap; the full top-k only runs on rows this block improves.
                rows = (scores.amin(dim=1) < best[:, -1]).nonzero().squeeze(1)
                if len(rows) == 0:
                    continue
                found = torch.topk(scores[rows], min(keep, scores.shape[1]), dim=1, largest=False)
                merged = torch.cat([best[rows], found.values], dim=1)
                merged_at = torch.cat([best_at[rows], found.indices + r_start], dim=1)
                values, order = torch.topk(merged, keep, dim=1, largest=False)
                best[rows] = values
                best_at[rows] = torch.gather(merged_at, 1, order)
            out[q_start : q_start + len(q)] = _exact(q.double(), refs, best_at)[:, :k]
            if progress is not None:
                progress(len(q))
    return out


def _exact(queries: torch.Tensor, refs: torch.Tensor, at: torch.Tensor) -> np.ndarray:
    """Sorted float64 distances from each query to its candidate references."""
    gaps = refs[at].double() - queries[:, None, :]
    return torch.sort(gaps.square().sum(dim=2).sqrt(), dim=1).values.numpy()
