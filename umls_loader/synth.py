"""Deterministic synthetic UMLS Metathesaurus release.

A real release is licensed and ~9 GB, so tests and benchmarks of the loader run on a synthetic one with
the same file formats, realistic proportions (atoms, relationships, semantic types per concept) and the
irregularities a loader must cope with (ambiguous strings, concepts without semantic type, relationships
to missing concepts, quotes and backslashes in strings).

Generation is DuckDB SQL over row ids (sql/synth/): every value is a hash of (row, seed, salt), so the
output is byte-identical for a given (concepts, seed) whatever the thread count, and full scale (3.4M
concepts) takes minutes within a ~3 GB memory limit.
"""

from __future__ import annotations

import importlib.resources
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from kebiokg.umls_loader.layouts import COLUMN_DESCRIPTIONS, DEFAULT_LAYOUTS, FILE_DESCRIPTIONS

RELEASE_NAME = "2099AA"
#: Concept kinds are laid out in blocks of 100 concepts; fewer would leave kinds empty.
MIN_CONCEPTS = 100
MEMORY_LIMIT = "3GB"
#: Lines per file read back to estimate the column lengths of MRCOLS.
STATS_SAMPLE_LINES = 20_000

#: (file stem, SQL files run before the file is written by the SQL file named after the stem).
_SQL_FILES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("MRCONSO", ()),
    ("MRSTY", ()),
    ("MRDEF", ()),
    ("MRREL", ("rel_keys.sql",)),
    ("MRSAB", ("tty_usage.sql",)),
    ("MRRANK", ()),
)
_META_FILES = ("MRCOLS", "MRFILES")
#: Files written as one value per concept holding several lines: their row count is counted back.
_MULTILINE_FILES = frozenset({"MRCONSO", "MRSTY", "MRDEF"})

#: Descriptions of the columns that layouts.COLUMN_DESCRIPTIONS leaves out (metadata files).
_EXTRA_COLUMN_DESCRIPTIONS: dict[str, str] = {
    "VCUI": "CUI of the versioned SRC concept for a source", "RCUI": "CUI of the root SRC concept for a source",
    "VSAB": "Versioned source abbreviation", "RSAB": "Root source abbreviation", "SON": "Official name",
    "SF": "Source family", "SVER": "Version", "VSTART": "Valid start date", "VEND": "Valid end date",
    "IMETA": "Metathesaurus version in which first inserted",
    "RMETA": "Metathesaurus version in which removed", "SLC": "Source license contact",
    "SCC": "Source content contact", "TFR": "Term frequency", "CFR": "CUI frequency",
    "CXTY": "Context type", "TTYL": "Term type list", "ATNL": "Attribute name list",
    "CENC": "Character encoding", "CURVER": "Current version flag", "SABIN": "Source in subset flag",
    "SSN": "Source short name", "SCIT": "Source citation", "FIL": "Physical file name",
    "DES": "Descriptive name", "FMT": "Comma separated list of COL names", "CLS": "Number of columns",
    "RWS": "Number of rows", "BTS": "Size in bytes", "COL": "Column or attribute name",
    "REF": "Documentation section number", "MIN": "Minimum length, characters",
    "AV": "Average length", "MAX": "Maximum length, characters", "DTY": "SQL-92 data type",
}
_INTEGER_COLUMNS = frozenset({"SRL", "TFR", "CFR", "CLS", "RWS", "BTS", "MIN", "MAX"})
_FIXED_WIDTH_COLUMNS = {"CUI": 8, "CUI1": 8, "CUI2": 8, "TUI": 4, "LAT": 3, "RANK": 4}


@dataclass
class SynthReport:
    """What generate_release wrote: rows and bytes per file stem, and the wall time."""

    out_dir: Path
    concepts: int
    rows: dict[str, int]
    bytes: dict[str, int]
    seconds: float


