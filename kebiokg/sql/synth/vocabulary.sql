-- Vocabulary of the synthetic UMLS release generator (kebiokg.umls_loader.synth).
--
-- Every list is a table-less macro returning a list literal, which DuckDB indexes per row as a constant.
-- len() of a list literal is not constant-folded (it costs ~20x the indexing), so lists indexed by a hash
-- have their length in a variable n_X and lists indexed by concept kind have a fixed inner length.
--
-- Concept kinds: 1 disorder, 2 finding, 3 chemical/drug, 4 gene/protein, 5 anatomy, 6 procedure,
-- 7 organism.  A concept's kind is fixed by its index modulo 100 (w_kind_map), so a partner of a given
-- kind is drawn as 100 * block + one of that kind's residues without any lookup table.

CREATE OR REPLACE TEMP MACRO w_kind_map() AS [
    4, 4, 5, 4, 2, 1, 1, 5, 3, 1, 3, 6, 1, 1, 6, 4, 4, 7, 7, 4, 3, 3, 3, 4, 3, 3, 4, 5, 3, 4, 1, 1, 2, 1,
    1, 4, 3, 2, 4, 6, 3, 5, 7, 1, 1, 4, 7, 4, 7, 1, 1, 2, 1, 1, 1, 1, 5, 1, 3, 4, 6, 5, 3, 2, 6, 6, 4, 1,
    3, 3, 4, 5, 2, 1, 3, 1, 1, 6, 1, 1, 7, 6, 3, 3, 1, 1, 5, 3, 6, 2, 1, 3, 3, 6, 3, 1, 2, 3, 7, 5];
CREATE OR REPLACE TEMP MACRO w_kind_residues() AS [
    [5, 6, 9, 12, 13, 30, 31, 33, 34, 43, 44, 49, 50, 52, 53, 54, 55, 57, 67, 73, 75, 76, 78, 79, 84, 85,
     90, 95],
    [4, 32, 37, 51, 63, 72, 89, 96],
    [8, 10, 20, 21, 22, 24, 25, 28, 36, 40, 58, 62, 68, 69, 74, 82, 83, 87, 91, 92, 94, 97],
    [0, 1, 3, 15, 16, 19, 23, 26, 29, 35, 38, 45, 47, 59, 66, 70],
    [2, 7, 27, 41, 56, 61, 71, 86, 99],
    [11, 14, 39, 60, 64, 65, 77, 81, 88, 93],
    [17, 18, 42, 46, 48, 80, 98]];
CREATE OR REPLACE TEMP MACRO w_kind_nres() AS [28, 8, 22, 16, 9, 10, 7];
-- SNOMED CT semantic tag of each kind (used by the FN variant and the BACKSLASH variant).
CREATE OR REPLACE TEMP MACRO w_kind_tag() AS [
    'disorder', 'finding', 'substance', 'substance', 'body structure', 'procedure', 'organism'];

---------------------------------------------------------------------------------------------------------
-- Semantic types (real TUI / tree number / name triples).
CREATE OR REPLACE TEMP MACRO w_sty_tui() AS [
    'T047', 'T191', 'T046', 'T019', 'T037', 'T048', 'T184', 'T033', 'T034', 'T121', 'T109', 'T200', 'T195',
    'T197', 'T116', 'T126', 'T192', 'T129', 'T028', 'T023', 'T024', 'T025', 'T029', 'T061', 'T060', 'T059',
    'T007', 'T004', 'T005', 'T204', 'T020', 'T201'];
CREATE OR REPLACE TEMP MACRO w_sty_stn() AS [
    'B2.2.1.2.1', 'B2.2.1.2.1.2', 'B2.2.1.2', 'A1.2.2.1', 'B2.3', 'B2.2.1.2.1.1', 'A2.2.2', 'A2.2',
    'A2.2.1', 'A1.4.1.1.1', 'A1.4.1.2.1', 'A1.3.3', 'A1.4.1.1.1.1', 'A1.4.1.2.2', 'A1.4.1.2.1.7',
    'A1.4.1.1.3.3', 'A1.4.1.1.3.5', 'A1.4.1.1.3', 'A1.2.3.5', 'A1.2.3.1', 'A1.2.3.3', 'A1.2.3.2', 'A2.1.5.2',
    'B1.3.1.3', 'B1.3.1.2', 'B1.3.1.1', 'A1.1.2', 'A1.1.3.1.1.4', 'A1.1.4', 'A1.1.3', 'A1.2.2.2', 'A2.3'];
CREATE OR REPLACE TEMP MACRO w_sty_name() AS [
    'Disease or Syndrome', 'Neoplastic Process', 'Pathologic Function', 'Congenital Abnormality',
    'Injury or Poisoning', 'Mental or Behavioral Dysfunction', 'Sign or Symptom', 'Finding',
    'Laboratory or Test Result', 'Pharmacologic Substance', 'Organic Chemical', 'Clinical Drug', 'Antibiotic',
    'Inorganic Chemical', 'Amino Acid, Peptide, or Protein', 'Enzyme', 'Receptor', 'Immunologic Factor',
    'Gene or Genome', 'Body Part, Organ, or Organ Component', 'Tissue', 'Cell', 'Body Location or Region',
    'Therapeutic or Preventive Procedure', 'Diagnostic Procedure', 'Laboratory Procedure', 'Bacterium',
    'Fungus', 'Virus', 'Eukaryote', 'Acquired Abnormality', 'Clinical Attribute'];
-- Additional semantic types per kind (4 each; a draw equal to the primary type is dropped).
CREATE OR REPLACE TEMP MACRO w_kind_sty2() AS [
    [3, 31, 1, 8], [8, 7, 32, 9], [11, 10, 11, 14], [15, 16, 18, 19], [20, 21, 22, 23], [24, 25, 26, 24],
    [27, 30, 28, 29]];

---------------------------------------------------------------------------------------------------------
-- Sources: 1 MTH, 2 MSH, 3 SNOMEDCT_US, 4 NCI, 5 MDR, 6 RXNORM, 7 OMIM, 8 HPO, 9 MSHSPA, 10 MSHFRE,
-- 11 MSHGER.
CREATE OR REPLACE TEMP MACRO w_sab() AS [
    'MTH', 'MSH', 'SNOMEDCT_US', 'NCI', 'MDR', 'RXNORM', 'OMIM', 'HPO', 'MSHSPA', 'MSHFRE', 'MSHGER'];
