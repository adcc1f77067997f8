"""Documents and the files they come in: PubTator, PubMed XML, JSONL (the corpus format), CoNLL, text lines.

Three document types, one per use: `Document` (text with gold mentions, as corpora give them),
`TaggedDocument` (typed spans: what fine-tuning learns and predicts) and `AnnotatedDocument`
(linked entities: the corpus format, docs/corpus.md). Offsets are characters of the text, end
exclusive. Readers stream documents in file order (the order `annotate --resume` relies on), read
`.gz` files decompressed and lines as text mode ends them (`\n`, `\r\n`, `\r`), and report a
malformed record, a line that is not UTF-8 included, as `FILE:LINE: problem`: an error, or with a
skipping `Problems` a counted skip.
"""

from __future__ import annotations

import gzip
import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from .errors import KebiokgError
from .semantic_groups import GROUP_OF_TUI
from .textfiles import numbered_lines

FORMATS = ("pubmed", "pubtator", "jsonl", "text")  # what read_documents reads
TAGGED_FORMATS = ("pubtator", "conll", "jsonl")  # what read_tagged reads
UNTYPED = "Entity"  # the type of a span without one (CoNLL "B", "I"; JSONL entities without types)
_TEXT_LINE = re.compile(r"^([^|\t]+)\|([ta])\|(.*)$")  # PubTator title or abstract
_OFFSET = re.compile(r"[0-9]+")  # ASCII digits: str.isdigit() also takes "²" (int() fails) and "٣" (int() reads 3)
_ID_SEPARATORS = re.compile(r"[|+,]")
_UNLINKED = frozenset({"", "-1", "-"})
_BIO_TAG = re.compile(r"^(O|[BI](?:-(.+))?)$")
_FLAT = str.maketrans("\n\r\t", "   ")  # PubTator lines hold no line break or tab


class Problems:
    """Malformed input: raise at the first (`fail`) or count and keep the first few (`skip`)."""

    def __init__(self, on_error: str = "fail", hint: str | None = None) -> None:
        """`hint`: what the user can do about it, added to the error (only where that option exists)."""
        if on_error not in ("fail", "skip"):
            raise KebiokgError(f"on_error must be fail or skip, not {on_error!r}")
        self.on_error, self.hint = on_error, hint
        self.counts: Counter = Counter()
        self.examples: list[str] = []

    def report(self, where: str, message: str, kind: str = "malformed") -> None:
        if self.on_error == "fail":
            raise KebiokgError(f"{where}: {message}" + (f" ({self.hint})" if self.hint else ""))
        self.counts[kind] += 1
        if len(self.examples) < 10:
            self.examples.append(f"{where}: {message}")

    @property
    def total(self) -> int:
        return sum(self.counts.values())


# -- document types --------------------------------------------------------------------------------------------


@dataclass
class Mention:
    """A gold mention; `text` is the corpus's own (NCBI-disease pads some with spaces)."""

    start: int
    end: int
    text: str
    type: str
    ids: list[str]  # corpus ids (MeSH, OMIM:..., or CUIs); empty when unlinked


@dataclass
class Document:
    id: str
    text: str
    mentions: list[Mention] = field(default_factory=list)
    relations: list[tuple[str, str, str]] = field(default_factory=list)  # (type, id1, id2), e.g. CID
    title_length: int | None = None  # text = title + " " + abstract when known

    @property
    def title(self) -> str:
        return self.text if self.title_length is None else self.text[:self.title_length]


@dataclass(frozen=True, order=True)
class Span:
    """A typed span, hashable and ordered so that predictions compare and sort as values."""

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

    def to_json(self) -> dict:
        """The corpus format with each entity's "type" (read back by `read_tagged`)."""
        return {"id": self.id, "text": self.text,
                "entities": [{"start": s.start, "end": s.end, "text": self.text[s.start:s.end],
                              "cui": s.ids[0] if s.ids else None, "type": s.type} for s in self.spans]}


