"""`kebiokg pretrain`: the KeBioLM training loop, in the Hugging Face Trainer's folder convention.

    run/checkpoint-K/   model (safetensors) + tokenizer + entity vocabulary + optimizer.pt,
                        scheduler.pt, rng_state.pth, trainer_state.json (step, data position, log)
    run/                the final model, loadable with AutoModel.from_pretrained("run/")
    run/log.jsonl       one line per logged step: losses, learning rate, tokens/s
    run/loss.png        the loss curves

Resuming loads the latest checkpoint, restores weights, optimizer, scheduler and RNG states and
skips the batches already trained on (the data order is a function of the seed), so an interrupted
and resumed run reaches the same weights as an uninterrupted one.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import sqlalchemy as sa
import torch
from transformers import AutoModelForMaskedLM, AutoTokenizer, get_linear_schedule_with_warmup

from .. import schema as t
from ..errors import KebiokgError
from ..index.lexical import LexicalEncoder
from ..kb import KnowledgeBase
from ..modeling_kebio import ENTITY_OFFSET, PRESETS, KebioConfig, KebioForPreTraining, preset_config
from ..progress import NullProgress, Progress
from .data import EntityVocabulary, WindowStream, collate
from .tokenizer import train_tokenizer
from .transe import kb_triples, transe

STATE_FILE = "trainer_state.json"
_CHECKPOINT = re.compile(r"^checkpoint-(\d+)$")


@dataclass(frozen=True)
class TrainArgs:
    max_steps: int = 1000
    batch_size: int = 16
    grad_accum: int = 1
    learning_rate: float = 1e-4
    weight_decay: float = 0.01
    warmup_ratio: float = 0.06
    max_grad_norm: float = 1.0
    seed: int = 42
    save_steps: int = 500
    log_steps: int = 10
    max_length: int = 128
    mlm_probability: float = 0.15
    shuffle_buffer: int = 10_000

    def resumable_with(self, other: TrainArgs) -> list[str]:
        """Settings that differ and would break an exact resume (max_steps and save/log cadence may change;
        grad_accum may, with the number of processes, as long as the global batch stays: checked apart)."""
        free = {"max_steps", "save_steps", "log_steps", "grad_accum"}
        mine, theirs = asdict(self), asdict(other)
        return sorted(k for k in mine if k not in free and mine[k] != theirs[k])


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


def init_entity_table(model: KebioForPreTraining, kb: KnowledgeBase, seed: int, transe_epochs: int = 0) -> None:
    """Entity rows from the lexical name encoder (hashed character 3-grams of each preferred name),
    projected to `entity_dim` by a seeded random map, optionally refined by TransE over the KB's
    relations, and scaled like the random init of the table."""
    rows = kb.query(sa.select(t.concepts.c.preferred_name).order_by(t.concepts.c.entity_id))
    names = [r[0] for r in rows]
    dim = model.config.entity_dim
    lexical_dim = 1 << max(1, (dim - 1).bit_length())
    vectors = LexicalEncoder(lexical_dim).encode_queries(names)
    if lexical_dim != dim:
        projection = np.random.default_rng(seed).standard_normal((lexical_dim, dim)).astype(np.float32)
        vectors = vectors @ (projection / math.sqrt(dim))
    if transe_epochs:
        triples, relations = kb_triples(kb)
        if len(triples):
            vectors = transe(torch.from_numpy(np.ascontiguousarray(vectors, dtype=np.float32)), triples, relations,
                             epochs=transe_epochs, seed=seed).numpy()
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors = vectors / np.maximum(norms, 1e-6) * (model.config.initializer_range * math.sqrt(dim))
    with torch.no_grad():
        model.kebio.entity_embeddings.weight[ENTITY_OFFSET:ENTITY_OFFSET + len(names)] = torch.from_numpy(vectors)


def from_bert(base: str, vocab: EntityVocabulary, kb_fingerprint: str, fusion_layers: int | None = None,
              **config_overrides) -> tuple[KebioForPreTraining, object]:
    """A KeBioLM initialised from a BERT-family masked LM (a folder or a hub id): its layers split
    into the text-only stack and the fusion stack (the last third, at least one, fuse)."""
    bert = AutoModelForMaskedLM.from_pretrained(base)
    tokenizer = AutoTokenizer.from_pretrained(base)
    layers = bert.config.num_hidden_layers
    fusion = fusion_layers if fusion_layers is not None else max(1, layers // 3)
    if not 0 < fusion < layers:
        raise KebiokgError(f"{base}: cannot split {layers} layers into text and {fusion} fusion layers")
    values = {k: v for k, v in bert.config.to_dict().items() if k in KebioConfig.__dataclass_fields__
              and k not in ("model_type", "architectures", "transformers_version")}
    values.update(num_text_layers=layers - fusion, num_fusion_layers=fusion, entity_vocab_size=len(vocab),
                  kb_fingerprint=kb_fingerprint, **config_overrides)
    model = KebioForPreTraining(KebioConfig(**values))
    mapped = {}
    for key, value in bert.state_dict().items():
        key = re.sub(r"^(bert|roberta|electra)\.", "", key)
        layer = re.match(r"^encoder\.layer\.(\d+)\.(.*)$", key)
        if layer:
            i = int(layer.group(1))
            stack = "text_layers" if i < layers - fusion else "fusion_layers"
            key = f"kebio.{stack}.{i if i < layers - fusion else i - layers + fusion}.{layer.group(2)}"
        elif key.startswith("embeddings."):
            key = "kebio." + key
        mapped[key] = value
    result = model.load_state_dict(mapped, strict=False)
    new_parts = ("kebio.detector", "kebio.mention_projection", "kebio.entity_embeddings", "kebio.entity_projection",
                 "kebio.fusion_norm")
    missing = [k for k in result.missing_keys if not k.startswith(new_parts)]
    if missing:
        raise KebiokgError(f"{base}: not a BERT-family masked LM (no weights for {missing[0]})")
    return model, tokenizer


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
                    entity_init: str = "lexical", transe_epochs: int = 5, seed: int = 42,
                    model_options: dict | None = None) -> tuple[KebioForPreTraining, object, Path | None]:
    """The model, tokenizer and checkpoint a run starts from: the latest checkpoint of `out` when
    resuming, else a new model (from a BERT checkpoint or a config) with its entity table initialised."""
    rank, world = distributed()
    checkpoint = latest_checkpoint(out) if out.is_dir() else None
    if resume:
        if checkpoint is None:
            raise KebiokgError(f"{out}: no checkpoint-K folder to resume from")
        try:
            model = KebioForPreTraining.from_pretrained(checkpoint)
            tokenizer = AutoTokenizer.from_pretrained(checkpoint)
        except Exception as exc:  # safetensors, json and torch each raise their own  # noqa: BLE001
            raise KebiokgError(f"{checkpoint}: corrupt checkpoint ({str(exc).splitlines()[0]})") from exc
        if model.config.kb_fingerprint != kb.fingerprint:
            raise KebiokgError(f"{checkpoint}: trained against another KB (fingerprint "
                               f"{model.config.kb_fingerprint}, this KB {kb.fingerprint})")
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
    if checkpoint is not None or (out / "config.json").exists():
        raise KebiokgError(f"{out} already holds a run: --resume continues it, or choose another --out")
    if (base_model is None) == (from_config is None):
        raise KebiokgError("give exactly one of --base-model and --from-config")
    vocab = EntityVocabulary.from_kb(kb)
    options = model_options or {}
    torch.manual_seed(seed)  # the new parts' initial weights (heads, projections, the table): repeatable
    if base_model:
        model, tokenizer = from_bert(base_model, vocab, kb.fingerprint, **options)
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
    if entity_init != "random":
        init_entity_table(model, kb, seed, transe_epochs if entity_init == "transe" else 0)
    return model, tokenizer, None


# -- checkpoints ----------------------------------------------------------------------------------------------


def latest_checkpoint(out: Path) -> Path | None:
    found = [(int(m.group(1)), p) for p in out.glob("checkpoint-*") if (m := _CHECKPOINT.match(p.name))]
    return max(found)[1] if found else None


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
        (tmp / STATE_FILE).write_text(json.dumps(state, indent=1), encoding="utf-8")
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


# -- the loop -------------------------------------------------------------------------------------------------


def parameter_groups(model: torch.nn.Module, weight_decay: float, skip: frozenset[int] = frozenset()) -> list[dict]:
    """AdamW groups: decay on matrices, none on biases and norms; parameters in `skip` (ids) left out."""
    decay, no_decay = [], []
    for name, param in model.named_parameters():
        if not param.requires_grad or id(param) in skip:
            continue
        (no_decay if param.ndim < 2 or "LayerNorm" in name or "norm" in name else decay).append(param)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


def autocast_for(device: str):
    """bf16 autocast on CUDA, none on the CPU (where bf16 matmuls are slower than float32)."""
    return (torch.autocast("cuda", dtype=torch.bfloat16) if device.startswith("cuda")
            else torch.autocast("cpu", enabled=False))


def optimizer_step(model: torch.nn.Module, optimizer, scheduler, max_grad_norm: float) -> None:
    """Clip, step, advance the schedule, clear the gradients: one update of a single-optimizer loop."""
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm)
    optimizer.step()
    scheduler.step()
    optimizer.zero_grad(set_to_none=True)


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

    def step(self) -> None:
        for optimizer, scheduler in zip(self.optimizers, self.schedulers, strict=True):
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)

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


def distributed() -> tuple[int, int]:
    """(rank, world size) of this process: (0, 1) unless torch.distributed is initialised."""
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_rank(), torch.distributed.get_world_size()
    return 0, 1


def pretrain(model: KebioForPreTraining, tokenizer, corpus: Path, out: Path, args: TrainArgs,
             kb_fingerprint: str, resume_from: Path | None = None, progress: Progress | None = None,
             device: str | None = None, index_refresh: int = 1000) -> dict:
    """Train `model` on the annotated corpus; returns the final trainer state.

    Under torchrun (torch.distributed initialised) the model is wrapped in DistributedDataParallel:
    each step takes world_size x grad_accum micro-batches, rank r the numbers r*grad_accum + m of
    the step; rank 0 logs and writes checkpoints. A sampled-softmax model refreshes its candidate
    index every `index_refresh` steps, in every process at the same steps.
    """
    progress = progress or NullProgress()
    rank, world = distributed()
    device = device or (f"cuda:{torch.cuda.current_device()}" if torch.cuda.is_available() else "cpu")
    out.mkdir(parents=True, exist_ok=True)
    vocab = EntityVocabulary(model.entity_vocab or [])
    stream = WindowStream(corpus, tokenizer, vocab, args.max_length, args.seed, args.shuffle_buffer)
    model.to(device)
    model.train()
    optimizers = Optimizers(model, args)
    state = {"global_step": 0, "micro_batches": 0, "epoch": 0, "kb_fingerprint": kb_fingerprint,
             "args": asdict(args), "log_history": []}
    torch.manual_seed(args.seed + rank)
    if resume_from is not None:
        state = load_checkpoint_state(resume_from)
        if state.get("kb_fingerprint") != kb_fingerprint:
            raise KebiokgError(f"{resume_from}: trained against another KB (fingerprint {state.get('kb_fingerprint')}, "
                               f"this KB {kb_fingerprint})")
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
    sums = torch.tensor(state.get("pending_sums", [0.0] * 4), device=device)
    tokens = 0
    window_start = time.perf_counter()
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
                    output = trained(**batch)
                    (output.loss / args.grad_accum).backward()
                parts = [output.loss, output.mlm_loss, output.detection_loss, output.linking_loss]
                sums += torch.stack([p.detach().float() for p in parts]) / args.grad_accum
                tokens += int(batch["attention_mask"].sum())
            state["micro_batches"] += per_step
            if model.config.entity_table_mode != "sparse":
                torch.nn.utils.clip_grad_norm_(model.parameters(), args.max_grad_norm)
            else:  # sparse gradients cannot be clipped with the rest
                torch.nn.utils.clip_grad_norm_([p for p in model.parameters()
                                                if p is not model.kebio.entity_embeddings.weight], args.max_grad_norm)
            optimizers.step()
            state["global_step"] += 1
            step = state["global_step"]
            if step % args.log_steps == 0 or step == args.max_steps:
                steps = step - (history[-1]["step"] if history else 0)
                logged = sums.clone()
                if world > 1:  # the mean over processes
                    torch.distributed.all_reduce(logged)
                    logged /= world
                values = (logged / steps).tolist()
                elapsed = time.perf_counter() - window_start
                record = {"step": step, "loss": values[0], "mlm_loss": values[1], "detection_loss": values[2],
                          "linking_loss": values[3], "learning_rate": optimizers.learning_rate,
                          "tokens_per_second": world * tokens / elapsed if elapsed else 0.0, "epoch": state["epoch"]}
                history.append(record)
                state["log_history"] = history
                if rank == 0:
                    with open(log_path, "a", encoding="utf-8") as handle:
                        handle.write(json.dumps(record) + "\n")
                task.note(f"loss {values[0]:.3f} mlm {values[1]:.3f} link {values[3]:.3f}")
                sums.zero_()
                tokens, window_start = 0, time.perf_counter()
            task.update(step)
            if step % args.save_steps == 0 or step == args.max_steps:
                state["pending_sums"] = sums.tolist()
                _save_checkpoint(out, model, tokenizer, optimizers, state, rank, world)
    if rank == 0:
        model.save_pretrained(out)
        tokenizer.save_pretrained(out)
        (out / STATE_FILE).write_text(json.dumps(state, indent=1), encoding="utf-8")
        plot_losses(history, out / "loss.png")
    return state


def plot_losses(history: list[dict], path: Path, keys: tuple[str, ...] = ("loss", "mlm_loss", "detection_loss",
                                                                          "linking_loss"),
                title: str = "KeBioLM pretraining") -> None:
    """The loss components against the step, one line each."""
    if not history:
        return
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = [r["step"] for r in history]
    fig, ax = plt.subplots(figsize=(7, 4))
    for key in keys:
        ax.plot(steps, [r[key] for r in history], label=key.replace("_", " "))
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.set_title(title)
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
