"""Reading text inputs line by line, so that a file that is not UTF-8 (gzip-compressed, Latin-1)
is an error naming the file and line rather than a UnicodeDecodeError traceback."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from .errors import KebiokgError

_GZIP_MAGIC = b"\x1f\x8b"
Report = Callable[[str, str], None]  # (FILE:LINE, problem): skip the line after reporting it


def numbered_lines(path: Path | str, report: Report | None = None) -> Iterator[tuple[int, str]]:
    """(line number from 1, line) of a UTF-8 text file, `.gz` read decompressed.

    Lines end at `\\n`, `\\r\\n` or `\\r`, as Python's text mode reads them, and come with a `\\n`
    (the last one without, when the file has no final line break). A line that is not UTF-8, or a
    gzip stream that breaks off, goes to `report` and is left out; without `report` it is an error.
    """
    with (gzip.open(path, "rb") if Path(path).suffix == ".gz" else open(path, "rb")) as handle:
        yield from decoded_lines(handle, str(path), report)


def decoded_lines(handle: BinaryIO | Iterable[bytes], name: str,
                  report: Report | None = None) -> Iterator[tuple[int, str]]:
    """`numbered_lines` of an open binary stream (stdin) called `name` in messages."""
    def problem(where: str, message: str) -> None:
        if report is None:
            raise KebiokgError(f"{where}: {message}")
        report(where, message)

    line_no = 0
    try:
        for raw in handle:
            for piece in _split_cr(raw) if b"\r" in raw else (raw,):
                line_no += 1
                try:
                    yield line_no, piece.decode("utf-8")
                except UnicodeDecodeError as exc:
                    hint = " (gzip-compressed: decompress it first)" if line_no == 1 and piece.startswith(
                        _GZIP_MAGIC) else f" ({exc.reason} at column {exc.start + 1})"
                    problem(f"{name}:{line_no}", f"not UTF-8 text{hint}")
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        problem(f"{name}:{line_no + 1}", f"cannot read the gzip stream ({exc})")


def _split_cr(raw: bytes) -> list[bytes]:
    """The lines of a line that holds a `\\r`: `\\r\\n` and `\\r` end a line as `\\n` does."""
    pieces = raw.replace(b"\r\n", b"\n").split(b"\r")
    lines = [piece + b"\n" for piece in pieces[:-1]]
    return lines + [pieces[-1]] if pieces[-1] else lines
