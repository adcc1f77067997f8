"""The annotator's dictionary: every normalized KB name in a trie over words, kept in arrays on disk.

Text and names are cut into the same words (`tokenize`, the word-level twin of
`kebiokg.normalize.normalize_name`). With inflections (the default) a name is keyed by its
`inflection_key` (SQL: `kb_inflection_key`), and every word whose key is a key word (its
`inflected_forms`) takes that key word's id, so "pancreatic disorders" in text meets the KB's
"pancreatic disorder" and "Neoplasms" meets "neoplasm" at no cost per word; an inverted name
("Infarction, Myocardial") is also keyed the other way round, the word order UMLS's norm index
would match. A word outside the dictionary has no id, and no name goes through it.

The names form a trie over word ids. A key word's id is its one-word node; a longer prefix is a
slot of an open-addressing hash table keyed by (parent node, word id) (`edge_keys`), whose
`edge_rows` gives the row of the name ending there. Matching walks every word position of a batch of
documents one word deeper per vectorized step, so a word costs a few array lookups, as it cost a few
characters of an Aho-Corasick automaton before. Every array is saved with `np.save` and opened
memory-mapped: loading reads only the word ids, the pages a text touches are read when it touches
them, and processes forked to annotate share them. The build reads the KB's names a slice at a time,
so neither it nor a load holds a Python object per name.

Candidates of a name (CSR arrays, best evidence first): the concept's entity id, its best MRRANK
rank under that name, whether the name is the concept's preferred one, and the lexical similarity
of the name to the concept's preferred name (the nearest-entity scorer's encoder), used to
disambiguate names shared by several concepts. When the concepts of a key are written differently
("dihydropyridine", a compound, and "dihydropyridines", its class), `written_as` keeps which
candidates each written form names, so that text written as a KB name links to that name's concepts.
"""

from __future__ import annotations

import json
import os
import pickle
import tempfile
import unicodedata
import warnings
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ..artefacts import check_files, record_files
from ..errors import KebiokgError, KebiokgWarning
from ..index.lexical import LexicalEncoder
from ..kb import KnowledgeBase
from ..normalize import inflected_forms, strip_accents
from ..progress import NullProgress, Progress
from ..sqlfiles import named_statements, sql_text

