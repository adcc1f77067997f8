"""Commands that build, train and convert models: train-tokenizer, pretrain, convert-kebiolm."""

from __future__ import annotations

from pathlib import Path

import click
from click.core import ParameterSource

from kebiokg.errors import KebiokgError
from kebiokg.kb import KnowledgeBase
from kebiokg.pretraining.args import ENTITY_INITS, TrainArgs

from .format import echo_json, table
from .options import args_from, dataclass_options, db_option, device_option, json_option, progress_for, quiet_option
from .values import ModelSource


def quiet_transformers(quiet: bool) -> None:
    """transformers' own bars and load reports would interleave with ours: errors only, bars if asked."""
    from transformers.utils import logging

    logging.set_verbosity_error()
    if quiet:
        logging.disable_progress_bar()


def _pretrain_plain(base_model: str | None, corpus: Path, out: Path, args, device: str | None, quiet: bool,
                    as_json: bool, entity_masking: bool, head_only: bool) -> None:
    from kebiokg.pretraining.baseline import pretrain_plain_mlm

    if base_model is None:
        raise KebiokgError("--objective mlm continues a masked LM: give --base-model")
    history = pretrain_plain_mlm(base_model, corpus, out, args, progress_for(quiet), device, entity_masking, head_only)
    last = history[-1] if history else {}
    if as_json:
        echo_json({"out": str(out), "global_step": last.get("step", 0), "last": last})
        return
    click.echo(f"{last.get('step', 0):,} plain-MLM steps -> {out} (log.jsonl, loss.png)")
    if last:
        click.echo(table(["step", "mlm", "tokens/s"], [(last["step"], f"{last['mlm_loss']:.3f}",
                                                       round(last["tokens_per_second"]))]))


def _entity_start(config) -> str:
    if config.entity_init == "kge":
        return f"the KGE in {config.entity_init_source} (scaled x{config.entity_init_scale:.3g})"
    return {"lexical": "the names' lexical vectors", "random": "random vectors"}.get(config.entity_init,
                                                                                      str(config.entity_init))


