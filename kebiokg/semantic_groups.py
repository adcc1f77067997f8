"""Semantic types and groups: the one parser of a type filter, used by every command that takes one.

A filter value is a TUI (`T047`), a semantic group (`DISO`), or a semantic type name
(`Disease or Syndrome`), in any case; `all` alone is no filter. Type names come from the data at
hand (the KB's `semantic_types` table, or the release's MRSTY while loading), so the vocabulary is
that of the release; TUIs and groups need no data. A value that is none of these is an error, never
an empty result.

`annotation_types` adds the annotator's default profile: every type of the data but the generic
ones of `GENERIC_TYPES` (docs/corpus.md says which and why).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from .errors import KebiokgError

# NLM semantic groups (a subset of SemGroups.txt) usable in place of TUIs in a type filter.
SEMANTIC_GROUPS: dict[str, tuple[str, ...]] = {
    "CHEM": ("T116", "T195", "T123", "T122", "T103", "T120", "T104", "T200", "T196", "T126", "T131", "T125",
             "T129", "T130", "T197", "T114", "T109", "T121", "T192", "T127"),
    "DISO": ("T020", "T190", "T049", "T019", "T047", "T050", "T033", "T037", "T048", "T191", "T046", "T184"),
    "GENE": ("T087", "T088", "T028", "T085", "T086"),
    "ANAT": ("T017", "T029", "T023", "T030", "T031", "T022", "T025", "T026", "T018", "T021", "T024"),
}
GROUP_OF_TUI: dict[str, str] = {tui: group for group, tuis in SEMANTIC_GROUPS.items() for tui in tuis}
_TUI = re.compile(r"^T\d{3}$")
ALL, DEFAULT = "all", "default"  # the filter values that name a profile

# Left out of the default annotation profile: types of the semantic network whose concepts are aspects,
# attributes, groups or activities rather than the things biomedical text is annotated for. Their words
# ("analysis", "methods", "use", "history", "mortality", "patients", "age") are in every abstract.
# - the Conceptual Entity branch (A2), less what the semantic groups put among anatomy, disorders and
#   genes (Finding, Sign or Symptom, Laboratory or Test Result, Body System, Body Location or Region,
#   Body Space or Junction, the Molecular Sequence types);
# - the Activity branch (B1), less Health Care Activity and the procedures under it and Molecular Biology
#   Research Technique;
# - the roots Entity and Event, given to concepts nothing more specific fits.
# QuickUMLS's default accepted types and MedCAT users' filters leave out most of these too.
GENERIC_TYPES: dict[str, str] = {
    "T077": "Conceptual Entity", "T078": "Idea or Concept", "T079": "Temporal Concept",
    "T080": "Qualitative Concept", "T081": "Quantitative Concept", "T082": "Spatial Concept",
    "T169": "Functional Concept", "T170": "Intellectual Product", "T185": "Classification",
    "T089": "Regulation or Law", "T171": "Language", "T090": "Occupation or Discipline",
    "T091": "Biomedical Occupation or Discipline", "T092": "Organization",
    "T093": "Health Care Related Organization", "T094": "Professional Society",
    "T095": "Self-help or Relief Organization", "T102": "Group Attribute", "T096": "Group",
    "T097": "Professional or Occupational Group", "T098": "Population Group", "T099": "Family Group",
    "T100": "Age Group", "T101": "Patient or Disabled Group", "T032": "Organism Attribute",
    "T201": "Clinical Attribute", "T083": "Geographic Area",
    "T052": "Activity", "T053": "Behavior", "T054": "Social Behavior", "T055": "Individual Behavior",
    "T056": "Daily or Recreational Activity", "T057": "Occupational Activity", "T062": "Research Activity",
    "T064": "Governmental or Regulatory Activity", "T065": "Educational Activity", "T066": "Machine Activity",
    "T071": "Entity", "T051": "Event",
}


class SemanticTypeError(KebiokgError):
    """A type filter value that is not a TUI, a semantic group or a type name of the data."""


def parse_semantic_types(values: Iterable[str] | None,
                         type_names: Mapping[str, Iterable[str]] | None = None) -> frozenset[str] | None:
    """TUIs of a filter; None (no filter) for no values or `all`.

    `type_names` maps semantic type names (STY) to their TUIs; names match in any case.
    """
    values = [v.strip() for v in values or () if v.strip()]
    if not values or [v.casefold() for v in values] == [ALL]:
        return None
    by_name: dict[str, set[str]] = {}
    for name, tuis in (type_names or {}).items():
        by_name.setdefault(name.casefold(), set()).update([tuis] if isinstance(tuis, str) else tuis)
    known_tuis = set().union(*by_name.values()) if type_names is not None else None
    found: set[str] = set()
    for value in values:
        upper = value.upper()
        if upper in SEMANTIC_GROUPS:
            found.update(SEMANTIC_GROUPS[upper])
        elif _TUI.match(upper) and (known_tuis is None or upper in known_tuis):
            found.add(upper)
        elif value.casefold() in by_name:
            found.update(by_name[value.casefold()])
        else:
            where = " of this KB" if type_names is not None else ""
            raise SemanticTypeError(f"{value!r}: not a TUI, semantic type name or semantic group "
                                    f"({', '.join(SEMANTIC_GROUPS)}){where}")
    return frozenset(found)


def annotation_types(values: Iterable[str] | None,
                     type_names: Mapping[str, Iterable[str]]) -> tuple[str, frozenset[str] | None]:
    """The annotator's type profile and its TUIs: no values (or `default`) is the default profile, every
    TUI of `type_names` but `GENERIC_TYPES`; `all` is every type (None); anything else is that filter."""
    values = [v.strip() for v in values or () if v.strip()]
    if not values or [v.casefold() for v in values] == [DEFAULT]:
        every = set().union(*[{tuis} if isinstance(tuis, str) else set(tuis) for tuis in type_names.values()])
        return DEFAULT, frozenset(every - GENERIC_TYPES.keys())
    tuis = parse_semantic_types(values, type_names)
    return (ALL if tuis is None else "custom"), tuis
