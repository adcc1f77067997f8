"""PubTator files: `PMID|t|title`, `PMID|a|abstract`, mention lines, CID relation lines, blank line.

Mention offsets index `title + " " + abstract`. Identifiers may join several ids with `|`, `+` or
`,`; `-1` and `-` mean unlinked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import KebiokgError
from ..textfiles import numbered_lines
from .problems import Problems

_ID_SEPARATORS = re.compile(r"[|+,]")
_UNLINKED = frozenset({"", "-1", "-"})
_TEXT_LINE = re.compile(r"^([^|\t]+)\|([ta])\|(.*)$")


@dataclass
class Mention:
    start: int
    end: int
    text: str
    type: str
    ids: list[str]  # e.g. ["D003920"], ["OMIM:222100"]; empty when unlinked


@dataclass
class Document:
    id: str
    title: str
    abstract: str
    mentions: list[Mention] = field(default_factory=list)
    relations: list[tuple[str, str, str]] = field(default_factory=list)  # (type, id1, id2), e.g. CID

    @property
    def text(self) -> str:
        return f"{self.title} {self.abstract}" if self.abstract else self.title


def split_ids(field_text: str) -> list[str]:
    return [i.strip() for i in _ID_SEPARATORS.split(field_text) if i.strip() not in _UNLINKED]


def read_pubtator(path: Path | str, problems: Problems | None = None) -> Iterator[Document]:
    """Documents of a PubTator file, in file order; a malformed line names file and line.

    A mention outside its document's text, or whose text differs from the text at its offsets, is
    an error (or, with a skipping `problems`, left out and counted).
    """
    path = Path(path)
    problems = problems or Problems()
    doc_text: str | None = None  # the current document's text, built once for its mention lines
    doc: Document | None = None
    for line_no, raw in numbered_lines(path):
        line = raw.rstrip("\n")
        if not line.strip():
            if doc is not None:
                yield doc
                doc = None
            continue
        title = _TEXT_LINE.match(line) if "|" in line[:40] else None
        if title:
            pmid, kind, text = title.groups()
            if doc is None or doc.id != pmid:
                if doc is not None:
                    yield doc
                doc = Document(pmid, "", "")
            if kind == "t":
                doc.title = text
            else:
                doc.abstract = text
            doc_text = None
            continue
        fields = line.split("\t")
        if doc is None or fields[0] != doc.id:
            raise KebiokgError(f"{path}:{line_no}: annotation line outside its document")
        if len(fields) >= 5 and fields[1].isdigit() and fields[2].isdigit():  # a 7th field names parts
            mention = Mention(int(fields[1]), int(fields[2]), fields[3], fields[4],
                              split_ids(fields[5]) if len(fields) >= 6 else [])
            doc_text = doc_text if doc_text is not None else doc.text
            text = doc_text
            if not 0 <= mention.start < mention.end <= len(text):
                problems.report(f"{path}:{line_no}", f"mention [{mention.start}, {mention.end}) outside the "
                                f"text of document {doc.id} ({len(text)} characters)", "bad_mention")
            elif text[mention.start:mention.end].strip() != mention.text.strip():  # NCBI pads some
                problems.report(f"{path}:{line_no}", f"mention {mention.text!r} does not match the text at "
                                f"[{mention.start}, {mention.end}): {text[mention.start:mention.end]!r}",
                                "bad_mention")
            else:
                doc.mentions.append(mention)
        elif len(fields) == 4:
            doc.relations.append((fields[1], fields[2], fields[3]))
        else:
            raise KebiokgError(f"{path}:{line_no}: not a PubTator title, abstract, mention or relation line")
    if doc is not None:
        yield doc
