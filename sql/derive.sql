-- Derived tables from the staged RRF files (temp tables stage_<file>, lowercase columns).
-- Parameters: $langs, $sources, $semantic_types (VARCHAR[] or NULL = all), $keep_suppressed
-- (BOOLEAN), $max_srl (INTEGER or NULL = no limit). Statements run in file order.

-- name: atom_flags
-- Every MRCONSO row with the first filter it fails (NULL = kept): the accounting and the atoms.
CREATE TEMP TABLE atom_flags AS
SELECT c.*,
       coalesce(r.rank, 0) AS rank,
       CASE
           WHEN $langs IS NOT NULL AND NOT coalesce(list_contains($langs, c.lat), false) THEN 'language'
           WHEN NOT $keep_suppressed AND coalesce(c.suppress, 'N') <> 'N' THEN 'suppressed'
           WHEN $sources IS NOT NULL AND NOT coalesce(list_contains($sources, c.sab), false) THEN 'source'
           WHEN $max_srl IS NOT NULL AND coalesce(c.srl, 0) > $max_srl THEN 'restriction_level'
           WHEN $semantic_types IS NOT NULL AND c.cui NOT IN (
               SELECT cui FROM stage_mrsty
               WHERE list_contains($semantic_types, tui) OR list_contains($semantic_types, sty)
           ) THEN 'semantic_type'
       END AS dropped_by
FROM stage_mrconso c
LEFT JOIN (SELECT sab, tty, max(rank) AS rank FROM stage_mrrank GROUP BY ALL) r
       ON r.sab = c.sab AND r.tty = c.tty;

-- name: concepts
-- Preferred name: highest MRRANK, then TS=P, STT=PF, ISPREF=Y, then the string (deterministic).
INSERT INTO concepts
SELECT (row_number() OVER (ORDER BY a.cui) - 1)::INTEGER AS entity_id,
       a.cui,
       a.best.str AS preferred_name,
       coalesce(t.semantic_types, []::VARCHAR[]) AS semantic_types
FROM (
    SELECT cui,
           max({'rank': rank, 'ts': ts = 'P', 'stt': stt = 'PF', 'ispref': ispref = 'Y', 'str': str}) AS best
    FROM atom_flags
    WHERE dropped_by IS NULL
    GROUP BY cui
) a
LEFT JOIN (
    SELECT cui, list(DISTINCT tui ORDER BY tui) AS semantic_types FROM stage_mrsty GROUP BY cui
) t ON t.cui = a.cui
ORDER BY a.cui;

-- name: names
INSERT INTO names
SELECT (row_number() OVER (ORDER BY n.cui, n.norm, n.str, n.lat, n.sab, n.tty) - 1)::INTEGER,
       n.cui, n.str, n.norm, n.lat, n.sab, n.tty, n.rank, n.str = c.preferred_name
FROM (
    SELECT cui, str, kb_normalize(str) AS norm, lat, sab, tty, max(rank) AS rank
    FROM atom_flags
    WHERE dropped_by IS NULL
    GROUP BY cui, str, lat, sab, tty
) n
JOIN concepts c ON c.cui = n.cui
ORDER BY n.cui, n.norm, n.str, n.lat, n.sab, n.tty;

-- name: source_codes
INSERT INTO source_codes
SELECT DISTINCT sab, code, cui FROM atom_flags
WHERE dropped_by IS NULL AND code IS NOT NULL
ORDER BY sab, code, cui;

-- name: known_cuis
CREATE TEMP TABLE known_cuis AS SELECT DISTINCT cui FROM atom_flags;

-- name: relation_flags
CREATE TEMP TABLE relation_flags AS
SELECT r.cui2 AS subject_cui, r.rel, r.rela, r.cui1 AS object_cui, r.sab, r.rui,
       s.entity_id AS subject_id, o.entity_id AS object_id,
       CASE
           WHEN NOT $keep_suppressed AND coalesce(r.suppress, 'N') <> 'N' THEN 'suppressed'
           WHEN $sources IS NOT NULL AND NOT coalesce(list_contains($sources, r.sab), false) THEN 'source'
           WHEN s.entity_id IS NOT NULL AND o.entity_id IS NOT NULL THEN NULL
           WHEN r.cui1 NOT IN (SELECT cui FROM known_cuis)
             OR r.cui2 NOT IN (SELECT cui FROM known_cuis) THEN 'unknown_cui'
           ELSE 'concept_filtered'
       END AS dropped_by
FROM stage_mrrel r
LEFT JOIN concepts s ON s.cui = r.cui2
LEFT JOIN concepts o ON o.cui = r.cui1;

-- name: relations
INSERT INTO relations
SELECT subject_id, subject_cui, rel, rela, object_id, object_cui, sab, rui
FROM relation_flags
WHERE dropped_by IS NULL
ORDER BY subject_id, object_id, rel, rela, sab, rui;

-- name: semantic_types
INSERT INTO semantic_types
SELECT DISTINCT s.cui, s.tui, s.stn, s.sty
FROM stage_mrsty s SEMI JOIN concepts c ON c.cui = s.cui
ORDER BY s.cui, s.tui;

-- name: definitions
INSERT INTO definitions
SELECT d.cui, d.sab, d.def
FROM stage_mrdef d SEMI JOIN concepts c ON c.cui = d.cui
WHERE d.def IS NOT NULL
  AND ($keep_suppressed OR coalesce(d.suppress, 'N') = 'N')
  AND ($sources IS NULL OR coalesce(list_contains($sources, d.sab), false))
ORDER BY d.cui, d.sab, d.def;

-- name: sources
INSERT INTO sources
SELECT rsab, vsab, son, srl, lat, curver FROM stage_mrsab ORDER BY rsab, vsab;

-- name: name_ranks
INSERT INTO name_ranks
SELECT rank, sab, tty, suppress FROM stage_mrrank ORDER BY rank DESC, sab, tty;
