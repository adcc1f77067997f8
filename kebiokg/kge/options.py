"""The settings of a KGE run: one place for their defaults, ranges and help (the CLI's options are made
from these fields), light enough to import without torch."""

from __future__ import annotations

from dataclasses import dataclass

from ..settings import setting

MODEL_NAMES = ("transe", "distmult")
DEFAULT_MARGINS = {"transe": 9.0, "distmult": 0.0}
# Settings a resume may change: they decide how long the run goes on, not what an epoch computes.
RESUMABLE = frozenset({"epochs", "patience", "device"})


@dataclass(frozen=True)
class EmbedOptions:
    model: str = setting("transe", "Scoring function: TransE (KeBioLM's choice) or DistMult.",
                         choices=list(MODEL_NAMES))
    dim: int = setting(128, "Embedding dimension.", min=1)
    epochs: int = setting(20, "Epochs at most (early stopping may end the run sooner).", min=1)
    batch_size: int = setting(32_768, "Positive triples per update.", min=1)
    learning_rate: float = setting(0.3, "Learning rate of the row-wise sparse Adagrad.", min=0, min_open=True)
    negatives: int = setting(64, "Negative entities per positive (shared by chunks of 256 positives).", min=1)
    margin: float | None = setting(None, "Margin of the self-adversarial loss [default: TransE 9, DistMult 0].")
    valid_fraction: float = setting(0.01, "Share of the triples held out for validation.", min=0, max=0.5)
    test_fraction: float = setting(0.01, "Share of the triples held out for the test.", min=0, max=0.5)
    eval_triples: int = setting(1_000, "Held-out triples evaluated at most, per split (ranked against all "
                                       "entities).", min=1)
    patience: int = setting(3, "Stop after this many evaluations without a better validation MRR.", min=1)
    eval_every: int = setting(1, "Epochs between validations.", min=1)
    seed: int = setting(42, "Seed of the split, the initial vectors, the order and the negatives: a run "
                            "repeats exactly.")
    device: str = "cpu"

    def resolved_margin(self) -> float:
        return DEFAULT_MARGINS[self.model] if self.margin is None else self.margin
