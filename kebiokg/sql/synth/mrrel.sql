-- MRREL.RRF, one row per row of synth_rel_key (see rel_keys.sql and synth_pairs).  Synonymy (target
-- kind -1) links two atoms of the owner; 60% of the other source-asserted pairs are atom-level (AUI).
COPY (
    WITH rel AS (
        SELECT * FROM synth_pairs('synth_rel_key')
    ), leveled AS (
        SELECT *,
            target_kind = -1 OR (NOT dangles AND sab <> 1 AND u(p, 48) < 0.6) AS atom_level,
            CASE WHEN target_kind = -1 THEN 0 ELSE draw(p, 49, owner_atoms) END AS owner_k,
            CASE WHEN target_kind = -1 THEN 1 + draw(p, 50, greatest(owner_atoms - 1, 1))
                 ELSE draw(p, 51, natoms(t)) END AS target_k
        FROM rel
    ), oriented AS (
        SELECT *,
            CASE WHEN d = 0 THEN t ELSE i END AS c1, CASE WHEN d = 0 THEN i ELSE t END AS c2,
            CASE WHEN d = 0 THEN target_k ELSE owner_k END AS k1, CASE WHEN d = 0 THEN owner_k ELSE target_k END AS k2
        FROM leveled
    )
    SELECT concat(
        cui(c1), '|', CASE WHEN atom_level THEN aui(c1, k1) END, CASE WHEN atom_level THEN '|AUI|' ELSE '|CUI|' END,
        CASE WHEN d = 0 THEN w_rt_rel()[rt] ELSE w_rt_inv_rel()[rt] END, '|',
        cui(c2), '|', CASE WHEN atom_level THEN aui(c2, k2) END, CASE WHEN atom_level THEN '|AUI|' ELSE '|CUI|' END,
        CASE WHEN d = 0 THEN w_rt_rela()[rt] ELSE w_rt_inv_rela()[rt] END, '|R', padded(rid + 1, 100000000), '|',
        CASE WHEN sab = 3 THEN concat(1000000000 + scramble(p, 1000000000), '02', p % 10) END, '|',
        w_sab()[sab], '|', w_sab()[sab], '|',
        CASE WHEN sab = 3 AND w_rt_rel()[rt] = 'RO' THEN draw(p, 52, 4) END, '|',
        CASE WHEN sab BETWEEN 3 AND 6 THEN CASE WHEN d = 0 THEN 'Y' ELSE 'N' END END, '|',
        CASE WHEN u(p, 53) < 0.02 THEN ['O', 'E', 'Y'][1 + draw(p, 54, 3)] ELSE 'N' END, '|',
        CASE WHEN u(p, 55) < 0.03 THEN '4096' END, '|')
    FROM oriented
) TO $path (FORMAT csv, HEADER false, QUOTE '', ESCAPE '', DELIMITER '\t');
