-- MRCONSO.RRF: atom k of concept i, rows sorted by CUI as in a real release.  The concept name is built
-- once per concept and its atoms unnested from it (an unnest in the SELECT list runs inside the scan's
-- pipeline and keeps its order; the determinism test checks this across thread counts).
COPY (
    WITH concept AS (
        SELECT * FROM synth_concepts()
    ), atom AS (
        SELECT *, unnest(range(n)) AS k FROM concept
    ), varied AS (
        SELECT *, atom_variant(i, k, kind) AS v FROM atom
    ), typed AS (
        SELECT *, atom_tty(i, k, kind, v) AS tty,
            CASE WHEN v = 7 OR v = 8 THEN coalesce(abbr, initials(base)) END AS abbreviation
        FROM varied
    ), coded AS (
        SELECT *, letters_code(abbreviation) AS abbr_code FROM typed
    ), spelled AS (
        SELECT i, k, kind, v, tty, variant_str(v, q, o, head, post, of_form, alt, base, abbreviation, kind, ni) AS str,
            lui_number(v, kind, ni, abbr_code) AS lui, sui_number(v, kind, ni, abbr_code) AS sui,
            source_code(i, w_tty_sab()[tty], kind) AS code
        FROM coded
    )
    SELECT atom_line(i, k, kind, v, tty, str, lui, sui, code) FROM spelled
) TO $path (FORMAT csv, HEADER false, QUOTE '', ESCAPE '', DELIMITER '\t');
