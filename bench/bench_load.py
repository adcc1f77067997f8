"""Benchmark: `kebiokg load-umls` on a synthetic release, against the naive csv -> SQLite loader.

    python bench/bench_load.py --scale 1.0        # full UMLS scale: 3.4M concepts, ~17M/~60M rows
    python bench/bench_load.py --scale 0.1 --naive-scale 0.02

Prints wall time, rows/s, MB/s and peak RSS per file and in total for kebiokg at --scale, and the
kebiokg/naive ratio on one smaller release both load (--naive-scale). Each load runs in its own
process so its peak RSS is its own. Inputs live in a temporary folder removed at the end.

In the same run, two floors and the load's ratio to each:
- the bare read: one DuckDB read_csv pass over MRCONSO, MRREL, MRSTY and MRDEF (every column as text,
  count(*) of each), keeping nothing;
- the copy: the same pass writing the columns the KB keeps of each file into tables of a DuckDB file
  (CUIs as integers where the KB has entity ids), then the KB's two ART indexes on them; no filter,
  no deduplication, no normalization, no sort, no join. Any load that keeps the KB's tables and indexes
  does at least this.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from common import kebiokg, measured

FULL_CONCEPTS = 3_400_000
BYTES_PER_CONCEPT = 6_000  # release text + KB + spill, measured generously at tenth scale


def generate(out: Path, concepts: int, seed: int) -> float:
    cmd = kebiokg("synth-umls", str(out), "--concepts", str(concepts), "--seed", str(seed), "--quiet")
    wall, _, _ = measured(cmd)
    return wall


def kebiokg_load(release: Path, db: Path, threads: int | None, memory_limit: str) -> tuple[float, float, dict]:
    cmd = kebiokg("load-umls", str(release), "--db", str(db), "--json", "--quiet", "--memory-limit", memory_limit)
    if threads:
        cmd += ["--threads", str(threads)]
    wall, rss, out = measured(cmd)
    return wall, rss, json.loads(out)


# The files the bare read covers: the big ones every load reads.
READ_FILES = ("MRCONSO", "MRREL", "MRSTY", "MRDEF")


def bare_read(meta: Path, threads: int | None) -> float:
    """Seconds of one read_csv pass over READ_FILES in its own process (see read_only())."""
    cmd = [sys.executable, __file__, "--read-only", str(meta)]
    if threads:
        cmd += ["--threads", str(threads)]
    wall, _, _ = measured(cmd)
    return wall


def read_only(meta: Path, threads: int | None) -> None:
    """Read READ_FILES as the loader does (every column as text, no quoting), keeping nothing."""
    import duckdb

    from kebiokg.umls_loader.files import open_release

    release = open_release(meta)
    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {threads}")
    counts = [f"(SELECT count(*) FROM {rrf_scan(release, stem)})" for stem in READ_FILES]
    con.execute("SELECT " + " + ".join(counts)).fetchone()


def rrf_scan(release, stem: str) -> str:
    """DuckDB's read_csv of one file of a release as the loader reads it: every column as text, no quoting."""
    columns = ", ".join(f"'{col}': 'VARCHAR'" for col in (*release.layout(stem), "trailing"))
    paths = ", ".join(f"'{p}'" for p in release.files[stem].pieces)
    return (f"read_csv([{paths}], delim='|', quote='', escape='', header=false, auto_detect=false, "
            f"columns={{{columns}}}, null_padding=true)")


# The columns the KB keeps of each file, as the copy floor writes them (see copy_only()).
COPIED = {
    "MRCONSO": "CUI, LAT, SAB, TTY, CODE, STR",
    "MRREL": ("try_cast(substr(CUI2, 2) AS INTEGER) AS subject, REL, RELA, "
              "try_cast(substr(CUI1, 2) AS INTEGER) AS object, SAB"),
    "MRSTY": "CUI, TUI, STN, STY",
    "MRDEF": "CUI, SAB, DEF",
}
COPY_INDEXES = ("CREATE INDEX names_str ON mrconso (STR)", "CREATE INDEX relations_subject ON mrrel (subject)")


