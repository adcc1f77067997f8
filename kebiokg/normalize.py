"""The one name normalization of kebiokg.

`names.norm` in the KB, the entity index and the annotator's dictionary all use this function,
so a string typed by a user, a mention in text and a KB name meet in the same space. The loader
computes the same function in SQL (`sql/normalize.sql`) for speed; a test proves the two agree on
every name of the real UMLS subsets.

Steps: strip accents (canonical decomposition, combining marks dropped), lowercase, drop
apostrophes ("Crohn's" -> "crohns"), turn every run of characters outside [a-z0-9] into one
space, trim. Non-Latin letters (Greek, CJK) therefore vanish: documented, and the same in SQL.
"""

from __future__ import annotations

import re
import unicodedata

_APOSTROPHES = re.compile("['\u2019]")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_MARK_CATEGORIES = frozenset({"Mn", "Mc", "Me"})


def strip_accents(text: str) -> str:
    """Drop combining marks after canonical decomposition, as DuckDB's strip_accents does."""
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if unicodedata.category(ch) not in _MARK_CATEGORIES)


def normalize_name(text: str) -> str:
    """Normalize a concept name or a mention for matching; the empty string if nothing remains."""
    folded = strip_accents(text).lower()
    folded = _APOSTROPHES.sub("", folded)
    return _NOT_ALNUM.sub(" ", folded).strip()
