"""Corpus readers, writers and linking (PubTator, PubMed XML, JSONL)."""
