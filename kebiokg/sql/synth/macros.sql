-- Macros of the synthetic UMLS release generator; needs vocabulary.sql, the variables `seed` and
-- `concepts` (parameters.sql) and the table synth_seq (sequence.sql).
--
-- Randomness is a hash of (value, salt, seed): a pure function of the row, so the output does not depend
-- on thread scheduling (random() would).  Every draw has its own salt (< 1000003).  Concept i (0-based)
-- is CUI C{i+1:07d}; its atom k (0..15) is AUI A{16i+k+1:08d}; relationship row rid = 28 i + 2 j + d
-- (pair j, direction d) is RUI R{rid+1:08d}.
--
-- Performance rules: macro arguments are substituted textually, so an argument used several times must
-- be a column, not an expression (the tables below compute values layer by layer, one CTE each); and a
-- hash is reduced modulo UBIGINT (UBIGINT % BIGINT goes through HUGEINT and is 30x slower).

-- (hash(x, seed, salt) would not do: DuckDB combines argument hashes linearly, so draws of one x under
-- two salts would differ by a constant XOR, i.e. be almost perfectly correlated.)
CREATE OR REPLACE TEMP MACRO h(x, salt) AS hash(x * 1000003 + salt, getvariable('seed'));
-- Uniform double in [0, 1).
CREATE OR REPLACE TEMP MACRO u(x, salt) AS (h(x, salt) >> 11)::DOUBLE / 9007199254740992.0;
-- Uniform integer in [0, n).
CREATE OR REPLACE TEMP MACRO draw(x, salt, n) AS (h(x, salt) % (n)::UBIGINT)::BIGINT;
CREATE OR REPLACE TEMP MACRO cap(s) AS upper(s[1]) || s[2:];
-- Injective scramble of an index into [0, m) (identity above m), for source codes that must not look
-- sequential yet never collide.
CREATE OR REPLACE TEMP MACRO scramble(i, m) AS CASE WHEN i < m THEN (i * 7919 + 104729) % m ELSE i END;
-- x zero-padded to the digits of `bound` - 1 (bound 10000000: 7 digits), wider when x needs it; twice as
-- fast as printf.  x is evaluated up to three times, so pass a column or a cheap expression.
CREATE OR REPLACE TEMP MACRO padded(x, bound) AS CASE
    WHEN x < bound THEN substr((bound + x)::VARCHAR, 2) ELSE x::VARCHAR END;
CREATE OR REPLACE TEMP MACRO cui(i) AS 'C' || padded(i + 1, 10000000);
CREATE OR REPLACE TEMP MACRO aui(i, k) AS 'A' || padded(16 * i + k + 1, 100000000);

