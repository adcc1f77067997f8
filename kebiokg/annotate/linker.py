"""Mention detection and linking: dictionary matches, disambiguation, abbreviations, a threshold.

1. Detection: every dictionary name found in the text at word boundaries (`Dictionary`); a name
   written in capitals in the KB (an acronym) only matches capitals; the leftmost-longest matches
   that do not overlap are kept.
2. Ranking: a name shared by several concepts is resolved by a weight per candidate: 1, plus 2 if
   it is the concept's preferred name, plus the lexical similarity of the name to the concept's
   preferred name, plus the MRRANK rank of the name (scaled to [0, 1]), plus 2 for each other
   unambiguous mention of that concept in the same document. The score is the winner's share of
   the weights: 1.0 for a name of one concept, lower the more the candidates compete.
3. Abbreviations defined in the text ("myocardial infarction (MI)") link every occurrence of the
   short form to the long form's concept; a short form whose long form is not in the KB links
   nothing (its dictionary matches would be another sense).
4. Entities scoring below `threshold` are dropped; a semantic-type filter keeps only candidates
   of the given types (TUIs or semantic groups such as DISO, CHEM); `type_profile` names where the
   filter came from ("default": every type but the generic ones, `kebiokg.semantic_groups`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..documents import AnnotatedDocument, Entity
from ..errors import KebiokgError
from ..normalize import normalize_name
from ..semantic_groups import ALL, DEFAULT
from .abbreviations import find_abbreviations
from .dictionary import Dictionary, tokenize

DEFAULT_THRESHOLD = 0.8  # the F1 optimum on BC5CDR + NCBI-disease dev (bench/bench_annotate.py)


@dataclass(frozen=True)
class LinkOptions:
    threshold: float = DEFAULT_THRESHOLD
    semantic_types: frozenset[str] | None = None
    abbreviations: bool = True
    type_profile: str = ALL  # "default", "all" or "custom": recorded in the corpus manifest


class Linker:
    def __init__(self, dictionary: Dictionary, options: LinkOptions = LinkOptions()) -> None:
        self.dictionary = dictionary
        self.options = options
        d = dictionary
        if options.semantic_types is None:
            allowed_entity = np.ones(len(d.cuis), dtype=bool)
        else:
            allowed_lists = np.array([bool(options.semantic_types.intersection(types)) for types in d.type_lists]
                                     + [False])
            allowed_entity = allowed_lists[d.type_ids] if len(d.type_ids) else np.zeros(0, dtype=bool)
        self._allowed = allowed_entity[d.entity] if len(d.entity) else np.zeros(0, dtype=bool)
        allowed_count = np.add.reduceat(self._allowed.astype(np.int32), d.offsets[:-1]) if len(d.entity) else []
        self._usable = np.asarray(allowed_count) > 0  # per name: at least one candidate passes the filter
        if not self._usable.any():
            asked = ("the default profile's (every type but the generic ones; --semantic-types all keeps them)"
                     if options.type_profile == DEFAULT else f"({', '.join(sorted(options.semantic_types or ()))})")
            raise KebiokgError(f"no dictionary name is of the semantic types asked for {asked}: "
                               f"nothing would be found")
        self._single = (np.diff(d.offsets) == 1) & self._usable
        self._weights = (1.0 + 2.0 * d.preferred + d.similarity + d.rank).astype(np.float64)

    # -- candidates ---------------------------------------------------------------------------------------

    def _best(self, row: int, context: Counter, norm: str) -> tuple[int, float]:
        """The best allowed candidate of a dictionary name found written as `norm`, and its score."""
        d = self.dictionary
        lo, hi = int(d.offsets[row]), int(d.offsets[row + 1])
        if self._single[row]:
            return int(d.entity[lo]), 1.0
        allowed = self._allowed[lo:hi]
        exact = d.written(row, norm)
        if exact is not None and self._allowed[exact].any():  # a name written so beats its inflections
            allowed = allowed & np.isin(np.arange(lo, hi), exact)
        entities = d.entity[lo:hi][allowed]
        weights = self._weights[lo:hi][allowed]
        if context:
            weights = weights + 2.0 * np.fromiter((context[int(e)] for e in entities), dtype=np.float64,
                                                  count=len(entities))
        best = int(np.argmax(weights))
        return int(entities[best]), float(weights[best] / weights.sum())

    def _entity(self, text: str, start: int, end: int, entity_id: int, score: float) -> Entity:
        d = self.dictionary
        return Entity(start, end, text[start:end], d.cuis[entity_id].decode(), score,
                      list(d.type_lists[d.type_ids[entity_id]]))

    # -- detection ----------------------------------------------------------------------------------------

    def _matches(self, text: str, starts: list[int], ends: list[int],
                 found: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
        """Leftmost-longest non-overlapping dictionary matches as (first word, end word, name row), from
        every match of a usable name in the text (`Dictionary.find`)."""
        d = self.dictionary
        found = [(first, end, row) for first, end, row in found
                 if not (d.acronym[row] and any(ch.islower() for ch in text[starts[first]:ends[end - 1]]))]
        found.sort(key=lambda m: (m[0], m[0] - m[1]))
        kept, covered = [], 0
        for match in found:
            if match[0] >= covered:
                kept.append(match)
                covered = match[1]
        return kept

    def annotate(self, doc_id: str, text: str, title_length: int | None = None) -> AnnotatedDocument:
        return self.annotate_many([(doc_id, text, title_length)])[0]

    def annotate_many(self, docs: Sequence[tuple[str, str, int | None]]) -> list[AnnotatedDocument]:
        """Annotate (id, text, title length) documents, their dictionary matches found in one pass."""
        d = self.dictionary
        tokens = [tokenize(text) for _, text, _ in docs]
        found = d.find([words for words, _, _ in tokens], self._usable)
        annotated = []
        for (doc_id, text, title_length), (words, starts, ends), doc_found in zip(docs, tokens, found, strict=True):
            matches = self._matches(text, starts, ends, doc_found)
            context: Counter = Counter(int(d.entity[d.offsets[row]]) for _, _, row in matches if self._single[row])
            entities = []
            for first, last, row in matches:
                entity_id, score = self._best(row, context, " ".join(words[first:last]))
                entities.append(self._entity(text, starts[first], ends[last - 1], entity_id, score))
            if self.options.abbreviations:
                entities = self._apply_abbreviations(text, words, starts, ends, entities, context)
            entities = [e for e in entities if e.score >= self.options.threshold]
            annotated.append(AnnotatedDocument(doc_id, text, entities, title_length))
        return annotated

    def _apply_abbreviations(self, text: str, words: list[str], starts: list[int], ends: list[int],
                             entities: list[Entity], context: Counter) -> list[Entity]:
        for abbreviation in find_abbreviations(text):
            long_form = next((e for e in entities if e.end == abbreviation.long_end
                              and e.start >= abbreviation.long_start), None)
            resolved = None
            if long_form is not None:
                resolved = long_form.cui, long_form.score, long_form.types
            else:
                norm = normalize_name(text[abbreviation.long_start:abbreviation.long_end])
                row = self.dictionary.lookup(norm)
                if row is not None and self._usable[row]:
                    entity_id, score = self._best(row, context, norm)
                    e = self._entity(text, 0, 0, entity_id, score)
                    resolved = e.cui, score, e.types
            spans = _occurrences(abbreviation.short, text, words, starts, ends)
            entities = [e for e in entities if not any(e.start < s_end and s_start < e.end for s_start, s_end in spans)]
            if resolved is not None:
                cui, score, types = resolved
                entities += [Entity(s, e, text[s:e], cui, score, list(types)) for s, e in spans]
        entities.sort(key=lambda e: e.start)
        return entities

    # -- gold spans ---------------------------------------------------------------------------------------

    def link_spans(self, text: str, spans: list[tuple[int, int]], index=None) -> list[Entity | None]:
        """Link given spans (e.g. gold mentions): an exact dictionary name, else the nearest entity of
        `index` (an `EntityIndex`, searched once for all the spans the dictionary misses)."""
        linked: list[Entity | None] = []
        misses = []
        for start, end in spans:
            norm = normalize_name(text[start:end])
            row = self.dictionary.lookup(norm)
            if row is not None and self._usable[row]:
                entity_id, score = self._best(row, Counter(), norm)
                linked.append(self._entity(text, start, end, entity_id, score))
            else:
                linked.append(None)
                misses.append(len(linked) - 1)
        if index is not None and misses:
            types = sorted(self.options.semantic_types) if self.options.semantic_types else None
            queries = [text[spans[i][0]:spans[i][1]] for i in misses]
            for i, hits in zip(misses, index.search(queries, k=1, semantic_types=types), strict=True):
                if hits:
                    start, end = spans[i]
                    linked[i] = Entity(start, end, text[start:end], hits[0].cui, float(hits[0].score),
                                       list(hits[0].semantic_types))
        return linked

def _occurrences(short: str, text: str, words: list[str], starts: list[int], ends: list[int]) -> list[tuple[int, int]]:
    """Character spans where `short` occurs as whole words, written exactly so (case included)."""
    target = tokenize(short)[0]
    if not target:
        return []
    k = len(target)
    spans = []
    for i in range(len(words) - k + 1):
        if words[i] == target[0] and words[i:i + k] == target:
            s, e = starts[i], ends[i + k - 1]
            if text[s:e] == short:
                spans.append((s, e))
    return spans
