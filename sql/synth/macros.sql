-- Macros of the synthetic UMLS release generator; needs vocabulary.sql and the variables `seed` and
-- `concepts`.
--
-- Randomness is hash(value, seed, salt): a pure function of the row, so output does not depend on thread
-- scheduling (random() would).  Every draw uses its own salt.  Concept i (0-based) is CUI C{i+1:07d}; its
-- atom k (0..15) is AUI A{16i+k+1:08d}; its relationship pair j (0..13) has RUIs R{2(14i+j)+d+1:08d}.

CREATE OR REPLACE TEMP MACRO h(x, salt) AS hash(x, getvariable('seed'), salt);
-- Uniform double in [0, 1).
CREATE OR REPLACE TEMP MACRO u(x, salt) AS (h(x, salt) >> 11)::DOUBLE / 9007199254740992.0;
-- Uniform integer in [0, n).
CREATE OR REPLACE TEMP MACRO draw(x, salt, n) AS (h(x, salt) % n)::BIGINT;
CREATE OR REPLACE TEMP MACRO pick(words, n, x, salt) AS words[1 + draw(x, salt, n)];
CREATE OR REPLACE TEMP MACRO maybe(p, x, salt, val) AS CASE WHEN u(x, salt) < p THEN val END;
CREATE OR REPLACE TEMP MACRO cap(s) AS upper(s[1]) || s[2:];
-- Injective scramble of an index into [0, m) (identity above m), for source codes that must not look
-- sequential yet never collide.
CREATE OR REPLACE TEMP MACRO scramble(i, m) AS CASE WHEN i < m THEN (i * 7919 + 104729) % m ELSE i END;
CREATE OR REPLACE TEMP MACRO cui(i) AS printf('C%07d', i + 1);
CREATE OR REPLACE TEMP MACRO aui(i, k) AS printf('A%08d', i * 16 + k + 1);

