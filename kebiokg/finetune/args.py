"""The settings of a fine-tuning run: one place for their defaults, ranges and help (the CLI's options
are made from these fields), light enough to import without torch."""

from __future__ import annotations

from dataclasses import dataclass

from ..settings import setting


@dataclass
class FinetuneArgs:
    epochs: float = setting(3.0, "Passes over the training examples.", min=0, min_open=True)
    max_steps: int | None = setting(None, "Steps (overrides --epochs).", min=1)
    batch_size: int = setting(16, "Examples per step.", min=1)
    learning_rate: float = setting(5e-5, "Peak learning rate (linear warmup, then linear decay).", min=0)
    warmup_ratio: float = setting(0.1, "Share of the steps spent warming up.", min=0, max=1)
    weight_decay: float = setting(0.01, "AdamW weight decay (not on biases and norms).", min=0)
    max_grad_norm: float = setting(1.0, "Gradient clipping norm.", min=0)
    max_length: int = setting(256, "Tokens per window (NER) or example (RE).", min=16)
    eval_steps: int | None = setting(None, "Steps between dev evaluations [default: once per epoch].", min=1)
    log_steps: int = setting(10, "Steps between log lines.", min=1)
    eval_batch_size: int = setting(64, "Examples per evaluation batch.", min=1)
    seed: int = setting(42, "Seed of the fresh head, the example order and dropout: a run repeats exactly.")
