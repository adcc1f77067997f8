"""Column layouts of the Metathesaurus RRF files.

A release describes its own layouts in MRFILES.RRF (column order per file) and MRCOLS.RRF
(column descriptions); these built-in defaults are used when those files are absent, and are
what the synthetic generator writes into them.
"""

from __future__ import annotations

DEFAULT_LAYOUTS: dict[str, tuple[str, ...]] = {
    "MRCONSO": (
        "CUI", "LAT", "TS", "LUI", "STT", "SUI", "ISPREF", "AUI", "SAUI", "SCUI", "SDUI",
        "SAB", "TTY", "CODE", "STR", "SRL", "SUPPRESS", "CVF",
    ),
    "MRSTY": ("CUI", "TUI", "STN", "STY", "ATUI", "CVF"),
    "MRREL": (
        "CUI1", "AUI1", "STYPE1", "REL", "CUI2", "AUI2", "STYPE2", "RELA", "RUI", "SRUI",
        "SAB", "SL", "RG", "DIR", "SUPPRESS", "CVF",
    ),
    "MRDEF": ("CUI", "AUI", "ATUI", "SATUI", "SAB", "DEF", "SUPPRESS", "CVF"),
    "MRSAB": (
        "VCUI", "RCUI", "VSAB", "RSAB", "SON", "SF", "SVER", "VSTART", "VEND", "IMETA", "RMETA",
        "SLC", "SCC", "SRL", "TFR", "CFR", "CXTY", "TTYL", "ATNL", "LAT", "CENC", "CURVER",
        "SABIN", "SSN", "SCIT",
    ),
    "MRRANK": ("RANK", "SAB", "TTY", "SUPPRESS"),
    "MRHIER": ("CUI", "AUI", "CXN", "PAUI", "SAB", "RELA", "PTR", "HCD", "CVF"),
    "MRSAT": (
        "CUI", "LUI", "SUI", "METAUI", "STYPE", "CODE", "ATUI", "SATUI", "ATN", "SAB", "ATV",
        "SUPPRESS", "CVF",
    ),
    "MRFILES": ("FIL", "DES", "FMT", "CLS", "RWS", "BTS"),
    "MRCOLS": ("COL", "DES", "REF", "MIN", "AV", "MAX", "FIL", "DTY"),
}

FILE_DESCRIPTIONS: dict[str, str] = {
    "MRCONSO": "Concept names and sources",
    "MRSTY": "Semantic Types",
    "MRREL": "Related Concepts",
    "MRDEF": "Definitions",
    "MRSAB": "Source Metadata",
    "MRRANK": "Concept Name Ranking",
    "MRHIER": "Computable hierarchies",
    "MRSAT": "Simple Concept, Term and String Attributes",
    "MRFILES": "Relation Relation",
    "MRCOLS": "Attribute Relation",
}

COLUMN_DESCRIPTIONS: dict[str, str] = {
    "CUI": "Unique identifier for concept", "LAT": "Language of term", "TS": "Term status",
    "LUI": "Unique identifier for term", "STT": "String type", "SUI": "Unique identifier for string",
    "ISPREF": "Atom status - preferred (Y) or not (N) for this string within this concept",
    "AUI": "Unique identifier for atom", "SAUI": "Source asserted atom identifier",
    "SCUI": "Source asserted concept identifier", "SDUI": "Source asserted descriptor identifier",
    "SAB": "Source abbreviation", "TTY": "Term type in source", "CODE": "Unique Identifier or code",
    "STR": "String", "SRL": "Source Restriction Level", "SUPPRESS": "Suppressible flag",
    "CVF": "Content View Flag", "TUI": "Unique identifier of Semantic Type",
    "STN": "Semantic Type tree number", "STY": "Semantic Type", "ATUI": "Unique identifier for attribute",
    "CUI1": "Unique identifier of first concept", "AUI1": "Unique identifier of first atom",
    "STYPE1": "The name of the column in MRCONSO.RRF that contains the first identifier",
    "REL": "Relationship of second concept or atom to first concept or atom",
    "CUI2": "Unique identifier of second concept", "AUI2": "Unique identifier of second atom",
    "STYPE2": "The name of the column in MRCONSO.RRF that contains the second identifier",
    "RELA": "Additional relationship label", "RUI": "Unique identifier of relationship",
    "SRUI": "Source attributed relationship identifier", "SL": "Source of relationship labels",
    "RG": "Relationship group", "DIR": "Source asserted directionality flag",
    "SATUI": "Source asserted attribute identifier", "DEF": "Definition", "RANK": "Rank",
}

#: Files whose rows may legally miss trailing columns (missing ones become NULL): metadata files,
#: whose last fields producers of subsets often omit. In any other file a short row is an error.
RAGGED_FILES: frozenset[str] = frozenset({"MRSAB", "MRRANK", "MRCOLS", "MRFILES"})
