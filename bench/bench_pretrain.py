"""Training-step cost of KeBioLM against plain BERT MLM of the same backbone, same batches, same machine.

    python bench/bench_pretrain.py [--preset small] [--steps 30] [--batch-size 16] [--max-length 128]

The corpus is BC5CDR (train abstracts) annotated against SAMPLE_NCIM (`kebiokg annotate`); the
batches (whole-entity masking) are built once and fed to both models.
Each model trains in its own process (peak RSS per process; on CUDA, peak allocated memory), in
alternating rounds; a step is forward + backward + AdamW. KeBioLM's knowledge machinery (detection
head, linking against every entity with exact scoring, fusion) may cost at most 1.3x the plain step:
measured with the MLM head over every token in both (`BertForMaskedLM`'s way). KeBioLM is also timed
as `pretrain` runs it, the head only at the masked positions (`sparse_prediction`), against that.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import measured

ROOT = Path(__file__).resolve().parent.parent


def worker(kind: str, batches_path: Path, preset: str, steps: int, warmup: int, device: str) -> dict:
    import torch
    from transformers import BertConfig, BertForMaskedLM

    from kebiokg.modeling_kebio import KebioForPreTraining, preset_config

    payload = torch.load(batches_path, weights_only=False)
    batches, meta = payload["batches"], payload["meta"]
    torch.manual_seed(0)
    config = preset_config(preset, vocab_size=meta["vocab_size"], entity_vocab_size=meta["entity_vocab_size"],
                           pad_token_id=meta["pad_token_id"])
    if kind.startswith("kebio"):
        model = KebioForPreTraining(config)
    else:
        model = BertForMaskedLM(BertConfig(**{k: getattr(config, k) for k in (
            "vocab_size", "hidden_size", "num_attention_heads", "intermediate_size", "max_position_embeddings",
            "pad_token_id")}, num_hidden_layers=config.num_text_layers + config.num_fusion_layers))
    model.to(device).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    keys = {"input_ids", "attention_mask", "labels"} if kind == "bert" else None
    times, tokens = [], 0
    if device.startswith("cuda"):
        torch.cuda.reset_peak_memory_stats()
    for step in range(warmup + steps):
        batch = batches[step % len(batches)]
        batch = {k: v.to(device) for k, v in batch.items() if keys is None or k in keys}
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        started = time.perf_counter()
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=device.startswith("cuda")):
            loss = model(**batch, sparse_prediction=True).loss if kind == "kebio" else model(**batch).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        if step >= warmup:
            times.append(time.perf_counter() - started)
            tokens += int(batch["attention_mask"].sum())
    peak = torch.cuda.max_memory_allocated() / 2**20 if device.startswith("cuda") else None
    return {"kind": kind, "step_seconds": statistics.median(times), "tokens_per_second": tokens / sum(times),
            "gpu_peak_mib": peak, "parameters": sum(p.numel() for p in model.parameters())}


def build_batches(tmp: Path, data: Path, batch_size: int, max_length: int, count: int) -> Path:
    import numpy as np
    import torch

    from kebiokg.kb import KnowledgeBase
    from kebiokg.pretraining.data import EntityVocabulary, WindowStream, collate
    from kebiokg.pretraining.tokenizer import train_tokenizer

    kb_path, corpus = tmp / "kb.duckdb", tmp / "corpus.jsonl"
    kebiokg = [sys.executable, "-m", "kebiokg.cli.main"]
    subprocess.run([*kebiokg, "load-umls", str(data / "umls" / "SAMPLE_NCIM"), "--db", str(kb_path), "--quiet"],
                   check=True)
    subprocess.run([*kebiokg, "annotate", str(data / "corpora" / "bc5cdr" / "CDR_TrainingSet.PubTator.txt"),
                    "--db", str(kb_path), "--out", str(corpus), "--quiet"], check=True)
    tokenizer = train_tokenizer([corpus], vocab_size=16_000)
    with KnowledgeBase(kb_path) as kb:
        vocab = EntityVocabulary.from_kb(kb)
    stream = WindowStream(corpus, tokenizer, vocab, max_length, seed=0)
    batches, mentions = [], 0
    for index, _, windows in stream.micro_batches(batch_size, iter(range(count))):
        batch = collate(windows, tokenizer, 0.15, np.random.default_rng([0, index]))
        mentions += int((batch["mention_spans"][..., 1] > 0).sum())
        batches.append(batch)
    path = tmp / "batches.pt"
    torch.save({"batches": batches, "meta": {"vocab_size": len(tokenizer), "entity_vocab_size": len(vocab),
                                             "pad_token_id": tokenizer.pad_token_id,
                                             "mentions_per_batch": mentions / len(batches)}}, path)
    return path


def run_worker(kind: str, batches: Path, args: argparse.Namespace) -> tuple[dict, float]:
    cmd = [sys.executable, __file__, "--worker", kind, "--batches", str(batches), "--preset", args.preset,
           "--steps", str(args.steps), "--warmup", str(args.warmup), "--device", args.device]
    _, rss, stdout = measured(cmd)
    return json.loads(stdout.strip().splitlines()[-1]), rss


def main() -> None:
    default_data = Path(os.environ.get("KEBIOKG_DATA", ROOT.parent / "shared" / "data"))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", default="small")
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--device", default="cuda" if os.environ.get("CUDA_VISIBLE_DEVICES") else "cpu")
    parser.add_argument("--data", type=Path, default=default_data)
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--batches", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.batches, args.preset, args.steps, args.warmup, args.device)))
        return
    with tempfile.TemporaryDirectory(prefix="kebiokg-bench-pretrain-") as name:
        tmp = Path(name)
        batches = build_batches(tmp, args.data, args.batch_size, args.max_length, args.steps + args.warmup)
        import torch

        meta = torch.load(batches, weights_only=False)["meta"]
        results: dict[str, list] = {"bert": [], "kebio-dense": [], "kebio": []}
        for _ in range(args.rounds):
            for kind in results:
                results[kind].append(run_worker(kind, batches, args))
    print(f"\n{args.preset} backbone, batch {args.batch_size} x {args.max_length} tokens, {args.steps} timed steps, "
          f"{args.device}; {meta['entity_vocab_size']:,} entity rows, {meta['mentions_per_batch']:.0f} mentions/batch")
    print(f"{'model':<22} {'params':>10} {'step ms':>8} {'tokens/s':>9} {'peak RSS MiB':>12} {'GPU peak MiB':>12}")
    best = {}
    for kind, label in (("bert", "BertForMaskedLM"), ("kebio-dense", "KeBioLM, dense head"),
                        ("kebio", "KeBioLM, sparse head")):
        runs = results[kind]
        step = statistics.median(r["step_seconds"] for r, _ in runs)
        best[kind] = step
        rate = statistics.median(r["tokens_per_second"] for r, _ in runs)
        rss = max(m for _, m in runs)
        gpu = runs[0][0]["gpu_peak_mib"]
        gpu_text = "-" if gpu is None else f"{gpu:,.0f}"
        print(f"{label:<22} {runs[0][0]['parameters']:>10,} {step * 1000:>8.1f} {rate:>9,.0f} {rss:>12,.0f} "
              f"{gpu_text:>12}")
    print(f"KeBioLM step / BERT MLM step, both heads dense: {best['kebio-dense'] / best['bert']:.2f}x (bound 1.3x)")
    print(f"KeBioLM step, sparse head / dense head: {best['kebio'] / best['kebio-dense']:.2f}x")


if __name__ == "__main__":
    main()
