"""Tagged corpora for fine-tuning: PubTator, CoNLL-style BIO and JSONL in, one document type out.

Every reader gives `TaggedDocument`s whose spans are character offsets into `text`, so NER labels,
windows, predictions and the metric all work on characters, whatever the input format.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..annotate.corpus import document_from_json, json_records
from ..annotate.problems import Problems
from ..annotate.pubtator import read_pubtator
from ..errors import KebiokgError
from ..semantic_groups import GROUP_OF_TUI
from ..textfiles import numbered_lines

UNTYPED = "Entity"  # the type of CoNLL tags without one ("B", "I")
FORMATS = ("auto", "pubtator", "conll", "jsonl")
_PUBTATOR_LINE = re.compile(r"^[^|\t]+\|[ta]\|")
_BIO_TAG = re.compile(r"^(O|[BI](?:-(.+))?)$")


@dataclass(frozen=True, order=True)
class Span:
    start: int
    end: int
    type: str
    ids: tuple[str, ...] = ()  # concept ids (MeSH, CUI) where the corpus has them


@dataclass
class TaggedDocument:
    id: str
    text: str
    spans: list[Span] = field(default_factory=list)
    relations: list[tuple[str, str, str]] = field(default_factory=list)  # (type, id1, id2), e.g. CID
    title_length: int | None = None


def detect_format(path: Path) -> str:
    if path.suffix == ".jsonl":
        return "jsonl"
    for _, line in numbered_lines(path):
        if line.strip():
            return "pubtator" if _PUBTATOR_LINE.match(line) else "conll"
    raise KebiokgError(f"{path}: empty file")


def read_tagged(path: Path | str, fmt: str = "auto", types: list[str] | None = None,
                problems: Problems | None = None) -> list[TaggedDocument]:
    """The documents of a tagged corpus; `types` keeps only spans of those types."""
    path = Path(path)
    if not path.is_file():
        raise KebiokgError(f"{path}: no such file")
    detected = fmt == "auto"
    fmt = detect_format(path) if detected else fmt
    readers = {"pubtator": _read_pubtator, "conll": _read_conll, "jsonl": _read_jsonl}
    if fmt not in readers:
        raise KebiokgError(f"unknown format {fmt!r}: one of {', '.join(FORMATS)}")
    hint = f"read as {fmt}: --format chooses another" if detected else None
    documents = readers[fmt](path, problems or Problems(hint=hint))
    if not documents:
        raise KebiokgError(f"{path}: no documents")
    if types:
        wanted = set(types)
        for doc in documents:
            doc.spans = [s for s in doc.spans if s.type in wanted]
    return documents


def _read_pubtator(path: Path, problems: Problems) -> list[TaggedDocument]:
    return [TaggedDocument(doc.id, doc.text, [Span(m.start, m.end, m.type, tuple(m.ids)) for m in doc.mentions],
                           list(doc.relations), len(doc.title) if doc.abstract else None)
            for doc in read_pubtator(path, problems)]


def _read_conll(path: Path, problems: Problems) -> list[TaggedDocument]:
    """One token and its tag per line (tab or space separated, tag last); a blank line ends a sentence,
    which becomes a document whose text is its tokens joined by single spaces."""
    documents: list[TaggedDocument] = []
    tokens: list[tuple[str, str]] = []
    first_line = 1

    def flush() -> None:
        if not tokens:
            return
        text, spans, position = [], [], 0
        open_span: list | None = None  # [start, end, type]
        for token, tag in tokens:
            start = position
            position += len(token)
            text.append(token)
            match = _BIO_TAG.match(tag)
            kind, label = tag[0], match.group(2) or UNTYPED
            if kind == "B" or (kind == "I" and (open_span is None or open_span[2] != label)):
                open_span = [start, position, label]
                spans.append(open_span)
            elif kind == "I":
                open_span[1] = position
            else:
                open_span = None
            position += 1
        documents.append(TaggedDocument(f"{path.name}:{first_line}", " ".join(text),
                                        [Span(s, e, t) for s, e, t in spans]))
        tokens.clear()

    for line_no, raw in numbered_lines(path):
        fields = raw.split()
        if not fields or fields[0] == "-DOCSTART-":
            flush()
            first_line = line_no + 1
            continue
        if len(fields) < 2 or not _BIO_TAG.match(fields[-1]):
            problems.report(f"{path}:{line_no}", f"expected 'TOKEN TAG' with a BIO tag (O, B-X, I-X), "
                            f"got {raw.strip()!r}")
            continue
        tokens.append((fields[0], fields[-1]))
    flush()
    return documents


def _span_type(item: dict) -> str:
    """A JSONL entity's type: its "type", else the semantic group (or TUI) of its first type."""
    if item.get("type"):
        return str(item["type"])
    tuis = item.get("types") or []
    return GROUP_OF_TUI.get(tuis[0], tuis[0]) if tuis else UNTYPED


def _read_jsonl(path: Path, problems: Problems) -> list[TaggedDocument]:
    documents = []
    for record, where in json_records(path):
        doc = document_from_json(record, where)  # checks every offset
        spans = [Span(e.start, e.end, _span_type(item), (e.cui,) if e.cui else ())
                 for e, item in zip(doc.entities, record.get("entities") or [], strict=True)]
        documents.append(TaggedDocument(doc.id or where.rsplit("/", 1)[-1], doc.text, spans))
    return documents


def entity_types(documents: list[TaggedDocument]) -> list[str]:
    return sorted({s.type for doc in documents for s in doc.spans})


def write_pubtator(documents: list[TaggedDocument], path: Path | str) -> None:
    """Documents (e.g. predictions) as PubTator: title and abstract lines, one line per span."""
    with open(path, "w", encoding="utf-8") as handle:
        for doc in documents:
            text = doc.text.replace("\n", " ")
            split = doc.title_length
            title, abstract = (text[:split], text[split + 1:]) if split is not None else (text, "")
            handle.write(f"{doc.id}|t|{title}\n{doc.id}|a|{abstract}\n")
            for s in doc.spans:
                handle.write(f"{doc.id}\t{s.start}\t{s.end}\t{text[s.start:s.end]}\t{s.type}\t"
                             f"{'|'.join(s.ids) or '-1'}\n")
            for relation in doc.relations:
                handle.write(f"{doc.id}\t" + "\t".join(relation) + "\n")
            handle.write("\n")


def write_tagged_jsonl(documents: list[TaggedDocument], path: Path | str) -> None:
    """Documents as the JSONL corpus format, each entity with its "type" (read back by `read_tagged`)."""
    with open(path, "w", encoding="utf-8") as handle:
        for doc in documents:
            entities = [{"start": s.start, "end": s.end, "text": doc.text[s.start:s.end],
                         "cui": s.ids[0] if s.ids else None, "type": s.type} for s in doc.spans]
            handle.write(json.dumps({"id": doc.id, "text": doc.text, "entities": entities}, ensure_ascii=False) + "\n")
