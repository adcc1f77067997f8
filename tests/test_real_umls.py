"""The two real UMLS subsets: every row accounted for, names, types, relation direction, normalization."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from kebiokg.kb import KnowledgeBase
from kebiokg.normalize import inflection_key, normalize_name
from kebiokg.sqlfiles import sql_text
from kebiokg.umls_loader.load import LoadOptions, load_umls

SUBSETS = ("SAMPLE_NCIM", "SAMPLE_NCI")


def count_lines(path: Path) -> int:
    with open(path, "rb") as handle:
        return sum(1 for _ in handle)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> dict[str, Path]:
    from conftest import shared_data

    data = shared_data()
    if data is None:
        pytest.skip("real data not present (set KEBIOKG_DATA)")
    out = tmp_path_factory.mktemp("real")
    dbs = {}
    for subset in SUBSETS:
        dbs[subset] = out / f"{subset}.duckdb"
        load_umls(data / "umls" / subset, dbs[subset], LoadOptions(tables=("MRCONSO", "MRSTY", "MRREL",
                  "MRDEF", "MRSAB", "MRRANK", "MRHIER")))
    dbs["data"] = data
    return dbs


@pytest.mark.parametrize("subset", SUBSETS)
def test_every_row_is_accounted_for(loaded: dict[str, Path], subset: str) -> None:
    with KnowledgeBase(loaded[subset]) as kb:
        inputs = kb.meta["inputs"]
    meta_dir = loaded["data"] / "umls" / subset
    for item in inputs:
        assert item["rows"] == count_lines(meta_dir / item["name"]), item["name"]
        assert item["rows"] == sum(item["accounting"].values()), item["name"]
        assert item["rejected"] == 0


def test_counts_match_the_files_by_hand(loaded: dict[str, Path]) -> None:
    """SAMPLE_NCI: concepts are the CUIs with an English, non-suppressed atom (computed here in Python)."""
    conso = loaded["data"] / "umls" / "SAMPLE_NCI" / "MRCONSO.RRF"
    kept_cuis, kept_atoms = set(), 0
    for line in conso.read_text(encoding="utf-8").splitlines():
        fields = line.split("|")
        if fields[1] == "ENG" and fields[16] == "N":
            kept_cuis.add(fields[0])
            kept_atoms += 1
    with KnowledgeBase(loaded["SAMPLE_NCI"]) as kb:
        conso_input = next(i for i in kb.meta["inputs"] if i["name"] == "MRCONSO.RRF")
        assert kb.concept_count == len(kept_cuis)
        assert conso_input["accounting"]["kept"] == kept_atoms


def test_preferred_name_and_semantic_types(loaded: dict[str, Path]) -> None:
    with KnowledgeBase(loaded["SAMPLE_NCI"]) as kb:
        mesna = kb.concept("C0000294")
        assert mesna.preferred_name == "Mesna"
        assert "T121" in mesna.semantic_types  # Pharmacologic Substance, per MRSTY
        # MRRANK ranks NCI/PT (0375) highest; C0000005's best-ranked English atom is MSH (only source).
        assert kb.concept("C0000005").preferred_name == "(131)I-MAA"
        # D012711 (Serum Albumin) names two concepts: its entry term 131I-MAA is C0000005.
        assert kb.cuis_for_code("MSH", "D012711") == ["C0000005", "C0036775"]


def test_relation_direction_on_a_real_row(loaded: dict[str, Path]) -> None:
    # MRREL row read by hand in SAMPLE_NCI/MRREL.RRF:
    #   C0010692|A10772984|AUI|RO|C0000294|A11176173|AUI|may_treat|R102806213||NDFRT|...
    # C0010692 is Cystitis, C0000294 is Mesna: the row says "Mesna may_treat Cystitis".
    with duckdb.connect(str(loaded["SAMPLE_NCI"]), read_only=True) as con:
        row = con.execute("SELECT subject_cui, rel, rela, object_cui FROM relation_triples WHERE sab = 'NDFRT' "
                          "AND rela = 'may_treat' AND object_cui = 'C0010692' AND subject_cui = 'C0000294'").fetchall()
        reverse = con.execute("SELECT count(*) FROM relation_triples WHERE rela = 'may_treat' "
                              "AND subject_cui = 'C0010692' AND object_cui = 'C0000294'").fetchone()[0]
        names = dict(con.execute("SELECT cui, preferred_name FROM concepts WHERE cui IN "
                                 "('C0010692', 'C0000294')").fetchall())
    assert row == [("C0000294", "RO", "may_treat", "C0010692")]
    assert reverse == 0
    assert names["C0000294"] == "Mesna"
    assert "cystitis" in names["C0010692"].lower()


@pytest.mark.parametrize("subset", SUBSETS)
def test_sql_and_python_normalization_agree_on_every_name(loaded: dict[str, Path], subset: str) -> None:
    with duckdb.connect(str(loaded[subset]), read_only=True) as con:
        names = con.execute("SELECT str, norm FROM names").fetchall()
    assert len(names) > 5000
    mismatches = [(s, n) for s, n in names if normalize_name(s) != n]
    assert mismatches == []


@pytest.mark.parametrize("subset", SUBSETS)
def test_sql_and_python_inflection_keys_agree_on_every_name(loaded: dict[str, Path], subset: str) -> None:
    with duckdb.connect(str(loaded[subset]), read_only=True) as con:
        con.execute(sql_text("normalize.sql"))
        keys = con.execute("SELECT norm, kb_inflection_key(norm) FROM names").fetchall()
    assert len(keys) > 5000 and sum(norm != key for norm, key in keys) > 500  # plurals are common in names
    assert [(n, k) for n, k in keys if inflection_key(n) != k] == []


def test_optional_hierarchy_loaded(loaded: dict[str, Path]) -> None:
    with duckdb.connect(str(loaded["SAMPLE_NCIM"]), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM hierarchy").fetchone()[0] > 0
