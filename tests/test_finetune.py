"""Fine-tuning: readers, BIO windows, the strict metric, relation examples, training and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner
from conftest import shared_data

from kebiokg.cli.main import main
from kebiokg.documents import (
    AnnotatedDocument,
    Span,
    TaggedDocument,
    read_pubtator,
    read_tagged,
    write_jsonl,
    write_pubtator,
)
from kebiokg.errors import KebiokgError
from kebiokg.finetune.metrics import entity_scores, pair_scores
from kebiokg.finetune.ner import IGNORE, NerEncoder, bio_labels
from kebiokg.finetune.relations import HEAD_MARKERS, TAIL_MARKERS, RelationTask, pair_examples
from kebiokg.finetune.train import FinetuneArgs, NerRunner, finetune_ner, held_out_training, load_model
from kebiokg.modeling_kebio import KebioForPreTraining, preset_config
from kebiokg.pretraining.tokenizer import train_tokenizer

CHEM_DOC = """227508|t|Naloxone reverses the antihypertensive effect of clonidine.
227508|a|In rats clonidine-induced hypotension was reversed by naloxone.
227508\t0\t8\tNaloxone\tChemical\tD009270
227508\t49\t58\tclonidine\tChemical\tD003000
227508\t68\t77\tclonidine\tChemical\tD003000
227508\t86\t97\thypotension\tDisease\tD007022
227508\t114\t122\tnaloxone\tChemical\tD009270
227508\tCID\tD003000\tD007022

