-- The SQL twins of kebiokg.normalize (tests prove they agree on every name of the real subsets).
-- Temporary macros: created on each connection that uses them, so a read-only KB can too.

-- kb_normalize = normalize_name: strip accents, lowercase, drop apostrophes, runs of non [a-z0-9] ->
-- one space, trim. Apostrophes go with replace(), not a regex: one regex pass per name is most of the cost.
-- The regex matches exactly the runs that are not already one space (a run holding anything but a space,
-- or two spaces or more), so the single spaces between words, most runs, cost no replacement: the same
-- result as '[^a-z0-9]+' in two thirds of the time.
CREATE OR REPLACE TEMP MACRO kb_normalize(s) AS
    trim(regexp_replace(
        replace(replace(lower(strip_accents(s)), '''', ''), '’', ''),
        '[^a-z0-9]*[^a-z0-9 ][^a-z0-9]*| {2,}', ' ', 'g'));

-- kb_inflection_key = inflection_key: the key of every word of a normalized name (word_key).
-- The word lists are normalize.py's IRREGULAR_PLURALS and NOT_PLURALS, in the same order.
CREATE OR REPLACE TEMP MACRO kb_irregular_plural(w) AS MAP {
    'bacteria': 'bacterium', 'nuclei': 'nucleus', 'fungi': 'fungus', 'bronchi': 'bronchus', 'stimuli': 'stimulus',
    'thrombi': 'thrombus', 'emboli': 'embolus', 'calculi': 'calculus', 'alveoli': 'alveolus', 'bacilli': 'bacillus',
    'vertebrae': 'vertebra', 'larvae': 'larva', 'criteria': 'criterion', 'phenomena': 'phenomenon',
    'diverticula': 'diverticulum', 'indices': 'index', 'matrices': 'matrix', 'appendices': 'appendix',
    'cortices': 'cortex', 'mitochondria': 'mitochondrion', 'testes': 'testis', 'children': 'child',
    'women': 'woman', 'teeth': 'tooth'}[w];

CREATE OR REPLACE TEMP MACRO kb_regular_singular(w) AS CASE
    WHEN suffix(w, 'sis') THEN left(w, length(w) - 2) || 'e'
    WHEN suffix(w, 'ss') OR suffix(w, 'us') OR suffix(w, 'is') THEN w
    WHEN suffix(w, 'ies') THEN left(w, length(w) - 3) || 'y'
    WHEN suffix(w, 'sses') OR suffix(w, 'shes') OR suffix(w, 'xes') OR suffix(w, 'zzes') OR suffix(w, 'oaches')
         OR suffix(w, 'eaches') OR (suffix(w, 'ches') AND NOT suffix(w, 'aches')) THEN left(w, length(w) - 2)
    WHEN suffix(w, 'uses') AND substr(w, length(w) - 4, 1) NOT IN ('a', 'e', 'i', 'o', 'u') THEN left(w, length(w) - 2)
    WHEN suffix(w, 's') THEN left(w, length(w) - 1)
    ELSE w END;

-- The form of one word before the irregular plurals are looked up once more (so "womens" -> "women" -> "woman");
-- kb_inflection_key does that lookup in a second pass, so the rules run once per word.
CREATE OR REPLACE TEMP MACRO kb_word_base(w) AS CASE
    WHEN length(w) < 5 OR NOT regexp_full_match(w, '[a-z]+')
         OR w IN ('basis', 'ketosis', 'genetics', 'optics', 'physics', 'kinetics', 'dynamics', 'ethics') THEN w
    ELSE coalesce(kb_irregular_plural(w), kb_regular_singular(w)) END;

CREATE OR REPLACE TEMP MACRO kb_inflection_key(s) AS
    array_to_string(list_transform(list_transform(string_split(s, ' '), lambda w: kb_word_base(w)),
                                   lambda b: coalesce(kb_irregular_plural(b), b)), ' ');
