"""Deterministic synthetic UMLS Metathesaurus release.

A real release is licensed and ~9 GB, so tests and benchmarks of the loader run on a synthetic one with
the same file formats, realistic proportions (atoms, relationships, semantic types per concept) and the
irregularities a loader must cope with (ambiguous strings, concepts without semantic type, relationships
to missing concepts, quotes and backslashes in strings).

Generation is DuckDB SQL over row ids (sql/synth/): every value is a hash of (row, salt, seed) or an
enumeration of word combinations, never random(), so the output is byte-identical for a given (concepts,
seed) whatever the thread count; each file is one vectorized COPY, so full scale (3.4M concepts) takes
minutes within a ~3 GB memory limit.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from kebiokg.sqlfiles import sql_text
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

#: Descriptions of the columns that layouts.COLUMN_DESCRIPTIONS leaves out (metadata files).
_EXTRA_COLUMN_DESCRIPTIONS: dict[str, str] = {
    "VCUI": "CUI of the versioned SRC concept for a source",
    "RCUI": "CUI of the root SRC concept for a source",
    "VSAB": "Versioned source abbreviation",
    "RSAB": "Root source abbreviation",
    "SON": "Official name",
    "SF": "Source family",
    "SVER": "Version",
    "VSTART": "Valid start date",
    "VEND": "Valid end date",
    "IMETA": "Metathesaurus version in which first inserted",
    "RMETA": "Metathesaurus version in which removed",
    "SLC": "Source license contact",
    "SCC": "Source content contact",
    "TFR": "Term frequency",
    "CFR": "CUI frequency",
    "CXTY": "Context type",
    "TTYL": "Term type list",
    "ATNL": "Attribute name list",
    "CENC": "Character encoding",
    "CURVER": "Current version flag",
    "SABIN": "Source in subset flag",
    "SSN": "Source short name",
    "SCIT": "Source citation",
    "FIL": "Physical file name",
    "DES": "Descriptive name",
    "FMT": "Comma separated list of COL names",
    "CLS": "Number of columns",
    "RWS": "Number of rows",
    "BTS": "Size in bytes",
    "COL": "Column or attribute name",
    "REF": "Documentation section number",
    "MIN": "Minimum length, characters",
    "AV": "Average length",
    "MAX": "Maximum length, characters",
    "DTY": "SQL-92 data type",
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
    """SQL text of sql/synth/<name> (package data `kebiokg.sql`)."""
    return sql_text(f"synth/{name}")


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
    try:
        rows = _write_data_files(meta, concepts, seed, threads, progress)
        rows.update(_write_metadata(meta, rows))
    except BaseException:
        # A partial MRCONSO.RRF would make every later attempt refuse to run.
        for stem in (*(stem for stem, _ in _SQL_FILES), *_META_FILES):
            (meta / f"{stem}.RRF").unlink(missing_ok=True)
        raise
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


def _write_data_files(
    meta: Path, concepts: int, seed: int, threads: int | None, progress: Callable[[str], None] | None
) -> dict[str, int]:
    """Run the SQL of sql/synth/ in one DuckDB session, spilling next to the output; returns row counts."""
    rows: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix=".synth-spill-", dir=meta.parent) as spill:
        config = {"memory_limit": MEMORY_LIMIT, "temp_directory": spill, "preserve_insertion_order": True}
        if threads is not None:
            config["threads"] = threads
        with duckdb.connect(config=config) as con:
            parameters = {"seed": seed, "concepts": concepts}
            for statement in _statements(_sql("parameters.sql")):
                con.execute(
                    statement, {name: value for name, value in parameters.items() if f"${name}" in statement}
                )
            for name in ("vocabulary.sql", "sequence.sql", "macros.sql"):
                con.execute(_sql(name))
            for stem, prerequisites in _SQL_FILES:
                for name in prerequisites:
                    con.execute(_sql(name))
                path = meta / f"{stem}.RRF"
                (rows[stem],) = con.execute(_sql(f"{stem.lower()}.sql"), {"path": str(path)}).fetchone()
                _report(progress, stem, rows[stem])
    return rows


def _statements(script: str) -> list[str]:
    """Statements of a parameterized script (DuckDB binds parameters one statement at a time)."""
    code = "\n".join(line for line in script.splitlines() if not line.lstrip().startswith("--"))
    return [statement.strip() for statement in code.split(";") if statement.strip()]


def _report(progress: Callable[[str], None] | None, stem: str, count: int) -> None:
    if progress is not None:
        progress(f"{stem}.RRF: {count:,} rows")


def _write_metadata(meta: Path, rows: dict[str, int]) -> dict[str, int]:
    """Write MRCOLS.RRF and MRFILES.RRF describing every file, themselves included; returns their rows.

    Both describe themselves: their column lengths come from a first rendering, and MRFILES, which
    lists its own byte size, is rendered until that size is a fixed point.
    """
    stems = sorted([*rows, *_META_FILES])
    counts = {**rows, "MRCOLS": sum(len(DEFAULT_LAYOUTS[stem]) for stem in stems), "MRFILES": len(stems)}
    sizes = {stem: (meta / f"{stem}.RRF").stat().st_size for stem in rows} | {"MRCOLS": 0, "MRFILES": 0}
    lengths = {stem: _column_lengths(_head_lines(meta / f"{stem}.RRF"), stem) for stem in rows}
    lengths["MRFILES"] = _column_lengths(_mrfiles_text(stems, counts, sizes).splitlines(), "MRFILES")
    lengths["MRCOLS"] = [(0, 0.0, 0)] * len(DEFAULT_LAYOUTS["MRCOLS"])
    lengths["MRCOLS"] = _column_lengths(_mrcols_text(stems, lengths).splitlines(), "MRCOLS")
    mrcols = _mrcols_text(stems, lengths).encode("utf-8")
    (meta / "MRCOLS.RRF").write_bytes(mrcols)

    sizes["MRCOLS"] = len(mrcols)
    for _ in range(10):
        mrfiles = _mrfiles_text(stems, counts, sizes).encode("utf-8")
        if len(mrfiles) == sizes["MRFILES"]:
            break
        sizes["MRFILES"] = len(mrfiles)
    else:
        raise RuntimeError("MRFILES.RRF size did not converge")
    (meta / "MRFILES.RRF").write_bytes(mrfiles)
    return {stem: counts[stem] for stem in _META_FILES}


def _mrfiles_text(stems: Sequence[str], counts: dict[str, int], sizes: dict[str, int]) -> str:
    return "".join(
        _rrf_line(
            (
                f"{stem}.RRF",
                FILE_DESCRIPTIONS[stem],
                ",".join(DEFAULT_LAYOUTS[stem]),
                len(DEFAULT_LAYOUTS[stem]),
                counts[stem],
                sizes[stem],
            )
        )
        for stem in stems
    )


def _mrcols_text(stems: Sequence[str], lengths: dict[str, list[tuple[int, float, int]]]) -> str:
    entries = [
        (column, stem, *lengths[stem][position])
        for stem in stems
        for position, column in enumerate(DEFAULT_LAYOUTS[stem])
    ]
    return "".join(
        _rrf_line(
            (
                column,
                _column_description(column),
                "",
                low,
                f"{mean:.2f}",
                high,
                f"{stem}.RRF",
                _column_type(column, high),
            )
        )
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


def _head_lines(path: Path) -> list[str]:
    """The first STATS_SAMPLE_LINES lines of a file (enough for MRCOLS's rough length statistics)."""
    lines: list[str] = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            lines.append(line.rstrip("\n"))
            if len(lines) == STATS_SAMPLE_LINES:
                break
    return lines


def _column_lengths(lines: Sequence[str], stem: str) -> list[tuple[int, float, int]]:
    """(min, mean, max) length of each column of `stem` over RRF lines."""
    width = len(DEFAULT_LAYOUTS[stem])
    if not lines:
        return [(0, 0.0, 0)] * width
    per_column = list(zip(*(map(len, line.split("|")[:width]) for line in lines), strict=True))
    return [(min(values), sum(values) / len(values), max(values)) for values in per_column]


def clustered_release_rows(clusters: int, size: int) -> dict[str, list[str]]:
    """MRCONSO, MRSTY and MRREL rows of a KB with a clear structure, for knowledge-graph embedding
    tests and benchmarks: `clusters` x `size` concepts; every concept `isa` its cluster's first
    concept, `associated_with` the next one in its cluster (a cycle) and `may_treat` the one at the
    same place in the next cluster; each fact also stated backwards by its inverse, as UMLS states them."""
    n = clusters * size
    cui = [f"C{i + 1:07d}" for i in range(n)]
    facts = []
    for i in range(n):
        cluster, place = divmod(i, size)
        if place:
            facts.append((i, "RN", "isa", cluster * size, "RB", "inverse_isa"))
        if cluster + 1 < clusters:
            facts.append((i, "RO", "may_treat", (cluster + 1) * size + place, "RO", "may_be_treated_by"))
        facts.append((i, "RO", "associated_with", cluster * size + (place + 1) % size, "RO", "associated_to"))
    return {
        "MRCONSO": [f"{cui[i]}|ENG|P|L{i:07d}|PF|S{i:07d}|Y|A{i:07d}||||NCI|PT|N{i:05d}|concept number {i}|0|N||"
                    for i in range(n)],
        "MRSTY": [f"{cui[i]}|T047|B2.2.1.2.1|Disease or Syndrome|AT{i:07d}||" for i in range(n)],
        # an MRREL row CUI1|..|REL|CUI2|..|RELA states: CUI2 RELA CUI1
        "MRREL": [line for k, (s, r, rela, o, ir, irela) in enumerate(facts) for line in (
            f"{cui[o]}||CUI|{r}|{cui[s]}||CUI|{rela}|R{2 * k:07d}||NCI|NCI|||N||",
            f"{cui[s]}||CUI|{ir}|{cui[o]}||CUI|{irela}|R{2 * k + 1:07d}||NCI|NCI|||N||")],
    }
