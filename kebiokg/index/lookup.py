"""Memory-mapped string tables saved beside an index: row i -> a string, in microseconds.

Looking hits up in the KB costs a DuckDB query per batch (milliseconds, and at UMLS scale an
IN-list over scattered ids scans much of a table); the index instead keeps what a hit shows
(CUI, preferred name, semantic types, matched name) in flat files it opens with mmap. The
index's KB fingerprint guarantees they match the KB.
"""

from __future__ import annotations

import mmap
from array import array
from collections.abc import Iterable
from pathlib import Path

import numpy as np

DATA, OFFSETS = ".bin", ".offsets.npy"
TABLE_SUFFIXES = (DATA, OFFSETS)  # a table's two files


def write_string_table(path: Path, strings: Iterable[str]) -> int:
    """Write `path.bin` (UTF-8, concatenated) and `path.offsets.npy`; return the row count."""
    offsets = array("q", [0])  # not a list: 14.9M Python ints held ~0.5 GB during a build
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
    """The data file is a plain `mmap` (a slice is bytes at once); a numpy memmap costs ~10 us per row read."""

    def __init__(self, path: Path) -> None:
        self.offsets = np.load(path.with_suffix(OFFSETS), mmap_mode="r")
        self.data: mmap.mmap | bytes = b""
        if int(self.offsets[-1]):
            with open(path.with_suffix(DATA), "rb") as handle:
                self.data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        if len(self.data) != int(self.offsets[-1]):
            raise ValueError(f"{path.with_suffix(DATA).name} does not end where its offsets say")

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, row: int) -> str:
        return self.take(np.asarray([row]))[0]

    def take(self, rows: np.ndarray) -> list[str]:
        """The strings of many rows: their offsets in two numpy reads, then one slice each."""
        rows = np.asarray(rows, dtype=np.int64)
        starts, stops = self.offsets[rows].tolist(), self.offsets[rows + 1].tolist()
        data = self.data
        return [data[start:stop].decode("utf-8") for start, stop in zip(starts, stops, strict=True)]
