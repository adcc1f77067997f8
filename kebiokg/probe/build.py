"""`kebiokg build-probe`: cloze queries from the KB's relations, as KeBioLM and BioLAMA built them.

For each relation (RELA, in reading order: subject RELA object) and each direction, one query per
known concept with every gold answer: object masked ("aspirin may treat [Y] .", the answers being
every object that relation links to aspirin) and subject masked ("[X] may treat headache .").
Answers carry every English name of each answer concept, cleaned (lowercase, "NOS" and
bracketed qualifiers dropped, dashes to spaces) and at most `max_answer_tokens` word pieces.
Per relation at most `per_relation` queries, no answer concept in more than `max_per_answer`
queries (undersampling over-frequent answers, as BioLAMA does), relations with fewer than
`min_triples` triples left out; deterministic in `seed`; each query is assigned to train, dev or
test by a hash of its known concept, so that every query about one concept, including its twin
through the inverse relation (UMLS states each relation both ways: "[X] may treat cystitis" and
"cystitis may be treated by [Y]" ask the same), lands in one split. A query is trivial when an
answer name appears in its text. Each query records `max_answer_tokens`: `probe` decodes that many
masks unless told otherwise, so that no answer the probe kept is out of reach.
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from .. import schema as t
from ..errors import KBError, KebiokgError
from ..kb import KnowledgeBase, check_cui
from ..progress import NullProgress, Progress
from ..textfiles import numbered_lines

_BRACKETS = re.compile(r"\s*[\(\[][^()\[\]]*[\)\]]")
_NOS = re.compile(r"(,\s*|\s+)nos\b")
_SPACES = re.compile(r"\s+")
TRIPLES_SQL = """
SELECT r.rela, s.cui AS subject_cui, o.cui AS object_cui
FROM relations r JOIN concepts s ON s.entity_id = r.subject_id JOIN concepts o ON o.entity_id = r.object_id
WHERE r.rela IS NOT NULL AND r.subject_id <> r.object_id
GROUP BY ALL ORDER BY 1, 2, 3
"""


def clean_name(name: str) -> str:
    """KeBioLM's answer cleaning: lowercase, bracketed qualifiers and NOS dropped, dashes to spaces."""
    text = _BRACKETS.sub("", name.lower())
    text = _NOS.sub("", text).replace("-", " ")
    return _SPACES.sub(" ", text).strip(" ,")


def is_trivial(text: str, names: list[str]) -> bool:
    """KeBioLM's trivial query: a gold answer name appears, as whole words, in the query text."""
    lowered = text.lower()
    return any(re.search(rf"\b{re.escape(n)}\b", lowered) for n in names if n)


def default_template(relation: str) -> str:
    return f"[X] {relation.replace('_', ' ').lower()} [Y] ."


def read_templates(path: Path) -> dict[str, str]:
    """`relation,template` rows (a header row is allowed); templates hold [X] and [Y]."""
    templates = {}
    with open(path, encoding="utf-8", newline="") as handle:
        for line_no, row in enumerate(csv.reader(handle), start=1):
            if not row or row[0].strip().lower() == "relation":
                continue
            if len(row) != 2 or "[X]" not in row[1] or "[Y]" not in row[1]:
                raise KebiokgError(f"{path}:{line_no}: expected relation,template with [X] and [Y]")
            templates[row[0].strip()] = row[1].strip()
    return templates


def read_fact_sets(path: Path) -> dict[tuple[str, str], str]:
    """`subject CUI<TAB>relation<TAB>object CUI<TAB>set` lines -> {(subject, object): set}, both ways round
    (a fact and its inverse twin are asked about as one); CUIs in any case."""
    sets: dict[tuple[str, str], str] = {}
    for line_no, line in numbered_lines(path):
        fields = line.rstrip("\n").split("\t")
        if not line.strip():
            continue
        if len(fields) != 4 or not all(f.strip() for f in fields):
            raise KebiokgError(f"{path}:{line_no}: expected subject CUI, relation, object CUI and set, tab-separated")
        subject, _, obj, name = (f.strip() for f in fields)
        try:
            subject, obj = check_cui(subject), check_cui(obj)
        except KBError as exc:
            raise KebiokgError(f"{path}:{line_no}: {exc}") from exc
        sets[(subject, obj)] = sets[(obj, subject)] = name
    if not sets:
        raise KebiokgError(f"{path}: no facts")
    return sets


@dataclass(frozen=True)
class ProbeOptions:
    per_relation: int = 1000
    max_per_answer: int = 10
    min_triples: int = 10
    max_answer_tokens: int = 10
    seed: int = 0
    dev_fraction: float = 0.1
    test_fraction: float = 0.8


