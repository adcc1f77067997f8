"""Knowledge probes: construction on the real subsets, decoding on a model that memorised facts,
metrics on hand-made predictions, the commands."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner
from transformers import BertConfig, BertForMaskedLM

from kebiokg.cli.main import main
from kebiokg.documents import AnnotatedDocument, write_jsonl
from kebiokg.kb import KnowledgeBase
from kebiokg.pretraining.tokenizer import train_tokenizer
from kebiokg.probe.build import ProbeOptions, build_probe, clean_name, read_probe
from kebiokg.probe.evaluate import DecodeOptions, _decode_length, _slot_text, decode_queries, score_queries
from kebiokg.umls_loader.load import load_umls


def test_clean_name() -> None:
    assert clean_name("Cystitis, NOS") == "cystitis"
    assert clean_name("Heart Attack (disorder)") == "heart attack"
    assert clean_name("Non-Hodgkin  Lymphoma [Ambiguous]") == "non hodgkin lymphoma"


@pytest.fixture(scope="module")
def nci_kb(tmp_path_factory):
    from conftest import shared_data

    data = shared_data()
    if data is None:
        pytest.skip("real data not present (set KEBIOKG_DATA)")
    db = tmp_path_factory.mktemp("probe") / "kb.duckdb"
    load_umls(data / "umls" / "SAMPLE_NCIM", db)
    with KnowledgeBase(db) as kb:
        yield kb


def test_probe_from_real_relations(nci_kb: KnowledgeBase, tmp_path: Path) -> None:
    queries = build_probe(nci_kb, ProbeOptions(per_relation=10_000, max_per_answer=10_000))
    by_id = {q["id"]: q for q in queries}
    # read by hand in MRREL: C0010692|...|RO|C0000294|...|may_treat|  =  "Mesna may_treat Cystitis"
    mesna = by_id["may_treat:object:C0000294"]
    assert mesna["query"] == "mesna may treat [Y] ."
    objects = {o["cui"]: o["names"] for o in mesna["objects"]}
    assert "C0010692" in objects and "cystitis" in objects["C0010692"]
    reverse = by_id["may_treat:subject:C0010692"]
    assert reverse["query"] == "[X] may treat cystitis ."
    assert "C0000294" in {o["cui"] for o in reverse["objects"]}
    for q in queries:
        text, names = f" {q['query'].lower()} ", [n for o in q["objects"] for n in o["names"]]
        if q["trivial"]:  # an answer name is in the query
            assert any(n in text for n in names)
        else:
            assert not any(f" {n} " in text for n in names)
    assert any(q["trivial"] for q in queries) and not all(q["trivial"] for q in queries)
    capped = build_probe(nci_kb, ProbeOptions(per_relation=3, max_per_answer=1))
    per_relation: dict = {}
    for q in capped:
        per_relation[(q["relation"], q["direction"])] = per_relation.get((q["relation"], q["direction"]), 0) + 1
    assert max(per_relation.values()) <= 3
    assert capped == build_probe(nci_kb, ProbeOptions(per_relation=3, max_per_answer=1))  # deterministic
    assert {q["split"] for q in queries} == {"train", "dev", "test"}
    twins: dict = defaultdict(list)  # the same question through a relation and its inverse
    for q in queries:
        twins[(q["known"]["cui"], frozenset(o["cui"] for o in q["objects"]))].append(q)
    assert any({q["relation"] for q in group} != {group[0]["relation"]} for group in twins.values())
    assert all(len({q["split"] for q in group}) == 1 for group in twins.values())


FACTS = [("aspirin may treat [Y] .", "headache"), ("warfarin may cause [Y] .", "heart attack"),
         ("[X] may prevent stroke .", "clopidogrel")]


@pytest.fixture(scope="module")
def memorised(tmp_path_factory):
    """A tiny BERT trained until it fills each fact's slot (masked as a whole answer)."""
    root = tmp_path_factory.mktemp("facts")
    sentences = [q.replace("[Y]", a).replace("[X]", a) for q, a in FACTS]
    write_jsonl([AnnotatedDocument(str(i), s) for i, s in enumerate(sentences * 5)], root / "c.jsonl")
    tokenizer = train_tokenizer([root / "c.jsonl"], vocab_size=200, min_frequency=1)  # whole words
    torch.manual_seed(0)
    model = BertForMaskedLM(BertConfig(vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2,
                                       num_attention_heads=2, intermediate_size=64, max_position_embeddings=32,
                                       hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0))
    optimizer = torch.optim.AdamW(model.parameters(), lr=5e-3)
    batch = []
    for query, answer in FACTS:
        before, _, after = query.partition("[Y]" if "[Y]" in query else "[X]")
        answer_ids = tokenizer(answer, add_special_tokens=False)["input_ids"]
        ids = tokenizer(before.strip(), add_special_tokens=False)["input_ids"]
        ids = [tokenizer.cls_token_id, *ids]
        start = len(ids)
        ids += answer_ids + tokenizer(after.strip(), add_special_tokens=False)["input_ids"] + [tokenizer.sep_token_id]
        batch.append((ids, start, len(answer_ids)))
    for step in range(150):
        loss = 0
        for ids, start, n in batch:
            labels = torch.full((len(ids),), -100)
            masked = torch.tensor(ids)
            hide = list(range(start, start + n)) if step % 2 else [start + step // 2 % n]
            labels[hide] = masked[hide]
            masked[hide] = tokenizer.mask_token_id
            loss = loss + model(input_ids=masked[None], labels=labels[None]).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()
    model.save_pretrained(root / "model")
    tokenizer.save_pretrained(root / "model")
    return root / "model", model, tokenizer


def test_a_model_that_memorised_facts_answers_them(memorised) -> None:
    _, model, tokenizer = memorised
    queries = [{"query": q, "relation": "r", "objects": [{"cui": "C1", "names": [a]}]} for q, a in FACTS]
    predictions = decode_queries(model, tokenizer, queries, DecodeOptions(max_tokens=3, beam=3), "cpu")
    assert predictions[0][0][0] == "headache" and predictions[2][0][0] == "clopidogrel"
    assert "heart attack" in [text for text, _ in predictions[1][:5]]  # two masks, filled by confidence
    assert all(p[0][1] >= p[-1][1] for p in predictions)  # ranked by length-normalised log-probability
    assert score_queries(queries, predictions)["all"]["acc5"] == 1.0


def test_decoding_keeps_enough_candidates_for_hit50_and_never_fills_special_tokens(memorised) -> None:
    _, model, tokenizer = memorised
    queries = [{"query": q, "relation": "r", "objects": [{"cui": "C1", "names": [a]}]} for q, a in FACTS]
    ranked = decode_queries(model, tokenizer, queries, DecodeOptions(max_tokens=1, beam=1, max_candidates=50), "cpu")
    assert all(10 < len(candidates) <= 50 for candidates in ranked)  # a beam of 1 still pools 50 for hit@50
    encoded = [tuple(tokenizer(part.strip(), add_special_tokens=False)["input_ids"] for part in _slot_text(query))
               for query in queries]
    special = set(tokenizer.all_special_ids)
    plain = len(tokenizer) - len(special)
    fillings = _decode_length(model, tokenizer, encoded, 2, DecodeOptions(beam=5, max_candidates=200), "cpu")
    for filling in fillings:
        assert len(filling) == min(200, 5 * plain)
        assert not any(special & set(ids) for ids, _ in filling)


def test_metrics_on_hand_made_predictions() -> None:
    queries = [
        {"relation": "a", "trivial": False, "objects": [{"cui": "C1", "names": ["x", "ex"]}]},
        {"relation": "a", "trivial": True, "objects": [{"cui": "C2", "names": ["y"]}]},
        {"relation": "b", "trivial": False, "objects": [{"cui": "C3", "names": ["z"]}]},
        {"relation": "b", "trivial": False, "objects": [{"cui": "C4", "names": ["w"]}]},
    ]
    predictions = [[("ex", -0.1)], [("q", -0.1), ("y", -0.2)],
                   [(f"n{i}", -1.0) for i in range(10)] + [("z", -2.0)], [("v", -0.5)]]
    report = score_queries(queries, predictions)
    assert report["all"]["acc1"] == 0.25 and report["all"]["acc5"] == 0.5 and report["all"]["hit50"] == 0.75
    assert report["all"]["macro_acc5"] == (1.0 + 0.0) / 2  # relation a: 2 of 2; b: 0 of 2
    assert report["trivial"]["queries"] == 1 and report["trivial"]["acc5"] == 1.0
    assert report["non_trivial"]["acc1"] == pytest.approx(1 / 3)
    assert report["relations"]["b"]["hit50"] == 0.5


def test_probe_command_compares_models(memorised, tmp_path: Path) -> None:
    folder, _, _ = memorised
    probe = tmp_path / "probe.jsonl"
    probe.write_text("".join(json.dumps({"id": str(i), "relation": "r", "query": q, "split": "test",
                                         "objects": [{"cui": "C1", "names": [a]}], "trivial": False}) + "\n"
                             for i, (q, a) in enumerate(FACTS)))
    result = CliRunner().invoke(main, ["probe", "--model", str(folder), "--model", str(folder), "--probe", str(probe),
                                       "--out", str(tmp_path / "report"), "--max-tokens", "3", "--quiet"])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "report" / "report.json").read_text())
    assert report["model"]["all"]["acc5"] == 1.0 and set(report) == {"model", "model-2"}
    assert (tmp_path / "report" / "report.png").stat().st_size > 0
    assert "| model | 3 |" in (tmp_path / "report" / "report.md").read_text()
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"query": "no slot here", "objects": [{"names": ["x"]}]}\n')
    result = CliRunner().invoke(main, ["probe", "--model", str(folder), "--probe", str(bad), "--out",
                                       str(tmp_path / "r2"), "--quiet"])
    assert result.exit_code == 1 and "bad.jsonl:1: not a probe query" in result.output
    assert read_probe(probe, "test")[0]["query"] == FACTS[0][0]
