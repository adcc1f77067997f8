"""`embed_kb`: train entity and relation embeddings over a KB's relations, measured and resumable.

Each epoch visits the training triples in a seeded order, in large batches. A batch is cut into
chunks of CHUNK positives that share `negatives` random entities (DGL-KE's chunked negative
sampling: one matrix product per chunk instead of a gather per negative); alternate chunks corrupt
the tail and the head. The loss is RotatE's self-adversarial negative sampling loss (Sun et al., 2019),
-log sigmoid(margin + s+) - sum_i p_i log sigmoid(-(margin + s_i-)) with p = softmax(margin + s-),
with which that paper's TransE baseline reached a higher filtered MRR than with the original margin
ranking loss. The gradients of the rows a batch used go to a row-wise sparse Adagrad (optim.py).

Every `eval_every` epochs the filtered MRR on a validation sample decides the best epoch and early
stopping (`patience` evaluations without improvement). Each finished epoch is checkpointed: the
run continues from there with the same result as an uninterrupted one, since an epoch depends
only on the checkpointed tables and optimizer state and on (seed, epoch).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ..artefacts import checksum, record_files
from ..errors import KebiokgError
from ..kb import KnowledgeBase
from ..progress import NullProgress, Progress
from .checkpoint import load_checkpoint, save_checkpoint
from .data import KgeData, prepare_data
from .evaluate import TIES, evaluate
from .models import MODELS, KgeModel
from .optim import RowAdagrad
from .options import RESUMABLE, EmbedOptions
from .store import CHECKPOINT, ENTITIES, FORMAT, METADATA, RELATIONS, save_array, save_json

CHUNK = 256
ADVERSARIAL_TEMPERATURE = 1.0


def embed_kb(kb: KnowledgeBase, out: str | Path, options: EmbedOptions | None = None, exclude: Path | None = None,
             resume: bool = False, progress: Progress | None = None, threads: int | None = None) -> dict:
    """Train, evaluate, write OUT/ (see store.py); returns what kge.json records. `threads` sets torch's
    CPU threads for the run (one is fastest on a busy machine, whose cores the others hold)."""
    with _torch_threads(threads):
        return _embed_kb(kb, Path(out), options or EmbedOptions(), exclude, resume, progress or NullProgress())


@contextmanager
def _torch_threads(threads: int | None) -> Iterator[None]:
    before = torch.get_num_threads()
    torch.set_num_threads(threads or before)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _embed_kb(kb: KnowledgeBase, out: Path, options: EmbedOptions, exclude: Path | None, resume: bool,
              progress: Progress) -> dict:
    if options.model not in MODELS:
        raise KebiokgError(f"unknown KGE model {options.model!r} (expected one of {', '.join(MODELS)})")
    started = time.perf_counter()
    settings = {**dataclasses.asdict(options), "margin": options.resolved_margin(),
                "exclude_sha256": checksum(exclude) if exclude is not None else None}
    checkpoint = _open_out(out, resume, kb, settings)
    data = prepare_data(kb, options.seed, options.valid_fraction, options.test_fraction, options.eval_triples,
                        exclude, progress)
    prepared = time.perf_counter() - started
    model = MODELS[options.model].initialised(data.entity_count, len(data.labels), options.dim,
                                              settings["margin"], options.seed, options.device)
    optimizers = [RowAdagrad(model.entities, options.learning_rate),
                  RowAdagrad(model.relations, options.learning_rate)]
    state = {"epoch": 0, "best_epoch": 0, "best_mrr": -1.0, "bad_evaluations": 0, "stopped": None,
             "history": [], "seconds": 0.0, "epoch_seconds": [], "validation_seconds": []}
    best = None
    if checkpoint is not None:
        best = _restore(checkpoint, model, optimizers, state)
        if state["stopped"] and state["bad_evaluations"] < options.patience:  # resumed with a larger --patience
            state["stopped"] = None
    for epoch in range(state["epoch"] + 1, options.epochs + 1):
        if state["stopped"]:
            break
        best = _epoch(model, optimizers, data, options, settings["margin"], epoch, state, best, progress)
        _checkpoint(out, kb, settings, model, optimizers, state, best, started)
    entities, relations = best if best is not None else (model.entities, model.relations)
    test_started = time.perf_counter()
    test = evaluate(type(model)(entities, relations), data.test_eval, progress)
    timing = {"prepare_data": round(prepared, 3), "epochs": state["epoch_seconds"],
              "validations": state["validation_seconds"], "test": round(time.perf_counter() - test_started, 3)}
    save_array(out / ENTITIES, entities.cpu().numpy())
    save_array(out / RELATIONS, relations.cpu().numpy())
    metadata = {
        "format": FORMAT, "kb_fingerprint": kb.fingerprint, "kb_release": kb.release, "model": options.model,
        "dim": options.dim, "entity_count": data.entity_count, "relations": data.labels, "settings": settings,
        "exclude": dataclasses.asdict(data.exclusion), "split": data.split_sizes(),
        "metrics": {"test": test, "valid": state.get("best_valid")},
        "ranking": f"filtered (train + valid + test), head and tail prediction, ties: {TIES} rank",
        "epochs_run": state["epoch"], "best_epoch": state["best_epoch"] or state["epoch"],
        "stopped": state["stopped"] or "epochs", "history": state["history"],
        "seconds": round(state["seconds"] + time.perf_counter() - started, 3), "timing": timing,
        "files": record_files(out, [ENTITIES, RELATIONS]),
    }
    save_json(out / METADATA, metadata)  # last: its presence marks a finished run
    return metadata


def _epoch(model: KgeModel, optimizers: list[RowAdagrad], data: KgeData, options: EmbedOptions, margin: float,
           epoch: int, state: dict, best: tuple[torch.Tensor, torch.Tensor] | None, progress: Progress
           ) -> tuple[torch.Tensor, torch.Tensor] | None:
    """Train one epoch, validate when due; updates `state`, returns the best tables (None: the current ones)."""
    epoch_started = time.perf_counter()
    record = {"epoch": epoch, "loss": train_epoch(model, optimizers, data, options, epoch, margin, progress)}
    state["epoch_seconds"].append(round(time.perf_counter() - epoch_started, 3))
    if epoch % options.eval_every == 0 or epoch == options.epochs:
        validation_started = time.perf_counter()
        if _validate(model, data, options, epoch, state, record, progress):
            best = model.entities.clone(), model.relations.clone()
        state["validation_seconds"].append(round(time.perf_counter() - validation_started, 3))
    state["history"].append(record)
    state["epoch"] = epoch
    return best


def _open_out(out: Path, resume: bool, kb: KnowledgeBase, settings: dict) -> dict | None:
    """The checkpoint to resume from (None for a fresh run), after refusing what must not be mixed."""
    if out.exists() and not out.is_dir():
        raise KebiokgError(f"{out}: exists and is not a folder")
    if not resume:
        if (out / METADATA).exists():
            raise KebiokgError(f"{out}: already holds a finished run ({METADATA}); pass --resume or another --out")
        if (out / CHECKPOINT).exists():
            raise KebiokgError(f"{out}: holds an unfinished run ({CHECKPOINT}); pass --resume to continue it")
        out.mkdir(parents=True, exist_ok=True)
        return None
    checkpoint = load_checkpoint(out)
    kb.check_fingerprint(checkpoint["kb_fingerprint"], out / CHECKPOINT)
    for name, value in settings.items():
        recorded = checkpoint["settings"].get(name)
        if name not in RESUMABLE and recorded != value:
            option = "--exclude file" if name == "exclude_sha256" else f"--{name.replace('_', '-')}"
            raise KebiokgError(f"{out}: cannot resume: {option} was {recorded}, now {value} "
                               "(resume with the same options, or write to another --out)")
    return checkpoint


def _restore(checkpoint: dict, model: KgeModel, optimizers: list[RowAdagrad], state: dict
             ) -> tuple[torch.Tensor, torch.Tensor] | None:
    """Load the checkpoint into the model, optimizers and state; returns the best tables."""
    model.entities.copy_(checkpoint["entities"])
    model.relations.copy_(checkpoint["relations"])
    for optimizer, saved in zip(optimizers, checkpoint["optimizer"], strict=True):
        optimizer.state.copy_(saved)
    state.update(checkpoint["state"])
    if checkpoint["best"] is not None:
        return tuple(table.to(model.entities.device) for table in checkpoint["best"])
    if state["best_epoch"] and state["best_epoch"] == state["epoch"]:
        return model.entities.clone(), model.relations.clone()
    return None


def _checkpoint(out: Path, kb: KnowledgeBase, settings: dict, model: KgeModel, optimizers: list[RowAdagrad],
                state: dict, best: tuple[torch.Tensor, torch.Tensor] | None, started: float) -> None:
    """The last finished epoch; the best tables only when they are not the current ones."""
    saved_state = {**state, "seconds": state["seconds"] + time.perf_counter() - started}
    save_checkpoint(out, {
        "kb_fingerprint": kb.fingerprint, "settings": settings, "state": saved_state,
        "entities": model.entities.cpu(), "relations": model.relations.cpu(),
        "optimizer": [optimizer.state.cpu() for optimizer in optimizers],
        "best": None if best is None or state["best_epoch"] == state["epoch"] else [t.cpu() for t in best]})


def _validate(model: KgeModel, data: KgeData, options: EmbedOptions, epoch: int, state: dict, record: dict,
              progress: Progress) -> bool:
    """Evaluate on the validation sample; True when this epoch is the best so far."""
    valid = evaluate(model, data.valid_eval, progress)
    if valid is None:  # no validation triples: the last epoch stands
        return False
    record["valid"] = valid["both"]
    if valid["both"]["mrr"] > state["best_mrr"]:
        state.update(best_epoch=epoch, best_mrr=valid["both"]["mrr"], bad_evaluations=0, best_valid=valid)
        return True
    state["bad_evaluations"] += 1
    if state["bad_evaluations"] >= options.patience:
        state["stopped"] = f"early stopping: no better validation MRR in {options.patience} evaluations"
    return False


def train_epoch(model: KgeModel, optimizers: list[RowAdagrad], data: KgeData, options: EmbedOptions, epoch: int,
                margin: float, progress: Progress) -> float:
    """One pass over the training triples in the order drawn for (seed, epoch); the mean loss."""
    rng = np.random.default_rng([options.seed, epoch])
    order = rng.permutation(len(data.train))
    chunk = min(CHUNK, options.batch_size)
    total, batches = 0.0, 0
    with progress.task(f"epoch {epoch}/{options.epochs}", total=len(order), unit="triple") as task:
        for batch, start in enumerate(range(0, len(order), options.batch_size)):
            rows = data.train[order[start:start + options.batch_size]]
            total += train_step(model, optimizers, rows, rng, options.negatives, chunk, margin, batch)
            batches += 1
            task.update(start + len(rows))
            task.note(f"loss {total / batches:.4f}")
    return total / max(batches, 1)


def train_step(model: KgeModel, optimizers: list[RowAdagrad], rows: np.ndarray, rng: np.random.Generator,
               negatives: int, chunk: int, margin: float, batch: int) -> float:
    """One update from a batch of positives [b, 3]; the batch's loss."""
    real = len(rows)
    chunks = -(-real // chunk)
    rows = np.resize(rows, (chunks * chunk, 3))  # the last chunk is filled up by repeats, weighted 0
    forward = (np.arange(len(rows)) // chunk + batch) % 2 == 0  # even chunks corrupt the tail
    anchor = np.where(forward, rows[:, 0], rows[:, 2]).astype(np.int64)
    target = np.where(forward, rows[:, 2], rows[:, 0]).astype(np.int64)
    relation = rows[:, 1].astype(np.int64)
    noise = rng.integers(0, model.entities.shape[0], size=chunks * negatives)
    device = model.entities.device

    def gather(table: torch.Tensor, ids: np.ndarray) -> torch.Tensor:
        return table.index_select(0, torch.from_numpy(ids).to(device))

    anchors, targets, relations = gather(model.entities, anchor), gather(model.entities, target), \
        gather(model.relations, relation)
    noises = gather(model.entities, noise).view(chunks, negatives, -1)
    sign = torch.from_numpy(np.where(forward, 1.0, -1.0).astype(np.float32)).to(device).unsqueeze(1)
    weight = torch.zeros(len(rows), device=device)
    weight[:real] = 1 / (2 * real)  # the mean over real rows of (positive loss + negative loss) / 2
    query = model.query(anchors, relations, sign)
    positive = model.pair_scores(query, targets)
    queries = query.view(chunks, chunk, -1)
    negative = model.scores(queries, noises)
    loss, grad_positive, grad_negative = self_adversarial_loss(positive + margin, negative + margin, weight)
    grad_query, grad_target = model.pair_gradients(query, targets, positive, grad_positive)
    grad_queries, grad_noise = model.scores_gradients(queries, noises, negative, grad_negative)
    grad_anchor, grad_relation = model.query_gradients(anchors, relations, sign,
                                                       grad_query.add_(grad_queries.view_as(grad_query)))
    optimizers[0].step([anchor, target, noise], [grad_anchor, grad_target, grad_noise])
    optimizers[1].step([relation], [grad_relation])
    return loss


def self_adversarial_loss(positive: torch.Tensor, negative: torch.Tensor, weight: torch.Tensor
                          ) -> tuple[float, torch.Tensor, torch.Tensor]:
    """sum_i weight_i (-log sigmoid(p_i) - sum_k a_ik log sigmoid(-n_ik)), a_i = softmax(n_i) held constant;
    with its gradients with respect to the positive logits [b] and the negative ones [c, n, k]."""
    adversarial = torch.softmax(negative * ADVERSARIAL_TEMPERATURE, dim=-1)
    row_weight = weight.view(negative.shape[:-1]).unsqueeze(-1)
    loss = (F.logsigmoid(positive).mul(weight).sum()
            + F.logsigmoid(-negative).mul_(adversarial).mul_(row_weight).sum()).neg().item()
    grad_positive = torch.sigmoid(-positive).mul_(weight).neg_()
    grad_negative = torch.sigmoid(negative).mul_(adversarial).mul_(row_weight)
    return loss, grad_positive, grad_negative
