"""embed-kb: TransE learns a KB with structure (far above random vectors), the filtered ranks are the
standard ones, excluded facts never reach training, and runs are seeded, resumable and tied to their KB."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from helpers import write_release

from kebiokg import artefacts
from kebiokg.cli.main import main
from kebiokg.errors import KBError, KebiokgError
from kebiokg.kb import KnowledgeBase
from kebiokg.kge import EmbedOptions, load_kge
from kebiokg.kge.data import EvalSet, eval_set, prepare_data
from kebiokg.kge.evaluate import evaluate, filtered_ranks
from kebiokg.kge.models import MODELS, TransE
from kebiokg.kge.train import embed_kb, self_adversarial_loss
from kebiokg.kge.triples import TripleCodec, read_triples
from kebiokg.probe.build import ProbeOptions, build_probe, write_probe
from kebiokg.progress import NullProgress
from kebiokg.umls_loader.load import load_umls
from kebiokg.umls_loader.synth import clustered_release_rows

CLUSTERS, SIZE = 10, 20
# Small and quick: the structured KB has 1,140 triples, a 20% held-out split keeps the metrics stable.
QUICK = EmbedOptions(dim=32, epochs=6, batch_size=128, learning_rate=0.3, margin=1.0, valid_fraction=0.1,
                     test_fraction=0.1, patience=50)


def structured_release(root: Path) -> Path:
    """200 concepts in 10 clusters of 20 (see `clustered_release_rows`)."""
    return write_release(root, clustered_release_rows(CLUSTERS, SIZE))


@pytest.fixture(scope="module")
def kb_path(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("structured")
    load_umls(structured_release(root / "release"), root / "kb.duckdb")
    return root / "kb.duckdb"


@pytest.fixture(autouse=True)
def one_thread():
    """Two test workers share two cores: more torch threads only wait for each other."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def run(kb_path: Path, out: Path, options: EmbedOptions = QUICK, **kwargs) -> dict:
    with KnowledgeBase(kb_path) as kb:
        return embed_kb(kb, out, options, threads=1, **kwargs)


