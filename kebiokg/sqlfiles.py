"""Access to the SQL shipped in `sql/` (package data `kebiokg.sql`)."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

_NAME = re.compile(r"^-- name: (\S+)\s*$", re.MULTILINE)


@cache
def sql_text(filename: str) -> str:
    """The whole text of a file in sql/ (e.g. "schema.sql" or "synth/mrconso.sql")."""
    return resources.files("kebiokg.sql").joinpath(filename).read_text(encoding="utf-8")


@cache
def named_statements(filename: str) -> dict[str, str]:
    """Statements of a file split at `-- name: X` markers, in file order."""
    parts = _NAME.split(sql_text(filename))
    return {name: body.strip() for name, body in zip(parts[1::2], parts[2::2], strict=True)}
