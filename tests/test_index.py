"""The entity index: lexical encoder, exact and IVF indexes, round trips, KB checks, a stand-in encoder."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import faiss
import numpy as np
import pytest
import sqlalchemy as sa

from kebiokg import artefacts
from kebiokg.errors import KebiokgError
from kebiokg.index import (
    ArrayEncoder,
    EntityIndex,
    IndexOptions,
    LexicalEncoder,
    build_index,
    faiss_index,
    register_encoder,
)
from kebiokg.index.faiss_index import EntityIndexError
from kebiokg.index.lookup import TABLE_SUFFIXES
from kebiokg.kb import KnowledgeBase
from kebiokg.normalize import inflection_key
from kebiokg.semantic_groups import SEMANTIC_GROUPS
from kebiokg.umls_loader.load import LoadOptions, load_umls


def test_lexical_encoder_properties() -> None:
    encoder = LexicalEncoder(dim=256)
    vectors = encoder.encode_queries(["heart attack", "attack heart", "hert attack", "kidney stone", "", "!!"])
    assert vectors.shape == (6, 256) and vectors.dtype == np.float32
    norms = np.linalg.norm(vectors, axis=1)
    assert np.allclose(norms[:4], 1.0) and np.allclose(norms[4:], 0.0)
    similarity = vectors @ vectors.T
    assert similarity[0, 1] > 0.8  # word order barely matters
    assert similarity[0, 2] > 0.5  # a typo keeps most n-grams
    assert similarity[0, 3] < 0.3
    # Batches and single strings encode identically; normalization is applied to queries.
    assert np.allclose(encoder.encode_queries(["Heart-Attack"])[0], vectors[0])
    with pytest.raises(ValueError, match="power of two"):
        LexicalEncoder(dim=300)


def test_lexical_encoder_reads_plurals_as_their_singular_when_asked() -> None:
    encoder = LexicalEncoder(inflections=True)
    plural, singular = encoder.encode_queries(["Pancreatic disorders", "pancreatic disorder"])
    assert np.array_equal(plural, singular)
    assert LexicalEncoder.from_config(encoder.config()).inflections
    old = LexicalEncoder.from_config({"kind": "lexical", "dim": 256, "ngrams": [3]})  # an index's config before
    assert not old.inflections and not np.array_equal(*old.encode_queries(["disorders", "disorder"]))
    assert not LexicalEncoder().inflections


def test_kb_names_are_keyed_in_sql_as_queries_are_in_python(nci: Path) -> None:
    """The index encodes names keyed by kb_inflection_key, queries by inflection_key: the same vectors,
    one per distinct key, and each string's names read as that string."""
    encoder = LexicalEncoder(inflections=True)
    with KnowledgeBase(nci) as kb:
        ids, vectors = next(encoder.encode_kb(kb, batch_size=20_000))
        norms = dict(kb.query(sa.text("SELECT name_id, norm FROM names")))
        strings, _, names = encoder.string_entries(kb)
        sample = encoder.sample_kb(kb, 500, seed=0)
    assert np.array_equal(ids, np.arange(len(ids))) and len(ids) == len({inflection_key(n) for n in norms.values()})
    assert len(norms) > len(ids) > 5000
    assert np.array_equal(vectors[strings], encoder.encode_queries([norms[i] for i in names.tolist()]))
    assert sample.shape == (500, 256) and all((vectors == row).all(axis=1).any() for row in sample[:5])


