-- Where the rows of MRCONSO and MRREL went (dropped_by as staged; for MRREL also the rows whose
-- endpoint is not a kept concept: unknown_cui = not in MRCONSO at all, concept_filtered = filtered).

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
