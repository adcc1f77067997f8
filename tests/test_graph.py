"""Graph queries: concept details, neighbors in reading order, shortest paths, lazy subgraphs."""

from __future__ import annotations

from pathlib import Path

import pytest

from kebiokg.errors import KBError
from kebiokg.graph import KnowledgeGraph, RelationFilter
from kebiokg.kb import KnowledgeBase
from kebiokg.umls_loader.load import load_umls


@pytest.fixture
def kb(tiny_release: Path, tmp_path: Path):
    load_umls(tiny_release, tmp_path / "kb.duckdb")
    with KnowledgeBase(tmp_path / "kb.duckdb") as opened:
        yield opened


def test_details(kb: KnowledgeBase) -> None:
    details = kb.details("C0000001")
    assert details.concept.preferred_name == "Myocardial Infarction"
    assert [s["str"] for s in details.synonyms] == ["Myocardial Infarction", '"MI" \\ infarct', "heart attack"]
    assert details.semantic_types == [{"tui": "T047", "sty": "Disease or Syndrome", "stn": "B2.2.1.2.1"}]
    assert details.definitions == [{"sab": "MSH", "definition": 'Necrosis of the "myocardium".'}]
    counts = {(r["direction"], r["rela"]): r["count"] for r in details.relation_counts}
    assert counts == {("out", "may_be_treated_by"): 1, ("in", "may_treat"): 1, ("in", None): 1}


def test_neighbors_in_reading_order(kb: KnowledgeBase) -> None:
    edges = KnowledgeGraph(kb).neighbors("C0000001")
    triples = {(e.subject_name, e.rela or e.rel, e.object_name) for e in edges}
    assert ("Aspirin", "may_treat", "Myocardial Infarction") in triples
    assert ("Myocardial Infarction", "may_be_treated_by", "Aspirin") in triples
    assert ("Sjögren's syndrome", "RB", "Myocardial Infarction") in triples
    only = KnowledgeGraph(kb, RelationFilter(relas=("may_treat",))).neighbors("C0000001")
    assert [(e.subject_cui, e.object_cui) for e in only] == [("C0000002", "C0000001")]
    assert KnowledgeGraph(kb, RelationFilter(sources=("NOPE",))).neighbors("C0000001") == []


def test_depth_two_and_path(kb: KnowledgeBase) -> None:
    graph = KnowledgeGraph(kb)
    deep = graph.neighbors("C0000002", depth=2)
    assert {e.depth for e in deep} == {1, 2}
    assert any(e.subject_cui == "C0000003" for e in deep)  # reached through C0000001
    path = graph.shortest_path("C0000002", "C0000003")
    assert len(path) == 2
    assert [e.depth for e in path] == [1, 2]
    assert (path[1].subject_cui, path[1].rel, path[1].object_cui) == ("C0000003", "RB", "C0000001")
    assert graph.shortest_path("C0000002", "C0000002") == []
    with pytest.raises(KBError, match="no path of at most 1"):
        graph.shortest_path("C0000002", "C0000003", max_depth=1)


def test_subgraph_is_built_only_for_the_query(kb: KnowledgeBase) -> None:
    one_hop = KnowledgeGraph(kb, RelationFilter(rels=("RO",))).subgraph("C0000002")
    assert set(one_hop.nodes) == {0, 1}  # entity ids of C0000001 and C0000002 only
    assert one_hop.number_of_edges() == 2


def test_bad_cuis(kb: KnowledgeBase) -> None:
    graph = KnowledgeGraph(kb)
    with pytest.raises(KBError, match="not a CUI"):
        graph.neighbors("12345")
    with pytest.raises(KBError, match="not in this KB"):
        graph.shortest_path("C0000001", "C0000404")


def test_real_relation_direction(real_data: Path, tmp_path: Path) -> None:
    db = tmp_path / "nci.duckdb"
    load_umls(real_data / "umls" / "SAMPLE_NCI", db)
    with KnowledgeBase(db) as kb:
        edges = KnowledgeGraph(kb, RelationFilter(relas=("may_treat",))).neighbors("C0010692")
        # MRREL: C0010692|..|RO|C0000294|..|may_treat -> "Mesna may_treat Cystitis".
        assert any(e.subject_cui == "C0000294" and e.object_cui == "C0010692" for e in edges)
        assert all(e.object_cui == "C0010692" for e in edges)  # Cystitis treats nothing
