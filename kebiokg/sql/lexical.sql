-- Strings for the lexical encoder: names as normalized by the loader, or keyed by kb_inflection_key when
-- $inflections (the macros of normalize.sql, created on the connection first). Names that read the same
-- share one vector, so the index holds each distinct string once, numbered (string_id) by its first name.

-- name: macros
CREATE OR REPLACE TEMP MACRO kb_strings(inflections) AS TABLE
SELECT row_number() OVER (ORDER BY min(name_id)) - 1 AS string_id, string
FROM (SELECT name_id, CASE WHEN inflections THEN kb_inflection_key(norm) ELSE norm END AS string FROM names)
GROUP BY string;

-- name: strings
SELECT string FROM kb_strings($inflections) ORDER BY string_id;

-- name: string_count
SELECT count(*) FROM kb_strings($inflections);

-- name: strings_of_ids
SELECT string FROM kb_strings($inflections) WHERE string_id IN (SELECT unnest($ids)) ORDER BY string_id;

-- name: string_entries
-- Each string's concepts by entity id, each once with its best-ranked name of that string (what a hit
-- shows as matched, as `KnowledgeBase.names` lists a concept's names: rank first).
SELECT s.string_id, c.entity_id, first(n.name_id ORDER BY n.rank DESC, n.name_id) AS name_id
FROM names n
JOIN kb_strings($inflections) s ON s.string = CASE WHEN $inflections THEN kb_inflection_key(n.norm) ELSE n.norm END
JOIN concepts c ON c.cui = n.cui
GROUP BY s.string_id, c.entity_id
ORDER BY s.string_id, c.entity_id;
