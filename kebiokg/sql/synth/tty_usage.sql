-- Atoms and concepts per (source, term type) and per source (tty NULL): MRSAB.TFR/CFR/TTYL and the
-- MRRANK rows of the term types actually used.  Same atom logic as mrconso.sql, without the strings.
CREATE OR REPLACE TEMP TABLE synth_tty_usage AS
WITH atom AS (
    SELECT s AS i, kind_of(s) AS kind, unnest(range(natoms(s))) AS k
    FROM synth_seq WHERE s < getvariable('concepts')
), varied AS (
    SELECT i, k, kind, atom_variant(i, k, kind) AS v FROM atom
), typed AS (
    SELECT i, atom_tty(i, k, kind, v) AS tty FROM varied
)
SELECT w_tty_sab()[tty] AS sab, tty, count(*) AS atoms, count(DISTINCT i) AS concepts
FROM typed
GROUP BY GROUPING SETS ((sab, tty), (sab));
