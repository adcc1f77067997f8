"""The RRF reader against random rows: every row is loaded exactly as written, or named by
FILE:LINE (--on-error fail), or counted as rejected (--on-error skip), and the counts add up."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from helpers import write_release
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kebiokg.umls_loader.errors import BadRowError
from kebiokg.umls_loader.layouts import DEFAULT_LAYOUTS
from kebiokg.umls_loader.load import STAGE_ORDER, LoadOptions, load_umls
from kebiokg.umls_loader.rows import RowRule

# Pieces of a field: each either always valid UTF-8 or never (whatever surrounds it).
VALID = ["a", "Z", "0", "7", " ", "\t", '"', "'", "\\", ",", ";", "é", "中", "😀", "C0000001", "T047"]
INVALID = [b"\xff", b"\xfe", b"\x80", b"\xc0\xaf", b"\xed\xa0\x80", b"\xe4\xb8!"]
# file -> (columns that must not be empty, columns that must hold digits, whether rows may stop early)
FILES = {
    "MRSTY": ({"TUI"}, set(), False),
    "MRDEF": (set(), set(), False),
    "MRRANK": ({"RANK", "SAB", "TTY"}, {"RANK"}, True),
}


@dataclass
class Row:
    fields: list[bytes]  # '|'-terminated fields
    tail: bytes  # what follows the last '|'
    invalid: bool  # holds bytes that are not UTF-8

    def line(self) -> bytes:
        return b"".join(f + b"|" for f in self.fields) + self.tail

    def well_formed(self, stem: str) -> bool:
        required, integers, ragged = FILES[stem]
        layout = DEFAULT_LAYOUTS[stem]
        width = len(self.fields)
        if self.invalid or width > len(layout) or (width == len(layout) and self.tail):
            return False
        if width < len(layout) and not ragged:
            return False
        values = dict(zip(layout, [*self.fields, self.tail], strict=False))
        return (all(values.get(c) for c in required)
                and all(values.get(c, b"").isdigit() or not values.get(c) for c in integers)
                and all(len(values.get(c, b"")) <= 9 for c in integers))

    def values(self, stem: str) -> tuple:
        """The row as --keep-raw stores it: text, NULL for an empty or missing field, integers."""
        layout = DEFAULT_LAYOUTS[stem]
        fields = [*self.fields, self.tail] if len(self.fields) < len(layout) else self.fields
        texts = [f.decode() or None for f in fields] + [None] * (len(layout) - len(fields))
        return tuple(int(t) if t is not None and c in FILES[stem][1] else t for c, t in zip(layout, texts, strict=True))


@st.composite
def fields(draw, digits: bool = False) -> tuple[bytes, bool]:
    """A field: often one a well-formed row may hold, else anything (empty, long, not UTF-8)."""
    if draw(st.booleans()):
        if digits:
            return draw(st.text("0123456789", min_size=1, max_size=4)).encode(), False
        return "".join(draw(st.lists(st.sampled_from(VALID), min_size=1, max_size=3))).encode(), False
    if digits and draw(st.booleans()):
        return draw(st.text("0123456789", max_size=11)).encode(), False
    parts = draw(st.lists(st.one_of(st.sampled_from(VALID).map(str.encode), st.sampled_from(INVALID)), max_size=4))
    return b"".join(parts), any(p in INVALID for p in parts)


@st.composite
def rows(draw, stem: str) -> Row:
    layout = DEFAULT_LAYOUTS[stem]
    width = draw(st.one_of(st.just(len(layout)), st.integers(0, len(layout) + 2)))
    drawn = [draw(fields(digits=col in FILES[stem][1])) for col in (*layout, "", "")[:width]]
    tail, tail_invalid = draw(st.one_of(st.just((b"", False)), fields()))
    return Row([f for f, _ in drawn], tail, tail_invalid or any(bad for _, bad in drawn))


@st.composite
def files(draw, stem: str) -> tuple[list[Row | None], str, bool]:
    """(rows (None: a blank line), line break, whether the last line ends with one)."""
    lines = draw(st.lists(st.one_of(rows(stem), st.none()), min_size=1, max_size=8))
    return lines, draw(st.sampled_from(["\n", "\r\n", "\r"])), draw(st.booleans())


def raw_rows(db: Path, stem: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return sorted(con.execute(f"SELECT * FROM raw_{stem.lower()}").fetchall(), key=repr)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.fixed_dictionaries({stem: files(stem) for stem in FILES}))
def test_every_row_is_loaded_as_written_named_or_counted(tmp_path_factory, release_files) -> None:
    release = write_release(tmp_path_factory.mktemp("release"), dict.fromkeys(FILES))
    written, bad = {}, {}
    for stem, (lines, brk, final_break) in release_files.items():
        text = brk.encode().join(b"" if row is None else row.line() for row in lines) + brk.encode() * final_break
        (release / "META" / f"{stem}.RRF").write_bytes(text)
        written[stem] = [(n, row) for n, row in enumerate(lines, start=1) if row is not None and row.line()]
        bad[stem] = [n for n, row in written[stem] if not row.well_formed(stem)]
        rule = RowRule(stem, DEFAULT_LAYOUTS[stem])  # the error path's rule agrees, row by row
        assert [n for n, row in written[stem] if rule.problem(row.line())] == bad[stem], stem
    db = release / "kb.duckdb"
    options = LoadOptions(tables=tuple(FILES), keep_raw=True, force=True)

    first_bad = next(((stem, lines[0]) for stem in STAGE_ORDER for lines in [bad.get(stem)] if lines), None)
    if first_bad:
        with pytest.raises(BadRowError) as caught:
            load_umls(release, db, options)
        assert str(caught.value).startswith("{}.RRF:{}: ".format(*first_bad)), (release_files, str(caught.value))

    report = load_umls(release, db, dataclasses.replace(options, on_error="skip"))
    for stem in FILES:
        loaded = next(f for f in report.files if f.name == f"{stem}.RRF")
        assert (loaded.rows, loaded.rejected) == (len(written[stem]), len(bad[stem])), stem
        assert sum(loaded.accounting.values()) == loaded.rows
        expected = sorted((row.values(stem) for _, row in written[stem] if row.well_formed(stem)), key=repr)
        assert raw_rows(db, stem) == expected, stem
