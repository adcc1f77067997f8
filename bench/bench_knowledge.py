"""Does the KB's knowledge reach the model? The controlled knowledge-injection experiment of
docs/knowledge.md, over seeds.

    python bench/bench_knowledge.py [--seeds 0,1,2] [--steps 300] [--concepts 5000] [--per-relation 8]
                                    [--repeats 40] [--curve 100,200,300]

A generated KB (`synth-umls`); its facts split per relation into `stated` (written into the corpus,
each `--repeats` times) and `kb_only` (never in the text, nor their inverse twins); TransE over the
whole KB (`embed-kb`, so the kb_only facts are in the entity table); per seed one random BERT (the
shared start), then plain MLM and KeBioLM (entity table from the TransE embeddings) on the same
batches for the same steps; both probed on the stated and the kb_only facts (`build-probe
--fact-sets`). Prints Acc@1 / Acc@5 / hit@50 per side with 95% intervals over seeds (t
distribution), and, with `--curve`, the plain model's Acc@5 on stated facts against steps.
Everything is made in a temporary folder, removed afterwards.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_probe import interval, kebiokg, make_base  # noqa: E402

SIDES = ("stated", "kb_only")


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
    queries = [json.loads(line) for line in (tmp / "probe.jsonl").read_text(encoding="utf-8").splitlines()]
    kge = json.loads((tmp / "kge" / "kge.json").read_text(encoding="utf-8"))
    return {"stated_facts": len(world.stated), "kb_only_facts": len(world.kb_only), "documents": len(documents),
            "queries": {side: sum(q["split"] == side for q in queries) for side in SIDES},
            "kge_test": kge.get("metrics", {}).get("test"), "kge_seconds": kge_seconds}


def probe(models: list[Path], tmp: Path, side: str, out: Path) -> dict:
    args = [a for m in models for a in ("--model", str(m))]
    kebiokg("probe", *args, "--probe", str(tmp / "probe.jsonl"), "--split", side, "--max-tokens", "3",
            "--out", str(out), "--quiet")
    return json.loads((out / "report.json").read_text(encoding="utf-8"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--concepts", type=int, default=5000)
    parser.add_argument("--per-relation", type=int, default=8, help="facts per relation and side")
    parser.add_argument("--repeats", type=int, default=40, help="times each stated fact is written")
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--learning-rate", type=float, default=5e-4)
    parser.add_argument("--kge-epochs", type=int, default=50)
    parser.add_argument("--curve", default="", help="steps at which the plain model is probed on stated facts")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    curve_steps = [int(s) for s in args.curve.split(",") if s]
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="kebiokg-bench-knowledge-") as name:
        tmp = Path(name)
        world = make_world(tmp, args.concepts, args.per_relation, args.repeats, 4000, args.kge_epochs)
        print(json.dumps(world), flush=True)
        results: dict[str, dict[str, list[dict]]] = {m: {s: [] for s in SIDES} for m in ("plain MLM", "KeBioLM")}
        curve: dict[int, list[float]] = {s: [] for s in curve_steps}
        for seed in seeds:
            base = tmp / f"base-{seed}"
            make_base(tmp / "tokenizer", base, args.hidden, args.layers, seed)
            budget = ["--corpus", str(tmp / "corpus.jsonl"), "--base-model", str(base), "--max-steps", str(args.steps),
                      "--batch-size", str(args.batch_size), "--max-length", str(args.max_length),
                      "--learning-rate", str(args.learning_rate), "--seed", str(seed), "--quiet"]
            plain, knowledge = tmp / f"plain-{seed}", tmp / f"kebiolm-{seed}"
            kebiokg("pretrain", "--objective", "mlm", *budget, "--out", str(plain))
            kebiokg("pretrain", "--db", str(tmp / "kb.duckdb"), "--kge", str(tmp / "kge"), *budget,
                    "--save-steps", str(args.steps), "--out", str(knowledge))
            for side in SIDES:
                report = probe([plain, knowledge], tmp, side, tmp / f"report-{seed}-{side}")
                results["plain MLM"][side].append(report[plain.name]["non_trivial"])
                results["KeBioLM"][side].append(report[knowledge.name]["non_trivial"])
            print(f"seed {seed}: " + ", ".join(
                f"{m} {s} Acc@5 {results[m][s][-1]['acc5']:.3f}" for m in results for s in SIDES), flush=True)
            for steps in curve_steps:
                out = tmp / f"curve-{seed}-{steps}"
                kebiokg("pretrain", "--objective", "mlm", *budget[:-1], "--max-steps", str(steps), "--out", str(out),
                        "--quiet")
                curve[steps].append(probe([out], tmp, "stated", tmp / f"curve-report-{seed}-{steps}")[out.name]
                                    ["non_trivial"]["acc5"])
    print(f"\n{args.layers} layers x {args.hidden} wide from one random BERT per seed, {args.steps} steps of "
          f"{args.batch_size} x {args.max_length} tokens; {world['stated_facts']} stated and "
          f"{world['kb_only_facts']} KB-only facts, each stated fact {args.repeats} times; probe (non-trivial): "
          f"{world['queries']}; seeds {seeds}; {(time.perf_counter() - started) / 60:.1f} min")
    print(f"TransE over the whole KB: test filtered {world['kge_test']} ({world['kge_seconds']:.0f} s)")
    print("| model | facts | Acc@1 | Acc@5 | hit@50 |")
    print("|---|---|---:|---:|---:|")
    for model, sides in results.items():
        for side, runs in sides.items():
            cells = [interval([r[k] for r in runs]) for k in ("acc1", "acc5", "hit50")]
            print(f"| {model} | {side} | " + " | ".join(cells) + " |")
    if curve_steps:
        print("\nplain MLM, Acc@5 on stated facts against steps: "
              + ", ".join(f"{s}: {interval(v)}" for s, v in curve.items()))


if __name__ == "__main__":
    main()
