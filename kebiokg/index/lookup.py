"""Memory-mapped string tables saved beside an index: row i -> a string, in microseconds.

Looking hits up in the KB costs a DuckDB query per batch (milliseconds, and at UMLS scale an
IN-list over scattered ids scans much of a table); the index instead keeps what a hit shows
(CUI, preferred name, semantic types, matched name) in flat files it opens with mmap. The
index's KB fingerprint guarantees they match the KB.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np

DATA, OFFSETS = ".bin", ".offsets.npy"
TABLE_SUFFIXES = (DATA, OFFSETS)  # a table's two files


def write_string_table(path: Path, strings: Iterable[str]) -> int:
    """Write `path.bin` (UTF-8, concatenated) and `path.offsets.npy`; return the row count."""
    offsets = [0]
    with open(path.with_suffix(DATA), "wb") as handle:
        position = 0
        for text in strings:
            data = text.encode("utf-8")
            handle.write(data)
            position += len(data)
            offsets.append(position)
    np.save(path.with_suffix(OFFSETS), np.asarray(offsets, dtype=np.int64))
    return len(offsets) - 1


class StringTable:
    def __init__(self, path: Path) -> None:
        self.offsets = np.load(path.with_suffix(OFFSETS), mmap_mode="r")
        size = int(self.offsets[-1])
        self.data = np.memmap(path.with_suffix(DATA), dtype=np.uint8, mode="r") if size else np.zeros(0, np.uint8)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, row: int) -> str:
        start, stop = int(self.offsets[row]), int(self.offsets[row + 1])
        return self.data[start:stop].tobytes().decode("utf-8")