@dataclass
class Entity:
    start: int
    end: int
    text: str
    cui: str | None
    score: float = 1.0
    types: list[str] = field(default_factory=list)
    type: str | None = None  # a fine-tuning corpus's own entity type, kept when the corpus has one

    def to_json(self) -> dict:
        record = {"start": self.start, "end": self.end, "text": self.text, "cui": self.cui,
                  "score": round(float(self.score), 4), "types": list(self.types)}
        return record | {"type": self.type} if self.type is not None else record


@dataclass
class AnnotatedDocument:
    id: str
    text: str
    entities: list[Entity] = field(default_factory=list)
    title_length: int | None = None  # known for PubMed and PubTator input: text = title + " " + abstract

    def to_json(self) -> dict:
        return {"id": self.id, "text": self.text, "entities": [e.to_json() for e in self.entities]}


def entity_types(documents: list[TaggedDocument]) -> list[str]:
    return sorted({s.type for doc in documents for s in doc.spans})


# -- detecting formats, choosing readers -----------------------------------------------------------------------


def _open_text(path: Path) -> IO[str]:
    return gzip.open(path, "rt", encoding="utf-8") if path.suffix == ".gz" else open(path, encoding="utf-8")


def _lines(path: Path, problems: Problems) -> Iterator[tuple[int, str]]:
    """(line number from 1, line) of a text file (`textfiles.numbered_lines`): a line that is not UTF-8
    is a problem naming its line."""
    return numbered_lines(path, lambda where, message: problems.report(where, message, "not_utf8"))


def detect_format(path: Path, fallback: str = "text") -> str:
    """The format of a file from its name, else from its first non-blank line; `fallback` when
    neither tells (plain text for annotation, CoNLL for a tagged corpus)."""
    name = path.name.lower().removesuffix(".gz")
    if name.endswith(".xml"):
        return "pubmed"
    if name.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    if "pubtator" in name:
        return "pubtator"
    try:
        for _, line in numbered_lines(path):
            if line.strip():
                head = line.lstrip()
                if head.startswith("<"):
                    return "pubmed"
                if head.startswith("{"):
                    return "jsonl"
                return "pubtator" if _TEXT_LINE.match(line) else fallback
    except KebiokgError:  # not UTF-8 before the first line that tells: the reader names that line
        return fallback
    return fallback


def input_files(inputs: list[Path]) -> list[Path]:
    """Files named, and the files of folders named (sorted, hidden files left out)."""
    files = []
    for item in inputs:
        item = Path(item)
        if item.is_dir():
            files += sorted(p for p in item.iterdir() if p.is_file() and not p.name.startswith("."))
        elif item.is_file():
            files.append(item)
        else:
            raise KebiokgError(f"{item}: no such file or folder")
    if not files:
        raise KebiokgError("no input files")
    return files


def read_documents(inputs: list[Path], fmt: str | None, problems: Problems) -> Iterator[Document]:
    """Documents of every input file (or folder) in order; `fmt` None detects each file's format."""
    readers = {"pubmed": read_pubmed_xml, "pubtator": read_pubtator, "jsonl": _read_jsonl_gold, "text": read_text}
    for path in input_files(inputs):
        file_format = fmt or detect_format(path)
        if file_format not in readers:
            raise KebiokgError(f"unknown format {file_format!r} (one of {', '.join(FORMATS)})")
        yield from readers[file_format](path, problems)


def read_tagged(path: Path | str, fmt: str = "auto", types: list[str] | None = None,
                problems: Problems | None = None) -> list[TaggedDocument]:
    """The documents of a tagged corpus (PubTator, CoNLL, JSONL); `types` keeps only spans of those types."""
    path = Path(path)
    if not path.is_file():
        raise KebiokgError(f"{path}: no such file")
    detected = fmt == "auto"
    fmt = detect_format(path, fallback="conll") if detected else fmt
    readers = {"pubtator": read_pubtator, "conll": read_conll, "jsonl": _read_jsonl_gold}
    if fmt not in readers:
        raise KebiokgError(f"{path}: {fmt} is not a tagged corpus format (one of auto, {', '.join(TAGGED_FORMATS)})")
    hint = f"read as {fmt}: --format chooses another" if detected else None
    documents = [TaggedDocument(doc.id, doc.text, [Span(m.start, m.end, m.type, tuple(m.ids)) for m in doc.mentions],
                                doc.relations, doc.title_length)
                 for doc in readers[fmt](path, problems or Problems(hint=hint))]
    if not documents:
        raise KebiokgError(f"{path}: no documents")
    if types:
        wanted = set(types)
        for doc in documents:
            doc.spans = [s for s in doc.spans if s.type in wanted]
    return documents


