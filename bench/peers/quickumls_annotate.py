"""Annotate PubTator abstracts with QuickUMLS (a peer for kebiokg's annotator benchmark).

Runs inside QuickUMLS's own virtual environment (quickumls 1.4.2; its pins clash with kebiokg's):
    bench/peers/setup_quickumls.sh /tmp/peer-quickumls-venv /tmp/nltk_data
    NLTK_DATA=/tmp/nltk_data /tmp/peer-quickumls-venv/bin/python bench/peers/quickumls_annotate.py \\
        META_DIR PUBTATOR_FILE OUT.jsonl STATS.json [--threshold 0.7] [--semtypes T047,T121] [--limit N]
(`--nltk-data /tmp/nltk_data` instead of NLTK_DATA works too.)

META_DIR holds MRCONSO.RRF and MRSTY.RRF. QuickUMLS's database is built into a temporary folder with
the installer's own functions (its `quickumls.install` entry point would first load or download the
spaCy model en_core_web_sm, and it prompts unless the destination is an existing empty folder):
English names only, lowercased and unicode-normalised, so matching is case-insensitive.

No spaCy model is available offline, so the matcher runs as a spaCy component over `spacy.blank("en")`
docs. QuickUMLS's heuristics read part-of-speech tags (no span starts or ends on a determiner or a
preposition, determiners are dropped inside a span) and lemmas (negations may start a span); a blank
pipeline has neither, so a small attribute ruler tags English closed-class words the way a tagger
would (`--no-pos-rules` turns it off).

Writes OUT.jsonl in kebiokg's corpus format, one document per line, keeping for each non-overlapping
match the candidate with the highest similarity:
    {"id", "text": title + " " + abstract, "entities": [{"start", "end", "text", "cui", "score", "types"}]}
and STATS.json {"peer", "version", "build_seconds", "annotate_seconds", "documents", "entities",
"documents_per_second", "threshold", ...}; annotate time excludes building and loading.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import tempfile
import time
from argparse import Namespace
from pathlib import Path
from typing import Any

import nltk
import spacy
from pubtator_io import read_pubtator
from quickumls import QuickUMLS
from quickumls import about as quickumls_about
from quickumls import install as quickumls_install
from spacy.language import Language

# Closed-class English words, tagged as en_core_web_sm would tag them in running text.
_DETERMINERS = ("a an the this that these those each every either neither some any no another all both such what "
                "which whose").split()
_PREPOSITIONS = ("of in on at by for with about against between into through during before after above below to "
                 "from up down out off over under via within without among across along around behind beyond "
                 "despite except inside near onto outside per since than toward towards upon versus vs").split()
_CONJUNCTIONS = "and or but nor yet".split()
_NEGATIONS = "no not non none neither nor".split()


def build_database(meta_dir: Path, destination: Path, backend: str) -> None:
    """QuickUMLS's installer without its spaCy-model step and prompts; `destination` must be an empty folder."""
    opts = Namespace(lowercase=True, normalize_unicode=True, language="ENG", database_backend=backend)
    for flag in ("lowercase.flag", "normalize-unicode.flag"):
        (destination / flag).touch()
    (destination / "language.flag").write_text(opts.language)
    (destination / "database_backend.flag").write_text(opts.database_backend)
    with contextlib.redirect_stdout(sys.stderr):  # the installer reports its progress on stdout
        terms = quickumls_install.extract_from_mrconso(str(meta_dir / "MRCONSO.RRF"), str(meta_dir / "MRSTY.RRF"),
                                                       opts)
        quickumls_install.parse_and_encode_ngrams(terms, str(destination / "umls-simstring.db"),
                                                  str(destination / "cui-semtypes.db"), database_backend=backend)


def blank_pipeline(pos_rules: bool) -> Language:
    """`spacy.blank("en")`, optionally with rules giving closed-class words the POS tags QuickUMLS looks at."""
    nlp = spacy.blank("en")
    if pos_rules:
        ruler = nlp.add_pipe("attribute_ruler")
        for words, pos in ((_DETERMINERS, "DET"), (_PREPOSITIONS, "ADP"), (_CONJUNCTIONS, "CCONJ")):
            ruler.add([[{"LOWER": {"IN": words}}]], {"POS": pos})
        for word in _NEGATIONS:  # QuickUMLS lets a negation (by lemma) start a span although it is a stop word
            ruler.add([[{"LOWER": word}]], {"LEMMA": word})
    return nlp


