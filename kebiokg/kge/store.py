"""The files of a KGE run and reading them back.

OUT/entities.npy    float32 [concept_count, dim], row = entity_id (the best epoch on validation)
OUT/relations.npy   float32 [relation labels, dim], row = index into kge.json "relations"
OUT/kge.json        KB fingerprint, model, settings, split sizes, metrics, epochs, seconds, and the sizes
                    and checksums of the two tables (kebiokg.artefacts)
OUT/checkpoint.pt   the last finished epoch: tables, optimizer state, best tables, history

Every file is written to a temporary name and renamed into place, so a crash leaves the last good
version. kge.json is written last: a folder holding it is a finished run.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..artefacts import check_files
from ..errors import KebiokgError
from ..kb import KnowledgeBase

ENTITIES = "entities.npy"
RELATIONS = "relations.npy"
METADATA = "kge.json"
CHECKPOINT = "checkpoint.pt"  # written by checkpoint.py
FORMAT = 1


def write_atomically(path: Path, write: Callable[[Path], None]) -> None:
    """`write(temporary path)`, then rename it onto `path`."""
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        write(temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def save_array(path: Path, array: np.ndarray) -> None:
    def write(temporary: Path) -> None:
        with open(temporary, "wb") as handle:
            np.save(handle, array)

    write_atomically(path, write)


def save_json(path: Path, value: dict) -> None:
    write_atomically(path, lambda temporary: temporary.write_text(json.dumps(value, indent=2) + "\n",
                                                                  encoding="utf-8"))


@dataclass
class KgeEmbeddings:
    """Embeddings of a finished run: `entities[entity_id]`, `relations[i]` for label `relation_labels[i]`."""

    entities: np.ndarray
    relations: np.ndarray
    relation_labels: list[str]
    metadata: dict

    @property
    def model(self) -> str:
        return self.metadata["model"]

    @property
    def dim(self) -> int:
        return self.metadata["dim"]


def load_kge(path: str | Path, kb: KnowledgeBase, verify: bool = False) -> KgeEmbeddings:
    """The embeddings in `path` (an embed-kb output folder), checked against `kb`: built from it, and one
    row per concept; file sizes are checked, checksums when `verify`. The tables are memory-mapped
    read-only (copy them to change them)."""
    path = Path(path)
    try:
        metadata = json.loads((path / METADATA).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise KebiokgError(f"{path}: not a finished embed-kb run (no {METADATA})") from None
    except json.JSONDecodeError as exc:
        raise KebiokgError(f"{path / METADATA}: not JSON ({exc})") from exc
    kb.check_fingerprint(metadata.get("kb_fingerprint"), path)
    check_files(path, metadata.get("files"), f"`kebiokg embed-kb --out {path} --resume` (from its {CHECKPOINT}, "
                                             "same options) or into another --out", verify)
    entities = np.load(path / ENTITIES, mmap_mode="r")
    relations = np.load(path / RELATIONS, mmap_mode="r")
    if entities.shape[0] != kb.concept_count:
        raise KebiokgError(f"{path / ENTITIES}: {entities.shape[0]:,} rows, but the KB has {kb.concept_count:,} "
                           "concepts")
    if relations.shape[0] != len(metadata["relations"]) or entities.shape[1] != relations.shape[1]:
        raise KebiokgError(f"{path / RELATIONS}: shape {relations.shape} does not match {METADATA}")
    return KgeEmbeddings(entities, relations, list(metadata["relations"]), metadata)
