"""The one name normalization, and its SQL twin, on hard cases."""

from __future__ import annotations

import duckdb
import pytest

from kebiokg.normalize import normalize_name
from kebiokg.sqlfiles import sql_text

CASES = {
    "Sjögren's Syndrome": "sjogrens syndrome",
    "Myocardial Infarction, NOS": "myocardial infarction nos",
    "  (131)I-MAA ": "131 i maa",
    "İstanbul": "istanbul",
    "CRÈME brûlée": "creme brulee",
    "α-synuclein": "synuclein",
    'Sodium "salt" \\ x': "sodium salt x",
    "Crohn’s disease": "crohns disease",
    "---": "",
}


@pytest.mark.parametrize(("text", "expected"), CASES.items())
def test_python_normalization(text: str, expected: str) -> None:
    assert normalize_name(text) == expected


def test_sql_twin_agrees_on_hard_cases() -> None:
    con = duckdb.connect()
    con.execute(sql_text("normalize.sql"))
    texts = list(CASES)
    got = con.execute("SELECT kb_normalize(s) FROM unnest(?) AS t(s)", [texts]).fetchall()
    assert [row[0] for row in got] == [normalize_name(t) for t in texts]