"""


def _tokenizer(tmp_path: Path, texts: list[str]):
    corpus = tmp_path / "text.jsonl"
    write_jsonl([AnnotatedDocument(str(i), t) for i, t in enumerate(texts)], corpus)
    return train_tokenizer([corpus], vocab_size=300, min_frequency=1)


@pytest.fixture(scope="module")
def titles(tmp_path_factory) -> Path:
    """The titles of the first eight BC5CDR training documents with their mentions, as PubTator
    (without the real data: the document above, title and abstract as two documents)."""
    path = tmp_path_factory.mktemp("titles") / "titles.pubtator"
    data = shared_data()
    if data is None:
        path.write_text("1|t|Naloxone reverses the antihypertensive effect of clonidine.\n1|a|\n"
                        "1\t0\t8\tNaloxone\tChemical\tD009270\n1\t49\t58\tclonidine\tChemical\tD003000\n\n"
                        "2|t|In rats clonidine-induced hypotension was reversed by naloxone.\n2|a|\n"
                        "2\t8\t17\tclonidine\tChemical\tD003000\n2\t26\t37\thypotension\tDisease\tD007022\n"
                        "2\t54\t62\tnaloxone\tChemical\tD009270\n\n")
        return path
    docs = []
    for doc in read_pubtator(data / "corpora" / "bc5cdr" / "CDR_TrainingSet.PubTator.txt"):
        spans = [Span(m.start, m.end, m.type, tuple(m.ids)) for m in doc.mentions if m.end <= len(doc.title)]
        if spans:
            docs.append(TaggedDocument(doc.id, doc.title, spans))
        if len(docs) == 8:
            break
    write_pubtator(docs, path)
    return path


@pytest.fixture(scope="module")
def kebio_checkpoint(tmp_path_factory, titles: Path) -> Path:
    """A tiny random KeBioLM checkpoint with a tokenizer trained on the titles (KB fingerprint 'kb-a')."""
    folder = tmp_path_factory.mktemp("kebio")
    tokenizer = _tokenizer(folder, [d.text for d in read_tagged(titles)])
    torch.manual_seed(0)
    model = KebioForPreTraining(preset_config("tiny", vocab_size=len(tokenizer), entity_vocab_size=8,
                                              kb_fingerprint="kb-a"))
    model.entity_vocab = [f"C000000{i}" for i in range(5)]
    model.save_pretrained(folder / "model")
    tokenizer.save_pretrained(folder / "model")
    return folder / "model"


# -- readers and labels -----------------------------------------------------------------------------------------


def test_pubtator_mentions_become_exactly_the_right_word_tags(tmp_path: Path) -> None:
    path = tmp_path / "doc.pubtator"
    path.write_text(CHEM_DOC)
    doc = read_tagged(path, types=["Chemical"])[0]
    assert doc.text.startswith("Naloxone reverses") and [s.ids for s in doc.spans][:2] == [("D009270",), ("D003000",)]
    tokenizer = _tokenizer(tmp_path, [doc.text])
    encoder = NerEncoder(tokenizer, bio_labels(["Chemical"]), max_length=64)
    windows, stats = encoder.encode([doc], labelled=True)
    words = encoder.words(doc.text)
    tags = {doc.text[s:e]: encoder.labels[windows[0].labels[t + 1]]
            for (s, e), t in zip(words.spans, words.first_token, strict=True)}
    # read by hand: "clonidine-induced" is three words (clonidine, -, induced); only "clonidine" is a chemical
    expected_b = {"Naloxone", "clonidine", "naloxone"}
    assert {w for w, tag in tags.items() if tag == "B-Chemical"} == expected_b
    assert tags["reverses"] == tags["induced"] == tags["hypotension"] == tags["-"] == "O"
    assert stats.misaligned == 0 and stats.entities == 4 and len(windows) == 1
    labelled = [i for i, label in enumerate(windows[0].labels) if label != IGNORE]
    assert len(labelled) == len(words.spans)  # one label per word, on its first sub-token only


def test_offsets_past_the_text_and_bad_tags_name_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pubtator"
    bad.write_text(CHEM_DOC.replace("114\t122", "114\t400"))
    with pytest.raises(KebiokgError, match=r"bad.pubtator:7: mention \[114, 400\) outside the text"):
        read_tagged(bad)
    conll = tmp_path / "bad.conll"
    conll.write_text("Aspirin\tB-Chemical\nhelps\tX\n")
    with pytest.raises(KebiokgError, match=r"bad.conll:2: expected 'TOKEN TAG'"):
        read_tagged(conll)


def test_conll_and_jsonl_readers_give_character_spans(tmp_path: Path) -> None:
    conll = tmp_path / "train.conll"
    conll.write_text("-DOCSTART-\tO\n\nAcute\tB\nrenal\tI\nfailure\tI\nafter\tO\ncisplatin\tB-Chemical\n.\tO\n\n"
                     "Fever\tI\n")
    first, second = read_tagged(conll)
    assert first.text == "Acute renal failure after cisplatin ."
    assert [(first.text[s.start:s.end], s.type) for s in first.spans] == [("Acute renal failure", "Entity"),
                                                                         ("cisplatin", "Chemical")]
    assert [(second.text[s.start:s.end], s.type) for s in second.spans] == [("Fever", "Entity")]  # I opens a span
    jsonl = tmp_path / "corpus.jsonl"
    jsonl.write_text(json.dumps({"id": "7", "text": "Aspirin eases pain.", "entities": [
        {"start": 0, "end": 7, "cui": "C0004057", "types": ["T109"]},
        {"start": 14, "end": 18, "cui": "C0030193", "type": "Symptom"}]}) + "\n")
    doc = read_tagged(jsonl)[0]
    assert [(s.type, s.ids) for s in doc.spans] == [("CHEM", ("C0004057",)), ("Symptom", ("C0030193",))]


def test_long_documents_are_cut_between_words_and_never_inside_an_entity(tmp_path: Path) -> None:
    sentence = "The acute renal failure after high dose cisplatin therapy was reversible in most patients"
    text = ". ".join([sentence] * 12) + "."
    spans = [Span(i, i + len("acute renal failure"), "Disease") for i in range(len(text))
             if text.startswith("acute renal failure", i)]
    doc = TaggedDocument("1", text, spans)
    tokenizer = _tokenizer(tmp_path, [text])
    encoder = NerEncoder(tokenizer, bio_labels(["Disease"]), max_length=24)
    windows, stats = encoder.encode([doc], labelled=True)
    assert len(windows) > 5 and stats.forced_cuts == 0 and all(len(w.input_ids) <= 24 for w in windows)
    for window in windows:  # no window starts with an I tag: no entity is split across windows
        first = next(label for label in window.labels if label != IGNORE)
        assert not encoder.labels[first].startswith("I-")
    gold_labels = [[label if label != IGNORE else 0 for label in w.labels] for w in windows]
    assert encoder.spans([doc], windows, gold_labels)[0] == spans  # labels decode back to the exact spans
    words = sum(1 for w in windows for i in w.words if i >= 0)
    assert words == len(encoder.words(text).spans)  # every word in exactly one window


def test_an_entity_longer_than_a_window_is_cut_without_losing_a_word(tmp_path: Path) -> None:
    text = "alpha beta gamma delta epsilon zeta eta theta iota kappa"
    doc = TaggedDocument("1", text, [Span(0, len(text), "Disease")])  # one entity over all ten words
    tokenizer = _tokenizer(tmp_path, [text] * 20)
    encoder = NerEncoder(tokenizer, bio_labels(["Disease"]), max_length=8)
    assert all(len(tokenizer.tokenize(word)) == 1 for word in text.split())
    windows, stats = encoder.encode([doc], labelled=True)
    assert stats.forced_cuts >= 1 and all(len(w.input_ids) <= 8 for w in windows)
    labelled = sorted(i for w in windows for i in w.words if i >= 0)
    assert labelled == list(range(10))  # every word in exactly one window, none lost at a forced cut


# -- metric --------------------------------------------------------------------------------------------------------


def test_entity_scores_are_strict_on_span_and_type() -> None:
    gold = [(0, 0, 8, "Chemical"), (0, 20, 31, "Disease"), (1, 5, 9, "Chemical")]
    predicted = [(0, 0, 8, "Chemical"),  # exact: a hit
                 (0, 20, 28, "Disease"),  # partial overlap: not a match
                 (1, 5, 9, "Disease")]  # right span, wrong type
    scores = entity_scores(gold, predicted)
    assert (scores["tp"], scores["fp"], scores["fn"]) == (1, 2, 2)
    assert scores["precision"] == pytest.approx(1 / 3) and scores["f1"] == pytest.approx(1 / 3)
    assert scores["by_type"]["Chemical"]["recall"] == 0.5 and scores["by_type"]["Disease"]["f1"] == 0.0
    assert entity_scores([], [])["f1"] == 0.0
    assert pair_scores({(0, "a", "b"), (1, "a", "b")}, {(0, "a", "b"), (0, "b", "a")})["f1"] == 0.5


# -- relation examples ---------------------------------------------------------------------------------------------


def test_pair_examples_mark_both_mentions_and_label_from_cid(tmp_path: Path) -> None:
    path = tmp_path / "doc.pubtator"
    path.write_text(CHEM_DOC)
    docs = read_tagged(path)
    tokenizer = _tokenizer(tmp_path, [docs[0].text + " << >> [[ ]]"])
    examples, stats = pair_examples(docs, tokenizer, 64, RelationTask())
    assert stats.candidate_pairs == 2 and stats.positive_pairs == 1  # (naloxone, hypotension), (clonidine, ...)
    positive = [e for e in examples if e.labels == 1]
    assert {e.pair for e in positive} == {("D003000", "D007022")} and all(e.doc == 0 for e in examples)
    closest = tokenizer.decode(positive[0].input_ids, skip_special_tokens=True).replace(" ", "")
    marked = f"in rats {HEAD_MARKERS[0]}clonidine{HEAD_MARKERS[1]}-induced {TAIL_MARKERS[0]}hypotension" \
             f"{TAIL_MARKERS[1]} was reversed by naloxone."
    assert closest == marked.replace(" ", "")  # the sentence of both mentions, each marked
    assert not pair_examples(docs, tokenizer, 8, RelationTask())[0]  # nothing fits: no example, counted
    assert pair_examples(docs, tokenizer, 8, RelationTask())[1].pairs_without_example == 2


def test_training_documents_also_in_dev_or_test_are_left_out(tmp_path: Path) -> None:
    """BC5CDR's training file here holds its 500 development abstracts too: they must not train."""
    train = [TaggedDocument(str(i), f"Document {i} text.") for i in range(5)]
    dev, test = [TaggedDocument("x", "Document 3 text.")], [TaggedDocument("y", "Document 9 text.")]
    kept, left_out = held_out_training(train, dev, test, allow_overlap=False, path=tmp_path)
    assert [d.id for d in kept] == ["0", "1", "2", "4"] and left_out == 1
    assert held_out_training(train, dev, test, allow_overlap=True, path=tmp_path) == (train, 0)


