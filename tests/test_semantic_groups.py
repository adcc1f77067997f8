"""One parser of semantic-type filters: TUIs, semantic groups and type names, any case, typos refused."""

from __future__ import annotations

import pytest

from kebiokg.errors import KebiokgError
from kebiokg.semantic_groups import GENERIC_TYPES, GROUP_OF_TUI, SEMANTIC_GROUPS, annotation_types, parse_semantic_types

NAMES = {"Disease or Syndrome": ["T047"], "Pharmacologic Substance": ["T121"]}


def test_groups_tuis_and_names_in_any_case() -> None:
    assert parse_semantic_types(["diso"]) == frozenset(SEMANTIC_GROUPS["DISO"])
    assert parse_semantic_types(["t047", " T121 "]) == {"T047", "T121"}
    assert parse_semantic_types(["disease OR syndrome", "CHEM"], NAMES) == {"T047"} | set(SEMANTIC_GROUPS["CHEM"])
    assert parse_semantic_types([]) is None and parse_semantic_types(None) is None
    assert parse_semantic_types([" "]) is None
    assert GROUP_OF_TUI["T047"] == "DISO"


def test_the_annotation_profile_leaves_out_generic_types_only() -> None:
    names = {**NAMES, "Functional Concept": ["T169"], "Qualitative Concept": ["T080"]}
    assert annotation_types(None, names) == annotation_types(["Default"], names) == ("default", {"T047", "T121"})
    assert annotation_types(["ALL"], names) == ("all", None) and parse_semantic_types(["all"]) is None
    assert annotation_types(["T169"], names) == ("custom", {"T169"})
    assert not GENERIC_TYPES.keys() & GROUP_OF_TUI.keys()  # no type of chemicals, disorders, genes or anatomy


def test_a_value_that_names_nothing_is_an_error() -> None:
    with pytest.raises(KebiokgError, match="'Diseese': not a TUI, semantic type name or semantic group"):
        parse_semantic_types(["Diseese"], NAMES)
    with pytest.raises(KebiokgError, match="of this KB"):  # a TUI the data does not have matches nothing
        parse_semantic_types(["T999"], NAMES)
    with pytest.raises(KebiokgError):  # without the data's names, a name cannot be resolved
        parse_semantic_types(["Disease or Syndrome"])


def test_load_umls_resolves_names_and_groups_against_the_release(tiny_release, tmp_path) -> None:
    from kebiokg.kb import KnowledgeBase
    from kebiokg.umls_loader.load import LoadOptions, load_umls

    for value, expected in ((("disease or syndrome",), {"C0000001"}), (("CHEM",), {"C0000002"})):
        db = tmp_path / f"{value[0]}.duckdb"
        load_umls(tiny_release, db, LoadOptions(semantic_types=value))
        with KnowledgeBase(db) as kb:
            assert {row[0] for row in kb.query(__import__("sqlalchemy").text("SELECT cui FROM concepts"))} == expected
    with pytest.raises(KebiokgError, match="'Diseese'"):
        load_umls(tiny_release, tmp_path / "typo.duckdb", LoadOptions(semantic_types=("Diseese",)))