---------------------------------------------------------------------------------------------------------
-- Concepts.
CREATE OR REPLACE TEMP MACRO kind_of(i) AS w_kind_map()[1 + i % 100];
CREATE OR REPLACE TEMP MACRO concept_in_block(r, x, salt, skew) AS r + 100 * least(
    (getvariable('concepts') - 1 - r) // 100,
    floor(((getvariable('concepts') - 1 - r) // 100 + 1) * pow(u(x, salt + 1), skew))::BIGINT);
-- A concept of the given kind, skewed towards low indices by exponent `skew` (1 = uniform).
CREATE OR REPLACE TEMP MACRO concept_of_kind(kind, x, salt, skew) AS concept_in_block(
    w_kind_residues()[kind][1 + draw(x, salt, w_kind_nres()[kind])], x, salt, skew);
-- 1.5% of concepts reuse the name of another concept of their kind: ambiguous strings, which share
-- their SUI and LUI (identifiers are derived from the name index, not the concept).
CREATE OR REPLACE TEMP MACRO name_index(i) AS CASE
    WHEN u(i, 11) < 0.015 THEN concept_of_kind(kind_of(i), i, 12, 1.0) ELSE i END;
-- 1..15 atoms, mean about 5.
CREATE OR REPLACE TEMP MACRO natoms(i) AS 1 + floor(14 * pow(u(i, 21), 2))::BIGINT;
-- 4..14 relationship pairs (two rows each), mean 9.
CREATE OR REPLACE TEMP MACRO npairs(i) AS 4 + draw(i, 41, 11);

---------------------------------------------------------------------------------------------------------
-- Concept names.  Each kind builds STRUCT(q, o, head, post, of_form, alt, abbr, sty): the preferred name
-- is q o head post (NULL parts skipped), of_form and alt are complete synonyms, abbr an abbreviation
-- (NULL: initials) and sty the index of the primary semantic type.  Everything depends on the name
-- index only, so equal name indices give equal strings.
CREATE OR REPLACE TEMP MACRO parts(q, o, head, post, of_form, alt, abbr, sty) AS struct_pack(
    q := q::VARCHAR, o := o::VARCHAR, head := head::VARCHAR, post := post::VARCHAR, of_form := of_form::VARCHAR,
    alt := alt::VARCHAR, abbr := abbr::VARCHAR, sty := sty::INTEGER);
CREATE OR REPLACE TEMP MACRO organ_adj(org) AS w_organ_adj()[org];
CREATE OR REPLACE TEMP MACRO organ_noun(org) AS w_organ_noun()[org];
CREATE OR REPLACE TEMP MACRO dis_adj(x, salt) AS pick(w_dis_adj(), getvariable('n_dis_adj'), x, salt);
-- Disorder semantic type from its head noun: neoplastic, congenital, injury, else mostly Disease or
-- Syndrome.
CREATE OR REPLACE TEMP MACRO dis_head_sty(head, x) AS CASE
    WHEN head <= 7 THEN 2 WHEN head BETWEEN 23 AND 25 THEN 4 WHEN head BETWEEN 28 AND 30 THEN 5
    WHEN u(x, 120) < 0.08 THEN 6 WHEN u(x, 120) < 0.22 THEN 3 ELSE 1 END;
CREATE OR REPLACE TEMP MACRO dis_tail(x) AS CASE draw(x, 106, 20)
    WHEN 0 THEN 'type ' || (1 + draw(x, 107, 60)) WHEN 1 THEN 'type ' || (1 + draw(x, 107, 60))
    WHEN 2 THEN 'type ' || (1 + draw(x, 107, 60)) WHEN 3 THEN pick(w_stage(), getvariable('n_stage'), x, 108)
    WHEN 4 THEN pick(w_stage(), getvariable('n_stage'), x, 108)
    WHEN 5 THEN 'with ' || pick(w_complication(), getvariable('n_complication'), x, 109)
    WHEN 6 THEN 'with ' || pick(w_complication(), getvariable('n_complication'), x, 109)
    WHEN 7 THEN 'due to ' || pick(w_cause(), getvariable('n_cause'), x, 110)
    WHEN 8 THEN 'due to ' || pick(w_cause(), getvariable('n_cause'), x, 110) END;
CREATE OR REPLACE TEMP MACRO dis_root_parts(x, adj, org, suffix, tail) AS parts(
    adj, NULL, w_organ_root()[org] || w_dis_suffix()[suffix], tail,
    cap(concat_ws(' ', adj, w_dis_suffix_phrase()[suffix])) || ' of the ' || organ_noun(org) || coalesce(' ' || tail, ''),
    cap(concat_ws(' ', adj, organ_noun(org), w_dis_suffix_phrase()[suffix], tail)),
    NULL, CASE WHEN suffix = 8 THEN 2 ELSE 1 END);
CREATE OR REPLACE TEMP MACRO dis_eponym_parts(x, adj, eponym, head, tail) AS parts(
    adj, eponym, w_eponym_head()[head], tail,
    cap(concat_ws(' ', adj, w_eponym_head()[head])) || ' of ' || eponym || coalesce(' ' || tail, ''),
    cap(concat_ws(' ', adj, eponym || '''s', w_eponym_head()[head], tail)),
    NULL, CASE WHEN head = 4 THEN 4 ELSE 1 END);
CREATE OR REPLACE TEMP MACRO dis_site_parts(x, adj, org, head, side, tail) AS parts(
    adj, NULL, w_dis_head()[head] || ' of ' || concat_ws(' ', side, organ_noun(org)), tail,
    cap(concat_ws(' ', adj, w_dis_head()[head])) || ' of the ' || concat_ws(' ', side, organ_noun(org))
        || coalesce(' ' || tail, ''),
    cap(concat_ws(' ', adj, side, organ_adj(org), w_dis_head()[head], tail)),
    NULL, dis_head_sty(head, x));
CREATE OR REPLACE TEMP MACRO dis_parts_of(x, shape, org, head, adj1, adj2, tail) AS CASE
    WHEN shape < 10 THEN dis_root_parts(x, adj1, org, 1 + draw(x, 112, getvariable('n_dis_suffix')), tail)
    WHEN shape < 18 THEN dis_eponym_parts(
        x, maybe(0.3, x, 113, adj1), pick(w_eponym(), getvariable('n_eponym'), x, 114),
        1 + draw(x, 115, getvariable('n_eponym_head')), tail)
    WHEN shape < 78 THEN parts(
        nullif(concat_ws(' ', adj1, CASE WHEN adj2 <> adj1 THEN adj2 END), ''), organ_adj(org),
        w_dis_head()[head], tail,
        cap(concat_ws(' ', adj1, CASE WHEN adj2 <> adj1 THEN adj2 END, w_dis_head()[head]))
            || ' of the ' || organ_noun(org) || coalesce(' ' || tail, ''),
        cap(concat_ws(' ', adj1, CASE WHEN adj2 <> adj1 THEN adj2 END, organ_noun(org), w_dis_head()[head], tail)),
        NULL, dis_head_sty(head, x))
    ELSE dis_site_parts(x, maybe(0.6, x, 116, adj1), org, head, maybe(0.5, x, 117, w_side()[1 + draw(x, 118, 8)]), tail)
    END;
CREATE OR REPLACE TEMP MACRO dis_parts(x) AS dis_parts_of(
    x, draw(x, 100, 100), 1 + draw(x, 101, getvariable('n_organ')), 1 + draw(x, 102, getvariable('n_dis_head')),
    maybe(0.8, x, 103, dis_adj(x, 104)), maybe(0.3, x, 105, dis_adj(x, 111)), dis_tail(x));
CREATE OR REPLACE TEMP MACRO find_symptom_parts(x, q, org, symptom, context) AS parts(
    q, organ_adj(org), symptom, context,
    cap(concat_ws(' ', q, symptom)) || ' of the ' || organ_noun(org) || coalesce(' ' || context, ''),
    cap(concat_ws(' ', q, organ_noun(org), symptom, context)),
    NULL, CASE WHEN u(x, 216) < 0.3 THEN 8 ELSE 7 END);
CREATE OR REPLACE TEMP MACRO find_lab_parts(x, change, specimen, analyte, timing) AS parts(
    change, specimen, analyte || ' level', 'in ' || timing || ' sample',
    cap(change) || ' level of ' || analyte || ' in the ' || specimen || coalesce(' (' || timing || ')', ''),
    cap(concat_ws(' ', specimen, analyte, 'level', change, 'in ' || timing || ' sample')),
    NULL, 9);

CREATE OR REPLACE TEMP MACRO find_parts(x) AS CASE
    WHEN draw(x, 200, 100) < 75 THEN find_symptom_parts(
        x, nullif(concat_ws(' ', maybe(0.6, x, 201, pick(w_find_adj(), getvariable('n_find_adj'), x, 202)),
                                 maybe(0.25, x, 203, pick(w_dis_adj(), getvariable('n_dis_adj'), x, 204))), ''),
        1 + draw(x, 205, getvariable('n_organ')), pick(w_symptom(), getvariable('n_symptom'), x, 206),
        maybe(0.45, x, 207, pick(w_find_context(), getvariable('n_find_context'), x, 208)))
    ELSE find_lab_parts(
        x, pick(w_change(), getvariable('n_change'), x, 209), pick(w_specimen(), getvariable('n_specimen'), x, 210),
        pick(w_analyte(), getvariable('n_analyte'), x, 211)
            || coalesce('/' || maybe(0.5, x, 212, pick(w_analyte(), getvariable('n_analyte'), x, 213)), ''),
        maybe(0.6, x, 214, pick(w_timing(), getvariable('n_timing'), x, 215)))
    END;

CREATE OR REPLACE TEMP MACRO drug_name(x) AS
    pick(w_drug_prefix(), getvariable('n_drug_prefix'), x, 301)
    || coalesce(maybe(0.6, x, 302, pick(w_drug_infix(), getvariable('n_drug_infix'), x, 303)), '')
    || w_drug_stem()[1 + draw(x, 304, getvariable('n_drug_stem'))];
-- Drug semantic type from the stem: antibiotic, monoclonal antibody (protein), else pharmacologic.
CREATE OR REPLACE TEMP MACRO drug_sty(x) AS CASE
    WHEN 1 + draw(x, 304, getvariable('n_drug_stem')) <= 4 THEN 13
    WHEN 1 + draw(x, 304, getvariable('n_drug_stem')) <= 7 THEN 15 ELSE 10 END;
CREATE OR REPLACE TEMP MACRO chem_drug_parts(drug, salt, sty) AS parts(
    NULL, NULL, drug, salt, 'Product containing ' || concat_ws(' ', drug, salt),
    'Product containing ' || concat_ws(' ', drug, salt), NULL, sty);
CREATE OR REPLACE TEMP MACRO chem_clinical_parts(drug, dose, form) AS parts(
    NULL, NULL, drug, dose || ' MG ' || form, cap(drug) || ' ' || dose || 'mg ' || lower(form),
    cap(drug) || ' ' || dose || 'mg ' || lower(form), NULL, 12);
-- IUPAC-like name, e.g. 4-Chloro-2-methylbenzoic acid; its synonym is the CAS-style inverted form.
CREATE OR REPLACE TEMP MACRO chem_systematic_parts(loc1, sub1, loc2, sub2, parent) AS parts(
    NULL, NULL, loc1 || cap(sub1) || '-' || loc2 || sub2 || parent, NULL,
    cap(parent) || ', ' || loc1 || sub1 || '-' || loc2 || sub2 || '-',
    cap(parent) || ', ' || loc1 || sub1 || '-' || loc2 || sub2 || '-', NULL, 11);
CREATE OR REPLACE TEMP MACRO chem_parts(x) AS CASE
    WHEN draw(x, 300, 100) < 55 THEN chem_drug_parts(
        drug_name(x), maybe(0.3, x, 305, pick(w_salt(), getvariable('n_salt'), x, 306)), drug_sty(x))
    WHEN draw(x, 300, 100) < 70 THEN chem_clinical_parts(
        drug_name(x), (1 + draw(x, 307, 40)) * 5, pick(w_dose_form(), getvariable('n_dose_form'), x, 308))
    ELSE chem_systematic_parts(
        pick(w_locant(), getvariable('n_locant'), x, 309), pick(w_substituent(), getvariable('n_substituent'), x, 310),
        pick(w_locant(), getvariable('n_locant'), x, 311), pick(w_substituent(), getvariable('n_substituent'), x, 312),
        pick(w_parent(), getvariable('n_parent'), x, 313) || pick(w_chem_ending(), getvariable('n_chem_ending'), x, 314))
    END;
CREATE OR REPLACE TEMP MACRO gene_parts_named(x, shape, fam, symbol, protein) AS CASE
    WHEN shape < 40 THEN parts(NULL, NULL, symbol || ' gene', NULL, protein || ' gene', protein || ' gene', symbol, 19)
    WHEN shape < 85 THEN parts(NULL, NULL, protein, NULL, symbol || ' protein', symbol || ' protein', symbol,
                               w_gene_sty()[fam])
    ELSE parts(NULL, NULL, symbol || ' protein, '
                   || pick(w_species_common(), getvariable('n_species_common'), x, 407), NULL,
               protein || ', ' || pick(w_species_common(), getvariable('n_species_common'), x, 407),
               protein || ', ' || pick(w_species_common(), getvariable('n_species_common'), x, 407), symbol, 15)
    END;
CREATE OR REPLACE TEMP MACRO gene_parts_of(x, shape, fam, num, tail) AS gene_parts_named(
    x, shape, fam, w_gene_symbol()[fam] || num || coalesce(tail, ''),
    w_gene_name()[fam] || num || w_gene_name_suffix()[fam] || coalesce(' ' || ltrim(tail, '-'), ''));

CREATE OR REPLACE TEMP MACRO gene_parts(x) AS gene_parts_of(
    x, draw(x, 400, 100), 1 + draw(x, 401, getvariable('n_gene')),
    (1 + draw(x, 402, 999))::VARCHAR || coalesce(maybe(0.35, x, 403, pick(w_letter(), getvariable('n_letter'), x, 404)), ''),
    maybe(0.2, x, 405, pick(w_gene_tail(), getvariable('n_gene_tail'), x, 406)));

CREATE OR REPLACE TEMP MACRO anat_mod(x, salt) AS pick(w_anat_mod(), getvariable('n_anat_mod'), x, salt);
-- Anatomy semantic type from the part: tissue, cell, location, else organ component.
CREATE OR REPLACE TEMP MACRO anat_sty(part) AS CASE
    WHEN part <= 6 THEN 21 WHEN part = 7 THEN 22 WHEN part <= 12 THEN 23 ELSE 20 END;
CREATE OR REPLACE TEMP MACRO anat_parts_of(x, shape, part, org, mods, organ_mod) AS CASE
    WHEN shape < 60 THEN parts(
        mods, NULL, w_anat_part()[part], 'of ' || concat_ws(' ', organ_mod, organ_noun(org)),
        'Structure of ' || concat_ws(' ', mods, w_anat_part()[part], 'of', organ_mod, organ_noun(org)),
        cap(concat_ws(' ', mods, organ_mod, organ_adj(org), w_anat_part()[part])), NULL, anat_sty(part))
    ELSE parts(
        concat_ws(' ', mods, organ_mod), organ_adj(org), w_anat_part()[part], NULL,
        'Structure of ' || concat_ws(' ', mods, organ_mod, organ_adj(org), w_anat_part()[part]),
        cap(concat_ws(' ', mods, organ_mod, w_anat_part()[part], 'of', organ_noun(org))), NULL, anat_sty(part))
    END;
CREATE OR REPLACE TEMP MACRO anat_parts(x) AS anat_parts_of(
    x, draw(x, 500, 100), 1 + draw(x, 501, getvariable('n_anat_part')), 1 + draw(x, 502, getvariable('n_organ')),
    nullif(concat_ws(' ', maybe(0.6, x, 503, anat_mod(x, 504)),
                          maybe(0.25, x, 505, CASE WHEN anat_mod(x, 506) <> anat_mod(x, 504) THEN anat_mod(x, 506) END)), ''),
    maybe(0.5, x, 507, anat_mod(x, 508)));
CREATE OR REPLACE TEMP MACRO proc_root_parts(adj, org, suffix, extra) AS parts(
    adj, NULL, w_organ_root()[org] || w_proc_suffix()[suffix], extra,
    cap(concat_ws(' ', adj, w_proc_suffix_phrase()[suffix])) || ' of the ' || organ_noun(org) || coalesce(' ' || extra, ''),
    cap(concat_ws(' ', adj, organ_adj(org), w_proc_suffix_phrase()[suffix], extra)),
    NULL, CASE WHEN suffix <= 6 THEN 24 ELSE 25 END);
CREATE OR REPLACE TEMP MACRO proc_action_parts(adj, org, action, side, part) AS parts(
    adj, NULL, w_proc_action()[action], 'of ' || concat_ws(' of ', part, concat_ws(' ', side, organ_noun(org))),
    cap(concat_ws(' ', adj, w_proc_action()[action])) || ' of the '
        || concat_ws(' of the ', part, concat_ws(' ', side, organ_noun(org))),
    cap(concat_ws(' ', adj, side, organ_adj(org), part, w_proc_action()[action])),
    NULL, CASE WHEN action <= 8 THEN 24 ELSE 25 END);
-- LOINC-like laboratory test name.
CREATE OR REPLACE TEMP MACRO proc_lab_parts(analyte, property, specimen, method) AS parts(
    NULL, NULL, analyte || ' [' || property || ']', 'in ' || cap(specimen) || coalesce(' by ' || method, ''),
    'Measurement of ' || analyte || ' in the ' || specimen || coalesce(' by ' || lower(method), ''),
    cap(concat_ws(' ', specimen, analyte, lower(property), 'measurement', 'by ' || lower(method))),
    NULL, 26);
CREATE OR REPLACE TEMP MACRO proc_parts_of(x, shape, org, adj) AS CASE
    WHEN shape < 40 THEN proc_root_parts(
        adj, org, 1 + draw(x, 606, getvariable('n_proc_suffix')),
        maybe(0.4, x, 607, pick(w_proc_with(), getvariable('n_proc_with'), x, 608)))
    WHEN shape < 80 THEN proc_action_parts(
        adj, org, 1 + draw(x, 609, getvariable('n_proc_action')), maybe(0.4, x, 610, w_side()[1 + draw(x, 611, 8)]),
        maybe(0.5, x, 612, pick(w_anat_part(), getvariable('n_anat_part'), x, 613)))
    ELSE proc_lab_parts(
        pick(w_analyte(), getvariable('n_analyte'), x, 614)
            || coalesce('/' || maybe(0.5, x, 615, pick(w_analyte(), getvariable('n_analyte'), x, 616)), ''),
        pick(w_lab_property(), getvariable('n_lab_property'), x, 617), pick(w_specimen(), getvariable('n_specimen'), x, 618),
        maybe(0.7, x, 619, pick(w_lab_method(), getvariable('n_lab_method'), x, 620)))
    END;

CREATE OR REPLACE TEMP MACRO proc_parts(x) AS proc_parts_of(
    x, draw(x, 600, 100), 1 + draw(x, 601, getvariable('n_organ')),
    nullif(concat_ws(' ', maybe(0.7, x, 602, pick(w_proc_adj(), getvariable('n_proc_adj'), x, 603)),
                          maybe(0.25, x, 604, pick(w_proc_adj(), getvariable('n_proc_adj'), x, 605))), ''));
CREATE OR REPLACE TEMP MACRO org_species_parts(genus, species, post, sty) AS parts(
    NULL, NULL, genus || ' ' || species, post, NULL, genus[1] || '. ' || concat_ws(' ', species, post), NULL, sty);
-- Organism semantic type from the genus ending: bacterium, fungus, eukaryote, virus.
CREATE OR REPLACE TEMP MACRO org_parts_of(x, prefix, ending, species) AS CASE
    WHEN ending = 12 THEN parts(
        NULL, NULL, prefix || 'virus ' || (1 + draw(x, 703, 99)) || coalesce(maybe(0.3, x, 704, pick(w_letter(), 6, x, 705)), ''),
        NULL, NULL, 'Human ' || lower(prefix) || 'virus ' || (1 + draw(x, 703, 99))
            || coalesce(maybe(0.3, x, 704, pick(w_letter(), 6, x, 705)), ''), NULL, 29)
    ELSE org_species_parts(
        prefix || w_genus_ending()[ending], species,
        CASE WHEN draw(x, 706, 10) < 3 THEN 'subsp. ' || pick(w_species(), getvariable('n_species'), x, 707)
             WHEN draw(x, 706, 10) < 7 THEN 'strain ' || pick(w_strain_lab(), getvariable('n_strain_lab'), x, 708)
                                            || ' ' || (10000 + draw(x, 709, 90000)) END,
        CASE WHEN ending <= 6 THEN 27 WHEN ending <= 8 THEN 28 ELSE 30 END)
    END;

CREATE OR REPLACE TEMP MACRO org_parts(x) AS org_parts_of(
    x, pick(w_genus_prefix(), getvariable('n_genus_prefix'), x, 700), 1 + draw(x, 701, getvariable('n_genus_ending')),
    pick(w_species(), getvariable('n_species'), x, 702));

CREATE OR REPLACE TEMP MACRO name_parts(x, kind) AS CASE kind
    WHEN 1 THEN dis_parts(x) WHEN 2 THEN find_parts(x) WHEN 3 THEN chem_parts(x) WHEN 4 THEN gene_parts(x)
    WHEN 5 THEN anat_parts(x) WHEN 6 THEN proc_parts(x) ELSE org_parts(x) END;
CREATE OR REPLACE TEMP MACRO base_name(p) AS cap(concat_ws(' ', p.q, p.o, p.head, p.post));

---------------------------------------------------------------------------------------------------------
-- String variants (ids in vocabulary.sql).
CREATE OR REPLACE TEMP MACRO initials(base) AS CASE
    WHEN len(regexp_replace(upper(array_to_string([left(w, 1) FOR w IN string_split(base, ' ')], '')), '[^A-Z]', '', 'g')) >= 2
    THEN left(regexp_replace(upper(array_to_string([left(w, 1) FOR w IN string_split(base, ' ')], '')), '[^A-Z]', '', 'g'), 5)
    ELSE upper(left(regexp_replace(base, '[^A-Za-z]', '', 'g'), 4)) END;
-- Base-27 number of an up to 5-letter abbreviation: identical abbreviations of different concepts get
-- the same SUI and LUI, as in a real release.
CREATE OR REPLACE TEMP MACRO letters_code(a) AS
    CASE WHEN len(a) >= 1 THEN (ascii(a[1]) - 64) * 531441 ELSE 0 END
    + CASE WHEN len(a) >= 2 THEN (ascii(a[2]) - 64) * 19683 ELSE 0 END
    + CASE WHEN len(a) >= 3 THEN (ascii(a[3]) - 64) * 729 ELSE 0 END
    + CASE WHEN len(a) >= 4 THEN (ascii(a[4]) - 64) * 27 ELSE 0 END
    + CASE WHEN len(a) >= 5 THEN ascii(a[5]) - 64 ELSE 0 END;
-- Plural of the first word of a head containing "of", else of its last word.
CREATE OR REPLACE TEMP MACRO plural_word(w) AS CASE
    WHEN w LIKE '%itis' THEN w[:-5] || 'itides' WHEN w LIKE '%sis' THEN w[:-3] || 'es'
    WHEN w LIKE '%y' AND w NOT LIKE '%ey' THEN w[:-2] || 'ies' WHEN w LIKE '%us' THEN w[:-3] || 'i'
    WHEN w LIKE '%s' OR w LIKE '%x' OR w LIKE '%ch' THEN w || 'es' ELSE w || 's' END;
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
CREATE OR REPLACE TEMP MACRO variant_str(p, base, v, kind, x, abbr) AS CASE v
    WHEN 0 THEN base
    WHEN 1 THEN lower(base)
    WHEN 2 THEN upper(base)
    WHEN 3 THEN cap(p.head) || ', ' || coalesce(nullif(concat_ws(' ', p.q, p.o, p.post), ''), 'unspecified')
    WHEN 4 THEN p.of_form
    WHEN 5 THEN cap(concat_ws(' ', p.q, p.o, plural_head(p.head), p.post))
    WHEN 6 THEN base || ', NOS'
    WHEN 7 THEN abbr
    WHEN 8 THEN base || ' "' || abbr || '"'
    WHEN 9 THEN p.alt
    WHEN 10 THEN CASE WHEN u(x, 130) < 0.5 THEN '[X]' || base ELSE base || ' [Ambiguous]' END
    WHEN 11 THEN cap(w_kind_tag()[kind]) || '\' || base
    WHEN 12 THEN base || ' (' || w_kind_tag()[kind] || ')'
    WHEN 13 THEN cap(tr_spa(lower(base)))
    WHEN 14 THEN cap(tr_fre(lower(base)))
    WHEN 15 THEN cap(tr_ger(lower(base)))
    ELSE lower(base[:3]) || upper(base[4:7]) || lower(base[8:]) END;
-- Variants normalizing to the preferred term (case, word order, inflection) share its LUI.
CREATE OR REPLACE TEMP MACRO same_term(v) AS v IN (0, 1, 2, 3, 4, 5, 16);

---------------------------------------------------------------------------------------------------------
-- Atoms.  Atom 0 is the preferred one; the others walk through the kind's variants in a per-concept
-- order (a permutation, so a concept never repeats a variant), or repeat the preferred string in
-- another source.
CREATE OR REPLACE TEMP MACRO variant_stride(i, n) AS CASE
    WHEN gcd(1 + draw(i, 33, n - 1), n) = 1 THEN 1 + draw(i, 33, n - 1) ELSE 1 END;
CREATE OR REPLACE TEMP MACRO atom_variant(i, k, kind) AS CASE
    WHEN k = 0 OR k > w_kind_nvariants()[kind] OR u(i * 16 + k, 31) < 0.3 THEN 0
    ELSE w_kind_variants()[kind][1 + ((k - 1) * variant_stride(i, w_kind_nvariants()[kind])
                                      + draw(i, 32, w_kind_nvariants()[kind])) % w_kind_nvariants()[kind]]
    END;
CREATE OR REPLACE TEMP MACRO pref_sab(i, kind) AS w_kind_pref_sab()[kind][1 + draw(i, 35, 4)];
CREATE OR REPLACE TEMP MACRO dup_sab(i, k, kind, pref) AS CASE
    WHEN w_kind_dup_sab()[kind][1 + (draw(i, 36, 5) + k) % 5] <> pref
        THEN w_kind_dup_sab()[kind][1 + (draw(i, 36, 5) + k) % 5]
    WHEN w_kind_dup_sab()[kind][1 + (draw(i, 36, 5) + k + 1) % 5] <> pref
        THEN w_kind_dup_sab()[kind][1 + (draw(i, 36, 5) + k + 1) % 5]
    ELSE 1 END;
CREATE OR REPLACE TEMP MACRO atom_sab(i, k, kind, v) AS CASE
    WHEN k = 0 THEN pref_sab(i, kind)
    WHEN v = 0 THEN dup_sab(i, k, kind, pref_sab(i, kind))
    WHEN v = 12 THEN 3 WHEN v = 16 THEN 6 WHEN v = 13 THEN 9 WHEN v = 14 THEN 10 WHEN v = 15 THEN 11
    ELSE w_kind_syn_sab()[kind][1 + draw(i * 16 + k, 34, 10)] END;
CREATE OR REPLACE TEMP MACRO atom_tty(a, v, sab) AS CASE
    WHEN v = 0 THEN w_sab_pref_tty()[sab]
    WHEN v = 12 THEN CASE WHEN u(a, 37) < 0.1 THEN 10 ELSE 7 END
    WHEN v = 16 THEN 19
    WHEN v >= 13 THEN CASE WHEN u(a, 38) < 0.3 THEN w_sab_syn_tty()[sab][1] ELSE w_sab_pref_tty()[sab] END
    WHEN v = 7 AND sab = 4 THEN 13
    WHEN v = 3 AND sab = 2 THEN 5
    ELSE w_sab_syn_tty()[sab][1 + draw(a, 39, 8)] END;
-- Source identifiers, STRUCT(saui, scui, sdui, code); the same for every atom of a concept in a source
-- family (so MeSH translations share the MeSH descriptor), except the atom-level SAUI.
CREATE OR REPLACE TEMP MACRO source_ids(i, a, sab, kind) AS CASE w_sab_family()[sab]
    WHEN 'MTH' THEN struct_pack(saui := '', scui := '', sdui := '', code := 'NOCODE')
    WHEN 'MSH' THEN struct_pack(
        saui := '', scui := printf('M%07d', scramble(i, 10000000)),
        sdui := printf(CASE WHEN kind = 3 THEN 'C%06d' ELSE 'D%06d' END, scramble(i, 1000000)),
        code := printf(CASE WHEN kind = 3 THEN 'C%06d' ELSE 'D%06d' END, scramble(i, 1000000)))
    WHEN 'SNOMEDCT' THEN struct_pack(
        saui := (1000000000 + scramble(a, 1000000000))::VARCHAR || '01' || (a % 10)::VARCHAR,
        scui := (10000000 + scramble(i, 90000000))::VARCHAR || '00' || (i % 10)::VARCHAR, sdui := '',
        code := (10000000 + scramble(i, 90000000))::VARCHAR || '00' || (i % 10)::VARCHAR)
    WHEN 'NCI' THEN struct_pack(
        saui := '', scui := 'C' || (1000 + scramble(i, 1000000))::VARCHAR, sdui := '',
        code := 'C' || (1000 + scramble(i, 1000000))::VARCHAR)
    WHEN 'MDR' THEN struct_pack(
        saui := '', scui := '', sdui := '', code := (10000000 + scramble(i, 10000000))::VARCHAR)
    WHEN 'RXNORM' THEN struct_pack(
        saui := (1 + scramble(a, 100000000))::VARCHAR, scui := (1 + scramble(i, 10000000))::VARCHAR, sdui := '',
        code := (1 + scramble(i, 10000000))::VARCHAR)
    WHEN 'OMIM' THEN struct_pack(
        saui := '', scui := (100000 + scramble(i, 900000))::VARCHAR, sdui := '',
        code := (100000 + scramble(i, 900000))::VARCHAR)
    ELSE struct_pack(
        saui := '', scui := printf('HP:%07d', scramble(i, 10000000)), sdui := '',
        code := printf('HP:%07d', scramble(i, 10000000)))
    END;

---------------------------------------------------------------------------------------------------------
-- Relationships.  Pair p = 14 i + j of owner i; row id rid = 2 p + d with d = 0 the forward row
-- (CUI1 = target, CUI2 = owner) and d = 1 the inverse row (CUI1 = owner, CUI2 = target).
CREATE OR REPLACE TEMP MACRO pair_type(p, kind, owner_atoms) AS CASE
    WHEN w_rt_target()[w_kind_rt()[kind][1 + draw(p, 42, 20)]] = -1 AND owner_atoms < 2 THEN 16
    ELSE w_kind_rt()[kind][1 + draw(p, 42, 20)] END;
-- 0.2% of the pairs point at a concept that does not exist (only their inverse row is written).
CREATE OR REPLACE TEMP MACRO pair_dangles(p, rt) AS w_rt_target()[rt] <> -1 AND u(p, 44) < 0.002;
-- Moves a partner equal to its owner one block away (same kind).
CREATE OR REPLACE TEMP MACRO not_self(i, t) AS CASE
    WHEN t <> i THEN t WHEN i + 100 < getvariable('concepts') THEN i + 100 WHEN i >= 100 THEN i - 100
    ELSE (i + 1) % getvariable('concepts') END;
CREATE OR REPLACE TEMP MACRO pair_target(p, i, kind, rt) AS CASE
    WHEN w_rt_target()[rt] = -1 THEN i
    WHEN pair_dangles(p, rt) THEN getvariable('concepts') + draw(p, 45, getvariable('concepts'))
    ELSE not_self(i, CASE w_rt_target()[rt]
        WHEN 0 THEN concept_of_kind(kind, p, 43, w_rt_skew()[rt])
        WHEN 8 THEN floor(getvariable('concepts') * pow(u(p, 43), w_rt_skew()[rt]))::BIGINT
        ELSE concept_of_kind(w_rt_target()[rt], p, 43, w_rt_skew()[rt]) END) END;
CREATE OR REPLACE TEMP MACRO pair_sab(p, kind, rt) AS CASE
    WHEN w_rt_sab()[rt][1 + draw(p, 46, 4)] = 0 THEN w_kind_syn_sab()[kind][1 + draw(p, 47, 10)]
    ELSE w_rt_sab()[rt][1 + draw(p, 46, 4)] END;
