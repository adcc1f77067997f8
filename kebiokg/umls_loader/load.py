"""RRF -> DuckDB: one typed, projected DuckDB CSV pass per file, derived tables in SQL, an atomic move.

The KB is built in a temporary file next to the target and moved into place only when every step
succeeded, so a failed or interrupted load never touches an existing KB.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from kebiokg import __version__
from kebiokg.errors import KebiokgError
from kebiokg.progress import NullProgress, Progress, Task
from kebiokg.semantic_groups import parse_semantic_types
from kebiokg.sqlfiles import named_statements, sql_text

from .errors import BadRowError, LoadError
from .files import Release, RRFFile, open_release, piece_ends_mid_line
from .layouts import RAGGED_FILES

DEFAULT_TABLES: tuple[str, ...] = ("MRCONSO", "MRSTY", "MRREL", "MRDEF", "MRSAB", "MRRANK")
OPTIONAL_TABLES: tuple[str, ...] = ("MRHIER", "MRSAT")

# The columns each file's staging reads (projection is most of the speed): a plain projection for
# most files, sql/stage.sql's flagged SELECT for MRCONSO, MRREL and MRDEF. A release whose layout
# lacks one of them is refused.
STAGED_COLUMNS: dict[str, tuple[str, ...]] = {
    "MRCONSO": ("CUI", "LAT", "TS", "STT", "ISPREF", "SAB", "TTY", "CODE", "STR", "SRL", "SUPPRESS"),
    "MRSTY": ("CUI", "TUI", "STN", "STY"),
    "MRREL": ("CUI1", "REL", "CUI2", "RELA", "SAB", "SUPPRESS"),
    "MRDEF": ("CUI", "SAB", "DEF", "SUPPRESS"),
    "MRSAB": ("RSAB", "VSAB", "SON", "SRL", "LAT", "CURVER"),
    "MRRANK": ("RANK", "SAB", "TTY", "SUPPRESS"),
    "MRHIER": ("CUI", "AUI", "CXN", "PAUI", "SAB", "RELA", "PTR", "HCD"),
    "MRSAT": ("CUI", "METAUI", "STYPE", "CODE", "ATN", "SAB", "ATV", "SUPPRESS"),
}
# Staging order: MRSTY and MRRANK before MRCONSO (its filters use them), MRCONSO before the rest.
STAGE_ORDER: tuple[str, ...] = ("MRRANK", "MRSAB", "MRSTY", "MRCONSO", "MRREL", "MRDEF", "MRHIER", "MRSAT")
INTEGER_COLUMNS = frozenset({"SRL", "RANK", "CXN"})
DERIVED_TABLES: tuple[str, ...] = (
    "concepts", "names", "source_codes", "relations", "semantic_types", "definitions", "sources",
    "name_ranks",
)
TRAILING = "_trailing"  # the empty field after each row's final '|'


@dataclass(frozen=True)
class LoadOptions:
    """What to load and which filters the derived tables honour (all recorded in kb_meta)."""

    langs: tuple[str, ...] | None = ("ENG",)  # None = every language
    keep_suppressed: bool = False  # default keeps SUPPRESS='N' rows only
    sources: tuple[str, ...] | None = None  # None = every source
    max_srl: int | None = None  # licence restriction level; None = no limit
    semantic_types: tuple[str, ...] | None = None  # TUIs, STY names or semantic groups; None = every type
    tables: tuple[str, ...] = DEFAULT_TABLES
    keep_raw: bool = False
    on_error: str = "fail"  # or "skip": skip bad rows and count them
    force: bool = False
    memory_limit: str = "3GB"
    threads: int | None = None

    def filters(self) -> dict:
        return {
            "langs": list(self.langs) if self.langs else None,
            "keep_suppressed": self.keep_suppressed,
            "sources": list(self.sources) if self.sources else None,
            "max_srl": self.max_srl,
            "semantic_types": list(self.semantic_types) if self.semantic_types else None,
        }


@dataclass
class FileReport:
    name: str
    pieces: list[str]
    bytes: int
    rows: int = 0
    rejected: int = 0
    seconds: float = 0.0
    missing: bool = False
    accounting: dict[str, int] = field(default_factory=dict)


@dataclass
class LoadReport:
    db_path: Path
    release: str
    fingerprint: str
    seconds: float
    files: list[FileReport]
    counts: dict[str, int]


def load_umls(source: Path | str, db_path: Path | str, options: LoadOptions = LoadOptions(),
              progress: Progress | None = None) -> LoadReport:
    """Load the release at `source` (a release root or META folder) into a new KB at `db_path`."""
    progress = progress or NullProgress()
    db_path = Path(db_path)
    if options.on_error not in ("fail", "skip"):
        raise LoadError(f"on_error must be 'fail' or 'skip', not {options.on_error!r}")
    unknown = set(options.tables) - set(DEFAULT_TABLES) - set(OPTIONAL_TABLES)
    if unknown:
        raise LoadError(f"unknown table(s) {', '.join(sorted(unknown))}; "
                        f"choose from {', '.join(DEFAULT_TABLES + OPTIONAL_TABLES)}")
    release = open_release(source)
    if "MRCONSO" not in release.files:
        raise LoadError(f"{release.meta_dir}: MRCONSO.RRF is missing")
    if db_path.exists() and not options.force:
        raise LoadError(f"{db_path} exists; pass --force to replace it")
    db_path.parent.mkdir(parents=True, exist_ok=True)

    _remove_stale_loads(db_path)
    work = db_path.with_name(f".{db_path.name}.loading-{os.getpid()}")
    tmp_db = work.with_suffix(work.suffix + ".duckdb")
    _remove(work, tmp_db)
    work.mkdir()
    try:
        started = time.perf_counter()
        with duckdb.connect(str(tmp_db)) as con:
            report = _Builder(con, release, options, progress, work, started).build()
        report.seconds = time.perf_counter() - started
        _replace_kb(tmp_db, db_path)
        report.db_path = db_path
        return report
    finally:
        _remove(work, tmp_db)


def _replace_kb(new: Path, target: Path) -> None:
    """Move the new KB over the target. An old KB's WAL is set aside first (a WAL left next to the
    new file would be replayed into it) and restored if the move fails."""
    wal = Path(str(target) + ".wal")
    aside = Path(str(target) + ".wal.old")
    if wal.exists():
        os.replace(wal, aside)
    try:
        os.replace(new, target)
    except OSError:
        if aside.exists():
            os.replace(aside, wal)
        raise
    if aside.exists():
        aside.unlink()


def _remove_stale_loads(db_path: Path) -> None:
    """Remove what killed loads into the same KB left behind (their process no longer exists)."""
    for leftover in db_path.parent.glob(f".{db_path.name}.loading-*"):
        pid = leftover.name.rsplit("-", 1)[-1].split(".", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            _remove(leftover)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove(*paths: Path) -> None:
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            for candidate in (path, Path(str(path) + ".wal")):
                if candidate.exists():
                    candidate.unlink()


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class _Builder:
    """One load: stage files, derive tables, account for every row, index, record metadata."""

    def __init__(self, con: duckdb.DuckDBPyConnection, release: Release, options: LoadOptions,
                 progress: Progress, work: Path, started: float) -> None:
        self.con = con
        self.started = started  # perf_counter() at the start of the load, for kb_meta.load_seconds
        self.release = release
        self.options = options
        self.progress = progress
        self.work = work
        self.joined_pieces: dict[str, list[tuple[str, int, bool]]] = {}  # joined file -> where its pieces start
        self.reports: dict[str, FileReport] = {}
        self.semantic_types: list[str] | None = None  # TUIs of --semantic-types, once MRSTY is staged

    def build(self) -> LoadReport:
        con, options = self.con, self.options
        con.execute(f"SET memory_limit = {_sql_string(options.memory_limit)}")
        con.execute(f"SET temp_directory = {_sql_string(str(self.work / 'spill'))}")
        # Tables are sets; ids come from explicit orders. Unordered inserts are ~2x faster here.
        con.execute("SET preserve_insertion_order = false")
        if options.threads:
            con.execute(f"SET threads = {int(options.threads)}")
        con.execute(sql_text("normalize.sql"))
        con.execute(sql_text("schema.sql"))
        wanted = set(options.tables) | {"MRCONSO"}
        for stem in STAGE_ORDER:
            if stem == "MRCONSO":  # its type filter is resolved against the release's own type names
                self.semantic_types = self._semantic_type_filter()
            if stem in wanted:
                self._stage(stem)
            elif stem in DEFAULT_TABLES:
                self._empty_stage(stem)
        self._derive(wanted)
        counts = self._account()
        with self.progress.task("indexes") as task:
            task.note("building")
            con.execute(sql_text("indexes.sql"))
        fingerprint = self._write_meta(counts)
        for temp in con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall():
            con.execute(f"DROP TABLE temp.{temp[0]}")
        con.execute("CHECKPOINT")
        return LoadReport(Path(), self.release.name, fingerprint, 0.0, list(self.reports.values()), counts)

    # -- staging ------------------------------------------------------------------------------

    def _stage(self, stem: str) -> None:
        rrf = self.release.files.get(stem)
        layout = self.release.layout(stem)
        missing = [col for col in STAGED_COLUMNS[stem] if col not in layout]
        if missing:
            raise LoadError(f"{stem}.RRF: the release's layout (MRFILES.RRF) lacks column(s) "
                            f"{', '.join(missing)}")
        table = f"stage_{stem.lower()}"
        if rrf is None:  # a file the release does not ship: recorded, and an empty stage
            self._empty_stage(stem)
            self.reports[stem] = FileReport(f"{stem}.RRF", [], 0, missing=True)
            return
        report = FileReport(rrf.name, [p.name for p in rrf.pieces], rrf.size)
        self.reports[stem] = report
        started = time.perf_counter()
        source = self._scan_sql(rrf, layout)
        with self.progress.task(f"{rrf.name:<12}", total=report.bytes, unit="B") as task:
            if self.options.keep_raw:
                raw_cols = ", ".join(f'"{col}" AS {col}' for col in layout)
                self._run(f"CREATE TABLE raw_{stem.lower()} AS SELECT {raw_cols}, {TRAILING} FROM {source}",
                          rrf, task, report.bytes)
                source = f"raw_{stem.lower()}"
            select = self._stage_select(stem, source)
            self._run(f"CREATE TEMP TABLE {table} AS {select}", rrf, task,
                      0 if self.options.keep_raw else report.bytes, self._params_for(select))
        report.rejected = self._check_rows(stem, rrf, layout, table, stem not in named_statements("stage.sql"))
        # Rows skipped with --on-error skip are counted once, as rejected (flagged stages keep them).
        staged, still_there = self.con.execute(
            f"SELECT count(*), count(*) FILTER (WHERE _extra) FROM {table}").fetchone()
        report.rows = staged - still_there + report.rejected
        report.seconds = time.perf_counter() - started

    def _semantic_type_filter(self) -> list[str] | None:
        """--semantic-types as TUIs (see `kebiokg.semantic_groups`), type names read from MRSTY."""
        names: dict[str, set[str]] = {}
        for tui, sty in self.con.execute("SELECT DISTINCT tui, sty FROM stage_mrsty WHERE tui IS NOT NULL").fetchall():
            names.setdefault(sty or "", set()).add(tui)
        try:
            tuis = parse_semantic_types(self.options.semantic_types, names)
        except KebiokgError as exc:
            raise LoadError(f"--semantic-types {exc}") from exc
        return sorted(tuis) if tuis is not None else None

    def _empty_stage(self, stem: str) -> None:
        """The stage of a file not loaded: the same columns as a real one, no rows."""
        layout = self.release.layout(stem)
        columns = ", ".join(f'NULL::{self._type(col)} AS "{col}"' for col in layout)
        self.con.execute(f"CREATE TEMP TABLE stage_{stem.lower()} AS "
                         f"{self._stage_select(stem, f'(SELECT {columns}, NULL::VARCHAR AS {TRAILING} LIMIT 0)')}",
                         self._params_for(self._stage_select(stem, "x")))

    def _stage_select(self, stem: str, source: str) -> str:
        """The staging SELECT of a file: its flagged statement in stage.sql, else a projection."""
        flagged = named_statements("stage.sql").get(stem)
        if flagged:
            return flagged.rstrip(";").format(source=source)
        staged = ", ".join(f'"{col}" AS {col.lower()}' for col in STAGED_COLUMNS[stem])
        return f"SELECT {staged}, {TRAILING} IS NOT NULL AS _extra FROM {source}"

    def _type(self, column: str) -> str:
        return "INTEGER" if column in INTEGER_COLUMNS else "VARCHAR"

    def _scan_sql(self, rrf: RRFFile, layout: tuple[str, ...]) -> str:
        paths = [str(p) for p in self._readable_pieces(rrf)]
        columns = ", ".join(f"{_sql_string(col)}: {_sql_string(self._type(col))}" for col in layout)
        stem = rrf.stem.lower()
        return (
            f"read_csv([{', '.join(_sql_string(p) for p in paths)}], delim='|', quote='', escape='', "
            f"header=false, auto_detect=false, columns={{{columns}, '{TRAILING}': 'VARCHAR'}}, "
            f"null_padding={'true' if rrf.stem in RAGGED_FILES else 'false'}, "
            f"store_rejects=true, rejects_table='rejects_{stem}', rejects_scan='reject_scans_{stem}')"
        )

    def _readable_pieces(self, rrf: RRFFile) -> list[Path]:
        """Pieces as DuckDB reads them; pieces split mid-line (split -b) are joined into one file."""
        if len(rrf.pieces) > 1 and any(piece_ends_mid_line(p) for p in rrf.pieces[:-1]):
            joined = self.work / rrf.name
            # (piece, newlines before it, whether its first line continues a row): errors name the piece
            # and line where a row starts
            starts, lines, last = [], 0, b"\n"
            with open(joined, "wb") as out:
                for piece in rrf.pieces:
                    starts.append((piece.name, lines, last != b"\n"))
                    opener = gzip.open if piece.suffix == ".gz" else open
                    with opener(piece, "rb") as handle:
                        while chunk := handle.read(1 << 22):
                            out.write(chunk)
                            lines += chunk.count(b"\n")
                            last = chunk[-1:]
            self.joined_pieces[str(joined)] = starts
            return [joined]
        return list(rrf.pieces)

    def _run(self, sql: str, rrf: RRFFile, task: Task, total_bytes: int, params: dict | None = None) -> None:
        """Run one long statement in a worker thread, reporting DuckDB's progress in bytes."""
        failure: list[BaseException] = []

        def work() -> None:
            try:
                self.con.execute(sql, params or {})
            except BaseException as exc:  # re-raised in the caller's thread
                failure.append(exc)

        worker = threading.Thread(target=work, daemon=True)
        worker.start()
        try:
            while worker.is_alive():
                worker.join(0.2)
                if total_bytes:
                    done = self.con.query_progress()
                    if done >= 0:
                        task.update(total_bytes * done / 100.0)
        except BaseException:  # Ctrl-C: stop the query before the connection and files go away
            self.con.interrupt()
            worker.join()
            raise
        if failure:
            exc = failure[0]
            if isinstance(exc, duckdb.Error):
                first = str(exc).strip().splitlines()[0]
                raise LoadError(f"{rrf.name}: cannot read: {first}") from exc
            raise exc

    def _check_rows(self, stem: str, rrf: RRFFile, layout: tuple[str, ...], table: str, delete: bool) -> int:
        """Raise on the first bad row (fail) or drop and count bad rows (skip)."""
        low = stem.lower()
        rejects = self.con.execute(
            f"SELECT s.file_path, e.line, min(e.error_type), min(e.error_message), min(e.csv_line) "
            f"FROM rejects_{low} e JOIN reject_scans_{low} s USING (scan_id, file_id) "
            f"GROUP BY s.file_id, s.file_path, e.line ORDER BY s.file_id, e.line"
        ).fetchall()
        extra = self.con.execute(f"SELECT count(*) FROM {table} WHERE _extra").fetchone()[0]
        if self.options.on_error == "fail" and (rejects or extra):
            if rejects:
                path, line, kind, message, text = rejects[0]
                raise BadRowError(*self._piece_line(path, line), _describe(kind, message, text, len(layout)),
                                  len(rejects) + extra)
            joined = str(self.work / rrf.name)
            pieces = [Path(joined)] if joined in self.joined_pieces else list(rrf.pieces)
            path, line_no, text = _first_long_row(pieces, len(layout))
            name, line_no = self._piece_line(path, line_no) if path else (rrf.name, None)
            raise BadRowError(name, line_no, _describe("TOO MANY COLUMNS", "", text, len(layout)), extra)
        if extra and delete:  # flagged stages mark these rows dropped_by = 'rejected' instead
            self.con.execute(f"DELETE FROM {table} WHERE _extra")
        return len(rejects) + extra

    def _piece_line(self, path: str, line: int | None) -> tuple[str, int | None]:
        """(file name, line) of a row as the user's files have it: a line of a joined file maps
        back to the piece it is in and its line there."""
        if path not in self.joined_pieces or line is None:
            return Path(path).name, line
        return next((piece, line - before) for piece, before, continues in reversed(self.joined_pieces[path])
                    if before + continues < line)  # a row cut between pieces belongs to the one it starts in

    # -- derived tables -------------------------------------------------------------------------

    def _params(self) -> dict:
        filters = self.options.filters()
        return {
            "langs": filters["langs"],
            "keep_suppressed": filters["keep_suppressed"],
            "sources": filters["sources"],
            "max_srl": filters["max_srl"],
            "semantic_types": self.semantic_types,
        }

    def _params_for(self, sql: str) -> dict:
        return {key: value for key, value in self._params().items() if f"${key}" in sql}

    def _derive(self, wanted: set[str]) -> None:
        statements = list(named_statements("derive.sql").items())
        optional = named_statements("derive_optional.sql")
        schema_optional = named_statements("schema_optional.sql")
        for stem, name in (("MRHIER", "hierarchy"), ("MRSAT", "attributes")):
            if stem in wanted:
                self.con.execute(schema_optional[name])
                statements.append((name, optional[name]))
        with self.progress.task("derived tables", total=len(statements), unit="step") as task:
            for done, (name, sql) in enumerate(statements):
                task.note(name)
                self.con.execute(sql, self._params_for(sql))
                task.update(done + 1)

    def _account(self) -> dict[str, int]:
        """Where every input row went; per file, rows == kept + dropped + rejected."""
        con = self.con
        for stem, sql in named_statements("account.sql").items():
            if stem in self.reports:
                self.reports[stem].accounting = dict(con.execute(sql).fetchall())
        for stem in ("MRSAB", "MRRANK", "MRHIER", "MRSAT"):
            report = self.reports.get(stem)
            if report and not report.accounting and not report.missing:
                report.accounting = {"kept": report.rows - report.rejected}
        for report in self.reports.values():
            report.accounting = {k: v for k, v in report.accounting.items() if v}
            if report.rejected:
                report.accounting["rejected"] = report.rejected
        tables = list(DERIVED_TABLES) + [t for t in ("hierarchy", "attributes") if _exists(con, t)]
        counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
        counts["concepts_without_semantic_type"] = con.execute(
            "SELECT count(*) FROM concepts WHERE len(semantic_types) = 0").fetchone()[0]
        counts["names_merged"] = self.reports["MRCONSO"].accounting.get("kept", 0) - counts["names"]
        return counts

    def _write_meta(self, counts: dict[str, int]) -> str:
        entity_hash = self.con.execute(
            "SELECT coalesce(md5(string_agg(cui, ',' ORDER BY entity_id)), '') FROM concepts").fetchone()[0]
        inputs = [asdict(r) for r in self.reports.values()]
        filters = self.options.filters()
        identity = {
            "release": self.release.name,
            "inputs": [{k: r[k] for k in ("name", "bytes", "rows")} for r in inputs],
            "filters": filters,
            "tables": sorted(self.options.tables),
            "entities": entity_hash,
        }
        fingerprint = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:32]
        meta = {
            "release": self.release.name,
            "release_path": str(self.release.meta_dir),
            "inputs": inputs,
            "filters": filters,
            "tables": sorted(set(self.options.tables) | {"MRCONSO"}),
            "keep_raw": self.options.keep_raw,
            "on_error": self.options.on_error,
            "tool_version": __version__,
            "loaded_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "load_seconds": round(time.perf_counter() - self.started, 3),
            "counts": counts,
            "entity_hash": entity_hash,
            "fingerprint": fingerprint,
        }
        self.con.executemany("INSERT INTO kb_meta VALUES (?, ?)",
                             [[key, json.dumps(value)] for key, value in meta.items()])
        return fingerprint


def _exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND NOT temporary", [table]).fetchone()[0])


def _describe(kind: str, message: str, text: str | None, columns: int) -> str:
    """A one-line description of a rejected row."""
    text = (text or "").rstrip("\r\n")
    if kind in ("MISSING COLUMNS", "TOO MANY COLUMNS"):
        fields = text.split("|")
        found = len(fields) - 1 if text.endswith("|") else len(fields)
        return f"expected {columns} '|'-terminated fields, found {found}: {text[:80]!r}"
    if kind == "INVALID ENCODING":
        return "invalid UTF-8"
    first = (message or kind).strip().splitlines()[0]
    return f"{kind.lower()}: {first}"


def _first_long_row(pieces: list[Path], columns: int) -> tuple[str | None, int | None, str]:
    """(path, line, row) of the first row with a value after its last column (a rare error path,
    read in Python); no path when none is found."""
    for piece in pieces:
        opener = gzip.open if piece.suffix == ".gz" else open
        with opener(piece, "rt", encoding="utf-8", errors="replace") as handle:
            for line_no, line in enumerate(handle, start=1):
                fields = line.rstrip("\r\n").split("|")
                if len(fields) > columns and fields[columns] != "":
                    return str(piece), line_no, line
    return None, None, ""
