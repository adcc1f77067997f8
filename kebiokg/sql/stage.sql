-- The one pass over each big RRF file: `{source}` is DuckDB's read_csv of the file (or the raw
-- table with --keep-raw); _bad marks a malformed row (umls_loader/rows.py). Each row gets the first
-- filter it fails (dropped_by NULL = kept), and CUIs become integers (kb_cui_number, sql/cui.sql) so
-- later joins compare integers, not strings.
-- Parameters as in derive.sql; {columns} are a file's staged columns (load.STAGED_COLUMNS). Files
-- without a statement here (load.FLAGGED_STAGES) are staged by plain projection.

-- name: MRCONSO
-- Standard CUIs (C + 7 digits) get their number here; others (e.g. NCIm's CL105989) get a
-- negative number in derive.sql's odd_cuis step.
SELECT kb_cui_number(CUI) AS cui_num,
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
-- Reading order: MRREL's CUI2 is the subject, CUI1 the object (see docs/kb.md). The concepts exist
-- by now (derive.sql's concept steps run before MRREL is read), so each endpoint gets its entity id
-- (NULL: no kept concept) in this pass, and neither `relations` nor the accounting joins again.
SELECT s.entity_id AS subject_id, o.entity_id AS object_id,
       coalesce(r.subject_num, os.cui_num) AS subject_num, coalesce(r.object_num, oo.cui_num) AS object_num,
       r.rel, r.rela, r.sab, r._bad, r.dropped_by
FROM (
    SELECT kb_cui_number(CUI2) AS subject_num, kb_cui_number(CUI1) AS object_num,
           CUI2 AS subject_cui, CUI1 AS object_cui,
           REL AS rel, RELA AS rela, SAB AS sab,
           _bad,
           CASE
               WHEN _bad THEN 'rejected'
               WHEN NOT $keep_suppressed AND coalesce(SUPPRESS, 'N') <> 'N' THEN 'suppressed'
               WHEN $sources IS NOT NULL AND NOT coalesce(list_contains($sources, SAB), false) THEN 'source'
           END AS dropped_by
    FROM {source}
) r
-- CUIs of another shape by their number in odd_cuis (derive.sql)
LEFT JOIN odd_cuis os ON os.cui = CASE WHEN r.subject_num IS NULL THEN r.subject_cui END
LEFT JOIN odd_cuis oo ON oo.cui = CASE WHEN r.object_num IS NULL THEN r.object_cui END
LEFT JOIN concept_numbers s ON s.cui_num = coalesce(r.subject_num, os.cui_num)
LEFT JOIN concept_numbers o ON o.cui_num = coalesce(r.object_num, oo.cui_num);

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
