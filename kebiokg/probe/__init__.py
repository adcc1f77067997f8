"""Knowledge probes: cloze queries built from the KB's relations, and their evaluation."""