# -- training ------------------------------------------------------------------------------------------------------


def test_the_fresh_head_starts_from_the_run_seed(kebio_checkpoint: Path) -> None:
    """Without this a run could not be repeated: the process's own random state drew the head."""
    labels = bio_labels(["Chemical"])
    heads = [load_model(str(kebio_checkpoint), "token", labels, seed=seed)[0].classifier.weight for seed in (1, 1, 2)]
    assert torch.equal(heads[0], heads[1]) and not torch.equal(heads[0], heads[2])


def test_tiny_kebio_model_overfits_real_sentences_and_reloads_to_identical_predictions(
        titles: Path, kebio_checkpoint: Path, tmp_path: Path) -> None:
    args = FinetuneArgs(max_steps=120, batch_size=8, learning_rate=3e-3, warmup_ratio=0.05, eval_steps=40,
                        max_length=64, seed=0)
    summary = finetune_ner(str(kebio_checkpoint), titles, titles, titles, tmp_path / "run", args, allow_overlap=True)
    assert summary["model_type"] == "kebio" and summary["test"]["f1"] == 1.0
    assert set(summary["test"]["by_type"]) == {"Chemical", "Disease"}
    labels = summary["labels"]
    model, tokenizer = load_model(str(tmp_path / "run" / "best"), "token", labels)
    assert type(model).__name__ == "KebioForTokenClassification"
    task = NerRunner(tokenizer, labels, 64, 16, "cpu")
    docs = read_tagged(titles)
    first = task.predict(model.eval(), docs)
    model.save_pretrained(tmp_path / "again")
    tokenizer.save_pretrained(tmp_path / "again")
    again, _ = load_model(str(tmp_path / "again"), "token", labels)
    assert task.predict(again.eval(), docs) == first
    assert first == [sorted(Span(s.start, s.end, s.type) for s in doc.spans) for doc in docs]
    log = [json.loads(line) for line in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in log if "dev_f1" in r] == [40, 80, 120] and log[-1]["dev_f1"] == 1.0
    assert (tmp_path / "run" / "curves.png").stat().st_size > 0


