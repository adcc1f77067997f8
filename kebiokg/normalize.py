"""The one name normalization of kebiokg, and the inflection key built on it.

`names.norm` in the KB, the entity index and the annotator's dictionary all use `normalize_name`,
so a string typed by a user, a mention in text and a KB name meet in the same space. The loader
computes the same function in SQL (`sql/normalize.sql`) for speed; a test proves the two agree on
every name of the real UMLS subsets.

Steps: strip accents (canonical decomposition, combining marks dropped), lowercase, drop
apostrophes ("Crohn's" -> "crohns"), turn every run of characters outside [a-z0-9] into one
space, trim. Non-Latin letters (Greek, CJK) therefore vanish: documented, and the same in SQL.

`inflection_key` maps a normalized name to the uninflected form its words share with their regular
plurals ("pancreatic disorders" and "pancreatic disorder" -> "pancreatic disorder", "metastases" and
"metastasis" -> "metastase"), as UMLS's own norm (lvg `norm`, MRXNS) uninflects words, but by rule
instead of a lexicon. Its SQL twin is `kb_inflection_key` (`sql/normalize.sql`), proven equal on
every name of the real subsets. The key only has to be the same for a word and its plural: a
non-plural word that loses an "s" ("pancreas" -> "pancrea") still meets itself, so the rules only
guard against two different words sharing a key ("basis" and "base").
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_APOSTROPHES = re.compile("['\u2019]")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_MARK_CATEGORIES = frozenset({"Mn", "Mc", "Me"})

# Words whose singular is not a rule's: Latin and Greek plurals common in biomedical text.
IRREGULAR_PLURALS = {
    "bacteria": "bacterium", "nuclei": "nucleus", "fungi": "fungus", "bronchi": "bronchus", "stimuli": "stimulus",
    "thrombi": "thrombus", "emboli": "embolus", "calculi": "calculus", "alveoli": "alveolus", "bacilli": "bacillus",
    "vertebrae": "vertebra", "larvae": "larva", "criteria": "criterion", "phenomena": "phenomenon",
    "diverticula": "diverticulum", "indices": "index", "matrices": "matrix", "appendices": "appendix",
    "cortices": "cortex", "mitochondria": "mitochondrion", "testes": "testis", "children": "child",
    "women": "woman", "teeth": "tooth",
}
# Words of five letters or more that end like a plural but whose rule form is another word.
NOT_PLURALS = frozenset({"basis", "ketosis", "genetics", "optics", "physics", "kinetics", "dynamics", "ethics"})
# Shorter words keep their ending: "aids" is not "aid", "rats" and "days" are too short to matter.
MIN_INFLECTED = 5


@lru_cache(maxsize=1 << 16)
def word_key(word: str) -> str:
    """The uninflected form of one normalized word (its regular plural and itself share it)."""
    if len(word) < MIN_INFLECTED or not word.isalpha() or word in NOT_PLURALS:
        return word
    if word in IRREGULAR_PLURALS:
        return IRREGULAR_PLURALS[word]
    base = _regular_singular(word)
    return IRREGULAR_PLURALS.get(base, base)  # womens -> women -> woman


def _regular_singular(word: str) -> str:
    if word.endswith("sis"):  # analysis, analyses -> analyse
        return word[:-2] + "e"
    if word.endswith(("ss", "us", "is")):  # class, virus, testis: not plurals
        return word
    if word.endswith("ies"):  # therapies -> therapy
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "xes", "zzes", "oaches", "eaches")) or (
            word.endswith("ches") and not word.endswith("aches")):  # abscesses, rashes, approaches; headaches
        return word[:-2]
    if word.endswith("uses") and word[-5] not in "aeiou":  # viruses -> virus (causes -> cause below)
        return word[:-2]
    if word.endswith("s"):
        return word[:-1]
    return word


_PLURAL_OF = {singular: plural for plural, singular in IRREGULAR_PLURALS.items()}


def inflected_forms(key: str) -> list[str]:
    """Every word whose `word_key` is `key`, the key first: the forms a text word takes to match a name with
    this key word. Complete, since it undoes each rule of `word_key` (a test proves it)."""
    forms = [key, key + "s", key + "es"]
    if key.endswith("y"):
        forms.append(key[:-1] + "ies")
    if key.endswith("se"):  # analyse <- analysis
        forms.append(key[:-1] + "is")
    if key in _PLURAL_OF:
        plural = _PLURAL_OF[key]
        forms += [plural, plural + "s", plural + "es"]
    return [form for form in dict.fromkeys(forms) if word_key(form) == key]


def inflection_key(norm: str) -> str:
    """`word_key` of every word of a normalized name."""
    return " ".join([word_key(word) for word in norm.split(" ")])


def strip_accents(text: str) -> str:
    """Drop combining marks after canonical decomposition, as DuckDB's strip_accents does."""
    if text.isascii():  # most names and queries: nothing to decompose, no mark to drop
        return text
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if unicodedata.category(ch) not in _MARK_CATEGORIES)


def normalize_name(text: str) -> str:
    """Normalize a concept name or a mention for matching; the empty string if nothing remains."""
    folded = strip_accents(text).lower()
    folded = _APOSTROPHES.sub("", folded)
    return _NOT_ALNUM.sub(" ", folded).strip()
