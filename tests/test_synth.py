"""Tests of the synthetic UMLS release generator: RRF format, determinism, proportions, consistency."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from kebiokg.umls_loader import synth
from kebiokg.umls_loader.layouts import DEFAULT_LAYOUTS
from kebiokg.umls_loader.synth import generate_release

CONCEPTS = 1500
SEED = 7
RRF_STEMS = ("MRCONSO", "MRSTY", "MRREL", "MRDEF", "MRSAB", "MRRANK", "MRFILES", "MRCOLS")
INVERSE_REL = {
    "CHD": "PAR",
    "PAR": "CHD",
    "RB": "RN",
    "RN": "RB",
    "RO": "RO",
    "RQ": "RQ",
    "SY": "SY",
    "RL": "RL",
}
DISORDER_TUIS = {"T047", "T191", "T046", "T019", "T037", "T048"}
CHEMICAL_TUIS = {"T121", "T109", "T200", "T195", "T197", "T116", "T129"}


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "release"
    generate_release(out, concepts=CONCEPTS, seed=SEED)
    return out


def read_rows(release: Path, stem: str) -> list[dict[str, str]]:
    """Rows of an RRF file as dicts keyed by the layout's column names (width checked elsewhere)."""
    columns = DEFAULT_LAYOUTS[stem]
    text = (release / "META" / f"{stem}.RRF").read_text(encoding="utf-8")
    return [dict(zip(columns, line.split("|"), strict=False)) for line in text.split("\n")[:-1]]


def file_bytes(release: Path) -> dict[str, bytes]:
    paths = [*(release / "META").glob("*.RRF"), release / "release.dat"]
    return {path.name: path.read_bytes() for path in paths}


def test_writes_all_files_and_release_dat(release: Path) -> None:
    assert sorted(path.stem for path in (release / "META").glob("*.RRF")) == sorted(RRF_STEMS)
    lines = (release / "release.dat").read_text(encoding="utf-8").splitlines()
    assert "umls.release.name=2099AA" in lines
    assert f"umls.release.description=kebiokg synthetic release (seed {SEED}, {CONCEPTS} concepts)" in lines
    assert not any(path.name.startswith(".synth") for path in release.iterdir()), (
        "spill directory left behind"
    )


@pytest.mark.parametrize("stem", RRF_STEMS)
def test_rows_have_exactly_the_layout_fields(release: Path, stem: str) -> None:
    data = (release / "META" / f"{stem}.RRF").read_bytes()
    assert data.endswith(b"\n") and b"\r" not in data
    lines = data.decode("utf-8").split("\n")[:-1]
    assert lines, f"{stem} is empty"
    width = len(DEFAULT_LAYOUTS[stem])
    for number, line in enumerate(lines, 1):
        parts = line.split("|")
        assert len(parts) == width + 1 and parts[-1] == "", f"{stem} line {number}: {line!r}"


def test_report_matches_files(tmp_path: Path) -> None:
    messages: list[str] = []
    report = generate_release(tmp_path / "r", concepts=300, seed=1, progress=messages.append)
    meta = tmp_path / "r" / "META"
    assert report.concepts == 300 and report.out_dir == tmp_path / "r" and report.seconds > 0
    assert set(report.rows) == set(RRF_STEMS) == set(report.bytes)
    for stem in RRF_STEMS:
        data = (meta / f"{stem}.RRF").read_bytes()
        assert report.rows[stem] == data.count(b"\n")
        assert report.bytes[stem] == len(data)
        assert any(message.startswith(f"{stem}.RRF") for message in messages)


def test_same_seed_is_byte_identical_whatever_the_threads(release: Path, tmp_path: Path) -> None:
    generate_release(tmp_path / "again", concepts=CONCEPTS, seed=SEED, threads=1)
    assert file_bytes(tmp_path / "again") == file_bytes(release)


def test_other_seed_gives_other_content(release: Path, tmp_path: Path) -> None:
    generate_release(tmp_path / "other", concepts=CONCEPTS, seed=SEED + 1)
    for name in ("MRCONSO.RRF", "MRREL.RRF", "MRSTY.RRF"):
        assert (tmp_path / "other" / "META" / name).read_bytes() != (release / "META" / name).read_bytes()


