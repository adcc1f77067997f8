"""`kebiokg demo`: the whole journey, RRF to fine-tuned model, each step as the command a user would type.

Every step runs the real command in this process and prints it first (`$ kebiokg ...`), so the
demo doubles as a tour. The report (report.md, report.json and the plots) lands in --out.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import click

from kebiokg.errors import KebiokgError

from .format import table
from .options import quiet_option, seed_option


@dataclass(frozen=True)
class DemoSize:
    concepts: int
    facts_per_relation: int  # facts per relation and side (stated, KB-only) in the generated world
    repeats: int  # times the pretraining text states each stated fact
    kge_epochs: int
    ner_documents: int  # generated tagged abstracts, split 60/20/20
    hidden: int
    layers: int
    pretrain_steps: int
    finetune_steps: int
    max_length: int
    probe_queries: int
    vocab_size: int


SIZES = {
    "full": DemoSize(concepts=20_000, facts_per_relation=8, repeats=40, kge_epochs=20, ner_documents=600, hidden=128,
                     layers=4, pretrain_steps=300, finetune_steps=150, max_length=128, probe_queries=400,
                     vocab_size=6_000),
    "small": DemoSize(concepts=1_000, facts_per_relation=2, repeats=5, kge_epochs=2, ner_documents=100, hidden=64,
                      layers=2, pretrain_steps=20, finetune_steps=20, max_length=64, probe_queries=40,
                      vocab_size=1_500),
}
NER_TYPES = ("CHEM", "DISO", "GENE", "ANAT")
FACT_SETS = ("stated", "kb_only")


def _swap_letters(name: str) -> str:
    """A typo: two neighbouring letters swapped in the middle of the name's longest word."""
    word = max(name.split(), key=len)
    middle = len(word) // 2
    typo = word[:middle - 1] + word[middle] + word[middle - 1] + word[middle + 1:]
    return name.replace(word, typo, 1)


class Journey:
    """Runs commands in-process, printing each as typed; times the steps."""

    def __init__(self, quiet: bool) -> None:
        from kebiokg.cli.main import main

        self.cli, self.quiet = main, quiet
        self.timings: list[tuple[str, float]] = []

    def step(self, title: str, *args: object, quiet_flag: bool = True) -> None:
        words = [str(a) for a in args]
        if quiet_flag and self.quiet:
            words.append("--quiet")
        shown = " ".join(f"'{w}'" if " " in w else w for w in words)
        click.echo(f"\n## {title}\n$ kebiokg {shown}")
        started = time.perf_counter()
        self.cli.main(args=words, prog_name="kebiokg", standalone_mode=False)
        self.timings.append((title, time.perf_counter() - started))

    def note(self, title: str, seconds: float) -> None:
        self.timings.append((title, seconds))


def _pick_query(db: Path) -> tuple[str, str]:
    """A concept with a plain multi-word name and a handful of relations, and a typo of its name."""
    from kebiokg.graph import KnowledgeGraph
    from kebiokg.kb import KnowledgeBase

    with KnowledgeBase(db) as kb:
        graph = KnowledgeGraph(kb)
        for start in range(0, kb.concept_count, 1000):
            for concept in kb.concepts_by_id(list(range(start, start + 1000))).values():
                if (re.fullmatch(r"[A-Za-z ,'-]{12,}", concept.preferred_name)
                        and 3 <= len(graph.neighbors(concept.cui)) <= 12):
                    return concept.cui, _swap_letters(concept.preferred_name)
    raise KebiokgError(f"{db}: no concept with relations and a plain name to query")


def _write_ner_splits(documents: list, folder: Path, seed: int) -> dict[str, Path]:
    """Tagged documents shuffled and split 60/20/20 into train/dev/test JSONL."""
    from kebiokg.documents import write_jsonl

    if len(documents) < 5:
        raise KebiokgError(f"only {len(documents)} tagged documents: too few to split for fine-tuning")
    documents = list(documents)
    random.Random(seed).shuffle(documents)
    cut1, cut2 = int(0.6 * len(documents)), int(0.8 * len(documents))
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for split, part in (("train", documents[:cut1]), ("dev", documents[cut1:cut2]), ("test", documents[cut2:])):
        paths[split] = folder / f"{split}.jsonl"
        write_jsonl(part, paths[split])
    return paths


