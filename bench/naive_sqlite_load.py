"""The naive baseline loader: Python's csv module into SQLite with executemany, then the same
derived tables and indexes as kebiokg's KB (default filters: English, SUPPRESS='N').

It exists only to be measured against `kebiokg load-umls` (bench/bench_load.py); run it alone with
    python bench/naive_sqlite_load.py RELEASE_DIR OUT.sqlite
"""

from __future__ import annotations

import csv
import sqlite3
import sys
import time
from pathlib import Path

from kebiokg.normalize import normalize_name
from kebiokg.umls_loader.files import open_release

FILES = ("MRRANK", "MRSTY", "MRCONSO", "MRREL", "MRDEF")

DERIVE = """
CREATE TABLE atoms AS
SELECT c.*, coalesce(r.rank, 0) AS rank FROM raw_mrconso c
LEFT JOIN (SELECT SAB, TTY, max(CAST(RANK AS INTEGER)) AS rank FROM raw_mrrank GROUP BY SAB, TTY) r
  ON r.SAB = c.SAB AND r.TTY = c.TTY
WHERE c.LAT = 'ENG' AND coalesce(c.SUPPRESS, 'N') = 'N';

CREATE TABLE concepts AS
SELECT row_number() OVER (ORDER BY CUI) - 1 AS entity_id, CUI AS cui, STR AS preferred_name FROM (
  SELECT CUI, STR, row_number() OVER (PARTITION BY CUI ORDER BY rank DESC, TS = 'P' DESC, STT = 'PF' DESC,
         ISPREF = 'Y' DESC, STR DESC) AS pick FROM atoms
) WHERE pick = 1;
CREATE UNIQUE INDEX concepts_cui ON concepts (cui);

CREATE TABLE names AS
SELECT row_number() OVER (ORDER BY a.CUI, kb_normalize(a.STR), a.STR, a.LAT, a.SAB, a.TTY) - 1 AS name_id,
       a.CUI AS cui, a.STR AS str, kb_normalize(a.STR) AS norm, a.LAT AS lat, a.SAB AS sab, a.TTY AS tty,
       max(a.rank) AS rank, a.STR = c.preferred_name AS is_preferred
FROM atoms a JOIN concepts c ON c.cui = a.CUI
GROUP BY a.CUI, a.STR, a.LAT, a.SAB, a.TTY;

CREATE TABLE source_codes AS SELECT DISTINCT SAB AS sab, CODE AS code, CUI AS cui FROM atoms WHERE CODE IS NOT NULL;

CREATE TABLE relations AS
SELECT s.entity_id AS subject_id, r.REL AS rel, r.RELA AS rela, o.entity_id AS object_id, r.SAB AS sab
FROM raw_mrrel r JOIN concepts s ON s.cui = r.CUI2 JOIN concepts o ON o.cui = r.CUI1
WHERE coalesce(r.SUPPRESS, 'N') = 'N';

CREATE TABLE semantic_types AS
SELECT DISTINCT CUI AS cui, TUI AS tui, STN AS stn, STY AS sty FROM raw_mrsty WHERE CUI IN (SELECT cui FROM concepts);

CREATE TABLE definitions AS
SELECT CUI AS cui, SAB AS sab, DEF AS definition FROM raw_mrdef
WHERE DEF IS NOT NULL AND coalesce(SUPPRESS, 'N') = 'N' AND CUI IN (SELECT cui FROM concepts);

CREATE INDEX names_norm ON names (norm);
CREATE INDEX relations_subject ON relations (subject_id);
CREATE INDEX source_codes_code ON source_codes (sab, code);
"""


def _rows(paths: list[Path], width: int):
    """RRF rows as lists of width fields, empty fields as None (QUOTE_NONE: no quoting at all)."""
    for path in paths:
        with open(path, encoding="utf-8", newline="") as handle:
            for row in csv.reader(handle, delimiter="|", quoting=csv.QUOTE_NONE):
                yield [value or None for value in row[:width]]


def naive_load(release_dir: Path, db_path: Path) -> dict[str, float]:
    """Load and derive; returns seconds per step."""
    release = open_release(release_dir)
    con = sqlite3.connect(db_path)
    con.create_function("kb_normalize", 1, normalize_name, deterministic=True)
    timings = {}
    for stem in FILES:
        started = time.perf_counter()
        layout = release.layout(stem)
        columns = ", ".join(layout)
        con.execute(f"CREATE TABLE raw_{stem.lower()} ({columns})")
        marks = ", ".join("?" * len(layout))
        con.executemany(f"INSERT INTO raw_{stem.lower()} VALUES ({marks})",
                        _rows(list(release.files[stem].pieces), len(layout)))
        con.commit()
        timings[stem] = time.perf_counter() - started
    started = time.perf_counter()
    con.executescript(DERIVE)
    con.commit()
    timings["derive+index"] = time.perf_counter() - started
    con.close()
    return timings


if __name__ == "__main__":
    print(naive_load(Path(sys.argv[1]), Path(sys.argv[2])))
