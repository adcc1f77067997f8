"""The entity index: FAISS over encoder vectors, saved with the KB fingerprint it was built from.

Index type by size (`kind="auto"`): exact inner product (`Flat`) up to `exact_max` vectors; above
that (`ivfpq`) IVF with an HNSW coarse quantizer whose lists hold 4-bit fast-scan PQ codes (one
4-dim sub-vector per code), the best `refine` candidates re-ranked on an 8-bit copy of the vectors
(`IDMap,IVF{nlist}_HNSW32,PQ{dim/4}x4fs,Refine(SQ8)`). Why: scanning SQ8 codes (`ivf`, the
previous default, `IVF{nlist}_HNSW32,SQ8`) cost ~4 ms a query at 14.9M names; fast-scan PQ reads a
list several times faster, and the SQ8 re-ranking gives back the recall PQ alone loses.
Why IVF and not HNSW over the vectors: HNSW's build grows faster than linearly and took ~200 s
for 1M vectors on 2 cores here, so millions of names would take far more than the 10-minute
budget; IVF trains on a sample and adds each vector with one coarse-quantizer search (made cheap
by the HNSW quantizer). Recall against exact search is measured by `bench/bench_index.py` and
tuned with `nprobe`.

A name index holds one vector per distinct string (format 2): names that read the same (one string
under several sources, term types or concepts; 1.49M names are 942K strings at a tenth of UMLS
scale) encode the same, so a vector per name stored and scanned duplicates, which also crowded
the fetched rows. A CSR map (`string_entity_offsets.npy` into `string_entities.npy` and
`string_names.npy`) expands each string row into its concepts, each scored as the string, before
the rows are folded into concepts. Format 1 (a vector per name, `name_entity.npy`) still opens.
"""

from __future__ import annotations

import json
import math
import threading
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import faiss
import numpy as np
import sqlalchemy as sa

from .. import __version__
from .. import schema as t
from ..artefacts import check_files, record_files, staged_folder
from ..errors import KebiokgError
from ..kb import KnowledgeBase
from ..progress import NullProgress, Progress
from .encoders import Encoder, encoder_from_config
from .lexical import LexicalEncoder
from .lookup import TABLE_SUFFIXES, StringTable, write_string_table

INDEX_FILE = "index.faiss"
META_FILE = "index.json"
FORMAT = 2  # 2: a name index holds each distinct string once; 1 (index.json without `format`): each name
STRING_OFFSETS_FILE = "string_entity_offsets.npy"  # string row -> its range of the two files below
STRING_ENTITIES_FILE = "string_entities.npy"  # the concepts that have the string
STRING_NAMES_FILE = "string_names.npy"  # each one's best-ranked name_id reading as the string (the matched name)
NAME_ENTITY_FILE = "name_entity.npy"  # format 1: name_id -> entity_id
NAMES_TABLE = "names"  # name_id -> str
CUIS_TABLE = "cuis"  # entity_id -> cui
PREFERRED_TABLE = "preferred"  # entity_id -> preferred name
TYPES_TABLE = "types"  # entity_id -> "T047|T121"
_PARALLEL_FROM = 32  # queries per FAISS call from which OpenMP threads pay off (measured)
_MAX_FETCHED = 50_000_000  # result entries (queries x fetch) one filtered search may hold: about 600 MB
_GPU_MAX_K = 2048  # faiss-gpu's largest k
# ivfpq over more than _FLAT_CENTROIDS_MAX lists: the HNSW coarse quantizer explores this many candidates
# per list probed; at ef = nprobe it missed lists a flat quantizer finds (recall@10 -0.01 at 1.5M names)
_EF_PER_PROBE = 4
_FLAT_CENTROIDS_MAX = 8192  # up to this many IVF lists, search compares a query with every centroid
_MIN_K_FACTOR = 2  # ivfpq: re-rank at least twice the names fetched
_THREADS_LOCK = threading.Lock()


class EntityIndexError(KebiokgError):
    """The index is missing, damaged, or was built from another KB."""


