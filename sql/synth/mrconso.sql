-- MRCONSO.RRF: atom k of concept i is row 16 i + k, so rows come out sorted by CUI.
COPY (
    WITH atom AS (
        SELECT s // 16 AS i, s % 16 AS k FROM synth_seq
        WHERE s < 16 * getvariable('concepts') AND s % 16 < natoms(s // 16)
    ), named AS (
        SELECT i, k, i * 16 + k AS a, kind_of(i) AS kind, name_index(i) AS ni FROM atom
    ), varied AS (
        SELECT *, atom_variant(i, k, kind) AS v, name_parts(ni, kind) AS p FROM named
    ), sourced AS (
        SELECT *, atom_sab(i, k, kind, v) AS sab, base_name(p) AS base FROM varied
    ), termed AS (
        SELECT *, atom_tty(a, v, sab) AS tty,
            CASE WHEN v IN (7, 8) THEN coalesce(p.abbr, initials(base)) END AS abbr
        FROM sourced
    ), identified AS (
        SELECT *, variant_str(p, base, v, kind, ni, abbr) AS str, source_ids(i, a, sab, kind) AS ids,
            CASE WHEN v = 7 AND kind <> 4 THEN 17 * getvariable('concepts') + letters_code(abbr)
                 ELSE v * getvariable('concepts') + ni END + 1 AS sui,
            CASE WHEN v = 7 AND kind <> 4 THEN 17 * getvariable('concepts') + letters_code(abbr)
                 WHEN same_term(v) THEN ni
                 ELSE v * getvariable('concepts') + ni END + 1 AS lui
        FROM termed
    )
    SELECT cui(i) || '|' || w_sab_lat()[sab] || '|' || CASE WHEN same_term(v) THEN 'P' ELSE 'S' END || '|'
        || printf('L%07d', lui) || '|' || CASE WHEN v = 0 THEN 'PF' ELSE w_variant_stt()[v] END || '|'
        || printf('S%07d', sui) || '|' || CASE WHEN k = 0 OR v <> 0 THEN 'Y' ELSE 'N' END || '|'
        || aui(i, k) || '|' || ids.saui || '|' || ids.scui || '|' || ids.sdui || '|' || w_sab()[sab] || '|'
        || w_tty()[tty] || '|' || ids.code || '|' || str || '|' || w_sab_srl()[sab] || '|'
        || CASE WHEN w_tty_suppress()[tty] <> 'N' THEN w_tty_suppress()[tty]
                WHEN u(a, 40) < 0.01 THEN 'E' ELSE 'N' END || '|'
        || CASE WHEN u(a, 41) < 0.08 THEN pick(w_cvf(), getvariable('n_cvf'), a, 42) ELSE '' END || '|'
    FROM identified
) TO $path (FORMAT csv, HEADER false, QUOTE '', ESCAPE '', DELIMITER '\t');
