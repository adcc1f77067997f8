"""The authors' KeBioLM checkpoint (github.com/GanjinZero/KeBioLM, transformers 3.4) as a kebiokg model.

Their folder holds `config.json` (their `KebioConfig`: BERT's fields plus `num_context_layers`,
`entity_size`, `num_entities`, `max_mentions`, `max_candidate_entities`), `pytorch_model.bin` (the
state dict of their `KebioForPreTraining`), `vocab.txt` (PubMedBERT's) and `entity.jsonl` (one
`{"entity_name": ..., "id": ...}` per entity-table row; `[PAD_ENT]` is id 0, `[UNK_ENT]` and `[NIL_ENT]`
have ids of their own). The converted model computes what theirs computes, their span defects aside
(docs/model.md): LayerNorm over every token (`fusion_norm_all_tokens`), every row scored (`exact`),
their top-k and their cap on mentions per sequence.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import sqlalchemy as sa
import torch

from .. import schema as t
from ..artefacts import staged_folder
from ..errors import KebiokgError, KebiokgWarning
from ..kb import KnowledgeBase
from ..modeling_kebio import ENTITY_OFFSET, KebioConfig, KebioForPreTraining
from ..progress import Progress
from ..textfiles import numbered_lines
from .entity_index import export_entity_index

SPECIAL_ENTITIES = ("[PAD_ENT]", "[UNK_ENT]", "[NIL_ENT]")  # kebiokg's rows 0, 1, 2 (ENTITY_PAD, _UNKNOWN, _NIL)

# their KebioConfig's defaults (and BertConfig's), for fields a config.json leaves out
THEIR_DEFAULTS = {
    "hidden_size": 768, "num_hidden_layers": 12, "num_context_layers": 8, "num_attention_heads": 12,
    "intermediate_size": 3072, "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
    "attention_probs_dropout_prob": 0.1, "max_position_embeddings": 512, "type_vocab_size": 16,
    "initializer_range": 0.02, "layer_norm_eps": 1e-12, "pad_token_id": 0, "entity_size": 50,
    "max_mentions": 15, "max_candidate_entities": 100,
}
BERT_FIELDS = ("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
               "hidden_act", "hidden_dropout_prob", "attention_probs_dropout_prob", "max_position_embeddings",
               "type_vocab_size", "initializer_range", "layer_norm_eps", "pad_token_id")

# their parameter names -> kebiokg's, by prefix
PREFIXES = (
    ("bert.embeddings.", "kebio.embeddings."),
    ("bert.context_encoder.layer.", "kebio.text_layers."),
    ("bert.mention_detector.", "kebio.detector."),
    ("bert.entity_linker.mention_to_entity_projection.", "kebio.mention_projection."),
    ("bert.entity_linker.entity_embeddings.", "kebio.entity_embeddings."),
    ("bert.entity_context_projection.", "kebio.entity_projection."),
    ("bert.layer_norm.", "kebio.fusion_norm."),
    ("bert.recontext_encoder.layer.", "kebio.fusion_layers."),
    ("cls.predictions.", "cls.predictions."),
)
# in their state dict without being weights of their own: a buffer (the positions 0..n-1), the MLM
# decoder tied to the word embeddings, and its bias (the head's bias under a second name)
NOT_WEIGHTS = ("bert.embeddings.position_ids", "cls.predictions.decoder.weight", "cls.predictions.decoder.bias")
TABLE = "kebio.entity_embeddings.weight"


@dataclass
class Conversion:
    out: Path
    text_layers: int
    fusion_layers: int
    entities: int  # table rows, the three special ones included
    entity_dim: int
    tokenizer: bool  # whether the folder had one to copy
    indexed: int | None = None  # the model's entities found in the KB and indexed (with a KB)


def _rename(key: str, pairs) -> str | None:
    for source, target in pairs:
        if key.startswith(source):
            return target + key[len(source):]
    return None


def _listed(keys: list[str], most: int = 6) -> str:
    shown = ", ".join(keys[:most])
    return shown + (f" and {len(keys) - most} more" if len(keys) > most else "")


def read_config(path: Path) -> KebioConfig:
    """kebiokg's config for theirs; a config without their entity fields is not theirs."""
    try:
        theirs = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise KebiokgError(f"{path}: no such file (a KeBioLM checkpoint folder has config.json, "
                           f"pytorch_model.bin and entity.jsonl)") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise KebiokgError(f"{path}: not JSON ({exc})") from None
    absent = [k for k in ("vocab_size", "num_entities") if k not in theirs]
    if absent:
        raise KebiokgError(f"{path}: no {' or '.join(absent)}: not the config of a KeBioLM checkpoint")
    if theirs.get("position_embedding_type", "absolute") != "absolute":
        raise KebiokgError(f"{path}: position_embedding_type {theirs['position_embedding_type']!r}: only absolute "
                           f"positions convert")
    values = {**THEIR_DEFAULTS, **theirs}
    text, layers = values["num_context_layers"], values["num_hidden_layers"]
    if not 0 < text <= layers:
        raise KebiokgError(f"{path}: num_context_layers {text} is not between 1 and num_hidden_layers {layers}")
    floats = ("hidden_dropout_prob", "attention_probs_dropout_prob", "initializer_range", "layer_norm_eps")
    bert = {k: float(values[k]) if k in floats else values[k] for k in BERT_FIELDS}
    return KebioConfig(**bert, num_text_layers=text, num_fusion_layers=layers - text,
                       entity_vocab_size=values["num_entities"], entity_dim=values["entity_size"],
                       entity_top_k=values["max_candidate_entities"], max_mentions=values["max_mentions"],
                       entity_scorer="exact", fusion_norm_all_tokens=True)


