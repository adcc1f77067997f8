"""The pretraining data pipeline: annotated corpus -> token windows -> masked batches.

- Each document is tokenized once with the fast tokenizer's offsets; character spans of entities
  become token spans `[start, end)`, BIO labels and entity rows. Long documents are cut into windows
  of `max_length - 2` tokens; a mention cut by a window edge is dropped and its tokens are ignored by
  the detection loss (-100), never misaligned.
- Windows stream from the corpus (file or shard folder, read lazily), shuffled within a buffer with
  a seeded RNG per epoch, and cut into numbered micro-batches; each process trains on the numbers
  it is given (its share under DDP). The same seed gives the same order, which is what makes
  resuming (skip the micro-batches already trained on) exact.
- Batches get whole-entity masking: every token of a mention is masked together; other tokens are
  masked one by one; `mlm_probability` of the tokens, 80% [MASK] / 10% random / 10% kept. The masking
  RNG is seeded by (seed, batch number), independent of the process history.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import sqlalchemy as sa
import torch

from .. import schema as t
from ..annotate.corpus import AnnotatedDocument, read_corpus
from ..errors import KebiokgError
from ..kb import KnowledgeBase
from ..modeling_kebio import BIO_BEGIN, BIO_INSIDE, BIO_OUTSIDE, ENTITY_OFFSET, ENTITY_UNKNOWN


class EntityVocabulary:
    """Entity-table rows for CUIs: KB `entity_id` e is row e + ENTITY_OFFSET."""

    def __init__(self, cuis: list[str]) -> None:
        self.cuis = cuis
        self._rows = {cui: i + ENTITY_OFFSET for i, cui in enumerate(cuis)}

    @classmethod
    def from_kb(cls, kb: KnowledgeBase) -> EntityVocabulary:
        rows = kb.query(sa.select(t.concepts.c.cui).order_by(t.concepts.c.entity_id))
        return cls([row[0] for row in rows])

    def __len__(self) -> int:
        return len(self.cuis) + ENTITY_OFFSET

    def row(self, cui: str | None) -> int:
        return self._rows.get(cui, ENTITY_UNKNOWN) if cui else ENTITY_UNKNOWN


def check_entities(corpus: Path | str) -> None:
    """Refuse a corpus with text but not one entity: KeBioLM would train without linking (its loss 0),
    silently. Reads up to the first entity (all of a corpus without one); windows without entities in a
    corpus with some are fine."""
    text = False
    for doc in read_corpus(corpus):
        if doc.entities:
            return
        text = text or bool(doc.text.strip())
    if text:  # an empty corpus is the stream's error ("no training text")
        raise KebiokgError(f"{corpus}: no entities in the corpus, so KeBioLM would learn no linking: annotate it "
                           "(`kebiokg annotate`), train the plain-MLM baseline (--objective mlm), or pass "
                           "--allow-no-entities")


@dataclass
class Window:
    input_ids: list[int]  # with [CLS] and [SEP]
    bio_labels: list[int]
    spans: list[tuple[int, int]]  # token [start, end) in input_ids
    entities: list[int]  # entity rows, one per span


def encode_document(doc: AnnotatedDocument, tokenizer, vocab: EntityVocabulary, max_length: int) -> list[Window]:
    """Token windows of one document with aligned mentions."""
    encoding = tokenizer(doc.text, add_special_tokens=False, return_offsets_mapping=True, truncation=False)
    ids = encoding["input_ids"]
    offsets = encoding["offset_mapping"]
    if not ids:
        return []
    starts = np.array([o[0] for o in offsets])
    ends = np.array([o[1] for o in offsets])
    mentions = []  # (first token, end token, row)
    covered_until = -1
    for entity in sorted(doc.entities, key=lambda e: (e.start, -e.end)):
        first = int(np.searchsorted(ends, entity.start, side="right"))  # first token ending after start
        last = int(np.searchsorted(starts, entity.end, side="left"))  # tokens starting before end
        if first >= last or first <= covered_until:
            continue  # no token, or overlapping an earlier mention (BIO cannot hold both)
        mentions.append((first, last, vocab.row(entity.cui)))
        covered_until = last - 1
    width = max_length - 2
    windows = []
    for begin in range(0, len(ids), width):
        stop = min(begin + width, len(ids))
        labels = [BIO_OUTSIDE] * (stop - begin)
        spans, rows = [], []
        for first, last, row in mentions:
            if last <= begin or first >= stop:
                continue
            lo, hi = max(first, begin) - begin, min(last, stop) - begin
            if first < begin or last > stop:  # cut by the window edge: not a mention, not outside either
                labels[lo:hi] = [-100] * (hi - lo)
                continue
            labels[lo] = BIO_BEGIN
            labels[lo + 1:hi] = [BIO_INSIDE] * (hi - lo - 1)
            spans.append((lo + 1, hi + 1))  # +1 for [CLS]
            rows.append(row)
        windows.append(Window([tokenizer.cls_token_id, *ids[begin:stop], tokenizer.sep_token_id],
                              [-100, *labels, -100], spans, rows))
    return windows


class WindowStream:
    """Windows of a corpus in a seeded order, cut into numbered micro-batches.

    The stream runs epoch after epoch (each shuffled within a buffer by its own seeded RNG); global
    micro-batch g is windows [g * batch_size, (g + 1) * batch_size) of it, so batches are always
    full. A process takes the micro-batches it is given (its rank's share of each step under DDP)
    and passes over the others' windows; where a run resumes is a micro-batch number, valid for any
    number of processes.
    """

    def __init__(self, corpus: Path | str, tokenizer, vocab: EntityVocabulary, max_length: int, seed: int,
                 shuffle_buffer: int = 10_000) -> None:
        self.corpus, self.tokenizer, self.vocab = corpus, tokenizer, vocab
        self.max_length, self.seed, self.shuffle_buffer = max_length, seed, shuffle_buffer

    def epoch(self, epoch: int) -> Iterator[Window]:
        rng = random.Random(self.seed * 1_000_003 + epoch)
        buffer: list[Window] = []
        for doc in read_corpus(self.corpus):
            for window in encode_document(doc, self.tokenizer, self.vocab, self.max_length):
                buffer.append(window)
                if len(buffer) >= self.shuffle_buffer:
                    yield buffer.pop(rng.randrange(len(buffer)))
        rng.shuffle(buffer)
        yield from buffer

    def windows(self) -> Iterator[tuple[int, Window]]:
        """(epoch, window) forever; an empty corpus is an error."""
        epoch = 0
        while True:
            produced = False
            for window in self.epoch(epoch):
                produced = True
                yield epoch, window
            if not produced:
                raise KebiokgError(f"{self.corpus}: no training text (empty corpus, or every document is empty)")
            epoch += 1

    def micro_batches(self, batch_size: int, wanted: Iterator[int]) -> Iterator[tuple[int, int, list[Window]]]:
        """(g, epoch, windows) for each micro-batch number g of `wanted` (increasing)."""
        stream = self.windows()
        position = 0  # micro-batch number of the next window
        for g in wanted:
            for _ in range((g - position) * batch_size):  # other processes' windows, or already trained on
                next(stream)
            batch = [next(stream) for _ in range(batch_size)]
            position = g + 1
            yield g, batch[-1][0], [window for _, window in batch]


def collate(windows: list[Window], tokenizer, mlm_probability: float, rng: np.random.Generator,
            entity_units: bool = True) -> dict:
    """Pad a batch and apply whole-entity masking (or, with `entity_units` False, whole-word masking
    only: plain MLM); returns the model's keyword arguments."""
    length = max(len(w.input_ids) for w in windows)
    mentions = max(1, max(len(w.spans) for w in windows))
    batch = len(windows)
    input_ids = np.full((batch, length), tokenizer.pad_token_id, dtype=np.int64)
    attention = np.zeros((batch, length), dtype=np.int64)
    bio = np.full((batch, length), -100, dtype=np.int64)
    labels = np.full((batch, length), -100, dtype=np.int64)
    spans = np.zeros((batch, mentions, 2), dtype=np.int64)
    entities = np.full((batch, mentions), -100, dtype=np.int64)
    special = set(tokenizer.all_special_ids)
    vocab_size = len(tokenizer)
    for i, w in enumerate(windows):
        n = len(w.input_ids)
        ids = np.array(w.input_ids, dtype=np.int64)
        input_ids[i, :n] = ids
        attention[i, :n] = 1
        bio[i, :n] = w.bio_labels
        if w.spans:
            spans[i, :len(w.spans)] = w.spans
            entities[i, :len(w.spans)] = w.entities
        # masking units: each mention whole, every other word whole (a word piece "##x" joins its word)
        in_mention = np.zeros(n, dtype=bool)
        units: list[list[int]] = []
        for start, end in w.spans if entity_units else ():
            in_mention[start:end] = True
            units.append(list(range(start, end)))
        word_start = len(units)
        for j, piece in enumerate(tokenizer.convert_ids_to_tokens(w.input_ids)):
            if in_mention[j] or w.input_ids[j] in special:
                continue
            if piece.startswith("##") and len(units) > word_start and units[-1][-1] == j - 1:
                units[-1].append(j)
            else:
                units.append([j])
        units = [np.array(u) for u in units]
        if not units:
            continue
        budget = max(1, int(round(mlm_probability * sum(len(u) for u in units))))
        chosen, masked = [], 0
        for u in rng.permutation(len(units)):
            if masked >= budget:
                break
            chosen.append(units[u])
            masked += len(units[u])
        for unit in chosen:
            labels[i, unit] = ids[unit]
            draw = rng.random()
            if draw < 0.8:
                input_ids[i, unit] = tokenizer.mask_token_id
            elif draw < 0.9:
                input_ids[i, unit] = rng.integers(0, vocab_size, size=len(unit))
    return {
        "input_ids": torch.from_numpy(input_ids),
        "attention_mask": torch.from_numpy(attention),
        "labels": torch.from_numpy(labels),
        "bio_labels": torch.from_numpy(bio),
        "mention_spans": torch.from_numpy(spans),
        "mention_entities": torch.from_numpy(entities),
    }
