"""Annotation benchmark: dictionary build and linking throughput at full UMLS scale, quality and
speed against QuickUMLS and scispaCy's linker on the real UMLS subsets.

    python bench/bench_annotate.py --kb FULL_KB.duckdb       # scale part on a KB you have
    python bench/bench_annotate.py --scale 1.0                # generate + load a synthetic full-scale KB
    python bench/bench_annotate.py --quickumls-python V1/bin/python --nltk-data DIR --scispacy-python V2/bin/python

Scale part: the dictionary of every English name of the KB (time, peak RSS), loading it cached (time,
peak RSS; the load and the linker's setup before the first document), then `kebiokg annotate`
on the real abstracts of ../shared/data (BC5CDR, NCBI-disease, PubMed XML; repeated to --docs) with
1 and 2 workers: abstracts/s per core excludes the dictionary load, which is reported apart.
Quality part, on the dev sets of BC5CDR and NCBI-disease against both real subsets (the same gold
evaluation for all): kebiokg's old default (every type, names as written, MeSH qualifier names),
the type profile alone, the new default profile (types and qualifier names left out) as written,
the new default (that and inflections), the corpus's own types; QuickUMLS 1.4.2 annotating whole
abstracts at its default threshold 0.7 and at 0.9 with the same type profile (its own venv:
bench/peers/setup_quickumls.sh; skipped without --quickumls-python); then scispaCy 0.6.2's linker
on the gold spans (bench/peers/setup_scispacy.sh) against kebiokg's `link_span` (dictionary, then
the lexical FAISS index for spans not in the dictionary).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import kebiokg, measured

ROOT = Path(__file__).resolve().parent.parent
FULL_CONCEPTS = 3_400_000
BYTES_PER_CONCEPT = 6_000

BUILD_DICTIONARY = """
import json, sys, time
from kebiokg.kb import KnowledgeBase
from kebiokg.annotate.dictionary import Dictionary
kb = KnowledgeBase(sys.argv[1])
started = time.perf_counter()
d = Dictionary.build(kb)
build = time.perf_counter() - started
d.save(sys.argv[2])
print("\\n" + json.dumps({"seconds": build, "names": d.meta["names"], "candidates": d.meta["candidates"],
                         "words": d.meta["words"]}))  # on a line of its own, after any DuckDB progress bar
"""

LOAD_DICTIONARY = """
import json, sys, time
from kebiokg.kb import KnowledgeBase
from kebiokg.annotate.dictionary import Dictionary
from kebiokg.annotate.linker import Linker, LinkOptions
kb = KnowledgeBase(sys.argv[1])
profile, types = kb.annotation_types(None)
started = time.perf_counter()
d = Dictionary.load(sys.argv[2], kb)
loaded = time.perf_counter()
Linker(d, LinkOptions(semantic_types=types, type_profile=profile))
print("\\n" + json.dumps({"load": loaded - started, "linker": time.perf_counter() - loaded}))
"""

LINK_GOLD_SPANS = """
import json, sys, time
from kebiokg.kb import KnowledgeBase
from kebiokg.annotate.dictionary import Dictionary
from kebiokg.annotate.linker import Linker, LinkOptions
from kebiokg.documents import read_pubtator
from kebiokg.index import EntityIndex
kb = KnowledgeBase(sys.argv[1])
started = time.perf_counter()
types = kb.annotation_types([sys.argv[5]])[1]  # "all" or "default"
linker = Linker(Dictionary.build(kb), LinkOptions(semantic_types=types))
index = EntityIndex(sys.argv[2], kb)
build = time.perf_counter() - started
docs = list(read_pubtator(sys.argv[3]))
started = time.perf_counter()
with open(sys.argv[4], "w") as out:
    for doc in docs:
        text = doc.text
        entities = linker.link_spans(text, [(m.start, m.end) for m in doc.mentions], index)
        out.write(json.dumps({"id": doc.id, "text": text,
                              "entities": [e.to_json() for e in entities if e is not None]}) + "\\n")
