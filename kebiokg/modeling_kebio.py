"""KeBioLM (Yuan et al., BioNLP 2021) in transformers' conventions, on transformers' own BERT layers.

    embeddings -> text layers -> mention detection (BIO head) -> mention vectors (start ++ end state,
    projected) -> entity linking (scores against the entity table) -> fusion (softmax-weighted top-k
    entity embeddings, projected, added to exactly the mention's tokens, LayerNorm there only; over
    every token with `fusion_norm_all_tokens`, as the original) -> fusion layers -> heads (MLM, token
    classification)

Spans are `[start, end)` token offsets in a `[batch, mentions, 2]` tensor; a row with `end <= start`
is padding and touches nothing. Gold spans are given in pretraining; otherwise the detection head's
BIO predictions are decoded into spans with tensor operations (no host synchronisation, no Python
loop), never over [CLS], [SEP] or padding. Candidates come from a `CandidateScorer`: exact
full-table scoring here; a sampled top-k scorer can stand behind the same interface.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from huggingface_hub.dataclasses import strict
from torch import nn
from transformers import (
    AutoConfig,
    AutoModel,
    AutoModelForMaskedLM,
    AutoModelForPreTraining,
    AutoModelForSequenceClassification,
    AutoModelForTokenClassification,
    BertConfig,
    PreTrainedModel,
)
from transformers import initialization as init
from transformers.masking_utils import create_bidirectional_mask
from transformers.modeling_outputs import MaskedLMOutput, SequenceClassifierOutput
from transformers.models.bert.modeling_bert import BertEmbeddings, BertLayer, BertLMPredictionHead, BertOnlyMLMHead
from transformers.utils import ModelOutput, cached_file

from .errors import KebiokgError

ENTITY_PAD, ENTITY_UNKNOWN, ENTITY_NIL = 0, 1, 2  # rows before the KB's entities
ENTITY_OFFSET = 3  # row of KB entity_id e is e + ENTITY_OFFSET
BIO_OUTSIDE, BIO_BEGIN, BIO_INSIDE = 0, 1, 2
ENTITY_VOCAB_FILE = "entity_vocab.txt"


@strict
class KebioConfig(BertConfig):
    """BERT's configuration plus the knowledge layers. `num_hidden_layers` = text + fusion layers."""

    model_type = "kebio"
    num_text_layers: int = 8
    num_fusion_layers: int = 4
    entity_vocab_size: int = ENTITY_OFFSET  # special rows + one per KB entity
    entity_dim: int = 100
    entity_top_k: int = 100
    max_mentions: int = 32  # spans decoded per sequence when none are given
    fusion_norm_all_tokens: bool = False  # the original's LayerNorm(h + e) over every token (converted checkpoints)
    detection_loss_weight: float = 1.0
    linking_loss_weight: float = 1.0
    kb_fingerprint: str | None = None
    entity_scorer: str = "auto"  # exact | sampled | auto (sampled from sampled_min_entities rows)
    sampled_min_entities: int = 200_000
    candidate_search: str = "auto"  # torch (chunked exact top-k) | faiss | auto (faiss on CPU when installed)
    search_chunk_size: int = 131_072
    entity_table_mode: str = "dense"  # dense | sparse (only touched rows; sampled scoring) | frozen
    entity_init: str | None = None  # how the table started: kge | lexical | random (pretraining.entity_init)
    entity_init_source: str | None = None  # the embed-kb folder of a kge start
    entity_init_scale: float | None = None  # the one factor the whole start table was scaled by


PRESETS = {
    "tiny": dict(hidden_size=64, num_attention_heads=2, intermediate_size=128, num_text_layers=2,
                 num_fusion_layers=1, max_position_embeddings=256, entity_dim=32, entity_top_k=16),
    "small": dict(hidden_size=256, num_attention_heads=4, intermediate_size=1024, num_text_layers=4,
                  num_fusion_layers=2, max_position_embeddings=512, entity_dim=64, entity_top_k=50),
    "base": dict(hidden_size=768, num_attention_heads=12, intermediate_size=3072, num_text_layers=8,
                 num_fusion_layers=4, max_position_embeddings=512, entity_dim=100, entity_top_k=100),
}


