"""NER as word tagging: BIO labels on each word's first sub-token, windows cut between words.

Words are the tokenizer's pre-tokenizer words (whitespace and punctuation split), found with the
fast tokenizer's offset mapping, so a label always sits on a real word and a prediction maps back
to exact character offsets. Windows end between words, preferably after a sentence, never inside a
gold entity when gold spans are known (training); evaluation and prediction cut without gold.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import torch

from ..documents import Span, TaggedDocument
from ..errors import KebiokgError

IGNORE = -100
_SENTENCE_END = re.compile(r"^[.!?]$")


def bio_labels(types: list[str]) -> list[str]:
    return ["O"] + [f"{prefix}-{t}" for t in types for prefix in ("B", "I")]


@dataclass
class NerWindow:
    doc: int
    input_ids: list[int]
    labels: list[int]  # IGNORE except on first sub-tokens of words
    words: list[int]  # document word index at each labelled position, -1 elsewhere
    word_spans: dict[int, tuple[int, int]]  # characters [start, end) of each word in the window


@dataclass
class DocumentWords:
    token_ids: list[int]
    first_token: list[int]  # per word: index of its first token
    spans: list[tuple[int, int]]  # per word: characters [start, end)


@dataclass
class EncodingStats:
    entities: int = 0
    misaligned: int = 0  # an edge inside a word: the word-level labels cannot reproduce the span
    overlapping: int = 0  # nested or overlapping gold spans: the shorter one is not trained on
    forced_cuts: int = 0  # windows cut inside a gold entity (no other boundary fitted)
    windows: int = 0

    def as_dict(self) -> dict:
        return {"entities": self.entities, "misaligned": self.misaligned, "overlapping": self.overlapping,
                "forced_cuts": self.forced_cuts, "windows": self.windows}


class NerEncoder:
    """Documents to labelled windows and word predictions back to character spans."""

    def __init__(self, tokenizer, labels: list[str], max_length: int) -> None:
        if not getattr(tokenizer, "is_fast", False):
            raise KebiokgError("fine-tuning needs a fast tokenizer (offset mapping)")
        if max_length < 8:
            raise KebiokgError(f"max_length {max_length} is too short")
        self.tokenizer = tokenizer
        self.labels = labels
        self.label_ids = {label: i for i, label in enumerate(labels)}
        self.max_length = max_length

    def words(self, text: str) -> DocumentWords:
        encoding = self.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True, verbose=False)
        first_token, spans, previous = [], [], None
        for i, (word, (start, end)) in enumerate(zip(encoding.word_ids(), encoding["offset_mapping"], strict=True)):
            if word is None:
                continue
            if word != previous:
                first_token.append(i)
                spans.append((start, end))
                previous = word
            else:
                spans[-1] = (spans[-1][0], end)
        return DocumentWords(encoding["input_ids"], first_token, spans)

    def encode(self, documents: list[TaggedDocument], labelled: bool) -> tuple[list[NerWindow],
                                                                                           EncodingStats]:
        """Windows of every document. `labelled`: labels from the gold spans, cuts never inside one
        (training); else no labels and cuts blind to gold (evaluation and prediction see no gold)."""
        stats = EncodingStats()
        windows = []
        for d, doc in enumerate(documents):
            words = self.words(doc.text)
            tags, inside = self._word_tags(doc.spans if labelled else [], words, stats)
            can_cut = [not inside_entity for inside_entity in inside]
            for start, end, forced in self._cuts(doc.text, words, can_cut):
                stats.forced_cuts += forced
                windows.append(self._window(d, words, tags, start, end))
        stats.windows = len(windows)
        return windows, stats

    def _word_tags(self, spans: list[Span], words: DocumentWords, stats: EncodingStats) -> tuple[list[int], list[bool]]:
        """Label id per word, and whether the word continues an entity (a cut before it would split one)."""
        tags = [self.label_ids["O"]] * len(words.spans)
        inside = [False] * len(words.spans)
        starts = {s for s, _ in words.spans}
        ends = {e for _, e in words.spans}
        taken_until = -1
        for span in sorted(spans, key=lambda s: (s.start, -(s.end - s.start))):
            stats.entities += 1
            if span.start < taken_until:
                stats.overlapping += 1
                continue
            taken_until = span.end
            stats.misaligned += span.start not in starts or span.end not in ends
            first = True
            for w, (start, end) in enumerate(words.spans):
                if start < span.end and end > span.start:
                    label = f"{'B' if first else 'I'}-{span.type}"
                    if label not in self.label_ids:
                        raise KebiokgError(f"entity type {span.type!r} is not among the model's labels "
                                           f"({', '.join(self.labels)})")
                    tags[w] = self.label_ids[label]
                    inside[w] = not first
                    first = False
        return tags, inside

    def _cuts(self, text: str, words: DocumentWords, can_cut: list[bool]) -> list[tuple[int, int, bool]]:
        """Word ranges [start, end) of the windows: as long as fits, ending after a sentence if one
        ends in the window's second half, else at the last word where a cut is allowed."""
        limit = self.max_length - 2
        total = len(words.token_ids)
        cuts, start, n = [], 0, len(words.spans)
        while start < n:
            first = words.first_token[start]
            if total - first <= limit:
                cuts.append((start, n, False))
                break
            allowed = sentence = None
            end = start + 1
            while end < n and words.first_token[end] - first <= limit:
                if can_cut[end]:
                    allowed = end
                    previous = words.spans[end - 1]
                    if _SENTENCE_END.match(text[previous[0]:previous[1]]):
                        sentence = end
                end += 1
            if sentence is not None and sentence - start > (allowed - start) // 2:
                cut, forced = sentence, False
            elif allowed is not None:
                cut, forced = allowed, False
            else:
                # every word boundary that fits is inside an entity: cut after the last word that fits
                # (`end` is the first that does not), or after one word longer than a window
                cut, forced = max(end - 1, start + 1), True
            cuts.append((start, cut, forced))
            start = cut
        return cuts

    def _window(self, doc: int, words: DocumentWords, tags: list[int], start: int, end: int) -> NerWindow:
        first = words.first_token[start]
        last = words.first_token[end] if end < len(words.spans) else len(words.token_ids)
        last = min(last, first + self.max_length - 2)  # a single word longer than a window
        tokenizer = self.tokenizer
        input_ids = [tokenizer.cls_token_id, *words.token_ids[first:last], tokenizer.sep_token_id]
        labels = [IGNORE] * len(input_ids)
        word_at = [-1] * len(input_ids)
        word_spans = {}
        for w in range(start, end):
            position = words.first_token[w] - first + 1
            if position < len(input_ids) - 1:
                labels[position] = tags[w]
                word_at[position] = w
                word_spans[w] = words.spans[w]
        return NerWindow(doc, input_ids, labels, word_at, word_spans)

    def spans(self, documents: list[TaggedDocument], windows: list[NerWindow],
              predictions: list[list[int]]) -> list[list[Span]]:
        """Predicted label ids (one list per window, aligned with its positions) to character spans."""
        word_tags: list[dict[int, str]] = [{} for _ in documents]
        word_spans: list[dict[int, tuple[int, int]]] = [{} for _ in documents]
        for window, labels in zip(windows, predictions, strict=True):
            word_spans[window.doc].update(window.word_spans)
            for w, label in zip(window.words, labels[:len(window.words)], strict=True):
                if w >= 0:
                    word_tags[window.doc][w] = self.labels[label]
        result = []
        for tags, words in zip(word_tags, word_spans, strict=True):
            spans: list[list] = []
            open_span = None
            for w in range(max(words, default=-1) + 1):
                kind, _, label = (tags.get(w, "O") if w in words else "O").partition("-")
                if kind == "B" or (kind == "I" and (open_span is None or open_span[2] != label)):
                    open_span = [words[w][0], words[w][1], label]
                    spans.append(open_span)
                elif kind == "I":
                    open_span[1] = words[w][1]
                else:
                    open_span = None
            result.append([Span(s, e, t) for s, e, t in spans])
        return result


def collate_windows(windows: list, pad_id: int) -> dict[str, torch.Tensor]:
    """Pad windows (NER or relation examples) into a batch; labels are padded with IGNORE."""
    length = max(len(w.input_ids) for w in windows)
    input_ids = torch.full((len(windows), length), pad_id, dtype=torch.long)
    attention_mask = torch.zeros((len(windows), length), dtype=torch.long)
    for i, w in enumerate(windows):
        input_ids[i, :len(w.input_ids)] = torch.tensor(w.input_ids)
        attention_mask[i, :len(w.input_ids)] = 1
    batch = {"input_ids": input_ids, "attention_mask": attention_mask}
    if isinstance(windows[0].labels, list):
        labels = torch.full((len(windows), length), IGNORE, dtype=torch.long)
        for i, w in enumerate(windows):
            labels[i, :len(w.labels)] = torch.tensor(w.labels)
    else:
        labels = torch.tensor([w.labels for w in windows], dtype=torch.long)
    batch["labels"] = labels
    return batch
