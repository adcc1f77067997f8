"""Nearest-entity search: encoders (lexical, learned) behind one interface, and the FAISS index."""

from .encoders import ArrayEncoder, Encoder, encoder_from_config, register_encoder
from .faiss_index import INDEX_KINDS, EntityIndex, Hit, IndexInfo, IndexOptions, build_index, read_index_info
from .lexical import LexicalEncoder

__all__ = [
    "INDEX_KINDS", "ArrayEncoder", "Encoder", "EntityIndex", "Hit", "IndexInfo", "IndexOptions", "LexicalEncoder",
    "build_index", "encoder_from_config", "read_index_info", "register_encoder",
]