CREATE OR REPLACE TEMP MACRO w_sab_lat() AS [
    'ENG', 'ENG', 'ENG', 'ENG', 'ENG', 'ENG', 'ENG', 'ENG', 'SPA', 'FRE', 'GER'];
CREATE OR REPLACE TEMP MACRO w_sab_srl() AS [0, 0, 3, 0, 3, 0, 0, 0, 3, 3, 3];
CREATE OR REPLACE TEMP MACRO w_sab_family() AS [
    'MTH', 'MSH', 'SNOMEDCT', 'NCI', 'MDR', 'RXNORM', 'OMIM', 'HPO', 'MSH', 'MSH', 'MSH'];
CREATE OR REPLACE TEMP MACRO w_sab_son() AS [
    'Metathesaurus Names', 'MeSH 2099', 'US Edition of SNOMED CT, 2099_03_01', 'NCI Thesaurus, 2099_01D',
    'MedDRA, version 99.0', 'RxNorm Vocabulary, 99AA_990101F', 'Online Mendelian Inheritance in Man, 2099_01_01',
    'Human Phenotype Ontology, 2099_01_01', 'Descriptores en Ciencias de la Salud, 2099 (Spanish)',
    'Thésaurus Biomédical Français/Français Médical, 2099',
    'German translation of the Medical Subject Headings, 2099'];
CREATE OR REPLACE TEMP MACRO w_sab_ssn() AS [
    'Metathesaurus Names', 'MeSH', 'SNOMED CT, US Edition', 'NCI Thesaurus', 'MedDRA', 'RxNorm', 'OMIM',
    'Human Phenotype Ontology', 'MeSH Spanish', 'MeSH French', 'MeSH German'];
CREATE OR REPLACE TEMP MACRO w_sab_ver() AS [
    '', '2099', '2099_03_01', '2099_01D', '99_0', '99AA_990101F', '2099_01_01', '2099_01_01', '2099', '2099',
    '2099'];
CREATE OR REPLACE TEMP MACRO w_sab_cxty() AS ['', 'FULL-MULTIPLE', 'FULL', 'FULL', 'FULL', '', '', 'FULL', '', '', ''];
CREATE OR REPLACE TEMP MACRO w_sab_atnl() AS [
    'LT', 'AN,DC,DX,MN,PA,TERMUI', 'ACTIVE,CASE_SIGNIFICANCE_ID,CTV3ID,EFFECTIVE_TIME',
    'DEFINITION_REVIEWER_NAME,SEMANTIC_TYPE',
    'PRIMARY_SOC,SOC_ABBREV', 'NDC,RXAUI,RXCUI,RXN_STRENGTH', 'MIMTYPE,MIMTYPEMEANING', 'DATE_CREATED,XREF',
    'TERMUI', 'TERMUI', 'TERMUI'];
-- Atom term types: name, source id and source-level suppressibility (MRRANK.SUPPRESS; O and Y
-- atoms carry it into MRCONSO.SUPPRESS).
CREATE OR REPLACE TEMP MACRO w_tty() AS [
    'PN', 'MH', 'ENTRY', 'PEP', 'PM', 'PT', 'FN', 'SY', 'OAP', 'OF', 'PT', 'SY', 'AB', 'PT', 'LLT', 'OL', 'IN',
    'SY', 'TMSY', 'PIN', 'PT', 'ETAL', 'PT', 'SY', 'OP', 'MH', 'ET', 'MH', 'ET', 'MH', 'ET'];
CREATE OR REPLACE TEMP MACRO w_tty_sab() AS [
    1, 2, 2, 2, 2, 3, 3, 3, 3, 3, 4, 4, 4, 5, 5, 5, 6, 6, 6, 6, 7, 7, 8, 8, 8, 9, 9, 10, 10, 11, 11];
CREATE OR REPLACE TEMP MACRO w_tty_suppress() AS [
    'N', 'N', 'N', 'N', 'N', 'N', 'N', 'N', 'O', 'O', 'N', 'N', 'Y', 'N', 'N', 'O', 'N', 'N', 'Y', 'N', 'N', 'N',
    'N', 'N', 'O', 'N', 'N', 'N', 'N', 'N', 'N'];
-- MRRANK preference, most preferred first (term type ids).
CREATE OR REPLACE TEMP MACRO w_rank_order() AS [
    1, 2, 6, 17, 11, 14, 21, 23, 7, 20, 4, 3, 5, 8, 12, 15, 18, 22, 24, 13, 19, 26, 28, 30, 27, 29, 31, 9, 10,
    16, 25];
-- Preferred term type of each source, and 8 weighted synonym term types per source.
CREATE OR REPLACE TEMP MACRO w_sab_pref_tty() AS [1, 2, 6, 11, 14, 17, 21, 23, 26, 28, 30];
CREATE OR REPLACE TEMP MACRO w_sab_syn_tty() AS [
    [1, 1, 1, 1, 1, 1, 1, 1], [3, 3, 3, 3, 3, 4, 4, 4], [8, 8, 8, 8, 8, 8, 8, 8], [12, 12, 12, 12, 12, 12, 12, 12],
    [15, 15, 15, 15, 15, 15, 15, 16], [18, 18, 18, 18, 18, 20, 20, 18], [22, 22, 22, 22, 22, 22, 22, 22],
    [24, 24, 24, 24, 24, 24, 24, 25], [27, 27, 27, 27, 27, 27, 27, 27], [29, 29, 29, 29, 29, 29, 29, 29],
    [31, 31, 31, 31, 31, 31, 31, 31]];
-- Per kind: the source of the preferred atom (4 weighted draws), the sources of synonyms (10 weighted
-- draws) and the term types of atoms repeating the preferred string in another source (15 distinct).
CREATE OR REPLACE TEMP MACRO w_kind_pref_sab() AS [
    [2, 3, 4, 3], [3, 5, 8, 3], [6, 2, 4, 6], [4, 2, 7, 4], [3, 2, 4, 3], [3, 2, 4, 3], [4, 2, 3, 4]];
CREATE OR REPLACE TEMP MACRO w_kind_syn_sab() AS [
    [3, 3, 3, 2, 2, 4, 4, 5, 7, 8], [3, 3, 3, 5, 5, 8, 8, 4, 2, 3], [6, 6, 6, 2, 2, 4, 4, 3, 3, 3],
    [4, 4, 4, 4, 7, 7, 7, 2, 2, 4], [3, 3, 3, 3, 2, 2, 4, 4, 4, 3], [3, 3, 3, 3, 2, 2, 4, 4, 5, 5],
    [4, 4, 4, 2, 2, 2, 3, 3, 3, 3]];
