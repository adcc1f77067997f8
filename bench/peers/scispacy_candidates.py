"""Run scispaCy's candidate generator (char 3-gram TF-IDF + nmslib HNSW) on a KB and mention strings.

Runs inside scispaCy's own virtual environment (scispacy 0.6.2 needs scipy<1.11 and numpy<2):
    bench/peers/setup_scispacy.sh /path/to/venv
    /path/to/venv/bin/python bench/peers/scispacy_candidates.py KB.jsonl QUERIES.txt OUT.json [-k 10]
KB.jsonl holds one concept per line: {"concept_id", "canonical_name", "aliases", "types", "definition"}.
Writes {"build_seconds", "query_seconds", "candidates": [[cui, ...] per query]}.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time

from scispacy.candidate_generation import CandidateGenerator, create_tfidf_ann_index
from scispacy.linking_utils import KnowledgeBase


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("kb")
    parser.add_argument("queries")
    parser.add_argument("out")
    parser.add_argument("-k", type=int, default=10)
    args = parser.parse_args()
    with open(args.queries, encoding="utf-8") as handle:
        queries = [line.rstrip("\n") for line in handle]
    kb = KnowledgeBase(args.kb)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        aliases, vectorizer, ann_index = create_tfidf_ann_index(tmp, kb)
        build = time.perf_counter() - started
        generator = CandidateGenerator(ann_index, vectorizer, aliases, kb)
        started = time.perf_counter()
        single = []
        for query in queries[:200]:  # single-query latency, as a linker calls it per mention
            t0 = time.perf_counter()
            generator([query], args.k)
            single.append(time.perf_counter() - t0)
        batched_start = time.perf_counter()
        results = generator(queries, args.k)
        batched = time.perf_counter() - batched_start
    # scispaCy returns candidates in index order; rank them by their best alias similarity.
    candidates = [[c.concept_id for c in sorted(found, key=lambda c: -max(c.similarities))][: args.k]
                  for found in results]
    single.sort()
    with open(args.out, "w", encoding="utf-8") as handle:
        json.dump({"build_seconds": build, "batched_seconds": batched,
                   "single_p50_ms": 1000 * single[len(single) // 2],
                   "single_p99_ms": 1000 * single[min(len(single) - 1, int(len(single) * 0.99))],
                   "candidates": candidates}, handle)


if __name__ == "__main__":
    main()
