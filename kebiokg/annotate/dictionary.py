"""The annotator's dictionary: every normalized KB name in one Aho-Corasick automaton over words.

Text and names are cut into the same words (`tokenize`, the word-level twin of
`kebiokg.normalize.normalize_name`). With inflections (the default) a name is keyed by its
`inflection_key` (SQL: `kb_inflection_key`), and every word whose key is a key word (its
`inflected_forms`) takes that key word's code, so "pancreatic disorders" in text meets the KB's
"pancreatic disorder" and "Neoplasms" meets "neoplasm" at no cost per word; an inverted name
("Infarction, Myocardial") is also keyed the other way round, the word order UMLS's norm index
would match. Each key word becomes two characters from disjoint
Unicode ranges, so a key can only match at word boundaries and the automaton scans a few
characters per word instead of every letter; a word outside the dictionary becomes a separator
that no key contains. Values are integers (the name's row in the candidate arrays), so millions of
names cost a compact automaton plus a few numpy arrays, no Python object per name.

Candidates of a name (CSR arrays, best evidence first): the concept's entity id, its best MRRANK
rank under that name, whether the name is the concept's preferred one, and the lexical similarity
of the name to the concept's preferred name (the nearest-entity scorer's encoder), used to
disambiguate names shared by several concepts. When the concepts of a key are written differently
("dihydropyridine", a compound, and "dihydropyridines", its class), `written_as` keeps which
candidates each written form names, so that text written as a KB name links to that name's concepts.
"""

from __future__ import annotations

import json
import pickle
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import ahocorasick
import numpy as np

from ..artefacts import check_files, record_files
from ..errors import KebiokgError
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

