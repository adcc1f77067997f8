-- Atoms and concepts per (source, term type) and per source (tty NULL): MRSAB.TFR/CFR/TTYL and the
-- MRRANK rows of the term types actually used.  Same atom logic as mrconso.sql, without the strings.
CREATE OR REPLACE TEMP TABLE synth_tty_usage AS
WITH atom AS (
    SELECT s // 16 AS i, s % 16 AS k FROM synth_seq
    WHERE s < 16 * getvariable('concepts') AND s % 16 < natoms(s // 16)
), varied AS (
    SELECT i, k, kind_of(i) AS kind, atom_variant(i, k, kind_of(i)) AS v FROM atom
), sourced AS (
    SELECT i, i * 16 + k AS a, v, atom_sab(i, k, kind, v) AS sab FROM varied
)
SELECT sab, atom_tty(a, v, sab) AS tty, count(*) AS atoms, count(DISTINCT i) AS concepts
FROM sourced
GROUP BY GROUPING SETS ((sab, atom_tty(a, v, sab)), (sab));