def best_candidates(matches: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The highest-similarity candidate of each match group (preferred names break ties), in text order."""
    best = [max(group, key=lambda m: (m["similarity"], m["preferred"])) for group in matches]
    return sorted(best, key=lambda m: (m["start"], m["end"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("meta_dir", type=Path, help="folder with MRCONSO.RRF and MRSTY.RRF")
    parser.add_argument("pubtator", type=Path, help="PubTator file to annotate (titles and abstracts)")
    parser.add_argument("out", type=Path, help="annotated corpus to write (JSONL)")
    parser.add_argument("stats", type=Path, help="timings to write (JSON)")
    parser.add_argument("--threshold", type=float, default=0.7, help="minimum similarity (default 0.7)")
    parser.add_argument("--similarity", choices=("jaccard", "dice", "cosine", "overlap"), default="jaccard",
                        help="QuickUMLS similarity measure (default jaccard)")
    parser.add_argument("--window", type=int, default=5, help="longest match in tokens (default 5)")
    parser.add_argument("--overlapping-criteria", choices=("score", "length"), default="score",
                        help="how overlapping matches are resolved: best similarity, then longest (score, the "
                             "default), or longest first (length)")
    parser.add_argument("--default-semtypes", action="store_true",
                        help="keep QuickUMLS's default semantic-type filter (default: accept every type)")
    parser.add_argument("--semtypes", default=None,
                        help="accept only these comma-separated TUIs (e.g. the type profile kebiokg annotates with)")
    parser.add_argument("--no-pos-rules", action="store_true",
                        help="plain spacy.blank('en'): no closed-class POS tags for QuickUMLS's span heuristics")
    parser.add_argument("--backend", choices=("unqlite", "leveldb"), default="unqlite",
                        help="QuickUMLS's CUI/semantic-type store (default unqlite, QuickUMLS's default)")
    parser.add_argument("--limit", type=int, default=None, help="annotate only the first N documents")
    parser.add_argument("--nltk-data", type=Path, default=None,
                        help="folder holding corpora/stopwords/english (default: $NLTK_DATA and NLTK's usual places)")
    args = parser.parse_args()
    if args.nltk_data is not None:
        nltk.data.path.insert(0, str(args.nltk_data))
    try:  # QuickUMLS would otherwise try nltk.download('stopwords'), which fails offline
        nltk.data.find("corpora/stopwords/english")
    except LookupError:
        parser.error("NLTK's English stop words are missing: run setup_quickumls.sh VENV NLTK_DIR, then pass "
                     "--nltk-data NLTK_DIR or export NLTK_DATA=NLTK_DIR")

    documents = list(read_pubtator(args.pubtator))[: args.limit]
    with tempfile.TemporaryDirectory(prefix="quickumls-") as tmp:
        destination = Path(tmp)
        started = time.perf_counter()
        build_database(args.meta_dir, destination, args.backend)
        build_seconds = time.perf_counter() - started

        started = time.perf_counter()
        nlp = blank_pipeline(not args.no_pos_rules)
        semtypes: dict[str, Any] = ({} if args.default_semtypes else
                                    {"accepted_semtypes": set(args.semtypes.split(",")) if args.semtypes else None})
        matcher = QuickUMLS(str(destination), overlapping_criteria=args.overlapping_criteria,
                            threshold=args.threshold, window=args.window, similarity_name=args.similarity,
                            spacy_component=True, **semtypes)
        load_seconds = time.perf_counter() - started

        records = []
        started = time.perf_counter()
        for document in documents:
            text = document.text
            matches = matcher._match(nlp(text), best_match=True, ignore_syntax=False)
            entities = [{"start": m["start"], "end": m["end"], "text": text[m["start"]:m["end"]], "cui": m["cui"],
                         "score": round(float(m["similarity"]), 4), "types": sorted(m["semtypes"])}
                        for m in best_candidates(matches)]
            records.append({"id": document.id, "text": text, "entities": entities})
        annotate_seconds = time.perf_counter() - started

    with open(args.out, "w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    stats = {
        "peer": "quickumls",
        "version": quickumls_about.__version__,
        "spacy_version": spacy.__version__,
        "build_seconds": round(build_seconds, 4),
        "load_seconds": round(load_seconds, 4),
        "annotate_seconds": round(annotate_seconds, 4),
        "documents": len(records),
        "entities": sum(len(r["entities"]) for r in records),
        "documents_per_second": round(len(records) / annotate_seconds, 2) if annotate_seconds > 0 else None,
        "threshold": args.threshold,
        "similarity": args.similarity,
        "window": args.window,
        "overlapping_criteria": args.overlapping_criteria,
        "semtypes": "quickumls-default" if args.default_semtypes else ("given" if args.semtypes else "all"),
        "pos_rules": not args.no_pos_rules,
        "backend": args.backend,
    }
    args.stats.write_text(json.dumps(stats, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(stats))


if __name__ == "__main__":
    main()
