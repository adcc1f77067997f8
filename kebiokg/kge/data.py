"""The training data of a KGE run: the KB's triples less the excluded ones, split into train, valid
and test, with the bounded evaluation samples and their filters.

The split is a seeded draw of held-out triples; a held-out triple whose head, tail or relation never
occurs in train is moved back to train (nothing can be learned about an entity seen only in test,
the rule by which FB15k-237 and WN18RR were built). Filters (every other true answer of an
evaluated query, from train + valid + test) are found once here, by binary search over the sorted
keys, so evaluation never touches the full triple set again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..kb import KnowledgeBase
from ..progress import Progress
from .exclude import Exclusion, exclude_facts
from .triples import CHUNK_ROWS, TripleCodec, read_triples


@dataclass
class EvalSet:
    """Evaluated triples [m, 3] and, per direction, the (row, entity) pairs of their known answers,
    sorted by row: `tails` every t' with (h, r, t') true, `heads` every h' with (h', r, t) true."""

    triples: np.ndarray
    tails: tuple[np.ndarray, np.ndarray]
    heads: tuple[np.ndarray, np.ndarray]


@dataclass
class KgeData:
    labels: list[str]
    entity_count: int
    train: np.ndarray  # [n, 3] int32 (head, relation, tail)
    valid: np.ndarray
    test: np.ndarray
    valid_eval: EvalSet
    test_eval: EvalSet
    moved_to_train: int = 0
    exclusion: Exclusion = field(default_factory=Exclusion)

    def split_sizes(self) -> dict[str, int]:
        return {"train": len(self.train), "valid": len(self.valid), "test": len(self.test),
                "moved_to_train": self.moved_to_train, "valid_evaluated": len(self.valid_eval.triples),
                "test_evaluated": len(self.test_eval.triples)}


def prepare_data(kb: KnowledgeBase, seed: int, valid_fraction: float, test_fraction: float, eval_triples: int,
                 exclude: Path | None = None, progress: Progress | None = None) -> KgeData:
    triples = read_triples(kb, progress)
    keys, exclusion = exclude_facts(kb, triples, exclude) if exclude is not None else (triples.keys, Exclusion())
    codec = triples.codec
    n = len(keys)
    n_test, n_valid = round(n * test_fraction), round(n * valid_fraction)
    held = np.random.default_rng(seed).choice(n, size=n_test + n_valid, replace=False)
    in_train = np.ones(n, dtype=bool)
    in_train[held] = False
    train = codec.decode(keys[in_train])
    test, valid = codec.decode(keys[held[:n_test]]), codec.decode(keys[held[n_test:]])
    test, valid, moved = _seen_in_train(train, [test, valid], codec)
    train = np.concatenate([train, moved]) if len(moved) else train
    return KgeData(
        labels=triples.labels, entity_count=codec.entity_count, train=train, valid=valid, test=test,
        valid_eval=eval_set(keys, valid[:eval_triples], codec), test_eval=eval_set(keys, test[:eval_triples], codec),
        moved_to_train=len(moved), exclusion=exclusion)


def _seen_in_train(train: np.ndarray, held: list[np.ndarray], codec: TripleCodec
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(test, valid) without the triples whose entities or relation train lacks, and those triples."""
    entity_seen = np.zeros(codec.entity_count, dtype=bool)
    entity_seen[train[:, 0]] = True
    entity_seen[train[:, 2]] = True
    relation_seen = np.zeros(codec.relation_count, dtype=bool)
    relation_seen[train[:, 1]] = True
    kept, moved = [], []
    for part in held:
        ok = entity_seen[part[:, 0]] & entity_seen[part[:, 2]] & relation_seen[part[:, 1]]
        kept.append(part[ok])
        moved.append(part[~ok])
    return kept[0], kept[1], np.concatenate(moved)


def eval_set(keys: np.ndarray, triples: np.ndarray, codec: TripleCodec) -> EvalSet:
    """The filters of `triples` among the sorted `keys` (train + valid + test)."""
    return EvalSet(triples, _known_tails(keys, triples, codec), _known_heads(keys, triples, codec))


def _known_tails(keys: np.ndarray, triples: np.ndarray, codec: TripleCodec) -> tuple[np.ndarray, np.ndarray]:
    """Keys sort by (head, relation, tail): the tails of (h, r) are one contiguous run."""
    base = codec.encode(triples[:, 0], triples[:, 1], np.zeros(len(triples), dtype=np.int64))
    rows, positions = _runs(np.searchsorted(keys, base), np.searchsorted(keys, base + codec.entity_count))
    return rows, keys[positions] - base[rows]


def _known_heads(keys: np.ndarray, triples: np.ndarray, codec: TripleCodec) -> tuple[np.ndarray, np.ndarray]:
    """The heads of (r, t) are scattered: one pass over the keys, matching key mod R*N = r*N + t."""
    span = np.int64(codec.entity_count) * codec.relation_count
    wanted = triples[:, 1].astype(np.int64) * codec.entity_count + triples[:, 2]
    groups, group_of_row = np.unique(wanted, return_inverse=True)
    found_group, found_head = [], []
    if len(groups):
        for start in range(0, len(keys), CHUNK_ROWS):
            part = keys[start:start + CHUNK_ROWS]
            heads, relation_tail = np.divmod(part, span)
            position = np.searchsorted(groups, relation_tail).clip(max=len(groups) - 1)
            hit = groups[position] == relation_tail
            found_group.append(position[hit])
            found_head.append(heads[hit])
    group = np.concatenate(found_group) if found_group else np.zeros(0, dtype=np.int64)
    head = np.concatenate(found_head) if found_head else np.zeros(0, dtype=np.int64)
    order = np.argsort(group, kind="stable")
    group, head = group[order], head[order]
    rows, positions = _runs(np.searchsorted(group, group_of_row), np.searchsorted(group, group_of_row, side="right"))
    return rows, head[positions]


def _runs(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row i repeated hi[i] - lo[i] times, the positions lo[i]..hi[i]-1), all rows in order."""
    counts = hi - lo
    rows = np.repeat(np.arange(len(lo)), counts)
    return rows, np.arange(len(rows)) - np.repeat(np.cumsum(counts) - counts, counts) + np.repeat(lo, counts)
