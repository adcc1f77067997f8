-- MRRANK.RRF: one row per (source, term type) used; higher RANK = preferred (w_rank_order).
COPY (
    SELECT printf('%04d', 400 - 10 * list_position(w_rank_order(), tty)) || '|' || w_sab()[sab] || '|'
        || w_tty()[tty] || '|' || w_tty_suppress()[tty] || '|'
    FROM synth_tty_usage
    WHERE tty IS NOT NULL
    ORDER BY list_position(w_rank_order(), tty)
) TO $path (FORMAT csv, HEADER false, QUOTE '', ESCAPE '', DELIMITER '\t');
