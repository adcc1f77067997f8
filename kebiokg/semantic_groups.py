"""Semantic types and groups: the one parser of a type filter, used by every command that takes one.

A filter value is a TUI (`T047`), a semantic group (`DISO`), or a semantic type name
(`Disease or Syndrome`), in any case. Type names come from the data at hand (the KB's
`semantic_types` table, or the release's MRSTY while loading), so the vocabulary is that of the
release; TUIs and groups need no data. A value that is none of these is an error, never an empty
result.
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


class SemanticTypeError(KebiokgError):
    """A type filter value that is not a TUI, a semantic group or a type name of the data."""


def parse_semantic_types(values: Iterable[str] | None,
                         type_names: Mapping[str, Iterable[str]] | None = None) -> frozenset[str] | None:
    """TUIs of a filter; None (no filter) for no values.

    `type_names` maps semantic type names (STY) to their TUIs; names match in any case.
    """
    values = [v.strip() for v in values or () if v.strip()]
    if not values:
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