# English function words and very common words that are UMLS names but never useful mentions.
STOP_WORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before being below between
both but by can could did do does doing down during each either else ever few for from further had has have having
he her here hers herself him himself his how however i if in into is it its itself just least less let like may me
might more most must my myself neither no nor not now of off often on once only or other our ours ourselves out over
own per rather same several shall she should since so some such than that the their theirs them themselves then
there these they this those though through thus to too under until up upon us very was we were what when where
whether which while who whom whose why will with within without would yet you your yours yourself yourselves
""".split())

# MeSH qualifier (subheading) terms: "blood", "methods", "analysis", "drug therapy" name an aspect of a
# heading, not a thing (MRDOC classes TQ and XQ as attributes); the same words name real concepts elsewhere.
QUALIFIER_TTYS = ("TQ", "PXQ", "XQ", "QAB", "QEV", "QSV")

META, WORDS = "dictionary.json", "words.pkl"  # a saved one's files, with ARRAYS, each as NAME.npy
ARRAYS = ("word_row", "edge_keys", "edge_rows", "acronym", "offsets", "entity", "preferred", "rank", "similarity",
          "cuis", "type_ids")
_FORMAT_2_FILES = ("automaton.bin", "arrays.npz")  # what format 2 saved besides META and WORDS
_APOSTROPHE = "\x01"  # dropped inside a word, as normalize_name drops apostrophes
_EMPTY = -1  # a free slot of the edge table
_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing of an edge key to its slot
_PAGE = 500_000  # candidate rows (and concepts) read from the KB at a time
_SIMILARITY_CHUNK = 16_384  # names encoded at a time (two 16 MiB matrices)
# DuckDB's memory while the dictionary's tables are made and read, instead of its default of 80% of RAM;
# it spills the rest to a temporary folder of the system's, not to its default beside the KB, whose
# folder may be read-only (a shared release) (docs/benchmarks.md, "At UMLS scale")
_DUCKDB_MEMORY = "2GiB"
_ASCII_FOLD = {i: (chr(i).lower() if chr(i).isalnum() else " ") for i in range(128)}
_ASCII_FOLD[ord("'")] = _APOSTROPHE
_FOLD: dict[int, str] = dict(_ASCII_FOLD)


def _fold_char(ch: str) -> str:
    """One character of text to one character: a-z0-9, the apostrophe mark, or a space."""
    if ch == "\u2019" or unicodedata.combining(ch):  # a combining accent belongs to its letter's word
        return _APOSTROPHE
    folded = strip_accents(ch).lower()
    return folded if len(folded) == 1 and ("a" <= folded <= "z" or "0" <= folded <= "9") else " "


def tokenize(text: str) -> tuple[list[str], list[int], list[int]]:
    """Normalized words of `text` with their character offsets (start, end) in `text`.

    Folding maps each character to exactly one character, so offsets survive; joining the words
    with spaces gives `normalize_name(text)`.
    """
    if not text.isascii():
        for ch in set(text):
            if ord(ch) not in _FOLD:
                _FOLD[ord(ch)] = _fold_char(ch)
    folded = text.translate(_FOLD)  # only a-z, 0-9, space and the apostrophe mark remain
    words = folded.split(" ")
    flags = np.frombuffer(folded.encode("ascii"), dtype=np.uint8) != 32
    edges = np.flatnonzero(np.diff(flags, prepend=False, append=False)).tolist()
    starts, ends = edges[0::2], edges[1::2]
    words = [w for w in words if w]
    if _APOSTROPHE in folded:
        # quote marks around a word are not part of its span: 'asthma' covers asthma
        kept = [(w.replace(_APOSTROPHE, ""), s + len(w) - len(w.lstrip(_APOSTROPHE)),
                 e - len(w) + len(w.rstrip(_APOSTROPHE))) for w, s, e in zip(words, starts, ends, strict=True)]
        kept = [k for k in kept if k[0]]
        words, starts, ends = [k[0] for k in kept], [k[1] for k in kept], [k[2] for k in kept]
    return words, starts, ends


@dataclass(frozen=True)
class DictionaryOptions:
    min_chars: int = 3  # shorter names never match (abbreviations defined in the text still do)
    acronym_chars: int = 6  # names in capitals up to this length only match capitals in text
    langs: tuple[str, ...] = ("ENG",)
    stop_words: bool = True
    inflections: bool = True  # plurals meet singulars, inverted names their usual order (see above)
    left_out_ttys: tuple[str, ...] = QUALIFIER_TTYS


class Dictionary:
    """Names of a KB ready for matching; build with `Dictionary.build(kb)`, reuse with save/load."""

    FORMAT = 3  # 3: a trie over word ids in memory-mapped arrays (2: a pickled Aho-Corasick automaton)

    def __init__(self, word_ids: dict[str, int], arrays: dict[str, np.ndarray], meta: dict,
                 written_as: dict[int, dict[str, list[int]]]) -> None:
        self.word_ids = word_ids  # key words and their inflected forms -> word id (= the word's trie node)
        self.written_as = written_as  # per name whose concepts are written differently: form -> candidates
        self.meta = meta
        self.word_row: np.ndarray = arrays["word_row"]  # per word id: row of the one-word name, or -1
        self.edge_keys: np.ndarray = arrays["edge_keys"]  # per slot: parent node << 32 | word id, or _EMPTY
        self.edge_rows: np.ndarray = arrays["edge_rows"]  # per slot: row of the name ending at its node, or -1
        self.acronym: np.ndarray = arrays["acronym"]  # per name: only capitals in text match it
        self.offsets: np.ndarray = arrays["offsets"]  # per name: its candidates' slice
        self.entity: np.ndarray = arrays["entity"]  # per candidate: entity id
        self.preferred: np.ndarray = arrays["preferred"]  # per candidate: the name is the preferred name
        self.rank: np.ndarray = arrays["rank"]  # per candidate: best MRRANK rank, scaled to [0, 1]
        self.similarity: np.ndarray = arrays["similarity"]  # per candidate: name vs preferred name
        self.cuis: np.ndarray = arrays["cuis"]  # per entity id: CUI (bytes)
        self.type_ids: np.ndarray = arrays["type_ids"]  # per entity id: row in `type_lists`
        self.type_lists: list[tuple[str, ...]] = meta["type_lists"]
        self._words = len(self.word_row)  # a slot's node is _words + slot
        self._mask = len(self.edge_keys) - 1
        self._shift = np.uint64(64 - self._mask.bit_length())

    @property
    def fingerprint(self) -> str:
        return self.meta["kb_fingerprint"]

    def written(self, row: int, norm: str) -> list[int] | None:
        """The candidates of a name's row that the KB writes exactly as `norm`, when its concepts differ
        in how they are written; None when they do not, or none is written so."""
        forms = self.written_as.get(row)
        return None if forms is None else forms.get(norm)

    def lookup(self, norm: str) -> int | None:
        """The dictionary row of an exact normalized name, or None."""
        ids = [self.word_ids.get(word) for word in norm.split()]
        if not ids or None in ids:
            return None
        row = int(self.word_row[ids[0]])
        node = ids[0]
        for word in ids[1:]:
            slot = int(self._children(np.array([node], dtype=np.int64), np.array([word], dtype=np.int64))[0])
            if slot < 0:
                return None
            node, row = self._words + slot, int(self.edge_rows[slot])
        return None if row < 0 else row

    def find(self, texts: Sequence[list[str]], keep: np.ndarray) -> list[list[tuple[int, int, int]]]:
        """Every occurrence of a name in each list of words as (first word, end word, row), for the rows
        that `keep` (a bool per row) keeps; overlapping occurrences included, in no particular order."""
        codes = self.word_ids
        ids: list[int] = []
        firsts = []
        for words in texts:
            firsts.append(len(ids))
            ids.extend([codes.get(word, -1) for word in words])
            ids.append(-1)  # no name goes on into the next text
        word = np.array(ids, dtype=np.int64)
        starts = np.flatnonzero(word >= 0)
        nodes = word[starts]
        rows = self.word_row[nodes]
        found = [(starts, np.ones(len(starts), dtype=np.int64), rows)]
        length = 1
        while len(starts):
            nxt = word[starts + length]
            going = nxt >= 0
            starts = starts[going]
            slots = self._children(nodes[going], nxt[going])
            going = slots >= 0
            starts, slots = starts[going], slots[going]
            nodes = slots + self._words
            length += 1
            found.append((starts, np.full(len(starts), length, dtype=np.int64), self.edge_rows[slots]))
        start, size, row = (np.concatenate(parts) for parts in zip(*found, strict=True))
        hit = row >= 0
        hit[hit] = keep[row[hit]]
        start, size, row = start[hit], size[hit], row[hit]
        offsets = np.array(firsts, dtype=np.int64)
        text = np.searchsorted(offsets, start, side="right") - 1
        first = start - offsets[text]
        order = np.argsort(text, kind="stable")
        bounds = np.searchsorted(text[order], np.arange(len(texts) + 1))
        matches = list(zip(first[order].tolist(), (first + size)[order].tolist(), row[order].tolist(), strict=True))
        return [matches[lo:hi] for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True)]

    def _children(self, nodes: np.ndarray, words: np.ndarray) -> np.ndarray:
        """The slot of each node's child by each word id, or -1 (linear probing from the key's hash)."""
        keys = (nodes << 32) | words
        slots = ((keys.astype(np.uint64) * _MULTIPLIER) >> self._shift).astype(np.int64)
        found = np.full(len(keys), -1, dtype=np.int64)
        todo = np.arange(len(keys))
        while len(todo):
            held = self.edge_keys[slots]
            hit = held == keys
            found[todo[hit]] = slots[hit]
            going = ~hit & (held != _EMPTY)
            todo, keys, slots = todo[going], keys[going], (slots[going] + 1) & self._mask
        return found

    @classmethod
    def build(cls, kb: KnowledgeBase, options: DictionaryOptions = DictionaryOptions(),
              progress: Progress | None = None) -> Dictionary:
        progress = progress or NullProgress()
        statements = named_statements("dictionary.sql")
        with kb.engine.connect() as conn, tempfile.TemporaryDirectory(prefix="kebiokg-dictionary-") as spill:
            raw = conn.connection.dbapi_connection
            raw.execute(sql_text("normalize.sql"))  # the macros dictionary.sql calls
            raw.execute(f"SET memory_limit = '{_DUCKDB_MEMORY}'")
            raw.execute("SET temp_directory = ?", [spill])
            try:
                count, top_rank = _prepare(raw, statements, options)
                if not count:
                    raise KebiokgError(f"empty dictionary: no {'/'.join(options.langs)} name of {kb.release} passes "
                                       f"its options (--min-chars {options.min_chars}"
                                       + (", stop words left out)" if options.stop_words else ")"))
                forms = _forms(raw, statements) if options.inflections else {}  # else a key is one written name
                raw.execute(statements["drop_dictionary_names"])  # all the rest reads dictionary_rows
                trie = _Trie()
                columns: dict[str, list[np.ndarray]] = {name: [] for name in
                                                        ("acronym", "offsets", "entity", "preferred", "rank",
                                                         "similarity")}
                written_as: dict[int, dict[str, list[int]]] = {}
                encoder = LexicalEncoder(256)
                done = 0
                with progress.task("dictionary", total=count, unit="candidates") as task:
                    for page in _pages(raw, statements, count):
                        keys = page["key"]
                        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
                        ends = np.r_[starts[1:], len(keys)]
                        for row, (key, start, end) in enumerate(zip(keys[starts].tolist(), starts.tolist(),
                                                                    ends.tolist(), strict=True), trie.rows):
                            trie.add(key, row)
                            if key in forms:
                                written_as[row] = _written(forms[key], page["entity_id"][start:end], done + start)
                        sizes = ends - starts
                        columns["offsets"].append(done + starts)
                        columns["acronym"].append(np.logical_and.reduceat(page["acronym"], starts))
                        columns["entity"].append(page["entity_id"].astype(np.int32))
                        columns["preferred"].append(page["preferred"].astype(bool))
                        columns["rank"].append(page["rank"].astype(np.float32) / max(1, top_rank))
                        columns["similarity"].append(_similarity(encoder, keys, page["preferred_key"], sizes))
                        done += len(keys)
                        task.update(done)
            finally:
                raw.execute(statements["drop_dictionary_names"])
                raw.execute(statements["drop_dictionary_rows"])
                raw.execute("RESET memory_limit")  # kebiokg sets them nowhere else
                raw.execute("RESET temp_directory")
            cuis, type_ids, type_lists = _entities(raw, statements)
        if options.inflections:  # every word keyed to a key word reads as it: "disorders", "analyses"
            for word, word_id in list(trie.word_ids.items()):
                for form in inflected_forms(word):
                    trie.word_ids.setdefault(form, word_id)
        arrays = {name: np.concatenate(parts) for name, parts in columns.items()}
        arrays["offsets"] = np.r_[arrays["offsets"], count].astype(np.int64)
        arrays.update(trie.arrays(), cuis=cuis, type_ids=type_ids)
        meta = {"format": cls.FORMAT, "kb_fingerprint": kb.fingerprint, "options": asdict(options),
                "names": trie.rows, "candidates": int(count), "words": len(trie.word_ids),
                "type_lists": type_lists}
        return cls(trie.word_ids, arrays, meta, written_as)

    def save(self, folder: Path | str) -> None:
        """Write the dictionary to a folder (word ids, arrays, then the meta with the files' sizes and
        checksums) for reuse. Each file is written under a temporary name and moved into place, so a
        dictionary still open on the old files (memory-mapped) keeps reading them."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / META).unlink(missing_ok=True)  # written last: a save cut short leaves no dictionary that opens
        for name in _FORMAT_2_FILES:
            (folder / name).unlink(missing_ok=True)
        with _replacing(folder / WORDS) as handle:
            pickle.dump((self.word_ids, self.written_as), handle, protocol=pickle.HIGHEST_PROTOCOL)
        for name in ARRAYS:
            with _replacing(folder / f"{name}.npy") as handle:
                np.save(handle, getattr(self, name))
        meta = {**self.meta, "files": record_files(folder, [WORDS, *(f"{name}.npy" for name in ARRAYS)])}
        (folder / META).write_text(json.dumps(meta, indent=1), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path | str, kb: KnowledgeBase | None = None, verify: bool = False) -> Dictionary:
        """A saved dictionary, its arrays memory-mapped; file sizes are checked, checksums when `verify`
        (kebiokg.artefacts)."""
        folder = Path(folder)
        rebuild = f"`kebiokg annotate --dictionary {folder}` once the folder is removed"
        try:
            meta = json.loads((folder / META).read_text(encoding="utf-8"))
            meta["type_lists"] = [tuple(types) for types in meta["type_lists"]]
        except (OSError, ValueError, KeyError) as exc:
            raise KebiokgError(f"{folder}: not a readable annotator dictionary ({exc})") from exc
        if meta.get("format") != cls.FORMAT:
            raise KebiokgError(f"{folder}: dictionary format {meta.get('format')} (an older kebiokg's), expected "
                               f"{cls.FORMAT}: rebuild it with {rebuild}")
        check_files(folder, meta.get("files"), rebuild, verify)
        try:  # a damaged file of the recorded size, when checksums were not compared
            with open(folder / WORDS, "rb") as handle:
                word_ids, written_as = pickle.load(handle)
            arrays = {name: np.load(folder / f"{name}.npy", mmap_mode="r") for name in ARRAYS}
        except (OSError, ValueError, KeyError, TypeError, EOFError, pickle.UnpicklingError) as exc:
            raise KebiokgError(f"{folder}: damaged annotator dictionary ({exc}); rebuild it with {rebuild}") from exc
        if kb is not None:
            kb.check_fingerprint(meta["kb_fingerprint"], f"{folder} (a dictionary; rebuild it)")
        return cls(word_ids, arrays, meta, written_as)


