"""Input documents for annotation: PubMed XML, PubTator, JSONL and plain text, streamed.

Every reader yields `SourceDocument`s in file order (the order resume relies on) and reports a
malformed record as `FILE:LINE: problem`: an error, or with `on_error="skip"` a counted skip.
"""

from __future__ import annotations

import gzip
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from ..errors import KebiokgError
from .problems import Problems
from .pubtator import read_pubtator

FORMATS = ("pubmed", "pubtator", "jsonl", "text")
_PUBTATOR_TITLE = re.compile(r"^[^|\t]+\|t\|")


@dataclass
class GoldMention:
    start: int
    end: int
    text: str
    type: str
    ids: list[str]  # corpus ids (MeSH, OMIM:..., or CUIs); empty when unlinked


@dataclass
class SourceDocument:
    id: str
    text: str
    title_length: int | None = None  # text = title + " " + abstract when known
    gold: list[GoldMention] = field(default_factory=list)


def _open_text(path: Path) -> IO[str]:
    return gzip.open(path, "rt", encoding="utf-8") if path.suffix == ".gz" else open(path, encoding="utf-8")


def detect_format(path: Path) -> str:
    """The format of a file from its name, else from its first non-blank line."""
    name = path.name.lower().removesuffix(".gz")
    if name.endswith(".xml"):
        return "pubmed"
    if name.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    if "pubtator" in name:
        return "pubtator"
    try:
        with _open_text(path) as handle:
            for line in handle:
                if line.strip():
                    head = line.lstrip()
                    if head.startswith("<"):
                        return "pubmed"
                    if head.startswith("{"):
                        return "jsonl"
                    return "pubtator" if _PUBTATOR_TITLE.match(line) else "text"
    except (UnicodeDecodeError, gzip.BadGzipFile, EOFError) as exc:
        raise KebiokgError(f"{path}: cannot read as text ({exc})") from exc
    return "text"


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


def read_documents(inputs: list[Path], fmt: str | None, problems: Problems) -> Iterator[SourceDocument]:
    """Documents of every input file in order; `fmt` None detects each file's format."""
    readers = {"pubmed": read_pubmed_xml, "pubtator": _read_pubtator_source, "jsonl": read_jsonl, "text": read_text}
    for path in input_files(inputs):
        file_format = fmt or detect_format(path)
        if file_format not in readers:
            raise KebiokgError(f"unknown format {file_format!r} (one of {', '.join(FORMATS)})")
        yield from readers[file_format](path, problems)


def _text_of(element: ET.Element | None) -> str:
    return " ".join("".join(element.itertext()).split()) if element is not None else ""


def read_pubmed_xml(path: Path, problems: Problems) -> Iterator[SourceDocument]:
    """PubMed/MEDLINE XML (baseline or update, plain or gzipped): PMID, title and abstract.

    Structured abstracts join their sections with a space; citations without an abstract keep the
    title; `<DeleteCitation>` blocks are skipped. Parsing is streamed (each citation is freed).
    """
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
                        yield SourceDocument(pmid, f"{title} {abstract}" if title else abstract,
                                             len(title) if title else None)
                    elif title:
                        yield SourceDocument(pmid, title)
                elif element.tag == "PubmedArticle":
                    element.clear()
    except ET.ParseError as exc:
        line, column = exc.position
        problems.report(f"{path}:{line}", f"bad XML at column {column}: {exc.msg if hasattr(exc, 'msg') else exc}",
                        "bad_xml")
    except (gzip.BadGzipFile, EOFError, UnicodeDecodeError) as exc:
        problems.report(str(path), f"cannot read ({exc})", "bad_file")


def _read_pubtator_source(path: Path, problems: Problems) -> Iterator[SourceDocument]:
    for doc in read_pubtator(path, problems):
        gold = [GoldMention(m.start, m.end, m.text, m.type, m.ids) for m in doc.mentions]
        yield SourceDocument(doc.id, doc.text, len(doc.title) if doc.abstract else None, gold)


def read_jsonl(path: Path, problems: Problems) -> Iterator[SourceDocument]:
    """`{"id", "text"}` per line, optionally with corpus-format `entities` (kept as gold)."""
    with _open_text(path) as handle:
        for line_no, line in enumerate(handle, start=1):
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
            text = record["text"]
            gold, ok = [], True
            for item in record.get("entities") or []:
                try:
                    start, end = int(item["start"]), int(item["end"])
                except (KeyError, TypeError, ValueError):
                    problems.report(where, f"entity without integer start/end: {item!r}", "bad_entity")
                    ok = False
                    break
                if not 0 <= start < end <= len(text) or ("text" in item and item["text"] != text[start:end]):
                    problems.report(where, f"entity [{start}, {end}) {item.get('text')!r} does not match the text",
                                    "bad_entity")
                    continue
                cui = item.get("cui")
                gold.append(GoldMention(start, end, text[start:end], ",".join(item.get("types") or []),
                                        [cui] if cui else []))
            if ok:
                yield SourceDocument(str(record.get("id", f"{path.name}:{line_no}")), text, None, gold)


def read_text(path: Path, problems: Problems) -> Iterator[SourceDocument]:
    """One document per non-blank line; its id is FILE:LINE."""
    with _open_text(path) as handle:
        for line_no, line in enumerate(handle, start=1):
            text = line.rstrip("\n")
            if text.strip():
                yield SourceDocument(f"{path.name}:{line_no}", text)