def copy_floor(meta: Path, db: Path, threads: int | None, memory_limit: str) -> tuple[float, float]:
    """Seconds and peak RSS (MiB) of copy_only() in its own process."""
    cmd = [sys.executable, __file__, "--copy-only", str(meta), str(db), "--memory-limit", memory_limit]
    if threads:
        cmd += ["--threads", str(threads)]
    wall, rss, out = measured(cmd)
    print(f"  copy floor steps, s: {out.strip()}")
    return wall, rss


def copy_only(meta: Path, db: Path, threads: int | None, memory_limit: str) -> None:
    """Copy COPIED of each file into a new DuckDB file and build COPY_INDEXES, with the load's settings;
    prints the seconds of the copy and of the indexes."""
    import duckdb

    from kebiokg.umls_loader.files import open_release

    release = open_release(meta)
    con = duckdb.connect(str(db))
    con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute(f"SET temp_directory = '{db}.spill'")
    con.execute("SET preserve_insertion_order = false")
    if threads:
        con.execute(f"SET threads = {threads}")
    started = time.perf_counter()
    for stem, columns in COPIED.items():
        con.execute(f"CREATE TABLE {stem.lower()} AS SELECT {columns} FROM {rrf_scan(release, stem)}")
    copied = time.perf_counter()
    for sql in COPY_INDEXES:
        con.execute(sql)
    indexed = time.perf_counter()
    con.execute("CHECKPOINT")
    done = time.perf_counter()
    print(f"copy {copied - started:.2f}, indexes {indexed - copied:.2f}, checkpoint {done - indexed:.2f}")


def naive_load(release: Path, db: Path) -> tuple[float, float]:
    cmd = [sys.executable, str(Path(__file__).with_name("naive_sqlite_load.py")), str(release), str(db)]
    wall, rss, _ = measured(cmd)
    return wall, rss