def _sql(name: str) -> str:
    """SQL text of sql/synth/<name>, from the source tree if present, else from the installed package."""
    local = Path(__file__).resolve().parent.parent / "sql" / "synth" / name
    if local.exists():
        return local.read_text(encoding="utf-8")
    return (importlib.resources.files("kebiokg.sql") / "synth" / name).read_text(encoding="utf-8")


def _rrf_line(fields: Iterable[object]) -> str:
    return "".join(f"{field}|" for field in fields) + "\n"


def generate_release(
    out_dir: Path | str,
    concepts: int = 2000,
    seed: int = 0,
    *,
    threads: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> SynthReport:
    """Write a synthetic release (out_dir/META/*.RRF and out_dir/release.dat) of `concepts` concepts.

    Refuses (ValueError) to write over an existing MRCONSO.RRF.  `threads` defaults to DuckDB's choice;
    it changes speed only, never the output.
    """
    if concepts < MIN_CONCEPTS:
        raise ValueError(f"concepts must be at least {MIN_CONCEPTS}, got {concepts}")
    out = Path(out_dir)
    meta = out / "META"
    if (meta / "MRCONSO.RRF").exists():
        raise ValueError(f"{meta / 'MRCONSO.RRF'} already exists; refusing to overwrite a release")
    meta.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    rows: dict[str, int] = {}

    with tempfile.TemporaryDirectory(prefix=".synth-spill-", dir=out) as spill:
        config = {"memory_limit": MEMORY_LIMIT, "temp_directory": spill, "preserve_insertion_order": True}
        if threads is not None:
            config["threads"] = threads
        with duckdb.connect(config=config) as con:
            parameters = {"seed": seed, "concepts": concepts}
            for statement in _statements(_sql("parameters.sql")):
                con.execute(statement, {name: value for name, value in parameters.items() if f"${name}" in statement})
            for name in ("vocabulary.sql", "sequence.sql", "macros.sql"):
                con.execute(_sql(name))
            for stem, prerequisites in _SQL_FILES:
                for name in prerequisites:
                    con.execute(_sql(name))
                path = meta / f"{stem}.RRF"
                (count,) = con.execute(_sql(f"{stem.lower()}.sql"), {"path": str(path)}).fetchone()
                rows[stem] = _count_lines(path) if stem in _MULTILINE_FILES else count
                _report(progress, stem, rows[stem])

    rows.update(_write_metadata(meta, rows))
    for stem in _META_FILES:
        _report(progress, stem, rows[stem])
    (out / "release.dat").write_text(
        f"umls.release.name={RELEASE_NAME}\n"
        f"umls.release.description=kebiokg synthetic release (seed {seed}, {concepts} concepts)\n"
        "umls.release.date=20990101\n",
        encoding="utf-8",
    )
    sizes = {stem: (meta / f"{stem}.RRF").stat().st_size for stem in rows}
    return SynthReport(out, concepts, rows, sizes, time.perf_counter() - started)


def _statements(script: str) -> list[str]:
    """Statements of a parameterized script (DuckDB binds parameters one statement at a time)."""
    code = "\n".join(line for line in script.splitlines() if not line.lstrip().startswith("--"))
    return [statement.strip() for statement in code.split(";") if statement.strip()]


def _count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 24), b""))


def _report(progress: Callable[[str], None] | None, stem: str, count: int) -> None:
    if progress is not None:
        progress(f"{stem}.RRF: {count:,} rows")


