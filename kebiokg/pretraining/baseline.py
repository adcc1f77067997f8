"""The plain-MLM baseline KeBioLM is judged against: the same corpus, windows, optimiser and schedule,
whole-word masking, no entities (`kebiokg pretrain --objective mlm`)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import torch
from transformers import AutoModelForMaskedLM, AutoTokenizer, BertConfig, BertForMaskedLM

from ..errors import KebiokgError
from ..modeling_kebio import sparse_mlm_loss
from ..progress import NullProgress, Progress
from ..training import LogWindow, autocast_for, optimizer_step, parameter_groups, pick_device, plot_curves
from .args import TrainArgs
from .data import EntityVocabulary, WindowStream, collate


def random_bert(tokenizer, hidden: int, layers: int, seed: int, max_positions: int = 512,
                dropout: float = 0.1) -> BertForMaskedLM:
    """A randomly initialised BERT masked LM sized for `tokenizer` (a shared start for both objectives);
    `dropout` (BERT's 0.1 by default) is carried into every model started from it."""
    torch.manual_seed(seed)
    return BertForMaskedLM(BertConfig(vocab_size=len(tokenizer), hidden_size=hidden, num_hidden_layers=layers,
                                      num_attention_heads=max(1, hidden // 64), intermediate_size=4 * hidden,
                                      max_position_embeddings=max_positions, pad_token_id=tokenizer.pad_token_id,
                                      hidden_dropout_prob=dropout, attention_probs_dropout_prob=dropout))


def pretrain_plain_mlm(base: str, corpus: Path, out: Path, args: TrainArgs, progress: Progress | None = None,
                       device: str | None = None, entity_masking: bool = False, head_only: bool = False) -> list[dict]:
    """Continue a masked LM (folder or hub id) with plain MLM on the corpus; saves the model, its
    tokenizer, log.jsonl and loss.png in `out`; returns the log.

    `head_only` trains the masked-LM head alone (its transform and bias; the encoder, and the input
    embeddings a tied decoder shares, stay as they are): it fits the head a checkpoint lacks (sentence
    encoders ship none), so that runs continued from it start from a head that already names words.

    Whole-word masking by default (BERT's); `entity_masking` masks each corpus mention whole, as
    KeBioLM does. The difference matters for facts: under whole-word masking the other words of a
    multi-word name almost always give a masked word away, so the text's subject is never needed
    to predict its object."""
    from transformers import get_linear_schedule_with_warmup

    progress = progress or NullProgress()
    device = pick_device(device)
    if int(os.environ.get("WORLD_SIZE", "1")) > 1:
        raise KebiokgError("the plain-MLM baseline trains in one process: run it without torchrun "
                           "(--grad-accum gives it the same global batch as a DDP run)")
    if (out / "config.json").exists():
        raise KebiokgError(f"{out} already holds a model: choose another --out")
    torch.manual_seed(args.seed)  # a head missing from `base` starts from the same weights every run
    try:
        model = AutoModelForMaskedLM.from_pretrained(base).to(device).train()
        tokenizer = AutoTokenizer.from_pretrained(base)
    except (OSError, ValueError) as exc:
        raise KebiokgError(f"{base}: not a masked LM folder or hub id ({str(exc).splitlines()[0]})") from exc
    if head_only:
        model.base_model.requires_grad_(False)
    torch.manual_seed(args.seed)
    stream = WindowStream(corpus, tokenizer, EntityVocabulary([]), args.max_length, args.seed, args.shuffle_buffer)
    optimizer = torch.optim.AdamW(parameter_groups(model, args.weight_decay), lr=args.learning_rate)
    scheduler = get_linear_schedule_with_warmup(optimizer, int(args.warmup_ratio * args.max_steps), args.max_steps)
    autocast = autocast_for(device)
    out.mkdir(parents=True, exist_ok=True)
    history: list[dict] = []
    window = LogWindow(["mlm_loss"])
    title = "pretrain (plain MLM, whole-entity masking" if entity_masking else "pretrain (plain MLM"
    with progress.task(title + (", head only)" if head_only else ")"), total=args.max_steps, unit="steps") as task:
        micro_batches = stream.micro_batches(args.batch_size, iter(range(args.max_steps * args.grad_accum)))
        for step in range(1, args.max_steps + 1):
            for _ in range(args.grad_accum):  # the micro-batches KeBioLM's step takes in one process
                g, epoch, windows = next(micro_batches)
                batch = collate(windows, tokenizer, args.mlm_probability, np.random.default_rng([args.seed, g]),
                                entity_units=entity_masking)
                with autocast:
                    loss = sparse_mlm_loss(model, batch["input_ids"].to(device), batch["attention_mask"].to(device),
                                           batch["labels"].to(device))
                (loss / args.grad_accum).backward()
                window.add([loss], int(batch["attention_mask"].sum()), 1 / args.grad_accum)
            optimizer_step(model.parameters(), [optimizer], [scheduler], args.max_grad_norm)
            if step % args.log_steps == 0 or step == args.max_steps:
                means = window.close(step - (history[-1]["step"] if history else 0))
                history.append({"step": step, "loss": means["mlm_loss"], **means,
                                "learning_rate": scheduler.get_last_lr()[0], "epoch": epoch})
                task.note(f"mlm {means['mlm_loss']:.3f}")
            task.update(step)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    (out / "log.jsonl").write_text("".join(json.dumps(r) + "\n" for r in history), encoding="utf-8")
    plot_curves(history, out / "loss.png", ("mlm_loss",), "plain MLM pretraining")
    return history
