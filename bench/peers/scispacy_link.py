"""Link the gold mentions of a PubTator file with scispaCy's EntityLinker (a peer for kebiokg's benchmark).

Runs inside scispaCy's own virtual environment (scispacy 0.6.2 needs scipy<1.11 and numpy<2):
    bench/peers/setup_scispacy.sh /tmp/peer-scispacy-venv
    /tmp/peer-scispacy-venv/bin/python bench/peers/scispacy_link.py \\
        META_DIR PUBTATOR_FILE OUT.jsonl STATS.json [--limit N] [--k 30] [--threshold 0.0]

META_DIR holds MRCONSO.RRF, MRSTY.RRF and MRDEF.RRF. A scispaCy KnowledgeBase jsonl is written to a
temporary folder, one concept per line, from English non-suppressed rows (LAT=ENG, SUPPRESS=N):
    {"concept_id": CUI, "canonical_name": the TS=P, STT=PF, ISPREF=Y name (else the first English name),
     "aliases": the other English names, "types": TUIs from MRSTY, "definition": first MRDEF definition}
then scispaCy's char-3-gram TF-IDF + nmslib HNSW index is built (create_tfidf_ann_index, timed).

scispaCy's NER models cannot be downloaded offline, so the gold spans stand in for them: each document
is a `spacy.blank("en")` doc whose `doc.ents` are the gold character spans widened to token boundaries
(doc.char_span(..., alignment_mode="expand")), and scispaCy's EntityLinker links them (k nearest
aliases, a concept scores its best alias similarity, the top concept is kept when its score exceeds
the threshold; no abbreviation resolution; `--filter-definitions` restores the linker's default of
preferring concepts with a definition). Overlapping gold spans are linked in separate passes, since
doc.ents cannot overlap.

Writes OUT.jsonl in kebiokg's corpus format, one entity per gold mention that got a candidate, with the
gold offsets (cui = top candidate, score = its similarity, types from the KB):
    {"id", "text": title + " " + abstract, "entities": [{"start", "end", "text", "cui", "score", "types"}]}
and STATS.json {"peer", "version", "build_seconds", "link_seconds", "documents", "mentions", "linked",
"documents_per_second", ...}; link time excludes building the KB and the index.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import scispacy
import spacy
from pubtator_io import Mention, read_pubtator
from scispacy.candidate_generation import CandidateGenerator, create_tfidf_ann_index
from scispacy.linking import EntityLinker
from scispacy.linking_utils import KnowledgeBase
from spacy.tokens import Doc, Span

# Column positions in the RRF files (every row ends with "|": one empty field more).
CUI, LAT, TS, STT, ISPREF, STR, SUPPRESS = 0, 1, 2, 4, 6, 14, 16  # MRCONSO
STY_TUI = 1  # MRSTY: CUI|TUI|STN|STY|ATUI|CVF
DEF_TEXT, DEF_SUPPRESS = 5, 6  # MRDEF: CUI|AUI|ATUI|SATUI|SAB|DEF|SUPPRESS|CVF


def _rows(path: Path) -> Iterator[list[str]]:
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            yield line.rstrip("\r\n").split("|")


def write_kb(meta_dir: Path, out: Path) -> int:
    """A scispaCy KnowledgeBase jsonl from the RRF files; returns the number of concepts."""
    names: dict[str, list[str]] = {}
    canonical: dict[str, str] = {}
    for row in _rows(meta_dir / "MRCONSO.RRF"):
        if row[LAT] != "ENG" or row[SUPPRESS] != "N":
            continue
        cui, name = row[CUI], row[STR]
        seen = names.setdefault(cui, [])
        if name not in seen:
            seen.append(name)
        if cui not in canonical and row[TS] == "P" and row[STT] == "PF" and row[ISPREF] == "Y":
            canonical[cui] = name
    types: dict[str, list[str]] = {}
    for row in _rows(meta_dir / "MRSTY.RRF"):
        if row[CUI] in names and row[STY_TUI] not in types.setdefault(row[CUI], []):
            types[row[CUI]].append(row[STY_TUI])
    definitions: dict[str, str] = {}
    mrdef = meta_dir / "MRDEF.RRF"
    if mrdef.exists():
        for row in _rows(mrdef):
            if row[CUI] in names and row[DEF_SUPPRESS] == "N":
                definitions.setdefault(row[CUI], row[DEF_TEXT])
    with open(out, "w", encoding="utf-8") as handle:
        for cui, strings in names.items():
            name = canonical.get(cui, strings[0])
            record = {"concept_id": cui, "canonical_name": name, "aliases": [s for s in strings if s != name],
                      "types": types.get(cui, []), "definition": definitions.get(cui)}
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return len(names)


def overlap_free_layers(spans: list[Span]) -> list[list[Span]]:
    """Distinct spans split into groups without overlaps (doc.ents cannot overlap), greedily by start."""
    layers: list[list[Span]] = []
    for span in sorted({(s.start, s.end): s for s in spans}.values(), key=lambda s: (s.start, -s.end)):
        for layer in layers:
            if layer[-1].end <= span.start:
                layer.append(span)
                break
        else:
            layers.append([span])
    return layers


def link_document(linker: EntityLinker, doc: Doc, spans: list[Span]) -> dict[tuple[int, int], tuple[str, float]]:
    """The top (cui, score) the linker gives each token span (keyed by token offsets) that gets a candidate."""
    linked: dict[tuple[int, int], tuple[str, float]] = {}
    for layer in overlap_free_layers(spans):
        doc.ents = layer
        linker(doc)
        for ent in doc.ents:
            if ent._.kb_ents:
                linked[(ent.start, ent.end)] = ent._.kb_ents[0]
    return linked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("meta_dir", type=Path, help="folder with MRCONSO.RRF, MRSTY.RRF and MRDEF.RRF")
    parser.add_argument("pubtator", type=Path, help="PubTator file whose gold mentions are linked")
    parser.add_argument("out", type=Path, help="linked corpus to write (JSONL)")
    parser.add_argument("stats", type=Path, help="timings to write (JSON)")
    parser.add_argument("--k", type=int, default=30, help="nearest aliases looked up per mention (default 30)")
    parser.add_argument("--threshold", type=float, default=0.0,
                        help="keep the top candidate when its similarity exceeds this (default 0.0)")
    parser.add_argument("--filter-definitions", action="store_true",
                        help="the linker's default: skip concepts without a definition unless they score >= 0.95")
    parser.add_argument("--limit", type=int, default=None, help="link only the first N documents")
    parser.add_argument("--index-dir", type=Path, default=None,
                        help="save the TF-IDF/ANN index here, or load it if already there (build_seconds then "
                             "measures loading); default: a fresh index in memory")
    args = parser.parse_args()

    documents = list(read_pubtator(args.pubtator))[: args.limit]
    index_cached = args.index_dir is not None and (args.index_dir / "nmslib_index.bin").exists()
    with tempfile.TemporaryDirectory(prefix="scispacy-kb-") as tmp:
        kb_path = Path(tmp) / "kb.jsonl"
        started = time.perf_counter()
        concepts = write_kb(args.meta_dir, kb_path)
        kb = KnowledgeBase(str(kb_path))
        kb_seconds = time.perf_counter() - started
        started = time.perf_counter()
        with contextlib.redirect_stdout(sys.stderr):  # scispaCy reports its progress on stdout
            if args.index_dir is not None:
                args.index_dir.mkdir(parents=True, exist_ok=True)
            index_dir = None if args.index_dir is None else str(args.index_dir)
            aliases, vectorizer, ann_index = create_tfidf_ann_index(index_dir, kb)
        build_seconds = time.perf_counter() - started

    generator = CandidateGenerator(ann_index, vectorizer, aliases, kb)
    linker = EntityLinker(candidate_generator=generator, resolve_abbreviations=False, k=args.k,
                          threshold=args.threshold, filter_for_definitions=args.filter_definitions,
                          max_entities_per_mention=1)
    nlp = spacy.blank("en")

    records = []
    mentions = unaligned = 0
    started = time.perf_counter()
    for document in documents:
        text = document.text
        doc = nlp(text)
        gold: list[tuple[Mention, Span]] = []
        for mention in document.mentions:
            mentions += 1
            span = doc.char_span(mention.start, mention.end, label="MENTION", alignment_mode="expand")
            if span is None:
                unaligned += 1
            else:
                gold.append((mention, span))
        linked = link_document(linker, doc, [span for _, span in gold])
        entities = []
        for mention, span in gold:
            if (span.start, span.end) in linked:
                cui, score = linked[(span.start, span.end)]
                entities.append({"start": mention.start, "end": mention.end, "text": text[mention.start:mention.end],
                                 "cui": cui, "score": round(float(score), 4),
                                 "types": list(kb.cui_to_entity[cui].types)})
        records.append({"id": document.id, "text": text, "entities": entities})
    link_seconds = time.perf_counter() - started

    with open(args.out, "w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    stats = {
        "peer": "scispacy",
        "version": scispacy.__version__,
        "spacy_version": spacy.__version__,
        "concepts": concepts,
        "aliases": len(aliases),
        "kb_seconds": round(kb_seconds, 4),
        "build_seconds": round(build_seconds, 4),
        "link_seconds": round(link_seconds, 4),
        "documents": len(records),
        "mentions": mentions,
        "unaligned": unaligned,
        "linked": sum(len(r["entities"]) for r in records),
        "documents_per_second": round(len(records) / link_seconds, 2) if link_seconds > 0 else None,
        "mentions_per_second": round(mentions / link_seconds, 2) if link_seconds > 0 else None,
        "k": args.k,
        "threshold": args.threshold,
        "filter_definitions": args.filter_definitions,
        "index_cached": index_cached,
    }
    args.stats.write_text(json.dumps(stats, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(stats))


if __name__ == "__main__":
    main()
