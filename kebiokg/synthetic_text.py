"""Abstract-like text written from a KB's relations: the demo's built-in corpus, tagged.

Each sentence states one relation of the KB in the probe's own wording ("subject relation
object"), so a model can learn the facts a probe later asks about, and each concept name is a
gold mention typed by its semantic group (CHEM, DISO, GENE, ANAT; concepts of other groups stay
untagged, as in a real NER corpus). Deterministic in the seed.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass

from .documents import Span, TaggedDocument
from .errors import KebiokgError
from .kb import KnowledgeBase
from .semantic_groups import GROUP_OF_TUI
from .sqlfiles import sql_text

_FRAMES = ("{s} {r} {o}.", "We show that {s} {r} {o}.", "In {n} patients, {s} {r} {o}.",
           "These findings suggest that {s} {r} {o}.", "Notably, {s} {r} {o}.")  # {s}, {o}: the names
_FILLERS = ("Patients were followed for {n} weeks.", "The cohort included {n} adults.",
            "Samples were collected at baseline and after {n} days.", "Results were consistent across {n} sites.")


def facts(kb: KnowledgeBase) -> list[tuple]:
    """(relation, subject cui, subject name, subject tui, object cui, object name, object tui) rows."""
    with kb.engine.connect() as conn:
        return conn.connection.dbapi_connection.execute(sql_text("synthetic_text.sql")).fetchall()


def generate_documents(kb: KnowledgeBase, documents: int, seed: int = 0, sentences: tuple[int, int] = (3, 6),
                       prefix: str = "synth") -> list[TaggedDocument]:
    """`documents` abstracts of `sentences` (min, max) sentences each, with typed gold mentions."""
    rows = facts(kb)
    if not rows:
        raise KebiokgError("the KB has no relations with a RELA to write sentences from")
    rng = random.Random(seed)
    result = []
    for d in range(documents):
        text, spans = "", []
        for _ in range(rng.randint(*sentences)):
            if rng.random() < 0.15:
                sentence = rng.choice(_FILLERS).format(n=rng.randint(2, 400))
                text += (" " if text else "") + sentence
                continue
            text = _state(text, spans, rng.choice(rows), rng)
        result.append(TaggedDocument(f"{prefix}{d}", text, sorted(spans)))
    return result


def _state(text: str, spans: list[Span], row: tuple, rng: random.Random) -> str:
    """`text` with one sentence stating the fact `row` appended (its typed mentions added to `spans`)."""
    rela, s_cui, s_name, s_tui, o_cui, o_name, o_tui = row
    before, rest = rng.choice(_FRAMES).split("{s}")
    middle, after = rest.split("{o}")
    fill = {"r": rela.replace("_", " ").lower(), "n": rng.randint(2, 400)}
    text += " " if text else ""
    for piece, concept in ((before, None), ("", (s_cui, s_name, s_tui)), (middle, None),
                           ("", (o_cui, o_name, o_tui)), (after, None)):
        if concept is None:
            text += piece.format(**fill)
            continue
        cui, name, tui = concept
        if tui in GROUP_OF_TUI:
            spans.append(Span(len(text), len(text) + len(name), GROUP_OF_TUI[tui], (cui,)))
        text += name
    return text


def _document(doc_id: str, rows: list[tuple], rng: random.Random) -> TaggedDocument:
    text, spans = "", []
    for row in rows:
        text = _state(text, spans, row, rng)
    return TaggedDocument(doc_id, text, sorted(spans))


@dataclass(frozen=True)
class FactWorld:
    """Facts split into those the text states and those only the KB holds (docs/knowledge.md)."""

    stated: list[tuple]
    kb_only: list[tuple]

    def write_tsv(self, path) -> None:
        """`subject CUI, relation, object CUI, side` lines: what `build-probe --fact-sets` reads."""
        with open(path, "w", encoding="utf-8") as handle:
            for side, rows in (("stated", self.stated), ("kb_only", self.kb_only)):
                handle.writelines(f"{r[1]}\t{r[0]}\t{r[4]}\t{side}\n" for r in rows)

    def sides(self) -> dict[tuple[str, str], str]:
        """Side ("stated" or "kb_only") of each unordered concept pair, keyed both ways round."""
        result = {}
        for side, rows in (("stated", self.stated), ("kb_only", self.kb_only)):
            for row in rows:
                result[(row[1], row[4])] = result[(row[4], row[1])] = side
        return result


def _pair_side(a: str, b: str, seed: int) -> str:
    """The side of an unordered pair: a fact and its inverse twin always share it."""
    low, high = sorted((a, b))
    digest = hashlib.blake2b(f"{seed}:{low}:{high}".encode(), digest_size=8).digest()
    return "stated" if digest[0] % 2 == 0 else "kb_only"


def split_facts(kb: KnowledgeBase, per_relation: int = 40, seed: int = 0) -> FactWorld:
    """Up to `per_relation` stated facts per relation, and KB-only facts between concepts the stated
    ones name (so the text names both of their concepts, never together); sides drawn per unordered
    concept pair, so a fact and its inverse twin share one."""
    rows = facts(kb)
    if not rows:
        raise KebiokgError("the KB has no relations with a RELA to write sentences from")
    by_side: dict[tuple[str, str], list[tuple]] = {}
    for row in rows:
        by_side.setdefault((_pair_side(row[1], row[4], seed), row[0]), []).append(row)
    rng = random.Random(seed)
    stated: list[tuple] = []
    for (side, _), group in sorted(by_side.items()):
        if side == "stated":
            rng.shuffle(group)
            stated += group[:per_relation]
    named = {cui for row in stated for cui in (row[1], row[4])}
    kb_only: list[tuple] = []
    for (side, _), group in sorted(by_side.items()):
        if side == "kb_only":
            known = [row for row in group if row[1] in named and row[4] in named]
            rng.shuffle(known)
            kb_only += known[:per_relation]
    return FactWorld(stated, kb_only)


def world_documents(world: FactWorld, repeats: int, seed: int = 0, sentences: tuple[int, int] = (3, 6),
                    prefix: str = "world") -> list[TaggedDocument]:
    """Abstracts stating each stated fact `repeats` times (never a KB-only one), in shuffled order."""
    rng = random.Random(seed)
    statements = [row for row in world.stated for _ in range(repeats)]
    rng.shuffle(statements)
    result, at = [], 0
    while at < len(statements):
        count = rng.randint(*sentences)
        result.append(_document(f"{prefix}{len(result)}", statements[at:at + count], rng))
        at += count
    return result