# -- one reader per format ---------------------------------------------------------------------------------------


def _split_ids(field_text: str) -> list[str]:
    return [i.strip() for i in _ID_SEPARATORS.split(field_text) if i.strip() not in _UNLINKED]


def read_pubtator(path: Path | str, problems: Problems | None = None) -> Iterator[Document]:
    """PubTator: `PMID|t|title`, `PMID|a|abstract`, mention lines, relation lines (CID), blank line.

    Mention offsets index `title + " " + abstract`; identifiers may join several ids with `|`, `+`
    or `,`; `-1` and `-` mean unlinked. A relation line is `PMID, type, id1, id2`; fields after those
    (BioC conversions add a novelty flag) are read past and not kept. Any other line, and a mention
    outside its document's text or whose text differs from the text at its offsets, is an error (or,
    with a skipping `problems`, left out and counted).
    """
    path = Path(path)
    problems = problems or Problems()
    doc: Document | None = None
    title = abstract = ""
    for line_no, raw in _lines(path, problems):
        line = raw.rstrip("\n")
        if not line.strip():
            if doc is not None:
                yield doc
                doc = None
            continue
        heading = _TEXT_LINE.match(line) if "|" in line[:40] else None
        if heading:
            pmid, kind, text = heading.groups()
            if doc is None or doc.id != pmid:
                if doc is not None:
                    yield doc
                doc, title, abstract = Document(pmid, ""), "", ""
            if kind == "t":
                title = text
            else:
                abstract = text
            doc.text = f"{title} {abstract}" if abstract else title
            doc.title_length = len(title) if abstract else None
            continue
        where = f"{path}:{line_no}"
        fields = line.split("\t")
        if len(fields) < 4:
            problems.report(where, "not a PubTator title, abstract, mention or relation line")
        elif doc is None or fields[0] != doc.id:
            problems.report(where, "annotation line outside its document")
        elif len(fields) >= 5 and _OFFSET.fullmatch(fields[1]) and _OFFSET.fullmatch(fields[2]):  # a 7th names parts
            mention = Mention(int(fields[1]), int(fields[2]), fields[3], fields[4],
                              _split_ids(fields[5]) if len(fields) >= 6 else [])
            text = doc.text
            if not 0 <= mention.start < mention.end <= len(text):
                problems.report(where, f"mention [{mention.start}, {mention.end}) outside the text of document "
                                f"{doc.id} ({len(text)} characters)", "bad_mention")
            elif text[mention.start:mention.end].strip() != mention.text.strip():  # NCBI pads some
                problems.report(where, f"mention {mention.text!r} does not match the text at "
                                f"[{mention.start}, {mention.end}): {text[mention.start:mention.end]!r}",
                                "bad_mention")
            else:
                doc.mentions.append(mention)
        else:
            doc.relations.append((fields[1], fields[2], fields[3]))
    if doc is not None:
        yield doc


def _text_of(element: ET.Element | None) -> str:
    return " ".join("".join(element.itertext()).split()) if element is not None else ""


