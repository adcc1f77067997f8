"""Filtered link prediction: MRR and Hits@1/3/10, head and tail prediction, the standard filtered setting.

For a held-out triple (h, r, t), tail prediction ranks t among every entity e as the answer to
(h, r, ?), after removing every other e with (h, r, e) true in train, valid or test; head
prediction likewise for (?, r, t). Ties count as the mean rank, 1 + #better + #tied / 2 (the
"realistic" rank, PyKEEN's default): neither a constant score nor a lucky order is rewarded.
It is computed in one pass as 1 + (sum of sign(score - true score) + N) / 2 over all N entities
(filtered ones scored -inf, so they add -1 + 1 = 0). Queries are scored against all entities in
blocks, so memory stays bounded at any KB size.
"""

from __future__ import annotations

import numpy as np
import torch

from ..progress import NullProgress, Progress
from .data import EvalSet
from .models import KgeModel

HITS_AT = (1, 3, 10)
TIES = "mean"


@torch.no_grad()
def filtered_ranks(model: KgeModel, eval_set: EvalSet, tail: bool, progress: Progress | None = None,
                   batch: int = 256, block: int = 65_536) -> np.ndarray:
    """The filtered rank of the true tail (tail=True) or head of each evaluated triple."""
    triples = eval_set.triples
    anchor, answer = (triples[:, 0], triples[:, 2]) if tail else (triples[:, 2], triples[:, 0])
    filter_rows, filter_entities = eval_set.tails if tail else eval_set.heads
    device = model.entities.device
    bias = model.entity_bias()
    entity_count = model.entities.shape[0]
    ranks = np.zeros(len(triples))

    def ids(values: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(values.astype(np.int64)).to(device)

    with (progress or NullProgress()).task(f"ranking {'tails' if tail else 'heads'}", total=len(triples),
                                           unit="query") as task:
        for start in range(0, len(triples), batch):
            stop = min(start + batch, len(triples))
            pick = slice(start, stop)
            sign = torch.full((stop - start, 1), 1.0 if tail else -1.0, device=device)
            query = model.ranking_query(model.query(model.entities[ids(anchor[pick])],
                                                    model.relations[ids(triples[pick, 1])], sign))
            truth = (query * model.entities[ids(answer[pick])]).sum(1) + bias[ids(answer[pick])]
            lo, hi = np.searchsorted(filter_rows, [start, stop])
            known_row, known_entity = filter_rows[lo:hi] - start, filter_entities[lo:hi]
            signs = torch.zeros(stop - start, dtype=torch.float64, device=device)
            for first in range(0, entity_count, block):
                last = min(first + block, entity_count)
                scores = torch.addmm(bias[first:last], query, model.entities[first:last].T)
                inside = (known_entity >= first) & (known_entity < last)
                scores[ids(known_row[inside]), ids(known_entity[inside] - first)] = -torch.inf
                signs += scores.sub_(truth[:, None]).sign_().sum(1)
            ranks[pick] = (1 + (signs + entity_count) / 2).cpu().numpy()
            task.update(stop)
    return ranks


def ranking_metrics(ranks: np.ndarray) -> dict[str, float]:
    metrics = {"mrr": float(np.mean(1.0 / ranks))}
    metrics.update({f"hits@{k}": float(np.mean(ranks <= k)) for k in HITS_AT})
    return metrics


def evaluate(model: KgeModel, eval_set: EvalSet, progress: Progress | None = None) -> dict | None:
    """Metrics of head, tail and both predictions, and the number of triples; None when there are none."""
    if len(eval_set.triples) == 0:
        return None
    tails = filtered_ranks(model, eval_set, tail=True, progress=progress)
    heads = filtered_ranks(model, eval_set, tail=False, progress=progress)
    return {"triples": len(eval_set.triples), "head": ranking_metrics(heads), "tail": ranking_metrics(tails),
            "both": ranking_metrics(np.concatenate([heads, tails]))}
