"""kebiokg: knowledge-enhanced biomedical language models on top of the UMLS."""

__version__ = "0.1.0"
