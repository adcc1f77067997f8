"""`kebiokg pretrain`: the KeBioLM training loop, in the Hugging Face Trainer's folder convention.

    run/checkpoint-K/   model (safetensors) + tokenizer + entity vocabulary + optimizer.pt,
                        scheduler.pt, rng_state.pth, trainer_state.json (step, data position, log)
    run/                the final model, loadable with AutoModel.from_pretrained("run/")
    run/log.jsonl       one line per logged step: losses, learning rate, tokens/s
    run/loss.png        the loss curves

Resuming loads the latest checkpoint, restores weights, optimizer, scheduler and RNG states and
skips the batches already trained on (the data order is a function of the seed), so an interrupted
and resumed run reaches the same weights as an uninterrupted one. Each checkpoint's trainer_state.json
records the sizes and checksums of its files (kebiokg.artefacts) and the corpus it trained on: a
resume skips damaged checkpoints for the newest whole one, with a warning, and refuses another corpus.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import warnings
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
from transformers import AutoTokenizer, get_linear_schedule_with_warmup

from ..annotate.corpus import corpus_identity
from ..artefacts import damaged, record_files
from ..errors import KebiokgError, KebiokgWarning
from ..kb import KnowledgeBase, check_fingerprint
from ..modeling_kebio import PRESETS, KebioConfig, KebioForPreTraining, preset_config
from ..progress import NullProgress, Progress
from ..training import LogWindow, autocast_for, distributed, optimizer_step, parameter_groups, plot_curves
from .args import TrainArgs
from .data import EntityVocabulary, WindowStream, check_entities, collate
from .entity_init import init_entity_table
from .tokenizer import train_tokenizer

STATE_FILE = "trainer_state.json"
LOSSES = ("loss", "mlm_loss", "detection_loss", "linking_loss")
_CHECKPOINT = re.compile(r"^checkpoint-(\d+)$")


# -- building a model ---------------------------------------------------------------------------------------


def config_for(source: str, tokenizer, vocab: EntityVocabulary, kb_fingerprint: str) -> KebioConfig:
    """A config from a preset name (tiny, small, base) or a JSON file of KebioConfig fields."""
    sizes = dict(vocab_size=len(tokenizer), pad_token_id=tokenizer.pad_token_id, entity_vocab_size=len(vocab),
                 kb_fingerprint=kb_fingerprint)
    if source in PRESETS:
        return preset_config(source, **sizes)
    path = Path(source)
    if not path.is_file():
        raise KebiokgError(f"--from-config {source}: neither a preset ({', '.join(PRESETS)}) nor a JSON file")
    values = {**json.loads(path.read_text(encoding="utf-8")), **sizes}
    values.setdefault("num_hidden_layers", values.get("num_text_layers", 8) + values.get("num_fusion_layers", 4))
    return KebioConfig(**values)


def setup_distributed() -> tuple[int, int]:
    """Join the process group torchrun describes (RANK, WORLD_SIZE, LOCAL_RANK in the environment):
    NCCL on CUDA, gloo on CPU. (0, 1) when not launched by torchrun."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1 and not torch.distributed.is_initialized():
        cuda = torch.cuda.is_available()
        if cuda:
            torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
        torch.distributed.init_process_group("nccl" if cuda else "gloo")
    return distributed()


