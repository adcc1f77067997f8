"""The knowledge-injection world (docs/knowledge.md): stated facts are in the text, KB-only facts and
their inverse twins never are, and the probe asks about each set apart."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kebiokg.kb import KnowledgeBase
from kebiokg.probe.build import ProbeOptions, build_probe, read_fact_sets
from kebiokg.synthetic_text import split_facts, world_documents


def _sentences(text: str) -> list[str]:
    return re.split(r"(?<=\.)\s+(?=[A-Z])", text)  # names may hold ". " (subsp. suis)


def test_kb_only_facts_and_their_inverses_never_reach_the_text(synthetic_kb: Path, tmp_path: Path) -> None:
    with KnowledgeBase(synthetic_kb) as kb:
        world = split_facts(kb, per_relation=15, seed=1)
    assert world.stated and world.kb_only
    stated_pairs = {frozenset((r[1], r[4])) for r in world.stated}
    assert not stated_pairs & {frozenset((r[1], r[4])) for r in world.kb_only}  # twins share a side
    named = {cui for r in world.stated for cui in (r[1], r[4])}
    assert all(r[1] in named and r[4] in named for r in world.kb_only)  # the text names both concepts
    documents = world_documents(world, repeats=3, seed=1)
    sentences = [s for d in documents for s in _sentences(d.text)]
    for row in world.kb_only:
        assert not any(row[2] in s and row[5] in s for s in sentences), row
    stated_counts = [sum(row[2] in s and row[5] in s for s in sentences) for row in world.stated]
    assert min(stated_counts) >= 3  # each stated fact, as often as asked

    world.write_tsv(tmp_path / "facts.tsv")
    sets = read_fact_sets(tmp_path / "facts.tsv")
    with KnowledgeBase(synthetic_kb) as kb:
        queries = build_probe(kb, ProbeOptions(min_triples=1), fact_sets=sets)
    assert {q["split"] for q in queries} == {"stated", "kb_only"}
    for q in queries:
        for answer in q["objects"]:
            pair = (q["known"]["cui"], answer["cui"])
            assert sets[pair] == q["split"]


def test_fact_sets_file_errors_name_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "facts.tsv"
    bad.write_text("C0000001\tmay_treat\tC0000002\tstated\nC0000003\tisa\n", encoding="utf-8")
    with pytest.raises(Exception, match="facts.tsv:2"):
        read_fact_sets(bad)
    bad.write_text("C0000001\tmay_treat\theart\tstated\n", encoding="utf-8")
    with pytest.raises(Exception, match="facts.tsv:1: 'HEART' is not a CUI"):
        read_fact_sets(bad)


def test_fact_sets_take_cuis_in_any_case(tmp_path: Path) -> None:
    """As every option and file that names CUIs: a lower-case CUI is the concept, not a silent non-match."""
    facts = tmp_path / "facts.tsv"
    facts.write_text("c0000001\tmay_treat\tC0000002\tstated\n", encoding="utf-8")
    assert read_fact_sets(facts) == {("C0000001", "C0000002"): "stated", ("C0000002", "C0000001"): "stated"}