---------------------------------------------------------------------------------------------------------
-- Concepts.
CREATE OR REPLACE TEMP MACRO kind_of(i) AS w_kind_map()[1 + i % 100];
CREATE OR REPLACE TEMP MACRO concept_in_block(r, x, salt, skew) AS r + 100 * least(
    (getvariable('concepts') - 1 - r) // 100,
    floor(((getvariable('concepts') - 1 - r) // 100 + 1) * pow(u(x, salt + 1), skew))::BIGINT);
-- A concept of the given kind, skewed towards low indices by exponent `skew` (1 = uniform).
CREATE OR REPLACE TEMP MACRO concept_of_kind(kind, x, salt, skew) AS concept_in_block(
    w_kind_residues()[kind][1 + draw(x, salt, w_kind_nres()[kind])], x, salt, skew);
-- 1.5% of the concepts reuse the name of another concept of their kind: ambiguous strings, which share
-- their SUI and LUI since identifiers derive from the name index, not from the concept.
CREATE OR REPLACE TEMP MACRO name_index(i) AS CASE
    WHEN u(i, 11) < 0.015 THEN concept_of_kind(kind_of(i), i, 12, 1.0) ELSE i END;
-- 1..15 atoms, mean about 5.
CREATE OR REPLACE TEMP MACRO natoms(i) AS 1 + floor(15 * pow(u(i, 21), 2.1))::BIGINT;
-- 4..14 relationship pairs (two rows each), mean 9.
CREATE OR REPLACE TEMP MACRO npairs(i) AS 4 + draw(i, 41, 11);

---------------------------------------------------------------------------------------------------------
-- Concept names, in two steps per kind: X_words(shape, d, z) turns the name's digits d (STRUCT d1..d6,
-- see the name shapes in vocabulary.sql; z1..z6 their sizes, 1 = role absent) into STRUCT(w1..w7, sty);
-- X_parts(shape, w) assembles STRUCT(q, o, head, post, of_form, alt, abbr).  The preferred name is
-- "q o head post" (NULL parts skipped); of_form and alt are complete synonyms, abbr an abbreviation
-- (NULL: the initials) and sty the index of the primary semantic type, which follows the words (a
-- carcinoma is a Neoplastic Process).
CREATE OR REPLACE TEMP MACRO words(w1, w2, w3, w4, w5, w6, w7, sty) AS struct_pack(
    w1 := w1::VARCHAR, w2 := w2::VARCHAR, w3 := w3::VARCHAR, w4 := w4::VARCHAR, w5 := w5::VARCHAR,
    w6 := w6::VARCHAR, w7 := w7::VARCHAR, sty := sty::INTEGER);
CREATE OR REPLACE TEMP MACRO parts(q, o, head, post, of_form, alt, abbr) AS struct_pack(
    q := q::VARCHAR, o := o::VARCHAR, head := head::VARCHAR, post := post::VARCHAR, of_form := of_form::VARCHAR,
    alt := alt::VARCHAR, abbr := abbr::VARCHAR);
-- Word `digit` (0-based) of a list, and the second word of an ordered pair (never the first one).
CREATE OR REPLACE TEMP MACRO nth(words, digit) AS words[1 + digit];
CREATE OR REPLACE TEMP MACRO other(words, first, digit, n) AS words[1 + (first + 1 + digit) % n];

-- Disorders: "Chronic familial nephritis", "Sjögren syndrome type 2", "Acute renal insufficiency with
-- fever", "Carcinoma of left kidney".  w1/w2 adjectives, w3 tail, w4/w5 organ adjective/noun,
-- w6 stem+suffix, eponym or side, w7 head noun.  Shapes 1-3 stem+suffix, 4 eponym, 5-7 organ
-- adjective + head, 8-9 "head of organ".
CREATE OR REPLACE TEMP MACRO dis_tail(t) AS CASE
    WHEN t < 60 THEN 'type ' || (t + 1)
    WHEN t < 60 + getvariable('n_stage') THEN nth(w_stage(), t - 60)
    WHEN t < 60 + getvariable('n_stage') + getvariable('n_complication')
        THEN 'with ' || nth(w_complication(), t - 60 - getvariable('n_stage'))
    ELSE 'due to ' || nth(w_cause(), t - 60 - getvariable('n_stage') - getvariable('n_complication')) END;
CREATE OR REPLACE TEMP MACRO dis_head_sty(head) AS CASE
    WHEN head <= 7 THEN 2 WHEN head BETWEEN 23 AND 25 THEN 4 WHEN head BETWEEN 28 AND 30 THEN 5
    WHEN head % 11 = 0 THEN 6 WHEN head % 5 = 0 THEN 3 ELSE 1 END;
CREATE OR REPLACE TEMP MACRO dis_words(shape, d, z) AS words(
    CASE WHEN z.z1 > 1 THEN nth(w_dis_adj(), d.d1) END,
    CASE WHEN z.z2 > 1 THEN other(w_dis_adj(), d.d1, d.d2, z.z1) END,
    CASE WHEN z.z5 > 1 THEN dis_tail(d.d5) END,
    nth(w_organ_adj(), d.d3),
    nth(w_organ_noun(), d.d3),
    CASE WHEN shape <= 3 THEN nth(w_organ_root(), d.d3) || nth(w_dis_suffix(), d.d4)
         WHEN shape = 4 THEN nth(w_eponym(), d.d4)
         WHEN shape = 8 THEN nth(w_side(), d.d6) END,
    CASE WHEN shape <= 3 THEN nth(w_dis_suffix_phrase(), d.d4)
         WHEN shape = 4 THEN nth(w_eponym_head(), d.d6)
         ELSE nth(w_dis_head(), d.d4) END,
    CASE WHEN shape <= 3 THEN CASE WHEN d.d4 = 7 THEN 2 ELSE 1 END
         WHEN shape = 4 THEN CASE WHEN d.d6 = 3 THEN 4 ELSE 1 END
         ELSE dis_head_sty(1 + d.d4) END);
CREATE OR REPLACE TEMP MACRO dis_parts(shape, w) AS CASE
    WHEN shape <= 3 THEN parts(
        nullif(concat_ws(' ', w.w1, w.w2), ''), NULL, w.w6, w.w3,
        cap(concat_ws(' ', w.w1, w.w2, w.w7)) || ' of the ' || w.w5 || coalesce(' ' || w.w3, ''),
        cap(concat_ws(' ', w.w1, w.w2, w.w5, w.w7, w.w3)), NULL)
    WHEN shape = 4 THEN parts(
        w.w1, w.w6, w.w7, w.w3,
        cap(concat_ws(' ', w.w1, w.w7)) || ' of ' || w.w6 || coalesce(' ' || w.w3, ''),
        cap(concat_ws(' ', w.w1, w.w6 || '''s', w.w7, w.w3)), NULL)
    WHEN shape <= 7 THEN parts(
        nullif(concat_ws(' ', w.w1, w.w2), ''), w.w4, w.w7, w.w3,
        cap(concat_ws(' ', w.w1, w.w2, w.w7)) || ' of the ' || w.w5 || coalesce(' ' || w.w3, ''),
        cap(concat_ws(' ', w.w1, w.w2, w.w5, w.w7, w.w3)), NULL)
    ELSE parts(
        w.w1, NULL, w.w7 || ' of ' || concat_ws(' ', w.w6, w.w5), w.w3,
        cap(concat_ws(' ', w.w1, w.w7)) || ' of the ' || concat_ws(' ', w.w6, w.w5) || coalesce(' ' || w.w3, ''),
        cap(concat_ws(' ', w.w1, w.w6, w.w4, w.w7, w.w3)), NULL)
    END;

-- Findings: "Intermittent renal pain at night" (shapes 1-3) or "Increased serum calcium/sodium level
-- in fasting sample" (4).  w1/w2 qualifiers (w1 the change for shape 4), w3 context or timing,
-- w4 organ adjective or specimen, w5 organ, w6 symptom or analytes.
CREATE OR REPLACE TEMP MACRO find_words(shape, d, z) AS words(
    CASE WHEN shape = 4 THEN nth(w_change(), d.d1) WHEN z.z1 > 1 THEN nth(w_find_adj(), d.d1) END,
    CASE WHEN shape < 4 AND z.z2 > 1 THEN nth(w_dis_adj(), d.d2) END,
    CASE WHEN shape = 4 THEN nth(w_timing(), d.d6) WHEN z.z5 > 1 THEN nth(w_find_context(), d.d5) END,
    CASE WHEN shape = 4 THEN nth(w_specimen(), d.d3) ELSE nth(w_organ_adj(), d.d3) END,
    nth(w_organ_noun(), d.d3),
    CASE WHEN shape = 4 THEN nth(w_analyte(), d.d4) || '/' || other(w_analyte(), d.d4, d.d5, z.z4)
         ELSE nth(w_symptom(), d.d4) END,
    NULL,
    CASE shape WHEN 4 THEN 9 WHEN 2 THEN 8 ELSE 7 END);
CREATE OR REPLACE TEMP MACRO find_parts(shape, w) AS CASE
    WHEN shape < 4 THEN parts(
        nullif(concat_ws(' ', w.w1, w.w2), ''), w.w4, w.w6, w.w3,
        cap(concat_ws(' ', w.w1, w.w2, w.w6)) || ' of the ' || w.w5 || coalesce(' ' || w.w3, ''),
        cap(concat_ws(' ', w.w1, w.w2, w.w5, w.w6, w.w3)), NULL)
    ELSE parts(
        w.w1, w.w4, w.w6 || ' level', 'in ' || w.w3 || ' sample',
        cap(w.w1) || ' level of ' || w.w6 || ' in the ' || w.w4 || ' (' || w.w3 || ')',
        cap(concat_ws(' ', w.w4, w.w6, 'level', w.w1, 'in ' || w.w3 || ' sample')), NULL)
    END;

-- Chemicals: drug "Atorvalostatin" (shape 1), "Atorvastatin calcium" (2), clinical drug "Atorvastatin
-- 20 MG Oral Tablet" (3), IUPAC-like "4-Chloro-2-methylbenzoic acid" with its CAS-style inverted
-- synonym (4).  w1 drug or substituted prefix, w2 salt, dose form or parent, w3 synonym tail.
CREATE OR REPLACE TEMP MACRO drug_name(shape, d) AS nth(w_drug_prefix(), d.d1) || nth(w_drug_infix(), d.d2)
    || CASE WHEN shape = 1 THEN nth(w_drug_infix(), d.d4) ELSE '' END || nth(w_drug_stem(), d.d3);
CREATE OR REPLACE TEMP MACRO chem_words(shape, d, z) AS words(
    CASE WHEN shape < 4 THEN drug_name(shape, d)
         ELSE nth(w_locant(), d.d1) || cap(nth(w_substituent(), d.d2)) || '-' || nth(w_locant(), d.d3)
              || nth(w_substituent(), d.d4) END,
    CASE shape WHEN 1 THEN NULL WHEN 2 THEN nth(w_salt(), d.d4)
         WHEN 3 THEN (5 * (d.d4 + 1)) || ' MG ' || nth(w_dose_form(), d.d5)
         ELSE nth(w_parent(), d.d5) || nth(w_chem_ending(), d.d6) END,
    CASE WHEN shape = 3 THEN (5 * (d.d4 + 1)) || 'mg ' || lower(nth(w_dose_form(), d.d5))
         WHEN shape = 4 THEN nth(w_locant(), d.d1) || nth(w_substituent(), d.d2) || '-' || nth(w_locant(), d.d3)
                             || nth(w_substituent(), d.d4) || '-' END,
    NULL, NULL, NULL, NULL,
    CASE WHEN shape = 4 THEN 11 WHEN shape = 3 THEN 12 WHEN d.d3 < 4 THEN 13 WHEN d.d3 < 7 THEN 15 ELSE 10 END);
CREATE OR REPLACE TEMP MACRO chem_parts(shape, w) AS CASE
    WHEN shape <= 2 THEN parts(
        NULL, NULL, w.w1, w.w2, 'Product containing ' || concat_ws(' ', w.w1, w.w2),
        'Product containing ' || concat_ws(' ', w.w1, w.w2), NULL)
    WHEN shape = 3 THEN parts(NULL, NULL, w.w1, w.w2, cap(w.w1) || ' ' || w.w3, cap(w.w1) || ' ' || w.w3, NULL)
    ELSE parts(NULL, NULL, w.w1 || w.w2, NULL, cap(w.w2) || ', ' || w.w3, cap(w.w2) || ', ' || w.w3, NULL)
    END;

-- Genes and proteins: "ZNF423 gene" (shape 1), "Zinc finger protein 423" (2) or "ZNF423 protein,
-- mouse" (3).  w1 symbol, w2 protein name, w3 species.
CREATE OR REPLACE TEMP MACRO gene_number(d) AS
    (d.d2 + 1) || CASE WHEN d.d3 > 0 THEN nth(w_letter(), d.d3 - 1) ELSE '' END;
CREATE OR REPLACE TEMP MACRO gene_words(shape, d, z) AS words(
    nth(w_gene_symbol(), d.d1) || gene_number(d) || CASE WHEN d.d4 > 0 THEN nth(w_gene_tail(), d.d4 - 1) ELSE '' END,
    nth(w_gene_name(), d.d1) || gene_number(d) || nth(w_gene_name_suffix(), d.d1)
        || CASE WHEN d.d4 > 0 THEN ' ' || ltrim(nth(w_gene_tail(), d.d4 - 1), '-') ELSE '' END,
    nth(w_species_common(), d.d5),
    NULL, NULL, NULL, NULL,
    CASE shape WHEN 1 THEN 19 WHEN 2 THEN nth(w_gene_sty(), d.d1) ELSE 15 END);
CREATE OR REPLACE TEMP MACRO gene_parts(shape, w) AS CASE shape
    WHEN 1 THEN parts(NULL, NULL, w.w1 || ' gene', NULL, w.w2 || ' gene', w.w2 || ' gene', w.w1)
    WHEN 2 THEN parts(NULL, NULL, w.w2, NULL, w.w1 || ' protein', w.w1 || ' protein', w.w1)
    ELSE parts(NULL, NULL, w.w1 || ' protein, ' || w.w3, NULL, w.w2 || ', ' || w.w3, w.w2 || ', ' || w.w3, w.w1)
    END;

-- Anatomy: "Left upper lobe of right lung" (shapes 1-2, synonym "Lung, right left upper lobe") or "Left
-- upper renal artery" (3, synonym "Left upper artery of kidney").  w1 modifiers,
-- w2 organ modifier, w3 part, w4/w5 organ adjective/noun.  Semantic type from the part: tissue, cell,
-- location, else organ component.
CREATE OR REPLACE TEMP MACRO anat_sty(part) AS CASE
    WHEN part <= 6 THEN 21 WHEN part = 7 THEN 22 WHEN part <= 12 THEN 23 ELSE 20 END;
CREATE OR REPLACE TEMP MACRO anat_words(shape, d, z) AS words(
    concat_ws(' ', nth(w_anat_mod(), d.d1), CASE WHEN z.z2 > 1 THEN other(w_anat_mod(), d.d1, d.d2, z.z1) END),
    CASE WHEN z.z4 > 1 THEN nth(w_anat_mod(), d.d4) END,
    nth(w_anat_part(), d.d3),
    nth(w_organ_adj(), d.d5),
    nth(w_organ_noun(), d.d5),
    NULL, NULL,
    anat_sty(1 + d.d3));
CREATE OR REPLACE TEMP MACRO anat_parts(shape, w) AS CASE
    WHEN shape <= 2 THEN parts(
        w.w1, NULL, w.w3, 'of ' || concat_ws(' ', w.w2, w.w5),
        'Structure of ' || concat_ws(' ', w.w1, w.w3, 'of', w.w2, w.w5),
        cap(w.w5) || ', ' || concat_ws(' ', w.w2, w.w1, w.w3), NULL)
    ELSE parts(
        w.w1, w.w4, w.w3, NULL, 'Structure of ' || concat_ws(' ', w.w1, w.w4, w.w3),
        cap(concat_ws(' ', w.w1, w.w3, 'of', w.w5)), NULL)
    END;

-- Procedures: "Laparoscopic partial nephrectomy with drainage" (shapes 1-2), "Partial excision of
-- mucosa of left kidney" (3) or LOINC-like "Calcium/sodium [Mass/volume] in Serum by Immunoassay" (4).
-- w1 adjectives, w2 procedure/action/analytes, w3 suffix meaning/side/property, w4 organ adjective or
-- specimen, w5 organ or method, w6 with-phrase or part.
CREATE OR REPLACE TEMP MACRO proc_words(shape, d, z) AS words(
    CASE WHEN shape < 4 THEN concat_ws(' ', nth(w_proc_adj(), d.d1),
                                       CASE WHEN z.z2 > 1 THEN other(w_proc_adj(), d.d1, d.d2, z.z1) END) END,
    CASE WHEN shape <= 2 THEN nth(w_organ_root(), d.d3) || nth(w_proc_suffix(), d.d4)
         WHEN shape = 3 THEN nth(w_proc_action(), d.d4)
         ELSE nth(w_analyte(), d.d1) || '/' || other(w_analyte(), d.d1, d.d2, z.z1) END,
    CASE WHEN shape <= 2 THEN nth(w_proc_suffix_phrase(), d.d4) WHEN shape = 3 THEN nth(w_side(), d.d6)
         ELSE nth(w_lab_property(), d.d3) END,
    CASE WHEN shape < 4 THEN nth(w_organ_adj(), d.d3) ELSE nth(w_specimen(), d.d4) END,
    CASE WHEN shape < 4 THEN nth(w_organ_noun(), d.d3) ELSE nth(w_lab_method(), d.d5) END,
    CASE WHEN shape = 2 THEN nth(w_proc_with(), d.d5) WHEN shape = 3 THEN nth(w_anat_part(), d.d5) END,
    NULL,
    CASE WHEN shape <= 2 THEN CASE WHEN d.d4 < 6 THEN 24 ELSE 25 END
         WHEN shape = 3 THEN CASE WHEN d.d4 < 8 THEN 24 ELSE 25 END ELSE 26 END);
CREATE OR REPLACE TEMP MACRO proc_parts(shape, w) AS CASE
    WHEN shape <= 2 THEN parts(
        w.w1, NULL, w.w2, w.w6,
        cap(concat_ws(' ', w.w1, w.w3)) || ' of the ' || w.w5 || coalesce(' ' || w.w6, ''),
        cap(concat_ws(' ', w.w1, w.w4, w.w3, w.w6)), NULL)
    WHEN shape = 3 THEN parts(
        w.w1, NULL, w.w2, 'of ' || w.w6 || ' of ' || w.w3 || ' ' || w.w5,
        cap(concat_ws(' ', w.w1, w.w2)) || ' of the ' || w.w6 || ' of the ' || w.w3 || ' ' || w.w5,
        cap(concat_ws(' ', w.w1, w.w3, w.w4, w.w6, w.w2)), NULL)
    ELSE parts(
        NULL, NULL, w.w2 || ' [' || w.w3 || ']', 'in ' || cap(w.w4) || ' by ' || w.w5,
        'Measurement of ' || w.w2 || ' in the ' || w.w4 || ' by ' || lower(w.w5),
        cap(concat_ws(' ', w.w4, w.w2, lower(w.w3), 'measurement', 'by ' || lower(w.w5))), NULL)
    END;

-- Organisms: "Streptococcus aureus strain ATCC 12345" (shape 1), "Streptococcus aureus subsp. coli" (2)
-- or "Rhinovirus 14A" (3); synonyms "Streptococcus aureus (subsp. coli)" and "Human rhinovirus 14A" (an
-- abbreviated genus, "S. aureus", would make different organisms' synonyms coincide).  w1 genus,
-- w2 species, w3 strain or subspecies, w4 virus name.  Semantic type from the genus ending: bacterium,
-- fungus, eukaryote; or virus.
CREATE OR REPLACE TEMP MACRO org_words(shape, d, z) AS words(
    nth(w_genus_prefix(), d.d1) || CASE WHEN shape < 3 THEN nth(w_genus_ending(), d.d2) ELSE '' END,
    nth(w_species(), d.d3),
    CASE shape WHEN 1 THEN 'strain ' || nth(w_strain_lab(), d.d4) || ' ' || (10000 + d.d5)
               WHEN 2 THEN 'subsp. ' || other(w_species(), d.d3, d.d4, z.z3) END,
    CASE WHEN shape = 3
        THEN 'virus ' || (d.d2 + 1) || CASE WHEN d.d3 > 0 THEN nth(w_letter(), d.d3 - 1) ELSE '' END END,
    NULL, NULL, NULL,
    CASE WHEN shape = 3 THEN 29 WHEN d.d2 < 6 THEN 27 WHEN d.d2 < 8 THEN 28 ELSE 30 END);
CREATE OR REPLACE TEMP MACRO org_parts(shape, w) AS CASE
    WHEN shape = 3 THEN parts(
        NULL, NULL, w.w1 || w.w4, NULL, 'Human ' || lower(w.w1) || w.w4, 'Human ' || lower(w.w1) || w.w4, NULL)
    ELSE parts(NULL, NULL, w.w1 || ' ' || w.w2, w.w3, w.w1 || ' ' || w.w2 || ' (' || w.w3 || ')',
               w.w1 || ' ' || w.w2 || ' (' || w.w3 || ')', NULL)
    END;

-- One row per concept, in concept order: i, kind, name index ni, atom count n, primary semantic type
-- sty, name parts and the preferred name `base`.  The concept's rank among the name indices of its
-- kind picks the shape (slot) and the rank within the shape, which is scrambled into the shape's space
-- (an affine bijection) and split into digits.
CREATE OR REPLACE TEMP MACRO synth_concepts() AS TABLE
WITH indexed AS (
    SELECT s AS i, kind_of(s) AS kind, name_index(s) AS ni FROM synth_seq WHERE s < getvariable('concepts')
), ranked AS (
    SELECT *, (ni // 100) * w_kind_nres()[kind] + getvariable('residue_rank')[1 + ni % 100] AS kind_rank FROM indexed
), slotted AS (
    SELECT *, 1 + (37 * kind_rank) % 100 AS slot FROM ranked
), shaped AS (
    SELECT i, kind, ni, getvariable('slot_shape')[kind][slot] AS shape,
        (kind_rank // 100) * getvariable('shape_counts')[kind][getvariable('slot_shape')[kind][slot]]
            + getvariable('slot_rank')[kind][slot] AS shape_rank
    FROM slotted
), coded AS (
    SELECT i, kind, ni, shape, getvariable('shape_sizes')[kind][shape] AS sizes,
        getvariable('shape_strides')[kind][shape] AS strides,
        (shape_rank * 1000003 + draw(16 * kind + shape, 150, getvariable('shape_space')[kind][shape]))
            % getvariable('shape_space')[kind][shape] AS code
    FROM shaped
), digited AS (
    SELECT i, kind, ni, shape,
        struct_pack(d1 := (code // strides[1]) % sizes[1], d2 := (code // strides[2]) % sizes[2],
                    d3 := (code // strides[3]) % sizes[3], d4 := (code // strides[4]) % sizes[4],
                    d5 := (code // strides[5]) % sizes[5], d6 := (code // strides[6]) % sizes[6]) AS d,
        struct_pack(z1 := sizes[1], z2 := sizes[2], z3 := sizes[3], z4 := sizes[4], z5 := sizes[5], z6 := sizes[6]) AS z
    FROM coded
), worded AS (
    SELECT i, kind, ni, shape,
        CASE kind WHEN 1 THEN dis_words(shape, d, z) WHEN 2 THEN find_words(shape, d, z)
                  WHEN 3 THEN chem_words(shape, d, z) WHEN 4 THEN gene_words(shape, d, z)
                  WHEN 5 THEN anat_words(shape, d, z) WHEN 6 THEN proc_words(shape, d, z)
                  ELSE org_words(shape, d, z) END AS w
    FROM digited
), named AS (
    SELECT i, kind, ni, w.sty AS sty,
        CASE kind WHEN 1 THEN dis_parts(shape, w) WHEN 2 THEN find_parts(shape, w) WHEN 3 THEN chem_parts(shape, w)
                  WHEN 4 THEN gene_parts(shape, w) WHEN 5 THEN anat_parts(shape, w) WHEN 6 THEN proc_parts(shape, w)
                  ELSE org_parts(shape, w) END AS p
    FROM worded
)
SELECT i, kind, ni, natoms(i) AS n, sty, p.q AS q, p.o AS o, p.head AS head, p.post AS post, p.of_form AS of_form,
    p.alt AS alt, p.abbr AS abbr, cap(concat_ws(' ', p.q, p.o, p.head, p.post)) AS base
FROM named;

---------------------------------------------------------------------------------------------------------
-- String variants (ids in vocabulary.sql).
CREATE OR REPLACE TEMP MACRO initials_of(letters, base) AS CASE
    WHEN len(letters) >= 2 THEN left(letters, 5) ELSE upper(left(regexp_replace(base, '[^A-Za-z]', '', 'g'), 4)) END;
CREATE OR REPLACE TEMP MACRO initials(base) AS initials_of(
    regexp_replace(upper(array_to_string([left(w, 1) FOR w IN string_split(base, ' ')], '')), '[^A-Z]', '', 'g'), base);
-- Base-27 number of an up to 5-letter abbreviation: identical abbreviations of different concepts get
-- the same SUI and LUI, as in a real release.
CREATE OR REPLACE TEMP MACRO letters_code(a) AS
    CASE WHEN len(a) >= 1 THEN (ascii(a[1]) - 64) * 531441 ELSE 0 END
    + CASE WHEN len(a) >= 2 THEN (ascii(a[2]) - 64) * 19683 ELSE 0 END
    + CASE WHEN len(a) >= 3 THEN (ascii(a[3]) - 64) * 729 ELSE 0 END
    + CASE WHEN len(a) >= 4 THEN (ascii(a[4]) - 64) * 27 ELSE 0 END
    + CASE WHEN len(a) >= 5 THEN ascii(a[5]) - 64 ELSE 0 END;
CREATE OR REPLACE TEMP MACRO plural_word(w) AS CASE
    WHEN w LIKE '%itis' THEN w[:-5] || 'itides' WHEN w LIKE '%sis' THEN w[:-3] || 'es'
    WHEN w LIKE '%y' AND w NOT LIKE '%ey' THEN w[:-2] || 'ies' WHEN w LIKE '%us' THEN w[:-3] || 'i'
    WHEN w LIKE '%s' OR w LIKE '%x' OR w LIKE '%ch' THEN w || 'es' ELSE w || 's' END;
-- Plural of the first word of a head containing "of", else of its last word.
CREATE OR REPLACE TEMP MACRO plural_head(head) AS CASE
    WHEN head LIKE '% of %' THEN plural_word(split_part(head, ' ', 1)) || head[strpos(head, ' '):]
    WHEN head LIKE '% %' THEN head[:-len(split_part(head, ' ', -1)) - 1] || plural_word(split_part(head, ' ', -1))
    ELSE plural_word(head) END;
-- Rough translations of the frequent words (enough for foreign-looking strings with diacritics).
CREATE OR REPLACE TEMP MACRO tr_spa(s) AS replace(replace(replace(replace(replace(replace(replace(replace(s,
    ' of ', ' de '), 'syndrome', 'síndrome'), 'disease', 'enfermedad'), 'chronic', 'crónico'), 'acute', 'agudo'),
    'protein', 'proteína'), 'opathy', 'opatía'), 'inflammation', 'inflamación');
CREATE OR REPLACE TEMP MACRO tr_fre(s) AS replace(replace(replace(replace(replace(replace(replace(replace(s,
    ' of ', ' de '), 'disease', 'maladie'), 'chronic', 'chronique'), 'acute', 'aiguë'), 'protein', 'protéine'),
    'opathy', 'opathie'), 'hepatic', 'hépatique'), 'cardiac', 'cardiaque');
CREATE OR REPLACE TEMP MACRO tr_ger(s) AS replace(replace(replace(replace(replace(replace(replace(replace(s,
    ' of ', ' des '), 'syndrome', 'Syndrom'), 'disease', 'Krankheit'), 'chronic', 'chronische'), 'acute', 'akute'),
    'protein', 'Protein'), 'opathy', 'opathie'), 'inflammation', 'Entzündung');
-- The string of variant v of a concept name (columns of synth_concepts; x salts the bracket form).
CREATE OR REPLACE TEMP MACRO variant_str(v, q, o, head, post, of_form, alt, base, abbr, kind, x) AS CASE v
    WHEN 0 THEN base
    WHEN 1 THEN lower(base)
    WHEN 2 THEN upper(base)
    WHEN 3 THEN cap(head) || ', ' || coalesce(nullif(concat_ws(' ', q, o, post), ''), 'unspecified')
    WHEN 4 THEN of_form
    WHEN 5 THEN cap(concat_ws(' ', q, o, plural_head(head), post))
    WHEN 6 THEN base || ', NOS'
    WHEN 7 THEN abbr
    WHEN 8 THEN base || ' "' || abbr || '"'
    WHEN 9 THEN alt
    WHEN 10 THEN CASE WHEN u(x, 130) < 0.5 THEN '[X]' || base ELSE base || ' [Ambiguous]' END
    WHEN 11 THEN cap(w_kind_tag()[kind]) || '\' || base
    WHEN 12 THEN base || ' (' || w_kind_tag()[kind] || ')'
    WHEN 13 THEN cap(tr_spa(lower(base)))
    WHEN 14 THEN cap(tr_fre(lower(base)))
    WHEN 15 THEN cap(tr_ger(lower(base)))
    ELSE lower(base[:3]) || upper(base[4:7]) || lower(base[8:]) END;
-- Variants normalizing to the preferred term (case, word order, inflection) share its LUI.
-- (Ranges, not IN lists: DuckDB plans a long IN list as a join, which would not keep the row order.)
CREATE OR REPLACE TEMP MACRO same_term(v) AS v <= 5 OR v = 16;

-- Definition text for definition slot s (MRDEF), built from the concept name; some quote it.
CREATE OR REPLACE TEMP MACRO definition_of(s, phrase, article, clause, base) AS CASE draw(s, 76, 4)
    WHEN 0 THEN base || ': ' || article || ' ' || phrase || ' ' || clause || '.'
    WHEN 1 THEN cap(article) || ' ' || phrase || ' ' || clause || ', also known as "' || initials(base) || '".'
    WHEN 2 THEN 'Any ' || phrase || ' ' || clause || ' and '
                || nth(w_def_clause(), draw(s, 75, getvariable('n_def_clause')))
                || ' (' || lower(base) || ').'
    ELSE 'The term "' || lower(base) || '" denotes ' || article || ' ' || phrase || ' ' || clause || '.' END;
CREATE OR REPLACE TEMP MACRO definition(s, phrase, base) AS definition_of(
    s, phrase, CASE WHEN strpos('aeiou', phrase[1]) > 0 THEN 'an' ELSE 'a' END,
    nth(w_def_clause(), draw(s, 74, getvariable('n_def_clause'))), base);

---------------------------------------------------------------------------------------------------------
-- Atoms.  Atom 0 is the preferred one; the others walk through the kind's variants in a per-concept
-- order (a permutation, so a concept never repeats a variant), or repeat the preferred string in
-- another source/term type (walked the same way).
CREATE OR REPLACE TEMP MACRO variant_stride(i, n) AS CASE
    WHEN gcd(1 + draw(i, 33, n - 1), n) = 1 THEN 1 + draw(i, 33, n - 1) ELSE 1 END;
CREATE OR REPLACE TEMP MACRO atom_variant(i, k, kind) AS CASE
    WHEN k = 0 OR k > w_kind_nvariants()[kind] OR u(i * 16 + k, 31) < 0.25 THEN 0
    ELSE w_kind_variants()[kind][1 + ((k - 1) * variant_stride(i, w_kind_nvariants()[kind])
                                      + draw(i, 32, w_kind_nvariants()[kind])) % w_kind_nvariants()[kind]]
    END;
CREATE OR REPLACE TEMP MACRO pref_tty(i, kind) AS w_sab_pref_tty()[w_kind_pref_sab()[kind][1 + draw(i, 35, 4)]];
-- Term type of an atom repeating the preferred string: the kind's 15 term types walked with a stride
-- coprime with 15 (a permutation, so no two atoms of a concept repeat it in the same term type), with
-- MTH/PN in place of the preferred atom's own term type.
CREATE OR REPLACE TEMP MACRO repeat_tty(i, k, kind, pref) AS CASE
    WHEN w_kind_repeat_tty()[kind][1 + ((k - 1) * w_repeat_stride()[1 + draw(i, 36, 8)] + draw(i, 37, 15)) % 15] <> pref
        THEN w_kind_repeat_tty()[kind][1 + ((k - 1) * w_repeat_stride()[1 + draw(i, 36, 8)] + draw(i, 37, 15)) % 15]
    ELSE 1 END;
CREATE OR REPLACE TEMP MACRO synonym_tty(a, v, sab) AS CASE
    WHEN v = 7 AND sab = 4 THEN 13
    WHEN v = 3 AND sab = 2 THEN 5
    WHEN v >= 13 THEN CASE WHEN u(a, 38) < 0.3 THEN w_sab_syn_tty()[sab][1] ELSE w_sab_pref_tty()[sab] END
    ELSE w_sab_syn_tty()[sab][1 + draw(a, 39, 8)] END;
-- Term type of atom k (ids in w_tty); the source follows from it (w_tty_sab).
CREATE OR REPLACE TEMP MACRO atom_tty(i, k, kind, v) AS CASE
    WHEN k = 0 THEN pref_tty(i, kind)
    WHEN v = 0 THEN repeat_tty(i, k, kind, pref_tty(i, kind))
    WHEN v = 12 THEN CASE WHEN u(i * 16 + k, 40) < 0.1 THEN 10 ELSE 7 END
    WHEN v = 16 THEN 19
    ELSE synonym_tty(i * 16 + k, v, CASE v WHEN 13 THEN 9 WHEN 14 THEN 10 WHEN 15 THEN 11
                                       ELSE w_kind_syn_sab()[kind][1 + draw(i * 16 + k, 34, 10)] END) END;
-- Source identifiers "SAUI|SCUI|SDUI" and the CODE: the same for every atom of a concept in a source
-- family (so the MeSH translations, sources 9-11, share the MeSH descriptor), except the atom-level SAUI.
-- Sources by id (see w_sab): 1 MTH, 2 MSH, 3 SNOMEDCT_US, 4 NCI, 5 MDR, 6 RXNORM, 7 OMIM, 8 HPO.
CREATE OR REPLACE TEMP MACRO source_code(i, sab, kind) AS CASE
    WHEN sab = 2 OR sab >= 9 THEN CASE WHEN kind = 3 THEN 'C' ELSE 'D' END || padded(scramble(i, 1000000), 1000000)
    WHEN sab = 3 THEN concat(10000000 + scramble(i, 90000000), '00', i % 10)
    WHEN sab = 4 THEN 'C' || (1000 + scramble(i, 1000000))
    WHEN sab = 5 THEN (10000000 + scramble(i, 10000000))::VARCHAR
    WHEN sab = 6 THEN (1 + scramble(i, 10000000))::VARCHAR
    WHEN sab = 7 THEN (100000 + scramble(i, 900000))::VARCHAR
    WHEN sab = 8 THEN 'HP:' || padded(scramble(i, 10000000), 10000000)
    ELSE 'NOCODE' END;
CREATE OR REPLACE TEMP MACRO source_ids(i, a, sab, code) AS CASE
    WHEN sab = 2 OR sab >= 9 THEN concat('|M', padded(scramble(i, 10000000), 10000000), '|', code)
    WHEN sab = 3 THEN concat(1000000000 + scramble(a, 1000000000), '01', a % 10, '|', code, '|')
    WHEN sab = 6 THEN concat(1 + scramble(a, 100000000), '|', code, '|')
    WHEN sab = 1 OR sab = 5 THEN '||'
    ELSE concat('|', code, '|') END;
-- SUI and LUI numbers of variant v: per (name index, variant), per abbreviation for initials, and the
-- preferred term's LUI for variants that normalize to it.
CREATE OR REPLACE TEMP MACRO sui_number(v, kind, ni, abbr_code) AS 1 + CASE
    WHEN v = 7 AND kind <> 4 THEN 17 * getvariable('concepts') + abbr_code ELSE v * getvariable('concepts') + ni END;
CREATE OR REPLACE TEMP MACRO lui_number(v, kind, ni, abbr_code) AS 1 + CASE
    WHEN v = 7 AND kind <> 4 THEN 17 * getvariable('concepts') + abbr_code WHEN same_term(v) THEN ni
    ELSE v * getvariable('concepts') + ni END;
-- MRCONSO line of atom k whose variant, term type, string, SUI/LUI numbers and CODE are known.
CREATE OR REPLACE TEMP MACRO atom_line(i, k, kind, v, tty, str, lui, sui, code) AS concat(
    cui(i), '|', w_sab_lat()[w_tty_sab()[tty]], CASE WHEN same_term(v) THEN '|P|L' ELSE '|S|L' END,
    padded(lui, 10000000), '|', CASE WHEN v = 0 THEN 'PF' ELSE w_variant_stt()[v] END, '|S', padded(sui, 10000000),
    CASE WHEN k = 0 OR v <> 0 THEN '|Y|' ELSE '|N|' END, aui(i, k), '|',
    source_ids(i, 16 * i + k, w_tty_sab()[tty], code), '|', w_sab()[w_tty_sab()[tty]], '|', w_tty()[tty], '|',
    code, '|', str, '|',
    w_sab_srl()[w_tty_sab()[tty]], '|',
    CASE WHEN w_tty_suppress()[tty] <> 'N' THEN w_tty_suppress()[tty]
         WHEN u(16 * i + k, 141) < 0.01 THEN 'E' ELSE 'N' END, '|',
    CASE WHEN u(16 * i + k, 142) < 0.08 THEN w_cvf()[1 + draw(16 * i + k, 143, getvariable('n_cvf'))] END, '|');

---------------------------------------------------------------------------------------------------------
-- Relationships.  Pair j of owner i is p = 14 i + j; rid = 2 p + d with d = 0 the forward row
-- (CUI1 = target, CUI2 = owner: "owner REL/RELA target") and d = 1 the inverse row.
CREATE OR REPLACE TEMP MACRO pair_type(p, kind, owner_atoms) AS CASE
    WHEN w_rt_target()[w_kind_rt()[kind][1 + draw(p, 42, 20)]] = -1 AND owner_atoms < 2 THEN 16
    ELSE w_kind_rt()[kind][1 + draw(p, 42, 20)] END;
-- Moves a partner equal to its owner one block away (same kind).
CREATE OR REPLACE TEMP MACRO not_self(i, t) AS CASE
    WHEN t <> i THEN t WHEN i + 100 < getvariable('concepts') THEN i + 100 WHEN i >= 100 THEN i - 100
    ELSE (i + 1) % getvariable('concepts') END;
-- The relationship rows whose ids are in column `rid` of table `source` (its other columns pass
-- through): owner i, direction d, type rt, target kind (-1: the owner itself, 8: any kind), source sab.
-- 0.2% of the pairs point at a concept that does not exist (`dangles`; only their inverse row is
-- written).
CREATE OR REPLACE TEMP MACRO synth_pairs(source) AS TABLE
WITH keyed AS (
    SELECT *, rid // 2 AS p, rid % 2 AS d, rid // 28 AS i FROM query_table(source)
), typed AS (
    SELECT *, kind_of(i) AS kind, natoms(i) AS owner_atoms FROM keyed
), related AS (
    SELECT *, pair_type(p, kind, owner_atoms) AS rt FROM typed
), aimed AS (
    SELECT *, w_rt_target()[rt] AS target_kind, w_rt_target()[rt] <> -1 AND u(p, 44) < 0.002 AS dangles,
        w_rt_sab()[rt][1 + draw(p, 46, 4)] AS rt_sab
    FROM related
)
SELECT *, CASE WHEN rt_sab = 0 THEN w_kind_syn_sab()[kind][1 + draw(p, 47, 10)] ELSE rt_sab END AS sab FROM aimed;
