"""Quality of `nearest` on real text: corpus mentions whose MeSH/OMIM id maps to a CUI of a real UMLS subset.

    python bench/bench_nearest_quality.py [--data ../shared/data]

For each subset (SAMPLE_NCI, SAMPLE_NCIM) and corpus split (BC5CDR, NCBI-disease test sets by
default), mentions are linked to gold CUIs through `source_codes` (SAB=MSH / OMIM, CODE=id).
Reports coverage (mentions with a gold CUI in the KB), then acc@1 and recall@10 over covered
mentions for `nearest` (lexical index) and for the exact normalized-string-match baseline.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from kebiokg.annotate.gold import IdMapper
from kebiokg.documents import read_pubtator
from kebiokg.index import EntityIndex, LexicalEncoder, build_index
from kebiokg.kb import KnowledgeBase
from kebiokg.normalize import normalize_name
from kebiokg.umls_loader.load import load_umls

CORPORA = {
    "BC5CDR test": "corpora/bc5cdr/CDR_TestSet.PubTator.txt",
    "NCBI-disease test": "corpora/ncbi_disease/NCBItestset_corpus.txt",
}


def evaluate(kb: KnowledgeBase, index: EntityIndex, corpus: Path) -> dict:
    mapper = IdMapper(kb)
    mentions = [(m.text, set(mapper.mention_cuis(m.ids, m.type))) for doc in read_pubtator(corpus)
                for m in doc.mentions]
    covered = [(text, gold) for text, gold in mentions if gold]
    started = time.perf_counter()
    results = index.search([text for text, _ in covered], k=10)
    seconds = time.perf_counter() - started
    acc1 = sum(bool(hits) and hits[0].cui in gold for (_, gold), hits in zip(covered, results, strict=True))
    rec10 = sum(bool(gold & {h.cui for h in hits}) for (_, gold), hits in zip(covered, results, strict=True))
    exact_acc1 = exact_rec = 0
    for text, gold in covered:
        found = kb.cuis_for_norm(normalize_name(text))
        exact_rec += bool(gold & set(found))
        exact_acc1 += len(found) == 1 and found[0] in gold  # an ambiguous exact match has no top-1
    n = max(1, len(covered))
    return {"mentions": len(mentions), "covered": len(covered), "acc1": acc1 / n, "rec10": rec10 / n,
            "exact_acc1": exact_acc1 / n, "exact_rec": exact_rec / n, "queries_per_s": len(covered) / seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    default = Path(os.environ.get("KEBIOKG_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
    parser.add_argument("--data", type=Path, default=default)
    args = parser.parse_args()
    print(f"{'subset':<12} {'corpus':<18} {'mentions':>8} {'covered':>8} {'acc@1':>6} {'R@10':>6} "
          f"{'exact@1':>7} {'exactR':>6} {'q/s':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        for subset in ("SAMPLE_NCI", "SAMPLE_NCIM"):
            db = Path(tmp) / f"{subset}.duckdb"
            load_umls(args.data / "umls" / subset, db)
            with KnowledgeBase(db) as kb:
                build_index(kb, LexicalEncoder(), Path(tmp) / subset)
                index = EntityIndex(Path(tmp) / subset, kb)
                for name, rel in CORPORA.items():
                    r = evaluate(kb, index, args.data / rel)
                    print(f"{subset:<12} {name:<18} {r['mentions']:>8,} {r['covered']:>8,} {r['acc1']:>6.3f} "
                          f"{r['rec10']:>6.3f} {r['exact_acc1']:>7.3f} {r['exact_rec']:>6.3f} "
                          f"{r['queries_per_s']:>7,.0f}")


if __name__ == "__main__":
    main()