def read_pubmed_xml(path: Path | str, problems: Problems | None = None) -> Iterator[Document]:
    """PubMed/MEDLINE XML (baseline or update, plain or gzipped): PMID, title and abstract.

    Structured abstracts join their sections with a space; citations without an abstract keep the
    title; `<DeleteCitation>` blocks are skipped. Parsing is streamed (each citation is freed).
    """
    path = Path(path)
    problems = problems or Problems()
    try:
        with _open_text(path) as handle:
            parser = ET.iterparse(handle, events=("end",))
            for _, element in parser:
                if element.tag == "DeleteCitation":
                    element.clear()
                elif element.tag == "MedlineCitation":
                    pmid = (element.findtext("PMID") or "").strip()
                    title = _text_of(element.find("Article/ArticleTitle"))
                    sections = (_text_of(a) for a in element.iterfind("Article/Abstract/AbstractText"))
                    abstract = " ".join(t for t in sections if t)
                    element.clear()
                    if not pmid:
                        problems.report(str(path), "a citation without a PMID", "no_pmid")
                        continue
                    if abstract:
                        yield Document(pmid, f"{title} {abstract}" if title else abstract,
                                       title_length=len(title) if title else None)
                    elif title:
                        yield Document(pmid, title)
                elif element.tag == "PubmedArticle":
                    element.clear()
    except ET.ParseError as exc:
        line, column = exc.position
        problems.report(f"{path}:{line}", f"bad XML at column {column}: {exc.msg if hasattr(exc, 'msg') else exc}",
                        "bad_xml")
    except (gzip.BadGzipFile, EOFError, UnicodeDecodeError) as exc:
        problems.report(str(path), f"cannot read ({exc})", "bad_file")


def read_jsonl(path: Path | str, problems: Problems | None = None) -> Iterator[AnnotatedDocument]:
    """The corpus format (docs/corpus.md), one document per line; a document without an id is FILE:LINE.

    Every entity is checked against the text. A malformed line is an error, or with a skipping
    `problems` left out and counted; an entity that does not match the text is left out alone.
    """
    path = Path(path)
    problems = problems or Problems()
    for line_no, line in _lines(path, problems):
        if not line.strip():
            continue
        where = f"{path}:{line_no}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.report(where, f"not JSON ({exc.msg})", "bad_json")
            continue
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            problems.report(where, 'expected an object with a "text" string', "bad_json")
            continue
        entities = _entities(record, where, problems)
        if entities is not None:
            doc_id = record.get("id")
            yield AnnotatedDocument(f"{path.name}:{line_no}" if doc_id in (None, "") else str(doc_id),
                                    record["text"], entities)


def _entities(record: dict, where: str, problems: Problems) -> list[Entity] | None:
    """The entities of a JSON document; None when one is malformed (the document is left out)."""
    text = record["text"]
    entities = []
    for item in record.get("entities") or []:
        try:
            start, end = item["start"], item["end"]
        except (KeyError, TypeError):
            start = end = None
        if type(start) is not int or type(end) is not int:  # int() would read 2.9 as 2, "7" as 7, true as 1
            problems.report(where, f"entity without integer start/end: {item!r}", "bad_entity")
            return None
        try:
            score = float(item.get("score", 1.0))
        except (TypeError, ValueError):
            problems.report(where, f"entity score is not a number: {item.get('score')!r}", "bad_entity")
            return None
        if not 0 <= start < end <= len(text):
            problems.report(where, f"entity [{start}, {end}) outside the text ({len(text)} characters)",
                            "bad_entity")
        elif "text" in item and item["text"] != text[start:end]:
            problems.report(where, f"entity text {item['text']!r} does not match the text at [{start}, {end}): "
                            f"{text[start:end]!r}", "bad_entity")
        else:
            entities.append(Entity(start, end, text[start:end], item.get("cui"), score, list(item.get("types") or []),
                                   str(item["type"]) if item.get("type") else None))
    return entities


def _read_jsonl_gold(path: Path, problems: Problems) -> Iterator[Document]:
    """JSONL entities as gold mentions, typed by their "type", else the semantic group (or TUI) of their
    first type."""
    for doc in read_jsonl(path, problems):
        mentions = [Mention(e.start, e.end, e.text, e.type or (GROUP_OF_TUI.get(e.types[0], e.types[0])
                                                                if e.types else UNTYPED), [e.cui] if e.cui else [])
                    for e in doc.entities]
        yield Document(doc.id, doc.text, mentions)


