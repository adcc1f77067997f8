"""KeBioLM at scale: sampled-softmax linking against exact scoring, candidate search, the sparse
entity table, and DistributedDataParallel on CPU (gloo, two processes) against one process."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.multiprocessing as mp
from safetensors.torch import load_file

from kebiokg.annotate.run import RunOptions, annotate_corpus
from kebiokg.documents import AnnotatedDocument
from kebiokg.modeling_kebio import ExactScorer, KebioForPreTraining, SampledScorer, chunked_top_k, preset_config
from kebiokg.pretraining.data import EntityVocabulary, WindowStream, collate
from kebiokg.pretraining.tokenizer import train_tokenizer
from kebiokg.pretraining.train import TrainArgs, pretrain

CUIS = [f"C{i:07d}" for i in range(1, 13)]
NAMES = ["aspirin", "heart attack", "cisplatin", "asthma", "insulin", "diabetes", "fever", "ibuprofen",
         "migraine", "warfarin", "stroke", "penicillin"]


def model(seed: int = 0, **options) -> KebioForPreTraining:
    torch.manual_seed(seed)
    config = preset_config("tiny", vocab_size=200, entity_vocab_size=3 + len(CUIS), hidden_dropout_prob=0.0,
                           attention_probs_dropout_prob=0.0, **options)
    built = KebioForPreTraining(config)
    built.entity_vocab = CUIS
    return built


def test_chunked_top_k_is_exact_and_skips_padding() -> None:
    torch.manual_seed(0)
    queries, table = torch.randn(7, 16), torch.randn(1000, 16)
    table[0] = queries.sum(0) * 100  # the padding row would win everything
    got = chunked_top_k(queries, table, 5, chunk=64)
    scores = queries @ table.T
    scores[:, 0] = -float("inf")
    assert torch.equal(got, scores.topk(5, dim=1).indices)


def test_faiss_candidates_equal_torch_candidates() -> None:
    torch.manual_seed(0)
    queries, table = torch.randn(9, 16), torch.randn(500, 16)
    faiss_scorer = SampledScorer("faiss", 128)
    faiss_scorer.refresh(table)
    expected = SampledScorer("torch", 128).candidates(queries, table, 6)
    assert torch.equal(faiss_scorer.candidates(queries, table, 6), expected)


def test_sampled_loss_equals_exact_when_candidates_cover_the_table() -> None:
    torch.manual_seed(0)
    entities = torch.nn.Embedding(40, 8)
    mentions = torch.randn(6, 8)
    targets = torch.tensor([3, 7, -100, 7, 39, 12])
    _, _, exact = ExactScorer()(mentions, entities, 39, targets)
    _, _, sampled = SampledScorer("torch", 16)(mentions, entities, 39, targets)
    assert torch.allclose(exact, sampled, atol=1e-5)
    _, _, partial = SampledScorer("torch", 16)(mentions, entities, 5, targets)  # fewer candidates: a bound
    assert partial < exact


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, object]:
    """A sharded corpus (annotate's folder output, gold passthrough of a JSONL with entities)."""
    root = tmp_path_factory.mktemp("scale")
    rng = np.random.default_rng(0)
    lines = []
    for i in range(96):
        picked = rng.choice(len(NAMES), size=3, replace=False)
        text, entities = f"Case {i}:", []
        for j in picked:
            start = len(text) + 1
            text += f" {NAMES[j]} and"
            entities.append({"start": start, "end": start + len(NAMES[j]), "cui": CUIS[j]})
        lines.append(AnnotatedDocument(str(i), text + " more.").to_json() | {"entities": entities})
    source = root / "source.jsonl"
    source.write_text("".join(json.dumps(line) + "\n" for line in lines))

    class Mapper:  # CUIs map to themselves
        def mention_cuis(self, ids, mention_type=""):
            return ids

        def types(self, cui):
            return []

    annotate_corpus([source], root / "corpus", None, RunOptions(gold_passthrough=True, shard_size=40), "f" * 32,
                    Mapper())
    tokenizer = train_tokenizer([root / "corpus"], vocab_size=200, min_frequency=1)
    return root / "corpus", tokenizer


def _exact_linking_loss(trained: KebioForPreTraining, corpus: Path, tokenizer) -> float:
    """Linking loss with every entity scored, on the first 4 batches of the corpus, dropout off."""
    trained.eval()
    trained.kebio.scorer = ExactScorer()
    stream = WindowStream(corpus, tokenizer, EntityVocabulary(CUIS), 32, seed=7)
    losses = []
    with torch.no_grad():
        for g, _, windows in stream.micro_batches(8, iter(range(4))):
            batch = collate(windows, tokenizer, 0.0, np.random.default_rng(g))
            losses.append(float(trained(**batch).linking_loss))
    return float(np.mean(losses))


def test_sampled_training_tracks_exact_training(corpus, tmp_path: Path) -> None:
    path, tokenizer = corpus
    args = TrainArgs(max_steps=40, batch_size=8, max_length=32, learning_rate=5e-3, log_steps=40, save_steps=40)
    untrained = _exact_linking_loss(model(), path, tokenizer)
    exact, sampled = model(entity_scorer="exact"), model(entity_scorer="sampled", candidate_search="torch",
                                                         entity_top_k=4)
    pretrain(exact, tokenizer, path, tmp_path / "exact", args, "f" * 32, device="cpu")
    pretrain(sampled, tokenizer, path, tmp_path / "sampled", args, "f" * 32, device="cpu")
    a, b = _exact_linking_loss(exact, path, tokenizer), _exact_linking_loss(sampled, path, tokenizer)
    assert a < 0.5 * untrained and b < 0.5 * untrained  # both learned to link
    assert abs(a - b) < 0.25 * untrained  # and about as well


def test_sparse_table_updates_only_touched_rows(corpus, tmp_path: Path) -> None:
    path, tokenizer = corpus
    built = model(entity_scorer="sampled", candidate_search="torch", entity_top_k=2, entity_table_mode="sparse")
    before = built.kebio.entity_embeddings.weight.detach().clone()
    args = TrainArgs(max_steps=1, batch_size=4, max_length=32, learning_rate=1e-2)
    pretrain(built, tokenizer, path, tmp_path / "sparse", args, "f" * 32, device="cpu")
    changed = (built.kebio.entity_embeddings.weight.detach() != before).any(dim=1)
    assert 0 < int(changed.sum()) < len(changed)
    assert not changed[0]  # the padding row is never a candidate
    frozen = model(entity_table_mode="frozen")
    before = frozen.kebio.entity_embeddings.weight.detach().clone()
    pretrain(frozen, tokenizer, path, tmp_path / "frozen", args, "f" * 32, device="cpu")
    assert torch.equal(frozen.kebio.entity_embeddings.weight, before)


# -- DistributedDataParallel on CPU ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ddp_worker(rank: int, world: int, port: int, corpus: Path, tokenizer, out: Path, steps: int,
                crash_after: int | None, resume: bool) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    torch.distributed.init_process_group("gloo", rank=rank, world_size=world)
    torch.set_num_threads(1)
    try:
        from kebiokg.pretraining import train as train_module

        args = TrainArgs(max_steps=steps, batch_size=4, max_length=32, learning_rate=3e-3, save_steps=2, log_steps=2)
        checkpoint = train_module.latest_checkpoint(out) if resume else None
        built = KebioForPreTraining.from_pretrained(checkpoint) if checkpoint else model()
        if crash_after is not None:
            original = train_module._save_checkpoint

            def crash(*a, **k):
                saved = original(*a, **k)
                if a[4]["global_step"] >= crash_after:
                    raise SystemExit(0)
                return saved

            train_module._save_checkpoint = crash
        pretrain(built, tokenizer, corpus, out, args, "f" * 32, resume_from=checkpoint, device="cpu")
    finally:
        torch.distributed.destroy_process_group()


