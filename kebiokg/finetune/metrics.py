"""Strict scores: a prediction counts only when it matches a gold item exactly (span and type, or pair)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable


def prf(tp: int, fp: int, fn: int) -> dict:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn}


def entity_scores(gold: Iterable[tuple[Hashable, int, int, str]],
                  predicted: Iterable[tuple[Hashable, int, int, str]]) -> dict:
    """Micro P/R/F1 over (document, start, end, type) items, and the same per type.

    A prediction overlapping a gold span without matching both ends, or with another type, is one
    false positive and leaves the gold span a false negative (the CoNLL convention).
    """
    gold, predicted = set(gold), set(predicted)
    hits = gold & predicted
    scores = prf(len(hits), len(predicted - hits), len(gold - hits))
    by_type: dict[str, dict] = {}
    tp = Counter(i[3] for i in hits)
    fp = Counter(i[3] for i in predicted - hits)
    fn = Counter(i[3] for i in gold - hits)
    for kind in sorted(set(tp) | set(fp) | set(fn)):
        by_type[kind] = prf(tp[kind], fp[kind], fn[kind])
    scores["by_type"] = by_type
    return scores


def pair_scores(gold: Iterable[Hashable], predicted: Iterable[Hashable]) -> dict:
    """P/R/F1 over items such as (document, chemical, disease) pairs."""
    gold, predicted = set(gold), set(predicted)
    hits = len(gold & predicted)
    return prf(hits, len(predicted) - hits, len(gold) - hits)
