-- The annotator's dictionary: one row per (normalized name, concept), best evidence first.
-- Parameters: $langs (list of LAT codes), $min_chars (shortest name kept), $acronym_chars (a name
-- written all in capitals and at most this long is an acronym: it only matches capitals in text).

-- name: dictionary_rows
WITH preferred AS (
    SELECT cui, any_value(norm) AS norm FROM names WHERE is_preferred GROUP BY cui
)
SELECT n.norm,
       c.entity_id,
       max(n.rank) AS rank,
       bool_or(n.is_preferred) AS preferred,
       bool_and(n.str = upper(n.str) AND length(n.str) <= $acronym_chars) AS acronym,
       any_value(p.norm) AS preferred_norm
FROM names n
JOIN concepts c ON c.cui = n.cui
LEFT JOIN preferred p ON p.cui = n.cui
WHERE length(n.norm) >= $min_chars
  AND list_contains($langs, n.lat)
  AND NOT regexp_full_match(n.norm, '[0-9 ]+')
GROUP BY n.norm, c.entity_id
ORDER BY n.norm, preferred DESC, rank DESC, c.entity_id;

-- name: entity_rows
SELECT entity_id, cui, semantic_types FROM concepts ORDER BY entity_id;