CREATE OR REPLACE TEMP MACRO w_kind_repeat_tty() AS [
    [2, 3, 4, 5, 6, 8, 9, 11, 12, 14, 15, 21, 22, 23, 24], [2, 3, 4, 5, 6, 8, 9, 11, 12, 14, 15, 21, 22, 23, 24],
    [2, 3, 4, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 22], [2, 3, 4, 5, 6, 8, 9, 11, 12, 14, 15, 21, 22, 23, 24],
    [2, 3, 4, 5, 6, 8, 9, 11, 12, 14, 15, 21, 22, 23, 24], [2, 3, 4, 5, 6, 8, 9, 11, 12, 14, 15, 21, 22, 23, 24],
    [2, 3, 4, 5, 6, 8, 9, 11, 12, 14, 15, 21, 22, 23, 24]];
-- Strides coprime with 15, so that walking a repeat list visits each entry once.
CREATE OR REPLACE TEMP MACRO w_repeat_stride() AS [1, 2, 4, 7, 8, 11, 13, 14];

---------------------------------------------------------------------------------------------------------
-- String variants of a concept name.  0 BASE, 1 LOWER, 2 UPPER, 3 INVERTED, 4 OF_FORM, 5 PLURAL, 6 NOS,
-- 7 ABBREV, 8 QUOTED, 9 ALT, 10 BRACKET, 11 BACKSLASH, 12 FN, 13 SPA, 14 FRE, 15 GER, 16 TALLMAN.
-- Per kind the variants its synonyms walk through (padded with 0 = "repeat the base string"), and
-- how many of them are real.
CREATE OR REPLACE TEMP MACRO w_kind_variants() AS [
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    [1, 2, 16, 6, 8, 9, 10, 11, 12, 13, 14, 15, 0, 0, 0],
    [1, 2, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 0, 0],
    [1, 2, 3, 4, 6, 8, 9, 10, 11, 12, 13, 14, 15, 0, 0],
    [1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0],
    [1, 2, 6, 8, 9, 10, 11, 12, 13, 14, 15, 0, 0, 0, 0]];
CREATE OR REPLACE TEMP MACRO w_kind_nvariants() AS [15, 15, 12, 12, 13, 14, 11];
CREATE OR REPLACE TEMP MACRO w_variant_stt() AS [
    'VC', 'VC', 'VCW', 'VO', 'VO', 'PF', 'PF', 'PF', 'PF', 'PF', 'PF', 'PF', 'PF', 'PF', 'PF', 'VC'];
CREATE OR REPLACE TEMP MACRO w_cvf() AS ['256', '1024', '2048', '4096', '8192', '16384'];

---------------------------------------------------------------------------------------------------------
-- Relationship types.  A pair is asserted by its owner concept; the forward row reads "owner REL/RELA
-- target" (CUI2 = owner, CUI1 = target) and the inverse row swaps both.  Target kind: 0 same kind as the
-- owner, -1 the owner itself (atom-level synonymy), 8 any kind.  Source: 0 = the owner's kind sources.
CREATE OR REPLACE TEMP MACRO w_rt_rel() AS [
    'CHD', 'RN', 'RO', 'RO', 'RO', 'RO', 'RO', 'RO', 'RO', 'RO', 'RO', 'RO', 'RO', 'RQ', 'SY', 'RL', 'RO', 'RO',
    'SY'];
CREATE OR REPLACE TEMP MACRO w_rt_inv_rel() AS [
    'PAR', 'RB', 'RO', 'RO', 'RO', 'RO', 'RO', 'RO', 'RO', 'RO', 'RO', 'RO', 'RO', 'RQ', 'SY', 'RL', 'RO', 'RO',
    'SY'];
CREATE OR REPLACE TEMP MACRO w_rt_rela() AS [
    'isa', '', 'may_treat', 'may_prevent', 'has_finding_site', 'causative_agent_of',
    'gene_associated_with_disease', 'gene_encodes_gene_product', 'has_procedure_site', 'manifestation_of',
    'ingredient_of', 'associated_with', 'has_associated_morphology', '', '', '',
    'chemical_or_drug_affects_gene_product', 'has_focus', 'permuted_term_of'];
CREATE OR REPLACE TEMP MACRO w_rt_inv_rela() AS [
    'inverse_isa', '', 'may_be_treated_by', 'may_be_prevented_by', 'finding_site_of', 'has_causative_agent',
    'disease_has_associated_gene', 'gene_product_encoded_by_gene', 'procedure_site_of', 'has_manifestation',
    'has_ingredient', 'associated_with', 'associated_morphology_of', '', '', '',
    'gene_product_affected_by_chemical_or_drug', 'focus_of', 'has_permuted_term'];
CREATE OR REPLACE TEMP MACRO w_rt_target() AS [0, 0, 1, 1, 5, 1, 1, 4, 5, 1, 3, 8, 1, 0, -1, 0, 4, 1, -1];
-- Exponent skewing partners towards low concept indices (hubs): general parents get many children.
CREATE OR REPLACE TEMP MACRO w_rt_skew() AS [
    3.0, 2.0, 1.5, 1.5, 1.5, 1.5, 1.5, 1.2, 1.5, 1.5, 1.2, 1.0, 1.5, 1.0, 1.0, 1.0, 1.5, 1.5, 1.0];
CREATE OR REPLACE TEMP MACRO w_rt_sab() AS [
    [0, 0, 0, 0], [2, 2, 1, 1], [4, 4, 4, 4], [4, 4, 4, 4], [3, 3, 3, 3], [3, 3, 3, 3], [4, 4, 4, 4],
    [4, 4, 4, 4], [3, 3, 3, 3], [1, 1, 1, 1], [6, 6, 6, 6], [3, 3, 1, 1], [3, 3, 3, 3], [1, 1, 2, 5],
    [1, 1, 3, 2], [1, 1, 1, 1], [4, 4, 4, 4], [3, 3, 3, 3], [2, 2, 2, 2]];