def preset_config(name: str, **overrides) -> KebioConfig:
    values = {**PRESETS[name], **overrides}
    values["num_hidden_layers"] = values["num_text_layers"] + values["num_fusion_layers"]
    return KebioConfig(**values)


@dataclass
class KebioModelOutput(ModelOutput):
    last_hidden_state: torch.Tensor | None = None
    text_hidden_state: torch.Tensor | None = None  # after the text-only layers
    detection_logits: torch.Tensor | None = None  # [batch, tokens, 3] (O, B, I)
    mention_spans: torch.Tensor | None = None  # [batch, mentions, 2], padding rows have end <= start
    candidate_ids: torch.Tensor | None = None  # [batch, mentions, k] entity rows
    candidate_logits: torch.Tensor | None = None  # [batch, mentions, k]
    linking_loss: torch.Tensor | None = None
    detection_loss: torch.Tensor | None = None


@dataclass
class KebioForPreTrainingOutput(ModelOutput):
    loss: torch.Tensor | None = None
    mlm_loss: torch.Tensor | None = None
    detection_loss: torch.Tensor | None = None
    linking_loss: torch.Tensor | None = None
    logits: torch.Tensor | None = None
    detection_logits: torch.Tensor | None = None
    candidate_ids: torch.Tensor | None = None


@dataclass
class KebioTokenClassifierOutput(ModelOutput):
    loss: torch.Tensor | None = None
    logits: torch.Tensor | None = None
    detection_logits: torch.Tensor | None = None


def decode_spans(tags: torch.Tensor, valid: torch.Tensor, max_mentions: int) -> torch.Tensor:
    """BIO tags [batch, tokens] to spans [batch, max_mentions, 2] (padding rows (0, 0)).

    A span starts at B, or at I after a token outside a span; it runs while I follows. Tokens where
    `valid` is False ([CLS], [SEP], padding) are outside. Mentions past `max_mentions` are dropped.
    """
    inside = (tags != BIO_OUTSIDE) & valid
    previous = F.pad(inside[:, :-1], (1, 0), value=False)
    starts = inside & ((tags == BIO_BEGIN) | ~previous)
    span_index = torch.cumsum(starts.long(), dim=1) - 1  # per token: its span's number in the row
    keep = inside & (span_index < max_mentions)
    batch, length = tags.shape
    positions = torch.arange(length, device=tags.device).expand(batch, length)
    slot = torch.where(keep, span_index, torch.full_like(span_index, max_mentions))  # overflow slot
    begin = torch.full((batch, max_mentions + 1), length, dtype=torch.long, device=tags.device)
    end = torch.zeros((batch, max_mentions + 1), dtype=torch.long, device=tags.device)
    begin = begin.scatter_reduce(1, slot, positions, reduce="amin")
    end = end.scatter_reduce(1, slot, positions + 1, reduce="amax")
    spans = torch.stack([begin[:, :max_mentions], end[:, :max_mentions]], dim=-1)
    empty = spans[..., 1] <= spans[..., 0]
    return spans.masked_fill(empty.unsqueeze(-1), 0)


def default_valid_tokens(attention_mask: torch.Tensor) -> torch.Tensor:
    """Tokens that may be part of a mention: attended, not the first ([CLS]) nor the last ([SEP])."""
    valid = attention_mask.bool().clone()
    valid[:, 0] = False
    last = attention_mask.long().sum(dim=1) - 1
    valid.scatter_(1, last.clamp(min=0).unsqueeze(1), False)
    return valid


_ORIGINAL_ARGUMENTS = {"mention_detection_labels": "bio_labels", "gold_entity_ids": "mention_entities",
                       "mlm_labels": "labels", "masked_lm_labels": "labels"}


def _refuse_unknown(model: nn.Module, kwargs: dict) -> None:
    """An unknown keyword is an error, never ignored: the original KeBioLM's `mention_detection_labels`
    would otherwise train with no detection loss and no warning."""
    if kwargs:
        names = ", ".join(f"{k} (the original KeBioLM's name; kebiokg's is {_ORIGINAL_ARGUMENTS[k]})"
                          if k in _ORIGINAL_ARGUMENTS else k for k in kwargs)
        raise TypeError(f"{type(model).__name__}.forward() got unknown keyword arguments: {names}")


