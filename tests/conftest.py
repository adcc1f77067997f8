"""Shared fixtures: tiny RRF releases written per test, and the real data in ../shared/data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import write_release

ROOT = Path(__file__).resolve().parent.parent


def shared_data() -> Path | None:
    """The real-data folder: $KEBIOKG_DATA, else ../shared/data next to the project."""
    candidate = Path(os.environ.get("KEBIOKG_DATA", ROOT.parent / "shared" / "data"))
    return candidate if candidate.is_dir() else None


@pytest.fixture(scope="session")
def real_data() -> Path:
    data = shared_data()
    if data is None:
        pytest.skip("real data not present (set KEBIOKG_DATA)")
    return data


@pytest.fixture
def tiny_release(tmp_path: Path) -> Path:
    return write_release(tmp_path / "release")


@pytest.fixture(scope="session")
def synthetic_kb(tmp_path_factory) -> Path:
    """A loaded KB of a generated release (600 concepts, relations of every kind the generator writes)."""
    from kebiokg.umls_loader.load import load_umls
    from kebiokg.umls_loader.synth import generate_release

    root = tmp_path_factory.mktemp("synthetic-kb")
    generate_release(root / "release", concepts=600, seed=3)
    load_umls(root / "release", root / "kb.duckdb")
    return root / "kb.duckdb"
