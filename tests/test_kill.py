"""kill -9 in the middle of each long command: nothing is lost, and the rerun finishes the job.

Each case runs the command once undisturbed and keeps its result; then again, killed with SIGKILL
as soon as its work shows on disk (a temporary KB, a first shard, a first checkpoint); then checks
that what the user had before is intact and that the rerun (with `--resume` where the command has
one) gives exactly the undisturbed result. Every case runs the real command line in its own
process, as a user would.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import load_file

from kebiokg.kb import KnowledgeBase


def kebiokg(*args) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "kebiokg.cli.main", *map(str, args)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done


def kill_when(ready: Callable[[], bool], *args, timeout: float = 300.0) -> None:
    """Run the command and SIGKILL it the moment `ready()` holds; fails if it finished first."""
    process = subprocess.Popen([sys.executable, "-m", "kebiokg.cli.main", *map(str, args)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    try:
        while process.poll() is None and time.monotonic() < deadline:
            if ready():
                process.send_signal(signal.SIGKILL)
                assert process.wait() == -signal.SIGKILL
                return
            time.sleep(0.005)
        pytest.fail(f"{args[0]} finished (exit {process.returncode}) before it could be killed in its work")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def fingerprint(db: Path) -> str:
    with KnowledgeBase(db) as kb:
        return kb.fingerprint


@pytest.fixture(scope="module")
def corpus(synthetic_kb: Path, tmp_path_factory) -> Path:
    """2,000 generated abstracts, one per line, naming the synthetic KB's concepts."""
    from kebiokg.synthetic_text import generate_documents

    with KnowledgeBase(synthetic_kb) as kb:
        documents = generate_documents(kb, 2000, seed=1)
    path = tmp_path_factory.mktemp("kill-corpus") / "abstracts.txt"
    path.write_text("".join(d.text + "\n" for d in documents), encoding="utf-8")
    return path


def test_a_killed_load_leaves_the_previous_kb_and_the_rerun_loads(tmp_path: Path) -> None:
    from kebiokg.umls_loader.synth import generate_release

    generate_release(tmp_path / "old", concepts=300, seed=1)
    generate_release(tmp_path / "new", concepts=20000, seed=2)
    db = tmp_path / "kb.duckdb"
    kebiokg("load-umls", tmp_path / "old", "--db", db, "--quiet")
    before = fingerprint(db)

    def loading() -> bool:
        return any(p.suffix == ".duckdb" for p in tmp_path.glob(".kb.duckdb.loading-*"))

    kill_when(loading, "load-umls", tmp_path / "new", "--db", db, "--force", "--quiet")
    assert fingerprint(db) == before  # the old KB, whole
    kebiokg("load-umls", tmp_path / "new", "--db", db, "--force", "--quiet")
    assert fingerprint(db) != before
    assert not list(tmp_path.glob(".kb.duckdb.loading-*"))  # the dead load's leftovers are gone


def test_a_killed_index_build_keeps_the_index_there_and_the_rerun_builds(tmp_path: Path) -> None:
    from kebiokg.umls_loader.synth import generate_release

    generate_release(tmp_path / "release", concepts=20000, seed=2)
    db, index = tmp_path / "kb.duckdb", tmp_path / "index"
    kebiokg("load-umls", tmp_path / "release", "--db", db, "--quiet")
    kebiokg("build-index", "--db", db, "--out", index, "--dim", "64", "--quiet")
    before = kebiokg("nearest", "aspirin tablet", "--db", db, "--index", index, "--verify", "--json").stdout
    kill_when(lambda: any(tmp_path.glob(".index.staged-*")), "build-index", "--db", db, "--out", index, "--quiet")
    assert kebiokg("nearest", "aspirin tablet", "--db", db, "--index", index, "--verify", "--json").stdout == before
    kebiokg("build-index", "--db", db, "--out", index, "--quiet")
    assert kebiokg("nearest", "aspirin tablet", "--db", db, "--index", index, "--verify", "--json").stdout != before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".index")) == []  # nothing left over


def test_a_killed_annotation_resumes_to_the_same_shards(synthetic_kb: Path, corpus: Path, tmp_path: Path) -> None:
    options = ("--db", synthetic_kb, "--workers", "1", "--shard-size", "100", "--quiet")
    kebiokg("annotate", corpus, "--out", tmp_path / "whole", *options)
    out = tmp_path / "killed"
    kill_when(lambda: any(out.glob("*.jsonl")), "annotate", corpus, "--out", out, *options)
    kebiokg("annotate", corpus, "--out", out, "--resume", *options)
    shards = sorted(p.name for p in (tmp_path / "whole").glob("*.jsonl"))
    assert len(shards) == 20 and sorted(p.name for p in out.glob("*.jsonl")) == shards
    for name in shards:
        assert (out / name).read_bytes() == (tmp_path / "whole" / name).read_bytes()


