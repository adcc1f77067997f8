-- MRSTY.RRF: slot 3 i + m is the m-th semantic type of concept i.  The primary type follows the name
-- (e.g. a carcinoma is a Neoplastic Process); 0.5% of the concepts get none.
COPY (
    WITH slot AS (
        SELECT s // 3 AS i, s % 3 AS m FROM synth_seq
        WHERE s < 3 * getvariable('concepts') AND u(s // 3, 60) >= 0.005
            AND (s % 3 = 0
                 OR (s % 3 = 1 AND u(s // 3, 61) < CASE WHEN kind_of(s // 3) = 3 THEN 0.5 ELSE 0.08 END)
                 OR (s % 3 = 2 AND u(s // 3, 63) < 0.01))
    ), typed AS (
        SELECT i, m, kind_of(i) AS kind, name_index(i) AS ni FROM slot
    ), drawn AS (
        SELECT i, m, name_parts(ni, kind).sty AS sty1, w_kind_sty2()[kind][1 + draw(i, 62, 4)] AS sty2,
            w_kind_sty2()[kind][1 + draw(i, 64, 4)] AS sty3
        FROM typed
    ), chosen AS (
        SELECT i, m, CASE m WHEN 0 THEN sty1 WHEN 1 THEN sty2 ELSE sty3 END AS sty FROM drawn
        WHERE m = 0 OR (m = 1 AND sty2 <> sty1) OR (m = 2 AND sty3 <> sty1 AND sty3 <> sty2)
    )
    SELECT cui(i) || '|' || w_sty_tui()[sty] || '|' || w_sty_stn()[sty] || '|' || w_sty_name()[sty] || '|'
        || printf('AT%08d', 10000000 + 3 * i + m) || '|'
        || CASE WHEN u(3 * i + m, 65) < 0.08 THEN '256' ELSE '' END || '|'
    FROM chosen
) TO $path (FORMAT csv, HEADER false, QUOTE '', ESCAPE '', DELIMITER '\t');