def _run_ddp(world: int, *args) -> None:
    mp.start_processes(_ddp_worker, args=(world, _free_port(), *args), nprocs=world, start_method="fork")


def _weights(folder: Path) -> dict:
    return load_file(folder / "model.safetensors")


def test_ddp_matches_one_process_and_resumes_exactly(corpus, tmp_path: Path) -> None:
    path, tokenizer = corpus
    # one process, 2 micro-batches per step == two processes, 1 micro-batch each
    single = TrainArgs(max_steps=4, batch_size=4, grad_accum=2, max_length=32, learning_rate=3e-3, save_steps=2,
                       log_steps=2)
    pretrain(model(), tokenizer, path, tmp_path / "single", single, "f" * 32, device="cpu")
    _run_ddp(2, path, tokenizer, tmp_path / "ddp", 4, None, False)
    one, two = _weights(tmp_path / "single"), _weights(tmp_path / "ddp")
    assert all(torch.allclose(one[k], two[k], atol=1e-5) for k in one)

    # a DDP run interrupted after its step-2 checkpoint, resumed, equals the uninterrupted one
    _run_ddp(2, path, tokenizer, tmp_path / "crash", 4, 2, False)
    assert (tmp_path / "crash" / "checkpoint-2").is_dir() and not (tmp_path / "crash" / "checkpoint-4").exists()
    _run_ddp(2, path, tokenizer, tmp_path / "crash", 4, None, True)
    resumed = _weights(tmp_path / "crash")
    assert all(torch.equal(two[k], resumed[k]) for k in two)

    # and a checkpoint resumes at another world size (one process, the same global batch per step)
    checkpoint = tmp_path / "crash" / "checkpoint-2"
    state = pretrain(KebioForPreTraining.from_pretrained(checkpoint), tokenizer, path, tmp_path / "crash", single,
                     "f" * 32, resume_from=checkpoint, device="cpu")
    assert state["global_step"] == 4 and state["micro_batches"] == 8
    again = _weights(tmp_path / "crash")
    assert all(torch.allclose(two[k], again[k], atol=1e-5) for k in two)