def _split(known_cui: str, seed: int, options: ProbeOptions) -> str:
    value = int(hashlib.sha1(f"{seed}:{known_cui}".encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    if value < options.test_fraction:
        return "test"
    return "dev" if value < options.test_fraction + options.dev_fraction else "train"


def build_probe(kb: KnowledgeBase, options: ProbeOptions = ProbeOptions(), templates: dict[str, str] | None = None,
                tokenizer=None, progress: Progress | None = None,
                fact_sets: dict[tuple[str, str], str] | None = None) -> list[dict]:
    """The probe's queries (see the module docstring); `tokenizer` counts answer word pieces
    (whitespace words when None). With `fact_sets` ((subject CUI, object CUI) -> set name), only
    those pairs are asked about and each query's split is its set (a query whose answers span two
    sets is left out): how the knowledge-injection experiment asks about stated and KB-only facts."""
    progress = progress or NullProgress()
    with kb.engine.connect() as conn:
        rows = conn.connection.dbapi_connection.execute(TRIPLES_SQL).fetchall()
    by_relation: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for rela, subject, obj in rows:
        if fact_sets is None or (subject, obj) in fact_sets:
            by_relation[rela].append((subject, obj))
    relations = {r: pairs for r, pairs in by_relation.items() if len(pairs) >= options.min_triples}
    cuis = sorted({c for pairs in relations.values() for pair in pairs for c in pair})
    names = _names(kb, cuis)
    count_tokens = (lambda s: len(tokenizer.tokenize(s))) if tokenizer is not None else (lambda s: len(s.split()))
    answer_names = {cui: [n for n in names.get(cui, {}).get("all", []) if count_tokens(n) <= options.max_answer_tokens]
                    for cui in cuis}
    queries = []
    with progress.task("build-probe", total=len(relations), unit="relations") as task:
        for done, relation in enumerate(sorted(relations)):
            queries += _relation_queries(relation, relations[relation], (templates or {}).get(relation),
                                         names, answer_names, options, fact_sets)
            task.update(done + 1)
    return queries


def _relation_queries(relation: str, pairs: list[tuple[str, str]], template: str | None, names: dict,
                      answer_names: dict, options: ProbeOptions,
                      fact_sets: dict[tuple[str, str], str] | None) -> list[dict]:
    """The queries of one relation, both directions."""
    queries = []
    template = template or default_template(relation)
    for direction in ("object", "subject"):
        groups: dict[str, list[str]] = defaultdict(list)
        for subject, obj in pairs:
            known, answer = (subject, obj) if direction == "object" else (obj, subject)
            groups[known].append(answer)
        candidates = sorted(groups)
        random.Random(f"{options.seed}:{relation}:{direction}").shuffle(candidates)
        used: dict[str, int] = defaultdict(int)
        kept = 0
        for known in candidates:
            if kept >= options.per_relation:
                break
            answers = sorted(set(groups[known]))
            if any(used[a] >= options.max_per_answer for a in answers) or known not in names:
                continue
            objects = [{"cui": a, "names": answer_names[a]} for a in answers if answer_names.get(a)]
            sets = {fact_sets[(known, a) if direction == "object" else (a, known)] for a in answers} \
                if fact_sets is not None else set()
            if not objects or len(sets) > 1:
                continue
            known_name = names[known]["preferred"]
            text = (template.replace("[X]", known_name) if direction == "object"
                    else template.replace("[Y]", known_name))
            query_id = f"{relation}:{direction}:{known}"
            queries.append({
                "id": query_id, "relation": relation, "direction": direction, "template": template,
                "query": text, "known": {"cui": known, "name": known_name}, "objects": objects,
                "trivial": is_trivial(text, [n for o in objects for n in o["names"]]),
                "split": sets.pop() if sets else _split(known, options.seed, options),
                "max_answer_tokens": options.max_answer_tokens})
            for a in answers:
                used[a] += 1
            kept += 1
    return queries


def _names(kb: KnowledgeBase, cuis: list[str]) -> dict[str, dict]:
    """Per CUI: the cleaned preferred name and every cleaned English name."""
    result: dict[str, dict] = {}
    n, c = t.names.c, t.concepts.c
    for start in range(0, len(cuis), 20_000):
        chunk = cuis[start:start + 20_000]
        params = {"cuis": chunk}
        wanted = sa.bindparam("cuis", expanding=True)
        for cui, name in kb.query(sa.select(c.cui, c.preferred_name).where(c.cui.in_(wanted)), params):
            result[cui] = {"preferred": clean_name(name), "all": []}
        rows = kb.query(sa.select(n.cui, n.str).where(n.cui.in_(wanted), n.lat == "ENG")
                        .order_by(n.cui, n.rank.desc(), n.str), params)
        for cui, name in rows:
            cleaned = clean_name(name)
            if cui in result and cleaned and cleaned not in result[cui]["all"]:
                result[cui]["all"].append(cleaned)
    return result


def write_probe(queries: list[dict], path: Path) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for query in queries:
            handle.write(json.dumps(query, ensure_ascii=False) + "\n")

