"""Row-wise sparse Adagrad: the optimizer DGL-KE and PyTorch-BigGraph use for knowledge-graph embeddings.

A batch touches a few hundred thousand of the KB's millions of entity rows, so only those rows are
read and written. One accumulator per row (the mean squared gradient), not per element, keeps the
optimizer state at N floats instead of N x d (14 MB rather than 1.7 GB for UMLS at 128 dimensions).

Why not `nn.Embedding(sparse=True)` with `torch.optim.SparseAdam` or `Adagrad`: in prototypes on
this 2-core machine at 3.4M entities, under the same load, their sparse-gradient coalescing (a sort
in every step) held training to 17-21K triples/s, against ~100K triples/s with this update.
"""

from __future__ import annotations

import numpy as np
import torch


class RowAdagrad:
    """Adagrad on the rows of one table, with a single accumulator per row."""

    def __init__(self, table: torch.Tensor, learning_rate: float, eps: float = 1e-10) -> None:
        self.table = table
        self.learning_rate = learning_rate
        self.eps = eps
        self.state = torch.zeros(table.shape[0], device=table.device)
        self._sums = torch.empty(0, table.shape[1], device=table.device)  # reused: a fresh one costs page faults

    @torch.no_grad()
    def step(self, ids: list[np.ndarray], grads: list[torch.Tensor]) -> None:
        """Apply the gradients `grads[i]` [len(ids[i]), d] of the rows `ids[i]` (repeats are summed first)."""
        # numpy's unique: 2.7 ms for a batch's 74K ids, where sort + searchsorted took 11.7 and torch's CPU sort more
        distinct, position = np.unique(np.concatenate(ids), return_inverse=True)
        rows = torch.from_numpy(distinct).to(self.table.device)
        position = torch.from_numpy(position).to(self.table.device)
        if len(distinct) > len(self._sums):
            self._sums = torch.empty(len(distinct), self.table.shape[1], device=self.table.device)
        total = self._sums[:len(distinct)].zero_()
        start = 0
        for part, grad in zip(ids, grads, strict=True):
            total.index_add_(0, position[start:start + len(part)], grad.reshape(len(part), -1))
            start += len(part)
        mean_square = torch.linalg.vector_norm(total, dim=1).pow_(2).div_(total.shape[1])
        accumulated = self.state.index_select(0, rows).add_(mean_square)
        self.state.index_copy_(0, rows, accumulated)
        step = accumulated.sqrt_().add_(self.eps).reciprocal_().mul_(-self.learning_rate)
        self.table.index_add_(0, rows, total.mul_(step.unsqueeze(1)))