class _Trie:
    """Names added in sorted order (`dictionary_rows`), so a name shares the nodes of the words it has in
    common with the name before it and never meets an earlier prefix again: each new node is one edge,
    numbered as it comes, and only the path of the last name is kept."""

    def __init__(self) -> None:
        self.word_ids: dict[str, int] = {}
        self.word_row = array("i")  # per word id: row of the one-word name, or -1
        self.parents = array("q")  # per edge: the parent node, a word id, or -(edge + 1) for a deeper node
        self.words = array("i")  # per edge: the word id
        self.depths = array("h")  # per edge: the words of the prefix it ends
        self.edge_rows = array("i")  # per edge: row of the name ending there, or -1
        self.rows = 0
        self._path: list[int] = []  # the last name's nodes
        self._ids: list[int] = []  # the last name's word ids

    def add(self, key: str, row: int) -> None:
        word_ids = self.word_ids
        ids = []
        for word in key.split(" "):
            word_id = word_ids.get(word)
            if word_id is None:
                word_id = word_ids[word] = len(word_ids)
                self.word_row.append(-1)
            ids.append(word_id)
        path, last = self._path, self._ids
        shared, limit = 0, min(len(ids), len(last))
        while shared < limit and ids[shared] == last[shared]:
            shared += 1
        del path[shared:]
        for depth in range(shared, len(ids)):
            if depth == 0:
                path.append(ids[0])
                continue
            edge = len(self.words)
            self.parents.append(path[-1])
            self.words.append(ids[depth])
            self.depths.append(depth + 1)
            self.edge_rows.append(-1)
            path.append(-(edge + 1))
        if path[-1] >= 0:
            self.word_row[path[-1]] = row
        else:
            self.edge_rows[-path[-1] - 1] = row
        self._ids = ids
        self.rows = row + 1

    def arrays(self) -> dict[str, np.ndarray]:
        """The edges in a hash table of twice their number of slots (a power of two), placed a depth at a
        time, since a node's key holds its parent's slot."""
        parents = np.frombuffer(self.parents, dtype=np.int64)
        words = np.frombuffer(self.words, dtype=np.int32).astype(np.int64)
        depths = np.frombuffer(self.depths, dtype=np.int16)
        rows = np.frombuffer(self.edge_rows, dtype=np.int32)
        size = 16
        while size < 2 * len(words):
            size *= 2
        edge_keys = np.full(size, _EMPTY, dtype=np.int64)
        edge_rows = np.full(size, -1, dtype=np.int32)
        slot_of = np.zeros(len(words), dtype=np.int64)
        nodes = len(self.word_row)
        order = np.argsort(depths, kind="stable")
        bounds = np.searchsorted(depths[order], np.arange(2, int(depths.max(initial=1)) + 2))
        for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
            edges = order[lo:hi]
            parent = parents[edges]
            parent = np.where(parent >= 0, parent, nodes + slot_of[np.maximum(-parent - 1, 0)])
            slots = _insert(edge_keys, (parent << 32) | words[edges])
            slot_of[edges] = slots
            edge_rows[slots] = rows[edges]
        return {"word_row": np.frombuffer(self.word_row, dtype=np.int32).copy(), "edge_keys": edge_keys,
                "edge_rows": edge_rows}


