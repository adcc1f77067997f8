"""What the benchmark scripts share: running a command as its own process and measuring it."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time


def measured(cmd: list[str]) -> tuple[float, float, str]:
    """Run a command; return (wall seconds, its peak RSS in MiB, stdout). Exits on failure."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        if os.waitstatus_to_exitcode(status):
            raise SystemExit(f"command failed: {' '.join(cmd)}\n{err.read()}")
        return wall, usage.ru_maxrss / 1024, out.read()


def kebiokg(*args: str) -> list[str]:
    """The kebiokg command line, run with this interpreter."""
    return [sys.executable, "-m", "kebiokg.cli.main", *args]
