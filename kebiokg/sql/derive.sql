-- Derived tables from the staged RRF files (temp tables stage_<file>; see stage.sql).
-- Parameters: $langs, $sources, $semantic_types (VARCHAR[] or NULL = all), $keep_suppressed
-- (BOOLEAN), $max_srl (INTEGER or NULL = no limit). Statements run in file order: those up to
-- concept_numbers (load.CONCEPT_STEPS) as soon as MRCONSO is staged, so that MRREL's staging pass
-- gives relations their entity ids; the rest once every file is staged.

-- name: odd_cuis
-- CUIs that are not C + 7 digits get negative numbers, so every join below stays on integers.
CREATE TEMP TABLE odd_cuis AS
SELECT cui, -(row_number() OVER (ORDER BY cui))::INTEGER AS cui_num
FROM (SELECT DISTINCT cui FROM stage_mrconso WHERE cui_num IS NULL AND cui IS NOT NULL);

-- name: number_odd_atoms
UPDATE stage_mrconso SET cui_num = o.cui_num FROM odd_cuis o
WHERE stage_mrconso.cui_num IS NULL AND stage_mrconso.cui = o.cui;

-- name: ranks
CREATE TEMP TABLE ranks AS SELECT sab, tty, max(rank) AS rank FROM stage_mrrank GROUP BY ALL;

-- name: concepts
-- Preferred name: highest MRRANK, then TS=P, STT=PF, ISPREF=Y, then the string (deterministic).
INSERT INTO concepts
-- entity_id follows CUI order: standard CUIs by number, then the others by string.
SELECT (row_number() OVER (ORDER BY a.cui_num < 0, abs(a.cui_num)) - 1)::INTEGER AS entity_id,
       a.cui,
       a.best.str AS preferred_name,
       coalesce(t.semantic_types, []::VARCHAR[]) AS semantic_types
FROM (
    SELECT c.cui_num, c.cui,
           max({'rank': coalesce(r.rank, 0), 'ts': c.ts_p, 'stt': c.stt_pf, 'ispref': c.ispref_y,
                'str': c.str}) AS best
    FROM stage_mrconso c LEFT JOIN ranks r ON r.sab = c.sab AND r.tty = c.tty
    WHERE c.dropped_by IS NULL
    GROUP BY c.cui_num, c.cui
) a
LEFT JOIN (
    -- list_sort(list_distinct()) rather than list(DISTINCT .. ORDER BY): the same list (TUI is never NULL),
    -- in ~2/3 of the time
    SELECT cui, list_sort(list_distinct(list(tui))) AS semantic_types FROM stage_mrsty GROUP BY cui
) t ON t.cui = a.cui
ORDER BY entity_id;

-- name: concept_numbers
CREATE TEMP TABLE concept_numbers AS
SELECT c.entity_id, coalesce(o.cui_num, kb_cui_number(c.cui)) AS cui_num, c.cui, c.preferred_name
FROM concepts c LEFT JOIN odd_cuis o ON o.cui = c.cui;

-- name: names
INSERT INTO names
SELECT (row_number() OVER (ORDER BY c.entity_id, n.str, n.lat, n.sab, n.tty) - 1)::INTEGER AS name_id,
       c.cui, n.str, kb_normalize(n.str), n.lat, n.sab, n.tty, n.rank, n.str = c.preferred_name
FROM (
    SELECT a.cui_num, a.str, a.lat, a.sab, a.tty, max(coalesce(r.rank, 0)) AS rank
    FROM stage_mrconso a LEFT JOIN ranks r ON r.sab = a.sab AND r.tty = a.tty
    WHERE a.dropped_by IS NULL
    GROUP BY a.cui_num, a.str, a.lat, a.sab, a.tty
) n
JOIN concept_numbers c ON c.cui_num = n.cui_num
ORDER BY name_id;

-- name: source_codes
-- Sorted, so zone maps serve lookups by (sab, code): DuckDB does not use an ART index for them.
INSERT INTO source_codes
SELECT DISTINCT sab, code, cui FROM stage_mrconso
WHERE dropped_by IS NULL AND code IS NOT NULL
ORDER BY sab, code, cui;

-- name: known_numbers
CREATE TEMP TABLE known_numbers AS
SELECT DISTINCT cui_num FROM stage_mrconso WHERE NOT _bad AND cui_num IS NOT NULL;

-- name: relations
-- Entity ids come from MRREL's staging pass (stage.sql).
INSERT INTO relations
SELECT subject_id, rel, rela, object_id, sab
FROM stage_mrrel
WHERE dropped_by IS NULL AND subject_id IS NOT NULL AND object_id IS NOT NULL;

-- name: semantic_types
INSERT INTO semantic_types
SELECT DISTINCT s.cui, s.tui, s.stn, s.sty
FROM stage_mrsty s SEMI JOIN concepts c ON c.cui = s.cui;

-- name: definitions
INSERT INTO definitions
SELECT d.cui, d.sab, d.def
FROM stage_mrdef d SEMI JOIN concepts c ON c.cui = d.cui
WHERE d.dropped_by IS NULL;

-- name: sources
INSERT INTO sources
SELECT rsab, vsab, son, srl, lat, curver FROM stage_mrsab ORDER BY rsab, vsab;

-- name: name_ranks
INSERT INTO name_ranks
SELECT rank, sab, tty, suppress FROM stage_mrrank ORDER BY rank DESC, sab, tty;
