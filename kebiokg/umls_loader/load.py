"""RRF -> DuckDB: one projected DuckDB CSV pass per file, derived tables in SQL, an atomic move.

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
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from kebiokg import __version__
from kebiokg.artefacts import process_alive
from kebiokg.errors import KebiokgError
from kebiokg.progress import NullProgress, Progress, Task
from kebiokg.semantic_groups import parse_semantic_types
from kebiokg.sqlfiles import named_statements, sql_text

from .errors import BadRowError, LoadError
from .files import Release, RRFFile, open_release, piece_ends_mid_line
from .lock import exclusive_load
from .rows import INTEGER_COLUMNS, TRAILING, RowRule, first_malformed

DEFAULT_TABLES: tuple[str, ...] = ("MRCONSO", "MRSTY", "MRREL", "MRDEF", "MRSAB", "MRRANK")
OPTIONAL_TABLES: tuple[str, ...] = ("MRHIER", "MRSAT")

# The columns each file's staging reads (projection is most of the speed). A release whose layout
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
# Files whose staging flags each row with the first filter that drops it: (statement of sql/stage.sql,
# the column a row of 'texts' must have). The other files are staged by plain projection.
FLAGGED_STAGES: dict[str, tuple[str, str | None]] = {
    "MRCONSO": ("MRCONSO", None), "MRREL": ("MRREL", None), "MRDEF": ("texts", "DEF"), "MRSAT": ("texts", "ATN"),
    "MRHIER": ("MRHIER", None),
}
# Staging order: MRSTY and MRRANK before MRCONSO (its filters use them), MRCONSO before the rest.
STAGE_ORDER: tuple[str, ...] = ("MRRANK", "MRSAB", "MRSTY", "MRCONSO", "MRREL", "MRDEF", "MRHIER", "MRSAT")
# The steps of sql/derive.sql (its first ones) that run as soon as MRCONSO is staged: MRREL's staging
# pass looks its endpoints up in concept_numbers.
CONCEPT_STEPS: tuple[str, ...] = ("odd_cuis", "number_odd_atoms", "ranks", "concepts", "concept_numbers")
DERIVED_TABLES: tuple[str, ...] = (
    "concepts", "names", "source_codes", "relations", "semantic_types", "definitions", "sources",
    "name_ranks",
)
# read_csv's NULL string: a field can never be a line break, so an empty field reads as '' (as NULL,
# DuckDB's reader would let a row with one field too many through when that field is empty).
_NO_NULL = "\n"


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
    allow_empty: bool = False  # a load that keeps no concept is an error unless allowed
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
    fingerprint_seconds: float = 0.0  # of `seconds`: hashing every row of the KB
    # Of `seconds`, each step after reading: derive.sql's statements by name, "accounting", "indexes",
    # "checkpoint" (where a load's time goes, docs/benchmarks.md)
    step_seconds: dict[str, float] = field(default_factory=dict)


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
    db_path.parent.mkdir(parents=True, exist_ok=True)
    with exclusive_load(db_path):
        if db_path.exists() and not options.force:
            raise LoadError(f"{db_path} exists; pass --force to replace it")
        return _load(release, db_path, options, progress)


def _load(release: Release, db_path: Path, options: LoadOptions, progress: Progress) -> LoadReport:
    """The load itself, in a temporary file moved over `db_path` once complete."""
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
        if pid.isdigit() and int(pid) != os.getpid() and not process_alive(int(pid)):
            _remove(leftover)


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


def _type(column: str) -> str:
    return "INTEGER" if column in INTEGER_COLUMNS else "VARCHAR"


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
        self.step_seconds: dict[str, float] = {}

    def build(self) -> LoadReport:
        con, options = self.con, self.options
        con.execute(f"SET memory_limit = {_sql_string(options.memory_limit)}")
        con.execute(f"SET temp_directory = {_sql_string(str(self.work / 'spill'))}")
        # Tables are sets; ids come from explicit orders. Unordered inserts are ~2x faster here.
        con.execute("SET preserve_insertion_order = false")
        if options.threads:
            con.execute(f"SET threads = {int(options.threads)}")
        con.execute(sql_text("normalize.sql"))
        con.execute(sql_text("cui.sql"))
        con.execute(sql_text("schema.sql"))
        wanted = set(options.tables) | {"MRCONSO"}
        for stem in STAGE_ORDER:
            if stem == "MRCONSO":  # its type filter is resolved against the release's own type names
                self.semantic_types = self._semantic_type_filter()
            if stem in wanted:
                self._stage(stem)
            elif stem in DEFAULT_TABLES:
                self._empty_stage(stem)
            if stem == "MRCONSO":
                self._derive_steps("concepts", CONCEPT_STEPS)
        self._derive(wanted)
        with self._timed("accounting"):
            counts = self._account()
        if not counts["concepts"] and not options.allow_empty:
            raise LoadError(self._why_empty())
        with self.progress.task("indexes") as task, self._timed("indexes"):
            task.note("building")
            con.execute(sql_text("indexes.sql"))
        started = time.perf_counter()
        fingerprint = self._write_meta(counts)
        fingerprint_seconds = time.perf_counter() - started
        with self._timed("checkpoint"):
            for temp in con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall():
                con.execute(f"DROP TABLE temp.{temp[0]}")
            con.execute("CHECKPOINT")
        return LoadReport(Path(), self.release.name, fingerprint, 0.0, list(self.reports.values()), counts,
                          fingerprint_seconds, self.step_seconds)

    @contextmanager
    def _timed(self, step: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        self.step_seconds[step] = round(time.perf_counter() - started, 3)

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
        rule = RowRule(stem, layout)
        source = self._scan_sql(rrf, rule)
        raw = f"raw_{stem.lower()}"
        with self.progress.task(f"{rrf.name:<12}", total=report.bytes, unit="B") as task:
            if self.options.keep_raw:
                self._run(f"CREATE TABLE {raw} AS SELECT * FROM {source}", rrf, rule, task, report.bytes)
                source = raw
            select = self._stage_select(stem, source)
            # DuckDB would build MRREL's joins' hash tables on the file's rows instead of on concept_numbers
            # (twice the staging time at 300,000 concepts): keep the join sides as written.
            self.con.execute("SET disabled_optimizers = 'build_side_probe_side'")
            try:
                self._run(f"CREATE TEMP TABLE {table} AS {select}", rrf, rule, task,
                          0 if self.options.keep_raw else report.bytes, self._params_for(select))
            finally:
                self.con.execute("RESET disabled_optimizers")
        report.rejected = self._check_rows(rrf, rule, table, stem not in FLAGGED_STAGES)
        if self.options.keep_raw:  # raw tables hold the well-formed rows, as written
            self.con.execute(f"DELETE FROM {raw} WHERE _bad")
            self.con.execute(f"ALTER TABLE {raw} DROP COLUMN _bad")
        # Rows skipped with --on-error skip are counted once, as rejected (flagged stages keep them).
        staged, still_there = self.con.execute(
            f"SELECT count(*), count(*) FILTER (WHERE _bad) FROM {table}").fetchone()
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
        columns = ", ".join(f'NULL::{_type(col)} AS "{col}"' for col in layout)
        self.con.execute(f"CREATE TEMP TABLE stage_{stem.lower()} AS "
                         f"{self._stage_select(stem, f'(SELECT {columns}, false AS _bad LIMIT 0)')}",
                         self._params_for(self._stage_select(stem, "x")))

    def _stage_select(self, stem: str, source: str) -> str:
        """The staging SELECT of a file: its flagged statement in stage.sql, else a projection."""
        columns = ", ".join(f'"{col}" AS {col.lower()}' for col in STAGED_COLUMNS[stem])
        if stem in FLAGGED_STAGES:
            name, text = FLAGGED_STAGES[stem]
            return named_statements("stage.sql")[name].rstrip(";").format(source=source, columns=columns, text=text)
        return f"SELECT {columns}, _bad FROM {source}"

    def _scan_sql(self, rrf: RRFFile, rule: RowRule) -> str:
        """One pass over a file: every column as text, so that empty fields are '' and missing ones
        NULL (null_padding); a row with too many fields is rejected by the reader, any other
        malformed row is flagged _bad (rows.RowRule). Empty fields become NULL after the check."""
        paths = [str(p) for p in self._readable_pieces(rrf)]
        columns = ", ".join(f"{_sql_string(col)}: 'VARCHAR'" for col in (*rule.layout, TRAILING))
        stem = rrf.stem.lower()
        read = (
            f"read_csv([{', '.join(_sql_string(p) for p in paths)}], delim='|', quote='', escape='', "
            f"header=false, auto_detect=false, skip=0, columns={{{columns}}}, null_padding=true, "
            f"nullstr={_sql_string(_NO_NULL)}, strict_mode=true, "
            f"store_rejects=true, rejects_table='rejects_{stem}', rejects_scan='reject_scans_{stem}')"
        )
        values = ", ".join(f"TRY_CAST(NULLIF(\"{col}\", '') AS INTEGER) AS \"{col}\"" if col in INTEGER_COLUMNS
                           else f"NULLIF(\"{col}\", '') AS \"{col}\"" for col in rule.layout)
        return f"(SELECT {values}, {rule.bad_sql()} AS _bad FROM {read})"

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

    def _run(self, sql: str, rrf: RRFFile, rule: RowRule, task: Task, total_bytes: int,
             params: dict | None = None) -> None:
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
            if isinstance(exc, duckdb.Error):  # the reader stopped: at a row it cannot parse, if one is found
                stop = self._first_malformed(rrf, rule, breaks=True)
                if stop:
                    raise BadRowError(*stop[:2], f"{stop[2]} (rows cannot be read past it, even with --on-error "
                                                 "skip)") from exc
                first = str(exc).strip().splitlines()[0]
                raise LoadError(f"{rrf.name}: cannot read: {first}") from exc
            raise exc

    def _check_rows(self, rrf: RRFFile, rule: RowRule, table: str, delete: bool) -> int:
        """Raise on the first malformed row (fail) or drop and count malformed rows (skip)."""
        low = rrf.stem.lower()
        # A row can be rejected for several reasons, each a row of the rejects table.
        rejected = self.con.execute(f"SELECT count(*) FROM (SELECT DISTINCT file_id, line FROM rejects_{low})"
                                    ).fetchone()[0]
        flagged = self.con.execute(f"SELECT count(*) FROM {table} WHERE _bad").fetchone()[0]
        if self.options.on_error == "fail" and (rejected or flagged):
            where = self._first_malformed(rrf, rule) or (rrf.name, None, "malformed rows the row check cannot find")
            raise BadRowError(*where, rejected + flagged)
        if flagged and delete:  # flagged stages mark these rows dropped_by = 'rejected' instead
            self.con.execute(f"DELETE FROM {table} WHERE _bad")
        return rejected + flagged

    def _first_malformed(self, rrf: RRFFile, rule: RowRule, breaks: bool = False) -> tuple[str, int, str] | None:
        """(file, line, problem) of the first malformed row, read again in Python (an error path)."""
        joined = self.work / rrf.name
        pieces = [joined] if str(joined) in self.joined_pieces else list(rrf.pieces)
        try:
            found = first_malformed(pieces, rule, breaks)
        except (OSError, EOFError, zlib.error):  # a damaged gzip: the reader's own error says more
            return None
        return (*self._piece_line(str(found[0]), found[1]), found[2]) if found else None

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
        """The derived tables after CONCEPT_STEPS, and the optional ones of this load."""
        steps = [name for name in named_statements("derive.sql") if name not in CONCEPT_STEPS]
        for stem, name in (("MRHIER", "hierarchy"), ("MRSAT", "attributes")):
            if stem in wanted:
                self.con.execute(named_statements("schema_optional.sql")[name])
                steps.append(name)
        self._derive_steps("derived tables", steps)

    def _derive_steps(self, title: str, steps: Sequence[str]) -> None:
        """Run these statements of sql/derive.sql (or derive_optional.sql), in order."""
        statements = {**named_statements("derive.sql"), **named_statements("derive_optional.sql")}
        with self.progress.task(title, total=len(steps), unit="step") as task:
            for done, name in enumerate(steps):
                task.note(name)
                sql = statements[name]
                with self._timed(name):
                    self.con.execute(sql, self._params_for(sql))
                task.update(done + 1)

    def _account(self) -> dict[str, int]:
        """Where every input row went; per file, rows == kept + dropped + rejected."""
        con = self.con
        statements = named_statements("account.sql")
        for stem, report in self.reports.items():
            if report.missing:
                continue
            if stem in statements:
                reasons = con.execute(statements[stem]).fetchall()
            elif stem in FLAGGED_STAGES:  # flagged rows of a concept: MRDEF, MRHIER, MRSAT
                reasons = con.execute(statements["concept_rows"].format(stage=f"stage_{stem.lower()}")).fetchall()
            else:  # MRSAB, MRRANK: every well-formed row is a row of the KB
                reasons = [("kept", report.rows - report.rejected)]
            report.accounting = {reason: n for reason, n in reasons if n}
            if report.rejected:
                report.accounting["rejected"] = report.rejected
        counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in self._tables()}
        counts["concepts_without_semantic_type"] = con.execute(
            "SELECT count(*) FROM concepts WHERE len(semantic_types) = 0").fetchone()[0]
        counts["names_merged"] = self.reports["MRCONSO"].accounting.get("kept", 0) - counts["names"]
        return counts

    def _why_empty(self) -> str:
        """The error of a load that keeps no concept: where MRCONSO's rows went, by filter."""
        conso = self.reports["MRCONSO"]
        if not conso.rows:
            return f"{conso.name} has no rows: no concepts to load (--allow-empty loads an empty KB)"
        options = self.options
        names = {
            "language": f"--lang {','.join(options.langs or ())}",
            "suppressed": "suppressible (no --keep-suppressed)",
            "source": f"--sources {','.join(options.sources or ())}",
            "restriction_level": f"--max-srl {options.max_srl}",
            "semantic_type": f"--semantic-types {','.join(options.semantic_types or ())}",
            "bad_cui": "an empty CUI",
            "rejected": "malformed (skipped)",
        }
        dropped = sorted(conso.accounting.items(), key=lambda item: -item[1])
        return (f"no concepts kept: of {conso.rows:,} {conso.name} rows, "
                + ", ".join(f"{names.get(reason, reason)} dropped {n:,}" for reason, n in dropped)
                + " (--allow-empty loads an empty KB)")

    def _content_hash(self, table: str) -> str:
        """Rows and the sum of their hashes: the same for the same rows in any order, cheap at full scale."""
        columns = ", ".join(f'"{name}"' for name, in self.con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = ? AND database_name = current_database() "
            "ORDER BY column_index", [table]).fetchall())
        rows, total = self.con.execute(
            f"SELECT count(*), coalesce(sum(hash({columns})::HUGEINT), 0) FROM {table}").fetchone()
        return f"{rows}:{total}"

    def _tables(self) -> list[str]:
        """The derived tables of this load."""
        return list(DERIVED_TABLES) + [t for t in ("hierarchy", "attributes") if _exists(self.con, t)]

    def _write_meta(self, counts: dict[str, int]) -> str:
        inputs = [asdict(r) for r in self.reports.values()]
        filters = self.options.filters()
        # The fingerprint is of the KB's content, so that an index or model made from another
        # content (even one same-size edit of a name) is refused (kebiokg.kb.check_fingerprint).
        content = {table: self._content_hash(table) for table in self._tables()}
        identity = {"release": self.release.name, "filters": filters, "content": content}
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
            "content": content,
            "fingerprint": fingerprint,
        }
        self.con.executemany("INSERT INTO kb_meta VALUES (?, ?)",
                             [[key, json.dumps(value)] for key, value in meta.items()])
        return fingerprint


def _exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND NOT temporary", [table]).fetchone()[0])
