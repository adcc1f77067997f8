-- Optional derived tables (--tables MRHIER,MRSAT): rows of kept concepts that no filter dropped
-- (dropped_by, see stage.sql).

-- name: hierarchy
INSERT INTO hierarchy
SELECT h.cui, h.aui, h.cxn, h.paui, h.sab, h.rela, h.ptr, h.hcd
FROM stage_mrhier h SEMI JOIN concepts c ON c.cui = h.cui
WHERE h.dropped_by IS NULL
ORDER BY h.cui, h.aui, h.cxn;

-- name: attributes
INSERT INTO attributes
SELECT a.cui, a.metaui, a.stype, a.code, a.atn, a.sab, a.atv
FROM stage_mrsat a SEMI JOIN concepts c ON c.cui = a.cui
WHERE a.dropped_by IS NULL
ORDER BY a.cui, a.atn;
