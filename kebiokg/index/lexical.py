"""The lexical encoder: hashed character n-grams of normalized names, needing no model.

Each string is normalized (`kebiokg.normalize`), padded with a space at each end, cut into
character n-grams (3-grams by default) which are hashed into `dim` buckets; bucket counts are
square-rooted and the vector L2-normalized. Shared n-grams survive typos and word reordering.

Encoding is vectorized with numpy (no Python loop per n-gram), so millions of KB names encode in
seconds; names are read from `names.norm`, already normalized by the loader.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Literal

import numpy as np
import sqlalchemy as sa

from .. import schema as t
from ..kb import KnowledgeBase
from ..normalize import normalize_name
from .encoders import l2_normalize, register_encoder

_MAX_CHARS = 96  # names longer than this are cut: enough for UMLS names (p99 ~ 80 chars)
_GOLDEN = np.uint32(2654435761)  # Knuth's multiplicative hash; the top bits pick the bucket
_CHUNK = 16_384  # rows per numpy pass: keeps the count matrix in cache (measured fastest)


class LexicalEncoder:
    kind = "lexical"
    unit: Literal["name", "entity"] = "name"

    def __init__(self, dim: int = 256, ngrams: Sequence[int] = (3,)) -> None:
        if dim < 2 or dim & (dim - 1):
            raise ValueError(f"dim must be a power of two, not {dim}")
        if not set(ngrams) <= {2, 3, 4}:
            raise ValueError(f"n-gram sizes must be 2, 3 or 4, not {list(ngrams)}")
        self.dim = int(dim)
        self.ngrams = tuple(int(n) for n in ngrams)
        self._shift = np.uint32(32 - (self.dim.bit_length() - 1))

    def config(self) -> dict:
        return {"kind": self.kind, "dim": self.dim, "ngrams": list(self.ngrams)}

    @classmethod
    def from_config(cls, config: dict) -> LexicalEncoder:
        return cls(dim=config["dim"], ngrams=config.get("ngrams", (3,)))

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.encode_normalized([normalize_name(text) for text in texts])

    def encode_normalized(self, norms: Sequence[str]) -> np.ndarray:
        """Encode strings already normalized (only [a-z0-9 ] remain, so one byte per character)."""
        if len(norms) <= _CHUNK:
            return self._encode_chunk(norms)
        return np.concatenate([self._encode_chunk(norms[i:i + _CHUNK]) for i in range(0, len(norms), _CHUNK)])

    def _encode_chunk(self, norms: Sequence[str]) -> np.ndarray:
        count = len(norms)
        if count == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        padded = np.array([f" {s[:_MAX_CHARS - 2]} ".encode("ascii", "ignore") for s in norms])
        chars = padded.view(np.uint8).reshape(count, padded.dtype.itemsize).astype(np.uint32)
        rows, buckets = [], []
        for n in self.ngrams:
            if chars.shape[1] < n:
                continue
            width = chars.shape[1] - n + 1
            code = np.full((count, width), n, dtype=np.uint32)  # the size salts the hash
            for offset in range(n):
                code = (code << np.uint32(8)) | chars[:, offset:offset + width]
            valid = chars[:, n - 1:] != 0  # the n-gram ends inside the string
            buckets.append(((code[valid] * _GOLDEN) >> self._shift).astype(np.intp))
            rows.append(np.nonzero(valid)[0])
        if not rows:  # every string shorter than the n-grams: no features
            return np.zeros((count, self.dim), dtype=np.float32)
        flat = np.concatenate(rows) * self.dim + np.concatenate(buckets)
        counts = np.bincount(flat, minlength=count * self.dim).reshape(count, self.dim).astype(np.float32)
        return l2_normalize(np.sqrt(counts, out=counts))

    def encode_kb(self, kb: KnowledgeBase, batch_size: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        n = t.names.c
        query = sa.select(n.name_id, n.norm).order_by(n.name_id)
        with kb.engine.connect() as conn:
            result = conn.execute(query)
            while rows := result.fetchmany(batch_size):
                ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
                yield ids, self.encode_normalized([row[1] for row in rows])

    def sample_kb(self, kb: KnowledgeBase, size: int, seed: int) -> np.ndarray:
        n = t.names.c
        total = kb.query(sa.select(sa.func.count()).select_from(t.names))[0][0]
        if total == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        rng = np.random.default_rng(seed)
        ids = np.sort(rng.choice(total, size=min(size, total), replace=False)).tolist()
        norms = []
        for start in range(0, len(ids), 50_000):
            chunk = ids[start:start + 50_000]
            norms += [r[0] for r in kb.query(sa.select(n.norm).where(n.name_id.in_(sa.bindparam("ids", expanding=True)))
                                            .order_by(n.name_id), {"ids": chunk})]
        return self.encode_normalized(norms)


register_encoder("lexical", LexicalEncoder.from_config)
