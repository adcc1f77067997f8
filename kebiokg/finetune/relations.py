"""Document-level relation extraction (BC5CDR chemical-induced disease) as mention-pair classification.

Every (chemical id, disease id) pair of a document is a candidate. Its examples are the closest
mention pairs (at most `per_pair`), each the sentences from one mention to the other with typed
punctuation markers around the two mentions (`<< chemical >>`, `[[ disease ]]`). A document-level
pair is predicted when any of its examples is; a pair with no example that fits `max_length` is
predicted absent (and counted).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from ..documents import TaggedDocument
from ..errors import KebiokgError

HEAD_MARKERS = ("<< ", " >>")
TAIL_MARKERS = ("[[ ", " ]]")
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\[])")


@dataclass(frozen=True)
class RelationTask:
    relation: str = "CID"
    head_type: str = "Chemical"
    tail_type: str = "Disease"


@dataclass
class PairExample:
    doc: int
    pair: tuple[str, str]  # (head id, tail id)
    input_ids: list[int]
    labels: int


@dataclass
class PairStats:
    candidate_pairs: int = 0
    positive_pairs: int = 0
    pairs_without_example: int = 0
    gold_without_mentions: int = 0  # relations whose ids no mention of the document carries

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def sentence_starts(text: str) -> list[int]:
    return [0] + [m.end() for m in _SENTENCE_BREAK.finditer(text)]


def gold_pairs(documents: list[TaggedDocument], task: RelationTask) -> set[tuple[int, str, str]]:
    return {(d, head, tail) for d, doc in enumerate(documents)
            for kind, head, tail in doc.relations if kind == task.relation}


def pair_examples(documents: list[TaggedDocument], tokenizer, max_length: int, task: RelationTask,
                  per_pair: int = 3) -> tuple[list[PairExample], PairStats]:
    """The mention-pair examples of every candidate pair, labelled from the documents' relations."""
    stats = PairStats()
    examples = []
    gold = gold_pairs(documents, task)
    for d, doc in enumerate(documents):
        starts = sentence_starts(doc.text)
        heads = [(s, i) for s in doc.spans if s.type == task.head_type for i in s.ids]
        tails = [(s, i) for s in doc.spans if s.type == task.tail_type for i in s.ids]
        mention_ids = {i for _, i in heads} | {i for _, i in tails}
        stats.gold_without_mentions += sum(1 for kind, h, t in doc.relations
                                           if kind == task.relation and not {h, t} <= mention_ids)
        pairs: dict[tuple[str, str], list] = {}
        for head, head_id in heads:
            for tail, tail_id in tails:
                if head.start < tail.end and tail.start < head.end:
                    continue  # one mention inside the other: no room for both markers
                sentences = abs(bisect.bisect_right(starts, head.start) - bisect.bisect_right(starts, tail.start))
                distance = abs(head.start - tail.start)
                pairs.setdefault((head_id, tail_id), []).append((sentences, distance, head, tail))
        for pair, mentions in pairs.items():
            label = int((d, *pair) in gold)
            stats.candidate_pairs += 1
            stats.positive_pairs += label
            made = 0
            for _, _, head, tail in sorted(mentions, key=lambda m: m[:2]):
                input_ids = _encode_pair(doc.text, starts, head, tail, tokenizer, max_length)
                if input_ids is not None:
                    examples.append(PairExample(d, pair, input_ids, label))
                    made += 1
                    if made == per_pair:
                        break
            stats.pairs_without_example += made == 0
    return examples, stats


def _encode_pair(text: str, starts: list[int], head, tail, tokenizer, max_length: int) -> list[int] | None:
    """The sentences from one mention to the other with both marked, or None when they do not fit."""
    first, last = min(head.start, tail.start), max(head.end, tail.end)
    begin = starts[bisect.bisect_right(starts, first) - 1]
    following = bisect.bisect_right(starts, last - 1)
    end = starts[following] if following < len(starts) else len(text)
    pieces = []
    position = begin
    for span, (open_mark, close_mark) in sorted([(head, HEAD_MARKERS), (tail, TAIL_MARKERS)],
                                                key=lambda item: item[0].start):
        pieces += [text[position:span.start], open_mark, text[span.start:span.end], close_mark]
        position = span.end
    pieces.append(text[position:end])
    input_ids = tokenizer("".join(pieces).strip(), truncation=False, verbose=False)["input_ids"]
    return input_ids if len(input_ids) <= max_length else None


def check_relation_corpus(documents: list[TaggedDocument], task: RelationTask, path) -> None:
    if not any(kind == task.relation for doc in documents for kind, _, _ in doc.relations):
        raise KebiokgError(f"{path}: no {task.relation} relation lines (PubTator 'PMID<TAB>{task.relation}"
                           f"<TAB>id1<TAB>id2')")
