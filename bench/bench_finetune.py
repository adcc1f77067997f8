"""Does the knowledge help downstream? Base vs plain-MLM vs KeBioLM continuation, fine-tuned on
BC5-chem, BC5-disease, NCBI-disease NER and BC5CDR CID relation extraction.

    python bench/bench_finetune.py [--seeds 0,1,2] [--pretrain-steps 300] [--finetune-steps 200] [--workers 2]

Real data only (../shared/data or $KEBIOKG_DATA). The pretraining corpus is the BC5CDR and
NCBI-disease training sets plus the PubMed XML files, annotated by `kebiokg annotate` against
SAMPLE_NCIM (no dev or test text). One random BERT is trained with plain MLM for
`--pretrain-steps` (the base, (a)); from it, (b) plain MLM and (c) KeBioLM (`pretrain
--base-model`) each continue for the same steps, batches and schedule. Every model is then
fine-tuned with `kebiokg finetune` on every task with the same budget, once per seed; the table
gives the mean test F1 and a 95% confidence interval over seeds, the run time and training
tokens/s. Runs go `--workers` at a time, one thread each. NER is evaluated on dev twice, RE
(the slow evaluation: thousands of pair examples) once, at the end.

`--pretrained PATH` adds an encoder that was pretrained elsewhere (a folder or hub id, e.g. the
MiniLM checkpoint) as one more column, fine-tuned with the same budget; `--skip-scratch` leaves
out the three from-scratch models and their pretraining.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_probe import interval, kebiokg, make_base, prepare_corpus, train_plain  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def tasks(data: Path) -> dict[str, list[str]]:
    """Task name -> `kebiokg finetune` arguments (corpora and task options)."""
    cdr, ncbi = data / "corpora" / "bc5cdr", data / "corpora" / "ncbi_disease"
    bc5 = ["--train", str(cdr / "CDR_TrainingSet.PubTator.txt"), "--dev", str(cdr / "CDR_DevelopmentSet.PubTator.txt"),
           "--test", str(cdr / "CDR_TestSet.PubTator.txt")]
    return {
        "BC5-chem": ["ner", *bc5, "--types", "Chemical"],
        "BC5-disease": ["ner", *bc5, "--types", "Disease"],
        "NCBI-disease": ["ner", "--train", str(ncbi / "NCBItrainset_corpus.txt"), "--dev",
                         str(ncbi / "NCBIdevelopset_corpus.txt"), "--test", str(ncbi / "NCBItestset_corpus.txt")],
        "BC5CDR CID": ["re", *bc5],
    }


def finetune(model: Path, task_args: list[str], out: Path, seed: int, args: argparse.Namespace,
             evaluations: int | None = None) -> dict:
    """One `kebiokg finetune` run on one thread; dev is evaluated `evaluations` times [NER 2, RE 1]."""
    evaluations = evaluations or (1 if task_args[0] == "re" else 2)
    command = [sys.executable, "-m", "kebiokg.cli.main", "finetune", *task_args, "--model", str(model),
               "--out", str(out), "--seed", str(seed), "--max-steps", str(args.finetune_steps),
               "--eval-steps", str(max(1, args.finetune_steps // evaluations)), "--batch-size", str(args.batch_size),
               "--max-length", str(args.max_length), "--learning-rate", str(args.finetune_lr), "--quiet", "--json"]
    started = time.perf_counter()
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    result = subprocess.run(command, check=True, capture_output=True, text=True, env=env)
    summary = json.loads(result.stdout)
    summary["seconds"] = time.perf_counter() - started
    return summary


def print_table(results: dict, models: list[str], tasks_run: list[str], seeds: list[int]) -> None:
    """Mean test F1 ± 95% interval over seeds, one row per task."""
    print("| task | " + " | ".join(models) + " |")
    print("|---|" + "---:|" * len(models))
    for task in tasks_run:
        cells = [interval([results[(m, task, s)]["test"]["f1"] for s in seeds]) for m in models]
        print(f"| {task} | " + " | ".join(cells) + " |")


def plot_f1(results: dict, models: list[str], tasks_run: list[str], seeds: list[int], path: Path) -> None:
    """Grouped bars: mean test F1 per task and model, each seed as a dot."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4))
    width = 0.8 / len(models)
    for i, model in enumerate(models):
        for j, task in enumerate(tasks_run):
            values = [results[(model, task, s)]["test"]["f1"] for s in seeds]
            x = j + (i - (len(models) - 1) / 2) * width
            ax.bar(x, sum(values) / len(values), width, color=f"C{i}", label=model if j == 0 else None)
            ax.plot([x] * len(values), values, "k.", markersize=4)
    ax.set_xticks(range(len(tasks_run)), tasks_run)
    ax.set_ylabel("test F1 (strict)")
    ax.set_ylim(0, 1)
    ax.set_title(f"test F1 after fine-tuning ({len(seeds)} seed{'s' if len(seeds) > 1 else ''} each)")
    ax.legend(loc="upper right")
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def encoder_name(path: str) -> str:
    """A short column name for a pretrained encoder: its folder (or its package, for a folder named model)."""
    parts = Path(path).parts
    return parts[-2] if len(parts) > 1 and parts[-1] == "model" else parts[-1]