-- Relationship types asserted by each kind (20 weighted draws).
CREATE OR REPLACE TEMP MACRO w_kind_rt() AS [
    [1, 1, 1, 1, 1, 1, 1, 2, 2, 5, 5, 5, 5, 13, 12, 12, 14, 15, 15, 19],
    [1, 1, 1, 1, 1, 1, 1, 2, 2, 5, 5, 5, 10, 10, 10, 12, 15, 15, 14, 16],
    [1, 1, 1, 1, 1, 1, 2, 2, 3, 3, 3, 3, 4, 11, 11, 17, 17, 15, 15, 14],
    [1, 1, 1, 1, 1, 1, 2, 2, 7, 7, 7, 7, 8, 8, 8, 12, 15, 15, 14, 16],
    [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 12, 12, 15, 15, 15, 14, 16],
    [1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 9, 9, 9, 9, 18, 18, 18, 15, 15, 14],
    [1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 6, 6, 6, 6, 6, 15, 15, 14, 16]];

---------------------------------------------------------------------------------------------------------
-- Words.  Organ lists are parallel: adjective, noun and combining root of the same organ.
CREATE OR REPLACE TEMP MACRO w_organ_adj() AS [
    'hepatic', 'renal', 'cardiac', 'pulmonary', 'gastric', 'neural', 'cerebral', 'intestinal', 'colonic',
    'pancreatic', 'splenic', 'thyroid', 'adrenal', 'ovarian', 'testicular', 'prostatic', 'cutaneous', 'ocular',
    'retinal', 'otic', 'vascular', 'arterial', 'venous', 'lymphatic', 'osseous', 'muscular', 'articular',
    'spinal', 'bronchial', 'tracheal', 'esophageal', 'duodenal', 'biliary', 'vesical', 'uterine', 'cervical',
    'mammary', 'gingival', 'laryngeal', 'nasal'];
CREATE OR REPLACE TEMP MACRO w_organ_noun() AS [
    'liver', 'kidney', 'heart', 'lung', 'stomach', 'nerve', 'brain', 'intestine', 'colon', 'pancreas', 'spleen',
    'thyroid gland', 'adrenal gland', 'ovary', 'testis', 'prostate', 'skin', 'eye', 'retina', 'ear',
    'blood vessel', 'artery', 'vein', 'lymph node', 'bone', 'muscle', 'joint', 'spinal cord', 'bronchus',
    'trachea', 'esophagus', 'duodenum', 'bile duct', 'urinary bladder', 'uterus', 'cervix uteri', 'breast',
    'gingiva', 'larynx', 'nose'];
CREATE OR REPLACE TEMP MACRO w_organ_root() AS [
    'hepat', 'nephr', 'cardi', 'pneumon', 'gastr', 'neur', 'encephal', 'enter', 'col', 'pancreat', 'splen',
    'thyr', 'adren', 'oophor', 'orch', 'prostat', 'derm', 'ophthalm', 'retin', 'ot', 'angi', 'arteri', 'phleb',
    'lymphaden', 'oste', 'my', 'arthr', 'myel', 'bronch', 'trache', 'esophag', 'duoden', 'cholangi', 'cyst',
    'hyster', 'cervic', 'mast', 'gingiv', 'laryng', 'rhin'];
CREATE OR REPLACE TEMP MACRO w_dis_adj() AS [
    'acute', 'chronic', 'subacute', 'recurrent', 'progressive', 'severe', 'mild', 'familial', 'congenital',
    'hereditary', 'idiopathic', 'primary', 'secondary', 'juvenile', 'adult-onset', 'late-onset', 'early-onset',
    'benign', 'malignant', 'metastatic', 'bilateral', 'diffuse', 'focal', 'atypical', 'refractory',
    'drug-induced', 'autoimmune', 'infectious', 'inflammatory', 'obstructive', 'hemorrhagic', 'necrotizing',
    'degenerative', 'systemic', 'localized', 'transient', 'persistent', 'neonatal', 'childhood', 'X-linked',
    'autosomal dominant', 'autosomal recessive', 'post-traumatic', 'iatrogenic', 'ischemic', 'toxic',
    'alcoholic', 'diabetic'];
-- Disorder heads: 1-7 neoplastic, 23-25 congenital, 28-30 injuries.
CREATE OR REPLACE TEMP MACRO w_dis_head() AS [
    'carcinoma', 'adenocarcinoma', 'sarcoma', 'lymphoma', 'neoplasm', 'tumor', 'polyp', 'syndrome', 'disease',
    'disorder', 'insufficiency', 'failure', 'deficiency', 'dysfunction', 'dysplasia', 'hyperplasia', 'atrophy',
    'fibrosis', 'stenosis', 'infarction', 'abscess', 'cyst', 'malformation', 'hypoplasia', 'agenesis', 'ulcer',
    'infection', 'injury', 'rupture', 'laceration', 'inflammation', 'calcification', 'edema', 'ischemia',
    'thrombosis', 'embolism', 'necrosis', 'lesion', 'aneurysm', 'fistula', 'obstruction', 'hemorrhage'];
CREATE OR REPLACE TEMP MACRO w_dis_suffix() AS [
    'itis', 'opathy', 'omegaly', 'osclerosis', 'omalacia', 'algia', 'osis', 'oma'];
-- Meanings of the suffixes, disjoint from the disorder heads (their synonyms would coincide).
CREATE OR REPLACE TEMP MACRO w_dis_suffix_phrase() AS [
    'inflammatory condition', 'pathology', 'enlargement', 'hardening', 'softening', 'pain', 'degeneration', 'growth'];
CREATE OR REPLACE TEMP MACRO w_eponym() AS [
    'Sjögren', 'Ménière', 'Guillain-Barré', 'Crohn', 'Hodgkin', 'Parkinson', 'Alzheimer', 'Huntington', 'Wilson',
    'Gaucher', 'Fabry', 'Pompe', 'Tay-Sachs', 'Niemann-Pick', 'Kawasaki', 'Behçet', 'Raynaud', 'Addison',
    'Cushing', 'Graves', 'Hashimoto', 'Kaposi', 'Wegener', 'Marfan', 'Ehlers-Danlos', 'Down', 'Turner',
    'Klinefelter', 'Prader-Willi', 'Angelman', 'Rett', 'Tourette', 'Bell', 'Paget', 'Peyronie', 'Dupuytren',
    'Legg-Calvé-Perthes', 'Charcot-Marie-Tooth', 'Löfgren', 'Waldenström'];
CREATE OR REPLACE TEMP MACRO w_eponym_head() AS ['syndrome', 'disease', 'disorder', 'anomaly'];
CREATE OR REPLACE TEMP MACRO w_stage() AS [
    'type 1A', 'type 1B', 'type 2A', 'type 2B', 'type I', 'type II', 'type III', 'type IV', 'stage I',
    'stage II', 'stage III', 'stage IV', 'grade 1', 'grade 2', 'grade 3', 'in remission', 'in relapse',
    'with complication', 'without complication', 'of childhood', 'of adulthood', 'in pregnancy'];
