-- One row per concept index: the scan every generated file starts from.  Files are scans of this
-- table with WHERE and SELECT only, which DuckDB guarantees to keep in insertion order; ORDER BY here
-- makes that order explicit.
CREATE OR REPLACE TEMP TABLE synth_seq AS
SELECT range AS s FROM range(getvariable('concepts')) ORDER BY s;
