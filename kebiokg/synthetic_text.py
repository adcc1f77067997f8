"""Abstract-like text written from a KB's relations: the demo's built-in corpus, tagged.

Each sentence states one relation of the KB in the probe's own wording ("subject relation
object"), so a model can learn the facts a probe later asks about, and each concept name is a
gold mention typed by its semantic group (CHEM, DISO, GENE, ANAT; concepts of other groups stay
untagged, as in a real NER corpus). Deterministic in the seed.
"""

from __future__ import annotations

import random

from .errors import KebiokgError
from .finetune.data import Span, TaggedDocument
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
            rela, s_cui, s_name, s_tui, o_cui, o_name, o_tui = rng.choice(rows)
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
        result.append(TaggedDocument(f"{prefix}{d}", text, sorted(spans)))
    return result
