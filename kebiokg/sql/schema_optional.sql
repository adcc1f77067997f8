-- Derived tables loaded only on request (--tables MRHIER,MRSAT).

-- name: hierarchy
CREATE TABLE hierarchy (
    cui VARCHAR NOT NULL,
    aui VARCHAR,
    cxn INTEGER,
    paui VARCHAR,
    sab VARCHAR,
    rela VARCHAR,
    ptr VARCHAR,
    hcd VARCHAR
);

-- name: attributes
CREATE TABLE attributes (
    cui VARCHAR NOT NULL,
    metaui VARCHAR,
    stype VARCHAR,
    code VARCHAR,
    atn VARCHAR NOT NULL,
    sab VARCHAR,
    atv VARCHAR
);
