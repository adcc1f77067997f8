"""The installed distribution holds every package and the SQL (a non-editable install works)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from setuptools import find_packages

ROOT = Path(__file__).resolve().parent.parent


def test_every_package_folder_is_found_at_its_import_path() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert "package-dir" not in config  # folders are their import paths: no remapping
    found = set(find_packages(ROOT, include=config["packages"]["find"]["include"]))
    folders = {".".join(init.parent.relative_to(ROOT).parts) for init in (ROOT / "kebiokg").rglob("__init__.py")}
    assert found == folders
    assert {"kebiokg.cli", "kebiokg.umls_loader", "kebiokg.sql"} <= found


def test_sql_is_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    patterns = config["package-data"]["kebiokg.sql"]
    sql = ROOT / "kebiokg" / "sql"
    shipped = {p for pattern in patterns for p in sql.glob(pattern)}
    assert shipped == set(sql.rglob("*.sql"))