CREATE OR REPLACE TEMP MACRO w_complication() AS [
    'hemorrhage', 'perforation', 'obstruction', 'gangrene', 'sepsis', 'coma', 'ketoacidosis', 'hypertension',
    'proteinuria', 'anemia', 'fever', 'seizures', 'dehydration', 'hypoxia', 'renal failure', 'heart failure',
    'respiratory failure', 'shock', 'malnutrition', 'hypokalemia', 'hyponatremia', 'thrombocytopenia',
    'neutropenia', 'jaundice'];
CREATE OR REPLACE TEMP MACRO w_cause() AS [
    'trauma', 'radiation', 'alcohol', 'drug', 'infection', 'ischemia', 'autoimmunity', 'malnutrition', 'surgery',
    'toxin exposure', 'hypertension', 'diabetes mellitus', 'obesity', 'smoking', 'pregnancy'];
CREATE OR REPLACE TEMP MACRO w_side() AS [
    'left', 'right', 'upper', 'lower', 'anterior', 'posterior', 'medial', 'lateral'];

CREATE OR REPLACE TEMP MACRO w_symptom() AS [
    'pain', 'swelling', 'tenderness', 'discharge', 'bleeding', 'numbness', 'weakness', 'stiffness', 'itching',
    'rash', 'mass', 'discoloration', 'cramp', 'spasm', 'deformity', 'tremor', 'dryness', 'burning sensation',
    'redness', 'discomfort'];
-- Symptom qualifiers, disjoint from the disorder adjectives so that finding names of different shapes
-- cannot coincide.
CREATE OR REPLACE TEMP MACRO w_find_adj() AS [
    'intermittent', 'sudden', 'nocturnal', 'episodic', 'generalized', 'exertional', 'constant', 'sharp', 'dull',
    'throbbing', 'morning', 'postprandial', 'positional', 'worsening'];
CREATE OR REPLACE TEMP MACRO w_find_context() AS [
    'on left side', 'on right side', 'at rest', 'on exertion', 'at night', 'after meals', 'radiating to back',
    'on palpation'];
CREATE OR REPLACE TEMP MACRO w_change() AS ['increased', 'decreased', 'abnormal', 'elevated', 'low', 'normal'];
CREATE OR REPLACE TEMP MACRO w_analyte() AS [
    'calcium', 'glucose', 'sodium', 'potassium', 'creatinine', 'albumin', 'bilirubin', 'cholesterol',
    'triglyceride', 'ferritin', 'hemoglobin', 'troponin', 'insulin', 'cortisol', 'thyrotropin', 'lactate',
    'urea nitrogen', 'magnesium', 'phosphate', 'iron', 'vitamin D', 'vitamin B12', 'folate', 'C-reactive protein'];
CREATE OR REPLACE TEMP MACRO w_specimen() AS [
    'serum', 'plasma', 'urine', 'blood', 'cerebrospinal fluid', 'synovial fluid', 'saliva'];
CREATE OR REPLACE TEMP MACRO w_timing() AS [
    'fasting', 'random', '24 hour', 'post-dose', 'trough', 'peak', 'baseline', 'follow-up'];
CREATE OR REPLACE TEMP MACRO w_lab_property() AS [
    'Mass/volume', 'Moles/volume', 'Presence', 'Units/volume', 'Mass/time', 'Ratio', 'Entitic volume',
    'Catalytic activity/volume'];
CREATE OR REPLACE TEMP MACRO w_lab_method() AS [
    'Immunoassay', 'Mass spectrometry', 'Chromatography', 'Spectrophotometry', 'Ion-selective electrode',
    'Enzymatic method', 'Turbidimetry', 'Flow cytometry', 'Electrophoresis', 'Test strip'];

CREATE OR REPLACE TEMP MACRO w_drug_prefix() AS [
    'ator', 'simva', 'rosu', 'prava', 'amoxi', 'ampi', 'ritu', 'trastu', 'beva', 'ada', 'inflix', 'metfor', 'lido',
    'cefa', 'cipro', 'levo', 'fluo', 'clopi', 'carve', 'val', 'lisi', 'ena', 'telmi', 'oxy', 'hydro', 'pro', 'dexa',
    'predni', 'ome', 'lanso', 'panto', 'esci', 'sertra', 'dulo', 'vena', 'aripi', 'olan', 'quetia', 'risperi',
    'halo'];
CREATE OR REPLACE TEMP MACRO w_drug_infix() AS [
    'va', 'li', 'xa', 'to', 'ri', 'me', 'do', 'na', 'ze', 'lo', 'ca', 'mi', 'ti', 'zo', 'fe', 'ra', 'bu', 'sa',
    'ne', 'pi'];
-- Drug stems; 1-4 antibiotics, 5-7 monoclonal antibodies.
CREATE OR REPLACE TEMP MACRO w_drug_stem() AS [
    'cillin', 'floxacin', 'cycline', 'mycin', 'mab', 'ximab', 'zumab', 'statin', 'olol', 'pril', 'sartan',
    'azole', 'prazole', 'tidine', 'dipine', 'parin', 'tinib', 'vir', 'profen', 'oxetine', 'triptan', 'setron',
    'lukast', 'gliptin', 'afil', 'dronate', 'sone', 'olone', 'caine', 'zepam'];
CREATE OR REPLACE TEMP MACRO w_salt() AS [
    'hydrochloride', 'sodium', 'potassium', 'calcium', 'mesylate', 'maleate', 'succinate', 'tartrate',
    'citrate', 'acetate'];
CREATE OR REPLACE TEMP MACRO w_dose_form() AS [
    'Oral Tablet', 'Oral Capsule', 'Injectable Solution', 'Oral Suspension', 'Topical Cream',
    'Extended Release Oral Tablet', 'Prefilled Syringe', 'Ophthalmic Solution'];
CREATE OR REPLACE TEMP MACRO w_substituent() AS [
    'methyl', 'ethyl', 'propyl', 'butyl', 'hydroxy', 'amino', 'chloro', 'bromo', 'fluoro', 'nitro', 'methoxy',
    'phenyl', 'acetyl', 'benzyl', 'cyano', 'oxo', 'carboxy', 'sulfo', 'iodo', 'vinyl'];
