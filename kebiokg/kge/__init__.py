"""Knowledge-graph embeddings of the KB (`kebiokg embed-kb`, docs/kge.md): TransE and DistMult over
`relations`, filtered link-prediction metrics, early stopping, exact resume, facts kept out for probes.

Imports only the KB layer; pretraining builds on it, not the reverse. What needs torch lives in
`kebiokg.kge.train` (`embed_kb`), `.evaluate`, `.models`; this package's top level stays light.
"""

from __future__ import annotations

from .options import EmbedOptions
from .store import KgeEmbeddings, load_kge

__all__ = ["EmbedOptions", "KgeEmbeddings", "load_kge"]