def _as_tuple(model: nn.Module, return_dict: bool | None) -> bool:
    """Tuples when asked, per call or by `config.return_dict`, as transformers' models do."""
    return not (return_dict if return_dict is not None else model.config.return_dict)


def _mean_cross_entropy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean over rows with a target (-100: none); 0 when there are none: no NaN, no host sync."""
    losses = F.cross_entropy(logits.float(), targets, ignore_index=-100, reduction="none")
    return losses.sum() / (targets != -100).sum().clamp(min=1)


class ExactScorer(nn.Module):
    """Scores each mention against every row of the entity table (KeBioLM's full softmax)."""

    needs_refresh = False

    def refresh(self, table: torch.Tensor) -> None:
        """Nothing to rebuild: every row is scored every time."""

    def forward(self, mentions: torch.Tensor, entities: nn.Embedding, top_k: int,
                targets: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        table = entities.weight
        logits = mentions @ table.T  # [n, entities]
        logits[:, ENTITY_PAD] = torch.finfo(logits.dtype).min
        loss = None
        if targets is not None:
            loss = _mean_cross_entropy(logits, targets)
        top_logits, top_ids = logits.topk(min(top_k, table.shape[0] - 1), dim=-1)
        return top_ids, top_logits, loss


@torch.no_grad()
def chunked_top_k(queries: torch.Tensor, table: torch.Tensor, k: int, chunk: int) -> torch.Tensor:
    """Exact top-k rows of `table` by inner product with each query, a chunk of rows at a time
    (memory: queries x chunk scores, whatever the table size); the padding row is never returned.

    Each chunk is cut to its own top k before it meets the running best (top-k of a union is the
    top-k of the parts' top-ks), so no row id is materialised for the whole chunk: on a GPU that
    index tensor, not the matrix product, was most of the search's time."""
    n = queries.shape[0]
    best_scores = queries.new_empty((n, 0))
    best_ids = torch.empty((n, 0), dtype=torch.long, device=queries.device)
    for start in range(0, table.shape[0], chunk):
        scores = queries @ table[start:start + chunk].T
        if start == 0:
            scores[:, ENTITY_PAD] = torch.finfo(scores.dtype).min
        scores, ids = scores.topk(min(k, scores.shape[1]), dim=1)
        scores = torch.cat([best_scores, scores.to(best_scores.dtype)], dim=1)
        ids = torch.cat([best_ids, ids + start], dim=1)
        best_scores, order = scores.topk(min(k, scores.shape[1]), dim=1)
        best_ids = ids.gather(1, order)
    return best_ids


class SampledScorer(nn.Module):
    """Sampled softmax over candidates: each mention's top-k entities (from a search over the table),
    its gold entity and the batch's other gold entities as shared negatives. The fusion uses the
    same top-k. Search: `torch` (chunked exact top-k, on whatever device the table is) or `faiss`
    (an index over a snapshot of the table, rebuilt by `refresh`)."""

    def __init__(self, search: str, chunk: int) -> None:
        super().__init__()
        self.search, self.chunk = search, chunk
        self._index = None

    @property
    def needs_refresh(self) -> bool:
        return self.search == "faiss" and self._index is None

    def refresh(self, table: torch.Tensor) -> None:
        if self.search != "faiss":
            return
        import faiss

        vectors = table.detach().float().cpu().numpy()  # may share the weight's memory: read only
        if len(vectors) <= 200_000:
            index = faiss.IndexFlatIP(vectors.shape[1])
        else:
            nlist = 1 << max(6, min(14, int(len(vectors) ** 0.5).bit_length()))
            index = faiss.index_factory(vectors.shape[1], f"IVF{nlist},Flat", faiss.METRIC_INNER_PRODUCT)
            sample = np.random.default_rng(0).choice(len(vectors), min(len(vectors), 64 * nlist), replace=False)
            index.train(vectors[np.sort(sample)])
            index.nprobe = max(16, nlist // 64)
        index.add(vectors)
        self._index = index

    def candidates(self, mentions: torch.Tensor, table: torch.Tensor, k: int) -> torch.Tensor:
        k = min(k, table.shape[0] - 1)
        if self.search == "faiss":
            if self._index is None:
                self.refresh(table)
            _, ids = self._index.search(mentions.detach().float().cpu().numpy(), k + 1)
            ids = torch.from_numpy(ids).to(mentions.device)
            ids = torch.where(ids < 0, torch.full_like(ids, ENTITY_PAD), ids)  # IVF may find fewer than k
            keep = (ids != ENTITY_PAD).long().argsort(dim=1, descending=True, stable=True)[:, :k]  # PAD slots last
            return ids.gather(1, keep)
        return chunked_top_k(mentions.detach(), table.detach(), k, self.chunk)

    def forward(self, mentions: torch.Tensor, entities: nn.Embedding, top_k: int,
                targets: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        top_ids = self.candidates(mentions, entities.weight, top_k)
        top_logits = torch.einsum("nd,nkd->nk", mentions, entities(top_ids))
        floor = torch.finfo(top_logits.dtype).min
        top_logits = top_logits.masked_fill(top_ids == ENTITY_PAD, floor)  # slots the search left empty
        loss = None
        if targets is not None:
            valid = targets >= 0
            golds = torch.unique(targets.masked_fill(~valid, ENTITY_PAD))  # sorted; ENTITY_PAD stands for none
            gold_logits = mentions @ entities(golds).T  # [n, g]: every gold of the batch, for every mention
            gold_logits = gold_logits.masked_fill(golds == ENTITY_PAD, floor)
            in_golds = torch.isin(top_ids, golds)  # already a column of gold_logits: do not count twice
            logits = torch.cat([top_logits.masked_fill(in_golds, floor), gold_logits], dim=1)
            target_columns = top_ids.shape[1] + torch.searchsorted(golds, targets.clamp(min=0))
            loss = _mean_cross_entropy(logits, target_columns.masked_fill(~valid, -100))
        return top_ids, top_logits, loss


def make_scorer(config: KebioConfig) -> nn.Module:
    kind = config.entity_scorer
    if kind == "auto":
        kind = "sampled" if config.entity_vocab_size >= config.sampled_min_entities else "exact"
    if kind == "exact":
        if config.entity_table_mode == "sparse":
            raise KebiokgError("the sparse entity table needs the sampled scorer (exact scoring touches every row)")
        return ExactScorer()
    if kind != "sampled":
        raise KebiokgError(f"entity_scorer must be exact, sampled or auto, not {kind!r}")
    search = config.candidate_search
    if search == "auto":
        search = "torch"
        if not torch.cuda.is_available():
            try:
                import faiss  # noqa: F401

                search = "faiss"
            except ImportError:
                pass
    return SampledScorer(search, config.search_chunk_size)


class KebioPreTrainedModel(PreTrainedModel):
    config_class = KebioConfig
    config: KebioConfig
    base_model_prefix = "kebio"
    supports_gradient_checkpointing = True
    _supports_sdpa = True
    _supports_attention_backend = True
    entity_vocab: list[str] | None = None  # row -> CUI for rows >= ENTITY_OFFSET

    def _init_weights(self, module: nn.Module) -> None:
        super()._init_weights(module)
        if isinstance(module, BertLMPredictionHead):
            init.zeros_(module.bias)
        elif isinstance(module, BertEmbeddings):
            init.copy_(module.position_ids, torch.arange(module.position_ids.shape[-1]).expand((1, -1)))
            init.zeros_(module.token_type_ids)

    def save_pretrained(self, save_directory, is_main_process: bool = True, *, push_to_hub: bool = False,
                        **kwargs) -> None:
        """transformers' save, plus the entity vocabulary (one CUI per table row from ENTITY_OFFSET);
        with `push_to_hub`, the folder is uploaded once the vocabulary is in it."""
        super().save_pretrained(save_directory, is_main_process, **kwargs)
        if not is_main_process:
            return
        if self.entity_vocab is not None:
            text = "".join(cui + "\n" for cui in self.entity_vocab)
            (Path(save_directory) / ENTITY_VOCAB_FILE).write_text(text, encoding="utf-8")
        if push_to_hub:
            from huggingface_hub import HfApi

            api = HfApi(token=kwargs.get("token"))
            repo_id = api.create_repo(kwargs.get("repo_id", Path(save_directory).name), private=kwargs.get("private"),
                                      exist_ok=True).repo_id
            api.upload_folder(folder_path=save_directory, repo_id=repo_id, commit_message=kwargs.get("commit_message"),
                              create_pr=kwargs.get("create_pr", False))

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, *args, **kwargs):
        """transformers' load (a folder or a hub id), plus the entity vocabulary when the model has one."""
        loaded = super().from_pretrained(pretrained_model_name_or_path, *args, **kwargs)
        model = loaded[0] if isinstance(loaded, tuple) else loaded  # output_loading_info=True gives a pair
        hub = {k: kwargs[k] for k in ("cache_dir", "force_download", "token", "revision", "local_files_only",
                                      "subfolder") if k in kwargs}
        vocab = cached_file(pretrained_model_name_or_path, ENTITY_VOCAB_FILE, **hub,
                            _raise_exceptions_for_missing_entries=False, _raise_exceptions_for_connection_errors=False)
        if vocab is not None:
            model.entity_vocab = Path(vocab).read_text(encoding="utf-8").split()
        return loaded


class KebioModel(KebioPreTrainedModel):
    def __init__(self, config: KebioConfig) -> None:
        super().__init__(config)
        hidden = config.hidden_size
        self.embeddings = BertEmbeddings(config)
        self.text_layers = nn.ModuleList(BertLayer(config, layer_idx=i) for i in range(config.num_text_layers))
        self.detector = nn.Linear(hidden, 3)
        self.mention_projection = nn.Linear(2 * hidden, config.entity_dim)
        self.entity_embeddings = nn.Embedding(config.entity_vocab_size, config.entity_dim,
                                              sparse=config.entity_table_mode == "sparse")
        self.scorer = make_scorer(config)
        self.entity_projection = nn.Linear(config.entity_dim, hidden)
        self.fusion_norm = nn.LayerNorm(hidden, eps=config.layer_norm_eps)
        self.fusion_layers = nn.ModuleList(BertLayer(config, layer_idx=config.num_text_layers + i)
                                           for i in range(config.num_fusion_layers))
        self.post_init()

    def get_input_embeddings(self) -> nn.Embedding:
        return self.embeddings.word_embeddings

    def set_input_embeddings(self, value: nn.Embedding) -> None:
        self.embeddings.word_embeddings = value

    def encode_text(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                    token_type_ids: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """(states of the text-only layers, the attention mask the layers use)."""
        hidden = self.embeddings(input_ids=input_ids, token_type_ids=token_type_ids)
        mask = create_bidirectional_mask(config=self.config, inputs_embeds=hidden, attention_mask=attention_mask)
        for layer in self.text_layers:
            hidden = layer(hidden, mask)
        return hidden, mask

    def encode_mentions(self, hidden: torch.Tensor, spans: torch.Tensor) -> torch.Tensor:
        """Mentions [batch, mentions, entity_dim] in the entity space: the states of each span's first
        and last token ([start, end), end exclusive) projected together, as the linker scores them."""
        length = hidden.shape[1]
        first = spans[..., 0].clamp(0, length - 1)
        last = (spans[..., 1] - 1).clamp(0, length - 1)
        gather = lambda positions: hidden.gather(1, positions.unsqueeze(-1).expand(-1, -1, hidden.shape[-1]))  # noqa: E731
        return self.mention_projection(torch.cat([gather(first), gather(last)], dim=-1))

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
                token_type_ids: torch.Tensor | None = None, mention_spans: torch.Tensor | None = None,
                mention_entities: torch.Tensor | None = None, bio_labels: torch.Tensor | None = None,
                valid_tokens: torch.Tensor | None = None, max_mentions: int | None = None,
                return_dict: bool | None = None, **kwargs) -> KebioModelOutput | tuple:
        """`mention_spans` [batch, mentions, 2] gold spans (else decoded from the detection head, at most
        `max_mentions`, by default `config.max_mentions`, per sequence); `mention_entities` [batch, mentions]
        their entity rows (-100: no linking target); `bio_labels` [batch, tokens] detection targets (-100
        ignored)."""
        _refuse_unknown(self, kwargs)
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        hidden, mask = self.encode_text(input_ids, attention_mask, token_type_ids)
        text_hidden = hidden
        detection_logits = self.detector(hidden)
        detection_loss = None
        if bio_labels is not None:
            detection_loss = F.cross_entropy(detection_logits.flatten(0, 1).float(), bio_labels.flatten(),
                                             ignore_index=-100)
        if mention_spans is None:
            valid = valid_tokens if valid_tokens is not None else default_valid_tokens(attention_mask)
            mention_spans = decode_spans(detection_logits.argmax(-1), valid,
                                         max_mentions if max_mentions is not None else self.config.max_mentions)

        candidate_ids = candidate_logits = linking_loss = None
        if mention_spans.shape[1] > 0:
            hidden, candidate_ids, candidate_logits, linking_loss = self._fuse(hidden, mention_spans, mention_entities)
        elif self.config.fusion_norm_all_tokens:  # the original normalises every token, mentions or not
            hidden = self.fusion_norm(hidden)
        for layer in self.fusion_layers:
            hidden = layer(hidden, mask)
        output = KebioModelOutput(hidden, text_hidden, detection_logits, mention_spans, candidate_ids,
                                  candidate_logits, linking_loss, detection_loss)
        return output.to_tuple() if _as_tuple(self, return_dict) else output

    def _fuse(self, hidden: torch.Tensor, spans: torch.Tensor, targets: torch.Tensor | None):
        batch, length, _ = hidden.shape
        starts, ends = spans[..., 0], spans[..., 1]
        present = ends > starts  # [batch, mentions]
        mentions = self.encode_mentions(hidden, spans)  # [b, m, entity_dim]
        flat_targets = None
        if targets is not None:
            flat_targets = targets.masked_fill(~present, -100).flatten()
        top_ids, top_logits, loss = self.scorer(mentions.flatten(0, 1), self.entity_embeddings,
                                                self.config.entity_top_k, flat_targets)
        weights = top_logits.softmax(dim=-1)
        fused = torch.einsum("nk,nkd->nd", weights, self.entity_embeddings(top_ids))
        addition = self.entity_projection(fused).view(batch, -1, hidden.shape[-1])  # [b, m, hidden]
        positions = torch.arange(length, device=hidden.device)
        covers = ((positions >= starts.unsqueeze(-1)) & (positions < ends.unsqueeze(-1))
                  & present.unsqueeze(-1))  # [b, m, tokens]: exactly [start, end) of real mentions
        token_addition = torch.einsum("bmt,bmh->bth", covers.to(addition.dtype), addition)
        normed = self.fusion_norm(hidden + token_addition)
        if not self.config.fusion_norm_all_tokens:
            normed = torch.where(covers.any(dim=1).unsqueeze(-1), normed, hidden)  # other tokens as they were
        k = top_ids.shape[-1]
        return normed, top_ids.view(batch, -1, k), top_logits.view(batch, -1, k), loss


class KebioForPreTraining(KebioPreTrainedModel):
    """MLM (whole-entity masking happens in the data) + entity detection + entity linking."""

    _tied_weights_keys = {
        "cls.predictions.decoder.weight": "kebio.embeddings.word_embeddings.weight",
        "cls.predictions.decoder.bias": "cls.predictions.bias",
    }

    def __init__(self, config: KebioConfig) -> None:
        super().__init__(config)
        self.kebio = KebioModel(config)
        self.cls = BertOnlyMLMHead(config)
        self.post_init()

    @classmethod
    def from_bert(cls, base: str, entity_vocab_size: int, kb_fingerprint: str, fusion_layers: int | None = None,
                  **config_overrides) -> KebioForPreTraining:
        """A KeBioLM initialised from a BERT-family masked LM (a folder or a hub id): its layers split
        into the text-only stack and the fusion stack (the last third, at least one, fuse); the new
        parts (detector, projections, entity table, fusion norm) start from the init."""
        bert = AutoModelForMaskedLM.from_pretrained(base)
        layers = bert.config.num_hidden_layers
        fusion = fusion_layers if fusion_layers is not None else max(1, layers // 3)
        if not 0 < fusion < layers:
            raise KebiokgError(f"{base}: cannot split {layers} layers into text and {fusion} fusion layers")
        values = {k: v for k, v in bert.config.to_dict().items() if k in KebioConfig.__dataclass_fields__
                  and k not in ("model_type", "architectures", "transformers_version")}
        values.update(num_text_layers=layers - fusion, num_fusion_layers=fusion, entity_vocab_size=entity_vocab_size,
                      kb_fingerprint=kb_fingerprint, **config_overrides)
        model = cls(KebioConfig(**values))
        mapped = {}
        for key, value in bert.state_dict().items():
            key = re.sub(r"^(bert|roberta|electra)\.", "", key)
            layer = re.match(r"^encoder\.layer\.(\d+)\.(.*)$", key)
            if layer:
                i = int(layer.group(1))
                stack = "text_layers" if i < layers - fusion else "fusion_layers"
                key = f"kebio.{stack}.{i if i < layers - fusion else i - layers + fusion}.{layer.group(2)}"
            elif key.startswith("embeddings."):
                key = "kebio." + key
            mapped[key] = value
        result = model.load_state_dict(mapped, strict=False)
        new_parts = ("kebio.detector", "kebio.mention_projection", "kebio.entity_embeddings",
                     "kebio.entity_projection", "kebio.fusion_norm")
        missing = [k for k in result.missing_keys if not k.startswith(new_parts)]
        if missing:
            raise KebiokgError(f"{base}: not a BERT-family masked LM (no weights for {missing[0]})")
        return model

    def get_output_embeddings(self) -> nn.Linear:
        return self.cls.predictions.decoder

    def set_output_embeddings(self, value: nn.Linear) -> None:
        self.cls.predictions.decoder = value
        self.cls.predictions.bias = value.bias

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
                token_type_ids: torch.Tensor | None = None, labels: torch.Tensor | None = None,
                bio_labels: torch.Tensor | None = None, mention_spans: torch.Tensor | None = None,
                mention_entities: torch.Tensor | None = None, return_dict: bool | None = None,
                sparse_prediction: bool = False, **kwargs) -> KebioForPreTrainingOutput | tuple:
        """`sparse_prediction` (with `labels`): the MLM head runs only at the labelled positions and `logits`
        holds their rows, (positions, vocabulary), in order; the loss is the same. The pretraining loop's
        choice: over a 30K vocabulary the head is about half of a small model's step, and 85% of it is
        thrown away (ModernBERT's `sparse_prediction`)."""
        _refuse_unknown(self, kwargs)
        out = self.kebio(input_ids, attention_mask, token_type_ids, mention_spans, mention_entities, bio_labels,
                         return_dict=True)
        hidden = out.last_hidden_state
        if sparse_prediction and labels is not None:
            kept = labels != -100
            hidden, labels = hidden[kept], labels[kept]
        logits = self.cls(hidden)
        mlm_loss = loss = None
        if labels is not None:
            mlm_loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)).float(), labels.flatten(),
                                       ignore_index=-100)
            loss = mlm_loss
            if out.detection_loss is not None:
                loss = loss + self.config.detection_loss_weight * out.detection_loss
            if out.linking_loss is not None:
                loss = loss + self.config.linking_loss_weight * out.linking_loss
        output = KebioForPreTrainingOutput(loss, mlm_loss, out.detection_loss, out.linking_loss, logits,
                                           out.detection_logits, out.candidate_ids)
        return output.to_tuple() if _as_tuple(self, return_dict) else output


