"""load-umls on tiny releases the tests write: each RRF quirk, each bad input, each filter."""

from __future__ import annotations

import gzip
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from helpers import TINY, write_release

import kebiokg
from kebiokg.errors import KBError
from kebiokg.kb import KnowledgeBase
from kebiokg.sqlfiles import named_statements
from kebiokg.umls_loader import load as load_module
from kebiokg.umls_loader.errors import BadRowError, LoadError
from kebiokg.umls_loader.layouts import RAGGED_FILES
from kebiokg.umls_loader.load import DERIVED_TABLES, LoadOptions, load_umls

MRHIER = "C0000001|A0000002|1|A0000099|MSH||A0000098.A0000099|C14.280||"
MRSAT = "C0000001|L0000001|S0000001|A0000002|AUI|D000001|AT1||MN|MSH|C14.280.647|N||"


def rows(db: Path, sql: str, params=None) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def meta(db: Path, key: str):
    return json.loads(rows(db, "SELECT value FROM kb_meta WHERE key = ?", [key])[0][0])


def table_digest(db: Path) -> dict[str, list[tuple]]:
    """Every derived table's rows, sorted: tables are sets (ids are deterministic, row order is not)."""
    return {t: sorted(rows(db, f"SELECT * FROM {t}"), key=repr) for t in DERIVED_TABLES}


def test_tiny_release_derived_tables(tiny_release: Path, tmp_path: Path) -> None:
    db = tmp_path / "kb.duckdb"
    report = load_umls(tiny_release, db)
    # Three concepts; entity_id dense in CUI order.
    assert rows(db, "SELECT entity_id, cui FROM concepts ORDER BY entity_id") == [
        (0, "C0000001"), (1, "C0000002"), (2, "C0000003")]
    # MRRANK: MSH/MH (0400) beats NCI/PT and NCI/SY, so the MeSH heading is preferred.
    assert rows(db, "SELECT preferred_name FROM concepts WHERE cui = 'C0000001'") == [("Myocardial Infarction",)]
    assert rows(db, "SELECT semantic_types FROM concepts WHERE cui = 'C0000002'") == [(["T109", "T121"],)]
    # STR keeps `"` and `\` as they are (no quoting, no escaping).
    assert rows(db, "SELECT count(*) FROM names WHERE str = ?", ['"MI" \\ infarct']) == [(1,)]
    # Default filters: the Spanish atom and the suppressed (O) atom are not names.
    assert rows(db, "SELECT count(*) FROM names WHERE lat <> 'ENG' OR str = 'acetylsalicylic acid'") == [(0,)]
    assert rows(db, "SELECT norm FROM names WHERE cui = 'C0000003'") == [("sjogrens syndrome",)]
    assert rows(db, "SELECT is_preferred FROM names WHERE str = 'Myocardial Infarction'") == [(True,)]
    assert rows(db, "SELECT cui FROM source_codes WHERE sab = 'MSH' AND code = 'D000001'") == [("C0000001",)]
    assert report.counts["concepts"] == 3
    assert report.counts["concepts_without_semantic_type"] == 1


def test_relation_direction_and_accounting(tiny_release: Path, tmp_path: Path) -> None:
    db = tmp_path / "kb.duckdb"
    report = load_umls(tiny_release, db)
    # MRREL "C0000001|..|RO|C0000002|..|may_treat" states that C0000002 (aspirin) may treat C0000001.
    assert ("C0000002", "may_treat", "C0000001") in rows(
        db, "SELECT subject_cui, rela, object_cui FROM relation_triples")
    # Empty field = NULL.
    assert rows(db, "SELECT rela FROM relation_triples WHERE object_cui = 'C0000001' AND subject_cui = 'C0000003'"
                ) == [(None,)]
    files = {f.name: f for f in report.files}
    assert files["MRREL.RRF"].accounting == {"kept": 3, "unknown_cui": 1, "suppressed": 1}
    assert files["MRCONSO.RRF"].accounting == {"kept": 5, "language": 1, "suppressed": 1}
    for f in report.files:
        assert f.rows == sum(f.accounting.values()), f.name


