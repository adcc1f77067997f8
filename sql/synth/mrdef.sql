-- MRDEF.RRF: slot 2 i + m; about 0.3 definitions per concept, attached to the preferred atom (m = 0) or
-- to another English atom (m = 1), worded from the concept name.
COPY (
    WITH slot AS (
        SELECT s, s // 2 AS i, s % 2 AS m FROM synth_seq
        WHERE s < 2 * getvariable('concepts') AND u(s, 70) < CASE WHEN s % 2 = 0 THEN 0.24 ELSE 0.08 END
    ), typed AS (
        SELECT s, i, m, kind_of(i) AS kind, name_index(i) AS ni, natoms(i) AS n FROM slot
    ), atomed AS (
        SELECT *, CASE WHEN m = 0 THEN 0 ELSE 1 + draw(i, 72, greatest(n - 1, 1)) END AS k FROM typed
        WHERE m = 0 OR n >= 2
    ), sourced AS (
        SELECT *, atom_sab(i, k, kind, atom_variant(i, k, kind)) AS sab, base_name(name_parts(ni, kind)) AS base,
            w_kind_def_phrase()[kind][1 + draw(s, 73, 4)] AS phrase,
            pick(w_def_clause(), getvariable('n_def_clause'), s, 74) AS clause
        FROM atomed
    ), worded AS (
        SELECT *, CASE WHEN phrase[1] IN ('a', 'e', 'i', 'o', 'u') THEN 'an' ELSE 'a' END AS article,
            CASE draw(s, 76, 4)
                WHEN 0 THEN base || ': ' || article || ' ' || phrase || ' ' || clause || '.'
                WHEN 1 THEN cap(article) || ' ' || phrase || ' ' || clause || ', also known as "' || initials(base) || '".'
                WHEN 2 THEN 'Any ' || phrase || ' ' || clause || ' and '
                    || pick(w_def_clause(), getvariable('n_def_clause'), s, 75) || ' (' || lower(base) || ').'
                ELSE 'The term "' || lower(base) || '" denotes ' || article || ' ' || phrase || ' ' || clause || '.'
            END AS def
        FROM sourced
        WHERE w_sab_lat()[sab] = 'ENG'
    )
    SELECT cui(i) || '|' || aui(i, k) || '|' || printf('AT%08d', 50000000 + s) || '||' || w_sab()[sab] || '|'
        || def || '|' || CASE WHEN u(s, 77) < 0.01 THEN 'Y' ELSE 'N' END || '||'
    FROM worded
) TO $path (FORMAT csv, HEADER false, QUOTE '', ESCAPE '', DELIMITER '\t');
