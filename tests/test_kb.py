"""KnowledgeBase: opening, lookups, bad CUIs."""

from __future__ import annotations

from pathlib import Path

import pytest

from kebiokg.errors import KBError
from kebiokg.kb import KnowledgeBase
from kebiokg.umls_loader.load import load_umls


@pytest.fixture
def kb_path(tiny_release: Path, tmp_path: Path) -> Path:
    db = tmp_path / "kb.duckdb"
    load_umls(tiny_release, db)
    return db


def test_lookups(kb_path: Path) -> None:
    with KnowledgeBase(kb_path) as kb:
        concept = kb.concept("c0000001")
        assert (concept.cui, concept.entity_id, concept.preferred_name) == ("C0000001", 0, "Myocardial Infarction")
        assert concept.semantic_types == ["T047"]
        assert [n.str for n in kb.names("C0000001")][0] == "Myocardial Infarction"  # best rank first
        assert kb.cuis_for_norm("heart attack") == ["C0000001"]
        assert kb.cuis_for_code("MSH", "D000001") == ["C0000001"]
        assert kb.concept_count == 3
        assert kb.release == "release"


def test_open_by_sqlalchemy_url(kb_path: Path) -> None:
    with KnowledgeBase(f"duckdb:///{kb_path}") as kb:
        assert kb.concept("C0000002").preferred_name == "Aspirin"


def test_bad_and_unknown_cuis(kb_path: Path) -> None:
    with KnowledgeBase(kb_path) as kb:
        with pytest.raises(KBError, match="not a CUI"):
            kb.concept("X123")
        with pytest.raises(KBError, match="C0999999 is not in this KB"):
            kb.concept("C0999999")


def test_parameters_are_bound_not_interpolated(kb_path: Path) -> None:
    with KnowledgeBase(kb_path) as kb:
        assert kb.cuis_for_norm("x' OR '1'='1") == []