def read_conll(path: Path | str, problems: Problems | None = None) -> Iterator[Document]:
    """CoNLL-style BIO: one token and its tag per line (tab or space separated, tag last). A blank line
    or `-DOCSTART-` ends a sentence, which becomes a document whose text is its tokens joined by
    single spaces; an I tag without a B before it opens a mention."""
    path = Path(path)
    problems = problems or Problems()
    tokens: list[tuple[str, str]] = []
    first_line = 1
    for line_no, raw in _lines(path, problems):
        fields = raw.split()
        if not fields or fields[0] == "-DOCSTART-":
            if tokens:
                yield _sentence(f"{path.name}:{first_line}", tokens)
                tokens = []
            first_line = line_no + 1
            continue
        if len(fields) < 2 or not _BIO_TAG.match(fields[-1]):
            problems.report(f"{path}:{line_no}", f"expected 'TOKEN TAG' with a BIO tag (O, B-X, I-X), "
                            f"got {raw.strip()!r}")
            continue
        tokens.append((fields[0], fields[-1]))
    if tokens:
        yield _sentence(f"{path.name}:{first_line}", tokens)


def _sentence(doc_id: str, tokens: list[tuple[str, str]]) -> Document:
    words, spans, position = [], [], 0
    open_span: list | None = None  # [start, end, type]
    for token, tag in tokens:
        start = position
        position += len(token)
        words.append(token)
        kind, label = tag[0], _BIO_TAG.match(tag).group(2) or UNTYPED
        if kind == "B" or (kind == "I" and (open_span is None or open_span[2] != label)):
            open_span = [start, position, label]
            spans.append(open_span)
        elif kind == "I":
            open_span[1] = position
        else:
            open_span = None
        position += 1
    text = " ".join(words)
    return Document(doc_id, text, [Mention(s, e, text[s:e], t, []) for s, e, t in spans])


def read_text(path: Path | str, problems: Problems | None = None) -> Iterator[Document]:
    """One document per non-blank line; its id is FILE:LINE."""
    path = Path(path)
    problems = problems or Problems()
    for line_no, line in _lines(path, problems):
        text = line.rstrip("\n")
        if text.strip():
            yield Document(f"{path.name}:{line_no}", text)


# -- one writer per format ---------------------------------------------------------------------------------------


def to_pubtator(doc: AnnotatedDocument | TaggedDocument) -> str:
    """A document as PubTator: title line (the whole text when no title is known), abstract line, one
    line per mention and per relation, blank line.

    A span's line holds its type and its ids joined by `|`, an entity's its TUIs joined by `,` and
    its CUI; an unlinked one has `-1`, as NCBI-disease and BC5CDR write it (`read_pubtator` takes
    `-` too). Line breaks and tabs in the text become spaces, one for one, so offsets hold.
    """
    text = doc.text.translate(_FLAT)
    split = doc.title_length
    title, abstract = (text[:split], text[split + 1:]) if split is not None and split < len(text) else (text, "")
    if isinstance(doc, AnnotatedDocument):
        mentions = [(e.start, e.end, ",".join(e.types), e.cui or "") for e in doc.entities]
        relations: list[tuple[str, str, str]] = []
    else:
        mentions = [(s.start, s.end, s.type, "|".join(s.ids)) for s in doc.spans]
        relations = doc.relations
    lines = [f"{doc.id}|t|{title}", f"{doc.id}|a|{abstract}"]
    lines += [f"{doc.id}\t{start}\t{end}\t{text[start:end]}\t{kind}\t{ids or '-1'}"
              for start, end, kind, ids in mentions]
    lines += [f"{doc.id}\t" + "\t".join(relation) for relation in relations]
    return "\n".join(lines) + "\n\n"


def to_jsonl(doc: AnnotatedDocument | TaggedDocument) -> str:
    return json.dumps(doc.to_json(), ensure_ascii=False) + "\n"


def write_pubtator(documents: Iterable[AnnotatedDocument | TaggedDocument], path: Path | str) -> int:
    """Documents as one PubTator file (`to_pubtator`); returns how many."""
    return _write(map(to_pubtator, documents), path)


def write_jsonl(documents: Iterable[AnnotatedDocument | TaggedDocument], path: Path | str) -> int:
    """Documents as one JSONL file in the corpus format; returns how many."""
    return _write(map(to_jsonl, documents), path)


def _write(records: Iterable[str], path: Path | str) -> int:
    count = 0
    with open(path, "w", encoding="utf-8") as handle:
        for record in records:
            handle.write(record)
            count += 1
    return count
