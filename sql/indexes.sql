-- Lookups the library makes. concepts and names are stored in entity_id (= CUI) order, so zone
-- maps already prune lookups by cui or entity_id; relations keep MRREL's order (sorted by CUI1,
-- the object), so zone maps prune object lookups; ART indexes serve the rest.
CREATE INDEX names_norm ON names (norm);
CREATE INDEX relations_subject ON relations (subject_id);
CREATE INDEX source_codes_code ON source_codes (sab, code);
