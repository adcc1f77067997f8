"""Linking evaluation against a gold PubTator corpus, restricted to gold mentions the KB covers.

Gold mentions whose ids map to no KB concept (or that are unlinked) are out of scope: they do not
count in recall, and predictions overlapping them count neither right nor wrong; the ids that map to
nothing are counted by namespace (MeSH, OMIM, NCBI Gene, ..., `kebiokg.annotate.gold`). Reported:
- strict: a prediction is right when its span equals a gold mention's and its CUI is one of the
  CUIs the gold ids map to;
- per document: the set of CUIs predicted in a document against the gold concepts of that
  document (a gold concept is found when any of its CUIs is predicted).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from ..documents import AnnotatedDocument, Document
from .gold import IdMapper


@dataclass
class Scores:
    true_positives: int = 0
    predicted: int = 0
    gold: int = 0

    @property
    def precision(self) -> float:
        return self.true_positives / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_json(self) -> dict:
        return {**asdict(self), "precision": round(self.precision, 4), "recall": round(self.recall, 4),
                "f1": round(self.f1, 4)}


@dataclass
class LinkingReport:
    documents: int
    documents_without_prediction: int
    gold_mentions: int
    gold_mentions_in_kb: int
    strict: Scores
    per_document: Scores
    unmapped_ids: dict[str, int]  # namespace -> gold ids (occurrences) that map to no KB concept

    @property
    def coverage(self) -> float:
        return self.gold_mentions_in_kb / self.gold_mentions if self.gold_mentions else 0.0

    def to_json(self) -> dict:
        return {"documents": self.documents, "documents_without_prediction": self.documents_without_prediction,
                "gold_mentions": self.gold_mentions, "gold_mentions_in_kb": self.gold_mentions_in_kb,
                "coverage": round(self.coverage, 4), "unmapped_ids": self.unmapped_ids,
                "strict": self.strict.to_json(), "per_document": self.per_document.to_json()}


def evaluate_linking(gold_docs: Iterable[Document], predictions: dict[str, AnnotatedDocument],
                     mapper: IdMapper) -> LinkingReport:
    strict, per_doc = Scores(), Scores()
    unmapped_before = Counter(mapper.unmapped)
    documents = missing = mentions = in_kb = 0
    for doc in gold_docs:
        documents += 1
        predicted = predictions.get(doc.id)
        if predicted is None:
            missing += 1
        gold_spans: dict[tuple[int, int], set[str]] = {}
        out_of_scope: list[tuple[int, int]] = []
        concepts: list[frozenset[str]] = []
        for mention in doc.mentions:
            mentions += 1
            cuis = mapper.mention_cuis(mention.ids, mention.type) if mention.ids else []
            if not cuis:
                out_of_scope.append((mention.start, mention.end))
                continue
            in_kb += 1
            gold_spans.setdefault((mention.start, mention.end), set()).update(cuis)
            if frozenset(cuis) not in concepts:
                concepts.append(frozenset(cuis))
        strict.gold += len(gold_spans)
        entities = [e for e in (predicted.entities if predicted else [])
                    if (e.start, e.end) in gold_spans
                    or not any(e.start < end and start < e.end for start, end in out_of_scope)]
        strict.predicted += len(entities)
        strict.true_positives += sum(1 for e in entities if e.cui in gold_spans.get((e.start, e.end), ()))
        predicted_cuis = {e.cui for e in entities}
        gold_cuis = set().union(*concepts) if concepts else set()
        hits = sum(1 for group in concepts if group & predicted_cuis)  # gold concepts found
        per_doc.gold += len(concepts)
        per_doc.true_positives += hits
        per_doc.predicted += hits + len(predicted_cuis - gold_cuis)  # found concepts plus wrong CUIs
    unmapped = dict(sorted((mapper.unmapped - unmapped_before).items()))
    return LinkingReport(documents, missing, mentions, in_kb, strict, per_doc, unmapped)
