"""Gold identifiers of corpora (MeSH, OMIM, CUIs) mapped to KB concepts.

A MeSH id (D003920, or a supplementary concept C007262) maps through the KB's MRCONSO rows with
SAB=MSH and that CODE; `OMIM:222100` through SAB=OMIM; a CUI maps to itself when it is in the KB.
"""

from __future__ import annotations

from collections import Counter

from ..errors import KBError
from ..kb import CUI_PATTERN, KnowledgeBase


class IdMapper:
    """Corpus ids to KB CUIs, cached; counts what does not map."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self._cache: dict[str, list[str]] = {}
        self._types: dict[str, list[str] | None] = {}
        self.unmapped: Counter = Counter()

    def cuis(self, identifier: str) -> list[str]:
        if identifier not in self._cache:
            self._cache[identifier] = self._lookup(identifier)
        return self._cache[identifier]

    def _lookup(self, identifier: str) -> list[str]:
        ident = identifier.strip()
        sab, _, code = ident.partition(":") if ":" in ident else ("", "", ident)
        sab = sab.upper()
        # a bare C + 7 digits is a CUI when the KB has it (MeSH supplementary codes look alike)
        if sab in ("", "UMLS") and CUI_PATTERN.match(code) and self.types(code) is not None:
            return [code]
        if sab in ("", "MESH", "MSH") and (code[:1] in ("D", "C") and code[1:].isdigit()):
            return self.kb.cuis_for_code("MSH", code)
        if sab == "OMIM" or (not sab and code.isdigit()):
            return self.kb.cuis_for_code("OMIM", code)
        return []

    def types(self, cui: str) -> list[str] | None:
        """Semantic types of a CUI, None if it is not in the KB."""
        if cui not in self._types:
            try:
                self._types[cui] = self.kb.concept(cui).semantic_types
            except KBError:
                self._types[cui] = None
        return self._types[cui]

    def mention_cuis(self, ids: list[str]) -> list[str]:
        """CUIs of every id of a mention, in order, without repeats."""
        found: list[str] = []
        for identifier in ids:
            cuis = self.cuis(identifier)
            if not cuis:
                self.unmapped[identifier] += 1
            found += [c for c in cuis if c not in found]
        return found

