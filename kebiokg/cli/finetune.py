"""`kebiokg finetune ner` and `kebiokg finetune re`: fine-tune a model on a tagged corpus, report test F1."""

from __future__ import annotations

from pathlib import Path

import click

from kebiokg.documents import TAGGED_FORMATS
from kebiokg.finetune.args import FinetuneArgs

from .format import echo_json, table
from .model import quiet_transformers
from .options import args_from, dataclass_options, db_option, device_option, json_option, progress_for, quiet_option
from .values import ModelSource

_existing_file = click.Path(exists=True, dir_okay=False, path_type=Path)


def _common(command):
    """The options NER and RE share: model, corpora, output, training budget."""
    options = [
        click.option("--model", "model_path", required=True, type=ModelSource(),
                     help="A kebiokg model folder (detection and linking stay active) or any Hugging Face encoder "
                          "(folder or hub id)."),
        click.option("--train", required=True, type=_existing_file, help="Training corpus."),
        click.option("--dev", required=True, type=_existing_file, help="Development corpus (selects the best step)."),
        click.option("--test", required=True, type=_existing_file, help="Test corpus (scored with the best model)."),
        click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
                     help="Run folder: best/ (the model), results.json, log.jsonl, curves.png."),
        db_option(required=False, exists=True,
                  help="The KB: a kebiokg model trained against another KB is refused."),
        dataclass_options(FinetuneArgs, "epochs", "max_steps", "batch_size", "learning_rate", "warmup_ratio",
                          "weight_decay", "max_length", "eval_steps", "seed"),
        click.option("--allow-overlap", is_flag=True,
                     help="Train on training documents that are also in dev or test (left out by default)."),
        device_option,
        quiet_option(),
        json_option,
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _args(options: dict) -> FinetuneArgs:
    return args_from(FinetuneArgs, options)


def _fingerprint(db_path: Path | None) -> str | None:
    if db_path is None:
        return None
    from kebiokg.kb import KnowledgeBase

    with KnowledgeBase(db_path) as kb:
        return kb.fingerprint


def _report(summary: dict, as_json: bool) -> None:
    if as_json:
        echo_json(summary)
        return
    if summary["train_documents_left_out"]:
        click.echo(f"left out {summary['train_documents_left_out']:,} training documents that are also in dev or "
                   f"test ({summary['train_documents']:,} trained on)")
    test = summary["test"]
    rows = [("all", f"{test['precision']:.4f}", f"{test['recall']:.4f}", f"{test['f1']:.4f}",
             test["tp"] + test["fn"])]
    rows += [(kind, f"{s['precision']:.4f}", f"{s['recall']:.4f}", f"{s['f1']:.4f}", s["tp"] + s["fn"])
             for kind, s in test.get("by_type", {}).items()]
    click.echo(table(["type", "precision", "recall", "F1", "gold"], rows,
                     title=f"test ({summary['task']}, best dev F1 {summary['dev_f1']:.4f} at step "
                           f"{summary['best_step']})"))


@click.group("finetune")
def finetune_group() -> None:
    """Fine-tune a model on a downstream task and score it on test."""


@finetune_group.command("ner")
@_common
@click.option("--format", "fmt", type=click.Choice(["auto", *TAGGED_FORMATS]), default="auto",
              show_default=True, help="Corpus format (auto: .jsonl, PubTator title lines, else CoNLL).")
@click.option("--types", default=None,
              help="Entity types to keep, comma-separated (BC5CDR: Chemical for BC5-chem, Disease for BC5-disease).")
@click.option("--predict", type=_existing_file, default=None,
              help="Also tag this corpus with the best model -> OUT/predictions.pubtator.")
def ner_command(fmt: str, types: str | None, predict: Path | None, **options) -> None:
    """Named entity recognition: BIO tags on first sub-tokens, strict entity-level P/R/F1 per type."""
    from kebiokg.finetune.train import finetune_ner

    quiet_transformers(options["quiet"])
    summary = finetune_ner(options["model_path"], options["train"], options["dev"], options["test"], options["out"],
                           _args(options), fmt, [t.strip() for t in types.split(",") if t.strip()] if types else None,
                           predict, _fingerprint(options["db_path"]), options["device"],
                           progress_for(options["quiet"]), options["allow_overlap"])
    _report(summary, options["as_json"])


@finetune_group.command("re")
@_common
@click.option("--relation", default="CID", show_default=True, help="Relation type of the PubTator relation lines.")
@click.option("--head-type", default="Chemical", show_default=True, help="Mention type of the relation's first id.")
@click.option("--tail-type", default="Disease", show_default=True, help="Mention type of the relation's second id.")
@click.option("--per-pair", type=click.IntRange(1), default=3, show_default=True,
              help="Closest mention pairs used as examples of one document-level pair.")
def re_command(relation: str, head_type: str, tail_type: str, per_pair: int, **options) -> None:
    """Document-level relation extraction from PubTator (BC5CDR CID): marked mention pairs, pair F1."""
    from kebiokg.finetune.relations import RelationTask
    from kebiokg.finetune.train import finetune_re

    quiet_transformers(options["quiet"])
    summary = finetune_re(options["model_path"], options["train"], options["dev"], options["test"], options["out"],
                          _args(options), RelationTask(relation, head_type, tail_type), per_pair,
                          _fingerprint(options["db_path"]), options["device"],
                          progress_for(options["quiet"]), options["allow_overlap"])
    _report(summary, options["as_json"])
