"""One progress helper for every long loop, so `--quiet` silences all of them the same way.

Library code takes a `Progress` and opens tasks on it; only the CLI decides whether that is a
terminal bar (`BarProgress`) or nothing (`NullProgress`).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol


class Task(Protocol):
    def update(self, done: float) -> None:
        """Set the absolute amount done so far."""

    def note(self, text: str) -> None:
        """Change the trailing text of the task."""


class Progress(Protocol):
    def task(self, description: str, total: float | None = None, unit: str = "it") -> Iterator[Task]: ...


class _NullTask:
    def update(self, done: float) -> None:
        pass

    def note(self, text: str) -> None:
        pass


class NullProgress:
    """Reports nothing (`--quiet`, tests, library use)."""

    @contextmanager
    def task(self, description: str, total: float | None = None, unit: str = "it") -> Iterator[Task]:
        yield _NullTask()


class _BarTask:
    def __init__(self, bar) -> None:
        self._bar = bar

    def update(self, done: float) -> None:
        self._bar.n = done
        self._bar.refresh()

    def note(self, text: str) -> None:
        self._bar.set_postfix_str(text, refresh=True)


class BarProgress:
    """A tqdm bar per task on stderr: amount, rate and ETA."""

    @contextmanager
    def task(self, description: str, total: float | None = None, unit: str = "it") -> Iterator[Task]:
        from tqdm import tqdm

        scale = unit in ("B", "bytes")
        with tqdm(total=total, desc=description, unit="B" if scale else unit, unit_scale=scale,
                  unit_divisor=1024 if scale else 1000, file=sys.stderr, dynamic_ncols=True,
                  leave=True) as bar:
            task = _BarTask(bar)
            yield task
            if total is not None:
                task.update(total)
