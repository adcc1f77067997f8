-- MRSTY.RRF: up to 3 semantic types per concept (one value per concept, lines joined by newlines).
-- The primary type follows the name; 0.5% of the concepts get none; ATUI slot is 3 i + m.
COPY (
    WITH concept AS (
        SELECT i, kind, sty FROM synth_concepts() WHERE u(i, 60) >= 0.005
    ), drawn AS (
        SELECT i, [sty,
                   CASE WHEN u(i, 61) < CASE WHEN kind = 3 THEN 0.5 ELSE 0.08 END
                        THEN w_kind_sty2()[kind][1 + draw(i, 62, 4)] END,
                   CASE WHEN u(i, 63) < 0.01 THEN w_kind_sty2()[kind][1 + draw(i, 64, 4)] END] AS drawn
        FROM concept
    ), typed AS (
        SELECT i, [CASE WHEN m = 0 OR NOT list_contains(drawn[:m], drawn[m + 1]) THEN drawn[m + 1] END
                   FOR m IN range(3)] AS types
        FROM drawn
    )
    SELECT array_to_string(
        [concat(cui(i), '|', w_sty_tui()[types[m + 1]], '|', w_sty_stn()[types[m + 1]], '|',
                w_sty_name()[types[m + 1]], '|', 'AT' || (10000000 + 3 * i + m), '|',
                CASE WHEN u(3 * i + m, 65) < 0.08 THEN '256' ELSE '' END, '|')
         FOR m IN range(3) IF types[m + 1] IS NOT NULL], chr(10))
    FROM typed
) TO $path (FORMAT csv, HEADER false, QUOTE '', ESCAPE '', DELIMITER '\t');
