"""Finding a release's RRF files: release root or META/, gzipped files, split pieces, layouts."""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import LoadError
from .layouts import DEFAULT_LAYOUTS

# MRCONSO.RRF, MRCONSO.RRF.gz, MRCONSO.RRF.aa, MRCONSO.RRF.ab.gz, ...
_RRF_NAME = re.compile(r"^(?P<stem>[A-Z][A-Z0-9_]*)\.RRF(?:\.(?P<piece>[a-z]{2}))?(?P<gz>\.gz)?$")


@dataclass(frozen=True)
class RRFFile:
    """One logical RRF file: its pieces in reading order (one piece unless the release split it)."""

    stem: str
    pieces: tuple[Path, ...]

    @property
    def name(self) -> str:
        return f"{self.stem}.RRF"

    @property
    def size(self) -> int:
        return sum(p.stat().st_size for p in self.pieces)

    @property
    def compressed(self) -> bool:
        return any(p.suffix == ".gz" for p in self.pieces)


@dataclass
class Release:
    """A release on disk: where META is, what it is called, its files and their column layouts."""

    root: Path
    meta_dir: Path
    name: str
    files: dict[str, RRFFile]
    layouts: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def layout(self, stem: str) -> tuple[str, ...]:
        return self.layouts.get(stem) or DEFAULT_LAYOUTS[stem]


def find_meta_dir(path: Path) -> Path:
    """Accept a release root (with META/ inside, possibly one level down) or a META folder itself."""
    path = Path(path)
    if not path.exists():
        raise LoadError(f"{path}: no such directory")
    if not path.is_dir():
        raise LoadError(f"{path}: not a directory (give a release root or its META folder)")
    if _has_rrf(path):
        return path
    for candidate in [path / "META", *sorted(path.glob("*/META"))]:
        if candidate.is_dir() and _has_rrf(candidate):
            return candidate
    raise LoadError(f"{path}: no MR*.RRF files found here or in a META/ folder below it")


def _has_rrf(folder: Path) -> bool:
    return any(_RRF_NAME.match(p.name) for p in folder.iterdir() if p.name.startswith("MR"))


def collect_files(meta_dir: Path) -> dict[str, RRFFile]:
    """Group MR*.RRF[.xx][.gz] files by stem; split pieces are ordered .aa, .ab, ..."""
    groups: dict[str, list[tuple[str, Path]]] = {}
    kinds: dict[str, set[bool]] = {}
    for path in meta_dir.iterdir():
        match = _RRF_NAME.match(path.name)
        if not match or not path.is_file():
            continue
        stem = match["stem"]
        groups.setdefault(stem, []).append((match["piece"] or "", path))
        kinds.setdefault(stem, set()).add(bool(match["piece"]))
    files = {}
    for stem, entries in groups.items():
        if len(kinds[stem]) > 1 or len({piece for piece, _ in entries}) < len(entries):
            names = ", ".join(sorted(p.name for _, p in entries))
            raise LoadError(f"{meta_dir}: {stem}.RRF is present both whole and split, or twice: {names}")
        files[stem] = RRFFile(stem, tuple(path for _, path in sorted(entries)))
    return files


def read_layouts(files: dict[str, RRFFile]) -> dict[str, tuple[str, ...]]:
    """Column order per file from MRFILES.RRF (FIL|DES|FMT|...), when the release ships one."""
    mrfiles = files.get("MRFILES")
    if mrfiles is None:
        return {}
    layouts = {}
    for line_no, line in enumerate(_read_small_text(mrfiles).splitlines(), start=1):
        fields = line.split("|")
        if len(fields) < 3 or not fields[0]:
            raise LoadError(f"{mrfiles.name}:{line_no}: expected FIL|DES|FMT|..., got {line[:80]!r}")
        fil, fmt = fields[0], fields[2]
        match = _RRF_NAME.match(fil.rsplit("/", 1)[-1])
        if match and "/" not in fil:
            layouts[match["stem"]] = tuple(col.strip() for col in fmt.split(","))
    return layouts


def _read_small_text(rrf: RRFFile) -> str:
    parts = []
    for piece in rrf.pieces:
        opener = gzip.open if piece.suffix == ".gz" else open
        with opener(piece, "rt", encoding="utf-8") as handle:
            parts.append(handle.read())
    return "".join(parts)


def release_name(root: Path, meta_dir: Path, files: dict[str, RRFFile]) -> str:
    """The release's name: release.dat's umls.release.name, else the folder's name."""
    for folder in (meta_dir, meta_dir.parent, root):
        dat = folder / "release.dat"
        if dat.is_file():
            for line in dat.read_text(encoding="utf-8", errors="replace").splitlines():
                key, _, value = line.partition("=")
                if key.strip() == "umls.release.name" and value.strip():
                    return value.strip()
    named = meta_dir.parent if meta_dir.name == "META" else meta_dir
    return named.name


def open_release(path: Path | str) -> Release:
    root = Path(path)
    meta_dir = find_meta_dir(root)
    files = collect_files(meta_dir)
    layouts = read_layouts(files)
    return Release(root, meta_dir, release_name(root, meta_dir, files), files, layouts)


def piece_ends_mid_line(piece: Path) -> bool:
    """True when a piece does not end with a newline (split by bytes, not lines). A gzip piece is
    read to its end to find its last byte (only releases split into several pieces ask)."""
    if piece.stat().st_size == 0:
        return False
    if piece.suffix == ".gz":
        last = b""
        with gzip.open(piece, "rb") as handle:
            while chunk := handle.read(1 << 22):
                last = chunk[-1:]
        return last not in (b"", b"\n")
    with open(piece, "rb") as handle:
        handle.seek(-1, 2)
        return handle.read(1) != b"\n"
