"""The annotated corpus format: JSONL, one document per line (docs/corpus.md).

    {"id": "123", "text": "...", "entities": [{"start": 0, "end": 7, "text": "Aspirin",
                                                "cui": "C0004057", "score": 1.0, "types": ["T109"]}]}

Offsets are characters of `text`, end exclusive. A corpus is one `.jsonl` file or a folder of
shards with a `manifest.json` (written by `kebiokg annotate`); `read_corpus` streams either.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import KebiokgError
from ..textfiles import numbered_lines

MANIFEST = "manifest.json"


@dataclass
class Entity:
    start: int
    end: int
    text: str
    cui: str | None
    score: float = 1.0
    types: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"start": self.start, "end": self.end, "text": self.text, "cui": self.cui,
                "score": round(float(self.score), 4), "types": list(self.types)}


@dataclass
class AnnotatedDocument:
    id: str
    text: str
    entities: list[Entity] = field(default_factory=list)
    title_length: int | None = None  # known for PubMed and PubTator input: text = title + " " + abstract

    def to_json(self) -> dict:
        return {"id": self.id, "text": self.text, "entities": [e.to_json() for e in self.entities]}

    def to_jsonl(self) -> str:
        return json.dumps(self.to_json(), ensure_ascii=False) + "\n"


def document_from_json(record: dict, where: str) -> AnnotatedDocument:
    """A document from its JSON form, checking every entity's offsets against the text."""
    if not isinstance(record, dict) or "text" not in record or not isinstance(record["text"], str):
        raise KebiokgError(f"{where}: expected an object with a \"text\" string")
    text = record["text"]
    entities = []
    for item in record.get("entities") or []:
        try:
            start, end = int(item["start"]), int(item["end"])
        except (KeyError, TypeError, ValueError) as exc:
            raise KebiokgError(f"{where}: entity without integer start/end: {item!r}") from exc
        try:
            score = float(item.get("score", 1.0))
        except (TypeError, ValueError) as exc:
            raise KebiokgError(f"{where}: entity score is not a number: {item.get('score')!r}") from exc
        if not 0 <= start < end <= len(text):
            raise KebiokgError(f"{where}: entity [{start}, {end}) outside the text ({len(text)} characters)")
        if "text" in item and item["text"] != text[start:end]:
            raise KebiokgError(f"{where}: entity text {item['text']!r} does not match the text at "
                               f"[{start}, {end}): {text[start:end]!r}")
        entities.append(Entity(start, end, text[start:end], item.get("cui"), score,
                               list(item.get("types") or [])))
    return AnnotatedDocument(str(record.get("id", "")), text, entities)


def corpus_files(path: Path | str) -> list[Path]:
    """The JSONL files of a corpus: the file itself, or a shard folder's files in manifest order."""
    path = Path(path)
    if path.is_file():
        return [path]
    manifest = path / MANIFEST
    if not manifest.is_file():
        raise KebiokgError(f"{path}: not a corpus (neither a .jsonl file nor a folder with {MANIFEST})")
    info = json.loads(manifest.read_text(encoding="utf-8"))
    if not info.get("complete"):
        raise KebiokgError(f"{path}: the annotation run that writes this corpus has not finished "
                           f"(resume it with `kebiokg annotate ... --resume`)")
    return [path / shard["file"] for shard in info["shards"]]


def json_records(file: Path) -> Iterator[tuple[dict, str]]:
    """(record, "FILE:LINE") for each non-blank line of a JSONL file; a line that is not JSON is an error."""
    for line_no, line in numbered_lines(file):
        if not line.strip():
            continue
        try:
            yield json.loads(line), f"{file}:{line_no}"
        except json.JSONDecodeError as exc:
            raise KebiokgError(f"{file}:{line_no}: not JSON ({exc.msg})") from exc


def read_corpus(path: Path | str) -> Iterator[AnnotatedDocument]:
    """Stream the documents of a corpus (file or shard folder), validating offsets."""
    for file in corpus_files(path):
        for record, where in json_records(file):
            yield document_from_json(record, where)


def write_jsonl(documents: Iterable[AnnotatedDocument], path: Path | str) -> int:
    count = 0
    with open(path, "w", encoding="utf-8") as handle:
        for doc in documents:
            handle.write(doc.to_jsonl())
            count += 1
    return count


def to_pubtator(doc: AnnotatedDocument) -> str:
    """PubTator lines for a document (the whole text is the title when no title is known), blank line."""
    text = doc.text.replace("\n", " ").replace("\r", " ").replace("\t", " ")  # one for one: offsets hold
    split = doc.title_length
    title, abstract = (text[:split], text[split + 1:]) if split is not None and split < len(text) else (text, "")
    lines = [f"{doc.id}|t|{title}", f"{doc.id}|a|{abstract}"]
    for e in doc.entities:
        lines.append(f"{doc.id}\t{e.start}\t{e.end}\t{text[e.start:e.end]}\t{','.join(e.types)}\t{e.cui or '-'}")
    return "\n".join(lines) + "\n\n"