def read_entities(path: Path, rows: int) -> tuple[list[int], list[str]]:
    """(their row for each kebiokg row: [PAD_ENT], [UNK_ENT], [NIL_ENT], then the rest by id; the names
    of kebiokg's rows from ENTITY_OFFSET). A row entity.jsonl names nothing keeps its place, named
    `[UNNAMED_ENT_<id>]`: the original scores it as a candidate like any other."""
    if not path.is_file():
        raise KebiokgError(f"{path}: no such file (the checkpoint's entity vocabulary)")
    names: dict[int, str] = {}
    for number, line in numbered_lines(path):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            name, row = record["entity_name"], record["id"]
        except (json.JSONDecodeError, TypeError, KeyError):
            raise KebiokgError(f"{path}:{number}: not an entity line ({{\"entity_name\": ..., \"id\": ...}})") from None
        if not isinstance(row, int) or not 0 <= row < rows:
            raise KebiokgError(f"{path}:{number}: id {row!r} is not a row of the {rows:,}-row entity table")
        if not isinstance(name, str) or not name or name != "".join(name.split()):
            raise KebiokgError(f"{path}:{number}: entity_name {name!r} is empty or holds white space")
        if row in names:
            raise KebiokgError(f"{path}:{number}: id {row} is also {names[row]!r}")
        names[row] = name
    ids = {name: row for row, name in names.items()}
    absent = [s for s in SPECIAL_ENTITIES if s not in ids]
    if absent:
        raise KebiokgError(f"{path}: no {', '.join(absent)} (the original's padding, unknown and NIL entities)")
    if ids["[PAD_ENT]"] != 0:
        raise KebiokgError(f"{path}: [PAD_ENT] has id {ids['[PAD_ENT]']}, not 0")
    specials = [ids[s] for s in SPECIAL_ENTITIES]
    order = specials + [row for row in range(rows) if row not in specials]
    return order, [names.get(row, f"[UNNAMED_ENT_{row}]") for row in order[ENTITY_OFFSET:]]


