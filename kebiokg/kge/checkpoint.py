"""OUT/checkpoint.pt: the last finished epoch of a run, what `--resume` continues from exactly.

It holds the tables, the optimizer accumulators, the run's state (epoch, best epoch and MRR,
evaluations without improvement, history, seconds) and, when the best epoch is not the last one,
the best tables; with the KB fingerprint and the settings, which a resume must match.
"""

from __future__ import annotations

from pathlib import Path

import torch

from ..errors import KebiokgError
from .store import CHECKPOINT, FORMAT, write_atomically


def save_checkpoint(out: Path, state: dict) -> None:
    write_atomically(out / CHECKPOINT, lambda temporary: torch.save({"format": FORMAT, **state}, temporary))


def load_checkpoint(out: Path) -> dict:
    path = out / CHECKPOINT
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise KebiokgError(f"{out}: no checkpoint to resume from ({CHECKPOINT} is missing)") from None
    except (RuntimeError, EOFError, OSError) as exc:
        raise KebiokgError(f"{path}: not a readable checkpoint ({str(exc).splitlines()[0]})") from exc
    if state.get("format") != FORMAT:
        raise KebiokgError(f"{path}: checkpoint format {state.get('format')}, expected {FORMAT}")
    return state
