-- One row per concept index: the scan every generated file starts from.  A file is a scan of this table
-- through WHERE and SELECT steps (CTEs), which keep its insertion order, so rows come out sorted by CUI
-- without a sort (MRREL, sorted by CUI1, is the exception: see rel_keys.sql).
CREATE OR REPLACE TEMP TABLE synth_seq AS
SELECT range AS s FROM range(getvariable('concepts')) ORDER BY s;
