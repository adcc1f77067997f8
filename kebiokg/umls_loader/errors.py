"""Errors a load can raise. Each names the file and, where it can, the line."""

from __future__ import annotations

from ..errors import KebiokgError


class LoadError(KebiokgError):
    """A release cannot be loaded as asked; the message is one line meant for the user."""


class BadRowError(LoadError):
    """A malformed row in an RRF file."""

    def __init__(self, file: str, line: int | None, problem: str, count: int = 1) -> None:
        self.file = file
        self.line = line
        self.problem = problem
        self.count = count
        where = f"{file}:{line}" if line is not None else file
        more = f" ({count - 1} more bad rows in this file; --on-error skip skips them)" if count > 1 else ""
        super().__init__(f"{where}: {problem}{more}")
