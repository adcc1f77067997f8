"""`convert-kebiolm`: a checkpoint in the layout the authors' code (github.com/GanjinZero/KeBioLM)
saves, built here with random weights, converts into a kebiokg model that computes what the original
computes. The reference is a restatement of the original forward pass written for this test from that
code's semantics, run on inputs where the original's span defects (the write one token past a span,
padding spans over [CLS], the padding entity as a candidate) change nothing."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from click.testing import CliRunner
from transformers import AutoModel, AutoModelForMaskedLM, AutoModelForPreTraining, AutoTokenizer

from kebiokg.cli.main import main
from kebiokg.modeling_kebio import BIO_BEGIN, BIO_INSIDE, BIO_OUTSIDE, ENTITY_OFFSET

# their config.json: BertConfig's fields and their KebioConfig's (transformers 3.4 writes every attribute)
THEIRS = {
    "architectures": ["KebioForPreTraining"], "model_type": "bert", "vocab_size": 40, "hidden_size": 16,
    "num_hidden_layers": 3, "num_context_layers": 2, "num_attention_heads": 2, "intermediate_size": 32,
    "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
    "max_position_embeddings": 32, "type_vocab_size": 16, "initializer_range": 0.02, "layer_norm_eps": 1e-12,
    "pad_token_id": 0, "gradient_checkpointing": False, "position_embedding_type": "absolute",
    "num_entities": 10, "entity_size": 8, "max_mentions": 15, "max_candidate_entities": 4,
}
# entity.jsonl: ids as the original numbers them (id 5 names nothing), the special ones not at 1 and 2
ENTITIES = {0: "[PAD_ENT]", 1: "C0000003", 2: "C0099991", 3: "C0000001", 4: "C0000002", 6: "[UNK_ENT]",
            7: "[NIL_ENT]", 8: "C0099992", 9: "C0099993"}
WORDS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "aspirin", "may", "treat", "heart", "attack", "headache",
         "warfarin", "cause", "stroke", ".", "pain", "in", "the", "of", "and"]
LAYER_LINEARS = {"attention.self.query": "hh", "attention.self.key": "hh", "attention.self.value": "hh",
                 "attention.output.dense": "hh", "intermediate.dense": "ih", "output.dense": "hi"}


def their_state_dict(seed: int = 0) -> dict[str, torch.Tensor]:
    """Random weights under the names and shapes their KebioForPreTraining's state dict has. The linker
    is rigged so that every mention scores the padding entity (row 0) lowest: the original ranks it like
    any entity, kebiokg never takes it as a candidate."""
    g = torch.Generator().manual_seed(seed)
    c = THEIRS
    h, e, n, v = c["hidden_size"], c["entity_size"], c["num_entities"], c["vocab_size"]
    sizes = {"h": h, "i": c["intermediate_size"]}
    sd: dict[str, torch.Tensor] = {}

    def randn(*shape: int, scale: float) -> torch.Tensor:
        return torch.randn(*shape, generator=g) * scale

    def linear(name: str, rows: int, columns: int) -> None:
        sd[f"{name}.weight"], sd[f"{name}.bias"] = randn(rows, columns, scale=0.3), randn(rows, scale=0.1)

    def norm(name: str) -> None:
        sd[f"{name}.weight"], sd[f"{name}.bias"] = 1 + randn(h, scale=0.1), randn(h, scale=0.1)

    for table, rows in (("word", v), ("position", c["max_position_embeddings"]), ("token_type", c["type_vocab_size"])):
        sd[f"bert.embeddings.{table}_embeddings.weight"] = randn(rows, h, scale=0.5)
    norm("bert.embeddings.LayerNorm")
    sd["bert.embeddings.position_ids"] = torch.arange(c["max_position_embeddings"]).unsqueeze(0)
    stacks = [("context_encoder", c["num_context_layers"]),
              ("recontext_encoder", c["num_hidden_layers"] - c["num_context_layers"])]
    for stack, layers in stacks:
        for i in range(layers):
            for name, (rows, columns) in LAYER_LINEARS.items():
                linear(f"bert.{stack}.layer.{i}.{name}", sizes[rows], sizes[columns])
            norm(f"bert.{stack}.layer.{i}.attention.output.LayerNorm")
            norm(f"bert.{stack}.layer.{i}.output.LayerNorm")
    linear("bert.mention_detector", 3, h)
    linear("bert.entity_linker.mention_to_entity_projection", e, 2 * h)
    sd["bert.entity_linker.mention_to_entity_projection.bias"][0] += 10.0
    table = randn(n, e, scale=0.3)
    table[:, 0] = 1.0
    table[0, 0] = -1.0  # the padding entity: about -20 below every other entity
    sd["bert.entity_linker.entity_embeddings.weight"] = table
    linear("bert.entity_context_projection", h, e)
    norm("bert.layer_norm")
    linear("cls.predictions.transform.dense", h, h)
    norm("cls.predictions.transform.LayerNorm")
    sd["cls.predictions.bias"] = randn(v, scale=0.1)
    sd["cls.predictions.decoder.bias"] = sd["cls.predictions.bias"]  # one parameter, two names
    sd["cls.predictions.decoder.weight"] = sd["bert.embeddings.word_embeddings.weight"]  # tied
    return sd


def write_checkpoint(folder: Path, sd: dict | None = None, config: dict | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps(config or THEIRS, indent=2))
    torch.save(sd if sd is not None else their_state_dict(), folder / "pytorch_model.bin")
    (folder / "vocab.txt").write_text("".join(w + "\n" for w in WORDS + [f"w{i}" for i in range(20)]))
    (folder / "entity.jsonl").write_text("".join(json.dumps({"entity_name": name, "id": i}) + "\n"
                                                 for i, name in ENTITIES.items()))
    return folder


def their_forward(sd: dict, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                  tags: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(detection logits, last hidden states, MLM logits) of the original KebioForPreTraining in eval
    mode. Restated from their code: spans from the BIO tags (given, or the detection head's argmax) over
    positions 1..n-1 of the non-[PAD] tokens, end exclusive; at most max_mentions per sequence, rows with
    fewer padded with (0, 1); each mention is [h_start ; h_end-1] projected, scored against every row of
    the table, its top-k softmax-weighted entity projected and written into a zero buffer over
    start..end inclusive (later writes win); then LayerNorm(h + buffer) over every token."""
    c = THEIRS
    h, heads, eps = c["hidden_size"], c["num_attention_heads"], c["layer_norm_eps"]
    batch, length = input_ids.shape

    def lin(x: torch.Tensor, name: str) -> torch.Tensor:
        return x @ sd[f"{name}.weight"].T + sd[f"{name}.bias"]

    def norm(x: torch.Tensor, name: str) -> torch.Tensor:
        return F.layer_norm(x, (h,), sd[f"{name}.weight"], sd[f"{name}.bias"], eps)

    additive = (1.0 - attention_mask[:, None, None, :].float()) * -10000.0  # transformers 3.4's extended mask

    def layer(x: torch.Tensor, prefix: str) -> torch.Tensor:
        def split(y: torch.Tensor) -> torch.Tensor:
            return y.view(batch, length, heads, h // heads).transpose(1, 2)

        q, k, v = (split(lin(x, f"{prefix}.attention.self.{w}")) for w in ("query", "key", "value"))
        probs = (q @ k.transpose(-1, -2) / math.sqrt(h // heads) + additive).softmax(-1)
        context = (probs @ v).transpose(1, 2).reshape(batch, length, h)
        x = norm(lin(context, f"{prefix}.attention.output.dense") + x, f"{prefix}.attention.output.LayerNorm")
        inner = F.gelu(lin(x, f"{prefix}.intermediate.dense"))
        return norm(lin(inner, f"{prefix}.output.dense") + x, f"{prefix}.output.LayerNorm")

    words = sd["bert.embeddings.word_embeddings.weight"]
    x = (words[input_ids] + sd["bert.embeddings.position_embeddings.weight"][:length]
         + sd["bert.embeddings.token_type_embeddings.weight"][0])
    x = norm(x, "bert.embeddings.LayerNorm")
    for i in range(c["num_context_layers"]):
        x = layer(x, f"bert.context_encoder.layer.{i}")
    detection = lin(x, "bert.mention_detector")
    labels = (tags if tags is not None else detection.argmax(-1)).tolist()
    lengths = (input_ids != c["pad_token_id"]).sum(-1).tolist()
    spans = []
    for row in range(batch):
        found: list[list[int]] = []
        previous = None
        for position in range(1, lengths[row]):
            label = labels[row][position]
            if label == BIO_BEGIN or (label == BIO_INSIDE and previous in (None, BIO_OUTSIDE)):
                found.append([position, position + 1])
            elif label == BIO_INSIDE:
                found[-1][1] = position + 1
            previous = label
        spans.append(found)
    most = min(max(len(s) for s in spans), c["max_mentions"])
    buffer = torch.zeros_like(x)
    table = sd["bert.entity_linker.entity_embeddings.weight"]
    for row in range(batch if most else 0):
        for start, end in (spans[row] + [[0, 1]] * most)[:most]:
            ends = torch.cat([x[row, start], x[row, end - 1]])
            mention = lin(ends, "bert.entity_linker.mention_to_entity_projection")
            top, ids = (table @ mention).topk(min(c["max_candidate_entities"], c["num_entities"]))
            entity = (top.softmax(-1)[:, None] * table[ids]).sum(0)
            buffer[row, start:end + 1] = lin(entity, "bert.entity_context_projection")
    x = norm(x + buffer, "bert.layer_norm")
    for i in range(c["num_hidden_layers"] - c["num_context_layers"]):
        x = layer(x, f"bert.recontext_encoder.layer.{i}")
    transformed = norm(F.gelu(lin(x, "cls.predictions.transform.dense")), "cls.predictions.transform.LayerNorm")
    return detection, x, transformed @ words.T + sd["cls.predictions.bias"]


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("kebiolm")
    sd = their_state_dict()
    write_checkpoint(root / "original", sd)
    result = CliRunner().invoke(main, ["convert-kebiolm", str(root / "original"), str(root / "converted"), "--quiet"])
    assert result.exit_code == 0, result.output
    return root / "converted", sd


def _close(ours: torch.Tensor, theirs: torch.Tensor, real: torch.Tensor) -> bool:
    return torch.allclose(ours[real.bool()], theirs[real.bool()], atol=1e-4, rtol=1e-4)


def test_converted_model_computes_what_the_original_computes(converted) -> None:
    folder, sd = converted
    # spans given (pretraining): they run from a first O-free stretch to the last real token, so a write
    # one past a span lands on the next span (which overwrites it) or past the end; each row has three
    # mentions, so no padding span; row 1 ends in [PAD]s, which the comparison leaves out
    ids = torch.tensor([[2, 5, 6, 7, 8, 9, 10, 3], [2, 11, 12, 8, 9, 3, 0, 0]])
    mask = (ids != 0).long()
    O, B, I = BIO_OUTSIDE, BIO_BEGIN, BIO_INSIDE  # noqa: E741
    tags = torch.tensor([[O, O, B, I, B, B, I, I], [O, B, B, I, B, I, O, O]])
    spans = torch.tensor([[[2, 4], [4, 5], [5, 8]], [[1, 2], [2, 4], [4, 6]]])
    detection, _, logits = their_forward(sd, ids, mask, tags)
    model = AutoModelForPreTraining.from_pretrained(folder).eval()
    with torch.no_grad():
        out = model(input_ids=ids, attention_mask=mask, mention_spans=spans)
        assert _close(out.detection_logits, detection, mask) and _close(out.logits, logits, mask)
        no_mentions = model(input_ids=ids, attention_mask=mask, mention_spans=torch.zeros(2, 0, 2, dtype=torch.long))
        assert _close(no_mentions.logits, their_forward(sd, ids, mask, torch.zeros_like(tags))[2], mask)
        model.config.fusion_norm_all_tokens = False  # kebiokg's own fusion: the tokens outside mentions differ
        assert not _close(model(input_ids=ids, attention_mask=mask, mention_spans=spans).logits, logits, mask)

    # spans decoded from the detection head: every token a B, one mention through every token, none
    encoder = AutoModel.from_pretrained(folder).eval()
    same_length = torch.tensor([[2, 5, 6, 7, 8, 9, 10, 3], [2, 11, 12, 8, 9, 13, 14, 3]])
    full = torch.ones_like(same_length)
    valid = full.bool().clone()
    valid[:, 0] = False  # the original decodes from position 1 through the last token, [SEP] included
    for tag in (B, I, O):
        bias = torch.full((3,), -20.0)
        bias[tag] = 20.0
        sd_tag = {**sd, "bert.mention_detector.weight": torch.zeros_like(sd["bert.mention_detector.weight"]),
                  "bert.mention_detector.bias": bias}
        with torch.no_grad():
            encoder.detector.weight.zero_()
            encoder.detector.bias.copy_(bias)
            out = encoder(same_length, full, valid_tokens=valid)
        _, hidden, _ = their_forward(sd_tag, same_length, full)
        assert torch.allclose(out.last_hidden_state, hidden, atol=1e-4, rtol=1e-4), tag
        assert out.mention_spans.shape[1] == THEIRS["max_mentions"]  # the original's cap on decoded mentions
        mentions = (out.mention_spans[..., 1] > out.mention_spans[..., 0]).sum(-1)
        assert mentions.tolist() == [{B: 7, I: 1, O: 0}[tag]] * 2


def test_converted_folder_has_the_entity_vocabulary_tokenizer_and_loads_with_the_auto_classes(converted) -> None:
    folder, sd = converted
    model = AutoModelForMaskedLM.from_pretrained(folder)
    assert type(model).__name__ == "KebioForMaskedLM"
    config = model.config
    assert (config.num_text_layers, config.num_fusion_layers, config.entity_vocab_size, config.entity_dim,
            config.entity_top_k, config.max_mentions, config.type_vocab_size) == (2, 1, 10, 8, 4, 15, 16)
    assert config.fusion_norm_all_tokens and config.entity_scorer == "exact" and config.kb_fingerprint is None
    # kebiokg's rows: [PAD_ENT], [UNK_ENT], [NIL_ENT], then the original's other rows by id
    order = [0, 6, 7, 1, 2, 3, 4, 5, 8, 9]
    table = sd["bert.entity_linker.entity_embeddings.weight"]
    assert torch.equal(model.kebio.entity_embeddings.weight.detach(), table[order])
    assert model.entity_vocab == [ENTITIES.get(i, f"[UNNAMED_ENT_{i}]") for i in order[ENTITY_OFFSET:]]
    tokenizer = AutoTokenizer.from_pretrained(folder)
    assert tokenizer.convert_ids_to_tokens(tokenizer("Aspirin may treat headache")["input_ids"]) == [
        "[CLS]", "aspirin", "may", "treat", "headache", "[SEP]"]


def _convert(src: Path, out: Path, *extra: str) -> tuple[int, list[str]]:
    result = CliRunner().invoke(main, ["convert-kebiolm", str(src), str(out), "--quiet", *extra])
    return result.exit_code, result.output.strip().splitlines()


def test_unknown_missing_and_misshapen_keys_are_one_line_naming_them(tmp_path: Path) -> None:
    sd = their_state_dict()
    extra = {**sd, "classifier.weight": torch.zeros(2, 16), "bert.pooler.dense.bias": torch.zeros(16)}
    code, lines = _convert(write_checkpoint(tmp_path / "unknown", extra), tmp_path / "out")
    assert code == 1 and len(lines) == 1
    assert "unknown keys classifier.weight, bert.pooler.dense.bias" in lines[0] and "missing keys" not in lines[0]
    fewer = {k: v for k, v in sd.items() if k not in ("bert.layer_norm.weight", "bert.recontext_encoder.layer.0."
                                                                               "output.dense.bias")}
    code, lines = _convert(write_checkpoint(tmp_path / "missing", fewer), tmp_path / "out")
    assert code == 1 and len(lines) == 1
    assert ("missing keys bert.layer_norm.weight, bert.recontext_encoder.layer.0.output.dense.bias" in lines[0]
            or "missing keys bert.recontext_encoder.layer.0.output.dense.bias, bert.layer_norm.weight" in lines[0])
    code, lines = _convert(write_checkpoint(tmp_path / "shape", sd, {**THEIRS, "num_entities": 11}), tmp_path / "out")
    assert code == 1 and len(lines) == 1
    assert "bert.entity_linker.entity_embeddings.weight [10, 8] (config.json gives [11, 8])" in lines[0]
    code, lines = _convert(write_checkpoint(tmp_path / "bert", sd, {"vocab_size": 40, "hidden_size": 16}),
                           tmp_path / "out")
    assert code == 1 and len(lines) == 1 and "no num_entities: not the config of a KeBioLM checkpoint" in lines[0]
    folder = write_checkpoint(tmp_path / "entities", sd)
    (folder / "entity.jsonl").write_text('{"entity_name": "[PAD_ENT]", "id": 0}\n{"entity_name": "C1", "id": 12}\n')
    code, lines = _convert(folder, tmp_path / "out")
    assert code == 1 and len(lines) == 1 and "entity.jsonl:2: id 12 is not a row of the 10-row entity table" in lines[0]
    assert not (tmp_path / "out").exists()


def test_converted_model_serves_nearest_probe_and_finetune(tiny_release: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    db = tmp_path / "kb.duckdb"
    assert runner.invoke(main, ["load-umls", str(tiny_release), "--db", str(db), "--quiet"]).exit_code == 0
    out = tmp_path / "converted"
    result = runner.invoke(main, ["convert-kebiolm", str(write_checkpoint(tmp_path / "original")), str(out),
                                  "--db", str(db), "--quiet"])
    assert result.exit_code == 0, result.output
    assert "entity index: 3 of the model's 7 entities are concepts of" in result.output
    result = runner.invoke(main, ["nearest", "heart attack", "--db", str(db), "--model", str(out), "-k", "5", "--json"])
    assert result.exit_code == 0, result.output
    assert {h["cui"] for h in json.loads(result.stdout)["hits"]} == {"C0000001", "C0000002", "C0000003"}

    probe = tmp_path / "probe.jsonl"
    probe.write_text(json.dumps({"id": "0", "relation": "may_treat", "query": "aspirin may treat [Y] .",
                                 "split": "test", "objects": [{"cui": "C1", "names": ["headache"]}],
                                 "trivial": False}) + "\n")
    result = runner.invoke(main, ["probe", "--model", str(out), "--probe", str(probe), "--out",
                                  str(tmp_path / "report"), "--quiet"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "report" / "report.json").is_file()

    ner = tmp_path / "ner.pubtator"
    ner.write_text("1|t|aspirin may treat headache .\n1|a|\n1\t0\t7\taspirin\tChemical\tD1\n\n"
                   "2|t|warfarin may cause stroke .\n2|a|\n2\t0\t8\twarfarin\tChemical\tD2\n\n")
    result = runner.invoke(main, ["finetune", "ner", "--model", str(out), "--train", str(ner), "--dev", str(ner),
                                  "--test", str(ner), "--allow-overlap", "--max-steps", "2", "--max-length", "32",
                                  "--out", str(tmp_path / "ner"), "--quiet", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["model_type"] == "kebio"
