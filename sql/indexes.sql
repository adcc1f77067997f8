-- Lookups the library makes. concepts is stored in cui (= entity_id) order and relations in
-- subject order, so zone maps already prune those scans; ART indexes serve the point lookups.
CREATE UNIQUE INDEX concepts_cui ON concepts (cui);
CREATE INDEX names_norm ON names (norm);
CREATE INDEX names_cui ON names (cui);
CREATE INDEX relations_object ON relations (object_id);
CREATE INDEX source_codes_code ON source_codes (sab, code);
