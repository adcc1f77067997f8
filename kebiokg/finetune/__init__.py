"""Downstream fine-tuning: NER and relation extraction on tagged corpora, strict entity/pair F1."""
