"""Does the KB's knowledge reach the model? The controlled knowledge-injection experiment of
docs/knowledge.md, over seeds.

    python bench/bench_knowledge.py [--seeds 0,1,2] [--steps 300] [--concepts 5000] [--per-relation 8]
                                    [--repeats 40] [--curve 100,200] [--world DIR] [--device cuda] [--jobs 6]

A generated KB (`synth-umls`); its facts split per relation into `stated` (written into the corpus,
each `--repeats` times) and `kb_only` (never in the text, nor their inverse twins); TransE over the
whole KB (`embed-kb`, so the kb_only facts are in the entity table); per seed one random BERT (the
shared start), then plain MLM (whole-word masking; with `--objectives`, also whole-entity masking)
and KeBioLM (entity table from the TransE embeddings) on the same batches for the same steps; all
probed on the stated and the kb_only facts (`build-probe --fact-sets`). Prints Acc@1 / Acc@5 /
hit@50 and KeBioLM hit per side with 95% intervals over seeds (t distribution), and, with `--curve`, each model's
Acc@5 per side against steps (separate runs, each with its own full schedule), plotted with `--plot`.

`--world DIR` keeps the world (KB, corpus, tokenizer, TransE, probe) in DIR and reuses it when DIR
already holds one, so it can be made on one machine and trained on another; every run's result is
appended to DIR/results.jsonl as it finishes (`--report` prints the tables from that file alone).
Without `--world` everything is made in a temporary folder, removed afterwards.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_probe import interval, kebiokg, make_base  # noqa: E402

SIDES = ("stated", "kb_only")
MODELS = {"mlm": "plain MLM", "mlm-entity": "plain MLM, whole-entity masking", "kebiolm": "KeBioLM"}


def make_world(tmp: Path, concepts: int, per_relation: int, repeats: int, vocab_size: int, kge_epochs: int) -> dict:
    """KB, corpus, tokenizer, TransE embeddings and the two-sided probe in `tmp`; returns their sizes."""
    from kebiokg.kb import KnowledgeBase
    from kebiokg.synthetic_text import split_facts, world_documents

    kebiokg("synth-umls", str(tmp / "release"), "--concepts", str(concepts), "--seed", "0", "--quiet")
    kebiokg("load-umls", str(tmp / "release"), "--db", str(tmp / "kb.duckdb"), "--quiet")
    with KnowledgeBase(tmp / "kb.duckdb") as kb:
        world = split_facts(kb, per_relation=per_relation, seed=0)
    documents = world_documents(world, repeats, seed=0)
    (tmp / "corpus.txt").write_text("".join(d.text + "\n" for d in documents), encoding="utf-8")
    world.write_tsv(tmp / "facts.tsv")
    kebiokg("annotate", str(tmp / "corpus.txt"), "--db", str(tmp / "kb.duckdb"), "--out", str(tmp / "corpus.jsonl"),
            "--workers", "1", "--quiet")
    kebiokg("train-tokenizer", str(tmp / "corpus.jsonl"), "--out", str(tmp / "tokenizer"), "--vocab-size",
            str(vocab_size))
    began = time.perf_counter()
    from kebiokg.modeling_kebio import KebioConfig  # the entity table's width, which the KGE must have

    kebiokg("embed-kb", "--db", str(tmp / "kb.duckdb"), "--out", str(tmp / "kge"), "--dim",
            str(KebioConfig().entity_dim), "--epochs",
            str(kge_epochs), "--quiet")
    kge_seconds = time.perf_counter() - began
    kebiokg("build-probe", "--db", str(tmp / "kb.duckdb"), "--out", str(tmp / "probe.jsonl"), "--tokenizer",
            str(tmp / "tokenizer"), "--max-answer-tokens", "3", "--fact-sets", str(tmp / "facts.tsv"),
            "--min-triples", "1", "--quiet")
    shutil.rmtree(tmp / "release")  # the world travels without what the runs no longer read
    (tmp / "corpus.txt").unlink()
    queries = [json.loads(line) for line in (tmp / "probe.jsonl").read_text(encoding="utf-8").splitlines()]
    kge = json.loads((tmp / "kge" / "kge.json").read_text(encoding="utf-8"))
    return {"concepts": concepts, "per_relation": per_relation, "repeats": repeats,
            "stated_facts": len(world.stated), "kb_only_facts": len(world.kb_only), "documents": len(documents),
            "queries": {side: sum(q["split"] == side and not q["trivial"] for q in queries) for side in SIDES},
            "kge_test": kge.get("metrics", {}).get("test"), "kge_seconds": kge_seconds}


def world_in(folder: Path, args: argparse.Namespace) -> dict:
    """The world in `folder`, made there first unless it already holds one made with the same sizes."""
    recorded = folder / "world.json"
    wanted = {"concepts": args.concepts, "per_relation": args.per_relation, "repeats": args.repeats}
    if recorded.exists():
        world = json.loads(recorded.read_text(encoding="utf-8"))
        if any(world[k] != v for k, v in wanted.items()):
            raise SystemExit(f"{folder} holds a world made with {({k: world[k] for k in wanted})}, not {wanted}")
        return world
    folder.mkdir(parents=True, exist_ok=True)
    world = make_world(folder, args.concepts, args.per_relation, args.repeats, 4000, args.kge_epochs)
    recorded.write_text(json.dumps(world), encoding="utf-8")
    return world


def run_one(world: Path, runs: Path, objective: str, seed: int, steps: int, args: argparse.Namespace) -> list[dict]:
    """Train one model (`objective` from seed's base for `steps`) and probe it on both sides."""
    out = runs / f"{objective}-{seed}-{steps}"
    budget = ["--corpus", str(world / "corpus.jsonl"), "--base-model", str(runs / f"base-{seed}"),
              "--max-steps", str(steps), "--batch-size", str(args.batch_size), "--max-length", str(args.max_length),
              "--learning-rate", str(args.learning_rate), "--mlm-probability", str(args.mlm_probability),
              "--seed", str(seed), "--out", str(out), "--quiet"]
    device = ["--device", args.device] if args.device else []
    began = time.perf_counter()
    if objective in ("mlm", "mlm-entity"):
        kebiokg("pretrain", "--objective", objective, *budget, *device)
    else:
        kebiokg("pretrain", "--db", str(world / "kb.duckdb"), "--kge", str(world / "kge"), *budget, *device,
                "--save-steps", str(steps))
    seconds = time.perf_counter() - began
    rows = []
    for side in SIDES:
        report = out.with_name(out.name + f"-probe-{side}")
        kebiokg("probe", "--model", str(out), "--probe", str(world / "probe.jsonl"), "--split", side,
                "--max-tokens", "3", "--out", str(report), "--quiet", *device)
        scores = json.loads((report / "report.json").read_text(encoding="utf-8"))[out.name]["non_trivial"]
        rows.append({"objective": objective, "seed": seed, "steps": steps, "side": side, "train_seconds": seconds,
                     "batch_size": args.batch_size, "max_length": args.max_length,
                     "learning_rate": args.learning_rate, "dropout": args.dropout,
                     "mlm_probability": args.mlm_probability,
                     **{k: scores[k] for k in ("acc1", "acc5", "hit50", "kebiolm_hit")}})
    return rows


def report(world: dict, rows: list[dict], steps: int, plot: Path | None) -> None:
    """The decisive table at `steps`, and Acc@5 against steps where several budgets ran."""
    print(f"world: {world['stated_facts']} stated and {world['kb_only_facts']} KB-only facts, each stated fact "
          f"{world['repeats']} times; non-trivial probe queries {world['queries']}; "
          f"TransE over the whole KB: test filtered {world['kge_test']}")
    main = [r for r in rows if r["steps"] == steps]
    seeds = sorted({r["seed"] for r in main})
    print(f"\nat {steps} steps, seeds {seeds} (mean ± 95% interval, t distribution):")
    print("| model | facts | Acc@1 | Acc@5 | hit@50 | KeBioLM hit |")
    print("|---|---|---:|---:|---:|---:|")
    for objective, label in MODELS.items():
        for side in SIDES:
            runs = [r for r in main if r["objective"] == objective and r["side"] == side]
            if runs:
                print(f"| {label} | {side} | " + " | ".join(  # results from before KeBioLM's hit: "-"
                    interval([r[k] for r in runs]) if all(k in r for r in runs) else "-"
                    for k in ("acc1", "acc5", "hit50", "kebiolm_hit")) + " |")
    budgets = sorted({r["steps"] for r in rows})
    if len(budgets) < 2:
        return
    print("\nAcc@5 (non-trivial) against steps, each budget its own run:")
    print("| model | facts | " + " | ".join(str(b) for b in budgets) + " |")
    print("|---|---|" + "---:|" * len(budgets))
    curves = {}
    for objective, label in MODELS.items():
        for side in SIDES:
            cells, points = [], []
            for budget in budgets:
                values = [r["acc5"] for r in rows
                          if (r["objective"], r["side"], r["steps"]) == (objective, side, budget)]
                cells.append(interval(values) if values else "")
                if values:
                    points.append((budget, sum(values) / len(values)))
            curves[f"{label}, {side}"] = points
            print(f"| {label} | {side} | " + " | ".join(cells) + " |")
    if plot:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        figure, axes = plt.subplots(figsize=(6, 4))
        for name, points in curves.items():
            axes.plot([p[0] for p in points], [p[1] for p in points], marker="o",
                      linestyle="-" if "stated" in name else "--", label=name)
        axes.set_xscale("log")
        axes.set_xlabel("pretraining steps")
        axes.set_ylabel("Acc@5, non-trivial queries (mean over seeds)")
        axes.axhline(0.3, color="grey", linewidth=0.5)
        axes.legend()
        figure.tight_layout()
        figure.savefig(plot, dpi=120)
        print(f"plot: {plot}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--steps", type=int, default=300, help="the budget the decisive table is read at")
    parser.add_argument("--concepts", type=int, default=5000)
    parser.add_argument("--per-relation", type=int, default=8, help="facts per relation and side")
    parser.add_argument("--repeats", type=int, default=40, help="times each stated fact is written")
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--learning-rate", type=float, default=5e-4)
    parser.add_argument("--dropout", type=float, default=0.1, help="of the shared random start (0: memorisation)")
    parser.add_argument("--mlm-probability", type=float, default=0.15, help="share of the tokens masked")
    parser.add_argument("--kge-epochs", type=int, default=50)
    parser.add_argument("--curve", default="", help="more budgets (steps) both models are trained and probed at")
    parser.add_argument("--world", type=Path, help="keep (or reuse) the world here; results.jsonl beside it")
    parser.add_argument("--prepare-only", action="store_true", help="make the world in --world and stop")
    parser.add_argument("--report", action="store_true", help="print the tables from --world's results.jsonl")
    parser.add_argument("--plot", type=Path, help="Acc@5 against steps as a PNG (with --curve)")
    parser.add_argument("--device", default=None, help="cpu, cuda ... [default: cuda when present]")
    parser.add_argument("--jobs", type=int, default=1, help="runs trained and probed at once")
    parser.add_argument("--objectives", default="mlm,kebiolm",
                        help="the models compared: mlm (whole-word masking), mlm-entity, kebiolm")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    budgets = [args.steps] + [int(s) for s in args.curve.split(",") if s and int(s) != args.steps]
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="kebiokg-bench-knowledge-") as name:
        folder = args.world or Path(name)
        world = world_in(folder, args)
        if args.prepare_only:
            print(json.dumps(world))
            return
        results = folder / "results.jsonl"
        if args.report:
            report(world, [json.loads(line) for line in results.read_text(encoding="utf-8").splitlines()],
                   args.steps, args.plot)
            return
        runs = Path(tempfile.mkdtemp(prefix="runs-", dir=folder))
        for seed in seeds:
            make_base(folder / "tokenizer", runs / f"base-{seed}", args.hidden, args.layers, seed, args.dropout)
        lock, rows = threading.Lock(), []

        def job(objective: str, seed: int, steps: int) -> None:
            found = run_one(folder, runs, objective, seed, steps, args)
            with lock, results.open("a", encoding="utf-8") as sink:
                sink.write("".join(json.dumps(r) + "\n" for r in found))
                rows.extend(found)
            print(f"{MODELS[objective]}, seed {seed}, {steps} steps ({found[0]['train_seconds']:.0f} s): "
                  + ", ".join(f"{r['side']} Acc@5 {r['acc5']:.3f}" for r in found), flush=True)

        objectives = args.objectives.split(",")
        order = [(o, s, b) for b in budgets for s in seeds for o in objectives]  # the decisive budget first
        with ThreadPoolExecutor(args.jobs) as pool:
            for future in [pool.submit(job, *spec) for spec in order]:
                future.result()
        print(f"\n{args.layers} layers x {args.hidden} wide from one random BERT per seed, batches of "
              f"{args.batch_size} x {args.max_length} tokens, learning rate {args.learning_rate}, dropout "
              f"{args.dropout}, masking {args.mlm_probability}; "
              f"{(time.perf_counter() - started) / 60:.1f} min")
        report(world, rows, args.steps, args.plot)


if __name__ == "__main__":
    main()
