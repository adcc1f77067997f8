"""Does the knowledge help? Plain MLM against KeBioLM, same start, same data, same steps, probed.

    python bench/bench_probe.py [--seeds 0,1,2] [--steps 300] [--hidden 128] [--layers 4]

Real data only: BC5CDR, NCBI-disease and PubMed abstracts from ../shared/data annotated by
`kebiokg annotate` against SAMPLE_NCIM; a probe built from SAMPLE_NCIM's relations (`build-probe`,
answers of at most 5 word pieces), evaluated on its test split. Per seed: one random BERT (the
shared start), then (a) BertForMaskedLM trained on with whole-word masking, (b) KeBioLM
initialised from the same BERT (`--base-model`: its last layer becomes the fusion layer) trained
with whole-entity masking + detection + linking; same batches, steps, optimiser and schedule.
Reports the mean and a 95% confidence interval (t distribution) over seeds, non-trivial queries first.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
T_975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262}


def kebiokg(*args: str, one_thread: bool = False) -> None:
    """A kebiokg command in its own process; `one_thread` pins torch to one thread, so that two run side by side."""
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1") if one_thread else None
    subprocess.run([sys.executable, "-m", "kebiokg.cli.main", *args], check=True, stdout=subprocess.DEVNULL, env=env)


def train_plain(base: Path, corpus: Path, out: Path, steps: int, batch_size: int, max_length: int, seed: int,
                learning_rate: float) -> None:
    """The plain-MLM baseline (`pretrain --objective mlm`) with the pretraining loop's optimiser and schedule."""
    from kebiokg.pretraining.baseline import pretrain_plain_mlm
    from kebiokg.pretraining.train import TrainArgs

    pretrain_plain_mlm(str(base), corpus, out, TrainArgs(max_steps=steps, batch_size=batch_size, max_length=max_length,
                                                         seed=seed, learning_rate=learning_rate))


def make_base(tokenizer_dir: Path, out: Path, hidden: int, layers: int, seed: int, dropout: float = 0.1) -> None:
    from transformers import AutoTokenizer

    from kebiokg.pretraining.baseline import random_bert

    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
    random_bert(tokenizer, hidden, layers, seed, max_positions=256, dropout=dropout).save_pretrained(out)
    tokenizer.save_pretrained(out)


def without_documents(pubtator: Path, held_out: list[Path], out: Path) -> Path:
    """`pubtator` without the documents whose PMIDs occur in `held_out` (PubTator files) -> `out`.

    The shared BC5CDR training file also holds the 500 development abstracts: pretraining on it as
    is would put development text into the corpus that fine-tuning later selects models on."""
    def blocks(path: Path) -> list[str]:
        return [b for b in path.read_text(encoding="utf-8").split("\n\n") if b.strip()]

    held = {b.strip().split("|", 1)[0] for path in held_out for b in blocks(path)}
    kept = [b for b in blocks(pubtator) if b.strip().split("|", 1)[0] not in held]
    out.write_text("\n\n".join(b.strip("\n") for b in kept) + "\n\n", encoding="utf-8")
    print(f"{pubtator.name}: {len(kept):,} documents kept, "
          f"{len(blocks(pubtator)) - len(kept):,} left out (also in a development or test file)")
    return out


def prepare_corpus(data: Path, tmp: Path, tokenizer: bool = True) -> Path:
    """SAMPLE_NCIM as the KB (returned), and the training texts annotated against it -> tmp/corpus,
    with a WordPiece tokenizer trained on them -> tmp/tokenizer (unless a pretrained encoder brings its
    own). No development or test abstract is in either: BC5CDR's training file loses the development
    abstracts it also holds."""
    kb = tmp / "kb.duckdb"
    kebiokg("load-umls", str(data / "umls" / "SAMPLE_NCIM"), "--db", str(kb), "--quiet")
    cdr, ncbi = data / "corpora" / "bc5cdr", data / "corpora" / "ncbi_disease"
    cdr_train = without_documents(cdr / "CDR_TrainingSet.PubTator.txt",
                                  [cdr / "CDR_DevelopmentSet.PubTator.txt", cdr / "CDR_TestSet.PubTator.txt",
                                   ncbi / "NCBIdevelopset_corpus.txt", ncbi / "NCBItestset_corpus.txt"],
                                  tmp / "CDR_TrainingSet.train-only.PubTator.txt")
    sources = [cdr_train, ncbi / "NCBItrainset_corpus.txt", data / "pubmed"]
    kebiokg("annotate", *map(str, sources), "--db", str(kb), "--out", str(tmp / "corpus"), "--quiet")
    if tokenizer:
        kebiokg("train-tokenizer", str(tmp / "corpus"), "--out", str(tmp / "tokenizer"), "--vocab-size", "12000")
    return kb