def start_or_resume(kb: KnowledgeBase, corpus: Path, out: Path, *, resume: bool, base_model: str | None,
                    from_config: str | None, tokenizer_path: Path | None = None, vocab_size: int = 8000,
                    entity_init: str = "auto", kge: Path | None = None, kge_epochs: int | None = None,
                    seed: int = 42, model_options: dict | None = None, progress: Progress | None = None,
                    ) -> tuple[KebioForPreTraining, object, Path | None]:
    """The model, tokenizer and checkpoint a run starts from: the newest whole checkpoint of `out` when
    resuming (`resumable_checkpoint`), else a new model (from a BERT checkpoint or a config) with its
    entity table initialised (`pretraining.entity_init`: KGE of the KB when it has relations)."""
    rank, world = distributed()
    if resume:
        checkpoint, skipped = resumable_checkpoint(out)
        if skipped and rank == 0:
            warnings.warn(f"{out}: resuming from {checkpoint.name}; skipped {'; '.join(skipped)}", KebiokgWarning,
                          stacklevel=2)
        try:
            model = KebioForPreTraining.from_pretrained(checkpoint)
            tokenizer = AutoTokenizer.from_pretrained(checkpoint)
        except Exception as exc:  # safetensors, json and torch each raise their own  # noqa: BLE001
            raise KebiokgError(f"{checkpoint}: corrupt checkpoint ({str(exc).splitlines()[0]})") from exc
        kb.check_fingerprint(model.config.kb_fingerprint, checkpoint, "trained against")
        for key, value in (model_options or {}).items():
            if getattr(model.config, key) != value:
                raise KebiokgError(f"{checkpoint}: trained with {key} {getattr(model.config, key)}; "
                                   f"cannot resume with {value}")
        if from_config in PRESETS:
            changed = [k for k, v in PRESETS[from_config].items() if getattr(model.config, k) != v]
            if changed:
                raise KebiokgError(f"{checkpoint}: its config differs from --from-config {from_config} "
                                   f"({', '.join(changed)})")
        return model, tokenizer, checkpoint
    if latest_checkpoint(out) is not None or (out / "config.json").exists():
        raise KebiokgError(f"{out} already holds a run: --resume continues it, or choose another --out")
    if (base_model is None) == (from_config is None):
        raise KebiokgError("give exactly one of --base-model and --from-config")
    vocab = EntityVocabulary.from_kb(kb)
    options = model_options or {}
    torch.manual_seed(seed)  # the new parts' initial weights (heads, projections, the table): repeatable
    if base_model:
        model = KebioForPreTraining.from_bert(base_model, len(vocab), kb.fingerprint, **options)
        tokenizer = AutoTokenizer.from_pretrained(base_model)
    else:
        if tokenizer_path is None:  # trained once (rank 0), read by every process
            tokenizer_path = out / "tokenizer"
            if rank == 0:
                train_tokenizer([corpus], vocab_size).save_pretrained(tokenizer_path)
            if world > 1:
                torch.distributed.barrier()
        tokenizer = AutoTokenizer.from_pretrained(tokenizer_path)
        config = config_for(from_config, tokenizer, vocab, kb.fingerprint)
        for key, value in options.items():
            setattr(config, key, value)
        model = KebioForPreTraining(config)
    model.entity_vocab = vocab.cuis
    init_entity_table(model, kb, entity_init, out, seed, kge, kge_epochs, progress)
    return model, tokenizer, None


# -- checkpoints ----------------------------------------------------------------------------------------------


def _checkpoints(out: Path) -> list[Path]:
    """The checkpoint-K folders of a run, newest first."""
    found = [(int(m.group(1)), p) for p in out.glob("checkpoint-*") if (m := _CHECKPOINT.match(p.name))]
    return [path for _, path in sorted(found, reverse=True)]


def latest_checkpoint(out: Path) -> Path | None:
    return next(iter(_checkpoints(out)), None)


def resumable_checkpoint(out: Path) -> tuple[Path, list[str]]:
    """The newest checkpoint whose files are whole (sizes and checksums as recorded: a few seconds for a
    base-size model, once per resume), and each newer one skipped, named with why."""
    skipped = []
    for checkpoint in _checkpoints(out):
        try:
            files = json.loads((checkpoint / STATE_FILE).read_text(encoding="utf-8")).get("files")
        except (OSError, ValueError, AttributeError):
            problem = f"{STATE_FILE} is missing or unreadable"
        else:
            problem = damaged(checkpoint, files, verify=True)
        if problem is None:
            return checkpoint, skipped
        skipped.append(f"{checkpoint.name} ({problem})")
    raise KebiokgError(f"{out}: no whole checkpoint-K folder to resume from"
                       + (f" ({'; '.join(skipped)})" if skipped else ""))


