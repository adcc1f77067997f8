"""Training-step time as the entity table grows: exact full-table scoring against sampled softmax.

    python bench/bench_scale.py [--sizes 10000,100000,1000000,3000000] [--steps 8] [--plot docs/images/scale.png]

The same real batches as bench_pretrain.py (BC5CDR train annotated against SAMPLE_NCIM, `small`
backbone), with each mention's target entity remapped to a row of a table of N entities. Per N:
exact scoring with a dense table (KeBioLM's way), and the sampled softmax (top-k candidates + gold
+ in-batch golds) with a sparse table, candidates from FAISS (CPU) and from the chunked torch
top-k; plus plain BertForMaskedLM of the same backbone, for the 1.3x bound. Each configuration
runs in its own process: median step time (forward + backward + optimizer) and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench_pretrain import build_batches
from common import measured

ROOT = Path(__file__).resolve().parent.parent
MODES = {  # label: (entity_scorer, candidate_search, entity_table_mode)
    "exact, dense table": ("exact", "torch", "dense"),
    "sampled, FAISS, sparse table": ("sampled", "faiss", "sparse"),
    "sampled, torch top-k, sparse table": ("sampled", "torch", "sparse"),
}


def worker(batches_path: Path, entities: int, mode: str, steps: int, warmup: int) -> dict:
    import torch
    from transformers import BertConfig, BertForMaskedLM

    from kebiokg.modeling_kebio import ENTITY_OFFSET, KebioForPreTraining, preset_config
    from kebiokg.pretraining.train import Optimizers, TrainArgs

    torch.manual_seed(0)
    refresh = 0.0
    payload = torch.load(batches_path, weights_only=False)
    meta = payload["meta"]
    generator = torch.Generator().manual_seed(0)
    batches = []
    for batch in payload["batches"]:  # targets spread over the whole table
        batch = dict(batch)
        targets = batch["mention_entities"]
        remapped = torch.randint(ENTITY_OFFSET, max(entities, 1) + ENTITY_OFFSET, targets.shape, generator=generator)
        batch["mention_entities"] = torch.where(targets >= 0, remapped, targets)
        batches.append(batch)
    if mode == "bert":
        config = preset_config("small", vocab_size=meta["vocab_size"], pad_token_id=meta["pad_token_id"])
        model = BertForMaskedLM(BertConfig(vocab_size=config.vocab_size, hidden_size=config.hidden_size,
                                           num_attention_heads=config.num_attention_heads,
                                           intermediate_size=config.intermediate_size,
                                           num_hidden_layers=config.num_hidden_layers,
                                           pad_token_id=config.pad_token_id))
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
        step_fn = optimizer.step
        zero = optimizer.zero_grad
    else:
        scorer, search, table = MODES[mode]
        config = preset_config("small", vocab_size=meta["vocab_size"], pad_token_id=meta["pad_token_id"],
                               entity_vocab_size=entities + ENTITY_OFFSET, entity_scorer=scorer,
                               candidate_search=search, entity_table_mode=table)
        model = KebioForPreTraining(config)
        optimizers = Optimizers(model, TrainArgs(max_steps=1000))
        started = time.perf_counter()
        model.kebio.scorer.refresh(model.kebio.entity_embeddings.weight)
        refresh = time.perf_counter() - started
        step_fn, zero = (lambda: optimizers.step(model, 1.0)), (lambda: None)
    model.train()
    keys = {"input_ids", "attention_mask", "labels"} if mode == "bert" else None
    times = []
    for step in range(warmup + steps):
        batch = {k: v for k, v in batches[step % len(batches)].items() if keys is None or k in keys}
        started = time.perf_counter()
        model(**batch).loss.backward()
        step_fn()
        zero()
        if step >= warmup:
            times.append(time.perf_counter() - started)
    return {"step_seconds": statistics.median(times), "refresh_seconds": refresh}


def run(batches: Path, entities: int, mode: str, args: argparse.Namespace) -> tuple[float, float, float]:
    cmd = [sys.executable, __file__, "--worker", mode, "--entities", str(entities), "--batches", str(batches),
           "--steps", str(args.steps), "--warmup", str(args.warmup)]
    _, rss, stdout = measured(cmd)
    result = json.loads(stdout.strip().splitlines()[-1])
    return result["step_seconds"], rss, result["refresh_seconds"]


def plot(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    for mode, points in results.items():
        sizes = sorted(points)
        ax.plot(sizes, [points[n][0] * 1000 for n in sizes], marker="o", label=mode)
    ax.set_xscale("log")
    ax.set_xlabel("entities in the table")
    ax.set_ylabel("training step (ms)")
    ax.set_title("KeBioLM step time against entity-table size (small backbone, CPU)")
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)


def main() -> None:
    default_data = Path(os.environ.get("KEBIOKG_DATA", ROOT.parent / "shared" / "data"))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000,3000000")
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--plot", type=Path, default=ROOT / "docs" / "images" / "scale_step_time.png")
    parser.add_argument("--data", type=Path, default=default_data)
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--entities", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--batches", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.batches, args.entities, args.worker, args.steps, args.warmup)))
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    results: dict[str, dict[int, tuple[float, float, float]]] = {mode: {} for mode in MODES}
    with tempfile.TemporaryDirectory(prefix="kebiokg-bench-scale-") as name:
        batches = build_batches(Path(name), args.data, args.batch_size, args.max_length, args.steps + args.warmup)
        bert, bert_rss, _ = run(batches, 0, "bert", args)
        for entities in sizes:
            for mode in MODES:
                results[mode][entities] = run(batches, entities, mode, args)
                step, rss, refresh = results[mode][entities]
                print(f"{entities:>10,} {mode:<36} {step * 1000:>9.0f} ms {rss:>8,.0f} MiB "
                      f"{step / bert:>6.2f}x BERT  (candidate index build {refresh:.1f} s)", flush=True)
    print(f"\nBertForMaskedLM (same backbone): {bert * 1000:.0f} ms per step, peak RSS {bert_rss:,.0f} MiB")
    print(f"{'entities':>10} " + " ".join(f"{m:>36}" for m in MODES))
    for entities in sizes:
        cells = [f"{results[m][entities][0] * 1000:,.0f} ms / {results[m][entities][1]:,.0f} MiB" for m in MODES]
        print(f"{entities:>10,} " + " ".join(f"{c:>36}" for c in cells))
    plot(results, args.plot)
    print(f"plot: {args.plot}")


if __name__ == "__main__":
    main()
