"""The learned entity table as a nearest-entity index: `kebiokg nearest --model run/`.

Entities are the rows of the trained entity table; a query string is encoded as the model encodes
a mention during linking: the text-only layers over `[CLS] query [SEP]`, the whole query as one
span, start and end states projected to the entity space; entities rank by the linker's score,
the inner product with their (unnormalised) rows. The index lives in `MODEL/entity_index/`
and records the model folder, so it reopens with its query encoder.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from transformers import AutoTokenizer
from transformers.utils import logging

from ..index.encoders import ArrayEncoder, register_encoder
from ..index.faiss_index import IndexInfo, IndexOptions, build_index
from ..kb import KnowledgeBase
from ..modeling_kebio import ENTITY_OFFSET, KebioModel
from ..progress import Progress

INDEX_FOLDER = "entity_index"


def kebio_encoder(model_dir: Path | str, batch_size: int = 256) -> ArrayEncoder:
    model_dir = Path(model_dir).resolve()
    verbosity = logging.get_verbosity()
    bars = logging.is_progress_bar_enabled()
    logging.set_verbosity_error()  # the MLM head in the folder is not the encoder's: no load report
    logging.disable_progress_bar()
    try:
        model = KebioModel.from_pretrained(model_dir).eval()
    finally:
        logging.set_verbosity(verbosity)
        if bars:
            logging.enable_progress_bar()
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    vectors = model.entity_embeddings.weight[ENTITY_OFFSET:].detach().float().numpy()

    @torch.no_grad()
    def encode(texts: Sequence[str]) -> np.ndarray:
        out = []
        for start in range(0, len(texts), batch_size):
            batch = tokenizer(list(texts[start:start + batch_size]), padding=True, truncation=True,
                              max_length=model.config.max_position_embeddings, return_tensors="pt")
            lengths = batch["attention_mask"].sum(dim=1)
            spans = torch.stack([torch.ones_like(lengths), (lengths - 1).clamp(min=2)], dim=-1).unsqueeze(1)
            hidden, _ = model.encode_text(batch["input_ids"], batch["attention_mask"])
            out.append(model.encode_mentions(hidden, spans)[:, 0].float().numpy())
        return np.concatenate(out) if out else np.zeros((0, vectors.shape[1]), dtype=np.float32)

    # unnormalised rows: the index ranks by mention . entity, the linker's score (a query's own norm
    # does not change its ranking). A model trained against no kebiokg KB (a converted KeBioLM) has
    # rows only its entity vocabulary names: they are matched to the KB by CUI.
    cuis = model.entity_vocab if model.config.kb_fingerprint is None else None
    return ArrayEncoder("kebio", vectors, encode, {"model": str(model_dir)}, normalize_entities=False, cuis=cuis)


register_encoder("kebio", lambda config: kebio_encoder(config["model"]))


def export_entity_index(model_dir: Path, kb: KnowledgeBase, progress: Progress | None = None) -> IndexInfo:
    """Build `model_dir/entity_index/` from the model's entity table (exact search up to 200K entities)."""
    return build_index(kb, kebio_encoder(model_dir), Path(model_dir) / INDEX_FOLDER, IndexOptions(), progress)
