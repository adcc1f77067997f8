"""Reading text inputs line by line, so that a file that is not UTF-8 (gzip-compressed, Latin-1)
is an error naming the file and line rather than a UnicodeDecodeError traceback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from .errors import KebiokgError

_GZIP_MAGIC = b"\x1f\x8b"


def numbered_lines(path: Path | str) -> Iterator[tuple[int, str]]:
    """(line number from 1, line) of a UTF-8 text file; line ends as text mode gives them ("\\n")."""
    with open(path, "rb") as handle:
        for line_no, raw in enumerate(handle, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                hint = " (gzip-compressed: decompress it first)" if line_no == 1 and raw.startswith(_GZIP_MAGIC) \
                    else f" ({exc.reason} at column {exc.start + 1})"
                raise KebiokgError(f"{path}:{line_no}: not UTF-8 text{hint}") from exc
            yield line_no, line[:-2] + "\n" if line.endswith("\r\n") else line