def _insert(table: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Place distinct keys in a linear-probing table with free slots; their slots."""
    mask = len(table) - 1
    slots = ((keys.astype(np.uint64) * _MULTIPLIER) >> np.uint64(64 - mask.bit_length())).astype(np.int64)
    pending = np.arange(len(keys))
    while len(pending):
        at = slots[pending]
        held = table[at]
        if (held == keys[pending]).any():
            raise KebiokgError("dictionary names not in word order: one prefix met twice (a bug; please report it)")
        free = np.flatnonzero(held == _EMPTY)
        taken, first = np.unique(at[free], return_index=True)
        table[taken] = keys[pending[free[first]]]
        placed = np.zeros(len(pending), dtype=bool)
        placed[free[first]] = True
        moving = held != _EMPTY  # a key that lost its free slot to another tries it again, to meet a twin
        slots[pending[moving]] = (at[moving] + 1) & mask
        pending = pending[~placed]
    return slots


def _prepare(raw, statements: dict[str, str], options: DictionaryOptions) -> tuple[int, int]:
    """The dictionary's names and candidate rows in temporary tables; their number and top MRRANK rank."""
    params = {"langs": list(options.langs), "min_chars": options.min_chars, "acronym_chars": options.acronym_chars,
              "inflections": options.inflections, "stop_words": sorted(STOP_WORDS) if options.stop_words else [],
              "left_out_ttys": list(options.left_out_ttys)}
    raw.execute(statements["dictionary_names"], params)
    raw.execute(statements["dictionary_rows"], {"inflections": options.inflections})
    count, top_rank = raw.execute(statements["dictionary_size"]).fetchone()
    return int(count), int(top_rank)


def _forms(raw, statements: dict[str, str]) -> dict[str, list[tuple[str, int]]]:
    """Per key whose concepts are written differently: (written form, entity id) of each concept."""
    forms: dict[str, list[tuple[str, int]]] = {}
    for key, norm, entity_id in raw.execute(statements["dictionary_forms"]).fetchall():
        forms.setdefault(key, []).append((norm, entity_id))
    return forms


def _pages(raw, statements: dict[str, str], count: int) -> Iterator[dict[str, np.ndarray]]:
    """The candidate rows in order, _PAGE at a time; a page ends with a whole name (its last name's rows
    are held back for the next page when the slice cut them)."""
    held: dict[str, np.ndarray] | None = None
    for lo in range(0, count, _PAGE):
        page = raw.execute(statements["dictionary_page"], {"lo": lo, "hi": lo + _PAGE}).fetchnumpy()
        page = {name: np.asarray(values) for name, values in page.items()}
        if held is not None:
            page = {name: np.concatenate([held[name], values]) for name, values in page.items()}
        if lo + _PAGE < count:
            other = np.flatnonzero(page["key"] != page["key"][-1])
            cut = int(other[-1]) + 1 if len(other) else 0
            held = {name: values[cut:] for name, values in page.items()}
            page = {name: values[:cut] for name, values in page.items()}
        if len(page["key"]):
            yield page


def _written(forms: list[tuple[str, int]], entity: np.ndarray, first: int) -> dict[str, list[int]]:
    """Each written form of a name -> the candidates of the concepts written so (`entity`: the name's
    candidates, the first of them at `first`)."""
    written: dict[str, list[int]] = {}
    for norm, entity_id in forms:
        written.setdefault(norm, []).append(first + int(np.flatnonzero(entity == entity_id)[0]))
    return written


def _similarity(encoder: LexicalEncoder, keys: np.ndarray, preferred_keys: np.ndarray,
                sizes: np.ndarray) -> np.ndarray:
    """Per candidate: the lexical similarity of the name to the concept's preferred name, for names shared
    by several concepts (1 for the others: nothing to tell apart)."""
    similarity = np.ones(len(keys), dtype=np.float32)
    shared = np.flatnonzero(np.repeat(sizes > 1, sizes))
    for lo in range(0, len(shared), _SIMILARITY_CHUNK):
        chunk = shared[lo:lo + _SIMILARITY_CHUNK]
        a = encoder.encode_normalized(keys[chunk].tolist())
        b = encoder.encode_normalized(preferred_keys[chunk].tolist())
        similarity[chunk] = np.einsum("ij,ij->i", a, b)
    return similarity


def _entities(raw, statements: dict[str, str]) -> tuple[np.ndarray, np.ndarray, list[tuple[str, ...]]]:
    """Per entity id its CUI and the number of its list of semantic types; the lists."""
    type_lists = [tuple(types) for (types,) in raw.execute(statements["entity_type_lists"]).fetchall()]
    cuis, type_ids = [], []
    while True:
        lo = _PAGE * len(cuis)
        page = raw.execute(statements["entity_rows"], {"lo": lo, "hi": lo + _PAGE}).fetchnumpy()
        if not len(page["entity_id"]):
            break
        if not np.array_equal(page["entity_id"], np.arange(lo, lo + len(page["entity_id"]))):
            raise KebiokgError("concept entity ids are not dense from 0: reload the KB with this version")
        cuis.append(np.asarray(page["cui"]).astype("S8"))
        type_ids.append(np.asarray(page["type_id"]).astype(np.int32))
    if not cuis:
        return np.zeros(0, dtype="S8"), np.zeros(0, dtype=np.int32), type_lists
    return np.concatenate(cuis), np.concatenate(type_ids), type_lists


class _replacing:
    """A file written under a temporary name and moved into place when closed without error."""

    def __init__(self, path: Path) -> None:
        self.path, self.tmp = path, path.with_name(path.name + ".tmp")

    def __enter__(self):
        self.handle = open(self.tmp, "wb")
        return self.handle

    def __exit__(self, kind, value, traceback) -> None:
        self.handle.close()
        if kind is None:
            os.replace(self.tmp, self.path)
        else:
            self.tmp.unlink(missing_ok=True)


def load_or_build(kb: KnowledgeBase, options: DictionaryOptions, folder: Path | None,
                  progress: Progress | None = None, verify: bool = False) -> Dictionary:
    """The dictionary cached in `folder` when it matches this KB and these options, else a new one
    (saved to `folder` when given). A damaged cache is an error, not rebuilt: it says the disk lost data;
    one of an older format is rebuilt, with a warning saying so."""
    wanted = json.loads(json.dumps(asdict(options)))
    if folder is not None and (Path(folder) / META).is_file():
        found = _format(folder)
        if found == Dictionary.FORMAT:
            cached = Dictionary.load(folder, verify=verify)
            if cached.fingerprint == kb.fingerprint and cached.meta["options"] == wanted:
                return cached
        else:
            warnings.warn(f"{folder}: a dictionary of format {found} (an older kebiokg's); rebuilding it as format "
                          f"{Dictionary.FORMAT}", KebiokgWarning, stacklevel=2)
    dictionary = Dictionary.build(kb, options, progress)
    if folder is not None:
        dictionary.save(folder)
    return dictionary


def _format(folder: Path) -> int | None:
    """The format a cached dictionary was saved in (an older one is rebuilt, not refused)."""
    try:
        return json.loads((Path(folder) / META).read_text(encoding="utf-8")).get("format")
    except (OSError, ValueError, AttributeError):
        return Dictionary.FORMAT  # unreadable: Dictionary.load says why
