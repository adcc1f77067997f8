"""Facts kept out of the embeddings (`--exclude`): a probe's answers must not be learned from the KB.

A fact (subject, relation, object) comes from a `kebiokg build-probe` JSONL file (each query with
its known concept and answer CUIs, in either direction) or from `CUI<TAB>relation<TAB>CUI` lines.
UMLS states every relation both ways (`may_treat` and `may_be_treated_by`), so the fact is removed
with its inverse: the triple (object, inverse, subject), the inverse of a relation being the label
the KB most often gives the reverse of its pairs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import sqlalchemy as sa

from .. import schema as t
from ..artefacts import checksum
from ..errors import KBError, KebiokgError
from ..kb import KnowledgeBase, check_cui
from .triples import KbTriples, contains, unique_sorted

INVERSE_SQL = """
SELECT coalesce(a.rela, a.rel) AS label, coalesce(b.rela, b.rel) AS inverse, count(*) AS n
FROM relations a JOIN relations b ON b.subject_id = a.object_id AND b.object_id = a.subject_id
WHERE coalesce(a.rela, a.rel) IN (SELECT unnest($labels)) AND a.subject_id <> a.object_id
GROUP BY ALL ORDER BY label, n DESC, inverse
"""
CUI_BATCH = 20_000


@dataclass(frozen=True)
class Fact:
    subject: str
    relation: str
    object: str
    where: str  # FILE:LINE, for errors


@dataclass
class Exclusion:
    """What --exclude removed: the file, its facts, the triples gone from the KB's set, the inverses used."""

    file: str | None = None
    sha256: str | None = None
    facts: int = 0
    triples_removed: int = 0
    inverse_relations: dict[str, str] = field(default_factory=dict)


def read_facts(path: Path) -> list[Fact]:
    """Facts of a probe JSONL file or a CUI<TAB>relation<TAB>CUI file (blank and # lines skipped)."""
    facts: list[Fact] = []
    try:
        with open(path, encoding="utf-8") as handle:
            lines = [(number, line.strip()) for number, line in enumerate(handle, 1)]
    except UnicodeDecodeError as exc:
        raise KebiokgError(f"{path}: not UTF-8 text") from exc
    lines = [(number, line) for number, line in lines if line and not line.startswith("#")]
    probe = bool(lines) and lines[0][1].startswith("{")
    for number, line in lines:
        where = f"{path}:{number}"
        facts += _probe_facts(line, where) if probe else [_tsv_fact(line, where)]
    return facts


def _probe_facts(line: str, where: str) -> list[Fact]:
    """A probe query states one fact per answer: known -> answer (object slot) or answer -> known."""
    try:
        query = json.loads(line)
        relation, direction, known = query["relation"], query["direction"], query["known"]["cui"]
        answers = [answer["cui"] for answer in query["objects"]]
        if direction not in ("object", "subject"):
            raise ValueError(f"direction {direction!r}")
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise KebiokgError(f"{where}: not a probe query with CUIs ({exc})") from exc
    if direction == "object":
        return [Fact(known, relation, answer, where) for answer in answers]
    return [Fact(answer, relation, known, where) for answer in answers]


def _tsv_fact(line: str, where: str) -> Fact:
    parts = [part.strip() for part in line.split("\t")]
    if len(parts) != 3 or not all(parts):
        raise KebiokgError(f"{where}: expected CUI<TAB>relation<TAB>CUI")
    return Fact(parts[0], parts[1], parts[2], where)


def _entity_ids(kb: KnowledgeBase, facts: list[Fact]) -> dict[str, int]:
    """entity_id of every CUI the facts name; a malformed or unknown CUI names its line."""
    wanted: dict[str, str] = {}
    for fact in facts:
        for cui in (fact.subject, fact.object):
            try:
                wanted.setdefault(check_cui(cui), fact.where)
            except KBError as exc:
                raise KebiokgError(f"{fact.where}: {exc}") from exc
    ids: dict[str, int] = {}
    cuis = sorted(wanted)
    c = t.concepts.c
    query = sa.select(c.cui, c.entity_id).where(c.cui.in_(sa.bindparam("cuis", expanding=True)))
    for start in range(0, len(cuis), CUI_BATCH):
        ids.update(kb.query(query, {"cuis": cuis[start:start + CUI_BATCH]}))
    missing = [cui for cui in cuis if cui not in ids]
    if missing:
        raise KebiokgError(f"{wanted[missing[0]]}: {missing[0]} is not in this KB ({kb.release})")
    return ids


def inverse_relations(kb: KnowledgeBase, labels: list[str]) -> dict[str, str]:
    """For each label, the label the KB most often gives the reverse pair (object, ?, subject)."""
    with kb.engine.connect() as conn:
        rows = conn.connection.dbapi_connection.execute(INVERSE_SQL, {"labels": labels}).fetchall()
    inverse: dict[str, str] = {}
    for label, other, _ in rows:
        inverse.setdefault(label, other)
    return inverse


def exclude_facts(kb: KnowledgeBase, triples: KbTriples, path: Path) -> tuple[np.ndarray, Exclusion]:
    """The KB's keys without the file's facts and their inverses, and what was removed."""
    facts = read_facts(path)
    report = Exclusion(file=str(path), sha256=checksum(path))
    if not facts:
        return triples.keys, report
    label_index = {label: i for i, label in enumerate(triples.labels)}
    for fact in facts:
        if fact.relation not in label_index:
            raise KebiokgError(f"{fact.where}: relation {fact.relation!r} is not in this KB's relations")
    ids = _entity_ids(kb, facts)
    inverse = inverse_relations(kb, sorted({fact.relation for fact in facts}))
    heads = np.array([ids[check_cui(f.subject)] for f in facts], dtype=np.int64)
    tails = np.array([ids[check_cui(f.object)] for f in facts], dtype=np.int64)
    relations = np.array([label_index[f.relation] for f in facts], dtype=np.int64)
    keys = [triples.codec.encode(heads, relations, tails)]
    has_inverse = np.array([f.relation in inverse for f in facts])
    if has_inverse.any():
        backwards = np.array([label_index[inverse[f.relation]] for f in facts if f.relation in inverse])
        keys.append(triples.codec.encode(tails[has_inverse], backwards, heads[has_inverse]))
    drop = unique_sorted(np.concatenate(keys))
    present = contains(triples.keys, drop)
    report.facts = len(np.unique(keys[0]))
    report.triples_removed = int(present.sum())
    report.inverse_relations = inverse
    return np.delete(triples.keys, np.searchsorted(triples.keys, drop[present])), report
