"""KeBioLM against BERT MLM on one CUDA GPU: tokens/s, model FLOPs utilisation, candidate-search share.

    PYTHONPATH=. python bench/gpu_step.py [--preset base] [--entities 3400000] [--batch-size 64] [--seq 512]

Needs only torch and transformers (no faiss, no duckdb): synthetic batches (random tokens, 15%
masked, `--mentions` random spans per sequence with random target entities), bf16 autocast, the
sampled softmax with the chunked torch top-k over an entity table of `--entities` rows (sparse
SparseAdam updates), both MLM heads run at the masked positions only, as `kebiokg pretrain` runs them
(`--dense-head`: at every position). MFU = achieved model FLOPs / the GPU's dense bf16 peak (`--peak-tflops`,
989 for an H100 SXM), with model FLOPs per token = 6 x (non-embedding parameters) + 12 x layers x
hidden x sequence (attention), the usual estimate; the linking head's FLOPs are not counted, so
KeBioLM's MFU is a lower bound. Candidate-search share: CUDA time in the top-k search / step time.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from transformers import BertConfig, BertForMaskedLM

from kebiokg.modeling_kebio import ENTITY_OFFSET, KebioForPreTraining, SampledScorer, preset_config, sparse_mlm_loss


def synthetic_batches(count: int, batch: int, seq: int, vocab: int, mentions: int, entities: int, device: str):
    generator = torch.Generator().manual_seed(0)
    out = []
    for _ in range(count):
        ids = torch.randint(5, vocab, (batch, seq), generator=generator)
        labels = torch.where(torch.rand(batch, seq, generator=generator) < 0.15, ids, torch.full_like(ids, -100))
        starts = torch.sort(torch.randint(1, seq - 8, (batch, mentions), generator=generator), dim=1).values
        spans = torch.stack([starts, starts + torch.randint(1, 4, (batch, mentions), generator=generator)], dim=-1)
        targets = torch.randint(ENTITY_OFFSET, entities + ENTITY_OFFSET, (batch, mentions), generator=generator)
        out.append({k: v.to(device) for k, v in {
            "input_ids": ids, "attention_mask": torch.ones_like(ids), "labels": labels,
            "bio_labels": torch.zeros_like(ids), "mention_spans": spans, "mention_entities": targets}.items()})
    return out


def model_flops_per_token(model: torch.nn.Module, layers: int, hidden: int, seq: int) -> float:
    embedding = {id(p) for m in model.modules() if isinstance(m, torch.nn.Embedding) for p in m.parameters()}
    dense = sum(p.numel() for p in model.parameters() if id(p) not in embedding)
    return 6 * dense + 12 * layers * hidden * seq


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def loss_of(model, batch: dict, dense_head: bool) -> torch.Tensor:
    """The loss as `kebiokg pretrain` computes it: the MLM head only at the masked positions, for both
    models, unless `dense_head` (the path the figures before 2026-11-30 timed)."""
    if dense_head:
        return model(**batch).loss
    if isinstance(model, KebioForPreTraining):
        return model(**batch, sparse_prediction=True).loss
    return sparse_mlm_loss(model, batch["input_ids"], batch["attention_mask"], batch["labels"])


def measure(model, batches, steps: int, warmup: int, device: str, dense_head: bool, keys=None,
            search_timer=None) -> dict:
    dense = [p for n, p in model.named_parameters() if "entity_embeddings" not in n]
    optimizers = [torch.optim.AdamW(dense, lr=1e-4, fused=device.startswith("cuda"))]
    if isinstance(model, KebioForPreTraining):
        optimizers.append(torch.optim.SparseAdam([model.kebio.entity_embeddings.weight], lr=1e-4))
    times, tokens = [], 0
    for step in range(warmup + steps):
        batch = {k: v for k, v in batches[step % len(batches)].items() if keys is None or k in keys}
        if search_timer is not None:
            search_timer.clear()
        _sync(device)
        started = time.perf_counter()
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=device.startswith("cuda")):
            loss = loss_of(model, batch, dense_head)
        loss.backward()
        for optimizer in optimizers:
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
        _sync(device)
        if step >= warmup:
            times.append(time.perf_counter() - started)
            tokens += batch["input_ids"].numel()
    result = {"step_ms": 1000 * statistics.median(times), "tokens_per_second": tokens / sum(times),
              "peak_gib": torch.cuda.max_memory_allocated() / 2**30 if device.startswith("cuda") else 0.0}
    if search_timer is not None:
        result["search_ms"] = sum(end - begin for begin, end in search_timer) * 1000 if not device.startswith("cuda") \
            else sum(a.elapsed_time(b) for a, b in search_timer)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", default="base")
    parser.add_argument("--entities", type=int, default=3_400_000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seq", type=int, default=512)
    parser.add_argument("--mentions", type=int, default=24)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--peak-tflops", type=float, default=989.0)
    parser.add_argument("--device", default="cuda", help="cuda; cpu only to check the script runs")
    parser.add_argument("--dense-head", action="store_true", help="run the MLM heads at every position")
    args = parser.parse_args()
    device = args.device
    torch.backends.cuda.matmul.allow_tf32 = True
    config = preset_config(args.preset, vocab_size=30522, max_position_embeddings=max(512, args.seq),
                           entity_vocab_size=args.entities + ENTITY_OFFSET, entity_scorer="sampled",
                           candidate_search="torch", entity_table_mode="sparse", search_chunk_size=1 << 20)
    layers = config.num_text_layers + config.num_fusion_layers
    batches = synthetic_batches(4, args.batch_size, args.seq, config.vocab_size, args.mentions, args.entities, device)
    name = torch.cuda.get_device_name() if device.startswith("cuda") else "CPU"
    print(f"{name}; {args.preset} ({layers} layers, {config.hidden_size} wide), "
          f"batch {args.batch_size} x {args.seq}, bf16; {args.entities:,} entities, {args.mentions} mentions/sequence; "
          f"MLM heads {'dense' if args.dense_head else 'at the masked positions'}")

    bert = BertForMaskedLM(BertConfig(vocab_size=config.vocab_size, hidden_size=config.hidden_size,
                                      num_hidden_layers=layers, num_attention_heads=config.num_attention_heads,
                                      intermediate_size=config.intermediate_size,
                                      max_position_embeddings=config.max_position_embeddings)).to(device)
    plain = measure(bert, batches, args.steps, args.warmup, device, args.dense_head,
                    keys={"input_ids", "attention_mask", "labels"})
    bert_flops = model_flops_per_token(bert, layers, config.hidden_size, args.seq)
    del bert
    if device.startswith("cuda"):
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()

    model = KebioForPreTraining(config).to(device)  # the table is sparse: SparseAdam touches found rows only
    scorer = model.kebio.scorer
    assert isinstance(scorer, SampledScorer)
    timer: list = []
    original = scorer.candidates

    def timed_candidates(*a, **k):
        if not device.startswith("cuda"):
            begin = time.perf_counter()
            ids = original(*a, **k)
            timer.append((begin, time.perf_counter()))
            return ids
        begin, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        begin.record()
        ids = original(*a, **k)
        end.record()
        timer.append((begin, end))
        return ids

    scorer.candidates = timed_candidates
    kebio = measure(model, batches, args.steps, args.warmup, device, args.dense_head, search_timer=timer)
    kebio_flops = model_flops_per_token(model, layers, config.hidden_size, args.seq)

    print(f"{'model':<22} {'step ms':>8} {'tokens/s':>10} {'MFU':>6} {'peak GiB':>9}")
    for label, result, flops in (("BertForMaskedLM", plain, bert_flops), ("KebioForPreTraining", kebio, kebio_flops)):
        mfu = result["tokens_per_second"] * flops / (args.peak_tflops * 1e12)
        print(f"{label:<22} {result['step_ms']:>8.1f} {result['tokens_per_second']:>10,.0f} {mfu:>6.1%} "
              f"{result['peak_gib']:>9.1f}")
    print(f"KeBioLM tokens/s / BERT tokens/s: {kebio['tokens_per_second'] / plain['tokens_per_second']:.2f}x "
          f"(target >= 0.8x); candidate search: {kebio['search_ms']:.1f} ms of a {kebio['step_ms']:.1f} ms step "
          f"({kebio['search_ms'] / kebio['step_ms']:.1%})")


if __name__ == "__main__":
    main()
