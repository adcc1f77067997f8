"""Knowledge probes: construction on the real subsets, decoding on a model that memorised facts and
on masked LMs given by a rule (confidence order, sum or mean ranking), metrics on hand-made
predictions, MedLAMA and BioLAMA files as published, the commands."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from click.testing import CliRunner
from transformers import BertConfig, BertForMaskedLM, BertTokenizerFast

from kebiokg.cli.main import main
from kebiokg.documents import AnnotatedDocument, write_jsonl
from kebiokg.errors import KebiokgError
from kebiokg.kb import KnowledgeBase
from kebiokg.pretraining.tokenizer import train_tokenizer
from kebiokg.probe.build import ProbeOptions, build_probe, clean_name
from kebiokg.probe.evaluate import (
    Decoded,
    DecodeOptions,
    _decode_length,
    _slot_text,
    answer_lengths,
    decode_queries,
    mask_budget,
    score_queries,
)
from kebiokg.probe.formats import read_probe, read_probe_set
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
    assert {q["max_answer_tokens"] for q in queries} == {10}  # the budget `probe` follows


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
    decoded = decode_queries(model, tokenizer, queries, DecodeOptions(max_tokens=3, beam=3), "cpu")
    assert decoded[0].ranked[0][0] == "headache" and decoded[2].ranked[0][0] == "clopidogrel"
    assert "heart attack" in [text for text, _ in decoded[1].ranked[:5]]  # two masks
    assert all(len(d.beams) <= 3 * 3 for d in decoded)  # 3 beams of each of 3 lengths
    report = score_queries(queries, decoded)
    assert report["all"]["acc5"] == 1.0 and report["all"]["kebiolm_hit"] == 1.0


def test_decoding_keeps_enough_candidates_for_hit50_and_never_fills_special_tokens(memorised) -> None:
    _, model, tokenizer = memorised
    queries = [{"query": q, "relation": "r", "objects": [{"cui": "C1", "names": [a]}]} for q, a in FACTS]
    decoded = decode_queries(model, tokenizer, queries, DecodeOptions(max_tokens=1, beam=1, max_candidates=50), "cpu")
    assert all(10 < len(d.ranked) <= 50 and len(d.beams) == 1 for d in decoded)  # a beam of 1 still pools 50
    encoded = [tuple(tokenizer(part.strip(), add_special_tokens=False)["input_ids"] for part in _slot_text(query))
               for query in queries]
    special = set(tokenizer.all_special_ids)
    plain = len(tokenizer) - len(special)
    fillings = _decode_length(model, tokenizer, encoded, 2, DecodeOptions(beam=5, max_candidates=200), "cpu")
    for filling in fillings:
        assert len(filling) == min(200, 5 * plain)
        assert not any(special & set(ids) for ids, _ in filling)
        assert [lp for _, lp in filling] == sorted((lp for _, lp in filling), reverse=True)  # best first


class RuleLM(torch.nn.Module):
    """A masked LM given by a rule: for the slot between "is" and "." (its filling so far, "[MASK]" where
    open), the probability of a few tokens at each slot position; the rest spread evenly."""

    def __init__(self, tokenizer, rule) -> None:
        super().__init__()
        self.config = SimpleNamespace(max_position_embeddings=32)
        self.tokenizer, self.rule = tokenizer, rule

    def forward(self, input_ids, attention_mask):
        vocab = len(self.tokenizer)
        logits = torch.zeros(*input_ids.shape, vocab)
        for row, ids in enumerate(input_ids.tolist()):
            tokens = self.tokenizer.convert_ids_to_tokens(ids)
            start, end = tokens.index("is") + 1, tokens.index("[SEP]") - 1
            for offset, probs in enumerate(self.rule(tuple(tokens[start:end]))):
                rest = (1 - sum(probs.values())) / (vocab - len(probs))
                logits[row, start + offset] = math.log(rest)
                for token, p in probs.items():
                    logits[row, start + offset, self.tokenizer.convert_tokens_to_ids(token)] = math.log(p)
        return SimpleNamespace(logits=logits)


@pytest.fixture(scope="module")
def rule_tokenizer(tmp_path_factory):
    vocab = tmp_path_factory.mktemp("rule") / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "x", "is", ".", "a", "b", "c", "d",
                                "e", "f"]) + "\n")
    return BertTokenizerFast(vocab=str(vocab))


RULE_QUERY = [{"query": "x is [Y] .", "relation": "r", "objects": [{"cui": "C1", "names": ["a b"]}]}]


def test_decoding_fills_the_most_confident_position_first(rule_tokenizer) -> None:
    """Both masks open, the first position is unsure (c 0.4, a 0.35) and the second sure (b 0.9);
    once b is in, the first is a. Confidence order fills b first and reads "a b"; left to right
    would fill c first and then read "c d"."""
    def rule(filling):
        if len(filling) == 1:
            return [{"e": 0.5}]
        first, second = filling
        return [{"a": 0.9} if second == "b" else {"c": 0.4, "a": 0.35}, {"d": 0.9} if first == "c" else {"b": 0.9}]

    decoded = decode_queries(RuleLM(rule_tokenizer, rule), rule_tokenizer, RULE_QUERY,
                             DecodeOptions(max_tokens=2, beam=1), "cpu")[0]
    assert decoded.beams == {"e", "a b"}
    assert "c d" not in dict(decoded.ranked)
    assert dict(decoded.ranked)["a b"] == pytest.approx(math.log(0.9) + math.log(0.9), abs=1e-5)


def test_candidates_rank_by_summed_log_probability_or_by_the_mean(rule_tokenizer) -> None:
    """"c" (one mask, p 0.6) against "a b" (two masks, p 0.7 each): the sum (BioLAMA's ranking) puts c
    first (-0.51 > -0.71), the mean (--length-norm) puts "a b" first (-0.36 > -0.51)."""
    def rule(filling):
        return [{"c": 0.6}] if len(filling) == 1 else [{"a": 0.7}, {"b": 0.7}]

    model = RuleLM(rule_tokenizer, rule)
    summed = decode_queries(model, rule_tokenizer, RULE_QUERY, DecodeOptions(max_tokens=2, beam=2), "cpu")[0]
    assert summed.ranked[:2] == [("c", pytest.approx(math.log(0.6), abs=1e-5)),
                                 ("a b", pytest.approx(2 * math.log(0.7), abs=1e-5))]
    mean = decode_queries(model, rule_tokenizer, RULE_QUERY, DecodeOptions(max_tokens=2, beam=2, length_norm=True),
                          "cpu")[0]
    assert mean.ranked[:2] == [("a b", pytest.approx(math.log(0.7), abs=1e-5)),
                               ("c", pytest.approx(math.log(0.6), abs=1e-5))]
    assert {"c", "a b"} <= summed.beams == mean.beams  # the beams do not depend on the ranking
    report = score_queries(RULE_QUERY, [summed])
    assert report["all"]["acc1"] == 0.0 and report["all"]["acc5"] == 1.0
    assert score_queries(RULE_QUERY, [mean])["all"]["acc1"] == 1.0


def test_metrics_on_hand_made_predictions() -> None:
    queries = [
        {"relation": "a", "trivial": False, "objects": [{"cui": "C1", "names": ["x", "ex"]}]},
        {"relation": "a", "trivial": True, "objects": [{"cui": "C2", "names": ["y"]}]},
        {"relation": "b", "trivial": False, "objects": [{"cui": "C3", "names": ["z"]}]},
        {"relation": "b", "trivial": False, "objects": [{"cui": "C4", "names": ["w"]}]},
    ]
    decoded = [Decoded([("ex", -0.1)], frozenset({"ex"})),
               Decoded([("q", -0.1), ("y", -0.2)], frozenset({"q"})),
               Decoded([(f"n{i}", -1.0) for i in range(10)] + [("z", -2.0)], frozenset({"n0"})),
               Decoded([("v", -0.5)], frozenset({"v", "w"}))]  # w: among the beams, ranked out of the top 50
    report = score_queries(queries, decoded, answerable=[True, True, True, False])
    assert report["all"]["acc1"] == 0.25 and report["all"]["acc5"] == 0.5 and report["all"]["hit50"] == 0.75
    assert report["all"]["kebiolm_hit"] == 0.5  # "ex" and "w" among the beams; "y", "z" ranked but not beams
    assert report["all"]["macro_acc5"] == (1.0 + 0.0) / 2  # relation a: 2 of 2; b: 0 of 2
    assert report["all"]["macro_kebiolm_hit"] == (0.5 + 0.5) / 2
    assert report["trivial"]["queries"] == 1 and report["trivial"]["acc5"] == 1.0
    assert report["non_trivial"]["queries"] == 3 and report["non_trivial"]["acc1"] == pytest.approx(1 / 3)
    assert report["non_trivial"]["kebiolm_hit"] == pytest.approx(2 / 3)
    assert report["all"]["beyond_budget"] == report["non_trivial"]["beyond_budget"] == 1
    assert report["relations"]["b"]["all"]["hit50"] == 0.5 and report["relations"]["a"]["non_trivial"]["queries"] == 1


def test_the_mask_budget_follows_the_probe(rule_tokenizer) -> None:
    queries = [{"objects": [{"names": ["a", "a b c"]}]}, {"objects": [{"names": ["b d"]}, {"names": []}]}]
    lengths = answer_lengths(queries, rule_tokenizer)
    assert lengths == [[1, 3], [2]]
    assert mask_budget(None, 10, lengths) == (10, "the probe")  # what build-probe was told
    assert mask_budget(None, None, lengths) == (3, "the longest answer")  # a probe that does not say
    assert mask_budget(1, 10, lengths) == (1, "--max-tokens")


def test_probe_command_compares_models(memorised, tmp_path: Path) -> None:
    folder, _, _ = memorised
    probe = tmp_path / "probe.jsonl"
    probe.write_text("".join(json.dumps({"id": str(i), "relation": "r", "query": q, "split": "test",
                                         "objects": [{"cui": "C1", "names": [a]}], "trivial": False,
                                         "max_answer_tokens": 3}) + "\n"
                             for i, (q, a) in enumerate(FACTS)))
    result = CliRunner().invoke(main, ["probe", "--model", str(folder), "--model", str(folder), "--probe", str(probe),
                                       "--out", str(tmp_path / "report"), "--quiet"])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "report" / "report.json").read_text())
    assert set(report) == {"model", "model-2"}
    assert report["model"]["non_trivial"]["acc5"] == 1.0 and report["model"]["non_trivial"]["kebiolm_hit"] == 1.0
    assert report["model"]["settings"] == {"format": "kebiokg", "split": "test", "max_tokens": 3,
                                           "max_tokens_from": "the probe", "beam": 5, "ranking": "sum"}
    assert report["model"]["all"]["beyond_budget"] == 0 and "warning" not in result.stderr
    assert (tmp_path / "report" / "report.png").stat().st_size > 0
    markdown = (tmp_path / "report" / "report.md").read_text()
    assert markdown.index("## Non-trivial queries") < markdown.index("## All queries")
    assert "| model | 3 | 0 |" in markdown
    assert result.stdout.index("non-trivial queries") < result.stdout.index("all queries")
    assert "KeBioLM hit" in result.stdout and "1..3 masks (from the probe)" in result.stdout
    # fewer masks than the probe asks for: said, counted, and the two-word answer out of reach
    result = CliRunner().invoke(main, ["probe", "--model", str(folder), "--probe", str(probe), "--max-tokens", "1",
                                       "--length-norm", "--out", str(tmp_path / "short"), "--quiet"])
    assert result.exit_code == 0, result.output
    assert result.stderr.strip() == ("kebiokg: warning: model: 1 of 3 queries have no gold name of at most 1 word "
                                     "pieces and count as misses (--max-tokens 2 reaches them)")
    short = json.loads((tmp_path / "short" / "report.json").read_text())["model"]
    assert short["non_trivial"]["beyond_budget"] == 1 and short["non_trivial"]["acc5"] == pytest.approx(2 / 3)
    assert short["settings"]["ranking"] == "mean" and short["settings"]["max_tokens_from"] == "--max-tokens"
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"query": "no slot here", "relation": "r", "objects": [{"names": ["x"]}]}\n')
    result = CliRunner().invoke(main, ["probe", "--model", str(folder), "--probe", str(bad), "--out",
                                       str(tmp_path / "r2"), "--quiet"])
    assert result.exit_code == 1 and "bad.jsonl:1: not a probe query" in result.output
    result = CliRunner().invoke(main, ["probe", "--model", str(folder), "--probe", str(probe), "--split", "dev",
                                       "--out", str(tmp_path / "r3"), "--quiet"])
    assert result.exit_code == 1 and "no queries in split 'dev' (splits here: test)" in result.output
    assert read_probe(probe)[0]["query"] == FACTS[0][0]


MEDLAMA_HEADER = ("head_cui,head_name,rel,tail_cuis_list,tail_names_list,tail_names,tail_cuis,tail_cuis_len,"
                  "tail_names_len,avg_match,avg_rouge_l\n")  # as cambridgeltl/medlama publishes data/medlama/2021AA


def write_medlama(root: Path) -> Path:
    """MedLAMA's layout: prompts.csv beside the release folder of one CSV per relation (full and hard)."""
    (root / "2021AA").mkdir(parents=True)
    (root / "prompts.csv").write_text("pid,default_prompt,human_prompt\n"
                                      "may_treat,[X] may treat [Y] .,[X] might treat [Y] .\n"
                                      "may_cause,[X] may cause [Y] .,\n")
    aspirin = "C0004057,aspirin,may_treat,['C0018681'],['Headache'],Headache,C0018681,1,1,0.0,0.0\n"
    (root / "2021AA" / "may_treat_1000.csv").write_text(
        MEDLAMA_HEADER + aspirin + "C0000002,headache powder,may_treat,\"['C0018681', 'C0038454']\",\"['Headache', "
        "'Stroke, NOS']\",\"Headache || Stroke, NOS\",C0018681 || C0038454,2,2,1.0,0.5\n")
    (root / "2021AA" / "may_treat_1_hard.csv").write_text(MEDLAMA_HEADER + aspirin)
    (root / "2021AA" / "may_cause_1000.csv").write_text(
        MEDLAMA_HEADER
        + "C0043031,warfarin,may_cause,['C0027051'],['Heart Attack'],Heart Attack,C0027051,1,1,0.0,0.0\n")
    return root / "2021AA"


def test_medlama_read_as_published(tmp_path: Path) -> None:
    folder = write_medlama(tmp_path / "medlama")
    full = read_probe_set(folder)
    assert full.format == "medlama" and full.max_answer_tokens == 10 and full.splits == ("full", "hard")
    by_text = {q["query"]: q for q in full.queries}
    assert set(by_text) == {"aspirin may treat [Y] .", "headache powder may treat [Y] .", "warfarin may cause [Y] ."}
    powder = by_text["headache powder may treat [Y] ."]
    assert powder["objects"] == [{"cui": "C0018681", "names": ["headache"]}, {"cui": "C0038454", "names": ["stroke"]}]
    assert powder["trivial"] and not by_text["aspirin may treat [Y] ."]["trivial"]
    hard = read_probe_set(folder, split="hard")
    assert [q["query"] for q in hard.queries] == ["aspirin may treat [Y] ."]
    assert len(read_probe_set(folder, split="all").queries) == 3  # the hard set repeats full-set rows: read once
    single = read_probe_set(folder / "may_treat_1000.csv", "medlama", prompts="human")
    assert [q["query"] for q in single.queries] == ["aspirin might treat [Y] .", "headache powder might treat [Y] ."]
    with pytest.raises(KebiokgError, match=r"may_cause_1000.csv:2: no template for relation 'may_cause'"):
        read_probe_set(folder, prompts="human")  # MedLAMA leaves that human prompt empty
    (folder / "may_cause_1000.csv").write_text(MEDLAMA_HEADER + "C1,warfarin,may_cause,[],[],,,0,0,0.0,0.0\n")
    with pytest.raises(KebiokgError, match=r"may_cause_1000.csv:2: a MedLAMA row needs head_name, rel and tail_names"):
        read_probe_set(folder)


def write_biolama(root: Path) -> Path:
    """BioLAMA's layout: triples_processed/<relation>/{train,dev,test}.jsonl and prompts/manual.jsonl."""
    (root / "prompts").mkdir(parents=True)
    (root / "prompts" / "manual.jsonl").write_text(
        json.dumps({"relation": "UR44", "template": "[X] may treat [Y] ."}) + "\n"
        + json.dumps({"relation": "UR50", "template": "[X] may cause [Y] ."}) + "\n")
    for relation, rows in {"UR44": [("aspirin", ["Headache"], [["Cephalalgia", "Head Pain"]])],
                           "UR50": [("warfarin", ["Heart Attack", "Bleeding"], [[], ["Hemorrhage"]])]}.items():
        (root / "triples_processed" / relation).mkdir(parents=True)
        for split in ("train", "test"):
            (root / "triples_processed" / relation / f"{split}.jsonl").write_text("".join(json.dumps(
                {"uuid": f"{sub}-{relation}-{split}", "predicate_id": relation, "sub_uri": "C1", "sub_label": sub,
                 "sub_type": "", "sub_aliases": [], "obj_uris": [f"C{i}" for i in range(len(labels))],
                 "obj_labels": labels, "obj_types": [], "obj_aliases": aliases}) + "\n"
                for sub, labels, aliases in rows))
    return root / "triples_processed"


def test_biolama_read_as_published(tmp_path: Path) -> None:
    folder = write_biolama(tmp_path / "umls")
    test = read_probe_set(folder)
    assert test.format == "biolama" and test.max_answer_tokens == 10 and test.splits == ("test", "train")
    by_relation = {q["relation"]: q for q in test.queries}
    assert set(by_relation) == {"UR44", "UR50"} and {q["split"] for q in test.queries} == {"test"}
    assert by_relation["UR44"]["query"] == "aspirin may treat [Y] ."
    assert by_relation["UR44"]["objects"] == [{"cui": "C0", "names": ["headache", "cephalalgia", "head pain"]}]
    assert [o["names"] for o in by_relation["UR50"]["objects"]] == [["heart attack"], ["bleeding", "hemorrhage"]]
    assert len(read_probe_set(folder / "UR44", split="all").queries) == 2  # a relation folder: train and test
    assert read_probe_set(folder / "UR44" / "train.jsonl", split="train").queries[0]["relation"] == "UR44"
    with (folder / "UR50" / "test.jsonl").open("a") as handle:
        handle.write('{"sub_label": "heparin"}\n')
    with pytest.raises(KebiokgError, match=r"UR50/test.jsonl:2: not a BioLAMA triple"):
        read_probe_set(folder)
    lone = tmp_path / "lone" / "UR44" / "test.jsonl"  # away from its prompts
    lone.parent.mkdir(parents=True)
    lone.write_text((folder / "UR44" / "test.jsonl").read_text())
    with pytest.raises(KebiokgError, match="no BioLAMA templates"):
        read_probe_set(lone)
    assert len(read_probe_set(lone, templates=tmp_path / "umls" / "prompts" / "manual.jsonl").queries) == 1


def test_probe_command_reads_medlama_and_biolama(memorised, tmp_path: Path) -> None:
    folder, _, _ = memorised
    medlama = write_medlama(tmp_path / "medlama")
    result = CliRunner().invoke(main, ["probe", "--model", str(folder), "--probe", str(medlama), "--max-tokens", "2",
                                       "--out", str(tmp_path / "m"), "--quiet"])  # 10 masks by default: slow here
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "m" / "report.json").read_text())["model"]
    assert report["settings"]["format"] == "medlama" and report["settings"]["split"] == "full"
    assert report["all"]["queries"] == 3
    assert report["non_trivial"]["queries"] == 2 and report["non_trivial"]["acc5"] == 1.0  # headache, heart attack
    biolama = write_biolama(tmp_path / "umls")
    result = CliRunner().invoke(main, ["probe", "--model", str(folder), "--probe", str(biolama), "--probe-format",
                                       "biolama", "--max-tokens", "2", "--out", str(tmp_path / "b"), "--quiet"])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "b" / "report.json").read_text())["model"]
    assert report["settings"]["format"] == "biolama" and report["non_trivial"]["queries"] == 2
    assert report["non_trivial"]["acc5"] == 1.0
