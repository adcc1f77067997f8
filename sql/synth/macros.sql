-- Macros of the synthetic UMLS release generator; needs vocabulary.sql, the variables `seed` and
-- `concepts` (parameters.sql) and the table synth_seq (sequence.sql).
--
-- Randomness is hash(value, seed, salt): a pure function of the row, so the output does not depend on
-- thread scheduling (random() would).  Every draw has its own salt.  Concept i (0-based) is CUI
-- C{i+1:07d}; its atom k (0..15) is AUI A{16i+k+1:08d}; relationship row rid = 28 i + 2 j + d (pair j,
-- direction d) is RUI R{rid+1:08d}.
--
-- Performance rules: macro arguments are substituted textually, so an argument used several times must
-- be a column, not an expression (the tables below compute values layer by layer, one CTE each); and a
-- hash is reduced modulo UBIGINT (UBIGINT % BIGINT goes through HUGEINT and is 30x slower).

CREATE OR REPLACE TEMP MACRO h(x, salt) AS hash(x, getvariable('seed'), salt);
-- Uniform double in [0, 1).
CREATE OR REPLACE TEMP MACRO u(x, salt) AS (h(x, salt) >> 11)::DOUBLE / 9007199254740992.0;
-- Uniform integer in [0, n).
CREATE OR REPLACE TEMP MACRO draw(x, salt, n) AS (h(x, salt) % (n)::UBIGINT)::BIGINT;
-- 1-based index in [1, n] from a hash value r, and the word it selects.
CREATE OR REPLACE TEMP MACRO idx(r, n) AS 1 + (r % (n)::UBIGINT)::BIGINT;
CREATE OR REPLACE TEMP MACRO word_at(words, n, r) AS words[idx(r, n)];
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
CREATE OR REPLACE TEMP MACRO natoms(i) AS 1 + floor(14 * pow(u(i, 21), 2))::BIGINT;
-- 4..14 relationship pairs (two rows each), mean 9.
CREATE OR REPLACE TEMP MACRO npairs(i) AS 4 + draw(i, 41, 11);

---------------------------------------------------------------------------------------------------------
-- Concept names, in two steps per kind: X_words(shape, r) draws the words from the hash values in r
-- (STRUCT r1..r8 UBIGINT, u1..u4 DOUBLE) into STRUCT(w1..w7, sty); X_parts(shape, w) assembles
-- STRUCT(q, o, head, post, of_form, alt, abbr).  The preferred name is "q o head post" (NULL parts
-- skipped); of_form and alt are complete synonyms, abbr an abbreviation (NULL: the initials) and sty
-- the index of the primary semantic type, which follows the words (a carcinoma is a Neoplastic
-- Process).  Shape (0..99) picks the name pattern.
CREATE OR REPLACE TEMP MACRO words(w1, w2, w3, w4, w5, w6, w7, sty) AS struct_pack(
    w1 := w1::VARCHAR, w2 := w2::VARCHAR, w3 := w3::VARCHAR, w4 := w4::VARCHAR, w5 := w5::VARCHAR,
    w6 := w6::VARCHAR, w7 := w7::VARCHAR, sty := sty::INTEGER);
CREATE OR REPLACE TEMP MACRO parts(q, o, head, post, of_form, alt, abbr) AS struct_pack(
    q := q::VARCHAR, o := o::VARCHAR, head := head::VARCHAR, post := post::VARCHAR, of_form := of_form::VARCHAR,
    alt := alt::VARCHAR, abbr := abbr::VARCHAR);

-- Disorders: "Chronic nephritis", "Sjögren syndrome type 2", "Acute renal insufficiency with fever",
-- "Carcinoma of left kidney".  w1/w2 adjectives, w3 tail, w4/w5 organ adjective/noun, w6 stem+suffix,
-- eponym or side, w7 head noun.
CREATE OR REPLACE TEMP MACRO dis_head_sty(head, uniform) AS CASE
    WHEN head <= 7 THEN 2 WHEN head BETWEEN 23 AND 25 THEN 4 WHEN head BETWEEN 28 AND 30 THEN 5
    WHEN uniform < 0.08 THEN 6 WHEN uniform < 0.22 THEN 3 ELSE 1 END;
