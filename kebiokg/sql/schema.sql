-- Derived tables of a kebiokg KB: what the rest of kebiokg reads. Raw tables (raw_mrconso, ...)
-- exist only with --keep-raw and mirror the RRF layouts as text.
-- kebiokg/schema.py declares the same tables for SQLAlchemy; a test checks the two agree.

-- Key/value metadata; values are JSON. Keys: release, inputs, filters, tool_version, loaded_at,
-- load_seconds, counts, skipped, fingerprint.
CREATE TABLE kb_meta (
    key VARCHAR NOT NULL,
    value VARCHAR NOT NULL
);

-- One row per kept concept. entity_id is dense (0..n-1) in CUI order: the model's entity
-- vocabulary. preferred_name is the highest-MRRANK kept atom.
CREATE TABLE concepts (
    entity_id INTEGER NOT NULL,
    cui VARCHAR NOT NULL,
    preferred_name VARCHAR NOT NULL,
    semantic_types VARCHAR[] NOT NULL
);

-- Deduplicated names: one row per (cui, lat, sab, tty, str). norm = kb_normalize(str).
CREATE TABLE names (
    name_id INTEGER NOT NULL,
    cui VARCHAR NOT NULL,
    str VARCHAR NOT NULL,
    norm VARCHAR NOT NULL,
    lat VARCHAR NOT NULL,
    sab VARCHAR NOT NULL,
    tty VARCHAR NOT NULL,
    rank INTEGER NOT NULL,
    is_preferred BOOLEAN NOT NULL
);

-- Source codes of kept atoms (e.g. sab = 'MSH', code = 'D003920'): how corpus ids map to CUIs.
CREATE TABLE source_codes (
    sab VARCHAR NOT NULL,
    code VARCHAR NOT NULL,
    cui VARCHAR NOT NULL
);

-- Relations in reading order: "subject rel/rela object". An MRREL row CUI1|..|REL|CUI2|..|RELA
-- states that CUI2 has relation REL/RELA to CUI1, so subject = CUI2 and object = CUI1.
-- Entities are entity_ids; the view relation_triples shows CUIs and names.
CREATE TABLE relations (
    subject_id INTEGER NOT NULL,
    rel VARCHAR NOT NULL,
    rela VARCHAR,
    object_id INTEGER NOT NULL,
    sab VARCHAR
);

CREATE TABLE semantic_types (
    cui VARCHAR NOT NULL,
    tui VARCHAR NOT NULL,
    stn VARCHAR,
    sty VARCHAR
);

CREATE TABLE definitions (
    cui VARCHAR NOT NULL,
    sab VARCHAR,
    definition VARCHAR NOT NULL
);

-- MRSAB: one row per source version.
CREATE TABLE sources (
    rsab VARCHAR,
    vsab VARCHAR,
    son VARCHAR,
    srl INTEGER,
    lat VARCHAR,
    curver VARCHAR
);

-- MRRANK: higher rank = preferred term type.
CREATE TABLE name_ranks (
    rank INTEGER NOT NULL,
    sab VARCHAR NOT NULL,
    tty VARCHAR NOT NULL,
    suppress VARCHAR
);

-- Relations with CUIs and preferred names, for people reading the KB in SQL.
CREATE VIEW relation_triples AS
SELECT s.cui AS subject_cui, s.preferred_name AS subject_name, r.rel, r.rela,
       o.cui AS object_cui, o.preferred_name AS object_name, r.sab
FROM relations r
JOIN concepts s ON s.entity_id = r.subject_id
JOIN concepts o ON o.entity_id = r.object_id;