@dataclass(frozen=True)
class IndexOptions:
    kind: str = "auto"  # "auto", "flat", "ivf" (SQ8 codes) or "ivfpq" (fast-scan PQ, re-ranked on SQ8)
    exact_max: int = 200_000  # auto: exact search up to this many vectors, ivfpq above
    nlist: int | None = None  # IVF lists; default: sqrt(n) rounded up to a power of two, in [64, 8192]
    nprobe: int | None = None  # IVF lists searched per query; default nlist / 128, at least 16 (ivfpq: 32)
    refine: int = 200  # ivfpq: PQ candidates re-ranked on the SQ8 copy per query (at least twice the fetch)
    train_size: int | None = None  # vectors sampled to train IVF; default 64 x nlist
    batch_size: int = 32_768
    use_gpu: bool = True  # when faiss sees a GPU
    seed: int = 0


@dataclass
class Hit:
    cui: str
    entity_id: int
    preferred_name: str
    matched_name: str | None  # the indexed name that matched (None for entity-unit encoders)
    score: float
    semantic_types: list[str]


@dataclass
class IndexInfo:
    fingerprint: str
    release: str
    encoder: dict
    unit: str
    dim: int
    count: int  # vectors: distinct strings of a name index (names in format 1), or entities
    index_type: str
    nprobe: int | None
    build_seconds: float
    built_at: str
    tool_version: str
    files: dict | None = None  # name -> bytes and sha256 of every file beside index.json (kebiokg.artefacts)
    refine: int | None = None  # ivfpq's candidates re-ranked per query; absent in indexes built before ivfpq
    format: int = 1  # FORMAT when built; absent in indexes built before it
    names: int | None = None  # the KB names a name index's `count` strings stand for


def gpu_count() -> int:
    return faiss.get_num_gpus() if hasattr(faiss, "get_num_gpus") else 0


def _count(kb: KnowledgeBase, encoder: Encoder) -> int:
    table = t.names if encoder.unit == "name" else t.concepts
    return kb.query(sa.select(sa.func.count()).select_from(table))[0][0]


INDEX_KINDS = ("auto", "flat", "ivf", "ivfpq")
# default nprobe = max(floor, nlist / divisor); ivfpq's floor of 32: recall@10 0.958 at 1.5M names (nlist 2048)
# and 0.961 at 14.9M (nlist 4096), where nlist/128 alone gave 0.941 at 1.5M (docs/benchmarks.md)
DEFAULT_PROBES = {"ivf": (16, 128), "ivfpq": (32, 128)}


def _index_kind(count: int, dim: int, options: IndexOptions, gpus: int) -> str:
    """auto: exact search for small KBs; ivfpq above, unless a GPU is used (fast-scan stays on the CPU)
    or the dimension does not split into 4-dim sub-vectors."""
    kind = options.kind
    if kind not in INDEX_KINDS:
        raise KebiokgError(f"index kind must be one of {', '.join(INDEX_KINDS)}, not {options.kind!r}")
    if kind == "auto":
        kind = "flat" if count <= options.exact_max else \
            "ivf" if (options.use_gpu and gpus) or dim % 4 else "ivfpq"
    if kind == "ivfpq" and dim % 4:
        raise KebiokgError(f"index kind ivfpq needs a dimension divisible by 4, not {dim}")
    return kind


def _factory_string(kind: str, count: int, dim: int, options: IndexOptions, on_gpu: bool) -> tuple[str, int | None]:
    if kind == "flat":
        return "IDMap2,Flat", None
    if options.nlist and options.nlist > count:
        raise EntityIndexError(f"--nlist {options.nlist}: more IVF lists than the {count:,} vectors to index")
    nlist = options.nlist or min(8192, count, max(64, 2 ** math.ceil(math.log2(max(1, math.sqrt(count))))))
    if kind == "ivfpq":  # IDMap: the refine stage numbers vectors by position, not by KB id
        return f"IDMap,IVF{nlist}_HNSW32,PQ{dim // 4}x4fs,Refine(SQ8)", nlist
    # On a GPU the flat coarse quantizer is fast (and an HNSW one cannot move there).
    return (f"IVF{nlist},SQ8" if on_gpu else f"IVF{nlist}_HNSW32,SQ8"), nlist


