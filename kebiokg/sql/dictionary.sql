-- The annotator's dictionary: one row per (name key, concept), best evidence first.
-- Parameters: $langs (list of LAT codes), $min_chars (shortest name kept), $acronym_chars (a name
-- written all in capitals and at most this long is an acronym: it only matches capitals in text),
-- $stop_words (names that are one of these words are left out),
-- $left_out_ttys (term types whose names are left out, and so are the concepts named only by them),
-- $inflections (key names by kb_inflection_key and add inverted names the other way round; else the
-- key is the normalized name). Needs the macros of normalize.sql.

-- name: dictionary_rows
WITH preferred AS (
    SELECT cui, any_value(norm) AS norm FROM names WHERE is_preferred GROUP BY cui
),
left_out AS (  -- concepts named only by left-out term types (and the UMLS preferred name MTH/PN made from them)
    SELECT cui FROM names GROUP BY cui
    HAVING bool_and(list_contains($left_out_ttys, tty) OR (sab = 'MTH' AND tty = 'PN'))
       AND bool_or(list_contains($left_out_ttys, tty))
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
),
written AS (
    SELECT *, CASE WHEN $inflections THEN kb_inflection_key(norm) ELSE norm END AS key FROM both_orders
    WHERE length(norm) >= $min_chars AND NOT regexp_full_match(norm, '[0-9 ]+')
      AND NOT list_contains($stop_words, norm)
),
candidates AS (
    SELECT w.key,
           c.entity_id,
           max(w.rank) AS rank,
           bool_or(w.is_preferred) AS preferred,
           bool_and(w.str = upper(w.str) AND length(w.str) <= $acronym_chars) AS acronym,
           any_value(p.norm) AS preferred_norm,
           list(DISTINCT w.norm ORDER BY w.norm) AS surfaces
    FROM written w
    JOIN concepts c ON c.cui = w.cui
    LEFT JOIN preferred p ON p.cui = w.cui
    GROUP BY w.key, c.entity_id
),
mixed AS (  -- keys whose concepts are written differently ("dihydropyridine" and "dihydropyridines")
    SELECT key FROM candidates GROUP BY key HAVING count(*) > 1 AND count(DISTINCT surfaces) > 1
)
SELECT key, entity_id, rank, preferred, acronym,
       CASE WHEN $inflections THEN kb_inflection_key(preferred_norm) ELSE preferred_norm END AS preferred_key,
       CASE WHEN key IN (SELECT key FROM mixed) THEN array_to_string(surfaces, '|') END AS surfaces
FROM candidates
ORDER BY key, preferred DESC, rank DESC, entity_id;

-- name: dictionary_words
-- Every word of the names kept, as written: text words are looked up by these before their key is computed.
SELECT DISTINCT unnest(string_split(norm, ' ')) AS word FROM names WHERE list_contains($langs, lat);

-- name: entity_rows
SELECT entity_id, cui, semantic_types FROM concepts ORDER BY entity_id;