def _save_checkpoint(out: Path, model, tokenizer, optimizers: Optimizers, state: dict, rank: int,
                     world: int) -> Path | None:
    """Rank 0 writes the checkpoint (every rank's RNG state gathered); the others wait for it."""
    device = next(model.parameters()).device  # the CUDA generator this process draws from, if any
    own = (torch.get_rng_state(), torch.cuda.get_rng_state(device) if device.type == "cuda" else None)
    states = [own]
    if world > 1:
        states = [None] * world
        torch.distributed.all_gather_object(states, own)
    final = out / f"checkpoint-{state['global_step']}"
    if rank == 0:
        tmp = out / f".checkpoint-{state['global_step']}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        torch.save(optimizers.state_dict(), tmp / "optimizer.pt")
        rng = {"numpy": np.random.get_state(), "torch": [cpu for cpu, _ in states],
               "cuda": [cuda_state for _, cuda_state in states]}
        torch.save(rng, tmp / "rng_state.pth")
        files = record_files(tmp, [p.name for p in tmp.iterdir() if p.is_file()])
        (tmp / STATE_FILE).write_text(json.dumps({**state, "files": files}, indent=1), encoding="utf-8")
        shutil.rmtree(final, ignore_errors=True)
        tmp.rename(final)  # a checkpoint exists whole or not at all
    if world > 1:
        torch.distributed.barrier()
    return final