def build_index(kb: KnowledgeBase, encoder: Encoder, out_dir: Path | str, options: IndexOptions = IndexOptions(),
                progress: Progress | None = None) -> IndexInfo:
    """Encode the KB (names or entities), build the FAISS index, and save it with its metadata."""
    progress = progress or NullProgress()
    out_dir = Path(out_dir)
    started = time.perf_counter()
    count = _count(kb, encoder)
    if count == 0:
        raise KebiokgError("the KB has nothing to index (no names)")
    with staged_folder(out_dir, META_FILE) as staging:  # a build cut short keeps the index already there
        names, written = None, []
        if encoder.unit == "name":  # no progress bar yet: an error in the options is then the only line
            names, count = count, _write_string_map(kb, encoder, staging)
            written += [STRING_OFFSETS_FILE, STRING_ENTITIES_FILE, STRING_NAMES_FILE]
        gpus = gpu_count()
        kind = _index_kind(count, encoder.dim, options, gpus)
        on_gpu = options.use_gpu and gpus > 0 and kind == "ivf"
        factory, nlist = _factory_string(kind, count, encoder.dim, options, on_gpu)
        index = faiss.index_factory(encoder.dim, factory, faiss.METRIC_INNER_PRODUCT)
        if on_gpu:
            index = faiss.index_cpu_to_all_gpus(index)
        nprobe = None
        if nlist is not None:
            floor, divisor = DEFAULT_PROBES[kind]
            nprobe = options.nprobe or max(floor, nlist // divisor)
            train_size = min(count, options.train_size or 64 * nlist)
            with progress.task("train IVF", total=None) as task:
                task.note(f"{train_size:,} vectors, {nlist} lists")
                index.train(encoder.sample_kb(kb, train_size, options.seed))
            if not on_gpu:
                faiss.extract_index_ivf(index).nprobe = nprobe
        with progress.task("index", total=count, unit="vec") as task:
            done = 0
            for ids, vectors in encoder.encode_kb(kb, options.batch_size):
                index.add_with_ids(vectors, ids)
                done += len(ids)
                task.update(done)
        if on_gpu:
            index = faiss.index_gpu_to_cpu(index)
        info = IndexInfo(
            fingerprint=kb.fingerprint, release=kb.release, encoder=encoder.config(), unit=encoder.unit,
            dim=encoder.dim, count=int(index.ntotal), index_type=factory, nprobe=nprobe,
            build_seconds=round(time.perf_counter() - started, 3),
            built_at=datetime.now(UTC).isoformat(timespec="seconds"), tool_version=__version__,
            refine=options.refine if kind == "ivfpq" else None, format=FORMAT, names=names,
        )
        with progress.task("lookup tables", total=None) as task:
            task.note("concepts")
            written += _write_concept_tables(kb, staging)
            if encoder.unit == "name":
                task.note("names")
                written += _stream_column(kb, t.names.c.str, t.names.c.name_id, staging / NAMES_TABLE)
            faiss.write_index(index, str(staging / INDEX_FILE))
            task.note("checksums")
            info.files = record_files(staging, [INDEX_FILE, *written])
            (staging / META_FILE).write_text(json.dumps(asdict(info), indent=2) + "\n", encoding="utf-8")
    return info


def _stream_column(kb: KnowledgeBase, column: sa.Column, order: sa.Column, path: Path) -> list[str]:
    """Write a string table of `column`; the names of its two files."""
    with kb.engine.connect() as conn:
        result = conn.execute(sa.select(column).order_by(order))

        def rows():
            while batch := result.fetchmany(100_000):
                yield from (row[0] for row in batch)

        write_string_table(path, rows())
    return [path.with_suffix(suffix).name for suffix in TABLE_SUFFIXES]


def _write_concept_tables(kb: KnowledgeBase, out_dir: Path) -> list[str]:
    c = t.concepts.c
    return [*_stream_column(kb, c.cui, c.entity_id, out_dir / CUIS_TABLE),
            *_stream_column(kb, c.preferred_name, c.entity_id, out_dir / PREFERRED_TABLE),
            *_stream_column(kb, sa.func.array_to_string(c.semantic_types, "|"), c.entity_id, out_dir / TYPES_TABLE)]


def _write_string_map(kb: KnowledgeBase, encoder: Encoder, out_dir: Path) -> int:
    """Write the CSR map from string rows to their concepts and names, so hits on strings expand into
    concepts without a KB round trip; the number of distinct strings."""
    strings, entities, names = encoder.string_entries(kb)
    count = int(strings[-1]) + 1
    offsets = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(np.bincount(strings, minlength=count), out=offsets[1:])
    np.save(out_dir / STRING_OFFSETS_FILE, offsets)
    np.save(out_dir / STRING_ENTITIES_FILE, entities)
    np.save(out_dir / STRING_NAMES_FILE, names)
    return count


def read_index_info(path: Path) -> IndexInfo:
    """The metadata of a saved index (its KB fingerprint, encoder, kind)."""
    meta = Path(path) / META_FILE
    if not meta.is_file():
        raise EntityIndexError(f"{path}: no index here (build one with `kebiokg build-index`)")
    try:
        return IndexInfo(**json.loads(meta.read_text(encoding="utf-8")))
    except (ValueError, TypeError) as exc:
        raise EntityIndexError(f"{meta}: damaged index metadata ({exc})") from exc


class EntityIndex:
    """A saved index opened against the KB it was built from."""

    def __init__(self, path: Path | str, kb: KnowledgeBase, encoder: Encoder | None = None,
                 use_gpu: bool = True, verify: bool = False) -> None:
        """Open the index in `path`; file sizes are checked, checksums when `verify` (kebiokg.artefacts)."""
        path = Path(path)
        self.info = read_index_info(path)
        if self.info.format > FORMAT:
            raise EntityIndexError(f"{path}: index format {self.info.format}, written by a later kebiokg than "
                                   f"{__version__} (format {FORMAT}); rebuild it or upgrade kebiokg")
        kb.check_fingerprint(self.info.fingerprint, f"{path} (release {self.info.release}; rebuild the index)",
                             error=EntityIndexError)
        # a model's entity_index/ is rewritten when its pretraining run is resumed past its last step
        rebuild = "`kebiokg build-index`" if self.info.encoder.get("kind") == LexicalEncoder.kind else \
            "`kebiokg pretrain --resume` on its model folder"
        check_files(path, self.info.files, rebuild, verify, EntityIndexError)
        self.kb = kb
        self.encoder = encoder or encoder_from_config(self.info.encoder)
        if self.encoder.config() != self.info.encoder:
            raise EntityIndexError(f"{path}: built with encoder {self.info.encoder}, given {self.encoder.config()}")
        try:
            self.index = faiss.read_index(str(path / INDEX_FILE))
        except RuntimeError as exc:
            raise EntityIndexError(f"{path / INDEX_FILE}: cannot read the FAISS index (damaged or missing)") from exc
        self._ivf_params = None
        self.on_gpu = False
        if use_gpu and gpu_count() > 0 and "HNSW" not in self.info.index_type:
            try:
                self.index = faiss.index_cpu_to_all_gpus(self.index)
                self.on_gpu = True
            except RuntimeError:  # an index type faiss cannot clone to the GPU: search on the CPU
                pass
        self._exhaustive_centroids = not self.on_gpu and self._search_centroids_exhaustively()
        self.refine = self.info.refine  # ivfpq: PQ candidates re-ranked per query (set_refine)
        if self.info.nprobe:
            self.set_nprobe(self.info.nprobe)
        names = self.info.unit == "name"
        self.string_offsets = self.string_entities = self.string_names = self.name_entity = None
        try:  # a damaged file of the recorded size, when checksums were not compared
            if names and self.info.format >= 2:
                self.string_offsets = np.load(path / STRING_OFFSETS_FILE, mmap_mode="r")
                self.string_entities = np.load(path / STRING_ENTITIES_FILE, mmap_mode="r")
                self.string_names = np.load(path / STRING_NAMES_FILE, mmap_mode="r")
            elif names:
                self.name_entity = np.load(path / NAME_ENTITY_FILE)
            self.names = StringTable(path / NAMES_TABLE) if names else None
            self.cuis = StringTable(path / CUIS_TABLE)
            self.preferred = StringTable(path / PREFERRED_TABLE)
            self.types = StringTable(path / TYPES_TABLE)
        except (ValueError, OSError) as exc:
            raise EntityIndexError(f"{path}: damaged lookup tables ({exc}); rebuild it with {rebuild}") from exc

    def _search_centroids_exhaustively(self) -> bool:
        """Give an IVF index a flat coarse quantizer over the centroids of its HNSW one. The graph pays off
        when a build assigns millions of vectors; at search time, over at most `_FLAT_CENTROIDS_MAX` lists,
        comparing a query with every centroid is exact, and a batch does it in one BLAS product. At 14.9M
        names (4,096 lists) batches ran 12% faster and a single query ~0.4 ms slower (it streams every
        centroid), both within their targets (docs/benchmarks.md); a batch and single queries still find
        the same lists. True when the quantizer was replaced."""
        try:
            ivf = faiss.extract_index_ivf(self.index)
        except RuntimeError:  # exact index: no coarse quantizer
            return False
        graph = faiss.downcast_index(ivf.quantizer)
        if not isinstance(graph, faiss.IndexHNSWFlat) or ivf.nlist > _FLAT_CENTROIDS_MAX:
            return False
        flat = faiss.IndexFlat(ivf.d, graph.metric_type)
        flat.add(graph.reconstruct_n(0, graph.ntotal))
        # a copy, not the graph's own storage: the IVF owns its quantizer, and Python frees the graph
        graph.thisown, flat.thisown = ivf.own_fields, False
        ivf.quantizer = flat
        return True

    def set_nprobe(self, nprobe: int) -> None:
        """IVF lists searched per query (more: better recall, slower); no effect on exact indexes."""
        if self.info.nprobe is None:
            return
        if self.refine:  # passed with each search (SearchParameters), with the quantizer's effort
            graph = None if self._exhaustive_centroids else faiss.SearchParametersHNSW(efSearch=_EF_PER_PROBE * nprobe)
            self._ivf_params = faiss.SearchParametersIVF(nprobe=nprobe, quantizer_params=graph)
            return
        try:
            faiss.extract_index_ivf(self.index).nprobe = nprobe
        except RuntimeError:  # a GPU clone: faiss sets it through its parameter space
            faiss.GpuParameterSpace().set_index_parameter(self.index, "nprobe", nprobe)

    def set_refine(self, refine: int) -> None:
        """PQ candidates re-ranked per query on the 8-bit copy (more: better recall, slower; at least twice
        the names fetched); no effect on indexes without a re-ranking stage."""
        if self.refine is not None:
            self.refine = refine

    def search(self, queries: list[str], k: int = 10, semantic_types: list[str] | None = None,
               batch_size: int = 1024) -> list[list[Hit]]:
        """Top-k concepts per query, best first; names are folded into their concepts."""
        results: list[list[Hit]] = []
        for start in range(0, len(queries), batch_size):
            batch = queries[start:start + batch_size]
            results += self.search_vectors(self.encoder.encode_queries(batch), k, semantic_types)
        return results

    def search_vectors(self, vectors: np.ndarray, k: int, semantic_types: list[str] | None = None
                       ) -> list[list[Hit]]:
        """Top-k concepts per query vector. Folding and lookups run on the whole batch at once (numpy),
        so a batch costs less per query than single searches; only the Hit objects are made one by one."""
        if len(vectors) == 0:
            return []
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        wanted = self._filter_tuis(semantic_types) if semantic_types else set()
        need = k * 4 if wanted else k  # first guess at the concepts to fetch before a type filter
        fetch = need * 8 if self.info.unit == "name" else need
        # a rare type could otherwise fetch every name: the widening stops at a memory ceiling
        ceiling = max(fetch, min(self.info.count, _MAX_FETCHED // len(vectors)))
        if self.on_gpu:
            fetch, ceiling = min(fetch, _GPU_MAX_K), min(ceiling, _GPU_MAX_K)
        empty = np.linalg.norm(vectors, axis=1) == 0  # no features (empty, punctuation only): matches nothing
        results: list[list[Hit]] = [[] for _ in vectors]
        queries = np.flatnonzero(~empty)
        # A concept with many synonyms can fill the fetched rows alone: fetch more for those queries.
        while len(queries):
            fetch = min(fetch, self.info.count)
            rows, scores, entities, names, kept, filled = self._candidates(vectors[queries], fetch, wanted)
            short = (np.bincount(rows[kept], minlength=len(queries)) < k) & filled & \
                (fetch < min(ceiling, self.info.count))
            self._hits(queries, rows, scores, entities, names, kept & ~short[rows], k, results)
            queries = queries[short]
            fetch = min(fetch * 4, ceiling)
        return results

    def _candidates(self, vectors: np.ndarray, fetch: int, wanted: set[str]) -> tuple[
            np.ndarray, np.ndarray, np.ndarray, np.ndarray | None, np.ndarray, np.ndarray]:
        """FAISS hits as flat arrays, query by query and best first within a query: (query row, score,
        entity id, name id or None), a mask of the ones kept (the first, best, hit of each concept in a
        query that passes the type filter), and whether each query's `fetch` rows were all found (more
        may follow). A string row becomes one hit per concept that has the string, each scored as it."""
        scores, ids = self.faiss_search(vectors, fetch)
        filled = ids[:, -1] >= 0
        rows, slots = np.nonzero(ids >= 0)  # row-major: best first within a query
        scores, ids = scores[rows, slots], ids[rows, slots]
        names = None
        if self.string_offsets is not None:
            starts = self.string_offsets[ids]
            sizes = self.string_offsets[ids + 1] - starts
            # entry j of a string's run reads the map at its start + j
            entries = np.arange(sizes.sum()) + np.repeat(starts - (np.cumsum(sizes) - sizes), sizes)
            rows, scores = np.repeat(rows, sizes), np.repeat(scores, sizes)
            entities, names = self.string_entities[entries], self.string_names[entries]
        elif self.name_entity is not None:
            entities, names = self.name_entity[ids], ids
        else:
            entities = ids
        concept_in_query = rows * len(self.cuis) + entities
        order = np.argsort(concept_in_query, kind="stable")  # stable: the best hit of a concept comes first
        ranked = concept_in_query[order]
        first = np.ones(len(order), dtype=bool)
        first[1:] = ranked[1:] != ranked[:-1]
        kept = np.empty_like(first)
        kept[order] = first
        if wanted:
            unique, inverse = np.unique(entities[kept], return_inverse=True)
            passes = np.fromiter((bool(wanted & set(types.split("|"))) for types in self.types.take(unique)),
                                 dtype=bool, count=len(unique))
            kept[kept] = passes[inverse]
        return rows, scores, entities, names, kept, filled

    def _hits(self, queries: np.ndarray, rows: np.ndarray, scores: np.ndarray, entities: np.ndarray,
              names: np.ndarray | None, kept: np.ndarray, k: int, results: list[list[Hit]]) -> None:
        """The first k kept hits of each query row as Hits into `results[queries[row]]`; each table is read
        once a batch."""
        per_query = np.bincount(rows[kept], minlength=len(queries))
        rank = np.cumsum(kept) - (np.cumsum(per_query) - per_query)[rows]  # 1, 2, ... among a query's kept
        chosen = kept & (rank <= k)
        entity_ids, values = entities[chosen], scores[chosen].tolist()
        unique, inverse = np.unique(entity_ids, return_inverse=True)
        cuis, preferred = self.cuis.take(unique), self.preferred.take(unique)
        types = [value.split("|") if value else [] for value in self.types.take(unique)]
        matched = self.names.take(names[chosen]) if names is not None else [None] * len(values)
        for row, e, u, name, score in zip(queries[rows[chosen]].tolist(), entity_ids.tolist(), inverse.tolist(),
                                          matched, values, strict=True):
            results[row].append(Hit(cuis[u], e, preferred[u], name, score, list(types[u])))

    def faiss_search(self, vectors: np.ndarray, fetch: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, row ids) of the `fetch` nearest rows, as `search` asks FAISS for them (nprobe, re-ranking);
        a few queries run on one thread (OpenMP start-up cost ~10x a query here)."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        params = None
        if self._ivf_params is not None:
            params = faiss.IndexRefineSearchParameters(k_factor=max(_MIN_K_FACTOR, self.refine / fetch),
                                                       base_index_params=self._ivf_params)
        with _THREADS_LOCK:  # the OpenMP thread count is process-wide: one caller changes it at a time
            if len(vectors) >= _PARALLEL_FROM:
                return self.index.search(vectors, fetch, params=params)
            threads = faiss.omp_get_max_threads()
            faiss.omp_set_num_threads(1)
            try:
                return self.index.search(vectors, fetch, params=params)
            finally:
                faiss.omp_set_num_threads(threads)

    def _filter_tuis(self, values: list[str]) -> set[str]:
        """A type filter as TUIs (see `kebiokg.semantic_groups`): a value that names no type of this KB
        is an error, not an empty result."""
        try:
            return set(self.kb.semantic_type_filter(values) or ())
        except KebiokgError as exc:
            raise EntityIndexError(str(exc)) from exc
