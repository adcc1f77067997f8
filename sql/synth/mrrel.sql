-- MRREL.RRF, one row per id of synth_rel_key (see rel_keys.sql and the relationship macros).
COPY (
    WITH keyed AS (
        SELECT rid, rid // 2 AS p, rid % 2 AS d, rid // 28 AS i FROM synth_rel_key
    ), typed AS (
        SELECT *, kind_of(i) AS kind, natoms(i) AS owner_atoms FROM keyed
    ), related AS (
        SELECT *, pair_type(p, kind, owner_atoms) AS rt FROM typed
    ), targeted AS (
        SELECT *, pair_target(p, i, kind, rt) AS t, pair_sab(p, kind, rt) AS sab FROM related
    ), leveled AS (
        SELECT *,
            CASE WHEN w_rt_target()[rt] = -1 THEN 'AUI'
                 WHEN pair_dangles(p, rt) OR sab = 1 OR u(p, 48) >= 0.6 THEN 'CUI' ELSE 'AUI' END AS stype,
            CASE WHEN w_rt_target()[rt] = -1 THEN 0 ELSE draw(p, 49, owner_atoms) END AS owner_k,
            CASE WHEN w_rt_target()[rt] = -1 THEN 1 + draw(p, 50, greatest(owner_atoms - 1, 1))
                 ELSE draw(p, 51, natoms(t)) END AS target_k
        FROM targeted
    ), oriented AS (
        SELECT *,
            CASE WHEN d = 0 THEN t ELSE i END AS c1, CASE WHEN d = 0 THEN i ELSE t END AS c2,
            CASE WHEN d = 0 THEN target_k ELSE owner_k END AS k1, CASE WHEN d = 0 THEN owner_k ELSE target_k END AS k2
        FROM leveled
    )
    SELECT cui(c1) || '|' || CASE WHEN stype = 'AUI' THEN aui(c1, k1) ELSE '' END || '|' || stype || '|'
        || CASE WHEN d = 0 THEN w_rt_rel()[rt] ELSE w_rt_inv_rel()[rt] END || '|'
        || cui(c2) || '|' || CASE WHEN stype = 'AUI' THEN aui(c2, k2) ELSE '' END || '|' || stype || '|'
        || CASE WHEN d = 0 THEN w_rt_rela()[rt] ELSE w_rt_inv_rela()[rt] END || '|'
        || printf('R%08d', rid + 1) || '|'
        || CASE WHEN sab = 3 THEN (1000000000 + scramble(p, 1000000000))::VARCHAR || '02' || (p % 10)::VARCHAR
                ELSE '' END || '|'
        || w_sab()[sab] || '|' || w_sab()[sab] || '|'
        || CASE WHEN sab = 3 AND w_rt_rel()[rt] = 'RO' THEN draw(p, 52, 4)::VARCHAR ELSE '' END || '|'
        || CASE WHEN sab IN (3, 4, 5, 6) THEN CASE WHEN d = 0 THEN 'Y' ELSE 'N' END ELSE '' END || '|'
        || CASE WHEN u(p, 53) < 0.02 THEN ['O', 'E', 'Y'][1 + draw(p, 54, 3)] ELSE 'N' END || '|'
        || CASE WHEN u(p, 55) < 0.03 THEN '4096' ELSE '' END || '|'
    FROM oriented
) TO $path (FORMAT csv, HEADER false, QUOTE '', ESCAPE '', DELIMITER '\t');
