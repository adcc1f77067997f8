"""The settings of a pretraining run: one place for their defaults, ranges and help (the CLI's
options are made from these fields), light enough to import without torch."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ..settings import setting

ENTITY_INITS = ("auto", "kge", "lexical", "random")  # how a new model's entity table starts (entity_init.py)


@dataclass(frozen=True)
class TrainArgs:
    max_steps: int = setting(1000, "Optimizer steps.", min=1)
    batch_size: int = setting(16, "Windows per micro-batch (per process).", min=1)
    grad_accum: int = setting(1, "Micro-batches per step (gradient accumulation).", min=1)
    learning_rate: float = setting(1e-4, "Peak learning rate (linear warmup, then linear decay).", min=0)
    weight_decay: float = setting(0.01, "AdamW weight decay (not on biases, norms or the entity table).", min=0)
    warmup_ratio: float = setting(0.06, "Share of the steps spent warming up.", min=0, max=1)
    max_grad_norm: float = setting(1.0, "Gradient clipping norm.", min=0)
    seed: int = setting(42, "Seed of the new weights, the data order and the masking: a run repeats exactly.")
    save_steps: int = setting(500, "Steps between checkpoints.", min=1)
    log_steps: int = setting(10, "Steps between log lines.", min=1)
    max_length: int = setting(128, "Tokens per window.", min=8)
    mlm_probability: float = setting(0.15, "Share of the tokens (whole entities and words) masked.", min=0, max=1)
    shuffle_buffer: int = setting(10_000, "Windows in the shuffle buffer of the streamed corpus.", min=1)

    def resumable_with(self, other: TrainArgs) -> list[str]:
        """Settings that differ and would break an exact resume (max_steps and save/log cadence may change;
        grad_accum may, with the number of processes, as long as the global batch stays: checked apart)."""
        free = {"max_steps", "save_steps", "log_steps", "grad_accum"}
        mine, theirs = asdict(self), asdict(other)
        return sorted(k for k in mine if k not in free and mine[k] != theirs[k])
