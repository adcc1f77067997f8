-- The annotator's dictionary. `dictionary_names` writes a temporary table of the names kept, keyed;
-- the other statements read it. Parameters: $langs (list of LAT codes), $min_chars (shortest name
-- kept), $acronym_chars (a name written all in capitals and at most this long is an acronym: it only
-- matches capitals in text), $stop_words (names that are one of these words are left out),
-- $left_out_ttys (term types whose names are left out, and so are the concepts named only by them),
-- $inflections (key names by kb_inflection_key and add inverted names the other way round; else the
-- key is the normalized name). Needs the macros of normalize.sql.

-- name: dictionary_names
CREATE OR REPLACE TEMP TABLE dictionary_names AS
WITH left_out AS (  -- concepts named only by left-out term types (and the UMLS preferred name MTH/PN made from them)
    SELECT cui FROM names
    WHERE cui IN (SELECT cui FROM names WHERE list_contains($left_out_ttys, tty))
    GROUP BY cui
    HAVING bool_and(list_contains($left_out_ttys, tty) OR (sab = 'MTH' AND tty = 'PN'))
),
kept AS (
    SELECT * FROM names
    WHERE list_contains($langs, lat) AND NOT list_contains($left_out_ttys, tty)
      AND cui NOT IN (SELECT cui FROM left_out)
),
both_orders AS (  -- each name as written and, when inverted ("Infarction, Myocardial"), the other way round
    SELECT cui, str, norm, rank, is_preferred FROM kept
    UNION ALL
    SELECT cui, str, kb_normalize(split_part(str, ', ', 2) || ' ' || split_part(str, ', ', 1)), rank, false
    FROM kept
    WHERE $inflections AND str LIKE '%_, _%' AND str NOT LIKE '%,%,%'  -- "Asthma, NOS" is not inverted
      AND lower(split_part(str, ', ', 2)) NOT IN ('nos', 'nec', 'unspecified', 'not otherwise specified',
                                                 'not elsewhere classified')
)
SELECT CASE WHEN $inflections THEN kb_inflection_key(w.norm) ELSE w.norm END AS key, w.norm, c.entity_id, w.rank,
       w.is_preferred, w.str = upper(w.str) AND length(w.str) <= $acronym_chars AS acronym
FROM both_orders w
JOIN concepts c ON c.cui = w.cui
WHERE length(w.norm) >= $min_chars AND NOT regexp_full_match(w.norm, '[0-9 ]+')
  AND NOT list_contains($stop_words, w.norm);

-- name: dictionary_rows
-- One row per (key, concept), best evidence first, in a temporary table whose row ids follow that
-- order: `dictionary_page` reads it a slice at a time ($lo <= rowid < $hi), so no process holds all
-- of it at once.
CREATE OR REPLACE TEMP TABLE dictionary_rows AS
WITH preferred AS (
    SELECT c.entity_id,
           CASE WHEN $inflections THEN kb_inflection_key(any_value(n.norm)) ELSE any_value(n.norm) END AS key
    FROM names n JOIN concepts c ON c.cui = n.cui WHERE n.is_preferred GROUP BY c.entity_id
),
grouped AS (
    SELECT key, entity_id, max(rank) AS rank, bool_or(is_preferred) AS preferred, bool_and(acronym) AS acronym
    FROM dictionary_names GROUP BY key, entity_id
)
SELECT g.key, g.entity_id, g.rank, g.preferred, g.acronym, coalesce(p.key, '') AS preferred_key
FROM grouped g
LEFT JOIN preferred p ON p.entity_id = g.entity_id
ORDER BY g.key, g.preferred DESC, g.rank DESC, g.entity_id;

-- name: dictionary_size
SELECT count(*), coalesce(max(rank), 0) FROM dictionary_rows;

-- name: dictionary_page
SELECT key, entity_id, rank, preferred, acronym, preferred_key FROM dictionary_rows
WHERE rowid >= $lo AND rowid < $hi ORDER BY rowid;

-- name: dictionary_forms
-- How the concepts of a key are written, for the keys whose concepts are written differently
-- ("dihydropyridine", a compound, and "dihydropyridines", its class).
SELECT DISTINCT key, norm, entity_id FROM dictionary_names
WHERE key IN (SELECT key FROM dictionary_names GROUP BY key
              HAVING min(norm) <> max(norm) AND min(entity_id) <> max(entity_id));

-- name: drop_dictionary_names
DROP TABLE IF EXISTS dictionary_names;

-- name: drop_dictionary_rows
DROP TABLE IF EXISTS dictionary_rows;

-- name: entity_type_lists
-- Each distinct list of semantic types, in order of first appearance by entity id.
SELECT semantic_types FROM concepts GROUP BY semantic_types ORDER BY min(entity_id);

-- name: entity_rows
-- The concepts of entity ids $lo <= entity_id < $hi, with their list of semantic types numbered as above.
WITH lists AS (
    SELECT semantic_types, row_number() OVER (ORDER BY min(entity_id)) - 1 AS type_id
    FROM concepts GROUP BY semantic_types
)
SELECT c.entity_id, c.cui, l.type_id FROM concepts c JOIN lists l ON l.semantic_types = c.semantic_types
WHERE c.entity_id >= $lo AND c.entity_id < $hi ORDER BY c.entity_id;
