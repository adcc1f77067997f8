-- Where the rows of each file went: (reason, rows), reason 'kept' or why the row was dropped
-- (dropped_by as staged, or a concept the filters removed); every row of MRSAB and MRRANK is kept.
-- For MRREL, unknown_cui = an endpoint not in MRCONSO at all, concept_filtered = an endpoint the
-- filters removed.

-- name: MRCONSO
SELECT coalesce(dropped_by, 'kept'), count(*) FROM stage_mrconso GROUP BY 1;

-- name: MRREL
SELECT reason, count(*) FROM (
    SELECT CASE
               WHEN r.dropped_by IS NOT NULL THEN r.dropped_by
               WHEN s.entity_id IS NOT NULL AND o.entity_id IS NOT NULL THEN 'kept'
               WHEN r.subject_num IS NULL OR r.object_num IS NULL
                 OR r.subject_num NOT IN (SELECT cui_num FROM known_numbers)
                 OR r.object_num NOT IN (SELECT cui_num FROM known_numbers) THEN 'unknown_cui'
               ELSE 'concept_filtered'
           END AS reason
    FROM stage_mrrel r
    LEFT JOIN concept_numbers s ON s.cui_num = r.subject_num
    LEFT JOIN concept_numbers o ON o.cui_num = r.object_num
) GROUP BY 1;

-- name: MRSTY
SELECT CASE WHEN coalesce(cui IN (SELECT cui FROM concepts), false) THEN 'kept' ELSE 'concept_filtered' END,
       count(*)
FROM stage_mrsty GROUP BY 1;

-- name: concept_rows
-- MRDEF, MRHIER, MRSAT (`{stage}`): a row no filter dropped is kept when its concept is.
SELECT CASE
           WHEN dropped_by IS NOT NULL THEN dropped_by
           WHEN coalesce(cui IN (SELECT cui FROM concepts), false) THEN 'kept'
           ELSE 'concept_filtered'
       END,
       count(*)
FROM {stage} GROUP BY 1;
