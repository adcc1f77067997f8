"""Benchmark the entity index: build cost at UMLS scale, latency, throughput, recall; scispaCy as the peer.

    python bench/bench_index.py --scale 1.0                  # ~3.4M concepts, ~8M+ English names
    python bench/bench_index.py --scale 0 --scispacy-python /path/to/scispacy-venv/bin/python

Scale part: generate and load a synthetic release, build the index `build-index` picks by size and
the previous default (`--kind ivf`), each in its own process (wall time, peak RSS, size on disk),
then measure both in the same run: single-query p50/p99 (end to end: encode, FAISS, fold names into
concepts, table lookups), batched throughput, and recall@10 against exact search on the same vectors
(each index's own rows: a distinct string each, or a name each in an index built before format 2).
Peer part (real SAMPLE_NCI names): scispaCy's candidate generator (char 3-gram TF-IDF + HNSW)
and kebiokg on the same names and the same mention strings, in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import sqlalchemy as sa
from common import kebiokg, measured

from kebiokg.index import EntityIndex, LexicalEncoder, build_index, encoder_from_config, read_index_info
from kebiokg.kb import KnowledgeBase
from kebiokg.umls_loader.load import load_umls

FULL_CONCEPTS = 3_400_000
BYTES_PER_CONCEPT = 7_000


def sample_names(kb: KnowledgeBase, count: int, seed: int) -> list[tuple[int, str, str]]:
    """(name_id, str, cui) for `count` names spread evenly over the name table."""
    total = kb.query(sa.text("SELECT count(*) FROM names"))[0][0]
    ids = sorted(random.Random(seed).sample(range(total), min(count, total)))
    rows = kb.query(sa.text("SELECT name_id, str, cui FROM names WHERE name_id IN (SELECT unnest(:ids)) "
                            "ORDER BY name_id"), {"ids": ids})  # ordered: the same queries get a typo in every run
    return [tuple(r) for r in rows]


def single_query_latencies(index: EntityIndex, queries: list[str]) -> list[float]:
    """Seconds per `search([query], k=10)` call, sorted, after a warm-up."""
    index.search(queries[:10])
    latencies = []
    for query in queries:
        started = time.perf_counter()
        index.search([query], k=10)
        latencies.append(time.perf_counter() - started)
    return sorted(latencies)


def typo(text: str, rng: random.Random) -> str:
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 2)
    return text[:i] + text[i + 1] + text[i] + text[i + 2:]


def kb_rows(index: EntityIndex, kb: KnowledgeBase, batch_size: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The KB's (row ids, vectors) as `index` numbers its rows: a distinct string each, or, in an index
    built before format 2, a name each."""
    if index.string_offsets is not None:
        yield from index.encoder.encode_kb(kb, batch_size)
        return
    with kb.engine.connect() as conn:
        result = conn.execute(sa.text("SELECT name_id, norm FROM names ORDER BY name_id"))
        while rows := result.fetchmany(batch_size):
            yield np.array([r[0] for r in rows], dtype=np.int64), index.encoder.encode_queries([r[1] for r in rows])


def row_names(index: EntityIndex, rows: np.ndarray) -> np.ndarray:
    """A name id that reads as each row of `index` (-1 stays -1)."""
    if index.string_offsets is None:
        return rows
    return np.where(rows >= 0, index.string_names[index.string_offsets[np.maximum(rows, 0)]], -1)


def exact_top_k(index: EntityIndex, kb: KnowledgeBase, queries: np.ndarray, k: int
                ) -> tuple[np.ndarray, np.ndarray]:
    """Brute-force top-k (row ids, scores) by inner product, streaming the KB's vectors in batches."""
    best_scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
    best_ids = np.full((len(queries), k), -1, dtype=np.int64)
    for ids, vectors in kb_rows(index, kb, 65_536):
        scores = queries @ vectors.T
        all_scores = np.concatenate([best_scores, scores], axis=1)
        all_ids = np.concatenate([best_ids, np.broadcast_to(ids, scores.shape)], axis=1)
        top = np.argpartition(-all_scores, k - 1, axis=1)[:, :k]
        best_scores = np.take_along_axis(all_scores, top, axis=1)
        best_ids = np.take_along_axis(all_ids, top, axis=1)
    return best_ids, best_scores


