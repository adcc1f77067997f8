"""Benchmark embed-kb: one epoch at UMLS scale, and link-prediction quality next to PyKEEN's TransE.

    python bench/bench_kge.py --scale 0.1                 # ~340K concepts, ~5.6M triples (default)
    python bench/bench_kge.py --scale 1.0                 # ~3.4M concepts, ~56M triples (~15 GB of disk)
    python bench/bench_kge.py --scale 0 --clusters 100    # the quality part only
    python bench/bench_kge.py --db KB --clusters 0        # the epoch on a KB already loaded

Scale part: generate and load a synthetic release (its relations are drawn at random, so only the
cost is measured there), run `kebiokg embed-kb --epochs 1` in its own process for each --threads
value (epoch seconds, triples/s, the whole command's wall time and peak RSS), and time a bare numpy
pass over the same triples (gather the head, relation and tail rows, compute the TransE distance)
as the floor an epoch is compared with. The temporary folder is removed afterwards.

Quality part: a KB with structure (clusters of 20 concepts: `isa` the cluster's first concept,
`associated_with` the next one, `may_treat` the same place in the next cluster, each with its
inverse), kebiokg's TransE against PyKEEN's TransE (same split, dimension, L2 distance, negatives and epochs;
the loss as PYKEEN_CONFIGS says) and random vectors, all ranked by kebiokg's evaluator and PyKEEN's
by its own too.
PyKEEN is optional (`pip install pykeen torch==2.13.0`, torch pinned): without it that row is skipped.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from common import kebiokg, measured

from kebiokg.kb import KnowledgeBase
from kebiokg.kge.data import KgeData, prepare_data
from kebiokg.kge.evaluate import evaluate
from kebiokg.kge.models import TransE
from kebiokg.kge.options import EmbedOptions
from kebiokg.kge.train import embed_kb
from kebiokg.kge.triples import read_triples
from kebiokg.umls_loader.load import load_umls
from kebiokg.umls_loader.synth import clustered_release_rows

FULL_CONCEPTS = 3_400_000
BYTES_PER_CONCEPT = 4_500  # release + KB + embed-kb output, at their peak together
SIZE = 20  # concepts per cluster of the structured KB


def bare_numpy_pass(db: Path, dim: int, batch: int, seed: int) -> tuple[float, int]:
    """Seconds to visit every triple once in a shuffled order, gathering rows and computing ||h + r - t||."""
    with KnowledgeBase(db) as kb:
        kb_triples = read_triples(kb)
    triples = kb_triples.codec.decode(kb_triples.keys)
    rng = np.random.default_rng(seed)
    entities = rng.standard_normal((kb_triples.codec.entity_count, dim), dtype=np.float32)
    relations = rng.standard_normal((len(kb_triples.labels), dim), dtype=np.float32)
    started = time.perf_counter()
    order = rng.permutation(len(triples))
    for start in range(0, len(order), batch):
        rows = triples[order[start:start + batch]]
        np.linalg.norm(entities[rows[:, 0]] + relations[rows[:, 1]] - entities[rows[:, 2]], axis=1)
    return time.perf_counter() - started, len(triples)


def scale_part(args: argparse.Namespace, work: Path) -> None:
    db = args.db
    if db is None:
        concepts = int(FULL_CONCEPTS * args.scale)
        release, db = work / "release", work / "kb.duckdb"
        wall, _, _ = measured(kebiokg("synth-umls", str(release), "--concepts", str(concepts), "--quiet"))
        print(f"generated {concepts:,} concepts in {wall:.0f} s")
        wall, rss, _ = measured(kebiokg("load-umls", str(release), "--db", str(db), "--quiet"))
        print(f"loaded in {wall:.0f} s (peak RSS {rss:,.0f} MiB)")
        shutil.rmtree(release)
    bare, triples = bare_numpy_pass(db, args.dim, args.batch_size, args.seed)
    print(f"bare numpy pass over {triples:,} triples (batches of {args.batch_size:,}, {args.dim} dimensions): "
          f"{bare:.1f} s, {triples / bare:,.0f} triples/s")
    print(f"\n{'threads':>7} {'epoch s':>8} {'triples/s':>10} {'x bare':>7} {'read+split s':>12} {'valid s':>8} "
          f"{'test s':>7} {'command s':>10} {'peak RSS MiB':>13}")
    for threads in args.threads:
        out = work / f"kge-{threads}"
        wall, rss, stdout = measured(kebiokg(
            "embed-kb", "--db", str(db), "--out", str(out), "--epochs", "1", "--dim", str(args.dim),
            "--batch-size", str(args.batch_size), "--eval-triples", str(args.eval_triples), "--threads", str(threads),
            "--device", "cpu", "--quiet", "--json"))
        report = json.loads(stdout)
        epoch, train = report["timing"]["epochs"][0], report["split"]["train"]
        print(f"{threads:>7} {epoch:>8.1f} {train / epoch:>10,.0f} {epoch / (bare * train / triples):>7.1f} "
              f"{report['timing']['prepare_data']:>12.1f} {report['timing']['validations'][0]:>8.1f} "
              f"{report['timing']['test']:>7.1f} {wall:>10.1f} {rss:>13,.0f}")
        shutil.rmtree(out)
    print(f"(x bare: epoch time over the bare pass's time for as many triples; valid and test rank "
          f"{args.eval_triples:,} triples each way against all {report['entity_count']:,} entities)")


def structured_release(root: Path, clusters: int) -> Path:
    """The structured release described in the module docstring (`clustered_release_rows`)."""
    meta = root / "META"
    meta.mkdir(parents=True)
    rows = {
        **clustered_release_rows(clusters, SIZE),
        "MRSAB": ["C1|C1|NCI_2024|NCI|National Cancer Institute Thesaurus|NCI|2024|||||||0||||||ENG|UTF-8|Y|Y|NCI|c|"],
        "MRRANK": ["0300|NCI|PT|N|"],
    }
    for stem, lines in rows.items():
        (meta / f"{stem}.RRF").write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return root


def metric_row(name: str, seconds: float | None, metrics: dict) -> str:
    both = metrics["both"]
    time_text = f"{seconds:>8.1f}" if seconds is not None else f"{'':>8}"
    return (f"{name:<38} {time_text} {both['mrr']:>6.3f} {both['hits@1']:>7.3f} {both['hits@3']:>7.3f} "
            f"{both['hits@10']:>8.3f}")


# PyKEEN's TransE keeps entities on the unit sphere, so kebiokg's margin (9) saturates its loss: it is
# run with the self-adversarial loss at the margin that suits it (1, the best of 1, 3, 9 here) and with
# its default margin ranking loss (one negative per positive).
PYKEEN_CONFIGS = {
    "self-adversarial, margin 1": {"loss": "NSSALoss", "loss_kwargs": {"margin": 1.0, "adversarial_temperature": 1.0}},
    "margin ranking (its default)": {"loss": "MarginRankingLoss", "loss_kwargs": {"margin": 1.0},
                                     "negative_sampler_kwargs": {"num_negs_per_pos": 1}},
}


def pykeen_transe(data: KgeData, options: EmbedOptions, epochs: int, config: dict
                  ) -> tuple[float, dict, TransE] | str:
    """PyKEEN's TransE on kebiokg's split: (seconds, its own filtered realistic metrics, its vectors), or why not."""
    try:
        from pykeen.pipeline import pipeline
        from pykeen.triples import CoreTriplesFactory
    except ImportError as exc:
        return f"PyKEEN is not importable ({exc}); pip install pykeen torch==2.13.0 to add it"
    logging.getLogger("pykeen").setLevel(logging.ERROR)
    logging.getLogger("torch_max_mem").setLevel(logging.ERROR)

    def factory(triples: np.ndarray) -> CoreTriplesFactory:
        return CoreTriplesFactory.create(mapped_triples=torch.as_tensor(triples, dtype=torch.long),
                                         num_entities=data.entity_count, num_relations=len(data.labels))

    started = time.perf_counter()
    settings = {
        "model": "TransE", "model_kwargs": {"embedding_dim": options.dim, "scoring_fct_norm": 2},
        "negative_sampler": "basic", "negative_sampler_kwargs": {"num_negs_per_pos": options.negatives},
        "optimizer": "Adam", "optimizer_kwargs": {"lr": 0.01},
        "training_kwargs": {"num_epochs": epochs, "batch_size": options.batch_size, "use_tqdm": False},
        "evaluation_kwargs": {"additional_filter_triples": [factory(data.train).mapped_triples,
                                                            factory(data.valid).mapped_triples],
                              "batch_size": 256, "use_tqdm": False},
        "random_seed": options.seed, "device": "cpu", **config}
    result = pipeline(training=factory(data.train), validation=factory(data.valid), testing=factory(data.test),
                      **settings)
    seconds = time.perf_counter() - started
    own = {"both": {"mrr": result.get_metric("both.realistic.inverse_harmonic_mean_rank"),
                    **{f"hits@{k}": result.get_metric(f"both.realistic.hits_at_{k}") for k in (1, 3, 10)}}}
    model = result.model
    vectors = TransE(model.entity_representations[0](indices=None).detach(),
                     model.relation_representations[0](indices=None).detach())
    return seconds, own, vectors


def quality_part(args: argparse.Namespace, work: Path) -> None:
    release = structured_release(work / "structured", args.clusters)
    db = work / "structured.duckdb"
    load_umls(release, db)
    options = EmbedOptions(dim=64, epochs=args.quality_epochs, batch_size=1024, valid_fraction=0.1,
                           test_fraction=0.1, eval_triples=2000, eval_every=10, patience=3, seed=args.seed)
    with KnowledgeBase(db) as kb:
        ours = embed_kb(kb, work / "kge-structured", options, threads=args.threads[0])
        data = prepare_data(kb, options.seed, options.valid_fraction, options.test_fraction, options.eval_triples)
    assert data.split_sizes() == ours["split"]
    split = ours["split"]
    print(f"\nquality on a structured KB: {data.entity_count:,} concepts, {len(data.labels)} relation labels, "
          f"train {split['train']:,} / valid {split['valid']:,} / test {split['test']:,} triples "
          f"({split['test_evaluated']:,} test triples ranked both ways, filtered, ties as the mean rank)")
    print(f"{'':<38} {'seconds':>8} {'MRR':>6} {'Hits@1':>7} {'Hits@3':>7} {'Hits@10':>8}")
    print(metric_row(f"kebiokg TransE ({ours['epochs_run']} epochs, best {ours['best_epoch']})", ours["seconds"],
                     ours["metrics"]["test"]))
    for name, config in PYKEEN_CONFIGS.items():
        peer = pykeen_transe(data, options, ours["epochs_run"], config)
        if isinstance(peer, str):
            print(f"PyKEEN peer skipped: {peer}")
            break
        seconds, own, vectors = peer
        print(f"PyKEEN TransE, {name}, {ours['epochs_run']} epochs:")
        print(metric_row("  its evaluator", seconds, own))
        print(metric_row("  kebiokg's evaluator on its vectors", None, evaluate(vectors, data.test_eval)))
    generator = torch.Generator().manual_seed(args.seed)
    random = TransE(torch.randn(data.entity_count, options.dim, generator=generator),
                    torch.randn(len(data.labels), options.dim, generator=generator))
    print(metric_row("random vectors", None, evaluate(random, data.test_eval)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=0.1, help="fraction of full UMLS; 0 skips the scale part")
    parser.add_argument("--threads", default="1,2", help="comma-separated torch thread counts to time an epoch with")
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--batch-size", type=int, default=32_768)
    parser.add_argument("--eval-triples", type=int, default=1000)
    parser.add_argument("--clusters", type=int, default=100, help="structured KB size (x 20 concepts); 0 skips it")
    parser.add_argument("--quality-epochs", type=int, default=50)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--db", type=Path, default=None,
                        help="time the epoch on this loaded KB instead of generating one (--scale is then ignored)")
    args = parser.parse_args()
    args.threads = [int(t) for t in args.threads.split(",")]
    base = args.workdir or Path(tempfile.gettempdir())
    need = BYTES_PER_CONCEPT * int(FULL_CONCEPTS * args.scale) if args.db is None else 0
    if shutil.disk_usage(base).free < need:
        raise SystemExit(f"not enough free disk in {base} ({need / 1e9:.0f} GB needed)")
    print(f"cores {os.cpu_count()}, python {sys.version.split()[0]}, torch {torch.__version__}, "
          f"load average {os.getloadavg()[0]:.1f}, date {time.strftime('%Y-%m-%d')}")
    work = Path(tempfile.mkdtemp(prefix="kebiokg-kge-bench-", dir=base))
    try:
        if args.scale > 0 or args.db:
            scale_part(args, work)
        if args.clusters > 0:
            torch.set_num_threads(args.threads[0])
            quality_part(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