@click.command("demo")
@click.option("--out", "out_dir", default="demo-out", show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="Folder for everything the demo makes.")
@click.option("--small", is_flag=True, help="A CI-size journey (under two minutes): tiny release, model and budgets.")
@click.option("--meta", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Your UMLS release (its root or META/) instead of the generated one.")
@click.option("--corpus", "corpus_paths", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="Your texts (PubMed XML, PubTator, JSONL or plain text; repeatable) instead of generated ones.")
@click.option("--concepts", type=click.IntRange(min=100), default=None,
              help="Size of the generated release [default: 20,000; --small: 1,000].")
@click.option("--steps", type=click.IntRange(min=1), default=None,
              help="Pretraining steps per model [default: 300; --small: 20].")
@seed_option(0, "Seed of the generated release, texts and models.")
@quiet_option()
def demo_command(out_dir: Path, small: bool, meta: Path | None, corpus_paths: tuple[Path, ...],
                 concepts: int | None, steps: int | None, seed: int, quiet: bool) -> None:
    """Run the whole journey: release -> KB -> index -> nearest -> annotate -> pretrain KeBioLM and a
    plain-MLM baseline -> probe both -> fine-tune both for NER -> report (OUT/report.md)."""
    from kebiokg.cli.model import quiet_transformers

    size = SIZES["small" if small else "full"]
    concepts = concepts or size.concepts
    steps = steps or size.pretrain_steps
    started = time.perf_counter()
    quiet_transformers(quiet)
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in ("kebiolm", "plain-mlm", "base", "kge", "probe-report", "probe-stated", "probe-kb_only",
                  "ner-kebiolm", "ner-plain-mlm", "corpus"):
        shutil.rmtree(out_dir / stale, ignore_errors=True)
    journey = Journey(quiet)
    db, index = out_dir / "kb.duckdb", out_dir / "index"

    if meta is None:
        meta = out_dir / "release"
        shutil.rmtree(meta, ignore_errors=True)
        journey.step(f"Generate a synthetic UMLS release ({concepts:,} concepts)", "synth-umls", meta,
                     "--concepts", concepts, "--seed", seed)
    journey.step("Load it into a DuckDB knowledge base", "load-umls", meta, "--db", db, "--force")
    journey.step("Index every name for nearest-entity search", "build-index", "--db", db, "--out", index)
    cui, typo = _pick_query(db)
    journey.step("Search the index with a misspelt name", "nearest", typo, "--db", db, "--index", index, "-k", 5,
                 quiet_flag=False)
    journey.step("Read the concept's neighbourhood in the graph", "neighbors", cui, "--db", db, quiet_flag=False)

    corpus_dir = out_dir / "corpus"
    corpus_dir.mkdir()
    ner_documents = None
    facts = None
    if not corpus_paths:  # the knowledge-injection world: stated facts in the text, KB-only ones never
        from kebiokg.kb import KnowledgeBase
        from kebiokg.synthetic_text import generate_documents, split_facts, world_documents

        began = time.perf_counter()
        with KnowledgeBase(db) as kb:
            world = split_facts(kb, per_relation=size.facts_per_relation, seed=seed)
            texts = world_documents(world, size.repeats, seed=seed)
            ner_documents = generate_documents(kb, size.ner_documents, seed=seed + 1, prefix="ner")
        (corpus_dir / "abstracts.txt").write_text("".join(d.text + "\n" for d in texts), encoding="utf-8")
        facts = corpus_dir / "facts.tsv"
        world.write_tsv(facts)
        corpus_paths = (corpus_dir / "abstracts.txt",)
        click.echo(f"\n## Split the KB's facts: {len(world.stated):,} stated in {len(texts):,} abstracts "
                   f"({size.repeats} times each), {len(world.kb_only):,} KB-only (never in the text) -> {facts}; "
                   f"{len(ner_documents):,} tagged abstracts for NER")
        journey.note("Generate texts", time.perf_counter() - began)
    annotated = corpus_dir / "annotated.jsonl"
    journey.step("Find and link every KB name in the texts", "annotate", *corpus_paths, "--db", db,
                 "--out", annotated, "--workers", 1)
    if ner_documents is None:  # the user's texts: silver tags from the annotation, typed by semantic group
        from kebiokg.documents import read_tagged

        ner_documents = [d for d in read_tagged(annotated, "jsonl", list(NER_TYPES)) if d.spans]
    ner = _write_ner_splits(ner_documents, corpus_dir / "ner", seed)

    tokenizer_dir, base = out_dir / "tokenizer", out_dir / "base"
    journey.step("Train a WordPiece tokenizer on the corpus", "train-tokenizer", annotated, "--out", tokenizer_dir,
                 "--vocab-size", size.vocab_size, quiet_flag=False)
    began = time.perf_counter()
    from transformers import AutoTokenizer

    from kebiokg.modeling_kebio import KebioConfig  # the entity table's width, which the KGE must have
    from kebiokg.pretraining.baseline import random_bert

    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
    random_bert(tokenizer, size.hidden, size.layers, seed, max_positions=max(128, size.max_length)).save_pretrained(
        base)
    tokenizer.save_pretrained(base)
    click.echo(f"\n## One random {size.layers}-layer, {size.hidden}-wide BERT -> {base}: the shared start")
    journey.note("Random BERT", time.perf_counter() - began)
    budget = ["--corpus", annotated, "--base-model", base, "--max-steps", steps, "--batch-size", 16,
              "--max-length", size.max_length, "--learning-rate", "5e-4", "--seed", seed, "--log-steps",
              max(1, steps // 20)]
    journey.step("Pretrain the plain-MLM baseline", "pretrain", "--objective", "mlm", *budget,
                 "--out", out_dir / "plain-mlm")
    journey.step("Embed the KB's relations (TransE) for KeBioLM's entity table", "embed-kb", "--db", db,
                 "--out", out_dir / "kge", "--dim", KebioConfig().entity_dim, "--epochs", size.kge_epochs,
                 "--seed", seed)
    journey.step("Pretrain KeBioLM (whole-entity MLM + detection + linking)", "pretrain", "--db", db, *budget,
                 "--kge", out_dir / "kge", "--save-steps", steps, "--out", out_dir / "kebiolm")

    probe = out_dir / "probe.jsonl"
    models = ["--model", out_dir / "plain-mlm", "--model", out_dir / "kebiolm"]
    if facts is not None:
        journey.step("Build knowledge probes from the stated and the KB-only facts", "build-probe", "--db", db,
                     "--out", probe, "--tokenizer", tokenizer_dir, "--max-answer-tokens", 3, "--fact-sets", facts,
                     "--min-triples", 1)
        for side in FACT_SETS:
            journey.step(f"Probe both models on the {side.replace('_', '-')} facts", "probe", *models, "--probe", probe,
                         "--split", side, "--out", out_dir / f"probe-{side}")
    else:
        journey.step("Build knowledge probes from the KB's relations", "build-probe", "--db", db, "--out", probe,
                     "--tokenizer", tokenizer_dir, "--max-answer-tokens", 3)
        journey.step("Probe both models", "probe", *models, "--probe", probe, "--split", "all", "--limit",
                     size.probe_queries, "--out", out_dir / "probe-report")
    for name in ("plain-mlm", "kebiolm"):
        journey.step(f"Fine-tune {name} for NER", "finetune", "ner", "--model", out_dir / name,
                     "--train", ner["train"], "--dev", ner["dev"], "--test", ner["test"],
                     "--out", out_dir / f"ner-{name}", "--max-steps", size.finetune_steps,
                     "--eval-steps", max(1, size.finetune_steps // 3), "--learning-rate", "1e-3",
                     "--max-length", size.max_length, "--seed", seed)
    report = write_report(out_dir, journey.timings, time.perf_counter() - started)
    click.echo("\n" + report)


def _probe_reports(out: Path) -> dict[str, dict]:
    """Each probe report of the run by its fact set ("stated", "kb_only"), or "all" without a world."""
    found = {side: out / f"probe-{side}" / "report.json" for side in FACT_SETS}
    if not all(path.is_file() for path in found.values()):
        found = {"all": out / "probe-report" / "report.json"}
    return {side: json.loads(path.read_text(encoding="utf-8")) for side, path in found.items()}


def write_report(out: Path, timings: list[tuple[str, float]], total: float) -> str:
    """report.md and report.json in `out` from the runs' own result files; returns the markdown."""
    probes = _probe_reports(out)
    models = {"plain-mlm": "plain MLM", "kebiolm": "KeBioLM"}
    summary: dict = {"seconds": round(total, 1), "steps": {title: round(s, 1) for title, s in timings}, "models": {}}
    rows_probe, rows_ner, rows_pretrain = [], [], []
    for folder, label in models.items():
        log = [json.loads(line) for line in (out / folder / "log.jsonl").read_text().splitlines()]
        ner = json.loads((out / f"ner-{folder}" / "results.json").read_text(encoding="utf-8"))
        scores = {side: report[folder]["non_trivial"] for side, report in probes.items()}
        summary["models"][label] = {"final_mlm_loss": log[-1]["mlm_loss"], "probe_non_trivial": scores,
                                    "ner_test": ner["test"]}
        rows_pretrain.append((label, log[-1]["step"], f"{log[-1]['mlm_loss']:.3f}",
                              f"{log[-1].get('linking_loss', float('nan')):.3f}"))
        rows_probe += [(label, side.replace("_", "-"), s["queries"], f"{s['acc1']:.3f}", f"{s['acc5']:.3f}",
                        f"{s['hit50']:.3f}", f"{s['kebiolm_hit']:.3f}") for side, s in scores.items()]
        rows_ner.append((label, f"{ner['test']['precision']:.3f}", f"{ner['test']['recall']:.3f}",
                         f"{ner['test']['f1']:.3f}", f"{ner['dev_f1']:.3f}"))
    kge = json.loads((out / "kge" / "kge.json").read_text(encoding="utf-8"))
    test = kge["metrics"]["test"]
    summary["kge"] = {"model": kge["model"], "epochs_run": kge["epochs_run"], "test": test}
    kge_row = [(kge["model"], kge["epochs_run"], test["triples"] if test else 0)
               + tuple(f"{test['both'][k]:.3f}" if test else "-" for k in ("mrr", "hits@1", "hits@3", "hits@10"))]
    parts = [
        "# kebiokg demo report",
        f"Whole journey in {total / 60:.1f} min on this machine; every number below was measured in this run.",
        table(["model", "steps", "final MLM loss", "final linking loss"], rows_pretrain, title="\n## Pretraining"),
        table(["KGE", "epochs", "test triples", "MRR", "Hits@1", "Hits@3", "Hits@10"], kge_row,
              title="\n## Knowledge-graph embeddings (filtered, held-out triples)"),
        table(["model", "facts", "queries", "Acc@1", "Acc@5", "hit@50", "KeBioLM hit"], rows_probe,
              title="\n## Knowledge probe (non-trivial queries; stated: in the text and the KB, "
                    "kb-only: in the KB only, docs/knowledge.md)"),
        table(["model", "precision", "recall", "F1 (strict)", "best dev F1"], rows_ner,
              title="\n## NER fine-tuning (test)"),
        table(["step", "seconds"], [(title, f"{s:.1f}") for title, s in timings], title="\n## Time per step"),
        "\nPlots: plain-mlm/loss.png, kebiolm/loss.png, probe-*/report.png, ner-plain-mlm/curves.png, "
        "ner-kebiolm/curves.png. Tiny models and budgets: the numbers show the pipeline works end to end, "
        "not what a base-size model reaches (docs/benchmarks.md).",
    ]
    markdown = "\n".join(parts) + "\n"
    (out / "report.md").write_text(markdown, encoding="utf-8")
    (out / "report.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    return markdown