CREATE OR REPLACE TEMP MACRO w_parent() AS [
    'benz', 'pyrid', 'pyrimid', 'indol', 'quinol', 'imidazol', 'thiazol', 'fur', 'pyrrol', 'naphthal', 'butan',
    'pentan', 'hexan', 'heptan', 'octan', 'propan', 'cyclohexan', 'purin', 'piperidin', 'morpholin'];
CREATE OR REPLACE TEMP MACRO w_chem_ending() AS [
    'oic acid', 'ol', 'one', 'amine', 'amide', 'oate', 'ine', 'al', 'ene', 'ium chloride'];
CREATE OR REPLACE TEMP MACRO w_locant() AS ['2-', '3-', '4-', '5-', '6-', '2,3-', '2,4-', '3,5-', '1,2-', '2,6-'];

-- Gene families: symbol root, protein name prefix, protein name suffix, semantic type (15 protein,
-- 16 enzyme, 17 receptor, 18 immunologic factor).
CREATE OR REPLACE TEMP MACRO w_gene_symbol() AS [
    'ZNF', 'SLC', 'CYP', 'CDK', 'KCN', 'IL', 'TNFRSF', 'MAPK', 'COL', 'KRT', 'ADAM', 'ABC', 'HOX', 'SOX', 'FGF',
    'FGFR', 'WNT', 'RPL', 'GPR', 'OR', 'TMEM', 'CCDC', 'KIF', 'CD'];
CREATE OR REPLACE TEMP MACRO w_gene_name() AS [
    'Zinc finger protein ', 'Solute carrier protein ', 'Cytochrome P450 ', 'Cyclin-dependent kinase ',
    'Potassium channel protein ', 'Interleukin ', 'TNF receptor superfamily member ',
    'Mitogen-activated protein kinase ', 'Collagen alpha chain ', 'Keratin ', 'ADAM metallopeptidase ',
    'ATP-binding cassette transporter ', 'Homeobox protein ', 'SRY-box transcription factor ',
    'Fibroblast growth factor ', 'Fibroblast growth factor receptor ', 'Wnt family member ',
    'Ribosomal protein L', 'G protein-coupled receptor ', 'Olfactory receptor ', 'Transmembrane protein ',
    'Coiled-coil domain containing protein ', 'Kinesin family member ', 'CD'];
CREATE OR REPLACE TEMP MACRO w_gene_name_suffix() AS [
    '', '', '', '', '', '', '', '', '', '', ' domain', '', '', '', '', '', '', '', '', '', '', '', '', ' molecule'];
CREATE OR REPLACE TEMP MACRO w_gene_sty() AS [
    15, 15, 16, 16, 15, 18, 17, 16, 15, 15, 16, 15, 15, 15, 15, 17, 15, 15, 17, 17, 15, 15, 15, 18];
CREATE OR REPLACE TEMP MACRO w_gene_tail() AS ['-AS1', '-AS2', '-DT', '-IT1', 'P1', 'P2', 'L1', 'L2'];
CREATE OR REPLACE TEMP MACRO w_species_common() AS ['human', 'mouse', 'rat', 'zebrafish', 'Drosophila'];
CREATE OR REPLACE TEMP MACRO w_letter() AS ['A', 'B', 'C', 'D', 'E', 'F'];

-- Anatomical parts (1-6 tissues, 7 cell, 8-12 locations, the rest organ components).
CREATE OR REPLACE TEMP MACRO w_anat_part() AS [
    'mucosa', 'serosa', 'epithelium', 'submucosa', 'fascia', 'connective tissue', 'cell', 'surface', 'margin',
    'border', 'apex', 'region', 'lobe', 'wall', 'capsule', 'cortex', 'medulla', 'base', 'body', 'head', 'neck',
    'tail', 'lumen', 'segment', 'ligament', 'duct', 'artery', 'vein', 'nerve', 'lymphatic vessel'];
CREATE OR REPLACE TEMP MACRO w_anat_mod() AS [
    'upper', 'lower', 'anterior', 'posterior', 'medial', 'lateral', 'superior', 'inferior', 'proximal', 'distal',
    'left', 'right', 'deep', 'superficial', 'internal', 'external'];

CREATE OR REPLACE TEMP MACRO w_proc_adj() AS [
    'partial', 'total', 'radical', 'laparoscopic', 'endoscopic', 'open', 'robotic', 'percutaneous', 'diagnostic',
    'therapeutic', 'bilateral', 'unilateral', 'emergency', 'elective', 'repeat', 'revision'];
-- Procedure suffixes (1-6 therapeutic, 7-9 diagnostic).
CREATE OR REPLACE TEMP MACRO w_proc_suffix() AS [
    'ectomy', 'otomy', 'ostomy', 'oplasty', 'orrhaphy', 'opexy', 'oscopy', 'ography', 'ocentesis'];
CREATE OR REPLACE TEMP MACRO w_proc_suffix_phrase() AS [
    'excision', 'incision', 'opening', 'repair', 'suture', 'fixation', 'endoscopic examination', 'imaging',
    'puncture'];
-- Procedure actions (1-8 therapeutic, 9-14 diagnostic).
CREATE OR REPLACE TEMP MACRO w_proc_action() AS [
    'excision', 'repair', 'reconstruction', 'injection', 'drainage', 'transplantation', 'resection', 'incision',
    'biopsy', 'ultrasonography', 'magnetic resonance imaging', 'computed tomography', 'radiography',
    'examination'];
CREATE OR REPLACE TEMP MACRO w_proc_with() AS [
    'with anastomosis', 'with drainage', 'with biopsy', 'with stent insertion', 'with lymph node dissection',
    'with graft', 'using laser', 'with contrast', 'without contrast', 'with implant'];

CREATE OR REPLACE TEMP MACRO w_genus_prefix() AS [
    'Strepto', 'Staphylo', 'Entero', 'Myco', 'Pseudo', 'Clostri', 'Lacto', 'Bifido', 'Campylo', 'Helico',
    'Legio', 'Listeri', 'Neisse', 'Salmo', 'Shige', 'Vibri', 'Yersi', 'Borre', 'Trepo', 'Crypto', 'Asper',
    'Cando', 'Plasmo', 'Toxo', 'Leishma', 'Trypano', 'Schisto', 'Ancylo', 'Rhino', 'Adeno'];
-- Genus endings with semantic type: 1-6 bacteria, 7-8 fungi, 9-11 eukaryotes.
CREATE OR REPLACE TEMP MACRO w_genus_ending() AS [
    'coccus', 'bacter', 'bacterium', 'monas', 'bacillus', 'ella', 'myces', 'spora', 'plasma', 'soma', 'nema'];