print(json.dumps({"build_seconds": build, "link_seconds": time.perf_counter() - started, "documents": len(docs)}))
"""


def real_abstracts(data: Path, out: Path, target: int) -> int:
    """Write the real abstracts as JSONL ({"id", "text"}), repeated until `target` documents."""
    sys.path.insert(0, str(ROOT))
    from kebiokg.documents import Problems, read_documents

    sources = [data / "corpora" / "bc5cdr", data / "corpora" / "ncbi_disease", data / "pubmed"]
    files = [p for folder in sources for p in sorted(folder.iterdir())
             if p.suffix in (".txt", ".gz", ".xml") and "README" not in p.name]
    texts = [d.text for d in read_documents(files, None, Problems("skip")) if len(d.text) > 200]
    count = 0
    with open(out, "w", encoding="utf-8") as handle:
        while count < target:
            for text in texts[:target - count]:
                handle.write(json.dumps({"id": str(count), "text": text}) + "\n")
                count += 1
    return len(texts)


def annotate_run(kb: Path, source: Path, dictionary: Path, out: Path, workers: int, extra: list[str]) -> dict:
    cmd = kebiokg("annotate", str(source), "--db", str(kb), "--out", str(out), "--dictionary", str(dictionary),
                  "--workers", str(workers), "--quiet", "--json", "--force", *extra)
    wall, rss, stdout = measured(cmd)
    return {**json.loads(stdout), "wall": wall, "rss": rss}


def scale_part(kb: Path, data: Path, tmp: Path, docs: int) -> None:
    unique = real_abstracts(data, tmp / "abstracts.jsonl", docs)
    wall, rss, stdout = measured([sys.executable, "-c", BUILD_DICTIONARY, str(kb), str(tmp / "dict")])
    built = json.loads(stdout.strip().splitlines()[-1])
    size = sum(p.stat().st_size for p in (tmp / "dict").iterdir()) / 2**20
    print(f"\nDictionary of {kb.name}: {built['names']:,} distinct names, {built['candidates']:,} (name, concept) "
          f"pairs, {built['words']:,} words")
    print(f"  build {built['seconds']:.1f} s (process {wall:.1f} s, peak RSS {rss:,.0f} MiB), saved {size:,.0f} MiB")
    wall, rss, stdout = measured([sys.executable, "-c", LOAD_DICTIONARY, str(kb), str(tmp / "dict")])
    load = json.loads(stdout.strip().splitlines()[-1])
    print(f"  cached: load {load['load']:.1f} s + linker setup {load['linker']:.1f} s (process {wall:.1f} s, "
          f"peak RSS {rss:,.0f} MiB)")
    print(f"\nAnnotating {docs:,} real abstracts ({unique:,} distinct, BC5CDR + NCBI-disease + PubMed XML)")
    print(f"{'workers':>7} {'docs/s':>9} {'docs/s/core':>11} {'entities':>10} {'wall s':>7} {'peak MiB':>9}")
    for workers in (1, 2):
        r = annotate_run(kb, tmp / "abstracts.jsonl", tmp / "dict", tmp / f"out{workers}", workers,
                         ["--format", "jsonl"])
        print(f"{workers:>7} {r['documents_per_second']:>9,.0f} {r['documents_per_second'] / workers:>11,.0f} "
              f"{r['entities']:>10,} {r['wall']:>7.1f} {r['rss']:>9,.0f}")


def evaluate(kb: Path, gold: Path, pred: Path) -> dict:
    _, _, out = measured(kebiokg("eval-linking", "--gold", str(gold), "--pred", str(pred), "--db", str(kb), "--json"))
    return json.loads(out)


def gold_span_accuracy(report: dict) -> float:
    """Linking accuracy on gold spans: right CUIs over gold mentions in the KB."""
    return report["strict"]["true_positives"] / max(1, report["strict"]["gold"])


def run_peer(python: Path, script: str, args: list[Path | str], env: dict | None = None) -> None:
    result = subprocess.run([str(python), str(ROOT / "bench" / "peers" / script), *map(str, args)],
                            env=env, capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(f"{script} failed:\n{result.stderr[-2000:]}")


# kebiokg's settings compared on each dev set: (label, annotate options)
SETTINGS = [
    ("old default: all types, as written, qualifiers", ["--semantic-types", "all", "--no-inflections",
                                                         "--qualifier-names"]),
    ("type profile, as written, qualifiers", ["--no-inflections", "--qualifier-names"]),
    ("new default profile, as written", ["--no-inflections"]),
    ("new default: profile + inflections", []),
]


def profile_types(kb: Path) -> str:
    """The TUIs of kebiokg's default type profile on this KB, for QuickUMLS."""
    sys.path.insert(0, str(ROOT))
    from kebiokg.kb import KnowledgeBase

    with KnowledgeBase(kb) as opened:
        return ",".join(sorted(opened.annotation_types(None)[1]))