def _load_weights(src: Path) -> tuple[Path, dict[str, torch.Tensor]]:
    path = src / "pytorch_model.bin"
    if path.is_file():
        try:
            return path, torch.load(path, map_location="cpu", weights_only=True)
        except Exception as exc:  # pickle, zip and torch errors alike: the file is not a state dict
            raise KebiokgError(f"{path}: not a PyTorch state dict ({str(exc).splitlines()[0]})") from None
    path = src / "model.safetensors"
    if path.is_file():
        from safetensors.torch import load_file

        return path, load_file(path)
    raise KebiokgError(f"{src}: no pytorch_model.bin (the weights of a KeBioLM checkpoint)")


def map_state_dict(theirs: dict[str, torch.Tensor], model: KebioForPreTraining, where: Path) -> dict:
    """Their tensors under kebiokg's names; unknown, missing and misshapen keys are one error naming them."""
    expected = model.state_dict()
    tied = set(model._tied_weights_keys)  # filled from the weights they are tied to
    ours, unknown, misshapen = {}, [], []
    for key, value in theirs.items():
        if key in NOT_WEIGHTS:
            continue
        name = _rename(key, PREFIXES)
        if name is None or name not in expected or name in tied:
            unknown.append(key)
        elif value.shape != expected[name].shape:
            misshapen.append(f"{key} {list(value.shape)} (config.json gives {list(expected[name].shape)})")
        else:
            ours[name] = value
    back = [(target, source) for source, target in PREFIXES]
    missing = [_rename(k, back) for k in expected if k not in tied and _rename(k, back) not in theirs]
    problems = [f"{what} {_listed(keys)}" for what, keys in
                (("unknown keys", unknown), ("missing keys", missing), ("keys of another shape:", misshapen)) if keys]
    if problems:
        raise KebiokgError(f"{where}: not the authors' KebioForPreTraining layout: {'; '.join(problems)}")
    return ours


def _tokenizer(src: Path):
    """Their tokenizer (BERT's WordPiece, vocab.txt and any tokenizer_config.json), or None without one."""
    if not (src / "vocab.txt").is_file() and not (src / "tokenizer.json").is_file():
        return None
    from transformers import BertTokenizer

    return BertTokenizer.from_pretrained(src)


def kb_entities(kb: KnowledgeBase, names: list[str]) -> int:
    """How many of the names are concepts of the KB."""
    c = t.concepts.c
    known = {row[0] for row in kb.query(sa.select(c.cui))}
    return sum(name in known for name in names)


def convert_kebiolm(src: Path, out: Path, kb: KnowledgeBase | None = None,
                    progress: Progress | None = None) -> Conversion:
    """Write `out`: config, weights, entity vocabulary and tokenizer of the checkpoint in `src`; with a KB,
    also `out/entity_index/` (the model's entities that are the KB's concepts), for `nearest --model`."""
    src, out = Path(src), Path(out)
    config = read_config(src / "config.json")
    order, names = read_entities(src / "entity.jsonl", config.entity_vocab_size)
    where, theirs = _load_weights(src)
    model = KebioForPreTraining(config)
    weights = map_state_dict(theirs, model, where)
    weights[TABLE] = weights[TABLE][torch.from_numpy(np.asarray(order))]
    model.load_state_dict(weights, strict=False)  # map_state_dict saw every key but the tied ones
    model.tie_weights()
    model.entity_vocab = names
    tokenizer = _tokenizer(src)
    if tokenizer is None:
        warnings.warn(f"{src}: no vocab.txt: {out} has no tokenizer (copy the checkpoint's, PubMedBERT's, into it)",
                      KebiokgWarning, stacklevel=2)
    with staged_folder(out, "config.json") as staging:
        model.save_pretrained(staging)
        if tokenizer is not None:
            tokenizer.save_pretrained(staging)
    result = Conversion(out, config.num_text_layers, config.num_fusion_layers, config.entity_vocab_size,
                        config.entity_dim, tokenizer is not None)
    if kb is not None:
        result.indexed = kb_entities(kb, names)
        if not result.indexed:
            raise KebiokgError(f"{src}: none of the model's {len(names):,} entities is a concept of {kb.release} "
                               f"(its entity_name values are not this KB's CUIs): no entity index")
        export_entity_index(out, kb, progress)
    return result