CREATE OR REPLACE TEMP MACRO w_species() AS [
    'aureus', 'pneumoniae', 'coli', 'tuberculosis', 'difficile', 'pyogenes', 'faecalis', 'albicans', 'fumigatus',
    'falciparum', 'gondii', 'major', 'cruzi', 'mansoni', 'duodenale', 'vulgaris', 'mirabilis', 'cloacae',
    'aeruginosa', 'jejuni', 'pylori', 'monocytogenes', 'meningitidis', 'gonorrhoeae', 'typhi', 'cholerae',
    'pestis', 'burgdorferi', 'pallidum', 'acnes', 'epidermidis', 'mutans', 'subtilis', 'cereus', 'anthracis',
    'botulinum', 'tetani', 'perfringens', 'intestinalis', 'hominis', 'canis', 'felis', 'bovis', 'suis', 'avium',
    'equi', 'ovis', 'murium', 'marinum', 'leprae'];
CREATE OR REPLACE TEMP MACRO w_strain_lab() AS ['ATCC', 'NCTC', 'DSM', 'CIP', 'JCM', 'NRRL'];

-- Definitions.
CREATE OR REPLACE TEMP MACRO w_kind_def_phrase() AS [
    ['disorder', 'condition', 'disease', 'pathological process'],
    ['clinical finding', 'sign', 'symptom', 'observation'],
    ['substance', 'drug', 'chemical compound', 'pharmacologic agent'],
    ['gene', 'gene product', 'protein', 'genetic locus'],
    ['anatomical structure', 'body part', 'anatomical region', 'tissue structure'],
    ['procedure', 'intervention', 'diagnostic or therapeutic procedure', 'test'],
    ['organism', 'microorganism', 'species', 'pathogen']];
CREATE OR REPLACE TEMP MACRO w_def_clause() AS [
    'characterized by progressive loss of function', 'that may be inherited or acquired', 'of unknown etiology',
    'associated with significant morbidity', 'typically diagnosed by clinical examination',
    'that is often asymptomatic in early stages', 'used in the management of several conditions',
    'commonly observed in adults', 'that affects both children and adults', 'with a variable clinical course',
    'resulting from abnormal cell proliferation', 'involving inflammation and tissue damage',
    'that can be detected by laboratory testing', 'whose activity is regulated by phosphorylation',
    'located within a larger anatomical region', 'performed under local or general anesthesia',
    'capable of causing infection in humans', 'frequently isolated from clinical specimens',
    'that binds to a specific cellular receptor', 'characterized by rapid onset', 'requiring long-term follow-up',
    'with a characteristic histological appearance', 'that is rarely fatal', 'that responds to standard therapy'];

---------------------------------------------------------------------------------------------------------
-- Lengths of the lists indexed by a hash (see the header).
SET VARIABLE n_stage = len(w_stage());
SET VARIABLE n_complication = len(w_complication());
SET VARIABLE n_def_clause = len(w_def_clause());
SET VARIABLE n_cvf = len(w_cvf());
SET VARIABLE n_tail = 60 + len(w_stage()) + len(w_complication()) + len(w_cause());

---------------------------------------------------------------------------------------------------------
-- Name shapes.  Names are enumerated, not drawn: each (kind, shape) has a space of word combinations,
-- its 6 digits having the sizes below (1 = the role is absent), and its k-th concept gets combination
-- (k * 1000003 + offset) mod space, so two concepts share a name only when a shape has more concepts
-- than combinations (or on purpose, see name_index).  Shares are per 100 concepts of the kind; a
-- shape's space should exceed its share of the concepts at the largest scale (3.4M concepts).
-- Digit roles per kind (see the X_words macros):
--   disorder   adjective, second adjective, organ, suffix/eponym/head, tail, eponym head/side
--   finding    adjective/change, disorder adjective, organ/specimen, symptom/analyte, context/analyte, timing
--   chemical   prefix, infix, stem, infix/salt/dose, dose form   (systematic: 6 name parts)
--   gene       family, number, letter, tail, species
--   anatomy    modifier, second modifier, part, organ modifier, organ
--   procedure  adjective, second adjective, organ, suffix/action, with-phrase/part, side   (lab: own roles)
--   organism   genus prefix, genus ending/virus number, species/letter, strain lab/subspecies, strain number
SET VARIABLE shape_counts = [
    [5, 5, 3, 6, 30, 25, 4, 14, 8], [25, 25, 20, 30], [35, 15, 15, 35], [40, 45, 15], [50, 15, 35],
    [15, 20, 40, 25], [45, 35, 20]];
SET VARIABLE shape_sizes = (SELECT [
    [[a, a - 1, o, len(w_dis_suffix()), 1, 1], [a, 1, o, len(w_dis_suffix()), t, 1],
     [1, 1, o, len(w_dis_suffix()), t, 1], [a, 1, 1, len(w_eponym()), t, len(w_eponym_head())],
     [a, a - 1, o, h, 1, 1], [a, 1, o, h, t, 1], [1, 1, o, h, t, 1],
     [a, 1, o, h, 1, len(w_side())], [1, 1, o, h, t, 1]],
    [[len(w_find_adj()), a, o, len(w_symptom()), 1, 1],
     [len(w_find_adj()), 1, o, len(w_symptom()), len(w_find_context()), 1],
     [1, a, o, len(w_symptom()), len(w_find_context()), 1],
     [len(w_change()), 1, len(w_specimen()), len(w_analyte()), len(w_analyte()) - 1, len(w_timing())]],
    [[len(w_drug_prefix()), len(w_drug_infix()), len(w_drug_stem()), len(w_drug_infix()), 1, 1],
     [len(w_drug_prefix()), len(w_drug_infix()), len(w_drug_stem()), len(w_salt()), 1, 1],
     [len(w_drug_prefix()), len(w_drug_infix()), len(w_drug_stem()), 40, len(w_dose_form()), 1],
     [len(w_locant()), len(w_substituent()), len(w_locant()), len(w_substituent()), len(w_parent()),
      len(w_chem_ending())]],
    [[len(w_gene_symbol()), 999, len(w_letter()) + 1, len(w_gene_tail()) + 1, 1, 1],
     [len(w_gene_symbol()), 999, len(w_letter()) + 1, len(w_gene_tail()) + 1, 1, 1],
     [len(w_gene_symbol()), 999, len(w_letter()) + 1, len(w_gene_tail()) + 1, len(w_species_common()), 1]],
    [[m, m - 1, len(w_anat_part()), m, o, 1], [m, 1, len(w_anat_part()), m, o, 1],
     [m, m - 1, len(w_anat_part()), 1, o, 1]],
    [[len(w_proc_adj()), len(w_proc_adj()) - 1, o, len(w_proc_suffix()), 1, 1],
     [len(w_proc_adj()), len(w_proc_adj()) - 1, o, len(w_proc_suffix()), len(w_proc_with()), 1],
     [len(w_proc_adj()), 1, o, len(w_proc_action()), len(w_anat_part()), len(w_side())],
     [len(w_analyte()), len(w_analyte()) - 1, len(w_lab_property()), len(w_specimen()), len(w_lab_method()), 1]],
    [[len(w_genus_prefix()), len(w_genus_ending()), len(w_species()), len(w_strain_lab()), 90000, 1],
     [len(w_genus_prefix()), len(w_genus_ending()), len(w_species()), len(w_species()) - 1, 1, 1],
     [len(w_genus_prefix()), 999, len(w_letter()) + 1, 1, 1, 1]]]
    FROM (SELECT len(w_dis_adj()) AS a, len(w_organ_adj()) AS o, len(w_dis_head()) AS h, getvariable('n_tail') AS t,
                 len(w_anat_mod()) AS m));