def quality_part(data: Path, tmp: Path, umls: str, corpus: str, quickumls: Path | None, nltk_data: Path | None,
                 scispacy: Path | None) -> None:
    meta = data / "umls" / umls
    gold = data / "corpora" / corpus
    tmp.mkdir()
    kb = tmp / "kb.duckdb"
    measured(kebiokg("load-umls", str(meta), "--db", str(kb), "--quiet"))
    types = "DISO,CHEM" if "bc5cdr" in corpus else "DISO"  # the gold corpus's entity kinds
    rows = []
    for i, (label, extra) in enumerate([*SETTINGS, (f"corpus types {types}", ["--semantic-types", types])]):
        out = tmp / f"k{i}.jsonl"
        r = annotate_run(kb, gold, tmp / f"dict{i}", out, 1, ["--format", "pubtator", *extra])
        rows.append((label, evaluate(kb, gold, out), r["documents_per_second"]))
    if quickumls:
        env = {**os.environ, "NLTK_DATA": str(nltk_data)} if nltk_data else None
        for threshold in ("0.7", "0.9"):
            out = tmp / f"q{threshold}.jsonl"
            run_peer(quickumls, "quickumls_annotate.py", [meta, gold, out, tmp / "q.json", "--threshold", threshold,
                                                          "--semtypes", profile_types(kb)], env)
            stats = json.loads((tmp / "q.json").read_text())
            rows.append((f"QuickUMLS {stats.get('version', '')} {threshold}, type profile",
                         evaluate(kb, gold, out), stats["documents_per_second"]))
    print(f"\nWhole abstracts: {corpus} ({rows[0][1]['documents']} abstracts) against {umls}, 1 core; "
          f"gold mentions in the KB: {rows[0][1]['gold_mentions_in_kb']} of {rows[0][1]['gold_mentions']}")
    print(f"{'annotator':<48} {'strict P':>8} {'R':>6} {'F1':>6} {'doc F1':>7} {'docs/s':>8}")
    for label, report, rate in rows:
        s, d = report["strict"], report["per_document"]
        print(f"{label:<48} {s['precision']:>8.3f} {s['recall']:>6.3f} {s['f1']:>6.3f} {d['f1']:>7.3f} {rate:>8,.0f}")
    if not quickumls:
        print("  QuickUMLS skipped: no --quickumls-python (bench/peers/setup_quickumls.sh makes one)")
    else:
        print(f"  speed ratio kebiokg (new default) / QuickUMLS 0.7: {rows[3][2] / rows[-2][2]:.1f}x")

    # linking accuracy on gold spans
    index_dir = tmp / "index"
    measured(kebiokg("build-index", "--db", str(kb), "--out", str(index_dir), "--quiet"))
    span_rows = []
    for profile in ("all", "default"):
        _, _, out = measured([sys.executable, "-c", LINK_GOLD_SPANS, str(kb), str(index_dir), str(gold),
                              str(tmp / "ks.jsonl"), profile])
        ours = json.loads(out.strip().splitlines()[-1])
        span_rows.append((f"kebiokg (dictionary + FAISS), {profile} types",
                          gold_span_accuracy(evaluate(kb, gold, tmp / "ks.jsonl")), ours["build_seconds"],
                          ours["documents"] / ours["link_seconds"]))
    if scispacy:
        run_peer(scispacy, "scispacy_link.py", [meta, gold, tmp / "s.jsonl", tmp / "s.json"])
        stats = json.loads((tmp / "s.json").read_text())
        span_rows.append((f"scispaCy {stats.get('version', '')}".strip(),
                          gold_span_accuracy(evaluate(kb, gold, tmp / "s.jsonl")), stats["build_seconds"],
                          stats["documents_per_second"]))
    print("\nLinking the gold spans (accuracy over gold mentions in the KB)")
    print(f"{'linker':<44} {'accuracy':>8} {'build s':>8} {'docs/s':>8}")
    for label, accuracy, build, rate in span_rows:
        print(f"{label:<44} {accuracy:>8.3f} {build:>8.1f} {rate:>8,.0f}")


