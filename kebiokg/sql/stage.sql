-- The one pass over each big RRF file: `{source}` is DuckDB's read_csv of the file (or the raw
-- table with --keep-raw); _bad marks a malformed row (umls_loader/rows.py). Each row gets the first
-- filter it fails (dropped_by NULL = kept), and CUIs become integers (C0012345 -> 12345) so later
-- joins compare integers, not strings.
-- Parameters as in derive.sql; {columns} are a file's staged columns (load.STAGED_COLUMNS). Files
-- without a statement here (load.FLAGGED_STAGES) are staged by plain projection.

-- name: MRCONSO
-- Standard CUIs (C + 7 digits) get their number here; others (e.g. NCIm's CL105989) get a
-- negative number in derive.sql's odd_cuis step.
SELECT CASE WHEN length(CUI) = 8 AND left(CUI, 1) = 'C' THEN try_cast(substr(CUI, 2) AS INTEGER) END AS cui_num,
       CUI AS cui, LAT AS lat, SAB AS sab, TTY AS tty, CODE AS code, STR AS str,
       TS = 'P' AS ts_p, STT = 'PF' AS stt_pf, ISPREF = 'Y' AS ispref_y,
       _bad,
       CASE
           WHEN _bad THEN 'rejected'
           WHEN CUI IS NULL THEN 'bad_cui'
           WHEN $langs IS NOT NULL AND NOT coalesce(list_contains($langs, LAT), false) THEN 'language'
           WHEN NOT $keep_suppressed AND coalesce(SUPPRESS, 'N') <> 'N' THEN 'suppressed'
           WHEN $sources IS NOT NULL AND NOT coalesce(list_contains($sources, SAB), false) THEN 'source'
           WHEN $max_srl IS NOT NULL AND coalesce(SRL, 0) > $max_srl THEN 'restriction_level'
           WHEN $semantic_types IS NOT NULL AND CUI NOT IN (
               SELECT cui FROM stage_mrsty
               WHERE cui IS NOT NULL
                 AND list_contains($semantic_types, tui)
           ) THEN 'semantic_type'
       END AS dropped_by
FROM {source};

-- name: MRREL
-- Reading order: MRREL's CUI2 is the subject, CUI1 the object (see docs/kb.md).
SELECT CASE WHEN length(CUI2) = 8 AND left(CUI2, 1) = 'C' THEN try_cast(substr(CUI2, 2) AS INTEGER) END
           AS subject_num,
       CASE WHEN length(CUI1) = 8 AND left(CUI1, 1) = 'C' THEN try_cast(substr(CUI1, 2) AS INTEGER) END
           AS object_num,
       CASE WHEN NOT (length(CUI2) = 8 AND left(CUI2, 1) = 'C' AND try_cast(substr(CUI2, 2) AS INTEGER) IS NOT NULL)
           THEN CUI2 END AS subject_odd,
       CASE WHEN NOT (length(CUI1) = 8 AND left(CUI1, 1) = 'C' AND try_cast(substr(CUI1, 2) AS INTEGER) IS NOT NULL)
           THEN CUI1 END AS object_odd,
       REL AS rel, RELA AS rela, SAB AS sab,
       _bad,
       CASE
           WHEN _bad THEN 'rejected'
           WHEN NOT $keep_suppressed AND coalesce(SUPPRESS, 'N') <> 'N' THEN 'suppressed'
           WHEN $sources IS NOT NULL AND NOT coalesce(list_contains($sources, SAB), false) THEN 'source'
       END AS dropped_by
FROM {source};

-- name: texts
-- MRDEF (text DEF) and MRSAT (text ATN): {columns} are the file's staged columns; a row without
-- its text is dropped as 'empty'.
SELECT {columns},
       _bad,
       CASE
           WHEN _bad THEN 'rejected'
           WHEN {text} IS NULL THEN 'empty'
           WHEN NOT $keep_suppressed AND coalesce(SUPPRESS, 'N') <> 'N' THEN 'suppressed'
           WHEN $sources IS NOT NULL AND NOT coalesce(list_contains($sources, SAB), false) THEN 'source'
       END AS dropped_by
FROM {source};

-- name: MRHIER
SELECT {columns},
       _bad,
       CASE
           WHEN _bad THEN 'rejected'
           WHEN $sources IS NOT NULL AND NOT coalesce(list_contains($sources, SAB), false) THEN 'source'
       END AS dropped_by
FROM {source};
