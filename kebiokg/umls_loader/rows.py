"""What a well-formed RRF row is: one rule, as a SQL expression for the loading pass and in Python
to find the first malformed row. DuckDB's reader counts malformed rows in its one pass but cannot
say on which line a row it read has a wrong field count, so the error path reads the file again.

A row is a line; lines end with \\n, \\r\\n or \\r, and blank lines are not rows. A row holds exactly
as many '|'-terminated fields as its file's layout (rows of RAGGED_FILES may stop early), is valid
UTF-8, has a value in each REQUIRED column and digits in each INTEGER column.
"""

from __future__ import annotations

import gzip
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from .layouts import RAGGED_FILES

INTEGER_COLUMNS = frozenset({"SRL", "RANK", "CXN"})
# Columns the derived tables cannot do without (their NOT NULL columns come from them).
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "MRCONSO": ("LAT", "SAB", "TTY", "STR"),
    "MRSTY": ("TUI",),
    "MRREL": ("REL",),
    "MRRANK": ("RANK", "SAB", "TTY"),
}
TRAILING = "_trailing"  # what follows a row's last '|': empty in a well-formed row
WHOLE_NUMBER = "[0-9]{1,9}"  # any 9 digits fit an INTEGER
_WHOLE_NUMBER = re.compile(WHOLE_NUMBER)


@dataclass(frozen=True)
class RowRule:
    """The rule for the rows of one file."""

    stem: str
    layout: tuple[str, ...]

    # Cached: the error path asks for each row of a file (it reads ~400,000 rows per second).
    @cached_property
    def ragged(self) -> bool:
        return self.stem in RAGGED_FILES

    @cached_property
    def required(self) -> tuple[tuple[int, str], ...]:
        """(position, column) of the columns that must not be empty."""
        return tuple((i, col) for i, col in enumerate(self.layout) if col in REQUIRED_COLUMNS.get(self.stem, ()))

    @cached_property
    def integers(self) -> tuple[tuple[int, str], ...]:
        """(position, column) of the columns that hold whole numbers."""
        return tuple((i, col) for i, col in enumerate(self.layout) if col in INTEGER_COLUMNS)

    def bad_sql(self) -> str:
        """True for a malformed row of DuckDB's read (every column VARCHAR, empty fields '', fields a
        short row lacks NULL). Rows with too many fields never get here: the reader rejects them."""
        tests = [f"coalesce({TRAILING}, '') <> ''" if self.ragged else f"{TRAILING} IS DISTINCT FROM ''"]
        tests += [f"coalesce(\"{col}\", '') = ''" for _, col in self.required]
        tests += [f"coalesce(\"{col}\" <> '' AND NOT regexp_full_match(\"{col}\", '{WHOLE_NUMBER}'), false)"
                  for _, col in self.integers]
        return " OR ".join(tests)

    def problem(self, row: bytes) -> str | None:
        """Why a row (a line without its line break) is malformed; None when it is well-formed."""
        try:
            text = row.decode("utf-8")
        except UnicodeDecodeError:
            return "invalid UTF-8"
        fields = text.split("|")
        width = len(self.layout)
        bars = len(fields) - 1
        if bars > width or (bars == width and fields[-1]) or (bars < width and not self.ragged):
            found = bars if not fields[-1] else f"{bars} and {fields[-1][:20]!r} after the last '|'"
            return f"expected {width} '|'-terminated fields, found {found}: {text[:80]!r}"
        for i, col in self.required:
            if i > bars or not fields[i]:
                return f"empty {col} (a required field): {text[:80]!r}"
        for i, col in self.integers:
            if i <= bars and fields[i] and not _WHOLE_NUMBER.fullmatch(fields[i]):
                return f"{col} {fields[i][:20]!r} is not a whole number: {text[:80]!r}"
        return None


def lines(path: Path) -> Iterator[tuple[int, bytes, str]]:
    """(line number, row without its line break, the line break) of each line of a file, gzipped
    or not; line breaks as DuckDB's reader knows them (\\n, \\r\\n, \\r)."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as raw:
        # latin-1 maps bytes one to one, so the text is the bytes and universal newlines split it
        for line_no, line in enumerate(io.TextIOWrapper(raw, encoding="latin-1", newline=""), start=1):
            row = line.rstrip("\r\n")
            yield line_no, row.encode("latin-1"), line[len(row):]


def first_malformed(pieces: list[Path], rule: RowRule, breaks: bool = False) -> tuple[Path, int, str] | None:
    """(file, line, problem) of the first malformed row of a file's pieces; with `breaks`, also of
    the first line that ends otherwise than line 1 (where the reader stops: a stray \\r)."""
    for path in pieces:
        first_break = None
        for line_no, row, brk in lines(path):
            first_break = first_break or brk
            if breaks and brk and brk != first_break:
                return path, line_no, f"a stray line break {brk!r} (line 1 ends with {first_break!r})"
            problem = rule.problem(row) if row else None
            if problem:
                return path, line_no, problem
    return None
