"""An annotated corpus on disk: one `.jsonl` file, or the folder of shards with a `manifest.json` that
`kebiokg annotate` writes (docs/corpus.md); `read_corpus` streams either. The JSONL format itself is
`kebiokg.documents`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from ..artefacts import sampled_checksum
from ..documents import AnnotatedDocument, read_jsonl
from ..errors import KebiokgError

MANIFEST = "manifest.json"


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


def read_corpus(path: Path | str) -> Iterator[AnnotatedDocument]:
    """Stream the documents of a corpus (file or shard folder), validating offsets."""
    for file in corpus_files(path):
        yield from read_jsonl(file)


def corpus_identity(path: Path | str) -> dict:
    """What tells a corpus from another in milliseconds, whatever its size: its files' names, sizes and
    sampled checksums (`kebiokg.artefacts.sampled_checksum`), with the path it was read from; and, for a
    shard folder, how its entities were found (the manifest's linking settings: type profile, dictionary
    options), which pretraining records with the corpus."""
    identity = {"path": str(path), "files": [{"name": file.name, "bytes": file.stat().st_size,
                                              "sample_sha256": sampled_checksum(file)} for file in corpus_files(path)]}
    manifest = Path(path) / MANIFEST
    if manifest.is_file():
        identity["linking"] = json.loads(manifest.read_text(encoding="utf-8"))["settings"].get("linking")
    return identity