# -- CLI -----------------------------------------------------------------------------------------------------------


def _invoke(*args: str):
    result = CliRunner().invoke(main, list(args))
    return result, result.output.strip().splitlines()


def test_finetune_cli_predicts_pubtator_and_error_paths_are_one_line(
        titles: Path, kebio_checkpoint: Path, tiny_release: Path, tmp_path: Path) -> None:
    common = ["--train", str(titles), "--dev", str(titles), "--test", str(titles), "--max-length", "64",
              "--allow-overlap"]
    out = tmp_path / "run"
    result, _ = _invoke("finetune", "ner", "--model", str(kebio_checkpoint), *common, "--out", str(out),
                        "--max-steps", "4", "--predict", str(titles), "--types", "Chemical", "--quiet", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["labels"] == ["O", "B-Chemical", "I-Chemical"]
    predicted = read_tagged(out / "predictions.pubtator")
    assert [d.text for d in predicted] == [d.text for d in read_tagged(titles)]

    result, lines = _invoke("finetune", "ner", "--model", str(kebio_checkpoint), "--train", str(tmp_path / "nope"),
                            "--dev", str(titles), "--test", str(titles), "--out", str(out))
    assert result.exit_code == 2 and "does not exist" in result.output

    db = tmp_path / "kb.duckdb"
    assert _invoke("load-umls", str(tiny_release), "--db", str(db), "--quiet")[0].exit_code == 0
    result, lines = _invoke("finetune", "ner", "--model", str(kebio_checkpoint), *common, "--out", str(out),
                            "--db", str(db))
    assert result.exit_code == 1 and len(lines) == 1 and "trained against another KB" in lines[0]

    chemicals = tmp_path / "chemicals.pubtator"
    write_pubtator([TaggedDocument(d.id, d.text, [s for s in d.spans if s.type == "Chemical"])
                    for d in read_tagged(titles)], chemicals)
    result, lines = _invoke("finetune", "ner", "--model", str(kebio_checkpoint), "--train", str(chemicals),
                            "--dev", str(titles), "--test", str(titles), "--out", str(out), "--allow-overlap")
    assert result.exit_code == 1 and len(lines) == 1 and "types absent from the training set: Disease" in lines[0]

    result, lines = _invoke("finetune", "ner", "--model", str(kebio_checkpoint), *common[:-1], "--out", str(out))
    assert result.exit_code == 1 and len(lines) == 1 and "every training document is also in dev or test" in lines[0]

    result, lines = _invoke("finetune", "re", "--model", str(kebio_checkpoint), *common, "--out", str(out))
    assert result.exit_code == 1 and len(lines) == 1 and "no CID relation lines" in lines[0]

    result, lines = _invoke("finetune", "ner", "--model", str(tmp_path), *common, "--out", str(out))
    assert result.exit_code == 1 and len(lines) == 1 and "not a model folder" in lines[0]

    result, lines = _invoke("finetune", "ner", "--model", str(kebio_checkpoint), *common[:6], "--allow-overlap",
                            "--max-length", "300", "--out", str(out))
    assert result.exit_code == 1 and len(lines) == 1 and "longer than the model's 256 positions" in lines[0]

    wrong = [("gpu", "not a device"), ("mps", "only cpu and cuda")]
    wrong += [] if torch.cuda.is_available() else [("cuda", "no CUDA GPU")]
    for device, message in wrong:
        result, lines = _invoke("finetune", "ner", "--model", str(kebio_checkpoint), *common, "--out", str(out),
                                "--device", device)
        assert result.exit_code == 1 and len(lines) == 1 and message in lines[0], result.output

    latin1 = tmp_path / "latin1.pubtator"
    latin1.write_bytes(titles.read_bytes().replace(b"|t|", b"|t|caf\xe9 ", 1))
    result, lines = _invoke("finetune", "ner", "--model", str(kebio_checkpoint), "--train", str(latin1),
                            *common[2:], "--out", str(out))
    assert result.exit_code == 1 and len(lines) == 1 and "latin1.pubtator:1: not UTF-8 text" in lines[0]
