-- MRSAB.RRF: one row per source with atoms, all 25 columns; TFR/CFR are the real atom/concept counts.
COPY (
    WITH source AS (
        SELECT sab, atoms, concepts FROM synth_tty_usage WHERE tty IS NULL
    ), term_types AS (
        SELECT sab, string_agg(w_tty()[tty], ',' ORDER BY w_tty()[tty]) AS ttyl
        FROM synth_tty_usage WHERE tty IS NOT NULL GROUP BY sab
    ), named AS (
        SELECT sab, atoms, concepts, ttyl, w_sab()[sab] AS rsab, w_sab_ver()[sab] AS ver
        FROM source JOIN term_types USING (sab)
    )
    SELECT '||' || CASE WHEN ver = '' THEN rsab
                        WHEN rsab IN ('SNOMEDCT_US', 'NCI', 'RXNORM') THEN rsab || '_' || ver
                        ELSE rsab || ver END || '|'
        || rsab || '|' || w_sab_son()[sab] || '|'
        || w_sab_family()[sab] || '|'
        || ver || '|' || CASE WHEN ver = '' THEN '' ELSE '2099_01_01' END || '||2099AA||'
        || 'Synthetic Licensee;kebiokg;;;;;;;;license@example.org;' || '|'
        || 'Synthetic Curator;kebiokg;;;;;;;;content@example.org;' || '|'
        || w_sab_srl()[sab] || '|' || atoms || '|' || concepts || '|' || w_sab_cxty()[sab] || '|' || ttyl || '|'
        || w_sab_atnl()[sab] || '|' || w_sab_lat()[sab] || '|UTF-8|Y|Y|' || w_sab_ssn()[sab] || '|'
        || w_sab_son()[sab] || '. kebiokg synthetic release; 2099.' || '|'
    FROM named
    ORDER BY rsab
) TO $path (FORMAT csv, HEADER false, QUOTE '', ESCAPE '', DELIMITER '\t');
