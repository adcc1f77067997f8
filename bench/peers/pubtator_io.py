"""PubTator reading shared by the peer scripts (standard library only: they run in their own venvs)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Mention:
    start: int
    end: int
    text: str


@dataclass
class PubtatorDocument:
    id: str
    title: str
    abstract: str
    mentions: list[Mention] = field(default_factory=list)

    @property
    def text(self) -> str:
        return f"{self.title} {self.abstract}" if self.abstract else self.title


def read_pubtator(path: Path) -> Iterator[PubtatorDocument]:
    """Documents of a PubTator file with their mentions (relation lines are skipped)."""
    doc: PubtatorDocument | None = None
    with open(path, encoding="utf-8") as handle:
        for raw in handle:
            line = raw.rstrip("\r\n")
            if not line.strip():
                if doc is not None:
                    yield doc
                    doc = None
                continue
            match = re.match(r"^([^|\t]+)\|([ta])\|(.*)$", line)
            if match:
                pmid, kind, text = match.groups()
                if doc is None or doc.id != pmid:
                    if doc is not None:
                        yield doc
                    doc = PubtatorDocument(pmid, "", "")
                if kind == "t":
                    doc.title = text
                else:
                    doc.abstract = text
                continue
            fields = line.split("\t")
            if doc is not None and len(fields) >= 5 and fields[1].isdigit() and fields[2].isdigit():
                doc.mentions.append(Mention(int(fields[1]), int(fields[2]), fields[3]))
    if doc is not None:
        yield doc