def test_a_killed_embedding_resumes_to_the_same_tables(synthetic_kb: Path, tmp_path: Path) -> None:
    options = ("--db", synthetic_kb, "--dim", "16", "--epochs", "10", "--patience", "1000", "--batch-size", "128",
               "--seed", "0", "--threads", "1", "--quiet")
    kebiokg("embed-kb", "--out", tmp_path / "whole", *options)
    out = tmp_path / "killed"
    kill_when(lambda: (out / "checkpoint.pt").exists(), "embed-kb", "--out", out, *options)
    kebiokg("embed-kb", "--out", out, "--resume", *options)
    for table in ("entities.npy", "relations.npy"):
        assert np.array_equal(np.load(out / table), np.load(tmp_path / "whole" / table))


def test_a_killed_pretraining_resumes_to_the_same_weights(synthetic_kb: Path, corpus: Path, tmp_path: Path) -> None:
    annotated = tmp_path / "annotated.jsonl"
    head = tmp_path / "head.txt"
    head.write_text("".join(corpus.read_text(encoding="utf-8").splitlines(keepends=True)[:200]), encoding="utf-8")
    kebiokg("annotate", head, "--db", synthetic_kb, "--out", annotated, "--workers", "1", "--quiet")
    kebiokg("train-tokenizer", annotated, "--out", tmp_path / "tokenizer", "--vocab-size", "500")
    options = ("--db", synthetic_kb, "--corpus", annotated, "--from-config", "tiny", "--tokenizer",
               tmp_path / "tokenizer", "--entity-init", "lexical", "--max-steps", "6", "--save-steps", "2",
               "--batch-size", "4", "--max-length", "32", "--seed", "0", "--device", "cpu", "--quiet")
    kebiokg("pretrain", "--out", tmp_path / "whole", *options)
    out = tmp_path / "killed"
    kill_when(lambda: (out / "checkpoint-2").is_dir(), "pretrain", "--out", out, *options)
    assert not (out / "model.safetensors").exists()
    kebiokg("pretrain", "--out", out, "--resume", *options)
    whole, resumed = load_file(tmp_path / "whole" / "model.safetensors"), load_file(out / "model.safetensors")
    assert whole.keys() == resumed.keys()
    assert all(np.array_equal(whole[k], resumed[k]) for k in whole)


def test_a_killed_finetune_leaves_no_stale_scores_and_the_rerun_scores_the_same(synthetic_kb: Path,
                                                                                 tmp_path: Path) -> None:
    from transformers import AutoTokenizer

    from kebiokg.documents import write_pubtator
    from kebiokg.pretraining.baseline import random_bert
    from kebiokg.pretraining.tokenizer import train_tokenizer
    from kebiokg.synthetic_text import generate_documents

    with KnowledgeBase(synthetic_kb) as kb:
        documents = generate_documents(kb, 240, seed=2)
    for name, part in (("train", documents[:200]), ("dev", documents[200:220]), ("test", documents[220:])):
        write_pubtator(part, tmp_path / f"{name}.pubtator")
    (tmp_path / "text.txt").write_text("".join(d.text + "\n" for d in documents), encoding="utf-8")
    kebiokg("annotate", tmp_path / "text.txt", "--db", synthetic_kb, "--out", tmp_path / "text.jsonl",
            "--workers", "1", "--quiet")
    train_tokenizer([tmp_path / "text.jsonl"], vocab_size=400).save_pretrained(tmp_path / "tokenizer")
    tokenizer = AutoTokenizer.from_pretrained(tmp_path / "tokenizer")
    random_bert(tokenizer, 32, 2, 0, max_positions=128).save_pretrained(tmp_path / "base")
    tokenizer.save_pretrained(tmp_path / "base")
    run = ("finetune", "ner", "--model", tmp_path / "base", "--train", tmp_path / "train.pubtator", "--dev",
           tmp_path / "dev.pubtator", "--test", tmp_path / "test.pubtator", "--max-steps", "40", "--eval-steps", "2",
           "--max-length", "64", "--batch-size", "4", "--seed", "0", "--device", "cpu", "--quiet")
    out = tmp_path / "run"
    kebiokg(*run, "--out", out)
    whole = json.loads((out / "results.json").read_text(encoding="utf-8"))
    began = (out / "best").stat().st_mtime_ns
    kill_when(lambda: (out / "best").stat().st_mtime_ns != began, *run, "--out", out)  # a rerun, past its 1st best
    assert not (out / "results.json").exists()  # the old scores are not left beside a new best/
    assert not list(out.glob(".best.staged-*")) or (out / "best" / "config.json").is_file()
    kebiokg(*run, "--out", out)
    again = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert (again["test"], again["best_step"], again["dev_f1"]) == (whole["test"], whole["best_step"], whole["dev_f1"])