META, AUTOMATON, WORDS, ARRAYS = "dictionary.json", "automaton.bin", "words.pkl", "arrays.npz"  # a saved one's files
_APOSTROPHE = "\x01"  # dropped inside a word, as normalize_name drops apostrophes
_UNKNOWN = "\x02\x02"  # a word outside the dictionary: no key contains this character
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

    FORMAT = 2  # 2: keys by inflection, codes for the inflected forms of key words, the written forms of keys

    def __init__(self, automaton: ahocorasick.Automaton, word_codes: dict[str, str], arrays: dict[str, np.ndarray],
                 meta: dict, written_as: dict[int, dict[str, list[int]]]) -> None:
        self.automaton = automaton
        self.word_codes = word_codes
        self.written_as = written_as  # per name whose concepts are written differently: form -> candidates
        self.meta = meta
        self.key_words: np.ndarray = arrays["key_words"]  # per name: its number of words
        self.acronym: np.ndarray = arrays["acronym"]  # per name: only capitals in text match it
        self.offsets: np.ndarray = arrays["offsets"]  # per name: its candidates' slice
        self.entity: np.ndarray = arrays["entity"]  # per candidate: entity id
        self.preferred: np.ndarray = arrays["preferred"]  # per candidate: the name is the preferred name
        self.rank: np.ndarray = arrays["rank"]  # per candidate: best MRRANK rank, scaled to [0, 1]
        self.similarity: np.ndarray = arrays["similarity"]  # per candidate: name vs preferred name
        self.cuis: np.ndarray = arrays["cuis"]  # per entity id: CUI (bytes)
        self.type_ids: np.ndarray = arrays["type_ids"]  # per entity id: row in `type_lists`
        self.type_lists: list[tuple[str, ...]] = meta["type_lists"]

    @property
    def fingerprint(self) -> str:
        return self.meta["kb_fingerprint"]

    def encode_words(self, words: Iterable[str]) -> str:
        codes = self.word_codes
        return "".join([codes.get(word, _UNKNOWN) for word in words])

    def written(self, row: int, norm: str) -> list[int] | None:
        """The candidates of a name's row that the KB writes exactly as `norm`, when its concepts differ
        in how they are written; None when they do not, or none is written so."""
        forms = self.written_as.get(row)
        return None if forms is None else forms.get(norm)

    def lookup(self, norm: str) -> int | None:
        """The dictionary row of an exact normalized name, or None."""
        value = self.automaton.get(self.encode_words(norm.split()), None)
        return None if value is None else int(value)

    @classmethod
    def build(cls, kb: KnowledgeBase, options: DictionaryOptions = DictionaryOptions(),
              progress: Progress | None = None) -> Dictionary:
        progress = progress or NullProgress()
        rows, forms, entities = _query(kb, options)
        keys = rows["key"]
        count = len(keys)
        if not count:
            raise KebiokgError(f"empty dictionary: no {'/'.join(options.langs)} name of {kb.release} passes its "
                               f"options (--min-chars {options.min_chars}"
                               + (", stop words left out)" if options.stop_words else ")"))
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
        offsets = np.r_[starts, count].astype(np.int64)
        group_sizes = np.diff(offsets)

        automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
        word_codes: dict[str, str] = {}
        key_words = np.zeros(len(starts), dtype=np.int16)
        with progress.task("dictionary", total=len(starts), unit="names") as task:
            for row, start in enumerate(starts.tolist()):
                words = keys[start].split(" ")
                key = []
                for word in words:
                    code = word_codes.get(word)
                    if code is None:
                        n = len(word_codes)
                        code = word_codes[word] = chr(0x10000 + (n >> 10)) + chr(0x3000 + (n & 1023))
                    key.append(code)
                automaton.add_word("".join(key), row)
                key_words[row] = len(words)
                if row % 100_000 == 0:
                    task.update(row)
            task.update(len(starts))
        automaton.make_automaton()
        if options.inflections:  # every word keyed to a key word reads as it: "disorders", "analyses"
            for word, code in list(word_codes.items()):
                for form in inflected_forms(word):
                    word_codes.setdefault(form, code)
        written_as = _written_as(keys[starts], offsets, rows["entity_id"], forms)
        acronym = np.logical_and.reduceat(rows["acronym"], starts)
        similarity = np.ones(count, dtype=np.float32)
        shared = np.repeat(group_sizes > 1, group_sizes)  # rows of names shared by several concepts
        if shared.any():
            encoder = LexicalEncoder(256)
            pairs = np.flatnonzero(shared)
            for chunk in np.array_split(pairs, max(1, len(pairs) // 100_000)):
                a = encoder.encode_normalized(keys[chunk].tolist())
                b = encoder.encode_normalized([p or "" for p in rows["preferred_key"][chunk].tolist()])
                similarity[chunk] = np.einsum("ij,ij->i", a, b)
        top_rank = max(1, int(rows["rank"].max()))
        type_index: dict[tuple[str, ...], int] = {}
        type_ids = np.fromiter((type_index.setdefault(tuple(types), len(type_index))
                                for types in entities["semantic_types"]), dtype=np.int32, count=len(entities["cui"]))
        entity_ids = entities["entity_id"]
        if len(entity_ids) and not np.array_equal(entity_ids, np.arange(len(entity_ids))):
            raise KebiokgError("concept entity ids are not dense from 0: reload the KB with this version")
        arrays = {
            "key_words": key_words,
            "acronym": acronym.astype(bool),
            "offsets": offsets,
            "entity": rows["entity_id"].astype(np.int32),
            "preferred": rows["preferred"].astype(bool),
            "rank": (rows["rank"].astype(np.float32) / top_rank),
            "similarity": similarity,
            "cuis": entities["cui"].astype("S8"),
            "type_ids": type_ids,
        }
        meta = {"format": cls.FORMAT, "kb_fingerprint": kb.fingerprint, "options": asdict(options),
                "names": int(len(starts)), "candidates": int(count), "words": len(word_codes),
                "type_lists": list(type_index)}
        return cls(automaton, word_codes, arrays, meta, written_as)

    def save(self, folder: Path | str) -> None:
        """Write the dictionary to a folder (automaton, word codes, arrays, then the meta with the files'
        sizes and checksums) for reuse."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / META).unlink(missing_ok=True)  # written last: a save cut short leaves no dictionary that opens
        self.automaton.save(str(folder / AUTOMATON))
        with open(folder / WORDS, "wb") as handle:
            pickle.dump((self.word_codes, self.written_as), handle, protocol=pickle.HIGHEST_PROTOCOL)
        np.savez(folder / ARRAYS, key_words=self.key_words, acronym=self.acronym, offsets=self.offsets,
                 entity=self.entity, preferred=self.preferred, rank=self.rank, similarity=self.similarity,
                 cuis=self.cuis, type_ids=self.type_ids)
        meta = {**self.meta, "files": record_files(folder, [AUTOMATON, WORDS, ARRAYS])}
        (folder / META).write_text(json.dumps(meta, indent=1), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path | str, kb: KnowledgeBase | None = None, verify: bool = False) -> Dictionary:
        """A saved dictionary; file sizes are checked, checksums when `verify` (kebiokg.artefacts)."""
        folder = Path(folder)
        rebuild = f"`kebiokg annotate --dictionary {folder}` once the folder is removed"
        try:
            meta = json.loads((folder / META).read_text(encoding="utf-8"))
            meta["type_lists"] = [tuple(types) for types in meta["type_lists"]]
        except (OSError, ValueError, KeyError) as exc:
            raise KebiokgError(f"{folder}: not a readable annotator dictionary ({exc})") from exc
        if meta.get("format") != cls.FORMAT:
            raise KebiokgError(f"{folder}: dictionary format {meta.get('format')}, expected {cls.FORMAT}: rebuild it")
        check_files(folder, meta.get("files"), rebuild, verify)
        try:  # a damaged file of the recorded size, when checksums were not compared
            automaton = ahocorasick.load(str(folder / AUTOMATON), pickle.loads)
            with open(folder / WORDS, "rb") as handle:
                word_codes, written_as = pickle.load(handle)
            with np.load(folder / ARRAYS) as data:
                arrays = {name: data[name] for name in data.files}
        except (OSError, ValueError, KeyError, TypeError, EOFError, pickle.UnpicklingError,
                zipfile.BadZipFile) as exc:
            raise KebiokgError(f"{folder}: damaged annotator dictionary ({exc}); rebuild it with {rebuild}") from exc
        if kb is not None:
            kb.check_fingerprint(meta["kb_fingerprint"], f"{folder} (a dictionary; rebuild it)")
        return cls(automaton, word_codes, arrays, meta, written_as)


def _query(kb: KnowledgeBase, options: DictionaryOptions) -> tuple[dict, dict | None, dict]:
    """The dictionary's candidate rows, the written forms of mixed keys and the entities, from
    sql/dictionary.sql on the KB's own connection (where the macros of normalize.sql are created)."""
    statements = named_statements("dictionary.sql")
    params = {"langs": list(options.langs), "min_chars": options.min_chars, "acronym_chars": options.acronym_chars,
              "inflections": options.inflections, "stop_words": sorted(STOP_WORDS) if options.stop_words else [],
              "left_out_ttys": list(options.left_out_ttys)}
    with kb.engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        raw.execute(sql_text("normalize.sql"))
        raw.execute(statements["dictionary_names"], params)
        try:
            rows = raw.execute(statements["dictionary_rows"], {"inflections": options.inflections}).fetchnumpy()
            # without inflections a key is one written name
            forms = raw.execute(statements["dictionary_forms"]).fetchnumpy() if options.inflections else None
        finally:
            raw.execute(statements["drop_dictionary_names"])
        entities = raw.execute(statements["entity_rows"]).fetchnumpy()
    return rows, forms, entities


def _written_as(row_keys: np.ndarray, offsets: np.ndarray, entity: np.ndarray,
                forms: dict | None) -> dict[int, dict[str, list[int]]]:
    """Per row whose concepts are written differently: each written form -> the candidates written so."""
    written_as: dict[int, dict[str, list[int]]] = {}
    if forms is None or not len(forms["key"]):
        return written_as
    rows = np.searchsorted(row_keys, forms["key"]).tolist()
    for row, norm, entity_id in zip(rows, forms["norm"].tolist(), forms["entity_id"].tolist(), strict=True):
        lo, hi = int(offsets[row]), int(offsets[row + 1])
        candidate = lo + int(np.flatnonzero(entity[lo:hi] == entity_id)[0])
        written_as.setdefault(row, {}).setdefault(norm, []).append(candidate)
    return written_as


def load_or_build(kb: KnowledgeBase, options: DictionaryOptions, folder: Path | None,
                  progress: Progress | None = None, verify: bool = False) -> Dictionary:
    """The dictionary cached in `folder` when it matches this KB and these options, else a new one
    (saved to `folder` when given). A damaged cache is an error, not rebuilt: it says the disk lost data."""
    wanted = json.loads(json.dumps(asdict(options)))
    if folder is not None and (Path(folder) / META).is_file() and _format(folder) == Dictionary.FORMAT:
        cached = Dictionary.load(folder, verify=verify)
        if cached.fingerprint == kb.fingerprint and cached.meta["options"] == wanted:
            return cached
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
