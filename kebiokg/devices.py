"""The torch device a command runs on: checked up front, so a wrong `--device` is one clear error
rather than a CUDA assertion deep in the first forward pass."""

from __future__ import annotations

import torch

from .errors import KebiokgError


def pick_device(device: str | None) -> str:
    """`device` once checked (cpu, cuda, cuda:N), else cuda when a GPU is present, else cpu."""
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
