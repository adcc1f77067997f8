-- Row-id source of every generated file: 16 slots per concept (atoms use up to 16, relationship pairs
-- 14, semantic types 3, definitions 2).  Files are scans of this one table with WHERE and SELECT only,
-- which DuckDB guarantees to keep in insertion order (ORDER BY here makes that order explicit).
CREATE OR REPLACE TEMP TABLE synth_seq AS
SELECT range AS s FROM range(16 * getvariable('concepts')) ORDER BY s;
