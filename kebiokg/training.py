"""What every training loop shares (pretraining, the plain-MLM baseline, fine-tuning, KGE):
the device, autocast, AdamW parameter groups, clip-and-step, the log window and its throughput,
and the curve plots. Decided here once, so the loops differ only in what they train.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from pathlib import Path

import torch

from .errors import KebiokgError


def pick_device(device: str | None) -> str:
    """`device` once checked (cpu, cuda, cuda:N), else cuda when a GPU is present, else cpu.

    Checked up front, so a wrong `--device` is one clear error rather than a CUDA assertion deep in
    the first forward pass.
    """
    if device is None:
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        parsed = torch.device(device)
    except RuntimeError as exc:
        raise KebiokgError(f"--device {device}: not a device (cpu, cuda, cuda:1 ...)") from exc
    if parsed.type == "cuda":
        if not torch.cuda.is_available():
            raise KebiokgError(f"--device {device}: no CUDA GPU is available here")
        if parsed.index is not None and parsed.index >= torch.cuda.device_count():
            raise KebiokgError(f"--device {device}: this machine has {torch.cuda.device_count()} CUDA GPU(s)")
    elif parsed.type != "cpu":
        raise KebiokgError(f"--device {device}: only cpu and cuda devices are supported")
    return device


def autocast_for(device: str):
    """bf16 autocast on CUDA, none on the CPU (where bf16 matmuls are slower than float32)."""
    return (torch.autocast("cuda", dtype=torch.bfloat16) if device.startswith("cuda")
            else torch.autocast("cpu", enabled=False))


def parameter_groups(model: torch.nn.Module, weight_decay: float, skip: frozenset[int] = frozenset()) -> list[dict]:
    """AdamW groups: decay on matrices, none on biases and norms; parameters in `skip` (ids) left out."""
    decay, no_decay = [], []
    for name, param in model.named_parameters():
        if not param.requires_grad or id(param) in skip:
            continue
        (no_decay if param.ndim < 2 or "LayerNorm" in name or "norm" in name else decay).append(param)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


def step_optimizers(optimizers: Sequence, schedulers: Sequence) -> None:
    """Step each optimizer, advance its schedule, clear the gradients."""
    for optimizer, scheduler in zip(optimizers, schedulers, strict=True):
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)


def optimizer_step(parameters: Iterable[torch.nn.Parameter], optimizers: Sequence, schedulers: Sequence,
                   max_grad_norm: float) -> None:
    """Clip the gradients of `parameters` (sparse ones cannot be clipped with the rest), then step."""
    torch.nn.utils.clip_grad_norm_(list(parameters), max_grad_norm)
    step_optimizers(optimizers, schedulers)


def distributed() -> tuple[int, int]:
    """(rank, world size) of this process: (0, 1) unless torch.distributed is initialised."""
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_rank(), torch.distributed.get_world_size()
    return 0, 1


class LogWindow:
    """Sums of named values and a token count since the last log line; `close` gives their mean per
    step and the training throughput (time spent in `paused()`, e.g. evaluation, is left out)."""

    def __init__(self, names: Sequence[str], device: str = "cpu", sums: Sequence[float] | None = None) -> None:
        self.names = tuple(names)
        self.sums = torch.tensor(list(sums) if sums is not None else [0.0] * len(self.names), device=device)
        self.tokens = 0
        self._started = time.perf_counter()

    def add(self, values: Sequence[torch.Tensor | float], tokens: int, weight: float = 1.0) -> None:
        """Add one micro-batch: its values (detached here, no host sync) times `weight`, and its tokens."""
        stacked = torch.stack([(v.detach().float() if isinstance(v, torch.Tensor) else torch.tensor(float(v)))
                               .to(self.sums.device) for v in values])
        self.sums += stacked * weight
        self.tokens += tokens

    @contextmanager
    def paused(self):
        began = time.perf_counter()
        try:
            yield
        finally:
            self._started += time.perf_counter() - began

    def close(self, steps: int, world: int = 1) -> dict:
        """Means over the last `steps` steps (and over processes), tokens/s; then start a new window."""
        sums = self.sums.clone()
        if world > 1:
            torch.distributed.all_reduce(sums)
            sums /= world
        elapsed = time.perf_counter() - self._started
        record = dict(zip(self.names, (sums / max(steps, 1)).tolist(), strict=True))
        record["tokens_per_second"] = world * self.tokens / elapsed if elapsed else 0.0
        self.sums.zero_()
        self.tokens = 0
        self._started = time.perf_counter()
        return record


def plot_curves(history: list[dict], path: Path, keys: Sequence[str], title: str,
                secondary: str | None = None, ylabel: str = "loss") -> None:
    """`keys` of the logged records against the step, one line each; `secondary` (e.g. dev F1) on a
    second axis in [0, 1]. Nothing is written for an empty history."""
    rows = [r for r in history if keys[0] in r]
    if not rows:
        return
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    for key in keys:
        ax.plot([r["step"] for r in rows], [r[key] for r in rows], label=key.replace("_", " "))
    ax.set_xlabel("step")
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    if len(keys) > 1:
        ax.legend(loc="upper left")
    extra = [r for r in history if secondary and secondary in r]
    if extra:
        twin = ax.twinx()
        twin.plot([r["step"] for r in extra], [r[secondary] for r in extra], "o-", color="tab:orange",
                  label=secondary.replace("_", " "))
        twin.set_ylabel(secondary.replace("_", " "), color="tab:orange")
        twin.set_ylim(0, 1)
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