def mean_and_half_width(values: list[float]) -> tuple[float, float | None]:
    """The mean and the half width of its 95% interval (t distribution); None for a single value."""
    mean = statistics.fmean(values)
    if len(values) < 2:
        return mean, None
    return mean, T_975.get(len(values) - 1, 1.96) * statistics.stdev(values) / math.sqrt(len(values))


def interval(values: list[float]) -> str:
    mean, half = mean_and_half_width(values)
    return f"{mean:.3f}" if half is None else f"{mean:.3f} ± {half:.3f}"


def main() -> None:
    default_data = Path(os.environ.get("KEBIOKG_DATA", ROOT.parent / "shared" / "data"))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--learning-rate", type=float, default=5e-4)
    parser.add_argument("--max-tokens", type=int, default=3, help="longest answer decoded, in word pieces")
    parser.add_argument("--data", type=Path, default=default_data)
    parser.add_argument("--keep", type=Path, default=None, help="copy the reports here")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    with tempfile.TemporaryDirectory(prefix="kebiokg-bench-probe-") as name:
        tmp = Path(name)
        kb = prepare_corpus(args.data, tmp)
        kebiokg("build-probe", "--db", str(kb), "--out", str(tmp / "probe.jsonl"), "--tokenizer",
                str(tmp / "tokenizer"), "--max-answer-tokens", str(args.max_tokens))
        results: dict[str, list[dict]] = {"plain MLM": [], "KeBioLM": []}
        for seed in seeds:
            base = tmp / f"base-{seed}"
            make_base(tmp / "tokenizer", base, args.hidden, args.layers, seed)
            plain, knowledge = tmp / f"plain-{seed}", tmp / f"kebiolm-{seed}"
            train_plain(base, tmp / "corpus", plain, args.steps, args.batch_size, args.max_length, seed,
                        args.learning_rate)
            kebiokg("pretrain", "--db", str(kb), "--corpus", str(tmp / "corpus"), "--base-model", str(base),
                    "--out", str(knowledge), "--max-steps", str(args.steps), "--batch-size", str(args.batch_size),
                    "--max-length", str(args.max_length), "--learning-rate", str(args.learning_rate),
                    "--seed", str(seed), "--save-steps", str(args.steps), "--quiet")
            report = tmp / f"report-{seed}"
            kebiokg("probe", "--model", str(plain), "--model", str(knowledge), "--probe", str(tmp / "probe.jsonl"),
                    "--out", str(report), "--max-tokens", str(args.max_tokens), "--quiet")
            reports = json.loads((report / "report.json").read_text())
            results["plain MLM"].append(reports[plain.name])
            results["KeBioLM"].append(reports[knowledge.name])
            print(f"seed {seed}, non-trivial queries: plain Acc@5 {reports[plain.name]['non_trivial']['acc5']:.3f}, "
                  f"KeBioLM Acc@5 {reports[knowledge.name]['non_trivial']['acc5']:.3f}", flush=True)
            if args.keep:
                import shutil

                shutil.copytree(report, args.keep / f"report-{seed}", dirs_exist_ok=True)
        queries = results["KeBioLM"][0]["all"]["queries"]
    print(f"\n{args.layers} layers x {args.hidden} wide from one random BERT per seed, {args.steps} steps of "
          f"{args.batch_size} x {args.max_length} tokens; probe test split: {queries} queries; seeds {seeds}")
    metrics = [("acc1", "Acc@1"), ("acc5", "Acc@5"), ("hit50", "hit@50"), ("kebiolm_hit", "KeBioLM hit"),
               ("macro_acc5", "macro Acc@5")]
    print("non-trivial queries (the headline), then Acc@5 over all queries and over trivial ones:")
    print("| model | " + " | ".join(label for _, label in metrics) + " | all queries Acc@5 | trivial Acc@5 |")
    print("|---|" + "---:|" * (len(metrics) + 2))
    for model, runs in results.items():
        cells = [interval([r["non_trivial"][k] for r in runs]) for k, _ in metrics]
        cells += [interval([r["all"]["acc5"] for r in runs]), interval([r["trivial"]["acc5"] for r in runs])]
        print(f"| {model} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
