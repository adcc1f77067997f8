-- MRDEF.RRF: about 0.3 definitions per concept, rows sorted by CUI: on the preferred atom (slot m = 0)
-- or on another English atom (m = 1), worded from the concept name.
COPY (
    WITH concept AS (
        SELECT i, kind, n, base FROM synth_concepts()
        WHERE u(2 * i, 70) < 0.24 OR u(2 * i + 1, 70) < 0.08
    ), placed AS (
        SELECT *, 1 + draw(i, 72, greatest(n - 1, 1)) AS k1 FROM concept
    ), varied AS (
        SELECT *, atom_variant(i, k1, kind) AS v1 FROM placed
    ), sourced AS (
        SELECT *, [w_tty_sab()[pref_tty(i, kind)], w_tty_sab()[atom_tty(i, k1, kind, v1)]] AS sabs FROM varied
    ), slotted AS (
        SELECT *, unnest([m FOR m IN range(2)
                          IF CASE m WHEN 0 THEN u(2 * i, 70) < 0.24
                             ELSE u(2 * i + 1, 70) < 0.08 AND n >= 2 AND w_sab_lat()[sabs[2]] = 'ENG' END]) AS m
        FROM sourced
    )
    SELECT concat(cui(i), '|', aui(i, CASE WHEN m = 0 THEN 0 ELSE k1 END), '|AT', 50000000 + 2 * i + m, '||',
                  w_sab()[sabs[m + 1]], '|',
                  definition(2 * i + m, w_kind_def_phrase()[kind][1 + draw(2 * i + m, 73, 4)], base),
                  '|', CASE WHEN u(2 * i + m, 77) < 0.01 THEN 'Y' ELSE 'N' END, '||')
    FROM slotted
) TO $path (FORMAT csv, HEADER false, QUOTE '', ESCAPE '', DELIMITER '\t');
