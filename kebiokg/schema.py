"""SQLAlchemy declarations of the KB's derived tables (the twin of sql/schema.sql).

duckdb-engine cannot reflect DuckDB tables (`autoload_with` fails), so the tables are declared
here; `tests/test_schema.py` checks every column and type against a freshly loaded KB.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

kb_meta = sa.Table(
    "kb_meta", metadata,
    sa.Column("key", sa.String, nullable=False),
    sa.Column("value", sa.String, nullable=False),
)

concepts = sa.Table(
    "concepts", metadata,
    sa.Column("entity_id", sa.Integer, nullable=False),
    sa.Column("cui", sa.String, nullable=False),
    sa.Column("preferred_name", sa.String, nullable=False),
    sa.Column("semantic_types", sa.ARRAY(sa.String), nullable=False),
)

names = sa.Table(
    "names", metadata,
    sa.Column("name_id", sa.Integer, nullable=False),
    sa.Column("cui", sa.String, nullable=False),
    sa.Column("str", sa.String, nullable=False),
    sa.Column("norm", sa.String, nullable=False),
    sa.Column("lat", sa.String, nullable=False),
    sa.Column("sab", sa.String, nullable=False),
    sa.Column("tty", sa.String, nullable=False),
    sa.Column("rank", sa.Integer, nullable=False),
    sa.Column("is_preferred", sa.Boolean, nullable=False),
)

source_codes = sa.Table(
    "source_codes", metadata,
    sa.Column("sab", sa.String, nullable=False),
    sa.Column("code", sa.String, nullable=False),
    sa.Column("cui", sa.String, nullable=False),
)

relations = sa.Table(
    "relations", metadata,
    sa.Column("subject_id", sa.Integer, nullable=False),
    sa.Column("rel", sa.String, nullable=False),
    sa.Column("rela", sa.String),
    sa.Column("object_id", sa.Integer, nullable=False),
    sa.Column("sab", sa.String),
)

semantic_types = sa.Table(
    "semantic_types", metadata,
    sa.Column("cui", sa.String, nullable=False),
    sa.Column("tui", sa.String, nullable=False),
    sa.Column("stn", sa.String),
    sa.Column("sty", sa.String),
)

definitions = sa.Table(
    "definitions", metadata,
    sa.Column("cui", sa.String, nullable=False),
    sa.Column("sab", sa.String),
    sa.Column("definition", sa.String, nullable=False),
)

sources = sa.Table(
    "sources", metadata,
    sa.Column("rsab", sa.String),
    sa.Column("vsab", sa.String),
    sa.Column("son", sa.String),
    sa.Column("srl", sa.Integer),
    sa.Column("lat", sa.String),
    sa.Column("curver", sa.String),
)

name_ranks = sa.Table(
    "name_ranks", metadata,
    sa.Column("rank", sa.Integer, nullable=False),
    sa.Column("sab", sa.String, nullable=False),
    sa.Column("tty", sa.String, nullable=False),
    sa.Column("suppress", sa.String),
)

hierarchy = sa.Table(
    "hierarchy", metadata,
    sa.Column("cui", sa.String, nullable=False),
    sa.Column("aui", sa.String),
    sa.Column("cxn", sa.Integer),
    sa.Column("paui", sa.String),
    sa.Column("sab", sa.String),
    sa.Column("rela", sa.String),
    sa.Column("ptr", sa.String),
    sa.Column("hcd", sa.String),
)

attributes = sa.Table(
    "attributes", metadata,
    sa.Column("cui", sa.String, nullable=False),
    sa.Column("metaui", sa.String),
    sa.Column("stype", sa.String),
    sa.Column("code", sa.String),
    sa.Column("atn", sa.String, nullable=False),
    sa.Column("sab", sa.String),
    sa.Column("atv", sa.String),
)
