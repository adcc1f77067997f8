"""The files of an artefact folder (an index, a dictionary, KGE embeddings, a checkpoint), recorded in
its metadata when written and checked when opened, so that a truncated, missing or damaged file is a
one-line error naming it and the command that rebuilds it, never empty results or a traceback.

Sizes are checked on every open (a stat per file). sha256 checksums (the fastest hash here: ~700 MB/s
on one core with the CPU's SHA instructions) are checked when asked (`--verify`) or when cheap: when
the files total at most CHEAP_BYTES (~0.1 s), or when the caller reads every byte anyway.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import KebiokgError

HASH = "sha256"
CHEAP_BYTES = 64 << 20  # files hashed on every open up to this total
SAMPLE_BYTES = 1 << 20  # a sampled checksum reads this much at the start, middle and end of a file


def checksum(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, HASH).hexdigest()


def sampled_checksum(path: Path) -> str:
    """sha256 of a file's size and of its first, middle and last SAMPLE_BYTES (all of it when small):
    tells another file from this one in milliseconds, whatever its size, but not an edit elsewhere
    that keeps the size."""
    digest = hashlib.new(HASH)
    size = path.stat().st_size
    digest.update(size.to_bytes(8, "little"))
    with open(path, "rb") as handle:
        for start in sorted({0, max(0, size // 2 - SAMPLE_BYTES // 2), max(0, size - SAMPLE_BYTES)}):
            handle.seek(start)
            digest.update(handle.read(SAMPLE_BYTES))
    return digest.hexdigest()


def record_files(folder: Path, names: Iterable[str]) -> dict[str, dict]:
    """{name: {"bytes", "sha256"}} of files just written to `folder`, for its metadata."""
    return {name: {"bytes": (folder / name).stat().st_size, HASH: checksum(folder / name)} for name in sorted(names)}


def damaged(folder: Path, files: dict[str, dict] | None, verify: bool = False) -> str | None:
    """What is wrong with the recorded files of `folder` (the first problem, naming the file), or None.
    Checksums are compared when `verify` or when the files total at most CHEAP_BYTES."""
    if not files:
        return "no record of its files (written by an older kebiokg)"
    sizes = {}
    for name, recorded in files.items():
        path = folder / name
        if not path.is_file():
            return f"{name} is missing"
        sizes[name] = path.stat().st_size
        if sizes[name] != recorded["bytes"]:
            return f"{name} has {sizes[name]:,} bytes, {recorded['bytes']:,} when written (truncated or damaged)"
    if verify or sum(sizes.values()) <= CHEAP_BYTES:
        for name, recorded in files.items():
            if checksum(folder / name) != recorded[HASH]:
                return f"{name} differs from the file written ({HASH} checksum; damaged)"
    return None


def check_files(folder: Path, files: dict[str, dict] | None, rebuild: str, verify: bool = False,
                error: type[KebiokgError] = KebiokgError) -> None:
    """Raise `error` naming the folder, the first damaged file and `rebuild` (how to make it again)."""
    problem = damaged(folder, files, verify)
    if problem:
        raise error(f"{folder}: {problem}; rebuild it with {rebuild}")


@contextmanager
def staged_folder(target: Path, marker: str) -> Iterator[Path]:
    """A fresh folder beside `target` to write an artefact into; on success it takes `target`'s place
    (the old folder is moved aside first and removed after), on failure or a kill it is left for the
    next run to remove, so a rebuild cut short never costs the artefact already there.

    `target` must be new, empty, or hold `marker` (the file that says it is this kind of artefact):
    a folder of other files is refused rather than replaced."""
    if target.is_dir() and any(target.iterdir()) and not (target / marker).exists():
        raise KebiokgError(f"{target}: not empty and not an artefact of this kind (no {marker}): choose an "
                           f"empty or new folder")
    target.parent.mkdir(parents=True, exist_ok=True)
    for stale in target.parent.glob(f".{target.name}.staged-*"):
        pid = stale.name.rsplit("-", 1)[1]
        if pid.isdigit() and not process_alive(int(pid)):
            shutil.rmtree(stale, ignore_errors=True)
    staging = target.with_name(f".{target.name}.staged-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        yield staging
        aside = target.with_name(f".{target.name}.replaced-{os.getpid()}")
        if target.exists():
            os.replace(target, aside)
        os.replace(staging, target)
        shutil.rmtree(aside, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def process_alive(pid: int) -> bool:
    """Whether a process of this id exists (what a killed run's leftovers are told apart by)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True