def load_checkpoint_state(checkpoint: Path) -> dict:
    try:
        return json.loads((checkpoint / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise KebiokgError(f"{checkpoint}: not a readable checkpoint ({exc})") from exc


def _check_same_corpus(recorded: dict | None, current: dict, checkpoint: Path) -> None:
    """Refuse to resume on another corpus than the checkpoint's, naming both; compared by content (sizes
    and sampled checksums), so a corpus moved elsewhere is the same one."""
    def summary(identity: dict | None) -> tuple[str, list]:
        files = identity["files"] if identity else []
        return (f"{identity['path'] if identity else 'none recorded'}: {len(files)} file{'s' * (len(files) != 1)}, "
                f"{sum(f['bytes'] for f in files):,} bytes", [(f["bytes"], f["sample_sha256"]) for f in files])

    (was, old), (now, new) = summary(recorded), summary(current)
    if old != new:
        raise KebiokgError(f"{checkpoint}: trained on another corpus ({was}) than --corpus ({now}); resume with "
                           "the corpus it trained on, or start a new run in another --out")


# -- the loop -------------------------------------------------------------------------------------------------


class Optimizers:
    """AdamW for the network; the entity table per `--entity-table`: in AdamW without decay (dense),
    SparseAdam on the touched rows only (sparse), or not trained (frozen). One schedule for both."""

    def __init__(self, model: KebioForPreTraining, args: TrainArgs) -> None:
        table = model.kebio.entity_embeddings.weight
        mode = model.config.entity_table_mode
        table.requires_grad_(mode != "frozen")
        groups = parameter_groups(model, args.weight_decay, frozenset({id(table)}))
        if mode == "dense":
            groups.append({"params": [table], "weight_decay": 0.0})
        warmup = int(args.warmup_ratio * args.max_steps)
        self.optimizers = [torch.optim.AdamW(groups, lr=args.learning_rate)]
        if mode == "sparse":
            self.optimizers.append(torch.optim.SparseAdam([table], lr=args.learning_rate))
        self.schedulers = [get_linear_schedule_with_warmup(o, warmup, args.max_steps) for o in self.optimizers]

    def step(self, model: KebioForPreTraining, max_grad_norm: float) -> None:
        """Clip (the sparse table's gradients apart: they cannot be clipped with the rest) and step."""
        table = model.kebio.entity_embeddings.weight
        clipped = model.parameters() if model.config.entity_table_mode != "sparse" else \
            (p for p in model.parameters() if p is not table)
        optimizer_step(clipped, self.optimizers, self.schedulers, max_grad_norm)

    @property
    def learning_rate(self) -> float:
        return self.schedulers[0].get_last_lr()[0]

    def state_dict(self) -> dict:
        return {"optimizers": [o.state_dict() for o in self.optimizers],
                "schedulers": [s.state_dict() for s in self.schedulers]}

    def load_state_dict(self, state: dict) -> None:
        if len(state["optimizers"]) != len(self.optimizers):
            raise KebiokgError("the checkpoint was trained with another --entity-table mode")
        for optimizer, saved in zip(self.optimizers, state["optimizers"], strict=True):
            optimizer.load_state_dict(saved)
        for scheduler, saved in zip(self.schedulers, state["schedulers"], strict=True):
            scheduler.load_state_dict(saved)


def pretrain(model: KebioForPreTraining, tokenizer, corpus: Path, out: Path, args: TrainArgs,
             kb_fingerprint: str, resume_from: Path | None = None, progress: Progress | None = None,
             device: str | None = None, index_refresh: int = 1000, allow_no_entities: bool = False) -> dict:
    """Train `model` on the annotated corpus; returns the final trainer state. A corpus without entities
    is refused unless `allow_no_entities`; a resumed run must train on the corpus it started on.

    Under torchrun (torch.distributed initialised) the model is wrapped in DistributedDataParallel:
    each step takes world_size x grad_accum micro-batches, rank r the numbers r*grad_accum + m of
    the step; rank 0 logs and writes checkpoints. A sampled-softmax model refreshes its candidate
    index every `index_refresh` steps, in every process at the same steps.
    """
    progress = progress or NullProgress()
    rank, world = distributed()
    device = device or (f"cuda:{torch.cuda.current_device()}" if torch.cuda.is_available() else "cpu")
    out.mkdir(parents=True, exist_ok=True)
    if not allow_no_entities:
        check_entities(corpus)
    identity = corpus_identity(corpus)
    vocab = EntityVocabulary(model.entity_vocab or [])
    stream = WindowStream(corpus, tokenizer, vocab, args.max_length, args.seed, args.shuffle_buffer)
    model.to(device)
    model.train()
    optimizers = Optimizers(model, args)
    state = {"global_step": 0, "micro_batches": 0, "epoch": 0, "kb_fingerprint": kb_fingerprint,
             "args": asdict(args), "corpus": identity, "log_history": []}
    torch.manual_seed(args.seed + rank)
    if resume_from is not None:
        state = load_checkpoint_state(resume_from)
        state.pop("files", None)  # the checkpoint's own, rewritten with each checkpoint
        check_fingerprint(state.get("kb_fingerprint"), kb_fingerprint, resume_from, "trained against", KebiokgError)
        _check_same_corpus(state.get("corpus"), identity, resume_from)
        before = TrainArgs(**state["args"])
        changed = before.resumable_with(args)
        if changed:
            raise KebiokgError(f"{resume_from}: cannot resume with different {', '.join(changed)}")
        if before.grad_accum * state.get("world_size", 1) != args.grad_accum * world:
            raise KebiokgError(f"{resume_from}: the global batch would change (grad_accum x processes was "
                               f"{before.grad_accum * state.get('world_size', 1)}, now {args.grad_accum * world})")
        state["args"] = asdict(args)
        try:
            optimizers.load_state_dict(torch.load(resume_from / "optimizer.pt", map_location=device))
            rng = torch.load(resume_from / "rng_state.pth", weights_only=False)
        except (OSError, RuntimeError, ValueError, KeyError) as exc:
            raise KebiokgError(f"{resume_from}: corrupt checkpoint ({exc})") from exc
        if state.get("world_size", 1) == world:  # the same processes: each continues its own RNG
            torch.set_rng_state(rng["torch"][rank] if isinstance(rng["torch"], list) else rng["torch"])
            if rng.get("cuda") is not None and rng["cuda"][rank] is not None and device.startswith("cuda"):
                torch.cuda.set_rng_state(rng["cuda"][rank], torch.device(device))  # the device this rank trains on
            np.random.set_state(rng["numpy"])
    state["world_size"] = world
    trained = model
    if world > 1:
        trained = torch.nn.parallel.DistributedDataParallel(
            model, device_ids=[torch.device(device).index] if device.startswith("cuda") else None)
    scorer = model.kebio.scorer
    log_path = out / "log.jsonl"
    history = [r for r in state["log_history"] if r["step"] <= state["global_step"]]
    if rank == 0:
        log_path.write_text("".join(json.dumps(r) + "\n" for r in history), encoding="utf-8")
    per_step = world * args.grad_accum

    def my_micro_batches():
        step = state["micro_batches"] // per_step
        while True:
            for m in range(args.grad_accum):
                yield step * per_step + rank * args.grad_accum + m
            step += 1

    batches = stream.micro_batches(args.batch_size, my_micro_batches())
    autocast = autocast_for(device)
    # loss, mlm, detection, linking summed since the last log (kept in checkpoints: logs resume exactly too)
    window = LogWindow(LOSSES, device, state.get("pending_sums"))
    with progress.task("pretrain", total=args.max_steps, unit="steps") as task:
        task.update(state["global_step"])
        while state["global_step"] < args.max_steps:
            step = state["global_step"]
            # also after each checkpoint: a run resumed there rebuilds from the same table as this one
            if step % index_refresh == 0 or (step and step % args.save_steps == 0) or scorer.needs_refresh:
                scorer.refresh(model.kebio.entity_embeddings.weight)
            for m in range(args.grad_accum):
                g, state["epoch"], windows = next(batches)
                rng = np.random.default_rng([args.seed, g])
                batch = {k: v.to(device) for k, v in collate(windows, tokenizer, args.mlm_probability, rng).items()}
                sync = m == args.grad_accum - 1 or world == 1
                with autocast, (contextlib.nullcontext() if sync else trained.no_sync()):
                    output = trained(**batch, sparse_prediction=True)
                    (output.loss / args.grad_accum).backward()
                window.add([output.loss, output.mlm_loss, output.detection_loss, output.linking_loss],
                           int(batch["attention_mask"].sum()), 1 / args.grad_accum)
            state["micro_batches"] += per_step
            optimizers.step(model, args.max_grad_norm)
            state["global_step"] += 1
            step = state["global_step"]
            if step % args.log_steps == 0 or step == args.max_steps:
                means = window.close(step - (history[-1]["step"] if history else 0), world)
                record = {"step": step, **means, "learning_rate": optimizers.learning_rate, "epoch": state["epoch"]}
                history.append(record)
                state["log_history"] = history
                if rank == 0:
                    with open(log_path, "a", encoding="utf-8") as handle:
                        handle.write(json.dumps(record) + "\n")
                task.note(f"loss {means['loss']:.3f} mlm {means['mlm_loss']:.3f} link {means['linking_loss']:.3f}")
            task.update(step)
            if step % args.save_steps == 0 or step == args.max_steps:
                state["pending_sums"] = window.sums.tolist()
                _save_checkpoint(out, model, tokenizer, optimizers, state, rank, world)
    if rank == 0:
        model.save_pretrained(out)
        tokenizer.save_pretrained(out)
        (out / STATE_FILE).write_text(json.dumps(state, indent=1), encoding="utf-8")
        plot_curves(history, out / "loss.png", LOSSES, "KeBioLM pretraining")
    return state