CREATE OR REPLACE TEMP MACRO dis_tail(r) AS CASE
    WHEN r.r5 % 20 < 3 THEN 'type ' || (1 + r.r6 % 60)
    WHEN r.r5 % 20 < 5 THEN word_at(w_stage(), getvariable('n_stage'), r.r6)
    WHEN r.r5 % 20 < 7 THEN 'with ' || word_at(w_complication(), getvariable('n_complication'), r.r6)
    WHEN r.r5 % 20 < 9 THEN 'due to ' || word_at(w_cause(), getvariable('n_cause'), r.r6) END;
CREATE OR REPLACE TEMP MACRO dis_words(shape, r) AS words(
    CASE WHEN r.u1 < 0.8 THEN word_at(w_dis_adj(), getvariable('n_dis_adj'), r.r3) END,
    CASE WHEN r.u2 < 0.3 AND idx(r.r4, getvariable('n_dis_adj')) <> idx(r.r3, getvariable('n_dis_adj'))
        THEN word_at(w_dis_adj(), getvariable('n_dis_adj'), r.r4) END,
    dis_tail(r),
    word_at(w_organ_adj(), getvariable('n_organ'), r.r1),
    word_at(w_organ_noun(), getvariable('n_organ'), r.r1),
    CASE WHEN shape < 10 THEN word_at(w_organ_root(), getvariable('n_organ'), r.r1)
                              || word_at(w_dis_suffix(), getvariable('n_dis_suffix'), r.r7)
         WHEN shape < 18 THEN word_at(w_eponym(), getvariable('n_eponym'), r.r7)
         WHEN shape >= 78 AND r.u3 < 0.5 THEN word_at(w_side(), getvariable('n_side'), r.r7) END,
    CASE WHEN shape < 10 THEN word_at(w_dis_suffix_phrase(), getvariable('n_dis_suffix'), r.r7)
         WHEN shape < 18 THEN word_at(w_eponym_head(), getvariable('n_eponym_head'), r.r8)
         ELSE word_at(w_dis_head(), getvariable('n_dis_head'), r.r2) END,
    CASE WHEN shape < 10 THEN CASE WHEN idx(r.r7, getvariable('n_dis_suffix')) = 8 THEN 2 ELSE 1 END
         WHEN shape < 18 THEN CASE WHEN idx(r.r8, getvariable('n_eponym_head')) = 4 THEN 4 ELSE 1 END
         ELSE dis_head_sty(idx(r.r2, getvariable('n_dis_head')), r.u4) END);