THRESHOLD_SWEEP = """
import json, sys
from kebiokg.kb import KnowledgeBase
from kebiokg.annotate.dictionary import Dictionary
from kebiokg.annotate.evaluate import evaluate_linking
from kebiokg.annotate.gold import IdMapper
from kebiokg.annotate.linker import Linker, LinkOptions
from kebiokg.documents import read_pubtator
kb = KnowledgeBase(sys.argv[1])
dictionary, mapper = Dictionary.build(kb), IdMapper(kb)
docs = [d for path in sys.argv[3:] for d in read_pubtator(path)]
types = kb.semantic_type_filter(sys.argv[2].split(","))
for threshold in (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0):
    linker = Linker(dictionary, LinkOptions(threshold, types))
    report = evaluate_linking(docs, {d.id: linker.annotate(d.id, d.text) for d in docs}, mapper)
    print(json.dumps({"threshold": threshold, "strict": report.strict.to_json(),
                      "per_document": report.per_document.to_json()}))
"""


def threshold_sweep(data: Path, tmp: Path) -> None:
    """F1 against the --threshold on the dev sets (the default is chosen from this)."""
    tmp.mkdir(exist_ok=True)
    kb = tmp / "ncim.duckdb"
    measured(kebiokg("load-umls", str(data / "umls" / "SAMPLE_NCIM"), "--db", str(kb), "--quiet"))
    dev = [data / "corpora" / "bc5cdr" / "CDR_DevelopmentSet.PubTator.txt",
           data / "corpora" / "ncbi_disease" / "NCBIdevelopset_corpus.txt"]
    _, _, out = measured([sys.executable, "-c", THRESHOLD_SWEEP, str(kb), "DISO,CHEM", *map(str, dev)])
    print("\nThreshold sweep: BC5CDR dev + NCBI-disease dev against SAMPLE_NCIM, --semantic-types DISO,CHEM")
    print(f"{'threshold':>9} {'strict P':>8} {'R':>6} {'F1':>6} {'doc F1':>7}")
    for line in out.strip().splitlines():
        r = json.loads(line)
        s, d = r["strict"], r["per_document"]
        print(f"{r['threshold']:>9.1f} {s['precision']:>8.3f} {s['recall']:>6.3f} {s['f1']:>6.3f} {d['f1']:>7.3f}")


def main() -> None:
    default_data = Path(os.environ.get("KEBIOKG_DATA", ROOT.parent / "shared" / "data"))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kb", type=Path, default=None, help="a loaded KB for the scale part")
    parser.add_argument("--scale", type=float, default=0.0, help="generate a synthetic KB of this fraction of UMLS")
    parser.add_argument("--docs", type=int, default=20_000, help="abstracts to annotate in the scale part")
    parser.add_argument("--quickumls-python", type=Path, default=None, help="python of a QuickUMLS venv")
    parser.add_argument("--nltk-data", type=Path, default=None, help="NLTK_DATA folder made by setup_quickumls.sh")
    parser.add_argument("--scispacy-python", type=Path, default=None, help="python of a scispaCy venv")
    parser.add_argument("--data", type=Path, default=default_data)
    parser.add_argument("--skip-peers", action="store_true", help="only the scale part")
    parser.add_argument("--skip-sweep", action="store_true", help="no threshold sweep")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kebiokg-bench-annotate-") as name:
        tmp = Path(name)
        kb = args.kb
        if kb is None and args.scale > 0:
            concepts = int(FULL_CONCEPTS * args.scale)
            free = shutil.disk_usage(tmp).free
            if free < BYTES_PER_CONCEPT * concepts:
                raise SystemExit(f"needs {BYTES_PER_CONCEPT * concepts / 1e9:.0f} GB free in {tmp}, "
                                 f"has {free / 1e9:.0f}")
            started = time.perf_counter()
            measured(kebiokg("synth-umls", str(tmp / "release"), "--concepts", str(concepts), "--quiet"))
            measured(kebiokg("load-umls", str(tmp / "release"), "--db", str(tmp / "kb.duckdb"), "--quiet"))
            shutil.rmtree(tmp / "release")
            kb = tmp / "kb.duckdb"
            print(f"synthetic KB of {concepts:,} concepts in {time.perf_counter() - started:.0f} s")
        if kb is not None:
            scale_part(kb, args.data, tmp, args.docs)
        if args.skip_peers:
            return
        if not args.skip_sweep:
            threshold_sweep(args.data, tmp / "sweep")
        for umls in ("SAMPLE_NCIM", "SAMPLE_NCI"):
            for corpus in ("bc5cdr/CDR_DevelopmentSet.PubTator.txt", "ncbi_disease/NCBIdevelopset_corpus.txt"):
                quality_part(args.data, tmp / f"{umls}-{corpus.split('/')[0]}", umls, corpus, args.quickumls_python,
                             args.nltk_data, args.scispacy_python)


if __name__ == "__main__":
    main()