class KebioForMaskedLM(KebioPreTrainedModel):
    """The masked LM alone (probing): mentions come from the model's own detection head."""

    _tied_weights_keys = KebioForPreTraining._tied_weights_keys

    def __init__(self, config: KebioConfig) -> None:
        super().__init__(config)
        self.kebio = KebioModel(config)
        self.cls = BertOnlyMLMHead(config)
        self.post_init()

    get_output_embeddings = KebioForPreTraining.get_output_embeddings
    set_output_embeddings = KebioForPreTraining.set_output_embeddings

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
                token_type_ids: torch.Tensor | None = None, labels: torch.Tensor | None = None,
                return_dict: bool | None = None, **kwargs):
        _refuse_unknown(self, kwargs)
        out = self.kebio(input_ids, attention_mask, token_type_ids, return_dict=True)
        logits = self.cls(out.last_hidden_state)
        loss = None
        if labels is not None:
            loss = F.cross_entropy(logits.flatten(0, 1).float(), labels.flatten(), ignore_index=-100)
        output = MaskedLMOutput(loss=loss, logits=logits)
        return output.to_tuple() if _as_tuple(self, return_dict) else output


class KebioForTokenClassification(KebioPreTrainedModel):
    """NER on the fused states; detection and linking stay active (spans from the model's own head)."""

    def __init__(self, config: KebioConfig) -> None:
        super().__init__(config)
        self.num_labels = config.num_labels
        self.kebio = KebioModel(config)
        self.dropout = nn.Dropout(config.classifier_dropout or config.hidden_dropout_prob)
        self.classifier = nn.Linear(config.hidden_size, config.num_labels)
        self.post_init()

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
                token_type_ids: torch.Tensor | None = None, labels: torch.Tensor | None = None,
                return_dict: bool | None = None, **kwargs) -> KebioTokenClassifierOutput | tuple:
        _refuse_unknown(self, kwargs)
        out = self.kebio(input_ids, attention_mask, token_type_ids, return_dict=True)
        logits = self.classifier(self.dropout(out.last_hidden_state))
        loss = None
        if labels is not None:
            loss = F.cross_entropy(logits.flatten(0, 1).float(), labels.flatten(), ignore_index=-100)
        output = KebioTokenClassifierOutput(loss, logits, out.detection_logits)
        return output.to_tuple() if _as_tuple(self, return_dict) else output


