"""Gold identifiers of corpora mapped to KB concepts, each read by its namespace, never guessed.

| id | namespace | maps through |
|---|---|---|
| `D003920`, `C007262` (supplementary), `MESH:D003920`, `MSH:...` | MeSH | MRCONSO rows of SAB=MSH, that CODE |
| `OMIM:222100`, `MIM:...` | OMIM | SAB=OMIM |
| `C0011849`, `UMLS:C0011849` | UMLS | itself, when the KB has it |
| `NCBITaxon:9606`, `Taxonomy:9606`, a bare number of a species mention | NCBI Taxonomy | SAB=NCBI |
| `NCBIGene:672`, `Gene:672`, a bare number of a gene mention | NCBI Gene | nothing: UMLS has no NCBI Gene source |
| a bare number of any other mention, any other prefix | unknown | nothing |

PubTator corpora write NCBI Gene and Taxonomy ids as bare numbers, so a number is read by the mention's
type (Gene, GeneOrGeneProduct; Species, OrganismTaxon); a number in a disease mention could be OMIM or
Gene and is not read at all. Ids that map to nothing are counted by namespace (`IdMapper.unmapped`).
"""

from __future__ import annotations

import re
from collections import Counter

from ..errors import KBError
from ..kb import CUI_PATTERN, KnowledgeBase

MESH, OMIM, UMLS, TAXONOMY, NCBI_GENE, UNKNOWN = "MeSH", "OMIM", "UMLS", "NCBI Taxonomy", "NCBI Gene", "unknown"
_PREFIXES = {"MESH": MESH, "MSH": MESH, "OMIM": OMIM, "MIM": OMIM, "UMLS": UMLS, "NCBITAXON": TAXONOMY,
             "TAXONOMY": TAXONOMY, "TAXON": TAXONOMY, "NCBIGENE": NCBI_GENE, "GENE": NCBI_GENE,
             "ENTREZGENE": NCBI_GENE}
_SOURCES = {MESH: "MSH", OMIM: "OMIM", TAXONOMY: "NCBI"}  # the KB source (SAB) of each namespace that has one
_MESH_CODE = re.compile(r"^[DC]\d+$")


def namespace(identifier: str, mention_type: str = "") -> tuple[str, str]:
    """The namespace of a corpus id and its code in it; a bare number is read by the mention's type."""
    ident = identifier.strip()
    prefix, colon, code = ident.partition(":")
    if colon:
        return _PREFIXES.get(re.sub(r"[\s_-]", "", prefix).upper(), UNKNOWN), code.strip()
    if CUI_PATTERN.match(ident):
        return UMLS, ident
    if _MESH_CODE.match(ident):
        return MESH, ident
    if ident.isdigit():
        kind = mention_type.casefold()
        if "gene" in kind or kind == "protein":
            return NCBI_GENE, ident
        if "species" in kind or "taxon" in kind or "organism" in kind:
            return TAXONOMY, ident
    return UNKNOWN, ident


class IdMapper:
    """Corpus ids to KB CUIs, cached; counts the ids that map to nothing by namespace."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self._cache: dict[tuple[str, str], list[str]] = {}
        self._types: dict[str, list[str] | None] = {}
        self.unmapped: Counter = Counter()  # namespace -> ids (occurrences) that map to no concept

    def cuis(self, identifier: str, mention_type: str = "") -> list[str]:
        space, code = namespace(identifier, mention_type)
        if (space, code) not in self._cache:
            self._cache[space, code] = self._lookup(space, code)
        return self._cache[space, code]

    def _lookup(self, space: str, code: str) -> list[str]:
        if space == UMLS:
            return [code] if CUI_PATTERN.match(code) and self.types(code) is not None else []
        if space == MESH and not _MESH_CODE.match(code):
            return []
        return self.kb.cuis_for_code(_SOURCES[space], code) if space in _SOURCES else []

    def types(self, cui: str) -> list[str] | None:
        """Semantic types of a CUI, None if it is not in the KB."""
        if cui not in self._types:
            try:
                self._types[cui] = self.kb.concept(cui).semantic_types
            except KBError:
                self._types[cui] = None
        return self._types[cui]

    def mention_cuis(self, ids: list[str], mention_type: str = "") -> list[str]:
        """CUIs of every id of a mention of this type, in order, without repeats."""
        found: list[str] = []
        for identifier in ids:
            cuis = self.cuis(identifier, mention_type)
            if not cuis:
                self.unmapped[namespace(identifier, mention_type)[0]] += 1
            found += [c for c in cuis if c not in found]
        return found
