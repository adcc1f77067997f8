"""The `kebiokg` command: load-umls, stats, and one-line errors with a non-zero exit."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

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
    (tmp_path / "other.duckdb").write_bytes(b"")
    one_line_error(invoke("stats", "--db", tmp_path / "other.duckdb"), "not a kebiokg KB")
    bad = tiny_release / "META" / "MRSTY.RRF"
    bad.write_text(bad.read_text() + "C0000001|T047|\n")
    one_line_error(invoke("load-umls", tiny_release, "--db", db, "--force", "--quiet"), "MRSTY.RRF:4: expected 6")
