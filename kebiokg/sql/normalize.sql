-- The SQL twin of kebiokg.normalize.normalize_name (a test proves they agree on real names).
-- strip accents, lowercase, drop apostrophes, runs of non [a-z0-9] -> one space, trim.
-- Apostrophes go with replace(), not a regex: one regex pass per name is most of the cost.
CREATE OR REPLACE MACRO kb_normalize(s) AS
    trim(regexp_replace(
        replace(replace(lower(strip_accents(s)), '''', ''), '’', ''),
        '[^a-z0-9]+', ' ', 'g'));