class KebioForSequenceClassification(KebioPreTrainedModel):
    """Sentence or pair classification (relation extraction) from the fused [CLS] state; detection and
    linking stay active, as in token classification."""

    def __init__(self, config: KebioConfig) -> None:
        super().__init__(config)
        self.num_labels = config.num_labels
        self.kebio = KebioModel(config)
        self.pooler = nn.Sequential(nn.Linear(config.hidden_size, config.hidden_size), nn.Tanh())
        self.dropout = nn.Dropout(config.classifier_dropout or config.hidden_dropout_prob)
        self.classifier = nn.Linear(config.hidden_size, config.num_labels)
        self.post_init()

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
                token_type_ids: torch.Tensor | None = None, labels: torch.Tensor | None = None,
                return_dict: bool | None = None, **kwargs) -> SequenceClassifierOutput | tuple:
        _refuse_unknown(self, kwargs)
        out = self.kebio(input_ids, attention_mask, token_type_ids, return_dict=True)
        logits = self.classifier(self.dropout(self.pooler(out.last_hidden_state[:, 0])))
        loss = None
        if labels is not None:
            loss = F.cross_entropy(logits.float(), labels)
        output = SequenceClassifierOutput(loss=loss, logits=logits)
        return output.to_tuple() if _as_tuple(self, return_dict) else output