def recall_with_ties(index: EntityIndex, kb: KnowledgeBase, queries: np.ndarray, approx: np.ndarray,
                     exact_scores: np.ndarray) -> float:
    """Recall@k that counts a hit as right when its true score reaches the k-th exact score.

    In an index of a vector per name (before format 2) many names normalize to the same string and
    so share a vector; which of the tied names exact search returns is arbitrary, so plain id overlap
    understates recall. In one of a vector per distinct string, different strings can still tie.
    """
    encoder = index.encoder
    approx = row_names(index, approx)
    ids = sorted({int(i) for i in approx.ravel() if i >= 0})
    rows = kb.query(sa.text("SELECT name_id, norm FROM names WHERE name_id IN (SELECT unnest(:ids))"), {"ids": ids})
    position = {name_id: i for i, (name_id, _) in enumerate(rows)}
    vectors = encoder.encode_normalized([norm for _, norm in rows])
    kth = exact_scores.min(axis=1)
    hits = [[float(q @ vectors[position[i]]) >= t - 1e-4 for i in row if i >= 0]
            for q, row, t in zip(queries, approx, kth, strict=True)]
    return float(np.mean([sum(h) / approx.shape[1] for h in hits]))


def scale_part(args: argparse.Namespace, work: Path) -> None:
    concepts = int(FULL_CONCEPTS * args.scale)
    db = work / "kb.duckdb"
    if args.db:
        db = args.db
    else:
        release = work / "release"
        wall, _, _ = measured(kebiokg("synth-umls", str(release), "--concepts", str(concepts), "--quiet"))
        print(f"generated {concepts:,} concepts in {wall:.0f} s")
        wall, rss, _ = measured(kebiokg("load-umls", str(release), "--db", str(db), "--quiet"))
        print(f"loaded in {wall:.0f} s (peak RSS {rss:,.0f} MiB)")
        shutil.rmtree(release)
    index_dir = args.index or build(db, work / "index", args, [])
    baseline_dir = args.baseline_index
    if baseline_dir is None and not args.no_baseline:  # the configuration before issue 20, in the same run
        baseline_dir = build(db, work / "baseline-index", args, ["--kind", "ivf"])

    rng = random.Random(args.seed)
    with KnowledgeBase(db) as kb:
        encoder = encoder_from_config(read_index_info(index_dir).encoder)
        sample = sample_names(kb, args.queries, args.seed)
        queries = [typo(text, rng) if i % 2 else text for i, (_, text, _) in enumerate(sample)]
        gold = [cui for _, _, cui in sample]
        vectors = encoder.encode_queries(queries)
        print(f"{'index':<56} {'nprobe':>6} {'p50 ms':>7} {'p99 ms':>7} {'single q/s':>10} {'batch q/s':>10} "
              f"{'R@10 ids':>9} {'R@10 ties':>10} {'concept R@10':>13}")
        sweep = [int(n) for n in args.nprobe_sweep.split(",")] if args.nprobe_sweep else [None]
        runs = [(index_dir, sweep)] + ([(baseline_dir, [None])] if baseline_dir is not None else [])
        for folder, nprobes in runs:
            index = EntityIndex(folder, kb)  # one open at a time: at UMLS scale each holds ~4-5 GB
            if args.refine and folder == index_dir:
                index.set_refine(args.refine)
            started = time.perf_counter()
            exact, exact_scores = exact_top_k(index, kb, vectors, 10)
            print(f"(format {index.info.format}: exact top-10 of {len(queries):,} queries over its "
                  f"{index.info.count:,} rows by brute force: {time.perf_counter() - started:.0f} s)")
            for nprobe in nprobes:
                nprobe = nprobe or index.info.nprobe
                if nprobe:
                    index.set_nprobe(nprobe)
                latencies = single_query_latencies(index, queries[:500])
                started = time.perf_counter()
                results = index.search(queries, k=10)
                batched = time.perf_counter() - started
                concept_recall = np.mean([cui in {h.cui for h in hits}
                                          for cui, hits in zip(gold, results, strict=True)])
                _, approx = index.faiss_search(vectors, 10)  # the candidates search() gets from FAISS
                recall = np.mean([len(set(a) & set(e)) / 10 for a, e in zip(approx, exact, strict=True)])
                tied = recall_with_ties(index, kb, vectors, approx, exact_scores)
                p50 = 1000 * latencies[len(latencies) // 2]
                label = f"{index.info.index_type} (format {index.info.format}" + \
                    (f", refine {index.refine})" if index.refine else ")")
                print(f"{label:<56} {nprobe or '-':>6} {p50:>7.2f} "
                      f"{1000 * latencies[int(len(latencies) * 0.99)]:>7.2f} {len(latencies) / sum(latencies):>10,.0f} "
                      f"{len(queries) / batched:>10,.0f} {recall:>9.3f} {tied:>10.3f} {concept_recall:>13.3f}",
                      flush=True)
            del index
    print("(single query: end to end with k=10 — encode, FAISS, fold names into concepts, look up names; "
          "batched: all queries in one search() call; queries are KB names, half with a typo)")


def build(db: Path, index_dir: Path, args: argparse.Namespace, extra: list[str]) -> Path:
    """Build an index with `kebiokg build-index` in its own process; print its wall time, peak RSS and size."""
    cmd = kebiokg("build-index", "--db", str(db), "--out", str(index_dir), "--quiet", "--json", *extra)
    if args.nlist:
        cmd += ["--nlist", str(args.nlist)]
    if args.nprobe:
        cmd += ["--nprobe", str(args.nprobe)]
    wall, rss, out = measured(cmd)
    info = json.loads(out)
    size = sum(p.stat().st_size for p in index_dir.iterdir())
    label = " ".join(extra) or "(kind by size)"
    print(f"\nbuild-index {label}: {info['count']:,} distinct strings of {info['names']:,} names, "
          f"{info['index_type']} (nprobe {info['nprobe']}), "
          f"{wall:.0f} s wall, peak RSS {rss:,.0f} MiB, {size / 1e9:.2f} GB on disk", flush=True)
    return index_dir


def peer_part(args: argparse.Namespace, work: Path) -> None:
    data = args.data / "umls" / "SAMPLE_NCI"
    db = work / "nci.duckdb"
    load_umls(data, db)
    rng = random.Random(args.seed)
    with KnowledgeBase(db) as kb:
        rows = kb.query(sa.text(
            "SELECT c.cui, c.preferred_name, list(DISTINCT n.str ORDER BY n.str), c.semantic_types "
            "FROM concepts c JOIN names n USING (cui) GROUP BY ALL ORDER BY c.cui"))
        with open(work / "kb.jsonl", "w", encoding="utf-8") as handle:
            for cui, name, aliases, types in rows:
                handle.write(json.dumps({"concept_id": cui, "canonical_name": name, "aliases": aliases,
                                         "types": types, "definition": None}) + "\n")
        sample = sample_names(kb, args.queries, args.seed)
        queries = [typo(text, rng) if i % 2 else text for i, (_, text, _) in enumerate(sample)]
        gold = [cui for _, _, cui in sample]
        (work / "queries.txt").write_text("\n".join(queries) + "\n", encoding="utf-8")
        started = time.perf_counter()
        build_index(kb, LexicalEncoder(), work / "nci-index")
        k_build = time.perf_counter() - started
        index = EntityIndex(work / "nci-index", kb)
        single = single_query_latencies(index, queries[:200])
        started = time.perf_counter()
        ours = [[h.cui for h in hits] for hits in index.search(queries, k=10)]
        k_batched = time.perf_counter() - started
    wall, rss, _ = measured([str(args.scispacy_python), str(Path(__file__).with_name("peers") /
                                                             "scispacy_candidates.py"),
                             str(work / "kb.jsonl"), str(work / "queries.txt"), str(work / "peer.json")])
    peer = json.loads((work / "peer.json").read_text(encoding="utf-8"))

    def recall(candidates: list[list[str]]) -> float:
        return float(np.mean([g in c for g, c in zip(gold, candidates, strict=True)]))

    def top1(candidates: list[list[str]]) -> float:
        return float(np.mean([bool(c) and c[0] == g for g, c in zip(gold, candidates, strict=True)]))

    print(f"\npeer comparison on SAMPLE_NCI ({len(rows):,} concepts; {len(queries):,} name queries, half with a typo)")
    print(f"{'':<24} {'build s':>8} {'p50 ms':>7} {'p99 ms':>7} {'batch q/s':>10} {'acc@1':>6} {'R@10':>6}")
    print(f"{'kebiokg (FAISS flat)':<24} {k_build:>8.1f} {1000 * single[len(single) // 2]:>7.2f} "
          f"{1000 * single[int(len(single) * 0.99)]:>7.2f} {len(queries) / k_batched:>10,.0f} "
          f"{top1(ours):>6.3f} {recall(ours):>6.3f}")
    print(f"{'scispaCy 0.6.2 (HNSW)':<24} {peer['build_seconds']:>8.1f} {peer['single_p50_ms']:>7.2f} "
          f"{peer['single_p99_ms']:>7.2f} {len(queries) / peer['batched_seconds']:>10,.0f} "
          f"{top1(peer['candidates']):>6.3f} {recall(peer['candidates']):>6.3f}   (process peak RSS {rss:,.0f} MiB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of full UMLS; 0 skips the scale part")
    parser.add_argument("--db", type=Path, default=None, help="index this KB instead of generating one")
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--nlist", type=int, default=None)
    parser.add_argument("--nprobe", type=int, default=None)
    parser.add_argument("--nprobe-sweep", default=None, help="comma-separated nprobe values to measure, e.g. 16,64")
    parser.add_argument("--index", type=Path, default=None, help="measure this built index (with --db)")
    parser.add_argument("--refine", type=int, default=None,
                        help="candidates re-ranked per query in the chosen index (ivfpq), instead of its own")
    parser.add_argument("--baseline-index", type=Path, default=None,
                        help="the index of the previous default (build-index --kind ivf) to measure beside it; "
                             "default: build one in this run")
    parser.add_argument("--no-baseline", action="store_true", help="measure only the chosen index")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scispacy-python", type=Path, default=None, help="python of a scispaCy venv (peer part)")
    default_data = Path(os.environ.get("KEBIOKG_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
    parser.add_argument("--data", type=Path, default=default_data)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the work folder (KB, indexes) and print its path")
    args = parser.parse_args()
    base = args.workdir or Path(tempfile.gettempdir())
    need = BYTES_PER_CONCEPT * int(FULL_CONCEPTS * args.scale) if not args.db else 0
    if shutil.disk_usage(base).free < need:
        raise SystemExit(f"not enough free disk in {base} ({need / 1e9:.0f} GB needed)")
    print(f"cores {os.cpu_count()}, python {sys.version.split()[0]}, date {time.strftime('%Y-%m-%d')}")
    work = Path(tempfile.mkdtemp(prefix="kebiokg-index-bench-", dir=base))
    try:
        if args.scale > 0 or args.db:
            scale_part(args, work)
        if args.scispacy_python:
            peer_part(args, work)
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
