"""Encoders turn KB entries and query strings into vectors; the index code knows only this interface.

An encoder indexes either names (`unit = "name"`: one vector per distinct string it reads from
`names`, since names that read the same encode the same; `string_entries` maps each string back to
its concepts) or entities (`unit = "entity"`: one vector per `entity_id`, e.g. a trained model's
entity table). Queries are always encoded from text. Vectors are float32 and L2-normalized, so inner
product is cosine similarity; a trained model's entity table keeps its norms (the linker scores
by inner product, and the index ranks as it does).

Encoders are saved in an index's metadata as `config()` and rebuilt with `encoder_from_config`;
a new kind (the KeBioLM model's entity table and mention encoder) registers itself with
`register_encoder` and needs no change to the index code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Literal, Protocol, runtime_checkable

import numpy as np
import sqlalchemy as sa

from .. import schema as t
from ..errors import KebiokgError
from ..kb import KnowledgeBase


@runtime_checkable
class Encoder(Protocol):
    kind: str  # registry key, e.g. "lexical"
    dim: int
    unit: Literal["name", "entity"]

    def config(self) -> dict:
        """JSON-able settings from which `encoder_from_config` rebuilds an equal encoder."""

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), dim) float32, L2-normalized rows."""

    def encode_kb(self, kb: KnowledgeBase, batch_size: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Batches of (ids, vectors): string ids 0, 1, ... for unit "name", entity_ids for unit "entity"."""

    def string_entries(self, kb: KnowledgeBase) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Unit "name" only: (string id, entity id, name id) arrays sorted by string id, each concept once per
        string with its best-ranked name that reads as the string (the name a hit on the string shows)."""

    def sample_kb(self, kb: KnowledgeBase, size: int, seed: int) -> np.ndarray:
        """A deterministic sample of up to `size` KB vectors, to train an approximate index."""


_REGISTRY: dict[str, Callable[[dict], Encoder]] = {}


def register_encoder(kind: str, factory: Callable[[dict], Encoder]) -> None:
    _REGISTRY[kind] = factory


def encoder_from_config(config: dict) -> Encoder:
    """The encoder an index was built with. Encoders of a later stage (a trained model's) register
    when their module is imported, or are passed to `EntityIndex` by the caller that owns them."""
    kind = config.get("kind")
    if kind not in _REGISTRY:
        raise KebiokgError(f"unknown encoder {kind!r} (known: {', '.join(sorted(_REGISTRY))}; "
                           f"a model's entity index opens with `nearest --model`)")
    return _REGISTRY[kind](config)


def l2_normalize(vectors: np.ndarray) -> np.ndarray:
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    np.divide(vectors, norms, out=vectors, where=norms > 0)
    return vectors


class ArrayEncoder:
    """Entity vectors given as an array (row = entity_id, or, with `cuis`, row i = the KB entity of
    `cuis[i]`) and a function for queries.

    The shape a learned encoder takes (the model's entity table + its mention encoder), and the
    stand-in the tests use for one. Not saved by value: `config()` names a registered factory.
    """

    unit: Literal["name", "entity"] = "entity"

    def __init__(self, kind: str, entity_vectors: np.ndarray, query_fn: Callable[[Sequence[str]], np.ndarray],
                 extra_config: dict | None = None, normalize_entities: bool = True,
                 cuis: Sequence[str] | None = None) -> None:
        self.kind = kind
        self.vectors = (l2_normalize(entity_vectors) if normalize_entities
                        else np.ascontiguousarray(entity_vectors, dtype=np.float32))
        self.dim = int(self.vectors.shape[1])
        self._query_fn = query_fn
        self._extra = extra_config or {}
        self._cuis = cuis

    def config(self) -> dict:
        return {"kind": self.kind, "dim": self.dim, **self._extra}

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return l2_normalize(self._query_fn(texts))

    def encode_kb(self, kb: KnowledgeBase, batch_size: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        ids, rows = self._entities(kb)
        for start in range(0, len(ids), batch_size):
            yield ids[start:start + batch_size], self.vectors[rows[start:start + batch_size]]

    def _entities(self, kb: KnowledgeBase) -> tuple[np.ndarray, np.ndarray]:
        """(KB entity ids, their rows of the vectors); with `cuis`, rows whose CUI the KB lacks are left out."""
        if self._cuis is None:
            if len(self.vectors) != kb.concept_count:
                raise KebiokgError(f"encoder has {len(self.vectors)} entity vectors, the KB has "
                                   f"{kb.concept_count} concepts: it was built from another KB")
            rows = np.arange(len(self.vectors), dtype=np.int64)
            return rows, rows
        c = t.concepts.c
        entity = dict(kb.query(sa.select(c.cui, c.entity_id)))
        pairs = np.array([(entity[cui], row) for row, cui in enumerate(self._cuis) if cui in entity],
                         dtype=np.int64).reshape(-1, 2)
        return pairs[:, 0], pairs[:, 1]

    def sample_kb(self, kb: KnowledgeBase, size: int, seed: int) -> np.ndarray:
        rng = np.random.default_rng(seed)
        rows = np.sort(rng.choice(len(self.vectors), size=min(size, len(self.vectors)), replace=False))
        return self.vectors[rows]
