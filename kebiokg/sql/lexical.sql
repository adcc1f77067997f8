-- Names for the lexical encoder: as normalized by the loader, or keyed by kb_inflection_key when
-- $inflections (the macros of normalize.sql, created on the connection first).

-- name: names
SELECT name_id, CASE WHEN $inflections THEN kb_inflection_key(norm) ELSE norm END AS name
FROM names ORDER BY name_id;

-- name: names_of_ids
SELECT CASE WHEN $inflections THEN kb_inflection_key(norm) ELSE norm END AS name
FROM names WHERE name_id IN (SELECT unnest($ids)) ORDER BY name_id;
