-- Optional derived tables (--tables MRHIER,MRSAT); same parameters as derive.sql.

-- name: hierarchy
INSERT INTO hierarchy
SELECT h.cui, h.aui, h.cxn, h.paui, h.sab, h.rela, h.ptr, h.hcd
FROM stage_mrhier h SEMI JOIN concepts c ON c.cui = h.cui
WHERE $sources IS NULL OR coalesce(list_contains($sources, h.sab), false)
ORDER BY h.cui, h.aui, h.cxn;

-- name: attributes
INSERT INTO attributes
SELECT a.cui, a.metaui, a.stype, a.code, a.atn, a.sab, a.atv
FROM stage_mrsat a SEMI JOIN concepts c ON c.cui = a.cui
WHERE a.atn IS NOT NULL
  AND ($keep_suppressed OR coalesce(a.suppress, 'N') = 'N')
  AND ($sources IS NULL OR coalesce(list_contains($sources, a.sab), false))
ORDER BY a.cui, a.atn;
