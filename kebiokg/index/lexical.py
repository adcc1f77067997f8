"""The lexical encoder: hashed character n-grams of normalized names, needing no model.

Each string is normalized (`kebiokg.normalize`) and, with `inflections` (`build-index
--inflections`), reduced to its inflection key, so "disorders" and "disorder" are one vector; then
padded with a space at each end, cut into character n-grams (3-grams by default) which are hashed
into `dim` buckets; bucket counts are square-rooted and the vector L2-normalized. Shared n-grams
survive typos, word reordering and inflections, which is why keys are off by default: they add no
recall, and a plural query then ties with its singular name ("toxicities" -> "toxicity"), which on
BC5CDR mentions is more often the wrong concept (docs/benchmarks.md).

Encoding is vectorized with numpy (no Python loop per n-gram), so millions of KB names encode in
seconds; names are read from `names.norm`, already normalized by the loader and keyed in SQL
(`sql/lexical.sql`: `kb_inflection_key`, the twin of `inflection_key`). Names that read the same
(one string under several sources or concepts) are one vector: the KB is encoded one distinct
string at a time, and `string_entries` says which concepts and names each string stands for.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Literal

import numpy as np
import sqlalchemy as sa

from ..kb import KnowledgeBase
from ..normalize import inflection_key, normalize_name
from ..sqlfiles import named_statements, sql_text
from .encoders import l2_normalize, register_encoder

_MAX_CHARS = 96  # names longer than this are cut: enough for UMLS names (p99 ~ 80 chars)
_GOLDEN = np.uint32(2654435761)  # Knuth's multiplicative hash; the top bits pick the bucket
_CHUNK = 16_384  # rows per numpy pass: keeps the count matrix in cache (measured fastest)


class LexicalEncoder:
    kind = "lexical"
    unit: Literal["name", "entity"] = "name"

    def __init__(self, dim: int = 256, ngrams: Sequence[int] = (3,), inflections: bool = False) -> None:
        if dim < 2 or dim & (dim - 1):
            raise ValueError(f"dim must be a power of two, not {dim}")
        if not set(ngrams) <= {2, 3, 4}:
            raise ValueError(f"n-gram sizes must be 2, 3 or 4, not {list(ngrams)}")
        self.dim = int(dim)
        self.ngrams = tuple(int(n) for n in ngrams)
        self.inflections = bool(inflections)
        self._shift = np.uint32(32 - (self.dim.bit_length() - 1))

    def config(self) -> dict:
        return {"kind": self.kind, "dim": self.dim, "ngrams": list(self.ngrams), "inflections": self.inflections}

    @classmethod
    def from_config(cls, config: dict) -> LexicalEncoder:
        """The encoder an index was built with (one that records no inflections predates them)."""
        return cls(dim=config["dim"], ngrams=config.get("ngrams", (3,)), inflections=config.get("inflections", False))

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        norms = [normalize_name(text) for text in texts]
        return self.encode_normalized([inflection_key(n) for n in norms] if self.inflections else norms)

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
        with kb.engine.connect() as conn:
            result = self._run(conn, "strings", {})
            done = 0
            while rows := result.fetchmany(batch_size):
                ids = np.arange(done, done + len(rows), dtype=np.int64)
                yield ids, self.encode_normalized([row[0] for row in rows])
                done += len(rows)

    def string_entries(self, kb: KnowledgeBase) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        with kb.engine.connect() as conn:  # numpy columns: no Python object per name
            columns = self._run(conn, "string_entries", {}).fetchnumpy()
        return (np.asarray(columns["string_id"], dtype=np.int64), np.asarray(columns["entity_id"], dtype=np.int32),
                np.asarray(columns["name_id"], dtype=np.int32))

    def sample_kb(self, kb: KnowledgeBase, size: int, seed: int) -> np.ndarray:
        with kb.engine.connect() as conn:
            total = self._run(conn, "string_count", {}).fetchone()[0]
            if total == 0:
                return np.zeros((0, self.dim), dtype=np.float32)
            rng = np.random.default_rng(seed)
            ids = np.sort(rng.choice(total, size=min(size, total), replace=False)).tolist()
            strings = [row[0] for row in self._run(conn, "strings_of_ids", {"ids": ids}).fetchall()]
        return self.encode_normalized(strings)

    def _run(self, conn: sa.Connection, statement: str, params: dict):
        """Run a statement of sql/lexical.sql on the KB's own DuckDB connection, where the macros are."""
        raw = conn.connection.dbapi_connection
        raw.execute(sql_text("normalize.sql"))
        statements = named_statements("lexical.sql")
        raw.execute(statements["macros"])
        return raw.execute(statements[statement], {**params, "inflections": self.inflections})

register_encoder("lexical", LexicalEncoder.from_config)
