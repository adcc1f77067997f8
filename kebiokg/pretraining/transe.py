"""TransE (Bordes et al., 2013) over the KB's relations, to refine the initial entity table.

KeBioLM initialised its entity table with TransE embeddings of UMLS (code not public). kebiokg starts
from the lexical vectors of the preferred names (so names that look alike start close) and runs a
few epochs of TransE on `relations` (label: RELA, else REL): for each triple (h, r, t) the distance
||h + r - t|| is pushed below that of a corrupted triple (h or t replaced at random) by a margin.
Entity vectors are kept inside the unit ball, as in the paper; the caller rescales them.
"""

from __future__ import annotations

import numpy as np
import torch

from ..kb import KnowledgeBase

RELATIONS_SQL = "SELECT subject_id, coalesce(rela, rel) AS label, object_id FROM relations"


def kb_triples(kb: KnowledgeBase) -> tuple[np.ndarray, int]:
    """(head entity_id, relation index, tail entity_id) rows of the KB, and the number of relation labels."""
    with kb.engine.connect() as conn:
        rows = conn.connection.dbapi_connection.execute(RELATIONS_SQL).fetchnumpy()
    labels, relation = np.unique(rows["label"].astype(str), return_inverse=True)
    triples = np.stack([rows["subject_id"].astype(np.int64), relation.astype(np.int64),
                        rows["object_id"].astype(np.int64)], axis=1)
    return triples, len(labels)


def transe(entities: torch.Tensor, triples: np.ndarray, relations: int, epochs: int = 5, margin: float = 1.0,
           learning_rate: float = 0.01, batch_size: int = 4096, seed: int = 0) -> torch.Tensor:
    """Entity vectors [n, d] refined by TransE on `triples`; returns a new tensor in the unit ball."""
    generator = torch.Generator().manual_seed(seed)
    vectors = torch.nn.Parameter(entities.detach().clone().float())
    with torch.no_grad():
        vectors /= vectors.norm(dim=1, keepdim=True).clamp(min=1e-6)
    dim = vectors.shape[1]
    bound = 6 / dim**0.5
    relation = torch.nn.Parameter(torch.empty(relations, dim).uniform_(-bound, bound, generator=generator))
    optimizer = torch.optim.Adam([vectors, relation], lr=learning_rate)
    data = torch.from_numpy(triples)
    for _ in range(epochs):
        order = torch.randperm(len(data), generator=generator)
        for start in range(0, len(data), batch_size):
            batch = data[order[start:start + batch_size]]
            head, rel, tail = batch[:, 0], batch[:, 1], batch[:, 2]
            corrupt = torch.randint(0, len(vectors), (len(batch),), generator=generator)
            swap_head = torch.rand(len(batch), generator=generator) < 0.5
            bad_head = torch.where(swap_head, corrupt, head)
            bad_tail = torch.where(swap_head, tail, corrupt)
            positive = (vectors[head] + relation[rel] - vectors[tail]).norm(dim=1)
            negative = (vectors[bad_head] + relation[rel] - vectors[bad_tail]).norm(dim=1)
            loss = torch.relu(margin + positive - negative).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            with torch.no_grad():  # entities stay in the unit ball
                vectors /= vectors.norm(dim=1, keepdim=True).clamp(min=1.0)
    return vectors.detach()
