-- The SQL twin of kebiokg.normalize.normalize_name (a test proves they agree on real names).
-- strip accents, lowercase, drop apostrophes, runs of non [a-z0-9] -> one space, trim.
CREATE OR REPLACE MACRO kb_normalize(s) AS
    trim(regexp_replace(
        regexp_replace(lower(strip_accents(s)), '[''’]', '', 'g'),
        '[^a-z0-9]+', ' ', 'g'));
