-- Row ids of MRREL sorted by CUI1 (as in a real release).  Only the narrow ids are sorted; mrrel.sql
-- rebuilds each row from its id, in this order.  A dangling pair keeps only its inverse row, whose
-- CUI1 is the (existing) owner.
CREATE OR REPLACE TEMP TABLE synth_rel_key AS
WITH pair AS (
    SELECT s AS p, s // 14 AS i FROM synth_seq
    WHERE s < 14 * getvariable('concepts') AND s % 14 < npairs(s // 14)
), typed AS (
    SELECT p, i, kind_of(i) AS kind, pair_type(p, kind_of(i), natoms(i)) AS rt FROM pair
), targeted AS (
    SELECT p, i, rt, pair_target(p, i, kind, rt) AS t FROM typed
)
SELECT rid FROM (
    SELECT 2 * p AS rid, t AS cui1 FROM targeted WHERE NOT pair_dangles(p, rt)
    UNION ALL
    SELECT 2 * p + 1 AS rid, i AS cui1 FROM targeted
)
ORDER BY cui1, rid;
