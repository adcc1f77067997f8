"""The KeBioLM model: shapes, span decoding, fusion exactly on mention tokens, gradients, Auto
classes, save/load, BERT initialisation, the data pipeline, and training that resumes exactly."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from transformers import AutoModel, AutoModelForMaskedLM, AutoModelForTokenClassification, BertConfig, BertForMaskedLM
from transformers.utils import ModelOutput

from kebiokg.cli.main import main
from kebiokg.documents import AnnotatedDocument, Entity, write_jsonl
from kebiokg.errors import KebiokgError
from kebiokg.modeling_kebio import (
    BIO_BEGIN,
    BIO_INSIDE,
    BIO_OUTSIDE,
    KebioForMaskedLM,
    KebioForPreTraining,
    KebioForSequenceClassification,
    KebioForTokenClassification,
    SampledScorer,
    decode_spans,
    default_valid_tokens,
    preset_config,
    sparse_mlm_loss,
)
from kebiokg.pretraining import train as train_module
from kebiokg.pretraining.baseline import pretrain_plain_mlm, random_bert
from kebiokg.pretraining.data import EntityVocabulary, WindowStream, collate, encode_document
from kebiokg.pretraining.entity_index import kebio_encoder
from kebiokg.pretraining.tokenizer import train_tokenizer
from kebiokg.pretraining.train import TrainArgs, pretrain

CUIS = ["C0000001", "C0000002", "C0000003"]


def tiny_model(seed: int = 0, **overrides) -> KebioForPreTraining:
    torch.manual_seed(seed)
    return KebioForPreTraining(preset_config("tiny", vocab_size=120, entity_vocab_size=3 + len(CUIS), **overrides))


def batch() -> dict:
    generator = torch.Generator().manual_seed(1)
    ids = torch.randint(5, 120, (2, 10), generator=generator)
    mask = torch.ones_like(ids)
    mask[1, 7:] = 0
    return {
        "input_ids": ids, "attention_mask": mask, "labels": ids.clone(),
        "bio_labels": torch.zeros_like(ids),
        "mention_spans": torch.tensor([[[1, 3], [4, 5]], [[2, 5], [0, 0]]]),  # (0, 0): padding
        "mention_entities": torch.tensor([[3, 4], [5, -100]]),
    }


def _masked(inputs: dict) -> dict:
    """A third of the tokens labelled (the rest -100), as a masked batch is."""
    labels = inputs["labels"].clone()
    labels[:, ::3] = -100
    labels[1, 7:] = -100
    return {**inputs, "labels": labels}


def _loss_and_grads(model: torch.nn.Module, loss_of) -> tuple[torch.Tensor, dict]:
    model.zero_grad()
    loss = loss_of(model)
    loss.backward()
    return loss.detach(), {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}


def test_sparse_prediction_gives_the_dense_loss_and_gradients() -> None:
    """The MLM head run only at the labelled positions (the pretraining loop's choice) loses nothing."""
    inputs = _masked(batch())
    model = tiny_model().eval()
    dense, dense_grads = _loss_and_grads(model, lambda m: m(**inputs).mlm_loss)
    sparse, sparse_grads = _loss_and_grads(model, lambda m: m(**inputs, sparse_prediction=True).mlm_loss)
    torch.testing.assert_close(sparse, dense)
    assert sparse_grads.keys() == dense_grads.keys()
    for name, grad in dense_grads.items():
        torch.testing.assert_close(sparse_grads[name], grad, msg=name)
    logits = model(**inputs, sparse_prediction=True).logits
    assert logits.shape == (int((inputs["labels"] != -100).sum()), 120)
    assert model(**inputs).logits.shape == (2, 10, 120)  # dense unless asked, as transformers' models are


def test_plain_mlm_sparse_loss_is_the_masked_lms_own() -> None:
    """The plain baseline's loss with the head at the masked positions only equals `BertForMaskedLM`'s."""
    inputs = _masked(batch())
    torch.manual_seed(0)
    bert = BertForMaskedLM(BertConfig(vocab_size=120, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                                      intermediate_size=64)).eval()
    keys = ("input_ids", "attention_mask", "labels")
    dense, dense_grads = _loss_and_grads(bert, lambda m: m(**{k: inputs[k] for k in keys}).loss)
    sparse, sparse_grads = _loss_and_grads(bert, lambda m: sparse_mlm_loss(m, *(inputs[k] for k in keys)))
    torch.testing.assert_close(sparse, dense)
    assert sparse_grads.keys() == dense_grads.keys()
    for name, grad in dense_grads.items():
        torch.testing.assert_close(sparse_grads[name], grad, msg=name)


def test_decode_spans_follows_bio_and_never_covers_special_tokens() -> None:
    begin, inside, outside = BIO_BEGIN, BIO_INSIDE, BIO_OUTSIDE
    tags = torch.tensor([[begin, begin, inside, outside, inside, begin, inside, inside]])
    valid = default_valid_tokens(torch.ones_like(tags))  # position 0 is [CLS], 7 is [SEP]
    spans = decode_spans(tags, valid, max_mentions=4)
    assert spans.tolist() == [[[1, 3], [4, 5], [5, 7], [0, 0]]]
    assert decode_spans(tags, valid, max_mentions=2).tolist() == [[[1, 3], [4, 5]]]


def _entity_addition(kebio, hidden: torch.Tensor, row: int, start: int, end: int) -> torch.Tensor:
    """What a mention adds to its tokens, restated: [h_start ; h_end-1] projected, scored against every
    row but padding, its top-k softmax-weighted entity embedding projected to the hidden size."""
    mention = kebio.mention_projection(torch.cat([hidden[row, start], hidden[row, end - 1]]))
    table = kebio.entity_embeddings.weight
    scores = table[1:] @ mention
    top, ids = scores.topk(min(kebio.config.entity_top_k, len(scores)))
    return kebio.entity_projection((top.softmax(-1)[:, None] * table[1:][ids]).sum(0))


def test_fusion_adds_to_exactly_the_mention_tokens() -> None:
    model = tiny_model().eval()
    kebio = model.kebio
    hidden = torch.randn(2, 10, model.config.hidden_size)
    spans = batch()["mention_spans"]
    with torch.no_grad():
        fused, ids, logits, loss = kebio._fuse(hidden, spans, None)
    changed = (fused != hidden).any(-1)
    expected = torch.zeros(2, 10, dtype=torch.bool)
    expected[0, 1:3] = expected[0, 4:5] = expected[1, 2:5] = True  # [start, end): never end, never [CLS]
    assert torch.equal(changed, expected)
    assert ids.shape == (2, 2, min(model.config.entity_top_k, model.config.entity_vocab_size - 1))
    # each mention token: LayerNorm(its own state + the entity vector), the entity vector added, not written over
    with torch.no_grad():
        for row, start, end in ((0, 1, 3), (0, 4, 5), (1, 2, 5)):
            addition = _entity_addition(kebio, hidden, row, start, end)
            torch.testing.assert_close(fused[row, start:end], kebio.fusion_norm(hidden[row, start:end] + addition))
        # overlapping mentions: both vectors are added to the tokens they share (the original: the last one wins)
        overlapped, *_ = kebio._fuse(hidden, torch.tensor([[[1, 4], [2, 3]]] * 2), None)
        both = _entity_addition(kebio, hidden, 0, 1, 4) + _entity_addition(kebio, hidden, 0, 2, 3)
        torch.testing.assert_close(overlapped[0, 2], kebio.fusion_norm(hidden[0, 2] + both))
        # the original's LayerNorm over every token: mention tokens as before, the others normalised too
        kebio.config.fusion_norm_all_tokens = True
        everywhere, *_ = kebio._fuse(hidden, spans, None)
    torch.testing.assert_close(everywhere[expected], fused[expected])
    torch.testing.assert_close(everywhere[~expected], kebio.fusion_norm(hidden[~expected]).detach())


def test_pretraining_forward_and_gradients_reach_every_parameter() -> None:
    model = tiny_model()
    out = model(**batch())
    assert out.logits.shape == (2, 10, 120)
    assert out.detection_logits.shape == (2, 10, 3)
    for part in (out.mlm_loss, out.detection_loss, out.linking_loss):
        assert torch.isfinite(part) and part > 0
    out.loss.backward()
    missing = [name for name, p in model.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0]
    assert missing == []
    # no mention has a linking target: the linking loss is 0, not NaN
    inputs = {**batch(), "mention_entities": torch.full((2, 2), -100)}
    assert model(**inputs).linking_loss.item() == 0.0
    assert isinstance(model(**inputs, return_dict=False), tuple)


def test_config_return_dict_false_gives_tuples_and_a_call_may_override_it() -> None:
    model = tiny_model().eval()
    inputs = {k: batch()[k] for k in ("input_ids", "attention_mask")}
    classes = [model, model.kebio, KebioForMaskedLM(model.config), KebioForTokenClassification(model.config),
               KebioForSequenceClassification(model.config)]
    model.config.return_dict = False
    for instance in classes:
        assert isinstance(instance(**inputs), tuple), type(instance).__name__
        assert isinstance(instance(**inputs, return_dict=True), ModelOutput), type(instance).__name__
    model.config.return_dict = True
    assert all(isinstance(instance(**inputs), ModelOutput) for instance in classes)


def test_unknown_keyword_arguments_are_refused_naming_kebiokgs_own() -> None:
    """The original's `mention_detection_labels` must not quietly train without a detection loss."""
    model = tiny_model()
    inputs = batch()
    bio = inputs.pop("bio_labels")
    with pytest.raises(TypeError, match="mention_detection_labels .the original KeBioLM's name; kebiokg's is "
                                        "bio_labels"):
        model(**inputs, mention_detection_labels=bio)
    for instance in (model.kebio, KebioForMaskedLM(model.config), KebioForTokenClassification(model.config),
                     KebioForSequenceClassification(model.config)):
        with pytest.raises(TypeError, match=r"forward\(\) got unknown keyword arguments: output_hidden_states"):
            instance(inputs["input_ids"], output_hidden_states=True)


def test_spans_from_the_detection_head_when_none_are_given() -> None:
    model = tiny_model().eval()
    with torch.no_grad():
        model.kebio.detector.bias.copy_(torch.tensor([0.0, 50.0, 0.0]))  # every token a B
        out = model.kebio(batch()["input_ids"], batch()["attention_mask"], max_mentions=16)
    spans = out.mention_spans
    assert spans[0, :8].tolist() == [[i, i + 1] for i in range(1, 9)]  # tokens 1..8; not [CLS] 0, not [SEP] 9
    assert spans[1, :5].tolist() == [[i, i + 1] for i in range(1, 6)]  # the [SEP] of row 1 is at 6


def test_save_load_round_trip_and_auto_classes(tmp_path: Path) -> None:
    model = tiny_model().eval()
    model.entity_vocab = CUIS
    model.save_pretrained(tmp_path)
    assert (tmp_path / "entity_vocab.txt").read_text().split() == CUIS
    loaded = KebioForPreTraining.from_pretrained(tmp_path).eval()
    inputs = {k: batch()[k] for k in ("input_ids", "attention_mask", "mention_spans")}
    with torch.no_grad():
        assert torch.equal(model(**inputs).logits, loaded(**inputs).logits)
    assert loaded.entity_vocab == CUIS
    again, info = KebioForPreTraining.from_pretrained(tmp_path, output_loading_info=True)
    assert again.entity_vocab == CUIS and not info["missing_keys"]
    assert type(AutoModel.from_pretrained(tmp_path)).__name__ == "KebioModel"
    assert type(AutoModelForMaskedLM.from_pretrained(tmp_path)).__name__ == "KebioForMaskedLM"
    classifier = AutoModelForTokenClassification.from_pretrained(tmp_path, num_labels=5)
    assert isinstance(classifier, KebioForTokenClassification)
    assert classifier(batch()["input_ids"]).logits.shape == (2, 10, 5)


def test_push_to_hub_uploads_the_folder_with_its_entity_vocabulary(tmp_path: Path, monkeypatch) -> None:
    import huggingface_hub

    uploaded = {}

    class FakeApi:  # no network: record what would be uploaded
        def __init__(self, token=None) -> None:
            pass

        def create_repo(self, repo_id, private=None, exist_ok=False):
            return type("Repo", (), {"repo_id": f"user/{repo_id}"})()

        def upload_folder(self, folder_path, repo_id, commit_message=None, create_pr=False):
            uploaded[repo_id] = sorted(p.name for p in Path(folder_path).iterdir())

    monkeypatch.setattr(huggingface_hub, "HfApi", FakeApi)
    model = tiny_model()
    model.entity_vocab = CUIS
    model.save_pretrained(tmp_path / "kebio-run", push_to_hub=True)
    assert "entity_vocab.txt" in uploaded["user/kebio-run"] and "model.safetensors" in uploaded["user/kebio-run"]
    model.save_pretrained(tmp_path / "other", is_main_process=False, push_to_hub=True)
    assert "user/other" not in uploaded  # only the main process writes and pushes


def test_from_bert_maps_layers_into_the_two_stacks(tmp_path: Path) -> None:
    torch.manual_seed(0)
    bert = BertForMaskedLM(BertConfig(vocab_size=60, hidden_size=32, num_hidden_layers=3, num_attention_heads=2,
                                      intermediate_size=64, max_position_embeddings=64))
    bert.save_pretrained(tmp_path / "bert")
    corpus = tmp_path / "c.jsonl"
    write_jsonl([AnnotatedDocument("1", "aspirin treats pain")], corpus)
    train_tokenizer([corpus], vocab_size=100, min_frequency=1).save_pretrained(tmp_path / "bert")
    model = KebioForPreTraining.from_bert(str(tmp_path / "bert"), len(EntityVocabulary(CUIS)), "f" * 32)
    assert (model.config.num_text_layers, model.config.num_fusion_layers) == (2, 1)
    source = bert.bert.encoder.layer
    assert torch.equal(model.kebio.text_layers[1].output.dense.weight, source[1].output.dense.weight)
    assert torch.equal(model.kebio.fusion_layers[0].attention.self.query.weight, source[2].attention.self.query.weight)
    assert torch.equal(model.cls.predictions.transform.dense.weight, bert.cls.predictions.transform.dense.weight)
    with pytest.raises(KebiokgError, match="cannot split"):
        KebioForPreTraining.from_bert(str(tmp_path / "bert"), len(EntityVocabulary(CUIS)), "f" * 32, fusion_layers=3)


# -- data ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus_and_tokenizer(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    docs = []
    for i in range(40):
        text = f"Patient {i} with heart attack took aspirin; aspirin helped the heart attack in week {i % 7}."
        entities = [Entity(text.index("heart attack"), text.index("heart attack") + 12, "heart attack", CUIS[0]),
                    Entity(text.index("aspirin"), text.index("aspirin") + 7, "aspirin", CUIS[1])]
        docs.append(AnnotatedDocument(str(i), text, entities))
    write_jsonl(docs, root / "corpus.jsonl")
    tokenizer = train_tokenizer([root / "corpus.jsonl"], vocab_size=200, min_frequency=1)
    return root / "corpus.jsonl", tokenizer, docs


def test_alignment_and_windows_never_misalign(corpus_and_tokenizer) -> None:
    _, tokenizer, docs = corpus_and_tokenizer
    vocab = EntityVocabulary(CUIS)
    windows = encode_document(docs[0], tokenizer, vocab, max_length=12)
    assert len(windows) > 1
    seen = []
    for window in windows:
        tokens = tokenizer.convert_ids_to_tokens(window.input_ids)
        assert tokens[0] == "[CLS]" and tokens[-1] == "[SEP]"
        for (start, end), row in zip(window.spans, window.entities, strict=True):
            text = tokenizer.convert_tokens_to_string(tokens[start:end])
            seen.append((text, row))
            assert window.bio_labels[start] == BIO_BEGIN
            assert all(label == BIO_INSIDE for label in window.bio_labels[start + 1:end])
    assert ("heart attack", 3) in seen and ("aspirin", 4) in seen
    assert all(text in ("heart attack", "aspirin") for text, _ in seen)


def test_whole_entity_masking(corpus_and_tokenizer) -> None:
    _, tokenizer, docs = corpus_and_tokenizer
    windows = [w for d in docs for w in encode_document(d, tokenizer, EntityVocabulary(CUIS), 64)]
    inputs = collate(windows, tokenizer, 0.3, np.random.default_rng(0))
    labels, spans = inputs["labels"], inputs["mention_spans"]
    partial = 0
    for row in range(len(windows)):
        for start, end in spans[row].tolist():
            if end > start:
                masked = (labels[row, start:end] != -100).tolist()
                partial += any(masked) and not all(masked)
    assert partial == 0
    for row, window in enumerate(windows):  # a word piece is masked with its word
        for j, piece in enumerate(tokenizer.convert_ids_to_tokens(window.input_ids)):
            if piece.startswith("##"):
                assert (labels[row, j] != -100) == (labels[row, j - 1] != -100)
    plain = collate(windows, tokenizer, 0.3, np.random.default_rng(0), entity_units=False)
    assert (plain["labels"] != -100).any()
    masked_share = (labels != -100).sum() / (inputs["attention_mask"].sum() - 2 * len(windows))
    assert 0.2 < masked_share < 0.45
    assert inputs["mention_entities"][inputs["mention_spans"][..., 1] > 0].min() >= 3


def test_masked_units_are_80_percent_mask_10_random_10_unchanged(corpus_and_tokenizer) -> None:
    """BERT's 80/10/10, drawn once per masking unit (a mention or a word, whole)."""
    _, tokenizer, docs = corpus_and_tokenizer
    windows = [w for d in docs for w in encode_document(d, tokenizer, EntityVocabulary(CUIS), 64)]
    draws = {"mask": 0, "random": 0, "unchanged": 0}
    for seed in range(10):
        inputs = collate(windows, tokenizer, 0.3, np.random.default_rng(seed))
        for row, window in enumerate(windows):
            for start, end in [*window.spans, *((j, j + 1) for j in range(len(window.input_ids)))]:
                labels = inputs["labels"][row, start:end]
                if not (labels != -100).all() or (end - start == 1 and any(s <= start < e for s, e in window.spans)):
                    continue  # not masked, or a token of a mention (counted with its mention)
                ids = inputs["input_ids"][row, start:end]
                kind = ("mask" if (ids == tokenizer.mask_token_id).all() else
                        "unchanged" if torch.equal(ids, labels) else "random")
                draws[kind] += 1
    total = sum(draws.values())
    assert total > 1500, draws
    assert 0.75 < draws["mask"] / total < 0.85
    assert 0.07 < draws["random"] / total < 0.13 and 0.07 < draws["unchanged"] / total < 0.13


# -- training -------------------------------------------------------------------------------------------------


def _weights(folder: Path) -> dict:
    from safetensors.torch import load_file

    return load_file(folder / "model.safetensors")


@pytest.mark.parametrize("scoring", [{}, {"entity_scorer": "sampled", "candidate_search": "faiss", "entity_top_k": 2}],
                         ids=["exact", "faiss-candidates"])
def test_interrupted_training_resumes_to_the_same_weights(corpus_and_tokenizer, tmp_path: Path, monkeypatch,
                                                          scoring: dict) -> None:
    """With FAISS candidates the checkpoint (step 3) falls between index refreshes (every 4 steps):
    the resumed run must search the same snapshot the uninterrupted one did."""
    corpus, tokenizer, _ = corpus_and_tokenizer
    args = TrainArgs(max_steps=6, batch_size=4, save_steps=3, log_steps=2, max_length=32, learning_rate=1e-3)

    def fresh() -> KebioForPreTraining:
        model = KebioForPreTraining(preset_config("tiny", vocab_size=len(tokenizer), entity_vocab_size=6,
                                                  pad_token_id=tokenizer.pad_token_id, **scoring))
        model.entity_vocab = CUIS
        return model

    def train(*a, **k):
        return pretrain(*a, **k, index_refresh=4)

    snapshots: dict[str, list[torch.Tensor]] = {"full": [], "resumed": []}  # the tables each run's index saw
    refresh = SampledScorer.refresh
    run = "full"
    monkeypatch.setattr(SampledScorer, "refresh",
                        lambda self, table: snapshots[run].append(table.detach().clone()) or refresh(self, table))
    torch.manual_seed(0)
    train(fresh(), tokenizer, corpus, tmp_path / "full", args, "f" * 32, device="cpu")
    run = "resumed"

    original = train_module._save_checkpoint

    def save_then_crash(*a, **k):
        original(*a, **k)
        raise KeyboardInterrupt

    monkeypatch.setattr(train_module, "_save_checkpoint", save_then_crash)
    torch.manual_seed(0)
    with pytest.raises(KeyboardInterrupt):
        train(fresh(), tokenizer, corpus, tmp_path / "resumed", args, "f" * 32, device="cpu")
    monkeypatch.setattr(train_module, "_save_checkpoint", original)
    checkpoint = tmp_path / "resumed" / "checkpoint-3"
    with pytest.raises(KebiokgError, match="another KB"):
        train(KebioForPreTraining.from_pretrained(checkpoint), tokenizer, corpus, tmp_path / "resumed", args,
              "0" * 32, resume_from=checkpoint, device="cpu")
    state = train(KebioForPreTraining.from_pretrained(checkpoint), tokenizer, corpus, tmp_path / "resumed", args,
                  "f" * 32, resume_from=checkpoint, device="cpu")
    assert state["global_step"] == 6
    if scoring:  # resumed at step 3 with a fresh index: it must be built from the table the full run used
        after = snapshots["resumed"][-2:]
        assert len(after) == 2 and all(torch.equal(a, b) for a, b in zip(after, snapshots["full"][-2:], strict=True))
    full, resumed = _weights(tmp_path / "full"), _weights(tmp_path / "resumed")
    assert full.keys() == resumed.keys()
    assert all(torch.equal(full[k], resumed[k]) for k in full)
    full_log = (tmp_path / "full" / "log.jsonl").read_text().splitlines()
    resumed_log = (tmp_path / "resumed" / "log.jsonl").read_text().splitlines()
    assert [json.loads(r)["loss"] for r in full_log] == [json.loads(r)["loss"] for r in resumed_log]


def test_plain_mlm_baseline_accumulates_like_kebiolm_and_refuses_torchrun(corpus_and_tokenizer, tmp_path: Path,
                                                                           monkeypatch) -> None:
    """The baseline's step takes --grad-accum micro-batches, as KeBioLM's does in one process."""
    corpus, tokenizer, _ = corpus_and_tokenizer
    base = tmp_path / "base"
    random_bert(tokenizer, 32, 2, 0, max_positions=64).save_pretrained(base)
    tokenizer.save_pretrained(base)
    taken = []  # the micro-batch numbers the baseline trains on, in order
    original = WindowStream.micro_batches

    def recording(self, batch_size, numbers):
        for g, epoch, windows in original(self, batch_size, numbers):
            taken.append(g)
            yield g, epoch, windows

    monkeypatch.setattr(WindowStream, "micro_batches", recording)
    args = TrainArgs(max_steps=3, batch_size=4, grad_accum=2, max_length=32, log_steps=1)
    history = pretrain_plain_mlm(str(base), corpus, tmp_path / "plain", args)
    assert taken == list(range(6))  # KeBioLM's numbering in one process: step s takes 2s and 2s + 1
    assert [r["step"] for r in history] == [1, 2, 3]
    assert AutoModelForMaskedLM.from_pretrained(tmp_path / "plain").num_parameters() > 0
    monkeypatch.setenv("WORLD_SIZE", "2")
    with pytest.raises(KebiokgError, match="one process"):
        pretrain_plain_mlm(str(base), corpus, tmp_path / "ddp", args)


@pytest.mark.parametrize("entity_masking", [False, True])
def test_plain_mlm_masks_mentions_whole_only_when_asked(corpus_and_tokenizer, tmp_path: Path, monkeypatch,
                                                        entity_masking: bool) -> None:
    """`--objective mlm-entity` masks every mention whole, as KeBioLM does; `mlm` masks words."""
    corpus, tokenizer, _ = corpus_and_tokenizer
    base = tmp_path / "base"
    random_bert(tokenizer, 32, 2, 0, max_positions=64).save_pretrained(base)
    tokenizer.save_pretrained(base)
    import kebiokg.pretraining.baseline as baseline

    partial = []  # per multi-token mention: masked in part (some of its tokens, not all)

    def recording(windows, tokenizer, probability, rng, entity_units=True):
        batch = collate(windows, tokenizer, probability, rng, entity_units=entity_units)
        for i, window in enumerate(windows):
            for start, end in window.spans:
                masked = (batch["labels"][i, start:end] != -100).tolist()
                if end - start > 1 and any(masked):
                    partial.append(not all(masked))
        return batch

    monkeypatch.setattr(baseline, "collate", recording)
    args = TrainArgs(max_steps=6, batch_size=8, max_length=32, mlm_probability=0.5)
    pretrain_plain_mlm(str(base), corpus, tmp_path / "plain", args, entity_masking=entity_masking)
    assert partial, "no multi-token mention was masked: the test corpus is too small"
    assert any(partial) != entity_masking


def test_plain_mlm_head_only_trains_the_head_and_leaves_the_encoder(corpus_and_tokenizer, tmp_path: Path) -> None:
    """`--head-only` fits a head a checkpoint lacks: every encoder weight (the tied embeddings too) stays
    as it was, the head's transform and bias move."""
    corpus, tokenizer, _ = corpus_and_tokenizer
    base = tmp_path / "base"
    random_bert(tokenizer, 32, 2, 0, max_positions=64).save_pretrained(base)
    tokenizer.save_pretrained(base)
    args = TrainArgs(max_steps=4, batch_size=8, max_length=32, learning_rate=1e-2, mlm_probability=0.5)
    pretrain_plain_mlm(str(base), corpus, tmp_path / "head", args, head_only=True)
    before = AutoModelForMaskedLM.from_pretrained(base).state_dict()
    after = AutoModelForMaskedLM.from_pretrained(tmp_path / "head").state_dict()
    moved = {k for k in before if not torch.equal(before[k], after[k])}
    assert moved and all(k.startswith("cls.") for k in moved), sorted(moved)
    assert "cls.predictions.transform.dense.weight" in moved
    assert torch.equal(before["bert.embeddings.word_embeddings.weight"], after["cls.predictions.decoder.weight"])


def test_model_entity_index_ranks_by_the_linkers_inner_product(corpus_and_tokenizer, tmp_path: Path) -> None:
    """`nearest --model` ranks as the linker scores: the entity rows keep their norms."""
    _, tokenizer, _ = corpus_and_tokenizer
    model = KebioForPreTraining(preset_config("tiny", vocab_size=len(tokenizer), entity_vocab_size=6,
                                              pad_token_id=tokenizer.pad_token_id))
    with torch.no_grad():
        model.kebio.entity_embeddings.weight[3:] *= torch.tensor([[1.0], [5.0], [0.2]])
    model.save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    encoder = kebio_encoder(tmp_path)
    table = model.kebio.entity_embeddings.weight[3:].detach().numpy()
    np.testing.assert_allclose(encoder.vectors, table)


def test_pretrain_command_on_a_real_corpus(real_data: Path, tmp_path: Path) -> None:
    """Gold BC5CDR mentions linked to SAMPLE_NCIM; the loss falls; the run loads with AutoModel."""
    runner = CliRunner()
    db = tmp_path / "kb.duckdb"
    assert runner.invoke(main, ["load-umls", str(real_data / "umls" / "SAMPLE_NCIM"), "--db", str(db),
                                "--quiet"]).exit_code == 0
    corpus = tmp_path / "corpus.jsonl"
    gold = real_data / "corpora" / "bc5cdr" / "CDR_DevelopmentSet.PubTator.txt"
    result = runner.invoke(main, ["annotate", str(gold), "--db", str(db), "--out", str(corpus), "--gold-passthrough",
                                  "--quiet"])
    assert result.exit_code == 0, result.output
    out = tmp_path / "run"
    result = runner.invoke(main, ["pretrain", "--db", str(db), "--corpus", str(corpus), "--from-config", "tiny",
                                  "--out", str(out), "--max-steps", "40", "--batch-size", "8", "--max-length", "64",
                                  "--learning-rate", "2e-3", "--log-steps", "10", "--save-steps", "20",
                                  "--entity-init", "lexical", "--quiet"])  # 40 steps learn linking from names
    assert result.exit_code == 0, result.output
    log = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    assert log[-1]["loss"] < log[0]["loss"] and log[-1]["mlm_loss"] < log[0]["mlm_loss"]
    entities = len((out / "entity_vocab.txt").read_text().split()) + 3
    assert log[-1]["linking_loss"] < np.log(entities) - 1  # well below a uniform guess
    assert (out / "loss.png").stat().st_size > 0 and (out / "checkpoint-20").is_dir()
    assert type(AutoModel.from_pretrained(out)).__name__ == "KebioModel"
    result = runner.invoke(main, ["nearest", "cisplatin", "--db", str(db), "--model", str(out), "-k", "3", "--json"])
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)["hits"]
    assert len(hits) == 3 and all(h["cui"] in (out / "entity_vocab.txt").read_text() for h in hits)
    result = runner.invoke(main, ["pretrain", "--db", str(db), "--corpus", str(corpus), "--from-config", "tiny",
                                  "--out", str(out), "--quiet"])
    assert result.exit_code == 1 and "already holds a run" in result.output