def test_transe_learns_the_structure_far_above_random_vectors(kb_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "kge"
    result = CliRunner().invoke(main, [
        "embed-kb", "--db", str(kb_path), "--out", str(out), "--dim", "64", "--epochs", "120", "--batch-size",
        "256", "--learning-rate", "0.3", "--margin", "1", "--valid-fraction", "0.1", "--test-fraction", "0.1",
        "--eval-every", "20", "--patience", "3", "--threads", "1", "--device", "cpu", "--quiet", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report == json.loads((out / "kge.json").read_text(encoding="utf-8"))
    trained = report["metrics"]["test"]
    with KnowledgeBase(kb_path) as kb:
        data = prepare_data(kb, 42, 0.1, 0.1, 1000)
        embeddings = load_kge(out, kb)
    assert report["split"] == data.split_sizes() and report["split"]["test_evaluated"] == 114
    generator = torch.Generator().manual_seed(0)
    random = evaluate(TransE(torch.randn(200, 64, generator=generator),
                             torch.randn(len(data.labels), 64, generator=generator)), data.test_eval)
    assert random["both"]["mrr"] < 0.06
    assert trained["both"]["mrr"] > random["both"]["mrr"] + 0.4, (trained, random)
    assert trained["head"]["hits@10"] > 0.7 and trained["tail"]["hits@10"] > 0.7
    # the folder's tables are the ones measured: the same metrics from load_kge's vectors
    again = evaluate(TransE(torch.from_numpy(np.array(embeddings.entities)),
                            torch.from_numpy(np.array(embeddings.relations))), data.test_eval)
    assert again == trained
    assert embeddings.entities.dtype == np.float32 and embeddings.entities.shape == (200, 64)
    assert "may_treat" in embeddings.relation_labels and embeddings.relations.shape == (6, 64)
    assert report["kb_fingerprint"] and report["epochs_run"] <= 120 and report["seconds"] > 0


def test_the_table_names_the_metrics(kb_path: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["embed-kb", "--db", str(kb_path), "--out", str(tmp_path / "kge"), "--dim", "8",
                                       "--epochs", "1", "--threads", "1", "--device", "cpu", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "prediction  MRR" in result.output and "Hits@10" in result.output and "ties: mean rank" in result.output
    assert [line.split()[0] for line in result.output.splitlines()[-3:]] == ["head", "tail", "both"]


@pytest.mark.parametrize("name", sorted(MODELS))
def test_the_written_out_gradients_are_autograd_s(name: str) -> None:
    generator = torch.Generator().manual_seed(0)
    model = MODELS[name](torch.randn(30, 8, generator=generator), torch.randn(4, 8, generator=generator))
    anchor, relation, target = (torch.randn(12, 8, generator=generator, dtype=torch.float64) for _ in range(3))
    noise = torch.randn(3, 5, 8, generator=generator, dtype=torch.float64)
    sign = torch.tensor([1.0, -1.0] * 6, dtype=torch.float64).unsqueeze(1)
    weight = torch.rand(12, generator=generator, dtype=torch.float64)
    leaves = [t.clone().requires_grad_() for t in (anchor, relation, target, noise)]
    query = model.query(leaves[0], leaves[1], sign)
    positive, negative = model.pair_scores(query, leaves[2]), model.scores(query.view(3, 4, 8), leaves[3])
    loss, grad_positive, grad_negative = self_adversarial_loss(positive.detach() + 1, negative.detach() + 1, weight)
    adversarial = torch.softmax(negative.detach() + 1, dim=-1)
    reference = -(torch.nn.functional.logsigmoid(positive + 1) * weight).sum() - (
        torch.nn.functional.logsigmoid(-negative - 1) * adversarial * weight.view(3, 4, 1)).sum()
    reference.backward()
    assert loss == pytest.approx(reference.item())
    query = query.detach()
    grad_query, grad_target = model.pair_gradients(query, target, positive.detach(), grad_positive)
    grad_queries, grad_noise = model.scores_gradients(query.view(3, 4, 8), noise, negative.detach(), grad_negative)
    grad_anchor, grad_relation = model.query_gradients(anchor, relation, sign, grad_query + grad_queries.view(12, 8))
    for ours, leaf in zip((grad_anchor, grad_relation, grad_target, grad_noise), leaves, strict=True):
        torch.testing.assert_close(ours, leaf.grad)


def brute_force_ranks(entities: np.ndarray, relations: np.ndarray, triples: np.ndarray, true: set, tail: bool
                      ) -> list[float]:
    """Textbook filtered ranks: every candidate's TransE distance, other true answers removed, ties as the mean."""
    ranks = []
    for h, r, t in triples:
        if tail:
            distance = np.linalg.norm(entities[h] + relations[r] - entities, axis=1)
            others = {e for e in range(len(entities)) if (h, r, e) in true and e != t}
            answer = t
        else:
            distance = np.linalg.norm(entities + relations[r] - entities[t], axis=1)
            others = {e for e in range(len(entities)) if (e, r, t) in true and e != h}
            answer = h
        keep = np.array([e not in others and e != answer for e in range(len(entities))])
        better = np.sum(distance[keep] < distance[answer] - 1e-6)
        tied = np.sum(np.abs(distance[keep] - distance[answer]) <= 1e-6)
        ranks.append(1 + better + tied / 2)
    return ranks


def test_filtered_ranks_are_the_textbook_ones_with_ties_as_the_mean() -> None:
    rng = np.random.default_rng(0)
    entities = rng.integers(-2, 3, size=(40, 4)).astype(np.float32)  # small integers: many exact ties
    entities[5] = entities[6] = entities[7]
    relations = rng.integers(-1, 2, size=(3, 4)).astype(np.float32)
    triples = np.unique(rng.integers(0, [40, 3, 40], size=(300, 3)), axis=0).astype(np.int32)
    codec = TripleCodec(40, 3)
    keys = np.sort(codec.rows(triples))
    evaluated = eval_set(keys, triples[::7], codec)
    true = {tuple(map(int, row)) for row in triples}
    model = TransE(torch.from_numpy(entities), torch.from_numpy(relations))
    for tail in (True, False):
        ours = filtered_ranks(model, evaluated, tail=tail, batch=5, block=16)
        assert ours.tolist() == brute_force_ranks(entities, relations, evaluated.triples, true, tail)
    constant = TransE(torch.zeros(40, 4), torch.zeros(3, 4))  # every score tied: the middle rank
    no_heads = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    ranks = filtered_ranks(constant, EvalSet(triples[:1], (np.array([0]), triples[:1, 2]), no_heads), tail=True)
    assert ranks.tolist() == [1 + 39 / 2]


def probe_file(kb_path: Path, path: Path) -> list[dict]:
    with KnowledgeBase(kb_path) as kb:
        queries = [q for q in build_probe(kb, ProbeOptions(min_triples=10)) if q["relation"] == "may_treat"]
    queries = [q for q in queries if q["direction"] == "object"][:6] + \
        [q for q in queries if q["direction"] == "subject"][-6:]
    write_probe(queries, path)
    return queries


def test_excluded_facts_and_their_inverses_never_reach_training(kb_path: Path, tmp_path: Path) -> None:
    queries = probe_file(kb_path, tmp_path / "probe.jsonl")
    assert {q["direction"] for q in queries} == {"object", "subject"}
    facts = {(q["known"]["cui"], o["cui"]) if q["direction"] == "object" else (o["cui"], q["known"]["cui"])
             for q in queries for o in q["objects"]}
    tsv = tmp_path / "facts.tsv"
    tsv.write_text("# subject\trelation\tobject\n" + "".join(f"{s}\tmay_treat\t{o}\n" for s, o in sorted(facts)),
                   encoding="utf-8")
    with KnowledgeBase(kb_path) as kb:
        ids = {c: kb.concept(c).entity_id for pair in facts for c in pair}
        everything = read_triples(kb)
        for exclude in (tmp_path / "probe.jsonl", tsv):
            data = prepare_data(kb, 42, 0.1, 0.1, 1000, exclude=exclude)
            labels = {label: i for i, label in enumerate(data.labels)}
            gone = {(ids[s], labels["may_treat"], ids[o]) for s, o in facts}
            gone |= {(ids[o], labels["may_be_treated_by"], ids[s]) for s, o in facts}
            kept = {tuple(map(int, row)) for part in (data.train, data.valid, data.test) for row in part}
            assert not gone & kept
            assert len(kept) == len(everything.keys) - len(gone)
            assert data.exclusion.facts == len(facts) and data.exclusion.triples_removed == 2 * len(facts)
            assert data.exclusion.inverse_relations["may_treat"] == "may_be_treated_by"
    report = run(kb_path, tmp_path / "kge", exclude=tsv)
    assert report["exclude"]["triples_removed"] == 2 * len(facts) and report["exclude"]["file"] == str(tsv)


def test_a_bad_exclude_file_names_its_line(kb_path: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.tsv"
    bad.write_text("C0000001\tmay_treat\tC0000021\nC0000001\tmay_treat\n", encoding="utf-8")
    with KnowledgeBase(kb_path) as kb, pytest.raises(KebiokgError, match=r"bad.tsv:2: expected CUI"):
        prepare_data(kb, 42, 0.1, 0.1, 1000, exclude=bad)
    bad.write_text("C0000001\tmay_treat\tC0999999\n", encoding="utf-8")
    with KnowledgeBase(kb_path) as kb, pytest.raises(KebiokgError, match=r"bad.tsv:1: C0999999 is not in this KB"):
        prepare_data(kb, 42, 0.1, 0.1, 1000, exclude=bad)


def test_same_seed_same_vectors_other_seed_other_vectors(kb_path: Path, tmp_path: Path) -> None:
    for name, seed in (("a", 7), ("b", 7), ("c", 8)):
        run(kb_path, tmp_path / name, replace(QUICK, seed=seed))
    a, b, c = ((tmp_path / name / "entities.npy").read_bytes() for name in "abc")
    assert a == b and a != c
    first, second = (json.loads((tmp_path / n / "kge.json").read_text(encoding="utf-8")) for n in "ab")
    assert first["metrics"] == second["metrics"] and first["history"] == second["history"]


class StopAt(NullProgress):
    """Interrupts the run as the given epoch starts (as Ctrl-C would)."""

    def __init__(self, epoch: int) -> None:
        self.epoch = epoch

    def task(self, description: str, total: float | None = None, unit: str = "it"):
        if description.startswith(f"epoch {self.epoch}/"):
            raise KeyboardInterrupt
        return super().task(description, total, unit)


def test_resume_after_an_interruption_matches_an_uninterrupted_run(kb_path: Path, tmp_path: Path) -> None:
    # A learning rate this high makes validation peak at epoch 2 and fall at 3 and 4, so the run is
    # interrupted with its best tables older than its last checkpoint, and they must survive the resume.
    options = replace(QUICK, learning_rate=3.0, epochs=4, eval_every=1)
    whole = run(kb_path, tmp_path / "whole", options)
    assert whole["best_epoch"] == 2 and whole["epochs_run"] == 4
    with pytest.raises(KeyboardInterrupt):
        run(kb_path, tmp_path / "resumed", options, progress=StopAt(4))
    assert not (tmp_path / "resumed" / "kge.json").exists()
    with pytest.raises(KebiokgError, match="unfinished run"):
        run(kb_path, tmp_path / "resumed", options)
    with pytest.raises(KebiokgError, match="--dim was 32, now 16"):
        run(kb_path, tmp_path / "resumed", replace(options, dim=16), resume=True)
    resumed = run(kb_path, tmp_path / "resumed", options, resume=True)
    for name in ("entities.npy", "relations.npy"):
        assert (tmp_path / "whole" / name).read_bytes() == (tmp_path / "resumed" / name).read_bytes()
    assert resumed["metrics"] == whole["metrics"] and resumed["history"] == whole["history"]
    with pytest.raises(KebiokgError, match="already holds a finished run"):
        run(kb_path, tmp_path / "resumed", options)


def test_embeddings_and_checkpoints_refuse_another_kb(kb_path: Path, tmp_path: Path, tiny_release: Path) -> None:
    out = tmp_path / "kge"
    run(kb_path, out)
    load_umls(tiny_release, tmp_path / "other.duckdb")
    with KnowledgeBase(tmp_path / "other.duckdb") as other:
        with pytest.raises(KBError, match="built from another KB"):
            load_kge(out, other)
        with pytest.raises(KBError, match="built from another KB"):
            embed_kb(other, out, QUICK, resume=True)


def test_damaged_embeddings_are_one_line_naming_the_file_and_the_rebuild(kb_path: Path, tmp_path: Path,
                                                                         monkeypatch) -> None:
    """A truncated table was a numpy traceback (mmap beyond the file): now an error naming it and the
    command that rewrites it, which works."""
    out = tmp_path / "kge"
    run(kb_path, out)
    entities = (out / "entities.npy").read_bytes()
    (out / "entities.npy").write_bytes(entities[:-100])
    with KnowledgeBase(kb_path) as kb:
        with pytest.raises(KebiokgError, match=r"entities.npy has .* \(truncated or damaged\); rebuild it with "
                                               r"`kebiokg embed-kb --out .* --resume`"):
            load_kge(out, kb)
        run(kb_path, out, resume=True)  # the rebuild the message names: the tables again from checkpoint.pt
        assert (out / "entities.npy").read_bytes() == entities
        altered = bytearray(entities)
        altered[-1] ^= 1  # same size, other bytes: found by the checksum
        (out / "entities.npy").write_bytes(bytes(altered))
        monkeypatch.setattr(artefacts, "CHEAP_BYTES", 0)  # large tables: sizes only, unless asked
        assert load_kge(out, kb).entities.shape == (200, 32)
        with pytest.raises(KebiokgError, match="entities.npy differs from the file written"):
            load_kge(out, kb, verify=True)


def test_a_kb_without_relations_is_one_clear_error(tmp_path: Path) -> None:
    load_umls(write_release(tmp_path / "release", {"MRREL": []}), tmp_path / "kb.duckdb")
    result = CliRunner().invoke(main, ["embed-kb", "--db", str(tmp_path / "kb.duckdb"), "--out", str(tmp_path / "kge"),
                                       "--quiet", "--device", "cpu"])
    assert result.exit_code == 1
    assert result.output.startswith("kebiokg: error:") and "has no relations" in result.output
    assert len(result.output.strip().splitlines()) == 1