def pretrain_scratch(tmp: Path, args: argparse.Namespace) -> dict[str, Path]:
    """(a) a random BERT trained with plain MLM; (b) plain MLM and (c) KeBioLM continuing from it."""
    kb = prepare_corpus(args.data, tmp)
    make_base(tmp / "tokenizer", tmp / "random", args.hidden, args.layers, 0)
    models = {"(a) base": tmp / "base", "(b) plain MLM": tmp / "plain", "(c) KeBioLM": tmp / "kebiolm"}
    steps = args.pretrain_steps
    train_plain(tmp / "random", tmp / "corpus", models["(a) base"], steps, args.batch_size, args.max_length, 0,
                args.pretrain_lr)
    train_plain(models["(a) base"], tmp / "corpus", models["(b) plain MLM"], steps, args.batch_size,
                args.max_length, 1, args.pretrain_lr)
    kebiokg("pretrain", "--db", str(kb), "--corpus", str(tmp / "corpus"), "--base-model", str(models["(a) base"]),
            "--out", str(models["(c) KeBioLM"]), "--max-steps", str(steps), "--batch-size", str(args.batch_size),
            "--max-length", str(args.max_length), "--learning-rate", str(args.pretrain_lr), "--seed", "1",
            "--save-steps", str(steps), "--quiet")
    return models


def main() -> None:
    default_data = Path(os.environ.get("KEBIOKG_DATA", ROOT.parent / "shared" / "data"))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", default="0,1,2", help="fine-tuning seeds")
    parser.add_argument("--pretrain-steps", type=int, default=300)
    parser.add_argument("--finetune-steps", type=int, default=200)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--pretrain-lr", type=float, default=5e-4)
    parser.add_argument("--finetune-lr", type=float, default=1e-3)
    parser.add_argument("--pretrained", action="append", default=[], metavar="PATH",
                        help="also fine-tune this pretrained encoder (repeatable)")
    parser.add_argument("--skip-scratch", action="store_true",
                        help="only the --pretrained encoders: no from-scratch pretraining")
    parser.add_argument("--tasks", default=None, help="comma-separated subset of the task names")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--data", type=Path, default=default_data)
    parser.add_argument("--keep", type=Path, default=None, help="write results.json here")
    parser.add_argument("--plot", type=Path, default=None, help="bar chart of test F1 per task and model (PNG)")
    parser.add_argument("--from-results", type=Path, default=None,
                        help="a results.json written by --keep: print its table (and --plot) without running")
    args = parser.parse_args()
    if args.from_results:
        kept = json.loads(args.from_results.read_text(encoding="utf-8"))
        results = {tuple(k.split("|")[:2]) + (int(k.split("|")[2]),): v for k, v in kept.items()}
        models = list(dict.fromkeys(m for m, _, _ in results))
        tasks_run = list(dict.fromkeys(t for _, t, _ in results))
        seeds = sorted({s for _, _, s in results})
        print_table(results, models, tasks_run, seeds)
        if args.plot:
            plot_f1(results, models, tasks_run, seeds, args.plot)
        return
    if args.skip_scratch and not args.pretrained:
        parser.error("--skip-scratch needs at least one --pretrained encoder")
    seeds = [int(s) for s in args.seeds.split(",")]
    all_tasks = tasks(args.data)
    chosen = {k: v for k, v in all_tasks.items() if not args.tasks or k in args.tasks.split(",")}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="kebiokg-bench-finetune-") as name:
        tmp = Path(name)
        models = {} if args.skip_scratch else pretrain_scratch(tmp, args)
        for letter, path in zip("defghijklmnopqrstuvwxyz", args.pretrained, strict=False):
            models[f"({letter}) {encoder_name(path)}"] = Path(path)
        pretrain_seconds = time.perf_counter() - started
        print(f"pretraining done in {pretrain_seconds:.0f} s", flush=True)
        jobs = [(model, task, seed) for task in chosen for model in models for seed in seeds]

        def run(job: tuple[str, str, int]) -> tuple[tuple[str, str, int], dict]:
            model, task, seed = job
            out = tmp / "runs" / f"{model[1]}-{task.replace(' ', '_')}-{seed}"
            summary = finetune(models[model], chosen[task], out, seed, args)
            print(f"{task:13} {model:14} seed {seed}: test F1 {summary['test']['f1']:.4f} "
                  f"(dev {summary['dev_f1']:.4f}; {summary['train_documents']} training documents, "
                  f"{summary['train_documents_left_out']} left out as dev/test) {summary['seconds']:.0f} s", flush=True)
            return job, summary

        with ThreadPoolExecutor(args.workers) as pool:
            results = dict(pool.map(run, jobs))
    total = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20
    if not args.skip_scratch:
        print(f"\n{args.layers} layers x {args.hidden} wide; base: {args.pretrain_steps} plain-MLM steps from random; "
              f"(b) and (c): {args.pretrain_steps} more steps each")
    print(f"fine-tuning: {args.finetune_steps} steps of {args.batch_size} x "
          f"{args.max_length} tokens, lr {args.finetune_lr}, seeds {seeds}")
    print(f"total {total / 60:.1f} min (pretraining {pretrain_seconds / 60:.1f} min), peak child RSS {peak:.2f} GiB\n")
    print_table(results, list(models), list(chosen), seeds)
    if args.plot:
        plot_f1(results, list(models), list(chosen), seeds, args.plot)
    print("\nmean seconds per fine-tuning run / training tokens per second (one thread):")
    for task in chosen:
        runs = [results[(m, task, s)] for m in models for s in seeds]
        print(f"  {task}: {sum(r['seconds'] for r in runs) / len(runs):.0f} s, "
              f"{sum(r['train_tokens_per_second'] for r in runs) / len(runs):,.0f} tokens/s")
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        (args.keep / "results.json").write_text(json.dumps(
            {f"{m}|{t}|{s}": r for (m, t, s), r in results.items()}, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
