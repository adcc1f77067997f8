"""The SQLAlchemy declarations (kebiokg/schema.py) match sql/schema.sql, column by column."""

from __future__ import annotations

from pathlib import Path

import duckdb
import sqlalchemy as sa

from kebiokg import schema
from kebiokg.umls_loader.load import LoadOptions, load_umls

DUCKDB_TYPES = {sa.Integer: "INTEGER", sa.String: "VARCHAR", sa.Boolean: "BOOLEAN"}


def declared_type(column: sa.Column) -> str:
    if isinstance(column.type, sa.ARRAY):
        return DUCKDB_TYPES[type(column.type.item_type)] + "[]"
    return DUCKDB_TYPES[type(column.type)]


def test_declared_tables_match_the_loaded_kb(tiny_release: Path, tmp_path: Path) -> None:
    db = tmp_path / "kb.duckdb"
    load_umls(tiny_release, db, LoadOptions(tables=("MRCONSO", "MRSTY", "MRREL", "MRDEF", "MRSAB",
                                                    "MRRANK", "MRHIER", "MRSAT")))
    with duckdb.connect(str(db), read_only=True) as con:
        actual = {}
        for table, column, data_type, nullable in con.execute(
            "SELECT c.table_name, c.column_name, c.data_type, c.is_nullable FROM information_schema.columns c "
            "JOIN information_schema.tables t USING (table_schema, table_name) "
            "WHERE c.table_schema = 'main' AND t.table_type = 'BASE TABLE' ORDER BY c.table_name, c.ordinal_position"
        ).fetchall():
            actual.setdefault(table, []).append((column, data_type, nullable == "YES"))
    declared = {
        name: [(c.name, declared_type(c), c.nullable) for c in table.columns]
        for name, table in schema.metadata.tables.items()
    }
    assert declared == actual