@pytest.fixture
def nci(real_data: Path, tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("nci") / "nci.duckdb"
    load_umls(real_data / "umls" / "SAMPLE_NCI", db)
    return db


def synonyms(kb: KnowledgeBase, limit: int, seed: int = 0) -> list[tuple[str, str]]:
    rows = kb.query(sa.text("SELECT DISTINCT str, cui FROM names ORDER BY str, cui"))
    rows = [tuple(r) for r in rows if len(r[0]) >= 5]
    random.Random(seed).shuffle(rows)
    return rows[:limit]


def recall_at(index: EntityIndex, pairs: list[tuple[str, str]], k: int = 10) -> float:
    results = index.search([text for text, _ in pairs], k=k)
    return sum(cui in {h.cui for h in hits} for (_, cui), hits in zip(pairs, results, strict=True)) / len(pairs)


def typo(text: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(text) - 1)
    return text[:i] + text[i + 1] + text[i] + text[i + 2:]  # swap two neighbouring characters


def test_nearest_on_real_synonyms(nci: Path, tmp_path: Path) -> None:
    with KnowledgeBase(nci) as kb:
        info = build_index(kb, LexicalEncoder(), tmp_path / "flat")
        assert info.index_type == "IDMap2,Flat" and info.unit == "name"
        index = EntityIndex(tmp_path / "flat", kb)
        pairs = synonyms(kb, 600)
        assert recall_at(index, pairs) >= 0.97  # every synonym is itself in the index
        rng = random.Random(1)
        typos = [(typo(text, rng), cui) for text, cui in pairs]
        assert recall_at(index, typos) >= 0.80
        reordered = [(" ".join(reversed(text.split())), cui) for text, cui in pairs if " " in text]
        assert recall_at(index, reordered) >= 0.85
        # The exact name comes first, with its concept's preferred name and the matched string.
        hit = index.search(["Mesnum"], k=5)[0][0]
        assert (hit.cui, hit.preferred_name, hit.matched_name) == ("C0000294", "Mesna", "Mesnum")


def test_a_batch_finds_exactly_what_single_searches_find(nci: Path, tmp_path: Path) -> None:
    """Batches fold names into concepts and read the tables with numpy: the same hits, in the same order,
    as one query at a time, with and without a type filter, and for rows that had to fetch more names."""
    with KnowledgeBase(nci) as kb:
        build_index(kb, LexicalEncoder(), tmp_path / "flat")
        index = EntityIndex(tmp_path / "flat", kb)
        rng = random.Random(3)
        queries = [typo(text, rng) if i % 2 else text for i, (text, _) in enumerate(synonyms(kb, 120, seed=4))]
        queries[5:5] = ["", "?!", "mesna"]
        rare = kb.query(sa.text("SELECT tui FROM semantic_types GROUP BY tui ORDER BY count(*), tui LIMIT 1"))[0][0]
        for k, types in ((10, None), (3, ["CHEM"]), (5, [rare])):
            batched = index.search(queries, k=k, semantic_types=types, batch_size=64)
            assert batched == [index.search([q], k=k, semantic_types=types)[0] for q in queries]
            assert sum(map(bool, batched)) >= len(queries) - 2 and not batched[5] and not batched[6]
            assert all(len({h.cui for h in hits}) == len(hits) <= k for hits in batched)  # one hit per concept
        # Each concept is shown by its best name: FAISS's strings expanded into their concepts (by entity id,
        # each with its best-ranked name of the string) and folded by hand, in FAISS's order.
        rows = kb.query(sa.text("SELECT n.norm, c.entity_id, n.cui, n.str FROM names n JOIN concepts c USING (cui) "
                                "ORDER BY n.rank DESC, n.name_id"))
        first_name = dict(kb.query(sa.text("SELECT norm, min(name_id) FROM names GROUP BY norm")))
        concepts_of: dict[str, dict[int, tuple[str, str]]] = {}
        for norm, entity, cui, name in rows:
            concepts_of.setdefault(norm, {}).setdefault(entity, (cui, name))
        strings = sorted(concepts_of, key=first_name.get)  # numbered by their first name
        _, ids = index.index.search(index.encoder.encode_queries(queries), 80)
        batched = index.search(queries, k=10, batch_size=len(queries))
        for hits, row in zip(batched, ids.tolist(), strict=True):
            best = {}
            for string_id in row:
                for _, (cui, name) in sorted(concepts_of[strings[string_id]].items()):
                    best.setdefault(cui, name)
            if len(best) >= 10 and hits:
                assert [(h.cui, h.matched_name) for h in hits] == list(best.items())[:10]


def index_before_strings(kb: KnowledgeBase, built: Path, out: Path) -> None:
    """The folder `build-index` wrote before format 2, for the KB of `built`: an exact index of a vector per
    name (numbered by name_id), name_entity.npy, and index.json without `format` and `names`."""
    info = json.loads((built / faiss_index.META_FILE).read_text())
    out.mkdir()
    tables = [f"{table}{suffix}" for table in ("names", "cuis", "preferred", "types") for suffix in TABLE_SUFFIXES]
    for name in tables:
        shutil.copy(built / name, out / name)
    rows = kb.query(sa.text("SELECT n.name_id, n.norm, c.entity_id FROM names n JOIN concepts c USING (cui) "
                            "ORDER BY n.name_id"))
    index = faiss.index_factory(info["dim"], "IDMap2,Flat", faiss.METRIC_INNER_PRODUCT)
    index.add_with_ids(LexicalEncoder(dim=info["dim"]).encode_normalized([norm for _, norm, _ in rows]),
                       np.array([name_id for name_id, _, _ in rows], dtype=np.int64))
    faiss.write_index(index, str(out / faiss_index.INDEX_FILE))
    np.save(out / faiss_index.NAME_ENTITY_FILE, np.array([entity for _, _, entity in rows], dtype=np.int32))
    del info["format"], info["names"]
    info.update(count=len(rows), files=artefacts.record_files(out, [faiss_index.INDEX_FILE,
                                                                    faiss_index.NAME_ENTITY_FILE, *tables]))
    (out / faiss_index.META_FILE).write_text(json.dumps(info))


def assert_exact_concept_search(kb: KnowledgeBase, index: EntityIndex, queries: list[str], k: int,
                                types: list[str] | None = None) -> None:
    """Hits are the top-k concepts of brute force over every KB name (a concept scores as its best name),
    best first, up to ties: their scores are the k best, every concept that beats the k-th is there,
    and each shows a name of its own that scores as the hit."""
    rows = kb.query(sa.text("SELECT cui, str, norm FROM names ORDER BY name_id"))
    cuis = sorted({cui for cui, _, _ in rows})
    position = {cui: i for i, cui in enumerate(cuis)}
    concept_of_name = np.array([position[cui] for cui, _, _ in rows])
    norm_of = {(cui, name): norm for cui, name, norm in rows}
    vectors = index.encoder.encode_normalized([norm for _, _, norm in rows])
    allowed = np.ones(len(cuis), dtype=bool)
    if types:
        wanted = set(kb.semantic_type_filter(types))
        typed = {cui for cui, tui in kb.query(sa.text("SELECT cui, tui FROM semantic_types")) if tui in wanted}
        allowed = np.array([cui in typed for cui in cuis])
    for query, hits in zip(queries, index.search(queries, k=k, semantic_types=types), strict=True):
        vector = index.encoder.encode_queries([query])[0]
        best = np.full(len(cuis), -np.inf, dtype=np.float32)
        np.maximum.at(best, concept_of_name, vectors @ vector)
        best[~allowed] = -np.inf
        expected = np.sort(best[np.isfinite(best)])[::-1][:k]
        assert np.allclose([h.score for h in hits], expected, atol=1e-5), query
        beaten = {cuis[c] for c in np.flatnonzero(best > expected[-1] + 1e-5)}
        assert beaten <= {h.cui for h in hits}, query
        for hit in hits:
            assert np.isclose(best[position[hit.cui]], hit.score, atol=1e-5), (query, hit)
            matched = index.encoder.encode_normalized([norm_of[hit.cui, hit.matched_name]])[0]
            assert np.isclose(matched @ vector, hit.score, atol=1e-5), (query, hit)


def test_each_distinct_string_is_indexed_once_and_found_as_every_name_was(synthetic_kb: Path,
                                                                           tmp_path: Path) -> None:
    """A name index holds a vector per distinct string; a hit on a string stands for every concept with
    it, so search returns what a vector per name returned (brute force, and an index of format 1 opened
    as it was written)."""
    with KnowledgeBase(synthetic_kb) as kb:
        info = build_index(kb, LexicalEncoder(), tmp_path / "strings")
        counts = kb.query(sa.text("SELECT count(*), count(DISTINCT norm) FROM names"))[0]
        assert (info.format, info.names, info.count) == (faiss_index.FORMAT, *counts) and counts[0] > counts[1]
        shared = [norm for (norm,) in kb.query(sa.text(
            "SELECT norm FROM names GROUP BY norm HAVING count(DISTINCT cui) > 1 ORDER BY norm"))]
        assert len(shared) >= 10  # strings of several concepts: a hit on one must show them all
        rng = random.Random(8)
        queries = shared[:20] + [typo(text, rng) if i % 2 else text for i, (text, _) in enumerate(synonyms(kb, 40))]
        index_before_strings(kb, tmp_path / "strings", tmp_path / "names")
        strings, names = EntityIndex(tmp_path / "strings", kb), EntityIndex(tmp_path / "names", kb, verify=True)
        assert (names.info.format, names.info.names, names.name_entity is not None) == (1, None, True)
        frequent = kb.query(sa.text("SELECT tui FROM semantic_types GROUP BY tui ORDER BY count(*) DESC LIMIT 1"))
        for index in (strings, names):
            assert_exact_concept_search(kb, index, queries, k=5)
            assert_exact_concept_search(kb, index, queries[:30], k=3, types=[frequent[0][0]])
        meta = tmp_path / "strings" / faiss_index.META_FILE
        meta.write_text(json.dumps({**json.loads(meta.read_text()), "format": faiss_index.FORMAT + 1}))
        with pytest.raises(EntityIndexError, match="written by a later kebiokg"):
            EntityIndex(tmp_path / "strings", kb)


def test_ivf_round_trip_and_recall_against_exact(nci: Path, tmp_path: Path) -> None:
    with KnowledgeBase(nci) as kb:
        build_index(kb, LexicalEncoder(), tmp_path / "flat")
        info = build_index(kb, LexicalEncoder(), tmp_path / "ivf", IndexOptions(kind="ivf", nlist=64, nprobe=16))
        assert info.index_type == "IVF64_HNSW32,SQ8" and info.nprobe == 16
        exact, approx = EntityIndex(tmp_path / "flat", kb), EntityIndex(tmp_path / "ivf", kb)
        queries = [text for text, _ in synonyms(kb, 300, seed=2)]

        def overlap() -> float:
            return float(np.mean([len({h.cui for h in a} & {h.cui for h in b}) / max(1, len(a))
                                  for a, b in zip(exact.search(queries), approx.search(queries), strict=True)]))

        assert overlap() >= 0.8  # a quarter of the lists probed
        approx.set_nprobe(64)
        assert overlap() >= 0.93  # every list probed: only 8-bit quantization differs from exact
        again = EntityIndex(tmp_path / "ivf", kb)  # round trip: same results after reopening
        again.set_nprobe(64)
        assert [[h.cui for h in r] for r in again.search(queries[:50])] == \
               [[h.cui for h in r] for r in approx.search(queries[:50])]


def test_above_the_exact_threshold_auto_picks_fast_scan_pq_re_ranked_on_sq8(nci: Path, tmp_path: Path) -> None:
    with KnowledgeBase(nci) as kb:
        build_index(kb, LexicalEncoder(), tmp_path / "flat")
        info = build_index(kb, LexicalEncoder(), tmp_path / "pq", IndexOptions(exact_max=1000))
        assert info.index_type == "IDMap,IVF128_HNSW32,PQ64x4fs,Refine(SQ8)" and (info.nprobe, info.refine) == (32, 200)
        assert build_index(kb, LexicalEncoder(), tmp_path / "small", IndexOptions(exact_max=10**6)).index_type == \
            "IDMap2,Flat"
        exact, approx = EntityIndex(tmp_path / "flat", kb), EntityIndex(tmp_path / "pq", kb)
        rng = random.Random(5)
        queries = [typo(text, rng) if i % 2 else text for i, (text, _) in enumerate(synonyms(kb, 300, seed=6))]
        vectors = exact.encoder.encode_queries(queries)
        true_scores, _ = exact.faiss_search(vectors, 10)

        def tied_recall() -> float:  # the share of returned names scoring at least the exact 10th score
            _, ids = approx.faiss_search(vectors, 10)
            names = exact.string_names[exact.string_offsets[ids.ravel()]]  # a name reading as each string row
            found = exact.encoder.encode_queries(exact.names.take(names)).reshape(*ids.shape, -1)
            return float(np.mean(np.einsum("qd,qkd->qk", vectors, found) >= true_scores[:, -1:] - 1e-4))

        assert tied_recall() >= 0.88  # 32 of 128 lists (measured 0.904; 0.915 of 256 lists over a vector per name)
        approx.set_nprobe(128)  # every list: only the PQ candidates re-ranked on SQ8 differ from exact
        assert tied_recall() >= 0.97
        approx.set_refine(20)  # the re-ranking depth reaches FAISS: fewer candidates, fewer found
        assert tied_recall() < 0.93  # measured 0.885 (0.97+ at 200)
        approx.set_refine(200)
        approx.set_nprobe(2)
        assert tied_recall() < 0.85  # nprobe reaches FAISS through the search parameters
        approx.set_nprobe(32)
        batched = approx.search(queries, k=10)  # many queries on two threads, one on one: the same hits
        assert batched == [approx.search([q], k=10)[0] for q in queries]


def test_a_search_probes_exactly_the_lists_whose_centroids_are_nearest(nci: Path, tmp_path: Path) -> None:
    """The HNSW graph over the centroids serves the build; a search compares each query with every centroid."""
    with KnowledgeBase(nci) as kb:
        build_index(kb, LexicalEncoder(), tmp_path / "pq", IndexOptions(exact_max=1000))
        index = EntityIndex(tmp_path / "pq", kb)
        ivf = faiss.extract_index_ivf(index.index)
        centroids = ivf.quantizer.reconstruct_n(0, ivf.nlist)
        vectors = index.encoder.encode_queries([text for text, _ in synonyms(kb, 300, seed=8)])
        for nprobe in (2, 32):
            index.set_nprobe(nprobe)
            nearest = np.argsort(-(vectors @ centroids.T), axis=1, kind="stable")[:, :nprobe]
            scores = np.take_along_axis(vectors @ centroids.T, nearest, axis=1)
            ivf.nprobe = nprobe  # what search_preassigned reads; the search gets it from the parameters
            expected = ivf.search_preassigned(vectors, 20, nearest, scores)[1]
            assert (ivf.search(vectors, 20, params=index._ivf_params)[1] == expected).all()


def test_index_kind_by_size_dimension_and_gpu() -> None:
    kind = faiss_index._index_kind
    assert kind(10, 256, IndexOptions(exact_max=10), gpus=0) == "flat"
    assert kind(11, 256, IndexOptions(exact_max=10), gpus=0) == "ivfpq"
    assert kind(11, 256, IndexOptions(exact_max=10), gpus=1) == "ivf"  # fast-scan PQ has no GPU version
    assert kind(11, 256, IndexOptions(exact_max=10, use_gpu=False), gpus=1) == "ivfpq"
    assert kind(11, 102, IndexOptions(exact_max=10), gpus=0) == "ivf"  # no 4-dim sub-vectors
    with pytest.raises(KebiokgError, match="divisible by 4"):
        kind(11, 102, IndexOptions(kind="ivfpq"), gpus=0)
    with pytest.raises(KebiokgError, match="index kind must be one of"):
        kind(11, 256, IndexOptions(kind="hnsw"), gpus=0)


def test_an_index_built_before_ivfpq_still_opens_and_searches_as_built(nci: Path, tmp_path: Path) -> None:
    """index.json of an earlier version has no `refine`: the index is read as the IVF + SQ8 index it is."""
    with KnowledgeBase(nci) as kb:
        build_index(kb, LexicalEncoder(), tmp_path / "ivf", IndexOptions(kind="ivf", nlist=64, nprobe=16))
        queries = [text for text, _ in synonyms(kb, 100, seed=7)]
        before = EntityIndex(tmp_path / "ivf", kb).search(queries)
        meta = tmp_path / "ivf" / "index.json"
        info = json.loads(meta.read_text())
        assert info.pop("refine") is None
        meta.write_text(json.dumps(info))
        old = EntityIndex(tmp_path / "ivf", kb)
        assert old.info.refine is None and old.search(queries) == before


def test_semantic_type_filter_and_edge_queries(nci: Path, tmp_path: Path, monkeypatch) -> None:
    with KnowledgeBase(nci) as kb:
        build_index(kb, LexicalEncoder(), tmp_path / "flat")
        index = EntityIndex(tmp_path / "flat", kb)
        genes = index.search(["mesna"], k=5, semantic_types=["T028"])[0]
        assert genes and all("T028" in h.semantic_types for h in genes)
        by_name = index.search(["mesna"], k=5, semantic_types=["Pharmacologic Substance"])[0]
        assert by_name[0].cui == "C0000294"
        assert index.search(["mesna"], k=5, semantic_types=["pharmacologic substance"])[0] == by_name  # any case
        chemicals = index.search(["mesna"], k=5, semantic_types=["CHEM"])[0]  # a semantic group
        assert chemicals[0].cui == "C0000294" and all(set(h.semantic_types) & set(SEMANTIC_GROUPS["CHEM"])
                                                      for h in chemicals)
        with pytest.raises(EntityIndexError, match="'Disease or Syndrom': not a TUI"):  # a typo is an error,
            index.search(["mesna"], k=5, semantic_types=["Disease or Syndrom"])  # not a search of every name

        def crash(*args):
            raise KeyboardInterrupt

        with monkeypatch.context() as patched:  # a rebuild into the same folder, cut short: the old
            patched.setattr(faiss_index, "record_files", crash)  # after every file: the old index stays whole
            with pytest.raises(KeyboardInterrupt):
                build_index(kb, LexicalEncoder(dim=64), tmp_path / "flat")
        assert EntityIndex(tmp_path / "flat", kb, verify=True).search(["mesna"], k=5) == index.search(["mesna"], k=5)
        assert not [p for p in tmp_path.iterdir() if p.name.startswith(".flat")]
        assert index.search(["", "?!"], k=5) == [[], []]
        long_query = "mesna " * 2000
        assert index.search([long_query], k=3)[0][0].cui == "C0000294"
        many = index.search(["mesna"] * 3000, k=2, batch_size=512)
        assert len(many) == 3000 and all(r[0].cui == "C0000294" for r in many)


def test_index_from_another_kb_is_refused(tiny_release: Path, nci: Path, tmp_path: Path) -> None:
    with KnowledgeBase(nci) as kb:
        build_index(kb, LexicalEncoder(), tmp_path / "idx")
    tiny = tmp_path / "tiny.duckdb"
    load_umls(tiny_release, tiny)
    with KnowledgeBase(tiny) as kb:
        with pytest.raises(EntityIndexError, match="built from another KB"):
            EntityIndex(tmp_path / "idx", kb)
        with pytest.raises(EntityIndexError, match="no index here"):
            EntityIndex(tmp_path / "nowhere", kb)
    filtered = tmp_path / "filtered.duckdb"  # the same release with other filters is another KB too
    load_umls(tiny_release, filtered, LoadOptions(langs=None))
    with KnowledgeBase(filtered) as kb:
        build_index(kb, LexicalEncoder(), tmp_path / "filtered-idx")
    with KnowledgeBase(tiny) as kb, pytest.raises(EntityIndexError, match="built from another KB"):
        EntityIndex(tmp_path / "filtered-idx", kb)


def test_stand_in_learned_encoder_plugs_in(tiny_release: Path, tmp_path: Path) -> None:
    """An entity-table encoder (the shape of the model's) needs no change to the index code."""
    db = tmp_path / "kb.duckdb"
    load_umls(tiny_release, db)
    table = np.eye(3, 8, dtype=np.float32)  # entity_id i -> basis vector i

    def mention_encoder(texts):
        return np.stack([table[0] if "heart" in t else table[1] if "aspirin" in t.lower() else table[2]
                         for t in texts])

    def factory(config: dict) -> ArrayEncoder:
        return ArrayEncoder("stand-in", table, mention_encoder, {"version": config["version"]})

    register_encoder("stand-in", factory)
    with KnowledgeBase(db) as kb:
        info = build_index(kb, factory({"version": 1}), tmp_path / "learned")
        assert (info.unit, info.count, info.dim) == ("entity", 3, 8)
        index = EntityIndex(tmp_path / "learned", kb)  # encoder rebuilt from the saved config
        results = index.search(["a heart problem", "Aspirin tablets"], k=1)
        assert [r[0].cui for r in results] == ["C0000001", "C0000002"]
        assert results[0][0].matched_name is None


def test_rare_type_filter_fetches_until_k_or_exhausted(nci: Path, tmp_path: Path) -> None:
    with KnowledgeBase(nci) as kb:
        build_index(kb, LexicalEncoder(), tmp_path / "flat")
        index = EntityIndex(tmp_path / "flat", kb)
        rare = kb.query(sa.text("SELECT tui, count(*) AS n FROM semantic_types GROUP BY tui ORDER BY n, tui LIMIT 1"))
        tui, count = rare[0]
        hits = index.search(["fever"], k=5, semantic_types=[tui])[0]
        assert len(hits) == min(5, count) and all(tui in h.semantic_types for h in hits)


def test_damaged_index_files_are_a_clear_error(tiny_release: Path, tmp_path: Path, monkeypatch) -> None:
    """A truncated, missing or altered file is an error naming it and the command that rebuilds the index,
    never hits with empty names or a numpy traceback."""
    db, idx = tmp_path / "kb.duckdb", tmp_path / "idx"
    load_umls(tiny_release, db)
    with KnowledgeBase(db) as kb:
        build_index(kb, LexicalEncoder(), idx)
        pristine = {path.name: path.read_bytes() for path in idx.iterdir()}

        def damaged(name: str, data: bytes | None, expected: str, verify: bool = False) -> None:
            for other, content in pristine.items():
                (idx / other).write_bytes(content)
            if data is None:
                (idx / name).unlink()
            else:
                (idx / name).write_bytes(data)
            with pytest.raises(EntityIndexError, match=expected):
                EntityIndex(idx, kb, verify=verify)

        damaged("names.bin", pristine["names.bin"][:-5], "names.bin has 68 bytes, 73 when written \\(truncated or "
                "damaged\\); rebuild it with `kebiokg build-index`")
        damaged("string_entities.npy", pristine["string_entities.npy"][:-4], "string_entities.npy has .* \\(truncated")
        damaged("index.faiss", b"garbage", "index.faiss has 7 bytes")
        damaged("types.offsets.npy", None, "types.offsets.npy is missing")
        altered = pristine["names.bin"].replace(b"Aspirin", b"Asperin")  # same size, other bytes
        damaged("names.bin", altered, "names.bin differs from the file written")  # small: hashed on every open
        monkeypatch.setattr(artefacts, "CHEAP_BYTES", 0)  # a large index: sizes only, unless asked
        assert EntityIndex(idx, kb).search(["aspirin"], k=1)[0][0].matched_name == "Asperin"
        damaged("names.bin", altered, "names.bin differs from the file written", verify=True)
        damaged("index.json", b"{", "damaged index metadata")
        info = json.loads(pristine["index.json"])
        damaged("index.json", json.dumps({**info, "files": None}).encode(), "no record of its files")


def test_a_rebuild_replaces_an_index_whole_and_never_a_folder_of_other_files(tiny_release: Path,
                                                                              tmp_path: Path) -> None:
    db, idx = tmp_path / "kb.duckdb", tmp_path / "idx"
    load_umls(tiny_release, db)
    with KnowledgeBase(db) as kb:
        build_index(kb, LexicalEncoder(dim=64), idx)
        (idx / "index.faiss.old-junk").write_text("left by hand")
        build_index(kb, LexicalEncoder(dim=128), idx)  # an index folder: replaced as a whole
        assert EntityIndex(idx, kb).info.encoder["dim"] == 128 and not (idx / "index.faiss.old-junk").exists()
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".idx")] == []
        papers = tmp_path / "papers"
        papers.mkdir()
        (papers / "draft.txt").write_text("mine")
        with pytest.raises(KebiokgError, match="not empty and not an artefact of this kind"):
            build_index(kb, LexicalEncoder(), papers)
        assert (papers / "draft.txt").read_text() == "mine"
