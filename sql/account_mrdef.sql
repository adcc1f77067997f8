-- Where MRDEF rows went (same filter order as derive.sql's definitions).
SELECT
    count(*) FILTER (WHERE keep),
    count(*) FILTER (WHERE reason = 'suppressed'),
    count(*) FILTER (WHERE reason = 'source'),
    count(*) FILTER (WHERE reason = 'concept_filtered'),
    count(*) FILTER (WHERE reason = 'empty')
FROM (
    SELECT reason IS NULL AS keep, reason FROM (
        SELECT CASE
                   WHEN d.def IS NULL THEN 'empty'
                   WHEN NOT $keep_suppressed AND coalesce(d.suppress, 'N') <> 'N' THEN 'suppressed'
                   WHEN $sources IS NOT NULL AND NOT coalesce(list_contains($sources, d.sab), false)
                       THEN 'source'
                   WHEN NOT coalesce(d.cui IN (SELECT cui FROM concepts), false) THEN 'concept_filtered'
               END AS reason
        FROM stage_mrdef d
    )
);
