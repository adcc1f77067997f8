-- Where the rows of each file went: (reason, rows), reason 'kept' or why the row was dropped
-- (dropped_by as staged, or a concept the filters removed); every row of MRSAB and MRRANK is kept.
-- For MRREL, unknown_cui = an endpoint not in MRCONSO at all, concept_filtered = an endpoint the
-- filters removed.

-- name: MRCONSO
SELECT coalesce(dropped_by, 'kept'), count(*) FROM stage_mrconso GROUP BY 1;

-- name: MRREL
-- Only rows missing an entity id are looked up in known_numbers.
SELECT reason, count(*) FROM (
    SELECT coalesce(dropped_by, 'kept') AS reason FROM stage_mrrel
    WHERE dropped_by IS NOT NULL OR (subject_id IS NOT NULL AND object_id IS NOT NULL)
    UNION ALL
    SELECT CASE
               WHEN subject_num IS NULL OR object_num IS NULL
                 OR subject_num NOT IN (SELECT cui_num FROM known_numbers)
                 OR object_num NOT IN (SELECT cui_num FROM known_numbers) THEN 'unknown_cui'
               ELSE 'concept_filtered'
           END
    FROM stage_mrrel
    WHERE dropped_by IS NULL AND (subject_id IS NULL OR object_id IS NULL)
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
