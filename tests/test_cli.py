"""The `kebiokg` command: load-umls, stats, and one-line errors with a non-zero exit."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from helpers import TINY, write_release

from kebiokg import artefacts
from kebiokg.cli.main import main


def invoke(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_load_then_stats(tiny_release: Path, tmp_path: Path) -> None:
    db = tmp_path / "kb.duckdb"
    result = invoke("load-umls", tiny_release, "--db", db, "--quiet")
    assert result.exit_code == 0, result.output
    assert db.exists()
    result = invoke("stats", "--db", db)
    assert result.exit_code == 0, result.output
    assert "release      release" in result.output
    assert "Disease or Syndrome" in result.output
    assert "may_treat" in result.output
    stats = json.loads(invoke("stats", "--db", db, "--json").stdout)
    assert stats["counts"]["concepts"] == 3
    assert stats["filters"]["langs"] == ["ENG"]


def test_load_options_reach_the_loader(tiny_release: Path, tmp_path: Path) -> None:
    db = tmp_path / "kb.duckdb"
    result = invoke("load-umls", tiny_release, "--db", db, "--lang", "all", "--keep-suppressed",
                    "--sources", "NCI,MSH,MSHSPA", "--max-srl", "3", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["counts"]["concepts"] == 2
    stats = json.loads(invoke("stats", "--db", db, "--json").stdout)
    assert stats["filters"] == {"langs": None, "keep_suppressed": True, "sources": ["NCI", "MSH", "MSHSPA"],
                                "max_srl": 3, "semantic_types": None}


def one_line_error(result, expected: str) -> None:
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("kebiokg: error: ")
    assert expected in lines[0]
    assert "Traceback" not in result.output


def test_errors_are_one_line(tiny_release: Path, tmp_path: Path) -> None:
    db = tmp_path / "kb.duckdb"
    one_line_error(invoke("load-umls", tmp_path / "missing", "--db", db), "no such directory")
    one_line_error(invoke("stats", "--db", db), "no such KB")
    assert invoke("load-umls", tiny_release, "--db", db, "--quiet").exit_code == 0
    one_line_error(invoke("load-umls", tiny_release, "--db", db, "--quiet"), "pass --force")
    (tmp_path / "other.duckdb").write_bytes(b"not a database")
    one_line_error(invoke("stats", "--db", tmp_path / "other.duckdb"), "not a valid DuckDB database file")
    import duckdb

    duckdb.connect(str(tmp_path / "plain.duckdb")).close()
    one_line_error(invoke("stats", "--db", tmp_path / "plain.duckdb"), "not a kebiokg KB")
    bad = tiny_release / "META" / "MRSTY.RRF"
    bad.write_text(bad.read_text() + "C0000001|T047|\n")
    one_line_error(invoke("load-umls", tiny_release, "--db", db, "--force", "--quiet"), "MRSTY.RRF:4: expected 6")
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("", encoding="utf-8")
    one_line_error(invoke("pretrain", "--head-only", "--db", db, "--corpus", corpus, "--out", tmp_path / "m"),
                   "--head-only trains a plain masked LM's head")


def test_query_commands(tiny_release: Path, tmp_path: Path) -> None:
    db, index = tmp_path / "kb.duckdb", tmp_path / "index"
    assert invoke("load-umls", tiny_release, "--db", db, "--quiet").exit_code == 0
    result = invoke("concept", "C0000001", "--db", db)
    assert result.exit_code == 0 and "Myocardial Infarction" in result.output and "may_treat" in result.output
    details = json.loads(invoke("concept", "C0000001", "--db", db, "--json").stdout)
    assert details["concept"]["preferred_name"] == "Myocardial Infarction"
    result = invoke("neighbors", "C0000001", "--db", db, "--rela", "may_treat", "--json")
    assert [(e["subject_cui"], e["object_cui"]) for e in json.loads(result.stdout)] == [("C0000002", "C0000001")]
    result = invoke("path", "C0000002", "C0000003", "--db", db)
    assert result.exit_code == 0 and "Sjögren's syndrome (C0000003)" in result.output
    result = invoke("build-index", "--db", db, "--out", index, "--quiet")
    assert result.exit_code == 0, result.output
    result = invoke("nearest", "hart attack", "--db", db, "--index", index, "-k", "2")
    assert result.exit_code == 0 and "C0000001" in result.output.splitlines()[2]
    queries = tmp_path / "queries.txt"
    queries.write_text("aspirin\n\nmyocardial infarction\n", encoding="utf-8")
    lines = invoke("nearest", "--queries", queries, "--db", db, "--index", index, "--json").stdout.splitlines()
    parsed = [json.loads(line) for line in lines]
    assert [p["query"] for p in parsed] == ["aspirin", "", "myocardial infarction"]
    assert [p["hits"][0]["cui"] if p["hits"] else None for p in parsed] == ["C0000002", None, "C0000001"]
    keyed = tmp_path / "keyed"
    assert invoke("build-index", "--db", db, "--out", keyed, "--inflections", "--quiet").exit_code == 0
    assert json.loads((keyed / "index.json").read_text())["encoder"]["inflections"] is True
    [plural, singular] = [json.loads(invoke("nearest", query, "--db", db, "--index", keyed, "--json").stdout)
                          for query in ("heart attacks", "heart attack")]
    assert plural["hits"][0]["score"] == singular["hits"][0]["score"] and plural["hits"][0]["cui"] == "C0000001"


def test_query_errors_are_one_line(tiny_release: Path, tmp_path: Path) -> None:
    db, other = tmp_path / "kb.duckdb", tmp_path / "other.duckdb"
    invoke("load-umls", tiny_release, "--db", db, "--quiet")
    invoke("load-umls", tiny_release, "--db", other, "--quiet", "--lang", "all")
    invoke("build-index", "--db", other, "--out", tmp_path / "idx", "--quiet")
    one_line_error(invoke("concept", "C0000404", "--db", db), "C0000404 is not in this KB")
    one_line_error(invoke("concept", "heart", "--db", db), "is not a CUI")
    one_line_error(invoke("neighbors", "C0000003", "--db", db, "--rel", "PAR"), "no relations matching")
    one_line_error(invoke("nearest", "x", "--db", db, "--index", tmp_path / "idx"), "built from another KB")
    one_line_error(invoke("nearest", "x", "--db", db, "--index", tmp_path / "none"), "no index here")
    invoke("build-index", "--db", db, "--out", tmp_path / "own", "--quiet")
    one_line_error(invoke("nearest", "heart", "--db", db, "--index", tmp_path / "own", "--semantic-types", "Diseese"),
                   "'Diseese': not a TUI, semantic type name or semantic group")
    one_line_error(invoke("build-index", "--db", db, "--out", tmp_path / "ivf", "--kind", "ivf", "--nlist", "100000"),
                   "more IVF lists than the")
    queries = tmp_path / "queries.txt"
    queries.write_bytes("aspirin\nSj\u00f6gren\n".encode("latin-1"))
    one_line_error(invoke("nearest", "--queries", queries, "--db", db, "--index", tmp_path / "own"),
                   f"{queries}:2: not UTF-8 text (invalid start byte at column 3)")
    one_line_error(CliRunner().invoke(main, ["nearest", "--queries", "-", "--db", str(db), "--index",
                                             str(tmp_path / "own")], input=b"\xff\n"), "<stdin>:1: not UTF-8 text")
    for option in ("--nprobe", "--batch-size"):
        result = invoke("nearest", "heart", "--db", db, "--index", tmp_path / "own", option, "0")
        assert result.exit_code == 2 and "is not in the range x>=1" in result.output


def test_codes_are_taken_in_any_case(tmp_path: Path) -> None:
    """REL, RELA, SAB and CUIs typed in any case match, RELA also where UMLS writes it in mixed case (NCI)."""
    subsumes = "C0000003||CUI|RN|C0000002||CUI|Subsumes|R0000009||NCI|NCI|||N||"
    release = write_release(tmp_path / "release", {"MRREL": [*TINY["MRREL"], subsumes]})
    db = tmp_path / "kb.duckdb"
    assert invoke("load-umls", release, "--db", db, "--quiet").exit_code == 0

    def edges(*args: str) -> set[tuple[str, str, str]]:
        result = invoke(*args, "--db", db, "--json")
        assert result.exit_code == 0, result.output
        return {(e["subject_cui"], e["rela"] or e["rel"], e["object_cui"]) for e in json.loads(result.stdout)}

    assert edges("neighbors", "c0000001", "--rel", "rb") == {("C0000003", "RB", "C0000001")}
    assert edges("neighbors", "C0000001", "--rela", "MAY_Treat") == {("C0000002", "may_treat", "C0000001")}
    assert edges("neighbors", "C0000002", "--rela", "subsumes") == {("C0000002", "Subsumes", "C0000003")}
    assert edges("neighbors", "C0000001", "--sources", "mth", "--rel", "Rb,rO") == {("C0000003", "RB", "C0000001")}
    assert edges("path", "c0000002", "c0000003", "--rela", "SUBSUMES") == {("C0000002", "Subsumes", "C0000003")}
    lower = tmp_path / "lower.duckdb"
    assert invoke("load-umls", release, "--db", lower, "--sources", "nci,msh", "--quiet").exit_code == 0
    assert json.loads(invoke("stats", "--db", lower, "--json").stdout)["filters"]["sources"] == ["NCI", "MSH"]


def test_a_missing_model_folder_is_one_line_and_a_hub_id_still_goes_to_the_hub(tmp_path: Path, monkeypatch) -> None:
    """A path-like --model that does not exist is refused before anything loads; `owner/name` is a hub id."""
    monkeypatch.chdir(tmp_path)
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("x\n", encoding="utf-8")
    for value in ("./missing", "/no/such/model", "~/no-such-model", "a/b/c", "models\\bert"):
        for args in (["probe", "--model", value, "--probe", corpus, "--out", tmp_path / "r"],
                     ["finetune", "ner", "--model", value, "--train", corpus, "--dev", corpus, "--test", corpus,
                      "--out", tmp_path / "f"],
                     ["pretrain", "--objective", "mlm", "--base-model", value, "--corpus", corpus, "--out", tmp_path],
                     ["nearest", "x", "--db", corpus, "--model", value],
                     ["build-probe", "--db", corpus, "--out", tmp_path / "p.jsonl", "--tokenizer", value]):
            result = invoke(*args)
            assert result.exit_code == 2 and f"{value}: no such model folder" in result.output, result.output
            assert len(result.output.strip().splitlines()) == 1
    result = invoke("nearest", "x", "--db", corpus, "--model", "owner/name")  # no hub for nearest: local only
    assert result.exit_code == 2 and "owner/name: no such model folder" in result.output
    from kebiokg.cli.values import ModelSource

    assert ModelSource().convert("owner/name", None, None) == "owner/name"  # the hub's form: left to the hub
    assert ModelSource().convert("bert-base-uncased", None, None) == "bert-base-uncased"
    (tmp_path / "owner" / "name").mkdir(parents=True)
    assert ModelSource(hub=False).convert("owner/name", None, None) == "owner/name"  # a local folder wins


def test_a_damaged_index_is_one_line_and_verify_compares_checksums(tiny_release: Path, tmp_path: Path,
                                                                    monkeypatch) -> None:
    """A truncated names.bin gave hits with empty names and exit 0; an altered one is found by --verify."""
    db, index = tmp_path / "kb.duckdb", tmp_path / "index"
    assert invoke("load-umls", tiny_release, "--db", db, "--quiet").exit_code == 0
    assert invoke("build-index", "--db", db, "--out", index, "--quiet").exit_code == 0
    names = index / "names.bin"
    data = names.read_bytes()
    names.write_bytes(data[:-5])
    one_line_error(invoke("nearest", "aspirin", "--db", db, "--index", index),
                   "names.bin has 68 bytes, 73 when written (truncated or damaged); rebuild it with "
                   "`kebiokg build-index`")
    names.write_bytes(data.replace(b"Aspirin", b"Asperin"))
    monkeypatch.setattr(artefacts, "CHEAP_BYTES", 0)  # a large index: sizes only, unless asked
    assert invoke("nearest", "aspirin", "--db", db, "--index", index).exit_code == 0
    one_line_error(invoke("nearest", "aspirin", "--db", db, "--index", index, "--verify"),
                   "names.bin differs from the file written (sha256 checksum; damaged)")
