"""One load at a time into a KB: an exclusive OS lock (fcntl.flock) on a file beside it. The OS
drops the lock when its process dies, so a killed load never blocks the next one; the file holds
the holder's pid, host and start time for the message the next load gives."""

from __future__ import annotations

import fcntl
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from .errors import LoadError


@contextmanager
def exclusive_load(db_path: Path) -> Iterator[None]:
    """Hold the load lock of the KB at `db_path` for the block; fail at once if a live process holds it."""
    path = db_path.with_name(f".{db_path.name}.lock")
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 1024).decode("utf-8", "replace").strip() or "its pid not yet written"
            os.close(fd)
            raise LoadError(f"{db_path}: another load into it is running ({holder}); "
                            "wait for it to end or stop it") from None
        if _same_file(fd, path):
            break
        os.close(fd)  # the holder removed the file between our open and our lock: lock the new one
    try:
        started = datetime.now(UTC).isoformat(timespec="seconds")
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()} on {socket.gethostname()}, started {started}".encode())
        yield
    finally:
        path.unlink(missing_ok=True)  # before the lock goes, so that no one locks a removed file
        os.close(fd)


def _same_file(fd: int, path: Path) -> bool:
    try:
        here, there = os.fstat(fd), os.stat(path)
    except FileNotFoundError:
        return False
    return (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino)