CREATE OR REPLACE TEMP MACRO dis_parts(shape, w) AS CASE
    WHEN shape < 10 THEN parts(
        w.w1, NULL, w.w6, w.w3,
        cap(concat_ws(' ', w.w1, w.w7)) || ' of the ' || w.w5 || coalesce(' ' || w.w3, ''),
        cap(concat_ws(' ', w.w1, w.w5, w.w7, w.w3)), NULL)
    WHEN shape < 18 THEN parts(
        w.w2, w.w6, w.w7, w.w3,
        cap(concat_ws(' ', w.w2, w.w7)) || ' of ' || w.w6 || coalesce(' ' || w.w3, ''),
        cap(concat_ws(' ', w.w2, w.w6 || '''s', w.w7, w.w3)), NULL)
    WHEN shape < 78 THEN parts(
        nullif(concat_ws(' ', w.w1, w.w2), ''), w.w4, w.w7, w.w3,
        cap(concat_ws(' ', w.w1, w.w2, w.w7)) || ' of the ' || w.w5 || coalesce(' ' || w.w3, ''),
        cap(concat_ws(' ', w.w1, w.w2, w.w5, w.w7, w.w3)), NULL)
    ELSE parts(
        w.w1, NULL, w.w7 || ' of ' || concat_ws(' ', w.w6, w.w5), w.w3,
        cap(concat_ws(' ', w.w1, w.w7)) || ' of the ' || concat_ws(' ', w.w6, w.w5) || coalesce(' ' || w.w3, ''),
        cap(concat_ws(' ', w.w1, w.w6, w.w4, w.w7, w.w3)), NULL)
    END;

-- Findings: "Intermittent renal pain at night" (shape < 75) or "Increased serum calcium level in
-- fasting sample".  w1/w2 qualifiers, w3 context or timing, w4 organ adjective or specimen, w5 organ,
-- w6 symptom or analyte.
CREATE OR REPLACE TEMP MACRO find_words(shape, r) AS words(
    CASE WHEN shape >= 75 THEN word_at(w_change(), getvariable('n_change'), r.r3)
         WHEN r.u1 < 0.6 THEN word_at(w_find_adj(), getvariable('n_find_adj'), r.r3) END,
    CASE WHEN shape < 75 AND r.u2 < 0.25 THEN word_at(w_dis_adj(), getvariable('n_dis_adj'), r.r4) END,
    CASE WHEN shape < 75 AND r.u3 < 0.45 THEN word_at(w_find_context(), getvariable('n_find_context'), r.r5)
         WHEN shape >= 75 AND r.u3 < 0.6 THEN word_at(w_timing(), getvariable('n_timing'), r.r5) END,
    CASE WHEN shape < 75 THEN word_at(w_organ_adj(), getvariable('n_organ'), r.r1)
         ELSE word_at(w_specimen(), getvariable('n_specimen'), r.r1) END,
    word_at(w_organ_noun(), getvariable('n_organ'), r.r1),
    CASE WHEN shape < 75 THEN word_at(w_symptom(), getvariable('n_symptom'), r.r2)
         ELSE word_at(w_analyte(), getvariable('n_analyte'), r.r2) || coalesce('/' || CASE
             WHEN r.u4 < 0.5 AND idx(r.r6, getvariable('n_analyte')) <> idx(r.r2, getvariable('n_analyte'))
             THEN word_at(w_analyte(), getvariable('n_analyte'), r.r6) END, '') END,
    NULL,
    CASE WHEN shape >= 75 THEN 9 WHEN r.u4 < 0.3 THEN 8 ELSE 7 END);
CREATE OR REPLACE TEMP MACRO find_parts(shape, w) AS CASE
    WHEN shape < 75 THEN parts(
        nullif(concat_ws(' ', w.w1, w.w2), ''), w.w4, w.w6, w.w3,
        cap(concat_ws(' ', w.w1, w.w2, w.w6)) || ' of the ' || w.w5 || coalesce(' ' || w.w3, ''),
        cap(concat_ws(' ', w.w1, w.w2, w.w5, w.w6, w.w3)), NULL)
    ELSE parts(
        w.w1, w.w4, w.w6 || ' level', 'in ' || w.w3 || ' sample',
        cap(w.w1) || ' level of ' || w.w6 || ' in the ' || w.w4 || coalesce(' (' || w.w3 || ')', ''),
        cap(concat_ws(' ', w.w4, w.w6, 'level', w.w1, 'in ' || w.w3 || ' sample')), NULL)
    END;

-- Chemicals: drug "Atorvastatin calcium" (shape < 55), clinical drug "Atorvastatin 20 MG Oral Tablet"
-- (< 70), else IUPAC-like "4-Chloro-2-methylbenzoic acid" with its CAS-style inverted synonym.
-- w1 drug or substituted prefix, w2 salt, dose form or parent, w3 synonym tail.
CREATE OR REPLACE TEMP MACRO chem_words(shape, r) AS words(
    CASE WHEN shape < 70 THEN word_at(w_drug_prefix(), getvariable('n_drug_prefix'), r.r1)
                              || coalesce(CASE WHEN r.u1 < 0.6 THEN word_at(w_drug_infix(), getvariable('n_drug_infix'), r.r2) END, '')
                              || word_at(w_drug_stem(), getvariable('n_drug_stem'), r.r3)
         ELSE word_at(w_locant(), getvariable('n_locant'), r.r1) || cap(word_at(w_substituent(), getvariable('n_substituent'), r.r2))
              || '-' || word_at(w_locant(), getvariable('n_locant'), r.r4) || word_at(w_substituent(), getvariable('n_substituent'), r.r5) END,
    CASE WHEN shape < 55 THEN CASE WHEN r.u2 < 0.3 THEN word_at(w_salt(), getvariable('n_salt'), r.r4) END
         WHEN shape < 70 THEN (5 * idx(r.r4, 40)) || ' MG ' || word_at(w_dose_form(), getvariable('n_dose_form'), r.r5)
         ELSE word_at(w_parent(), getvariable('n_parent'), r.r6) || word_at(w_chem_ending(), getvariable('n_chem_ending'), r.r7) END,
    CASE WHEN shape >= 70 THEN word_at(w_locant(), getvariable('n_locant'), r.r1) || word_at(w_substituent(), getvariable('n_substituent'), r.r2)
                               || '-' || word_at(w_locant(), getvariable('n_locant'), r.r4)
                               || word_at(w_substituent(), getvariable('n_substituent'), r.r5) || '-'
         WHEN shape >= 55 THEN (5 * idx(r.r4, 40)) || 'mg ' || lower(word_at(w_dose_form(), getvariable('n_dose_form'), r.r5)) END,
    NULL, NULL, NULL, NULL,
    CASE WHEN shape >= 70 THEN 11 WHEN shape >= 55 THEN 12
         WHEN idx(r.r3, getvariable('n_drug_stem')) <= 4 THEN 13
         WHEN idx(r.r3, getvariable('n_drug_stem')) <= 7 THEN 15 ELSE 10 END);
CREATE OR REPLACE TEMP MACRO chem_parts(shape, w) AS CASE
    WHEN shape < 55 THEN parts(
        NULL, NULL, w.w1, w.w2, 'Product containing ' || concat_ws(' ', w.w1, w.w2),
        'Product containing ' || concat_ws(' ', w.w1, w.w2), NULL)
    WHEN shape < 70 THEN parts(NULL, NULL, w.w1, w.w2, cap(w.w1) || ' ' || w.w3, cap(w.w1) || ' ' || w.w3, NULL)
    ELSE parts(NULL, NULL, w.w1 || w.w2, NULL, cap(w.w2) || ', ' || w.w3, cap(w.w2) || ', ' || w.w3, NULL)
    END;

-- Genes and proteins: "ZNF423 gene" (shape < 40), "Zinc finger protein 423" (< 85) or
-- "ZNF423 protein, mouse".  w1 symbol, w2 protein name, w3 species.
CREATE OR REPLACE TEMP MACRO gene_number(r) AS (1 + r.r2 % 999)
    || coalesce(CASE WHEN r.u1 < 0.35 THEN word_at(w_letter(), getvariable('n_letter'), r.r3) END, '');
CREATE OR REPLACE TEMP MACRO gene_words(shape, r) AS words(
    word_at(w_gene_symbol(), getvariable('n_gene'), r.r1) || gene_number(r)
        || coalesce(CASE WHEN r.u2 < 0.2 THEN word_at(w_gene_tail(), getvariable('n_gene_tail'), r.r4) END, ''),
    word_at(w_gene_name(), getvariable('n_gene'), r.r1) || gene_number(r) || word_at(w_gene_name_suffix(), getvariable('n_gene'), r.r1)
        || coalesce(CASE WHEN r.u2 < 0.2 THEN ' ' || ltrim(word_at(w_gene_tail(), getvariable('n_gene_tail'), r.r4), '-') END, ''),
    word_at(w_species_common(), getvariable('n_species_common'), r.r5),
    NULL, NULL, NULL, NULL,
    CASE WHEN shape < 40 THEN 19 WHEN shape < 85 THEN word_at(w_gene_sty(), getvariable('n_gene'), r.r1) ELSE 15 END);
CREATE OR REPLACE TEMP MACRO gene_parts(shape, w) AS CASE
    WHEN shape < 40 THEN parts(NULL, NULL, w.w1 || ' gene', NULL, w.w2 || ' gene', w.w2 || ' gene', w.w1)
    WHEN shape < 85 THEN parts(NULL, NULL, w.w2, NULL, w.w1 || ' protein', w.w1 || ' protein', w.w1)
    ELSE parts(NULL, NULL, w.w1 || ' protein, ' || w.w3, NULL, w.w2 || ', ' || w.w3, w.w2 || ', ' || w.w3, w.w1)
    END;

-- Anatomy: "Left upper lobe of right lung" (shape < 60) or "Left renal artery".  w1 modifiers,
-- w2 organ modifier, w3 part, w4/w5 organ adjective/noun.  Semantic type from the part: tissue, cell,
-- location, else organ component.
CREATE OR REPLACE TEMP MACRO anat_sty(part) AS CASE
    WHEN part <= 6 THEN 21 WHEN part = 7 THEN 22 WHEN part <= 12 THEN 23 ELSE 20 END;
CREATE OR REPLACE TEMP MACRO anat_words(shape, r) AS words(
    nullif(concat_ws(' ',
        CASE WHEN r.u1 < 0.6 THEN word_at(w_anat_mod(), getvariable('n_anat_mod'), r.r3) END,
        CASE WHEN r.u2 < 0.25 AND idx(r.r4, getvariable('n_anat_mod')) <> idx(r.r3, getvariable('n_anat_mod'))
            THEN word_at(w_anat_mod(), getvariable('n_anat_mod'), r.r4) END), ''),
    CASE WHEN r.u3 < 0.5 THEN word_at(w_anat_mod(), getvariable('n_anat_mod'), r.r5) END,
    word_at(w_anat_part(), getvariable('n_anat_part'), r.r1),
    word_at(w_organ_adj(), getvariable('n_organ'), r.r2),
    word_at(w_organ_noun(), getvariable('n_organ'), r.r2),
    NULL, NULL,
    anat_sty(idx(r.r1, getvariable('n_anat_part'))));
CREATE OR REPLACE TEMP MACRO anat_parts(shape, w) AS CASE
    WHEN shape < 60 THEN parts(
        w.w1, NULL, w.w3, 'of ' || concat_ws(' ', w.w2, w.w5),
        'Structure of ' || concat_ws(' ', w.w1, w.w3, 'of', w.w2, w.w5),
        cap(concat_ws(' ', w.w1, w.w2, w.w4, w.w3)), NULL)
    ELSE parts(
        nullif(concat_ws(' ', w.w1, w.w2), ''), w.w4, w.w3, NULL,
        'Structure of ' || concat_ws(' ', w.w1, w.w2, w.w4, w.w3),
        cap(concat_ws(' ', w.w1, w.w2, w.w3, 'of', w.w5)), NULL)
    END;

-- Procedures: "Laparoscopic partial nephrectomy with drainage" (shape < 40), "Excision of mucosa of
-- left kidney" (< 80) or LOINC-like "Calcium [Mass/volume] in Serum by Immunoassay".  w1 adjectives,
-- w2 procedure/action/analyte, w3 suffix meaning/side/property, w4 organ adjective or specimen,
-- w5 organ or method, w6 extra phrase or part.
CREATE OR REPLACE TEMP MACRO proc_words(shape, r) AS words(
    nullif(concat_ws(' ',
        CASE WHEN r.u1 < 0.7 THEN word_at(w_proc_adj(), getvariable('n_proc_adj'), r.r3) END,
        CASE WHEN r.u2 < 0.25 AND idx(r.r4, getvariable('n_proc_adj')) <> idx(r.r3, getvariable('n_proc_adj'))
            THEN word_at(w_proc_adj(), getvariable('n_proc_adj'), r.r4) END), ''),
    CASE WHEN shape < 40 THEN word_at(w_organ_root(), getvariable('n_organ'), r.r1) || word_at(w_proc_suffix(), getvariable('n_proc_suffix'), r.r2)
         WHEN shape < 80 THEN word_at(w_proc_action(), getvariable('n_proc_action'), r.r2)
         ELSE word_at(w_analyte(), getvariable('n_analyte'), r.r1) || coalesce('/' || CASE
             WHEN r.u3 < 0.5 AND idx(r.r6, getvariable('n_analyte')) <> idx(r.r1, getvariable('n_analyte'))
             THEN word_at(w_analyte(), getvariable('n_analyte'), r.r6) END, '') END,
    CASE WHEN shape < 40 THEN word_at(w_proc_suffix_phrase(), getvariable('n_proc_suffix'), r.r2)
         WHEN shape < 80 THEN CASE WHEN r.u3 < 0.4 THEN word_at(w_side(), getvariable('n_side'), r.r5) END
         ELSE word_at(w_lab_property(), getvariable('n_lab_property'), r.r2) END,
    CASE WHEN shape < 80 THEN word_at(w_organ_adj(), getvariable('n_organ'), r.r1)
         ELSE word_at(w_specimen(), getvariable('n_specimen'), r.r5) END,
    CASE WHEN shape < 80 THEN word_at(w_organ_noun(), getvariable('n_organ'), r.r1)
         WHEN r.u4 < 0.7 THEN word_at(w_lab_method(), getvariable('n_lab_method'), r.r7) END,
    CASE WHEN shape < 40 AND r.u3 < 0.4 THEN word_at(w_proc_with(), getvariable('n_proc_with'), r.r5)
         WHEN shape >= 40 AND shape < 80 AND r.u4 < 0.5 THEN word_at(w_anat_part(), getvariable('n_anat_part'), r.r6) END,
    NULL,
    CASE WHEN shape < 40 THEN CASE WHEN idx(r.r2, getvariable('n_proc_suffix')) <= 6 THEN 24 ELSE 25 END
         WHEN shape < 80 THEN CASE WHEN idx(r.r2, getvariable('n_proc_action')) <= 8 THEN 24 ELSE 25 END
         ELSE 26 END);
CREATE OR REPLACE TEMP MACRO proc_parts(shape, w) AS CASE
    WHEN shape < 40 THEN parts(
        w.w1, NULL, w.w2, w.w6,
        cap(concat_ws(' ', w.w1, w.w3)) || ' of the ' || w.w5 || coalesce(' ' || w.w6, ''),
        cap(concat_ws(' ', w.w1, w.w4, w.w3, w.w6)), NULL)
    WHEN shape < 80 THEN parts(
        w.w1, NULL, w.w2, 'of ' || concat_ws(' of ', w.w6, concat_ws(' ', w.w3, w.w5)),
        cap(concat_ws(' ', w.w1, w.w2)) || ' of the ' || concat_ws(' of the ', w.w6, concat_ws(' ', w.w3, w.w5)),
        cap(concat_ws(' ', w.w1, w.w3, w.w4, w.w6, w.w2)), NULL)
    ELSE parts(
        NULL, NULL, w.w2 || ' [' || w.w3 || ']', 'in ' || cap(w.w4) || coalesce(' by ' || w.w5, ''),
        'Measurement of ' || w.w2 || ' in the ' || w.w4 || coalesce(' by ' || lower(w.w5), ''),
        cap(concat_ws(' ', w.w4, w.w2, lower(w.w3), 'measurement', 'by ' || lower(w.w5))), NULL)
    END;

-- Organisms: "Streptococcus aureus strain ATCC 12345" or "Rhinovirus 14A".  w1 genus prefix,
-- w2 genus ending (or virus number), w3 species, w4 subspecies or strain.  Semantic type from the
-- genus ending: bacterium, fungus, eukaryote, virus.
CREATE OR REPLACE TEMP MACRO org_words(shape, r) AS words(
    word_at(w_genus_prefix(), getvariable('n_genus_prefix'), r.r1),
    CASE WHEN idx(r.r2, getvariable('n_genus_ending')) = 12
        THEN 'virus ' || (1 + r.r3 % 99) || coalesce(CASE WHEN r.u1 < 0.3 THEN word_at(w_letter(), getvariable('n_letter'), r.r4) END, '')
        ELSE word_at(w_genus_ending(), getvariable('n_genus_ending'), r.r2) END,
    word_at(w_species(), getvariable('n_species'), r.r5),
    CASE WHEN idx(r.r2, getvariable('n_genus_ending')) = 12 THEN NULL
         WHEN r.r6 % 10 < 3 THEN 'subsp. ' || word_at(w_species(), getvariable('n_species'), r.r7)
         WHEN r.r6 % 10 < 7 THEN 'strain ' || word_at(w_strain_lab(), getvariable('n_strain_lab'), r.r8) || ' ' || (10000 + r.r7 % 90000) END,
    NULL, NULL, NULL,
    CASE WHEN idx(r.r2, getvariable('n_genus_ending')) = 12 THEN 29
         WHEN idx(r.r2, getvariable('n_genus_ending')) <= 6 THEN 27
         WHEN idx(r.r2, getvariable('n_genus_ending')) <= 8 THEN 28 ELSE 30 END);
CREATE OR REPLACE TEMP MACRO org_parts(shape, w) AS CASE
    WHEN w.sty = 29 THEN parts(NULL, NULL, w.w1 || w.w2, NULL, 'Human ' || lower(w.w1) || w.w2, 'Human ' || lower(w.w1) || w.w2, NULL)
    ELSE parts(NULL, NULL, w.w1 || w.w2 || ' ' || w.w3, w.w4, w.w1[1] || '. ' || concat_ws(' ', w.w3, w.w4),
               w.w1[1] || '. ' || concat_ws(' ', w.w3, w.w4), NULL)
    END;

-- One row per concept, in concept order: i, kind, name index ni, atom count n, primary semantic type
-- sty, name parts and the preferred name `base`.
CREATE OR REPLACE TEMP MACRO synth_concepts() AS TABLE
WITH indexed AS (
    SELECT s AS i, kind_of(s) AS kind, name_index(s) AS ni FROM synth_seq WHERE s < getvariable('concepts')
), drawn AS (
    SELECT i, kind, ni, draw(ni, 100, 100) AS shape,
        struct_pack(r1 := h(ni, 101), r2 := h(ni, 102), r3 := h(ni, 103), r4 := h(ni, 104), r5 := h(ni, 105),
                    r6 := h(ni, 106), r7 := h(ni, 107), r8 := h(ni, 108), u1 := u(ni, 111), u2 := u(ni, 112),
                    u3 := u(ni, 113), u4 := u(ni, 114)) AS r
    FROM indexed
), worded AS (
    SELECT i, kind, ni, shape,
        CASE kind WHEN 1 THEN dis_words(shape, r) WHEN 2 THEN find_words(shape, r) WHEN 3 THEN chem_words(shape, r)
                  WHEN 4 THEN gene_words(shape, r) WHEN 5 THEN anat_words(shape, r) WHEN 6 THEN proc_words(shape, r)
                  ELSE org_words(shape, r) END AS w
    FROM drawn
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
CREATE OR REPLACE TEMP MACRO tr_spa(s) AS replace(replace(replace(replace(replace(replace(replace(replace(replace(
    replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(s,
    'syndrome', 'síndrome'), 'disease', 'enfermedad'), 'deficiency', 'deficiencia'), 'chronic', 'crónico'),
    'acute', 'agudo'), 'hepatic', 'hepático'), 'cardiac', 'cardíaco'), 'pulmonary', 'pulmonar'),
    'gastric', 'gástrico'), 'inflammation', 'inflamación'), 'infection', 'infección'), 'opathy', 'opatía'),
    'ectomy', 'ectomía'), 'oscopy', 'oscopia'), 'protein', 'proteína'), 'kinase', 'cinasa'), ' of ', ' de '),
    'cillin', 'cilina'), 'statin', 'statina'), 'level', 'nivel');
CREATE OR REPLACE TEMP MACRO tr_fre(s) AS replace(replace(replace(replace(replace(replace(replace(replace(replace(
    replace(replace(replace(replace(replace(replace(replace(replace(s,
    'disease', 'maladie'), 'deficiency', 'déficit'), 'chronic', 'chronique'), 'acute', 'aiguë'),
    'hepatic', 'hépatique'), 'cardiac', 'cardiaque'), 'pulmonary', 'pulmonaire'), 'gastric', 'gastrique'),
    'opathy', 'opathie'), 'ectomy', 'ectomie'), 'oscopy', 'oscopie'), 'protein', 'protéine'), ' of the ', ' du '),
    ' of ', ' de '), 'cillin', 'cilline'), 'statin', 'statine'), 'level', 'taux');
CREATE OR REPLACE TEMP MACRO tr_ger(s) AS replace(replace(replace(replace(replace(replace(replace(replace(replace(
    replace(replace(replace(replace(replace(replace(replace(s,
    'syndrome', 'Syndrom'), 'disease', 'Krankheit'), 'deficiency', 'Mangel'), 'chronic', 'chronische'),
    'acute', 'akute'), 'inflammation', 'Entzündung'), 'pulmonary', 'pulmonale'), 'cardiac', 'kardiale'),
    'opathy', 'opathie'), 'ectomy', 'ektomie'), 'oscopy', 'oskopie'), 'protein', 'Protein'),
    'kinase', 'Kinase'), ' of ', ' des '), 'level', 'Spiegel'), 'gastric', 'gastrische');
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
    WHEN 2 THEN 'Any ' || phrase || ' ' || clause || ' and ' || word_at(w_def_clause(), getvariable('n_def_clause'), h(s, 75))
                || ' (' || lower(base) || ').'
    ELSE 'The term "' || lower(base) || '" denotes ' || article || ' ' || phrase || ' ' || clause || '.' END;
CREATE OR REPLACE TEMP MACRO definition(s, phrase, base) AS definition_of(
    s, phrase, CASE WHEN strpos('aeiou', phrase[1]) > 0 THEN 'an' ELSE 'a' END,
    word_at(w_def_clause(), getvariable('n_def_clause'), h(s, 74)), base);

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
-- Term type of an atom repeating the preferred string: the kind's list walked with an odd stride (a
-- permutation of its 8 entries), skipping the preferred atom's own term type.
CREATE OR REPLACE TEMP MACRO repeat_tty(i, k, kind, pref) AS CASE
    WHEN w_kind_repeat_tty()[kind][1 + ((k - 1) * (1 + 2 * draw(i, 36, 4)) + draw(i, 37, 8)) % 8] <> pref
        THEN w_kind_repeat_tty()[kind][1 + ((k - 1) * (1 + 2 * draw(i, 36, 4)) + draw(i, 37, 8)) % 8]
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
-- Source identifiers SAUI|SCUI|SDUI|CODE (with the separators); the same for every atom of a concept
-- in a source family (so MeSH translations share the MeSH descriptor), except the atom-level SAUI.
CREATE OR REPLACE TEMP MACRO source_ids(i, a, sab, kind) AS CASE w_sab_family()[sab]
    WHEN 'MTH' THEN '|||NOCODE'
    WHEN 'MSH' THEN concat(
        '|M', padded(scramble(i, 10000000), 10000000), '|',
        CASE WHEN kind = 3 THEN 'C' ELSE 'D' END, padded(scramble(i, 1000000), 1000000), '|',
        CASE WHEN kind = 3 THEN 'C' ELSE 'D' END, padded(scramble(i, 1000000), 1000000))
    WHEN 'SNOMEDCT' THEN concat(
        1000000000 + scramble(a, 1000000000), '01', a % 10, '|', 10000000 + scramble(i, 90000000), '00', i % 10,
        '||', 10000000 + scramble(i, 90000000), '00', i % 10)
    WHEN 'NCI' THEN concat('|C', 1000 + scramble(i, 1000000), '||C', 1000 + scramble(i, 1000000))
    WHEN 'MDR' THEN concat('|||', 10000000 + scramble(i, 10000000))
    WHEN 'RXNORM' THEN concat(1 + scramble(a, 100000000), '|', 1 + scramble(i, 10000000), '||', 1 + scramble(i, 10000000))
    WHEN 'OMIM' THEN concat('|', 100000 + scramble(i, 900000), '||', 100000 + scramble(i, 900000))
    ELSE concat('|HP:', padded(scramble(i, 10000000), 10000000), '||HP:', padded(scramble(i, 10000000), 10000000))
    END;
-- SUI and LUI numbers of variant v: per (name index, variant), per abbreviation for initials, and the
-- preferred term's LUI for variants that normalize to it.
CREATE OR REPLACE TEMP MACRO sui_number(v, kind, ni, abbr_code) AS 1 + CASE
    WHEN v = 7 AND kind <> 4 THEN 17 * getvariable('concepts') + abbr_code ELSE v * getvariable('concepts') + ni END;
CREATE OR REPLACE TEMP MACRO lui_number(v, kind, ni, abbr_code) AS 1 + CASE
    WHEN v = 7 AND kind <> 4 THEN 17 * getvariable('concepts') + abbr_code WHEN same_term(v) THEN ni
    ELSE v * getvariable('concepts') + ni END;
-- MRCONSO line of atom k whose variant, term type, string and SUI/LUI numbers are known.
CREATE OR REPLACE TEMP MACRO atom_line(i, k, kind, v, tty, str, lui, sui) AS concat(
    cui(i), '|', w_sab_lat()[w_tty_sab()[tty]], CASE WHEN same_term(v) THEN '|P|L' ELSE '|S|L' END,
    padded(lui, 10000000), '|', CASE WHEN v = 0 THEN 'PF' ELSE w_variant_stt()[v] END, '|S', padded(sui, 10000000),
    CASE WHEN k = 0 OR v <> 0 THEN '|Y|' ELSE '|N|' END, aui(i, k), '|',
    source_ids(i, 16 * i + k, w_tty_sab()[tty], kind), '|', w_sab()[w_tty_sab()[tty]], '|', w_tty()[tty], '|', str, '|',
    w_sab_srl()[w_tty_sab()[tty]], '|',
    CASE WHEN w_tty_suppress()[tty] <> 'N' THEN w_tty_suppress()[tty] WHEN u(16 * i + k, 41) < 0.01 THEN 'E' ELSE 'N' END, '|',
    CASE WHEN u(16 * i + k, 42) < 0.08 THEN w_cvf()[1 + draw(16 * i + k, 43, getvariable('n_cvf'))] END, '|');

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