@click.command("train-tokenizer")
@click.argument("corpora", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Tokenizer folder.")
@click.option("--vocab-size", type=click.IntRange(100), default=30_522, show_default=True)
@click.option("--min-frequency", type=click.IntRange(1), default=2, show_default=True)
@click.option("--cased", is_flag=True, help="Keep case and accents (default: lowercase, as uncased BERT).")
def train_tokenizer_command(corpora: tuple[Path, ...], out: Path, vocab_size: int, min_frequency: int,
                            cased: bool) -> None:
    """Train a WordPiece tokenizer on annotated corpora (JSONL files or annotate output folders)."""
    from kebiokg.pretraining.tokenizer import SPECIAL_TOKENS, train_tokenizer

    tokenizer = train_tokenizer(list(corpora), vocab_size, min_frequency, lowercase=not cased)
    if len(tokenizer) <= len(SPECIAL_TOKENS):
        raise KebiokgError(f"empty corpus: no text in {', '.join(str(c) for c in corpora)}")
    tokenizer.save_pretrained(out)
    click.echo(f"WordPiece tokenizer of {len(tokenizer):,} tokens -> {out}")


@click.command("pretrain")
@db_option(required=False, help="The KB file (made by load-umls); required for the kebiolm objective.")
@click.option("--objective", type=click.Choice(["kebiolm", "mlm", "mlm-entity"]), default="kebiolm",
              show_default=True,
              help="kebiolm: MLM with whole-entity masking + detection + linking; mlm: the plain-MLM baseline "
                   "(whole-word masking, no entities; needs --base-model), same data and schedule; mlm-entity: "
                   "plain MLM with KeBioLM's whole-entity masking of the corpus's mentions, so that a comparison "
                   "with kebiolm isolates what detection, linking and the entity table add.")
@click.option("--corpus", required=True, type=click.Path(exists=True, path_type=Path),
              help="Annotated corpus (kebiokg annotate output: a .jsonl file or a shard folder).")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Run folder: checkpoint-K/ folders, the final model, log.jsonl, loss.png.")
@click.option("--base-model", default=None, type=ModelSource(),
              help="Start from a BERT-family masked LM (a folder or a hub id).")
@click.option("--from-config", default=None,
              help="Start from scratch: a preset (tiny, small, base) or a JSON file of KebioConfig fields.")
@click.option("--tokenizer", "tokenizer_path", default=None, type=click.Path(exists=True, path_type=Path),
              help="Tokenizer folder for --from-config [default: train one on the corpus].")
@click.option("--vocab-size", type=click.IntRange(100), default=8_000, show_default=True,
              help="Vocabulary of the tokenizer trained when --from-config has no --tokenizer.")
@click.option("--entity-init", type=click.Choice(ENTITY_INITS), default="auto", show_default=True,
              help="Entity table: knowledge-graph embeddings of the KB (kge: --kge DIR, else TransE trained now "
                   "into OUT/kge), lexical vectors of the preferred names, or random; auto: kge when the KB has "
                   "relations, else lexical. The choice is recorded in the model's config.")
@click.option("--kge", "kge_dir", default=None, type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Embeddings made by `kebiokg embed-kb` for this KB (their dimension must be the entity table's).")
@click.option("--kge-epochs", type=click.IntRange(1), default=None,
              help="Epochs of the TransE trained when --entity-init kge has no --kge [default: embed-kb's].")
@click.option("--entity-scorer", type=click.Choice(["auto", "exact", "sampled"]), default="auto", show_default=True,
              help="Linking: every entity scored (exact) or a sampled softmax over top-k candidates, the gold "
                   "entity and the batch's golds (sampled); auto: sampled from 200,000 entities.")
@click.option("--candidate-search", type=click.Choice(["auto", "torch", "faiss"]), default="auto", show_default=True,
              help="Candidates for the sampled scorer: chunked exact top-k in torch (GPU), or a FAISS index over "
                   "the table rebuilt every --index-refresh steps; auto: torch on CUDA, faiss on CPU.")
@click.option("--index-refresh", type=click.IntRange(1), default=1000, show_default=True,
              help="Steps between rebuilds of the FAISS candidate index (also rebuilt after each checkpoint, "
                   "so a run resumed with the same --save-steps and --index-refresh matches one never stopped).")
@click.option("--entity-table", "entity_table_mode", type=click.Choice(["dense", "sparse", "frozen"]),
              default="dense", show_default=True,
              help="Train the entity table densely (AdamW), sparsely (SparseAdam, touched rows only; needs the "
                   "sampled scorer), or not at all.")
@dataclass_options(TrainArgs, "max_steps", "batch_size", "grad_accum", "learning_rate", "warmup_ratio",
                   "max_length", "mlm_probability", "seed", "save_steps", "log_steps")
@click.option("--head-only", is_flag=True,
              help="mlm and mlm-entity: train only the masked-LM head (the encoder and its embeddings stay frozen), "
                   "e.g. to fit the head a sentence encoder lacks before objectives are compared from it.")
@click.option("--resume", is_flag=True,
              help="Continue from the newest whole checkpoint-K/ in --out (damaged newer ones are skipped with a "
                   "warning), on the same corpus.")
@click.option("--allow-no-entities", is_flag=True,
              help="Train KeBioLM on a corpus without a single entity (refused by default: no linking is learnt).")
@device_option
@quiet_option()
@json_option
def pretrain_command(db_path: Path | None, objective: str, corpus: Path, out: Path, base_model: str | None,
                     from_config: str | None, tokenizer_path: Path | None, vocab_size: int, entity_init: str,
                     kge_dir: Path | None, kge_epochs: int | None, entity_scorer: str, candidate_search: str,
                     index_refresh: int, entity_table_mode: str, head_only: bool, resume: bool, allow_no_entities: bool,
                     device: str | None, quiet: bool, as_json: bool, **settings) -> None:
    """Pretrain KeBioLM (MLM with whole-entity masking + entity detection + entity linking) on an
    annotated corpus, against the entities of the KB; or, with --objective mlm, the plain-MLM baseline."""
    from kebiokg.pretraining.entity_index import export_entity_index
    from kebiokg.pretraining.train import pretrain, setup_distributed, start_or_resume
    from kebiokg.training import pick_device

    args = args_from(TrainArgs, settings)
    quiet_transformers(quiet)
    if device is not None:
        pick_device(device)  # a wrong --device fails here, before any loading
    if objective in ("mlm", "mlm-entity"):
        _pretrain_plain(base_model, corpus, out, args, device, quiet, as_json, objective == "mlm-entity", head_only)
        return
    if head_only:
        raise KebiokgError("--head-only trains a plain masked LM's head: use it with --objective mlm or mlm-entity")
    if db_path is None:
        raise KebiokgError("pretrain: --db is required (the KB whose entities the model links to)")
    rank, world = setup_distributed()
    progress = progress_for(quiet or rank != 0)
    model_options = {"entity_scorer": entity_scorer, "candidate_search": candidate_search,
                     "entity_table_mode": entity_table_mode}
    if resume:  # only what the command line asks for is checked against the checkpoint's config
        given = click.get_current_context().get_parameter_source
        model_options = {k: v for k, v in model_options.items() if given(k) == ParameterSource.COMMANDLINE}
    with KnowledgeBase(db_path) as kb:
        model, tokenizer, checkpoint = start_or_resume(
            kb, corpus, out, resume=resume, base_model=base_model, from_config=from_config,
            tokenizer_path=tokenizer_path, vocab_size=vocab_size, entity_init=entity_init, kge=kge_dir,
            kge_epochs=kge_epochs, seed=args.seed, model_options=model_options, progress=progress)
        state = pretrain(model, tokenizer, corpus, out, args, kb.fingerprint, checkpoint, progress, device,
                         index_refresh, allow_no_entities)
        if rank == 0:
            export_entity_index(out, kb, progress)
    if world > 1:
        import torch

        torch.distributed.destroy_process_group()
    if rank != 0:
        return
    last = state["log_history"][-1] if state["log_history"] else {}
    if as_json:
        echo_json({"out": str(out), "global_step": state["global_step"], "last": last,
                   "entity_init": model.config.entity_init, "entity_init_source": model.config.entity_init_source,
                   "entity_init_scale": model.config.entity_init_scale})
        return
    click.echo(f"{state['global_step']:,} steps -> {out} (log.jsonl, loss.png, checkpoint-K/, entity_index/); "
               f"entity table from {_entity_start(model.config)}")
    if last:
        click.echo(table(["step", "loss", "mlm", "detection", "linking", "tokens/s"],
                         [(last["step"], f"{last['loss']:.3f}", f"{last['mlm_loss']:.3f}",
                           f"{last['detection_loss']:.3f}", f"{last['linking_loss']:.3f}",
                           round(last["tokens_per_second"]))]))


@click.command("convert-kebiolm")
@click.argument("src", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@db_option(required=False, exists=True,
           help="A KB whose concepts the model's entities are (by CUI): also build OUT/entity_index for "
                "`nearest --model OUT`.")
@quiet_option()
@json_option
def convert_kebiolm_command(src: Path, out: Path, db_path: Path | None, quiet: bool, as_json: bool) -> None:
    """Convert the authors' KeBioLM checkpoint into a kebiokg model folder.

    SRC is the folder github.com/GanjinZero/KeBioLM saves and publishes (config.json, pytorch_model.bin,
    vocab.txt, entity.jsonl). AutoModel* load OUT after `import kebiokg`; probe, finetune and (with --db)
    nearest --model use it. It computes what the original computes, LayerNorm over every token included
    (docs/model.md)."""
    from kebiokg.pretraining.convert import convert_kebiolm

    quiet_transformers(quiet)
    if db_path is None:
        result = convert_kebiolm(src, out)
    else:
        with KnowledgeBase(db_path) as kb:
            result = convert_kebiolm(src, out, kb, progress_for(quiet))
    if as_json:
        echo_json({"out": str(out), "text_layers": result.text_layers, "fusion_layers": result.fusion_layers,
                   "entities": result.entities, "entity_dim": result.entity_dim, "tokenizer": result.tokenizer,
                   "indexed": result.indexed})
        return
    click.echo(f"KeBioLM ({result.text_layers} text + {result.fusion_layers} fusion layers, {result.entities:,} "
               f"entity rows of {result.entity_dim}) -> {out}")
    if result.indexed is not None:
        click.echo(f"entity index: {result.indexed:,} of the model's {result.entities - 3:,} entities are concepts "
                   f"of {db_path} -> {out}/entity_index")
