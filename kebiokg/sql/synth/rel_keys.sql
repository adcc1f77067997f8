-- Row ids of MRREL with their partner concept t, sorted by CUI1 as in a real release.  Only these
-- narrow rows are sorted (a wider payload costs more to sort than mrrel.sql saves by reading it); mrrel.sql
-- rebuilds each row from them, in this order.  A dangling pair keeps only its inverse row, whose CUI1
-- is the (existing) owner.
CREATE OR REPLACE TEMP VIEW synth_rel_slot AS
SELECT 28 * i + 2 * j + d AS rid
FROM (SELECT s AS i, unnest(range(npairs(s))) AS j FROM synth_seq WHERE s < getvariable('concepts'))
CROSS JOIN (VALUES (0), (1)) AS direction(d);

CREATE OR REPLACE TEMP TABLE synth_rel_key AS
WITH drawn AS (
    SELECT rid, d, i, dangles, target_kind,
        CASE WHEN target_kind = -1 THEN i
             WHEN dangles THEN getvariable('concepts') + draw(p, 45, getvariable('concepts'))
             WHEN target_kind = 8 THEN floor(getvariable('concepts') * pow(u(p, 56), w_rt_skew()[rt]))::BIGINT
             WHEN target_kind = 0 THEN concept_of_kind(kind, p, 56, w_rt_skew()[rt])
             ELSE concept_of_kind(target_kind, p, 56, w_rt_skew()[rt]) END AS partner
    FROM synth_pairs('synth_rel_slot')
    WHERE d = 1 OR NOT dangles
), targeted AS (
    SELECT rid, d, i, CASE WHEN target_kind = -1 OR dangles THEN partner ELSE not_self(i, partner) END AS t
    FROM drawn
)
SELECT rid, t FROM targeted ORDER BY CASE WHEN d = 0 THEN t ELSE i END, rid;
