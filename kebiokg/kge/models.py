"""The scoring functions, TransE (KeBioLM's choice) and DistMult, with their gradients. Higher scores
are more plausible.

Both are written as a query vector built from the known entity and the relation, scored against
candidate entities, so the same code serves training (a chunk of positives against shared
negatives, a batched matrix product) and evaluation (queries against every entity, in blocks):

- TransE: ||h + r - t|| small. Tail query q = h + r, head query q = t - r; score -||q - e||, with
  the L2 distance computed from dot products so that a block of candidates is one matmul.
- DistMult: <h, r, t> large. Query q = anchor * r (symmetric); score q . e.

The gradients are written out rather than left to autograd: a training step then builds no graph
and allocates a few large temporaries instead of dozens, which on two CPU cores makes it 1.5-2x
faster. tests/test_kge.py checks each against autograd.
"""

from __future__ import annotations

import torch

EPS = 1e-6


class KgeModel:
    """Entity and relation tables (plain tensors: the training loop updates only the rows it used)."""

    name = ""

    def __init__(self, entities: torch.Tensor, relations: torch.Tensor) -> None:
        self.entities = entities
        self.relations = relations

    @classmethod
    def initialised(cls, entity_count: int, relation_count: int, dim: int, margin: float, seed: int,
                    device: str = "cpu") -> KgeModel:
        """Tables drawn uniformly from (-a, a), a = (margin + 2) / dim as in RotatE's code: the initial
        distances are then on the scale of the margin."""
        generator = torch.Generator().manual_seed(seed)
        bound = (abs(margin) + 2.0) / dim
        entities = torch.empty(entity_count, dim).uniform_(-bound, bound, generator=generator)
        relations = torch.empty(relation_count, dim).uniform_(-bound, bound, generator=generator)
        return cls(entities.to(device), relations.to(device))

    def query(self, anchor: torch.Tensor, relation: torch.Tensor, forward: torch.Tensor) -> torch.Tensor:
        """The query vector; `forward` [n, 1] is +1 where the tail is asked for, -1 where the head is."""
        raise NotImplementedError

    def query_gradients(self, anchor: torch.Tensor, relation: torch.Tensor, forward: torch.Tensor,
                        grad: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Gradients of (anchor, relation) from the gradient of the query."""
        raise NotImplementedError

    def pair_scores(self, query: torch.Tensor, candidate: torch.Tensor) -> torch.Tensor:
        """Score of each query with its own candidate: [n, d] x [n, d] -> [n]."""
        raise NotImplementedError

    def pair_gradients(self, query: torch.Tensor, candidate: torch.Tensor, scores: torch.Tensor,
                       grad: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Gradients of (query, candidate) from those of their `pair_scores` [n]."""
        raise NotImplementedError

    def scores(self, query: torch.Tensor, candidates: torch.Tensor) -> torch.Tensor:
        """Score of every query with every candidate: [c, n, d] x [c, m, d] -> [c, n, m]."""
        raise NotImplementedError

    def scores_gradients(self, query: torch.Tensor, candidates: torch.Tensor, scores: torch.Tensor,
                         grad: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Gradients of (query [c, n, d], candidates [c, m, d]) from those of their `scores` [c, n, m]."""
        raise NotImplementedError

    def ranking_query(self, query: torch.Tensor) -> torch.Tensor:
        """Ranking needs only the order of the scores: `ranking_query(q) . e + entity_bias()[e]` orders the
        candidates as `scores` does, in one matrix product (addmm) per block of entities."""
        return query

    def entity_bias(self) -> torch.Tensor:
        return torch.zeros(self.entities.shape[0], device=self.entities.device)


class TransE(KgeModel):
    name = "transe"

    def query(self, anchor: torch.Tensor, relation: torch.Tensor, forward: torch.Tensor) -> torch.Tensor:
        return torch.addcmul(anchor, forward, relation)

    def query_gradients(self, anchor: torch.Tensor, relation: torch.Tensor, forward: torch.Tensor,
                        grad: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return grad, grad * forward

    def pair_scores(self, query: torch.Tensor, candidate: torch.Tensor) -> torch.Tensor:
        return -torch.linalg.vector_norm(query - candidate, dim=-1)

    def pair_gradients(self, query: torch.Tensor, candidate: torch.Tensor, scores: torch.Tensor,
                       grad: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        # d(-||q - e||)/dq = (e - q) / ||q - e||
        grad_query = (candidate - query).mul_((grad / (-scores).clamp_min(EPS)).unsqueeze(-1))
        return grad_query, -grad_query

    def scores(self, query: torch.Tensor, candidates: torch.Tensor) -> torch.Tensor:
        norms = query.pow(2).sum(-1, keepdim=True) + candidates.pow(2).sum(-1).unsqueeze(-2)
        squared = torch.baddbmm(norms, query, candidates.transpose(-1, -2), alpha=-2)  # one pass, no 2q copy
        return -squared.clamp_min_(EPS ** 2).sqrt_()

    def scores_gradients(self, query: torch.Tensor, candidates: torch.Tensor, scores: torch.Tensor,
                         grad: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        # score = -sqrt(S), S = |q|^2 + |e|^2 - 2 q.e: dL/dq_i = sum_k h_ik (q_i - e_k), h = grad / score
        h = grad / scores.clamp_max(-EPS)
        grad_query = torch.baddbmm(query * h.sum(-1, keepdim=True), h, candidates, alpha=-1)
        grad_candidates = torch.baddbmm(candidates * h.sum(-2).unsqueeze(-1), h.transpose(-1, -2), query, alpha=-1)
        return grad_query, grad_candidates

    def ranking_query(self, query: torch.Tensor) -> torch.Tensor:
        return 2 * query  # -||q - e||^2 = 2 q.e - ||e||^2 - ||q||^2, and ||q|| is the same for every candidate

    def entity_bias(self) -> torch.Tensor:
        return -self.entities.pow(2).sum(1)


class DistMult(KgeModel):
    name = "distmult"

    def query(self, anchor: torch.Tensor, relation: torch.Tensor, forward: torch.Tensor) -> torch.Tensor:
        return anchor * relation

    def query_gradients(self, anchor: torch.Tensor, relation: torch.Tensor, forward: torch.Tensor,
                        grad: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return grad * relation, grad * anchor

    def pair_scores(self, query: torch.Tensor, candidate: torch.Tensor) -> torch.Tensor:
        return (query * candidate).sum(-1)

    def pair_gradients(self, query: torch.Tensor, candidate: torch.Tensor, scores: torch.Tensor,
                       grad: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return candidate * grad.unsqueeze(-1), query * grad.unsqueeze(-1)

    def scores(self, query: torch.Tensor, candidates: torch.Tensor) -> torch.Tensor:
        return query @ candidates.transpose(-1, -2)

    def scores_gradients(self, query: torch.Tensor, candidates: torch.Tensor, scores: torch.Tensor,
                         grad: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return grad @ candidates, grad.transpose(-1, -2) @ query


MODELS: dict[str, type[KgeModel]] = {"transe": TransE, "distmult": DistMult}
