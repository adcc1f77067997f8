"""How readers treat malformed input: stop with FILE:LINE, or skip and count (`--on-error skip`)."""

from __future__ import annotations

from collections import Counter

from ..errors import KebiokgError


class Problems:
    """Malformed input: raise at the first (`fail`) or count and keep the first few (`skip`)."""

    def __init__(self, on_error: str = "fail", hint: str | None = None) -> None:
        """`hint`: what the user can do about it, added to the error (only where that option exists)."""
        if on_error not in ("fail", "skip"):
            raise KebiokgError(f"on_error must be fail or skip, not {on_error!r}")
        self.on_error, self.hint = on_error, hint
        self.counts: Counter = Counter()
        self.examples: list[str] = []

    def report(self, where: str, message: str, kind: str = "malformed") -> None:
        if self.on_error == "fail":
            raise KebiokgError(f"{where}: {message}" + (f" ({self.hint})" if self.hint else ""))
        self.counts[kind] += 1
        if len(self.examples) < 10:
            self.examples.append(f"{where}: {message}")

    @property
    def total(self) -> int:
        return sum(self.counts.values())
