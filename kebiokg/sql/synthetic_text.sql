-- Facts a synthetic abstract can state: relations with a RELA between two different concepts,
-- with each concept's preferred name and first semantic type (synthetic_text.py).
SELECT r.rela, s.cui AS subject_cui, s.preferred_name AS subject_name, s.semantic_types[1] AS subject_tui,
       o.cui AS object_cui, o.preferred_name AS object_name, o.semantic_types[1] AS object_tui
FROM relations r
JOIN concepts s ON s.entity_id = r.subject_id
JOIN concepts o ON o.entity_id = r.object_id
WHERE r.rela IS NOT NULL AND r.subject_id <> r.object_id AND r.rela NOT LIKE 'inverse_%'
ORDER BY r.rela, s.cui, o.cui