def print_report(title: str, report: dict, wall: float, rss: float) -> None:
    print(f"\n{title}")
    print(f"{'file':<12} {'rows':>12} {'MB':>9} {'s':>7} {'Mrows/s':>8} {'MB/s':>7}")
    total_rows = total_bytes = 0
    for f in report["files"]:
        if f["missing"]:
            continue
        total_rows += f["rows"]
        total_bytes += f["bytes"]
        rate = f["rows"] / f["seconds"] / 1e6 if f["seconds"] else 0
        mbs = f["bytes"] / f["seconds"] / 1e6 if f["seconds"] else 0
        print(f"{f['name']:<12} {f['rows']:>12,} {f['bytes'] / 1e6:>9.1f} {f['seconds']:>7.2f} "
              f"{rate:>8.2f} {mbs:>7.1f}")
    print(f"{'total':<12} {total_rows:>12,} {total_bytes / 1e6:>9.1f} {wall:>7.2f} "
          f"{total_rows / wall / 1e6:>8.2f} {total_bytes / wall / 1e6:>7.1f}   (whole command, derived tables "
          f"and indexes included)")
    print(f"peak RSS {rss:,.0f} MiB; KB counts: " + ", ".join(f"{k} {v:,}" for k, v in report["counts"].items()
                                                          if k in ("concepts", "names", "relations")))
    rows = sum(v for k, v in report["counts"].items() if k not in ("concepts_without_semantic_type", "names_merged"))
    print(f"fingerprint {report['fingerprint']} (a hash of every row of the KB's {rows:,} rows): "
          f"{report['fingerprint_seconds']:.2f} s")
    steps = sorted(report["step_seconds"].items(), key=lambda item: -item[1])
    print("steps after reading, s: " + ", ".join(f"{name} {s:.2f}" for name, s in steps if s >= 0.05))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=0.1, help="fraction of full UMLS (3.4M concepts)")
    parser.add_argument("--naive-scale", type=float, default=0.01, help="scale of the paired naive run (0: skip)")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--memory-limit", default="3GB")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", type=Path, default=None, help="where the temporary folder goes")
    parser.add_argument("--keep-kb", type=Path, default=None, help="move the full-scale KB here (for bench_index.py)")
    parser.add_argument("--release", type=Path, default=None,
                        help="load this synthetic release (made at --scale) instead of generating one; left as is")
    parser.add_argument("--read-only", type=Path, default=None, help=argparse.SUPPRESS)  # bare_read's process
    parser.add_argument("--copy-only", type=Path, nargs=2, default=None, help=argparse.SUPPRESS)  # copy_floor's
    args = parser.parse_args()
    if args.read_only:
        read_only(args.read_only, args.threads)
        return
    if args.copy_only:
        copy_only(*args.copy_only, args.threads, args.memory_limit)
        return

    concepts = int(FULL_CONCEPTS * args.scale)
    base = args.workdir or Path(tempfile.gettempdir())
    need = BYTES_PER_CONCEPT * ((0 if args.release else concepts) + int(FULL_CONCEPTS * args.naive_scale) * 2)
    free = shutil.disk_usage(base).free
    if free < need:
        raise SystemExit(f"not enough free disk in {base}: {free / 1e9:.1f} GB free, {need / 1e9:.1f} GB needed")
    print(f"cores {os.cpu_count()}, python {sys.version.split()[0]}, free disk {free / 1e9:.0f} GB, "
          f"date {time.strftime('%Y-%m-%d')}")
    work = Path(tempfile.mkdtemp(prefix="kebiokg-bench-", dir=base))
    try:
        release = args.release or work / "release"
        if not args.release:
            seconds = generate(release, concepts, args.seed)
            size = sum(p.stat().st_size for p in (release / "META").iterdir())
            print(f"generated {concepts:,} concepts ({size / 1e9:.2f} GB of RRF) in {seconds:.1f} s")
        wall, rss, report = kebiokg_load(release, work / "kb.duckdb", args.threads, args.memory_limit)
        print_report(f"kebiokg load-umls at scale {args.scale}", report, wall, rss)
        read = bare_read(release / "META", args.threads)
        files = [f for f in report["files"] if f["name"].split(".")[0] in READ_FILES]
        print(f"bare read of {', '.join(f['name'] for f in files)} ({sum(f['rows'] for f in files):,} rows, "
              f"{sum(f['bytes'] for f in files) / 1e9:.2f} GB; read_csv, every column as text, count(*)): "
              f"{read:.2f} s; load/read {wall / read:.1f}x")
        copy, copy_rss = copy_floor(release / "META", work / "copy.duckdb", args.threads, args.memory_limit)
        (work / "copy.duckdb").unlink()
        print(f"copy floor (the same files' kept columns into DuckDB tables, the KB's two indexes, nothing derived): "
              f"{copy:.2f} s, peak RSS {copy_rss:,.0f} MiB; load/copy {wall / copy:.1f}x")
        if not args.release:
            shutil.rmtree(release)
        if args.keep_kb:
            shutil.move(work / "kb.duckdb", args.keep_kb)
        else:
            (work / "kb.duckdb").unlink()

        if args.naive_scale > 0:
            small = work / "small"
            small_concepts = int(FULL_CONCEPTS * args.naive_scale)
            generate(small, small_concepts, args.seed)
            k_wall, k_rss, k_report = kebiokg_load(small, work / "small.duckdb", args.threads, args.memory_limit)
            n_wall, n_rss = naive_load(small, work / "small.sqlite")
            rows = sum(f["rows"] for f in k_report["files"] if f["name"] in (
                "MRCONSO.RRF", "MRSTY.RRF", "MRREL.RRF", "MRDEF.RRF", "MRRANK.RRF"))
            print(f"\npaired run at scale {args.naive_scale} ({small_concepts:,} concepts, {rows:,} rows):")
            for name, wall_s, rss_mib in (("kebiokg load-umls", k_wall, k_rss), ("naive csv -> SQLite", n_wall, n_rss)):
                print(f"  {name:<20} {wall_s:8.2f} s  {rows / wall_s / 1e6:6.2f} Mrows/s  peak RSS {rss_mib:,.0f} MiB")
            print(f"  speed-up             {n_wall / k_wall:8.1f}x")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