def _write_metadata(meta: Path, rows: dict[str, int]) -> dict[str, int]:
    """Write MRCOLS.RRF and MRFILES.RRF describing every file, themselves included; returns their rows.

    MRFILES lists its own byte size, so it is rendered until that size is a fixed point.
    """
    stems = sorted([*rows, *_META_FILES])
    lengths = {stem: _column_lengths(meta / f"{stem}.RRF", DEFAULT_LAYOUTS[stem]) for stem in rows}
    sizes = {stem: (meta / f"{stem}.RRF").stat().st_size for stem in rows}

    draft_rows = {**rows, "MRCOLS": 0, "MRFILES": len(stems)}
    draft = _mrfiles_text(stems, draft_rows, {**sizes, "MRCOLS": 0, "MRFILES": 0})
    lengths["MRFILES"] = _text_column_lengths(draft.splitlines(), len(DEFAULT_LAYOUTS["MRFILES"]))
    mrcols_count = sum(len(DEFAULT_LAYOUTS[stem]) for stem in stems)
    lengths["MRCOLS"] = [(1, 8.0, 40)] * len(DEFAULT_LAYOUTS["MRCOLS"])
    mrcols = _mrcols_text(stems, lengths)
    lengths["MRCOLS"] = _text_column_lengths(mrcols.splitlines(), len(DEFAULT_LAYOUTS["MRCOLS"]))
    mrcols = _mrcols_text(stems, lengths)
    (meta / "MRCOLS.RRF").write_bytes(mrcols.encode("utf-8"))

    counts = {**rows, "MRCOLS": mrcols_count, "MRFILES": len(stems)}
    sizes["MRCOLS"] = len(mrcols.encode("utf-8"))
    sizes["MRFILES"] = 0
    for _ in range(10):
        mrfiles = _mrfiles_text(stems, counts, sizes).encode("utf-8")
        if len(mrfiles) == sizes["MRFILES"]:
            break
        sizes["MRFILES"] = len(mrfiles)
    else:
        raise RuntimeError("MRFILES.RRF size did not converge")
    (meta / "MRFILES.RRF").write_bytes(mrfiles)
    return {"MRCOLS": mrcols_count, "MRFILES": len(stems)}


def _mrfiles_text(stems: Sequence[str], counts: dict[str, int], sizes: dict[str, int]) -> str:
    return "".join(
        _rrf_line((f"{stem}.RRF", FILE_DESCRIPTIONS[stem], ",".join(DEFAULT_LAYOUTS[stem]),
                   len(DEFAULT_LAYOUTS[stem]), counts[stem], sizes[stem]))
        for stem in stems
    )


def _mrcols_text(stems: Sequence[str], lengths: dict[str, list[tuple[int, float, int]]]) -> str:
    entries = [
        (column, stem, *lengths[stem][position])
        for stem in stems
        for position, column in enumerate(DEFAULT_LAYOUTS[stem])
    ]
    return "".join(
        _rrf_line((column, _column_description(column), "", low, f"{mean:.2f}", high, f"{stem}.RRF",
                   _column_type(column, high)))
        for column, stem, low, mean, high in sorted(entries)
    )


def _column_description(column: str) -> str:
    return COLUMN_DESCRIPTIONS.get(column) or _EXTRA_COLUMN_DESCRIPTIONS.get(column, column)


def _column_type(column: str, max_length: int) -> str:
    """SQL-92 type as MRCOLS gives it: integer counts, char(n) for fixed-width ids, else varchar."""
    if column in _INTEGER_COLUMNS:
        return "integer"
    if column in _FIXED_WIDTH_COLUMNS:
        return f"char({_FIXED_WIDTH_COLUMNS[column]})"
    if column == "AV":
        return "numeric(5,2)"
    return f"varchar({max(10, 10 * -(-max_length // 10))})"


def _column_lengths(path: Path, columns: Sequence[str]) -> list[tuple[int, float, int]]:
    """(min, mean, max) length per column over the first STATS_SAMPLE_LINES lines of an RRF file."""
    lines: list[str] = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            lines.append(line.rstrip("\n"))
            if len(lines) == STATS_SAMPLE_LINES:
                break
    return _text_column_lengths(lines, len(columns))


def _text_column_lengths(lines: Sequence[str], width: int) -> list[tuple[int, float, int]]:
    if not lines:
        return [(0, 0.0, 0)] * width
    per_column = list(zip(*(map(len, line.split("|")[:width]) for line in lines), strict=True))
    return [(min(values), sum(values) / len(values), max(values)) for values in per_column]
