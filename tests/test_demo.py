"""`kebiokg demo`: the whole journey end to end, on generated data and on a user's own, and every
error a user can hit on the way given as one line."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from kebiokg.cli.main import main
from kebiokg.kb import KnowledgeBase
from kebiokg.synthetic_text import generate_documents


def invoke(*args: object):
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result, result.output.strip().splitlines()


def test_small_demo_runs_the_whole_journey(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result, _ = invoke("demo", "--small", "--out", out, "--quiet")
    assert result.exit_code == 0, result.output
    for command in ("synth-umls", "load-umls", "build-index", "nearest", "neighbors", "annotate", "train-tokenizer",
                    "pretrain --objective mlm", "embed-kb", "pretrain --db", "build-probe", "probe --model",
                    "finetune ner"):
        assert f"$ kebiokg {command}" in result.stdout, command
    report = json.loads((out / "report.json").read_text())
    assert set(report["models"]) == {"plain MLM", "KeBioLM"}
    for scores in report["models"].values():
        probe = scores["probe_non_trivial"]  # the stated and the KB-only facts, probed apart
        assert set(probe) == {"stated", "kb_only"} and probe["stated"]["queries"] > 0
        assert 0 <= scores["ner_test"]["f1"] <= 1 and scores["final_mlm_loss"] > 0
    assert report["kge"]["model"] == "transe" and 0 < report["kge"]["test"]["both"]["mrr"] <= 1
    kebiolm = json.loads((out / "kebiolm" / "config.json").read_text())
    assert kebiolm["entity_init"] == "kge" and kebiolm["entity_init_source"] == str(out / "kge")
    markdown = (out / "report.md").read_text()
    assert "## Knowledge probe" in markdown and "kb-only" in markdown and "## NER fine-tuning (test)" in markdown
    for plot in ("plain-mlm/loss.png", "kebiolm/loss.png", "probe-stated/report.png", "probe-kb_only/report.png",
                 "ner-plain-mlm/curves.png", "ner-kebiolm/curves.png"):
        assert (out / plot).stat().st_size > 0, plot
    linked = [json.loads(line) for line in (out / "corpus" / "annotated.jsonl").read_text().splitlines()]
    assert linked and sum(len(d["entities"]) for d in linked) > 2 * len(linked)  # the KB's names are found


def test_demo_on_a_users_release_and_corpus(tmp_path: Path) -> None:
    release = tmp_path / "release"
    assert invoke("synth-umls", release, "--concepts", 600, "--seed", 3, "--quiet")[0].exit_code == 0
    assert invoke("load-umls", release, "--db", tmp_path / "kb.duckdb", "--quiet")[0].exit_code == 0
    with KnowledgeBase(tmp_path / "kb.duckdb") as kb:
        texts = [d.text for d in generate_documents(kb, 150, seed=5)]
    abstracts = tmp_path / "abstracts.txt"  # the user's texts: plain text, one document per line
    abstracts.write_text("".join(t + "\n" for t in texts))
    out = tmp_path / "mine"
    result, _ = invoke("demo", "--small", "--meta", release, "--corpus", abstracts, "--out", out, "--steps", 2,
                       "--quiet")
    assert result.exit_code == 0, result.output
    assert "$ kebiokg synth-umls" not in result.stdout and f"$ kebiokg load-umls {release}" in result.stdout
    ner_train = [json.loads(line) for line in (out / "corpus" / "ner" / "train.jsonl").read_text().splitlines()]
    types = {e["type"] for d in ner_train for e in d["entities"]}
    assert ner_train and types <= {"CHEM", "DISO", "GENE", "ANAT"}  # silver tags from the annotation
    assert (out / "report.md").is_file()


def test_journey_errors_are_one_line(tmp_path: Path) -> None:
    """Missing file, wrong DB, index or model from another KB, empty corpus: `kebiokg: error: ...`."""
    first, second = tmp_path / "a", tmp_path / "b"
    for release, seed in ((first, 1), (second, 2)):
        assert invoke("synth-umls", release, "--concepts", 300, "--seed", seed, "--quiet")[0].exit_code == 0
        assert invoke("load-umls", release, "--db", f"{release}.duckdb", "--quiet")[0].exit_code == 0
    db_a, db_b = f"{first}.duckdb", f"{second}.duckdb"
    assert invoke("build-index", "--db", db_a, "--out", tmp_path / "index-a", "--quiet")[0].exit_code == 0

    def fails(expected: str, *args: object, code: int = 1) -> None:
        result, lines = invoke(*args)
        assert result.exit_code == code, result.output
        assert len(lines) == 1 and expected in lines[0] and "Traceback" not in result.output, result.output

    fails("no such KB", "stats", "--db", tmp_path / "missing.duckdb")
    fails("does not exist", "annotate", tmp_path / "missing.txt", "--db", db_a, "--out", tmp_path / "x.jsonl",
          code=2)
    not_a_kb = tmp_path / "notes.duckdb"
    not_a_kb.write_text("not a database")
    fails("cannot open the KB", "stats", "--db", not_a_kb)
    fails("another KB", "nearest", "heart", "--db", db_b, "--index", tmp_path / "index-a")
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    fails("empty corpus", "annotate", empty, "--db", db_a, "--out", tmp_path / "empty.jsonl", "--quiet")
    assert not (tmp_path / "empty.jsonl").exists()  # a failed run leaves nothing that asks for --force
    fails("empty corpus", "train-tokenizer", empty, "--out", tmp_path / "tokenizer")
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(json.dumps({"id": "1", "text": "Aspirin treats headache in adults."}) + "\n")
    model = tmp_path / "model"
    assert invoke("pretrain", "--db", db_a, "--corpus", corpus, "--from-config", "tiny", "--out", model,
                  "--max-steps", 1, "--vocab-size", 100, "--allow-no-entities", "--quiet")[0].exit_code == 0
    fails("another KB", "nearest", "heart", "--db", db_b, "--model", model)
    fails("trained against another KB", "finetune", "ner", "--model", model, "--db", db_b, "--train", corpus,
          "--dev", corpus, "--test", corpus, "--out", tmp_path / "ner")
    (tmp_path / "empty.jsonl").write_text("")
    fails("no training text", "pretrain", "--db", db_a, "--corpus", tmp_path / "empty.jsonl", "--from-config",
          "tiny", "--out", tmp_path / "model-2", "--quiet")
