-- MRSTY.RRF: up to 3 semantic types per concept, rows sorted by CUI; type slot m gives ATUI 3 i + m.
-- The primary type follows the name; 0.5% of the concepts get none.
COPY (
    WITH concept AS (
        SELECT i, kind, sty FROM synth_concepts() WHERE u(i, 60) >= 0.005
    ), drawn AS (
        SELECT i, [sty,
                   CASE WHEN u(i, 61) < CASE WHEN kind = 3 THEN 0.5 ELSE 0.08 END
                        THEN w_kind_sty2()[kind][1 + draw(i, 62, 4)] END,
                   CASE WHEN u(i, 63) < 0.01 THEN w_kind_sty2()[kind][1 + draw(i, 64, 4)] END] AS drawn
        FROM concept
    ), slotted AS (
        SELECT i, drawn, unnest([m FOR m IN range(3)
                                 IF drawn[m + 1] IS NOT NULL AND NOT list_contains(drawn[:m], drawn[m + 1])]) AS m
        FROM drawn
    )
    SELECT concat(cui(i), '|', w_sty_tui()[drawn[m + 1]], '|', w_sty_stn()[drawn[m + 1]], '|',
                  w_sty_name()[drawn[m + 1]], '|AT', 10000000 + 3 * i + m, '|',
                  CASE WHEN u(3 * i + m, 65) < 0.08 THEN '256' END, '|')
    FROM slotted
) TO $path (FORMAT csv, HEADER false, QUOTE '', ESCAPE '', DELIMITER '\t');
