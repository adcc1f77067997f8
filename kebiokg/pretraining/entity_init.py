"""The entity table a new model starts from: knowledge-graph embeddings of the KB when it has
relations (KeBioLM initialised its table from TransE embeddings of UMLS), the lexical vectors of the
preferred names otherwise, or random.

KGE rows keep the geometry the KGE training learned: the whole table is scaled by one factor, so
that the mean row norm matches the random init of the table (initializer_range x sqrt(entity_dim));
no row is rescaled on its own. The choice, the source and the factor are recorded in the model's
config (`entity_init`, `entity_init_source`, `entity_init_scale`).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import sqlalchemy as sa
import torch

from .. import schema as t
from ..errors import KebiokgError
from ..index.lexical import LexicalEncoder
from ..kb import KnowledgeBase
from ..kge import EmbedOptions, load_kge
from ..kge.store import CHECKPOINT, METADATA
from ..modeling_kebio import ENTITY_OFFSET, KebioForPreTraining
from ..progress import NullProgress, Progress
from ..training import distributed
from .args import ENTITY_INITS


def has_relations(kb: KnowledgeBase) -> bool:
    return bool(kb.query(sa.select(sa.literal(1)).select_from(t.relations).limit(1)))


def resolve_entity_init(kb: KnowledgeBase, entity_init: str, kge: Path | None) -> str:
    """`auto`: kge when `--kge` is given or the KB has relations, else lexical."""
    if entity_init not in ENTITY_INITS:
        raise KebiokgError(f"--entity-init {entity_init}: expected one of {', '.join(ENTITY_INITS)}")
    if kge is not None and entity_init not in ("auto", "kge"):
        raise KebiokgError(f"--kge is the table of --entity-init kge, not of {entity_init}")
    if entity_init == "auto":
        return "kge" if kge is not None or has_relations(kb) else "lexical"
    if entity_init == "kge" and kge is None and not has_relations(kb):
        raise KebiokgError("--entity-init kge: the KB has no relations to embed (--entity-init lexical starts "
                           "from the names instead)")
    return entity_init


def kge_vectors(kb: KnowledgeBase, dim: int, kge: Path | None, out: Path, seed: int, epochs: int | None,
                progress: Progress) -> tuple[np.ndarray, str]:
    """(entity rows, their folder): those of `kge` (an embed-kb output, checked against the KB), or
    trained now into `out/kge` (TransE, `dim` wide; rank 0 trains, the other processes wait)."""
    if kge is None:
        kge = out / "kge"
        rank, world = distributed()
        if rank == 0 and not (kge / METADATA).is_file():  # a finished run is reused, an interrupted one resumed
            from ..kge.train import embed_kb

            options = EmbedOptions(dim=dim, seed=seed, **({"epochs": epochs} if epochs else {}))
            embed_kb(kb, kge, options, resume=(kge / CHECKPOINT).exists(), progress=progress)
        if world > 1:
            torch.distributed.barrier()
    embeddings = load_kge(kge, kb, verify=True)  # every row is copied into the table: hashing them costs as much
    if embeddings.dim != dim:
        raise KebiokgError(f"{kge}: {embeddings.dim}-dimensional embeddings, the model's entity table has {dim} "
                           f"(run embed-kb --dim {dim}, or set entity_dim)")
    return np.array(embeddings.entities, dtype=np.float32), str(kge)


def lexical_vectors(kb: KnowledgeBase, dim: int, seed: int) -> np.ndarray:
    """Hashed character 3-grams of each preferred name, projected to `dim` by a seeded random map,
    each row then of the random init's norm (names that look alike start close)."""
    rows = kb.query(sa.select(t.concepts.c.preferred_name).order_by(t.concepts.c.entity_id))
    lexical_dim = 1 << max(1, (dim - 1).bit_length())
    vectors = LexicalEncoder(lexical_dim).encode_queries([r[0] for r in rows])
    if lexical_dim != dim:
        projection = np.random.default_rng(seed).standard_normal((lexical_dim, dim)).astype(np.float32)
        vectors = vectors @ (projection / math.sqrt(dim))
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-6)


def init_entity_table(model: KebioForPreTraining, kb: KnowledgeBase, entity_init: str, out: Path, seed: int,
                      kge: Path | None = None, kge_epochs: int | None = None,
                      progress: Progress | None = None) -> str:
    """Fill the model's entity rows as `entity_init` (see the module docstring) says; returns the choice made."""
    choice = resolve_entity_init(kb, entity_init, kge)
    config = model.config
    config.entity_init, config.entity_init_source, config.entity_init_scale = choice, None, None
    if choice == "random":
        return choice
    target = config.initializer_range * math.sqrt(config.entity_dim)  # the random init's expected row norm
    if choice == "kge":
        vectors, config.entity_init_source = kge_vectors(kb, config.entity_dim, kge, out, seed, kge_epochs,
                                                         progress or NullProgress())
    else:
        vectors = lexical_vectors(kb, config.entity_dim, seed)
    scale = float(target / max(float(np.linalg.norm(vectors, axis=1).mean()), 1e-12))
    config.entity_init_scale = scale
    with torch.no_grad():
        model.kebio.entity_embeddings.weight[ENTITY_OFFSET:ENTITY_OFFSET + len(vectors)] = \
            torch.from_numpy(vectors * scale)
    return choice