def test_refuses_to_overwrite_and_tiny_sizes(release: Path, tmp_path: Path) -> None:
    before = file_bytes(release)
    with pytest.raises(ValueError, match="exists"):
        generate_release(release, concepts=CONCEPTS, seed=SEED)
    assert file_bytes(release) == before
    with pytest.raises(ValueError):
        generate_release(tmp_path / "tiny", concepts=10)


def test_failure_leaves_no_partial_release(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_sql = synth._sql
    monkeypatch.setattr(
        synth, "_sql", lambda name: "SELECT error('boom')" if name == "rel_keys.sql" else real_sql(name)
    )
    with pytest.raises(duckdb.Error, match="boom"):
        generate_release(tmp_path / "r", concepts=300)
    assert not list((tmp_path / "r" / "META").glob("*.RRF"))
    monkeypatch.undo()
    assert generate_release(tmp_path / "r", concepts=300).rows["MRREL"] > 0


def test_mrfiles_describes_real_files(release: Path) -> None:
    entries = {row["FIL"]: row for row in read_rows(release, "MRFILES")}
    assert set(entries) == {f"{stem}.RRF" for stem in RRF_STEMS}
    for stem in RRF_STEMS:
        entry = entries[f"{stem}.RRF"]
        data = (release / "META" / f"{stem}.RRF").read_bytes()
        assert entry["FMT"] == ",".join(DEFAULT_LAYOUTS[stem])
        assert int(entry["CLS"]) == len(DEFAULT_LAYOUTS[stem])
        assert int(entry["RWS"]) == data.count(b"\n")
        assert int(entry["BTS"]) == len(data)


def test_mrcols_has_every_column_of_every_file(release: Path) -> None:
    rows = read_rows(release, "MRCOLS")
    expected = {(column, f"{stem}.RRF") for stem in RRF_STEMS for column in DEFAULT_LAYOUTS[stem]}
    assert {(row["COL"], row["FIL"]) for row in rows} == expected
    assert len(rows) == len(expected)
    for row in rows:
        assert re.fullmatch(r"integer|numeric\(\d+,\d+\)|(var)?char\(\d+\)", row["DTY"]), row
        assert int(row["MIN"]) <= float(row["AV"]) <= int(row["MAX"]), row
    concept_ids = [row for row in rows if row["COL"] == "CUI" and row["FIL"] == "MRCONSO.RRF"]
    assert concept_ids[0]["MIN"] == concept_ids[0]["MAX"] == "8"


def test_proportions_are_realistic(release: Path) -> None:
    per_concept = {
        stem: len(read_rows(release, stem)) / CONCEPTS for stem in ("MRCONSO", "MRREL", "MRSTY", "MRDEF")
    }
    assert 3 <= per_concept["MRCONSO"] <= 8
    assert 10 <= per_concept["MRREL"] <= 30
    assert 1.0 <= per_concept["MRSTY"] <= 1.4
    assert 0.15 <= per_concept["MRDEF"] <= 0.5
    atoms = Counter(row["CUI"] for row in read_rows(release, "MRCONSO"))
    assert len(atoms) == CONCEPTS
    assert min(atoms.values()) == 1 and 12 <= max(atoms.values()) <= 15


def test_mrconso_identifiers_and_order(release: Path) -> None:
    rows = read_rows(release, "MRCONSO")
    cuis = [row["CUI"] for row in rows]
    assert cuis == sorted(cuis) and cuis[0] == "C0000001"
    assert all(re.fullmatch(r"C\d{7}", cui) for cui in cuis)
    auis = [row["AUI"] for row in rows]
    assert len(set(auis)) == len(auis) and all(re.fullmatch(r"A\d{8}", aui) for aui in auis)
    assert all(re.fullmatch(r"L\d{7,}", row["LUI"]) and re.fullmatch(r"S\d{7,}", row["SUI"]) for row in rows)
    assert {row["TS"] for row in rows} == {"P", "S"} and {row["ISPREF"] for row in rows} == {"Y", "N"}
    assert {row["STT"] for row in rows} >= {"PF", "VC", "VO"}
    mesh = [row for row in rows if row["SAB"] == "MSH"]
    assert mesh and all(
        re.fullmatch(r"[DC]\d{6}", row["CODE"]) and row["SDUI"] == row["CODE"] for row in mesh
    )
    # Each concept has exactly one preferred atom (TS P, STT PF, ISPREF Y) and it comes first.
    first = {}
    for row in rows:
        first.setdefault(row["CUI"], row)
    assert all((row["TS"], row["STT"], row["ISPREF"]) == ("P", "PF", "Y") for row in first.values())


def test_strings_are_varied_and_consistent(release: Path) -> None:
    rows = read_rows(release, "MRCONSO")
    strings = [row["STR"] for row in rows]
    assert sum('"' in s for s in strings) > 10
    assert sum("\\" in s for s in strings) > 10
    assert sum("[" in s for s in strings) > 10
    assert sum(any(ord(ch) > 127 for ch in s) for s in strings) > 10
    assert all(s and s == s.strip() and "|" not in s for s in strings)
    languages = Counter(row["LAT"] for row in rows)
    assert {"ENG", "SPA", "FRE", "GER"} <= set(languages)
    assert 0.04 <= 1 - languages["ENG"] / len(rows) <= 0.2
    suppress = Counter(row["SUPPRESS"] for row in rows)
    assert set(suppress) <= {"N", "O", "E", "Y"} and len(suppress) >= 3
    assert 0.01 <= 1 - suppress["N"] / len(rows) <= 0.12
    # A SUI names one string; one string (in one language) has one SUI, even across concepts.
    assert len({(row["SUI"], row["STR"]) for row in rows}) == len({row["SUI"] for row in rows})
    assert len({(row["STR"], row["LAT"], row["SUI"]) for row in rows}) == len(
        {(row["STR"], row["LAT"]) for row in rows}
    )
    preferred = Counter(
        row["STR"] for row in rows if (row["TS"], row["STT"], row["ISPREF"]) == ("P", "PF", "Y")
    )
    assert len(preferred) >= 0.9 * CONCEPTS, "names should mostly differ"
    assert max(preferred.values()) >= 2, "a few names should be ambiguous"
    assert len(set(strings)) / len(strings) > 0.5


def test_sources_are_consistent_across_files(release: Path) -> None:
    atoms = read_rows(release, "MRCONSO")
    sources = {row["RSAB"]: row for row in read_rows(release, "MRSAB")}
    assert set(sources) == {row["SAB"] for row in atoms}
    assert len(sources) >= 8
    per_source = Counter(row["SAB"] for row in atoms)
    concepts_per_source = Counter(sab for _, sab in {(row["CUI"], row["SAB"]) for row in atoms})
    for sab, source in sources.items():
        assert int(source["TFR"]) == per_source[sab] and int(source["CFR"]) == concepts_per_source[sab]
        assert source["CURVER"] == source["SABIN"] == "Y" and source["SON"]
        assert {row["SRL"] for row in atoms if row["SAB"] == sab} == {source["SRL"]}
        assert {row["LAT"] for row in atoms if row["SAB"] == sab} == {source["LAT"]}
        assert set(source["TTYL"].split(",")) == {row["TTY"] for row in atoms if row["SAB"] == sab}
    ranks = read_rows(release, "MRRANK")
    assert {(row["SAB"], row["TTY"]) for row in ranks} == {(row["SAB"], row["TTY"]) for row in atoms}
    assert all(re.fullmatch(r"\d{4}", row["RANK"]) for row in ranks)
    by_rank = {(row["SAB"], row["TTY"]): int(row["RANK"]) for row in ranks}
    assert by_rank[("MSH", "MH")] > by_rank[("MSH", "ENTRY")]
    assert by_rank[("SNOMEDCT_US", "PT")] > by_rank[("SNOMEDCT_US", "SY")]


def test_semantic_types(release: Path) -> None:
    rows = read_rows(release, "MRSTY")
    assert all(re.fullmatch(r"T\d{3}", row["TUI"]) for row in rows)
    assert (
        len({(row["TUI"], row["STN"], row["STY"]) for row in rows}) == len({row["TUI"] for row in rows}) >= 15
    )
    assert len({row["ATUI"] for row in rows}) == len(rows)
    assert len({(row["CUI"], row["TUI"]) for row in rows}) == len(rows), (
        "a type is listed twice for a concept"
    )
    typed = {row["CUI"] for row in rows}
    untyped = {row["CUI"] for row in read_rows(release, "MRCONSO")} - typed
    assert 0 < len(untyped) < 0.03 * CONCEPTS
    assert max(Counter(row["CUI"] for row in rows).values()) >= 2


def test_relationships_come_in_inverse_pairs(release: Path) -> None:
    concepts = {row["CUI"] for row in read_rows(release, "MRCONSO")}
    rows = read_rows(release, "MRREL")
    assert len({row["RUI"] for row in rows}) == len(rows)
    dangling = [row for row in rows if row["CUI1"] not in concepts or row["CUI2"] not in concepts]
    assert 0 < len(dangling) < 0.01 * len(rows)
    assert all(row["CUI1"] in concepts for row in dangling)
    linked = [row for row in rows if row["CUI1"] in concepts and row["CUI2"] in concepts]
    for row in rows:
        assert row["STYPE1"] == ("AUI" if row["AUI1"] else "CUI") and row["STYPE2"] == (
            "AUI" if row["AUI2"] else "CUI"
        )
        assert row["SL"] == row["SAB"]
    forward = Counter((r["CUI1"], r["AUI1"], r["CUI2"], r["AUI2"], r["SAB"], r["REL"]) for r in linked)
    backward = Counter(
        (r["CUI2"], r["AUI2"], r["CUI1"], r["AUI1"], r["SAB"], INVERSE_REL[r["REL"]]) for r in linked
    )
    assert forward == backward
    # RELA labels pair up consistently (an involution) with the expected inverse labels.
    unique = {key for key, count in forward.items() if count == 1}
    rela = {(r["CUI1"], r["AUI1"], r["CUI2"], r["AUI2"], r["SAB"], r["REL"]): r["RELA"] for r in linked}
    pairs = {
        (label, rela[(k[2], k[3], k[0], k[1], k[4], INVERSE_REL[k[5]])])
        for k, label in rela.items()
        if k in unique
    }
    inverse = dict(pairs)
    assert len(inverse) == len(pairs) and all(inverse[b] == a for a, b in pairs)
    assert inverse["isa"] == "inverse_isa" and inverse["may_treat"] == "may_be_treated_by"
    assert (
        inverse["has_finding_site"] == "finding_site_of"
        and inverse.get("associated_with") == "associated_with"
    )
    assert sum(not r["RELA"] for r in rows) > 0
    assert all(r["CUI1"] == r["CUI2"] and r["AUI1"] and r["AUI2"] for r in rows if r["REL"] == "SY")
    assert {r["SUPPRESS"] for r in rows} >= {"N", "O"} and sum(
        r["SUPPRESS"] != "N" for r in rows
    ) < 0.05 * len(rows)


def test_relationship_partners_make_sense(release: Path) -> None:
    types: dict[str, set[str]] = {}
    for row in read_rows(release, "MRSTY"):
        types.setdefault(row["CUI"], set()).add(row["TUI"])
    treats = [row for row in read_rows(release, "MRREL") if row["RELA"] == "may_treat"]
    assert treats
    # "CUI2 may_treat CUI1": a drug treating a disorder.
    drugs_ok = sum(bool(types.get(row["CUI2"], set()) & CHEMICAL_TUIS) for row in treats)
    disorders_ok = sum(bool(types.get(row["CUI1"], set()) & DISORDER_TUIS) for row in treats)
    assert drugs_ok >= 0.95 * len(treats) and disorders_ok >= 0.95 * len(treats)


def test_definitions(release: Path) -> None:
    atoms = {row["AUI"]: row for row in read_rows(release, "MRCONSO")}
    rows = read_rows(release, "MRDEF")
    assert all(row["AUI"] in atoms and atoms[row["AUI"]]["CUI"] == row["CUI"] for row in rows)
    assert all(atoms[row["AUI"]]["SAB"] == row["SAB"] and atoms[row["AUI"]]["LAT"] == "ENG" for row in rows)
    assert sum('"' in row["DEF"] for row in rows) > 5
    assert len({row["ATUI"] for row in rows}) == len(rows)
    assert all(len(row["DEF"].split()) >= 5 for row in rows)