def test_resume_refuses_a_mismatched_or_corrupt_checkpoint(tiny_release: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    db = tmp_path / "kb.duckdb"
    assert runner.invoke(main, ["load-umls", str(tiny_release), "--db", str(db), "--quiet"]).exit_code == 0
    corpus = tmp_path / "corpus.jsonl"
    text = "Aspirin for heart attack and heart attack again."
    entities = [Entity(0, 7, "Aspirin", "C0000002"), Entity(12, 24, "heart attack", "C0000001")]
    write_jsonl([AnnotatedDocument(str(i), text, entities) for i in range(8)], corpus)
    out = tmp_path / "run"
    common = ["pretrain", "--db", str(db), "--corpus", str(corpus), "--out", str(out), "--batch-size", "4",
              "--max-length", "32", "--vocab-size", "120", "--quiet"]
    result = runner.invoke(main, [*common, "--from-config", "tiny", "--max-steps", "2", "--save-steps", "2"])
    assert result.exit_code == 0, result.output
    # the same run once more, on its tokenizer (the tokenizers library's WordPiece trainer numbers
    # some pieces in hash order: huggingface/tokenizers#1794), starts from the same weights
    again = [*common[:6], str(tmp_path / "again"), *common[7:], "--tokenizer", str(out / "tokenizer")]
    result = runner.invoke(main, [*again, "--from-config", "tiny", "--max-steps", "2", "--save-steps", "2"])
    assert result.exit_code == 0, result.output
    first, second = _weights(out / "checkpoint-2"), _weights(tmp_path / "again" / "checkpoint-2")
    assert all(torch.equal(first[k], second[k]) for k in first)
    result = runner.invoke(main, [*common, "--from-config", "small", "--max-steps", "4", "--resume"])
    assert result.exit_code == 1 and "differs from --from-config small" in result.output
    result = runner.invoke(main, [*common, "--entity-table", "frozen", "--max-steps", "4", "--resume"])
    assert result.exit_code == 1 and "trained with entity_table_mode dense; cannot resume with frozen" in result.output
    other = tmp_path / "other.jsonl"  # the same documents once more: another corpus
    write_jsonl([AnnotatedDocument(str(i), text, entities) for i in range(9)], other)
    result = runner.invoke(main, [*common[:4], str(other), *common[5:], "--max-steps", "4", "--resume"])
    assert result.exit_code == 1 and result.output.count("\n") == 1
    assert (f"checkpoint-2: trained on another corpus ({corpus}: 1 file, {corpus.stat().st_size:,} bytes) than "
            f"--corpus ({other}: 1 file, {other.stat().st_size:,} bytes)") in result.output
    moved = tmp_path / "moved.jsonl"  # the same corpus elsewhere is the same corpus
    corpus.rename(moved)
    result = runner.invoke(main, [*common[:4], str(moved), *common[5:], "--max-steps", "4", "--save-steps", "2",
                                  "--resume"])
    assert result.exit_code == 0, result.output
    # the newest checkpoint damaged: the resume falls back to the newest whole one, saying so
    (out / "checkpoint-4" / "optimizer.pt").write_bytes(b"cut short")
    result = runner.invoke(main, [*common[:4], str(moved), *common[5:], "--max-steps", "6", "--resume"])
    assert result.exit_code == 0, result.output
    assert (f"kebiokg: warning: {out}: resuming from checkpoint-2; skipped checkpoint-4 (optimizer.pt has 9 bytes"
            in result.stderr.splitlines()[0])
    final = json.loads((out / "trainer_state.json").read_text())
    assert final["global_step"] == 6 and "files" not in final  # a checkpoint's record of its files stays with it
    for checkpoint in ("checkpoint-2", "checkpoint-6"):
        (out / checkpoint / "model.safetensors").unlink()
    (out / "checkpoint-4" / "model.safetensors").write_bytes(b"not a tensor file")
    result = runner.invoke(main, [*common[:4], str(moved), *common[5:], "--max-steps", "8", "--resume"])
    assert result.exit_code == 1 and result.output.count("\n") == 1
    assert "no whole checkpoint-K folder to resume from (checkpoint-6 (model.safetensors is missing)" in result.output


def test_a_corpus_without_entities_is_refused_unless_allowed(tiny_release: Path, tmp_path: Path) -> None:
    """Its linking loss would be 0 throughout, silently; windows without entities in a corpus with some are fine."""
    runner = CliRunner()
    db = tmp_path / "kb.duckdb"
    assert runner.invoke(main, ["load-umls", str(tiny_release), "--db", str(db), "--quiet"]).exit_code == 0
    corpus = tmp_path / "plain.jsonl"
    write_jsonl([AnnotatedDocument(str(i), "Aspirin for heart attack.", []) for i in range(8)], corpus)
    common = ["pretrain", "--db", str(db), "--corpus", str(corpus), "--from-config", "tiny", "--batch-size", "4",
              "--max-length", "32", "--vocab-size", "120", "--max-steps", "1", "--entity-init", "lexical", "--quiet"]
    result = runner.invoke(main, [*common, "--out", str(tmp_path / "refused")])
    assert result.exit_code == 1 and result.output.count("\n") == 1
    assert "no entities in the corpus" in result.output and "--objective mlm" in result.output
    assert "--allow-no-entities" in result.output
    result = runner.invoke(main, [*common, "--out", str(tmp_path / "allowed"), "--allow-no-entities"])
    assert result.exit_code == 0, result.output
    some = [AnnotatedDocument("0", "Aspirin for heart attack.", [Entity(0, 7, "Aspirin", "C0000002")]),
            *(AnnotatedDocument(str(i), "Aspirin for heart attack.", []) for i in range(1, 8))]
    write_jsonl(some, corpus)
    assert runner.invoke(main, [*common, "--out", str(tmp_path / "some")]).exit_code == 0


def test_import_kebiokg_is_light_and_registers_the_auto_classes_when_transformers_loads(tmp_path: Path) -> None:
    import subprocess
    import sys

    model = tiny_model()
    model.entity_vocab = CUIS
    model.save_pretrained(tmp_path)
    script = ("import sys, kebiokg\n"
              "assert 'torch' not in sys.modules and 'transformers' not in sys.modules\n"
              "from transformers import AutoModel, AutoModelForMaskedLM\n"
              f"print(type(AutoModel.from_pretrained({str(tmp_path)!r})).__name__,\n"
              f"      type(AutoModelForMaskedLM.from_pretrained({str(tmp_path)!r})).__name__)\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["KebioModel", "KebioForMaskedLM"]


def test_a_random_start_without_dropout_stays_without_it_in_kebiolm(corpus_and_tokenizer, tmp_path: Path) -> None:
    """The memorisation regime (docs/knowledge.md): dropout 0 in the shared start reaches KeBioLM too,
    so a training-mode forward pass is deterministic in both models."""
    _, tokenizer, _ = corpus_and_tokenizer
    random_bert(tokenizer, 32, 2, 0, max_positions=64, dropout=0.0).save_pretrained(tmp_path / "base")
    tokenizer.save_pretrained(tmp_path / "base")
    plain = AutoModelForMaskedLM.from_pretrained(tmp_path / "base").train()
    kebio = KebioForPreTraining.from_bert(str(tmp_path / "base"), len(EntityVocabulary(CUIS)), "f" * 32).train()
    ids = torch.tensor([[tokenizer.cls_token_id, 7, 8, 9, tokenizer.sep_token_id]])
    for model in (plain, kebio):
        assert torch.equal(model(input_ids=ids).logits, model(input_ids=ids).logits)
    default = random_bert(tokenizer, 32, 2, 0, max_positions=64).train()
    assert not torch.equal(default(input_ids=ids).logits, default(input_ids=ids).logits)  # BERT's dropout is on