SET VARIABLE shape_strides = [[[coalesce(list_aggregate(sizes[:j], 'product'), 1)::BIGINT FOR j IN range(6)]
                                FOR sizes IN kind_sizes] FOR kind_sizes IN getvariable('shape_sizes')];
SET VARIABLE shape_space = [[list_aggregate(sizes, 'product')::BIGINT FOR sizes IN kind_sizes]
                            FOR kind_sizes IN getvariable('shape_sizes')];
-- Per kind, the shape of each of the 100 slots and the slot's rank among its shape's slots.
SET VARIABLE slot_shape = [flatten([[shape + 1 FOR _ IN range(counts[shape + 1])] FOR shape IN range(len(counts))])
                           FOR counts IN getvariable('shape_counts')];
SET VARIABLE slot_rank = [[slot - list_position(shapes, shapes[slot]) FOR slot IN range(1, 101)]
                          FOR shapes IN getvariable('slot_shape')];
-- Rank of each residue (concept index mod 100) among its kind's residues.
SET VARIABLE residue_rank = [list_position(w_kind_residues()[w_kind_map()[r + 1]], r) - 1 FOR r IN range(100)];

-- Fail loudly if a parallel list or a kind-indexed list lost its shape in an edit.
SELECT CASE WHEN NOT (
        len(w_kind_map()) = 100
        AND list_sort(flatten(w_kind_residues())) = range(100)
        AND [len(r) FOR r IN w_kind_residues()] = w_kind_nres()
        AND len(w_organ_noun()) = len(w_organ_adj()) AND len(w_organ_root()) = len(w_organ_adj())
        AND len(w_dis_suffix_phrase()) = len(w_dis_suffix())
        AND len(list_intersect(w_dis_suffix_phrase(), w_dis_head())) = 0
        AND len(list_intersect(w_find_adj(), w_dis_adj())) = 0
        AND len(w_proc_suffix_phrase()) = len(w_proc_suffix())
        AND len(w_sty_stn()) = len(w_sty_tui()) AND len(w_sty_name()) = len(w_sty_tui())
        AND len(w_sab_lat()) = len(w_sab()) AND len(w_sab_srl()) = len(w_sab())
        AND len(w_sab_family()) = len(w_sab()) AND len(w_sab_son()) = len(w_sab())
        AND len(w_sab_ssn()) = len(w_sab()) AND len(w_sab_ver()) = len(w_sab())
        AND len(w_sab_cxty()) = len(w_sab()) AND len(w_sab_atnl()) = len(w_sab())
        AND len(w_sab_pref_tty()) = len(w_sab()) AND len(w_sab_syn_tty()) = len(w_sab())
        AND len(w_tty_sab()) = len(w_tty()) AND len(w_tty_suppress()) = len(w_tty())
        AND list_sort(w_rank_order()) = range(1, len(w_tty()) + 1)
        AND list_bool_and([len(l) = 4 FOR l IN w_kind_pref_sab()])
        AND list_bool_and([len(l) = 10 FOR l IN w_kind_syn_sab()])
        AND list_bool_and([len(l) = 15 AND len(list_distinct(l)) = 15 AND NOT list_contains(l, 1)
                           FOR l IN w_kind_repeat_tty()])
        AND list_bool_and([len(l) = 4 FOR l IN w_kind_sty2()])
        AND list_bool_and([len(l) = 4 FOR l IN w_kind_def_phrase()])
        AND list_bool_and([len(l) = 8 FOR l IN w_sab_syn_tty()])
        AND list_bool_and([len(l) = 15 FOR l IN w_kind_variants()])
        AND [len([v FOR v IN l IF v > 0]) FOR l IN w_kind_variants()] = w_kind_nvariants()
        AND list_bool_and([len(l) = 20 FOR l IN w_kind_rt()])
        AND list_bool_and([len(l) = 4 FOR l IN w_rt_sab()])
        AND len(w_rt_inv_rel()) = len(w_rt_rel()) AND len(w_rt_rela()) = len(w_rt_rel())
        AND len(w_rt_inv_rela()) = len(w_rt_rel()) AND len(w_rt_target()) = len(w_rt_rel())
        AND len(w_rt_skew()) = len(w_rt_rel()) AND len(w_rt_sab()) = len(w_rt_rel())
        AND len(w_gene_name()) = len(w_gene_symbol()) AND len(w_gene_name_suffix()) = len(w_gene_symbol())
        AND len(w_gene_sty()) = len(w_gene_symbol())
        AND len(w_variant_stt()) = 16
        AND [list_sum(counts) FOR counts IN getvariable('shape_counts')] = [100, 100, 100, 100, 100, 100, 100]
        AND [len(sizes) FOR sizes IN getvariable('shape_sizes')]
            = [len(counts) FOR counts IN getvariable('shape_counts')]
        AND list_bool_and(flatten([[len(sizes) = 6 FOR sizes IN kind_sizes]
                                   FOR kind_sizes IN getvariable('shape_sizes')]))
    ) THEN error('synthetic UMLS vocabulary is inconsistent') END;