def test_quirks_last_line_without_newline_empty_file_ragged_mrsab(tmp_path: Path) -> None:
    conso = "".join(line + "\n" for line in TINY["MRCONSO"]).rstrip("\n")  # no final newline
    mrsab = TINY["MRSAB"][:2] + ["C3|C3|SNOMEDCT_US_2024|SNOMEDCT_US|SNOMED CT|"]  # ragged: legal in MRSAB
    release = write_release(tmp_path / "r", {"MRCONSO": conso, "MRDEF": "", "MRSAB": mrsab})
    db = tmp_path / "kb.duckdb"
    report = load_umls(release, db)
    assert report.counts["names"] == 5
    assert report.counts["definitions"] == 0
    assert rows(db, "SELECT rsab, srl FROM sources WHERE rsab = 'SNOMEDCT_US'") == [("SNOMEDCT_US", None)]


def test_gzipped_and_split_pieces_load_like_plain_files(tmp_path: Path) -> None:
    plain_db, gz_db, split_db, bytesplit_db = (tmp_path / f"{n}.duckdb" for n in ("p", "g", "s", "b"))
    load_umls(write_release(tmp_path / "plain"), plain_db)
    load_umls(write_release(tmp_path / "gz", gz=True), gz_db)
    conso = "".join(line + "\n" for line in TINY["MRCONSO"]).encode()
    split = write_release(tmp_path / "split", {"MRCONSO": None})
    cut = conso.index(b"\n", len(conso) // 2) + 1
    (split / "META" / "MRCONSO.RRF.aa.gz").write_bytes(gzip.compress(conso[:cut]))
    (split / "META" / "MRCONSO.RRF.ab.gz").write_bytes(gzip.compress(conso[cut:]))
    load_umls(split, split_db)
    bytesplit = write_release(tmp_path / "bytesplit", {"MRCONSO": None})  # pieces cut mid-line
    (bytesplit / "META" / "MRCONSO.RRF.aa").write_bytes(conso[:100])
    (bytesplit / "META" / "MRCONSO.RRF.ab").write_bytes(conso[100:250])
    (bytesplit / "META" / "MRCONSO.RRF.ac").write_bytes(conso[250:])
    load_umls(bytesplit, bytesplit_db)
    expected = table_digest(plain_db)
    assert table_digest(gz_db) == expected
    assert table_digest(split_db) == expected
    assert table_digest(bytesplit_db) == expected


def test_meta_folder_given_directly_and_mrfiles_layout_honoured(tmp_path: Path) -> None:
    # A release whose MRFILES puts MRDEF's columns in another order.
    mrfiles = ["MRDEF.RRF|Definitions|CUI,SAB,DEF,AUI,ATUI,SATUI,SUPPRESS,CVF|8|1|10|"]
    mrdef = ["C0000001|MSH|Reordered definition.|A0000002|AT0000010||N||"]
    release = write_release(tmp_path / "r", {"MRFILES": mrfiles, "MRDEF": mrdef})
    db = tmp_path / "kb.duckdb"
    load_umls(release / "META", db)
    assert rows(db, "SELECT cui, sab, definition FROM definitions") == [
        ("C0000001", "MSH", "Reordered definition.")]


@pytest.mark.parametrize(
    ("stem", "bad_line", "message"),
    [
        ("MRCONSO", "C0000009|ENG|P|L1|PF|S1|Y|A1||||NCI|PT|N9|too few|", "MRCONSO.RRF:3: expected 18"),
        ("MRCONSO", "C0000009|ENG|P|L1|PF|S1|Y|A1||||NCI|PT|N9|x|0|N||extra|more|",
         "MRCONSO.RRF:3: expected 18"),
        ("MRCONSO", "C0000009|ENG|P|L1|PF|S1|Y|A1||||NCI|PT|N9|x|0|N||extra", "MRCONSO.RRF:3: expected 18"),
        ("MRREL", "C0000001||CUI|RO|C0000002||CUI", "MRREL.RRF:3: expected 16"),
    ],
)
def test_malformed_rows_name_file_and_line(tmp_path: Path, stem: str, bad_line: str, message: str) -> None:
    lines = list(TINY[stem])
    lines.insert(2, bad_line)
    release = write_release(tmp_path / "r", {stem: lines})
    with pytest.raises(BadRowError) as caught:
        load_umls(release, tmp_path / "kb.duckdb")
    assert str(caught.value).startswith(message)
    assert caught.value.line == 3
    assert not (tmp_path / "kb.duckdb").exists()


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
def test_pieces_cut_mid_line_load_whole_and_name_the_piece_of_a_bad_row(tmp_path: Path, gz: bool) -> None:
    conso = "".join(line + "\n" for line in TINY["MRCONSO"]).encode()
    cut = conso.index(b"\n") + 5  # inside line 2: piece ab starts with its rest
    bad = list(TINY["MRCONSO"])
    bad.insert(3, "C0000009|ENG|P|L1|PF|S1|Y|A1||||NCI|PT|N9|too few|")  # line 4
    long = list(TINY["MRCONSO"])
    long[1] += "extra|more|"  # line 2, cut in two by the pieces: neither half has too many fields
    for name, lines in (("good", conso), ("bad", "".join(line + "\n" for line in bad).encode()),
                        ("long", "".join(line + "\n" for line in long).encode())):
        release = write_release(tmp_path / name, {"MRCONSO": None})
        for suffix, part in (("aa", lines[:cut]), ("ab", lines[cut:])):
            path = release / "META" / f"MRCONSO.RRF.{suffix}{'.gz' if gz else ''}"
            path.write_bytes(gzip.compress(part) if gz else part)
    load_umls(tmp_path / "good", tmp_path / "good.duckdb")
    load_umls(write_release(tmp_path / "plain"), tmp_path / "plain.duckdb")
    assert table_digest(tmp_path / "good.duckdb") == table_digest(tmp_path / "plain.duckdb")
    with pytest.raises(BadRowError) as caught:  # the joined file's line 4 is line 3 of piece ab
        load_umls(tmp_path / "bad", tmp_path / "bad.duckdb")
    assert str(caught.value).startswith(f"MRCONSO.RRF.ab{'.gz' if gz else ''}:3: expected 18")
    with pytest.raises(BadRowError) as caught:  # a row cut between pieces is named where it starts
        load_umls(tmp_path / "long", tmp_path / "long.duckdb")
    assert str(caught.value).startswith(f"MRCONSO.RRF.aa{'.gz' if gz else ''}:2: expected 18")


def test_bad_integer_names_file_and_line(tmp_path: Path) -> None:
    lines = list(TINY["MRCONSO"])
    lines.insert(2, "C0000009|ENG|P|L1|PF|S1|Y|A1||||NCI|PT|N9|x|high|N||")
    release = write_release(tmp_path / "r", {"MRCONSO": lines})
    with pytest.raises(BadRowError, match=r"^MRCONSO\.RRF:3: SRL 'high' is not a whole number"):
        load_umls(release, tmp_path / "kb.duckdb")


def test_invalid_utf8_names_file_and_line(tmp_path: Path) -> None:
    conso = "".join(line + "\n" for line in TINY["MRCONSO"]).encode()
    lines = conso.split(b"\n")
    lines[4] = lines[4].replace(b"Aspirin", b"Asp\xff\xfein")
    release = write_release(tmp_path / "r", {"MRCONSO": None})
    (release / "META" / "MRCONSO.RRF").write_bytes(b"\n".join(lines))
    with pytest.raises(BadRowError, match=r"MRCONSO\.RRF:5: invalid UTF-8"):
        load_umls(release, tmp_path / "kb.duckdb")


def test_truncated_gzip_is_a_clear_error(tmp_path: Path) -> None:
    release = write_release(tmp_path / "r", gz=True)
    path = release / "META" / "MRREL.RRF.gz"
    data = gzip.compress(("".join(line + "\n" for line in TINY["MRREL"]) * 50).encode())
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(LoadError, match=r"^MRREL\.RRF: cannot read"):
        load_umls(release, tmp_path / "kb.duckdb")


def test_missing_mrconso_and_missing_folder(tmp_path: Path) -> None:
    release = write_release(tmp_path / "r", {"MRCONSO": None})
    with pytest.raises(LoadError, match="MRCONSO.RRF is missing"):
        load_umls(release, tmp_path / "kb.duckdb")
    with pytest.raises(LoadError, match="no such directory"):
        load_umls(tmp_path / "nowhere", tmp_path / "kb.duckdb")


def test_on_error_skip_counts_bad_rows(tmp_path: Path) -> None:
    lines = list(TINY["MRCONSO"])
    lines.insert(1, "C0000009|ENG|P|L1|PF|S1|Y|A1||||NCI|PT|N9|too few|")
    lines.insert(3, "C0000009|ENG|P|L1|PF|S1|Y|A1||||NCI|PT|N9|x|0|N||extra")
    release = write_release(tmp_path / "r", {"MRCONSO": lines})
    db = tmp_path / "kb.duckdb"
    report = load_umls(release, db, LoadOptions(on_error="skip"))
    conso = next(f for f in report.files if f.name == "MRCONSO.RRF")
    assert conso.rejected == 2
    assert conso.rows == len(lines)
    assert conso.rows == sum(conso.accounting.values())
    assert rows(db, "SELECT count(*) FROM concepts WHERE cui = 'C0000009'") == [(0,)]
    assert meta(db, "on_error") == "skip"


def test_filters_are_honoured_and_recorded(tiny_release: Path, tmp_path: Path) -> None:
    everything = tmp_path / "all.duckdb"
    load_umls(tiny_release, everything, LoadOptions(langs=None, keep_suppressed=True))
    assert rows(everything, "SELECT count(*) FROM names") == [(7,)]
    assert rows(everything, "SELECT count(*) FROM relations") == [(4,)]

    only_nci = tmp_path / "nci.duckdb"
    load_umls(tiny_release, only_nci, LoadOptions(sources=("NCI",)))
    assert rows(only_nci, "SELECT DISTINCT sab FROM names") == [("NCI",)]
    assert rows(only_nci, "SELECT DISTINCT sab FROM relations") == [("NCI",)]

    licence = tmp_path / "srl.duckdb"
    load_umls(tiny_release, licence, LoadOptions(max_srl=3))
    assert rows(licence, "SELECT count(*) FROM concepts WHERE cui = 'C0000003'") == [(0,)]

    drugs = tmp_path / "drugs.duckdb"
    load_umls(tiny_release, drugs, LoadOptions(semantic_types=("Pharmacologic Substance",)))
    assert rows(drugs, "SELECT cui FROM concepts") == [("C0000002",)]
    assert rows(drugs, "SELECT count(*) FROM relations") == [(0,)]
    assert meta(drugs, "filters")["semantic_types"] == ["Pharmacologic Substance"]
    fingerprints = {meta(db, "fingerprint") for db in (everything, only_nci, licence, drugs)}
    assert len(fingerprints) == 4


def test_optional_tables_and_keep_raw(tmp_path: Path) -> None:
    release = write_release(tmp_path / "r", {"MRHIER": [MRHIER], "MRSAT": [MRSAT]})
    db = tmp_path / "kb.duckdb"
    load_umls(release, db, LoadOptions(tables=("MRCONSO", "MRHIER", "MRSAT"), keep_raw=True))
    assert rows(db, "SELECT cui, cxn, ptr FROM hierarchy") == [("C0000001", 1, "A0000098.A0000099")]
    assert rows(db, "SELECT atn, atv FROM attributes") == [("MN", "C14.280.647")]
    assert rows(db, "SELECT count(*) FROM raw_mrconso") == [(len(TINY["MRCONSO"]),)]
    assert rows(db, "SELECT count(*) FROM relations") == [(0,)]  # MRREL was not asked for


def test_existing_kb_needs_force_and_reload_is_identical(tiny_release: Path, tmp_path: Path) -> None:
    db = tmp_path / "kb.duckdb"
    first = load_umls(tiny_release, db)
    before = table_digest(db)
    with pytest.raises(LoadError, match="exists; pass --force"):
        load_umls(tiny_release, db)
    second = load_umls(tiny_release, db, LoadOptions(force=True))
    assert table_digest(db) == before
    assert first.fingerprint == second.fingerprint


def test_failed_load_leaves_previous_kb_intact(tiny_release: Path, tmp_path: Path, monkeypatch) -> None:
    db = tmp_path / "kb.duckdb"
    load_umls(tiny_release, db)
    before = table_digest(db)
    before_fingerprint = meta(db, "fingerprint")

    def explode(self):
        raise RuntimeError("injected failure after the derived tables")

    monkeypatch.setattr(load_module._Builder, "_account", explode)
    with pytest.raises(RuntimeError, match="injected"):
        load_umls(tiny_release, db, LoadOptions(force=True, langs=None))
    assert table_digest(db) == before
    assert meta(db, "fingerprint") == before_fingerprint
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kb.duckdb", "release"]  # no leftovers

    monkeypatch.undo()
    bad = write_release(tmp_path / "bad", {"MRREL": TINY["MRREL"] + ["C0000001|x|"]})
    with pytest.raises(BadRowError):
        load_umls(bad, db, LoadOptions(force=True))
    assert table_digest(db) == before


def test_kb_meta_records_inputs_and_counts(tiny_release: Path, tmp_path: Path) -> None:
    db = tmp_path / "kb.duckdb"
    report = load_umls(tiny_release, db)
    # every step after reading is timed, within the load's own time
    assert set(report.step_seconds) == {*named_statements("derive.sql"), "accounting", "indexes", "checkpoint"}
    assert 0 < sum(report.step_seconds.values()) < report.seconds
    inputs = {i["name"]: i for i in meta(db, "inputs")}
    conso = inputs["MRCONSO.RRF"]
    assert conso["rows"] == len(TINY["MRCONSO"])
    assert conso["bytes"] == (tiny_release / "META" / "MRCONSO.RRF").stat().st_size
    assert meta(db, "release") == "release"
    assert meta(db, "counts")["relations"] == 3
    assert meta(db, "load_seconds") > 0
    assert len(meta(db, "fingerprint")) == 32


def test_non_numeric_cuis_and_empty_cui_fields_are_accounted_for(tmp_path: Path) -> None:
    """NCIm-style CUIs (CL105989) join like standard ones; rows with an empty CUI are counted, not lost."""
    conso = TINY["MRCONSO"] + ["CL105989|ENG|P|L0000099|PF|S0000099|Y|A0000099||||NCI|PT|N099|odd concept|0|N||"]
    rel = TINY["MRREL"] + ["CL105989||CUI|RO|C0000002||CUI|odd_rel|R0000099||NCI|NCI|||N||",
                           "C0000001||CUI|RO|||CUI|empty_cui|R0000098||NCI|NCI|||N||"]
    sty = TINY["MRSTY"] + ["CL105989|T047|B2.2.1.2.1|Disease or Syndrome|AT0000099||",
                           "|T047|B2.2.1.2.1|Disease or Syndrome|AT0000098||"]
    mrdef = TINY["MRDEF"] + ["|A0000002|AT0000097||MSH|No concept.|N||"]
    release = write_release(tmp_path / "r", {"MRCONSO": conso, "MRREL": rel, "MRSTY": sty, "MRDEF": mrdef})
    db = tmp_path / "kb.duckdb"
    report = load_umls(release, db)
    for f in report.files:
        assert f.rows == sum(f.accounting.values()), (f.name, f.accounting)
    files = {f.name: f.accounting for f in report.files}
    assert files["MRREL.RRF"]["unknown_cui"] == 2  # C0009999 and the empty CUI
    assert files["MRDEF.RRF"] == {"kept": 2, "concept_filtered": 1}
    assert rows(db, "SELECT entity_id, preferred_name FROM concepts WHERE cui = 'CL105989'") == [(3, "odd concept")]
    assert rows(db, "SELECT str FROM names WHERE cui = 'CL105989'") == [("odd concept",)]
    assert rows(db, "SELECT subject_cui, rela FROM relation_triples WHERE object_cui = 'CL105989'") == [
        ("C0000002", "odd_rel")]


def test_cuis_that_a_number_cast_would_read_stay_distinct_concepts(tmp_path: Path) -> None:
    """CUIs of eight characters that are not C + 7 digits, though a cast reads a number in them (as 2
    or -1), are concepts of their own: none merges with C0000002, another one, or an NCIm-style CUI."""
    odd = ["C+000002", "C 000002", "C00_0002", "C0x00002", "C-000001", "CL105989"]
    conso = TINY["MRCONSO"] + [f"{cui}|ENG|P|L00001{i}|PF|S00001{i}|Y|A00001{i}||||NCI|PT|N1{i}|odd {i}|0|N||"
                               for i, cui in enumerate(odd)]
    rel = TINY["MRREL"] + [f"{cui}||CUI|RO|C0000001||CUI|rel {i}|R00001{i}||NCI|NCI|||N||" for i, cui in enumerate(odd)]
    release = write_release(tmp_path / "r", {"MRCONSO": conso, "MRREL": rel})
    plain = write_release(tmp_path / "plain")
    load_umls(release, tmp_path / "kb.duckdb")
    load_umls(plain, tmp_path / "plain.duckdb")
    db = tmp_path / "kb.duckdb"
    standard = rows(tmp_path / "plain.duckdb", "SELECT entity_id, cui, preferred_name FROM concepts ORDER BY 1")
    assert rows(db, "SELECT entity_id, cui, preferred_name FROM concepts WHERE entity_id < ? ORDER BY 1",
                [len(standard)]) == standard
    for i, cui in enumerate(odd):
        assert rows(db, "SELECT str FROM names WHERE cui = ?", [cui]) == [(f"odd {i}",)], cui
        assert rows(db, "SELECT subject_cui, rela FROM relation_triples WHERE object_cui = ?", [cui]) == [
            ("C0000001", f"rel {i}")], cui
    assert rows(db, "SELECT count(*) FROM concepts")[0][0] == len(standard) + len(odd)


def test_leftovers_of_a_killed_load_are_removed(tiny_release: Path, tmp_path: Path) -> None:
    dead_pid = 2**22 + 12345  # above Linux's default pid_max: no such process
    (tmp_path / f".kb.duckdb.loading-{dead_pid}").mkdir()
    (tmp_path / f".kb.duckdb.loading-{dead_pid}.duckdb").write_bytes(b"half-written")
    load_umls(tiny_release, tmp_path / "kb.duckdb")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kb.duckdb", "release"]


def test_pieces_cut_mid_line_mixing_gzip_and_plain(tmp_path: Path) -> None:
    conso = "".join(line + "\n" for line in TINY["MRCONSO"]).encode()
    release = write_release(tmp_path / "mixed", {"MRCONSO": None})
    (release / "META" / "MRCONSO.RRF.aa").write_bytes(conso[:150])
    (release / "META" / "MRCONSO.RRF.ab.gz").write_bytes(gzip.compress(conso[150:]))
    load_umls(release, tmp_path / "mixed.duckdb")
    load_umls(write_release(tmp_path / "plain"), tmp_path / "plain.duckdb")
    assert table_digest(tmp_path / "mixed.duckdb") == table_digest(tmp_path / "plain.duckdb")


@pytest.mark.parametrize("stem", ["MRCONSO", "MRSTY", "MRREL", "MRDEF", "MRSAB", "MRRANK", "MRHIER", "MRSAT"])
def test_a_row_with_one_field_too_many_or_too_few_is_named_or_counted(tmp_path: Path, stem: str) -> None:
    """An empty field inserted shifts the columns after it and still ends the row with '|': the
    reader must not take it (nor a row with a field taken out, except in MRSAB and MRRANK)."""
    good = (TINY.get(stem) or [MRHIER if stem == "MRHIER" else MRSAT])[0]
    fields = good.split("|")
    one_more, one_fewer = "|".join([*fields[:2], "", *fields[2:]]), "|".join(fields[:1] + fields[2:])
    release = write_release(tmp_path / "r", {stem: [good, one_more, one_fewer]})
    width = len(fields) - 1
    expected = rf"^{stem}\.RRF:2: expected {width} '\|'-terminated fields, found {width + 1}"
    with pytest.raises(BadRowError, match=expected):
        load_umls(release, tmp_path / "kb.duckdb", LoadOptions(tables=(stem,)))
    report = load_umls(release, tmp_path / "kb.duckdb", LoadOptions(tables=(stem,), on_error="skip"))
    loaded = next(f for f in report.files if f.name == f"{stem}.RRF")
    assert (loaded.rows, loaded.rejected) == (3, 1 if stem in RAGGED_FILES else 2)
    assert loaded.rows == sum(loaded.accounting.values())


@pytest.mark.parametrize(("stem", "row", "message"), [
    ("MRSTY", "C0000001||B2.2.1.2.1|Disease or Syndrome|AT0000009||", r"MRSTY\.RRF:2: empty TUI"),
    ("MRCONSO", "C0000009|ENG|P|L1|PF|S1|Y|A1||||NCI|PT|N9||0|N||", r"MRCONSO\.RRF:2: empty STR"),
    ("MRREL", "C0000002||CUI||C0000001||CUI||R1||NCI|NCI|||N||", r"MRREL\.RRF:2: empty REL"),
])
def test_an_empty_required_field_is_named(tmp_path: Path, stem: str, row: str, message: str) -> None:
    """Fields the derived tables need (their NOT NULL columns) are never silently NULL."""
    release = write_release(tmp_path / "r", {stem: [TINY[stem][0], row]})
    with pytest.raises(BadRowError, match=f"^{message}"):
        load_umls(release, tmp_path / "kb.duckdb")


def test_a_stray_carriage_return_is_named_even_with_skip(tmp_path: Path) -> None:
    """CRLF files load (test_rrf_rows.py); a lone \\r inside a row of a \\n file stops DuckDB's reader."""
    lines = list(TINY["MRSTY"])
    lines[2] = lines[2].replace("Organic", "Organic\r")
    release = write_release(tmp_path / "r", {"MRSTY": lines})
    for on_error in ("fail", "skip"):
        with pytest.raises(BadRowError, match=r"^MRSTY\.RRF:3: .*even with --on-error skip"):
            load_umls(release, tmp_path / "kb.duckdb", LoadOptions(on_error=on_error))


def test_optional_tables_account_for_every_row(tmp_path: Path) -> None:
    mrhier = [MRHIER, "C0000001|A0000001|1|A0000097|NCI||A0000096|C1||",  # another source
              "C0000002|A0000005|1|A0000095|MSH||A0000094|D1||"]  # C0000002 has no MSH atom: not kept
    mrsat = [MRSAT, MRSAT.replace("|N||", "|O||"), MRSAT.replace("|MN|", "||"), MRSAT.replace("|MSH|", "|NCI|"),
             MRSAT.replace("C0000001|", "C0000002|", 1)]
    release = write_release(tmp_path / "r", {"MRHIER": mrhier, "MRSAT": mrsat})
    db = tmp_path / "kb.duckdb"
    report = load_umls(release, db, LoadOptions(tables=("MRHIER", "MRSAT"), sources=("MSH",)))
    files = {f.name: f.accounting for f in report.files}
    assert files["MRHIER.RRF"] == {"kept": 1, "source": 1, "concept_filtered": 1}
    assert files["MRSAT.RRF"] == {"kept": 1, "suppressed": 1, "empty": 1, "source": 1, "concept_filtered": 1}
    assert rows(db, "SELECT (SELECT count(*) FROM hierarchy), (SELECT count(*) FROM attributes)") == [(1, 1)]


@pytest.mark.parametrize(("options", "message"), [
    (LoadOptions(sources=("NCII",)), "of 7 MRCONSO.RRF rows, --sources NCII dropped 5, --lang ENG dropped 1, "
                                     "suppressible (no --keep-suppressed) dropped 1"),
    (LoadOptions(langs=("EGN",)), "of 7 MRCONSO.RRF rows, --lang EGN dropped 7"),
    (LoadOptions(semantic_types=("GENE",)), "--semantic-types GENE dropped 5"),
])
def test_a_load_that_keeps_no_concept_is_an_error(tiny_release: Path, tmp_path: Path, options: LoadOptions,
                                                   message: str) -> None:
    db = tmp_path / "kb.duckdb"
    load_umls(tiny_release, db)
    before = table_digest(db)
    with pytest.raises(LoadError, match=r"^no concepts kept: ") as caught:
        load_umls(tiny_release, db, LoadOptions(**{**options.__dict__, "force": True}))
    assert message in str(caught.value) and "--allow-empty" in str(caught.value)
    assert table_digest(db) == before  # the previous KB is intact
    empty = load_umls(tiny_release, tmp_path / "empty.duckdb", LoadOptions(**{**options.__dict__, "allow_empty": True}))
    assert empty.counts["concepts"] == 0


def test_an_empty_mrconso_is_an_error(tmp_path: Path) -> None:
    release = write_release(tmp_path / "r", {"MRCONSO": ""})
    with pytest.raises(LoadError, match=r"^MRCONSO\.RRF has no rows"):
        load_umls(release, tmp_path / "kb.duckdb")


HOLD_LOCK = """import sys, time
from pathlib import Path
from kebiokg.umls_loader.lock import exclusive_load
with exclusive_load(Path(sys.argv[1])):
    print("locked", flush=True)
    time.sleep(60)
"""


def test_a_second_load_into_the_same_kb_fails_fast_and_a_killed_one_blocks_nothing(tiny_release: Path,
                                                                                   tmp_path: Path) -> None:
    db = tmp_path / "kb.duckdb"
    env = {**os.environ, "PYTHONPATH": str(Path(kebiokg.__file__).parents[1])}
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(db)], stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(LoadError, match=rf"kb\.duckdb: another load into it is running "
                                            rf"\(pid {holder.pid} on {socket.gethostname()}, started 20"):
            load_umls(tiny_release, db)
        assert not db.exists()
    finally:
        holder.kill()  # SIGKILL: no clean-up, the lock file stays behind
        holder.wait()
    load_umls(tiny_release, db)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kb.duckdb", "release"]


def test_the_fingerprint_is_of_the_content(tmp_path: Path) -> None:
    """A same-size edit of one name gives another fingerprint, so an index made from one KB is
    refused by the other; a fingerprint of the former scheme (of file sizes) is refused too."""
    first, second = tmp_path / "first.duckdb", tmp_path / "second.duckdb"
    load_umls(write_release(tmp_path / "a" / "release"), first)
    edited = [line.replace("Aspirin", "Aspiron") for line in TINY["MRCONSO"]]
    load_umls(write_release(tmp_path / "b" / "release", {"MRCONSO": edited}), second)  # the same release name
    assert len({(tmp_path / kb / "release" / "META" / "MRCONSO.RRF").stat().st_size for kb in "ab"}) == 1
    assert meta(first, "fingerprint") != meta(second, "fingerprint")
    old_scheme = "72987f359aeae9cdfdb6760cc04acda9"  # what the former scheme gave the first KB
    with KnowledgeBase(first) as kb:
        for recorded in (meta(second, "fingerprint"), old_scheme):
            with pytest.raises(KBError, match=rf"^index: built from another KB \(fingerprint {recorded}, this KB "):
                kb.check_fingerprint(recorded, "index")
