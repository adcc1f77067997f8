"""Fine-tuning: one loop for NER and relation extraction, with the best dev-F1 model kept.

`finetune_ner` and `finetune_re` read the corpora, build examples, load the model (a kebiokg
checkpoint becomes KebioForTokenClassification / KebioForSequenceClassification with detection and
linking active; any other encoder its AutoModelFor* class), train with AdamW, linear warmup and
decay, evaluate on dev every `eval_steps`, keep the best model in `out/best`, score it on test and
write `results.json`, `log.jsonl` and `curves.png`.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import torch

from ..artefacts import staged_folder
from ..documents import TaggedDocument, entity_types, read_tagged, write_pubtator
from ..errors import KebiokgError
from ..kb import check_fingerprint
from ..progress import NullProgress, Progress
from ..training import LogWindow, autocast_for, optimizer_step, parameter_groups, pick_device, plot_curves
from .args import FinetuneArgs
from .metrics import entity_scores, pair_scores
from .ner import NerEncoder, bio_labels, collate_windows
from .relations import RelationTask, check_relation_corpus, gold_pairs, pair_examples

BEST = "best"
RESULTS = "results.json"


def check_model_kb(model_path: str, kb_fingerprint: str | None, config=None) -> None:
    """Refuse a kebiokg model trained against another KB than `kb_fingerprint` (when one is given)."""
    if not kb_fingerprint:
        return
    if config is None:
        from transformers import AutoConfig

        try:
            config = AutoConfig.from_pretrained(model_path)
        except (OSError, ValueError) as exc:
            raise KebiokgError(f"{model_path}: not a model folder or hub id ({str(exc).splitlines()[0]})") from exc
    model_fingerprint = getattr(config, "kb_fingerprint", None)
    if model_fingerprint:  # a plain encoder records none: nothing to check
        check_fingerprint(model_fingerprint, kb_fingerprint, model_path, "trained against", KebiokgError)


def load_model(model_path: str, head: str, labels: list[str], kb_fingerprint: str | None = None,
               max_length: int | None = None, seed: int = 0):
    """(model, tokenizer): a kebiokg checkpoint or any Hugging Face encoder with a fresh `head`
    (token or sequence classification) over `labels`. A kebiokg model trained against another KB
    than `kb_fingerprint`, or one with fewer positions than `max_length`, is refused."""
    from transformers import (
        AutoConfig,
        AutoModelForSequenceClassification,
        AutoModelForTokenClassification,
        AutoTokenizer,
    )

    try:
        config = AutoConfig.from_pretrained(model_path, num_labels=len(labels),
                                            id2label=dict(enumerate(labels)),
                                            label2id={label: i for i, label in enumerate(labels)})
        tokenizer = AutoTokenizer.from_pretrained(model_path)
    except (OSError, ValueError) as exc:
        raise KebiokgError(f"{model_path}: not a model folder or hub id ({str(exc).splitlines()[0]})") from exc
    check_model_kb(model_path, kb_fingerprint, config)
    positions = getattr(config, "max_position_embeddings", None)
    if max_length is not None and positions is not None and max_length > positions:
        raise KebiokgError(f"{model_path}: --max-length {max_length} is longer than the model's {positions} "
                           f"positions")
    auto = AutoModelForTokenClassification if head == "token" else AutoModelForSequenceClassification
    with torch.random.fork_rng(devices=[]):  # the fresh head's initial weights come from --seed alone
        torch.manual_seed(seed)
        model = auto.from_pretrained(model_path, config=config)
    if config.model_type == "kebio":  # the entity table stays the KB's: linking keeps working, memory stays flat
        model.kebio.entity_embeddings.weight.requires_grad_(False)
        model.kebio.scorer.refresh(model.kebio.entity_embeddings.weight)
    return model, tokenizer


def _pad_id(tokenizer) -> int:
    return tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0


def train_loop(model, tokenizer, examples: list, evaluate: Callable[[object], dict], out: Path, args: FinetuneArgs,
               device: str, progress: Progress) -> list[dict]:
    """Train on `examples`; `evaluate(model)` gives dev scores with an "f1"; the best model goes to out/best."""
    from transformers import get_linear_schedule_with_warmup

    if not examples:
        raise KebiokgError("no training examples")
    torch.manual_seed(args.seed)
    order_rng = random.Random(args.seed)
    steps_per_epoch = math.ceil(len(examples) / args.batch_size)
    total = args.max_steps or max(1, math.ceil(args.epochs * steps_per_epoch))
    eval_steps = args.eval_steps or min(steps_per_epoch, total)
    model.to(device).train()
    optimizer = torch.optim.AdamW(parameter_groups(model, args.weight_decay), lr=args.learning_rate)
    scheduler = get_linear_schedule_with_warmup(optimizer, int(args.warmup_ratio * total), total)
    pad_id = _pad_id(tokenizer)
    out.mkdir(parents=True, exist_ok=True)
    (out / RESULTS).unlink(missing_ok=True)  # a rerun cut short must not leave old scores beside a new best/
    log_path = out / "log.jsonl"
    log_path.write_text("", encoding="utf-8")
    history: list[dict] = []
    best_f1 = -1.0
    order: list[int] = []
    window = LogWindow(["loss"])

    def log(record: dict) -> None:
        history.append(record)
        with open(log_path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")

    with progress.task("fine-tune", total=total, unit="steps") as task:
        for step in range(1, total + 1):
            if len(order) < args.batch_size:
                shuffled = list(range(len(examples)))
                order_rng.shuffle(shuffled)
                order += shuffled
            batch_ids, order = order[:args.batch_size], order[args.batch_size:]
            batch = {k: v.to(device) for k, v in collate_windows([examples[i] for i in batch_ids], pad_id).items()}
            with autocast_for(device):
                loss = model(**batch).loss
            loss.backward()
            optimizer_step(model.parameters(), [optimizer], [scheduler], args.max_grad_norm)
            window.add([loss], int(batch["attention_mask"].sum()))
            if step % args.log_steps == 0 or step == total:
                means = window.close(step - next((r["step"] for r in reversed(history) if "loss" in r), 0))
                log({"step": step, "epoch": step / steps_per_epoch, "loss": means["loss"],
                     "learning_rate": scheduler.get_last_lr()[0], "tokens_per_second": means["tokens_per_second"]})
                task.note(f"loss {means['loss']:.3f}" + (f" dev F1 {best_f1:.3f}" if best_f1 >= 0 else ""))
            if step % eval_steps == 0 or step == total:
                with window.paused():  # tokens/s counts training time only
                    model.eval()
                    scores = evaluate(model)
                    model.train()
                log({"step": step, "dev_f1": scores["f1"], "dev_precision": scores["precision"],
                     "dev_recall": scores["recall"]})
                if scores["f1"] > best_f1:
                    best_f1 = scores["f1"]
                    with window.paused(), staged_folder(out / BEST, "config.json") as staging:
                        model.save_pretrained(staging)  # the best model so far stays whole if this is cut short
                        tokenizer.save_pretrained(staging)
            task.update(step)
    plot_curves(history, out / "curves.png", ("loss",), "fine-tuning", secondary="dev_f1", ylabel="train loss")
    return history


@torch.no_grad()
def _logits(model, examples: list, pad_id: int, batch_size: int, device: str):
    """Logits of every example, in order (float32 on the CPU), batched by similar length."""
    by_length = sorted(range(len(examples)), key=lambda i: len(examples[i].input_ids))
    results: list = [None] * len(examples)
    for begin in range(0, len(by_length), batch_size):
        ids = by_length[begin:begin + batch_size]
        batch = collate_windows([examples[i] for i in ids], pad_id)
        with autocast_for(device):
            logits = model(input_ids=batch["input_ids"].to(device),
                           attention_mask=batch["attention_mask"].to(device)).logits
        for row, i in enumerate(ids):
            results[i] = logits[row].float().cpu()
    return results


def _cached(cache: list[tuple[list, list]], documents: list, encode: Callable[[], list]) -> list:
    """The examples of `documents` (the same list object), encoded on first use."""
    for known, examples in cache:
        if known is documents:
            return examples
    cache.append((documents, encode()))
    return cache[-1][1]


class NerRunner:
    """Encodes documents for the loop, predicts spans and scores them (strict, per type)."""

    def __init__(self, tokenizer, labels: list[str], max_length: int, batch_size: int, device: str) -> None:
        self.encoder = NerEncoder(tokenizer, labels, max_length)
        self.pad_id = _pad_id(tokenizer)
        self.batch_size, self.device = batch_size, device
        self._encoded: list[tuple[list, list]] = []  # (documents, windows): encoded once, evaluated often

    def predict(self, model, documents: list[TaggedDocument]) -> list[list]:
        windows = _cached(self._encoded, documents, lambda: self.encoder.encode(documents, labelled=False)[0])
        logits = _logits(model, windows, self.pad_id, self.batch_size, self.device)
        return self.encoder.spans(documents, windows, [row.argmax(-1).tolist() for row in logits])

    def score(self, model, documents: list[TaggedDocument]) -> dict:
        predicted = self.predict(model, documents)
        gold = [(d, s.start, s.end, s.type) for d, doc in enumerate(documents) for s in doc.spans]
        return entity_scores(gold, [(d, s.start, s.end, s.type) for d, spans in enumerate(predicted) for s in spans])


class RelationRunner:
    """Pair examples for the loop; document-level pair scores (a pair is predicted when any example is)."""

    def __init__(self, tokenizer, task: RelationTask, max_length: int, batch_size: int, device: str,
                 per_pair: int = 3) -> None:
        self.tokenizer, self.task, self.max_length, self.per_pair = tokenizer, task, max_length, per_pair
        self.pad_id = _pad_id(tokenizer)
        self.batch_size, self.device = batch_size, device
        self._encoded: list[tuple[list, list]] = []

    def predict(self, model, documents: list[TaggedDocument]) -> set[tuple[int, str, str]]:
        examples = _cached(self._encoded, documents,
                           lambda: pair_examples(documents, self.tokenizer, self.max_length, self.task,
                                                 self.per_pair)[0])
        logits = _logits(model, examples, self.pad_id, self.batch_size, self.device)
        return {(e.doc, *e.pair) for e, row in zip(examples, logits, strict=True) if int(row.argmax()) == 1}

    def score(self, model, documents: list[TaggedDocument]) -> dict:
        return pair_scores(gold_pairs(documents, self.task), self.predict(model, documents))


def _finish(model_cls_head: str, out: Path, runner, test_docs: list[TaggedDocument], device: str,
            summary: dict, history: list[dict], labels: list[str]) -> tuple[dict, object]:
    """Reload the best model, score it on test, write results.json; returns the summary and the model."""
    model, _ = load_model(str(out / BEST), model_cls_head, labels)
    model.to(device).eval()
    summary["test"] = runner.score(model, test_docs)
    dev = [r for r in history if "dev_f1" in r]
    best = max(dev, key=lambda r: r["dev_f1"])
    summary["best_step"], summary["dev_f1"] = best["step"], best["dev_f1"]
    speeds = [r["tokens_per_second"] for r in history if "tokens_per_second" in r]
    summary["train_tokens_per_second"] = sum(speeds) / len(speeds) if speeds else None
    (out / RESULTS).write_text(json.dumps(summary, indent=1), encoding="utf-8")
    return summary, model


def held_out_training(train_docs: list[TaggedDocument], dev_docs: list[TaggedDocument],
                      test_docs: list[TaggedDocument], allow_overlap: bool, path: Path) -> tuple[list, int]:
    """Training documents whose text is also in dev or test are left out (a corpus's training file
    sometimes includes its development set): (kept, number left out)."""
    if allow_overlap:
        return train_docs, 0
    held_out = {d.text for d in dev_docs} | {d.text for d in test_docs}
    kept = [d for d in train_docs if d.text not in held_out]
    if not kept:
        raise KebiokgError(f"{path}: every training document is also in dev or test (--allow-overlap trains on "
                           f"them anyway)")
    return kept, len(train_docs) - len(kept)


def finetune_ner(model_path: str, train: Path, dev: Path, test: Path, out: Path, args: FinetuneArgs,
                 fmt: str = "auto", types: list[str] | None = None, predict: Path | None = None,
                 kb_fingerprint: str | None = None, device: str | None = None,
                 progress: Progress | None = None, allow_overlap: bool = False) -> dict:
    """Fine-tune for NER; returns the summary written to out/results.json."""
    progress = progress or NullProgress()
    check_model_kb(model_path, kb_fingerprint)
    device = pick_device(device)
    train_docs, dev_docs, test_docs = (read_tagged(p, fmt, types) for p in (train, dev, test))
    train_docs, left_out = held_out_training(train_docs, dev_docs, test_docs, allow_overlap, train)
    train_types = entity_types(train_docs)
    if not train_types:
        raise KebiokgError(f"{train}: no entities" + (f" of types {', '.join(types)}" if types else ""))
    for path, docs in ((dev, dev_docs), (test, test_docs)):
        absent = sorted(set(entity_types(docs)) - set(train_types))
        if absent:
            raise KebiokgError(f"{path}: entity types absent from the training set: {', '.join(absent)} "
                               f"(training has {', '.join(train_types)}; choose with --types)")
    labels = bio_labels(train_types)
    model, tokenizer = load_model(model_path, "token", labels, kb_fingerprint, args.max_length, args.seed)
    runner = NerRunner(tokenizer, labels, args.max_length, args.eval_batch_size, device)
    windows, stats = runner.encoder.encode(train_docs, labelled=True)
    history = train_loop(model, tokenizer, windows, lambda m: runner.score(m, dev_docs), out, args, device, progress)
    summary = {"task": "ner", "model": model_path, "model_type": model.config.model_type, "labels": labels,
               "train_documents": len(train_docs), "train_documents_left_out": left_out,
               "train_windows": len(windows), "train_encoding": stats.as_dict(),
               "args": asdict(args), "device": device}
    summary, best = _finish("token", out, runner, test_docs, device, summary, history, labels)
    if predict is not None:
        documents = read_tagged(predict, fmt)
        spans = runner.predict(best, documents)
        predicted = [TaggedDocument(doc.id, doc.text, doc_spans, [], doc.title_length)
                     for doc, doc_spans in zip(documents, spans, strict=True)]
        write_pubtator(predicted, out / "predictions.pubtator")
        summary["predictions"] = str(out / "predictions.pubtator")
    return summary


def finetune_re(model_path: str, train: Path, dev: Path, test: Path, out: Path, args: FinetuneArgs,
                task: RelationTask | None = None, per_pair: int = 3, kb_fingerprint: str | None = None,
                device: str | None = None, progress: Progress | None = None, allow_overlap: bool = False) -> dict:
    """Fine-tune document-level relation extraction (BC5CDR CID by default)."""
    progress = progress or NullProgress()
    task = task or RelationTask()
    check_model_kb(model_path, kb_fingerprint)
    device = pick_device(device)
    train_docs, dev_docs, test_docs = (read_tagged(p, "pubtator") for p in (train, dev, test))
    train_docs, left_out = held_out_training(train_docs, dev_docs, test_docs, allow_overlap, train)
    check_relation_corpus(train_docs, task, train)
    labels = ["none", task.relation]
    model, tokenizer = load_model(model_path, "sequence", labels, kb_fingerprint, args.max_length, args.seed)
    runner = RelationRunner(tokenizer, task, args.max_length, args.eval_batch_size, device, per_pair)
    examples, stats = pair_examples(train_docs, tokenizer, args.max_length, task, per_pair)
    history = train_loop(model, tokenizer, examples, lambda m: runner.score(m, dev_docs), out, args, device, progress)
    summary = {"task": "re", "relation": task.relation, "model": model_path, "model_type": model.config.model_type,
               "train_documents": len(train_docs), "train_documents_left_out": left_out,
               "train_examples": len(examples),
               "train_positive_examples": sum(e.labels for e in examples), "train_pairs": stats.as_dict(),
               "args": asdict(args), "device": device}
    return _finish("sequence", out, runner, test_docs, device, summary, history, labels)[0]