def register_auto_classes() -> None:
    """Make AutoConfig/AutoModel* load kebiokg checkpoints (called on `import kebiokg`)."""
    AutoConfig.register("kebio", KebioConfig, exist_ok=True)
    AutoModel.register(KebioConfig, KebioModel, exist_ok=True)
    AutoModelForPreTraining.register(KebioConfig, KebioForPreTraining, exist_ok=True)
    AutoModelForMaskedLM.register(KebioConfig, KebioForMaskedLM, exist_ok=True)
    AutoModelForTokenClassification.register(KebioConfig, KebioForTokenClassification, exist_ok=True)
    AutoModelForSequenceClassification.register(KebioConfig, KebioForSequenceClassification, exist_ok=True)


def sparse_mlm_loss(model, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                    labels: torch.Tensor) -> torch.Tensor:
    """`model(..., labels=labels).loss` with the head run only at the masked positions, as KeBioLM's loop
    runs its own (`sparse_prediction`): the same loss, without the 85% of the head's work that is thrown
    away. BERT-family heads (`cls`, RoBERTa's `lm_head`); any other masked LM runs whole."""
    head = getattr(model, "cls", None) or getattr(model, "lm_head", None)
    if head is None:
        return model(input_ids=input_ids, attention_mask=attention_mask, labels=labels).loss
    hidden = model.base_model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
    kept = labels != -100
    return F.cross_entropy(head(hidden[kept]).float(), labels[kept])


register_auto_classes()
