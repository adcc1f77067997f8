"""Reading probe sets as their authors publish them, into kebiokg's query dicts (`docs/probe.md`).

- kebiokg: the JSONL that `build-probe` writes (one query per line).
- MedLAMA (cambridgeltl/medlama, `data/medlama/`): one CSV per relation (`2021AA/<rel>_1000.csv`, the
  full set, and `<rel>_<n>_hard.csv`, its hard subset) with `head_cui, head_name, rel, tail_names,
  tail_cuis, ...` (answers joined by " || "), and `prompts.csv` (`pid, default_prompt, human_prompt`).
- BioLAMA (dmis-lab/BioLAMA, `data/<source>/`): `triples_processed/<relation>/{train,dev,test}.jsonl`
  with `sub_label`, `obj_labels`, `obj_aliases` (one list per object), and `prompts/manual.jsonl`
  (`relation, template`).

Templates hold `[X]` (the subject, filled in) and `[Y]` (the slot); both sets ask for the object.
Gold names are cleaned as kebiokg cleans candidates (`clean_name`), so one matching rule scores
every format. A row that cannot be read is an error naming its file and line.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import KebiokgError
from ..textfiles import numbered_lines
from .build import clean_name, is_trivial

FORMATS = ("kebiokg", "medlama", "biolama")
DEFAULT_SPLIT = {"kebiokg": "test", "medlama": "full", "biolama": "test"}
PUBLISHED_MASKS = 10  # BioLAMA and KeBioLM decode 1..10 masks (BioLAMA kept objects of at most 10 pieces)
_BIOLAMA_SPLITS = ("train", "dev", "test")
_MEDLAMA_COLUMNS = {"head_name", "rel", "tail_names"}


@dataclass(frozen=True)
class ProbeSet:
    """Queries of one split; `max_answer_tokens`: the mask budget the set was made for (None: not
    recorded, derive it from the answers); `splits`: every split the source holds."""
    queries: list[dict]
    format: str
    max_answer_tokens: int | None
    splits: tuple[str, ...]


def read_probe_set(path: Path, fmt: str = "auto", split: str | None = None, prompts: str = "default",
                   templates: Path | None = None) -> ProbeSet:
    """The queries of `path` (file or folder) in `fmt` ("auto": detected), of `split` (None: the
    format's usual one, "all": every query); `prompts` picks MedLAMA's default or human-written
    templates; `templates` replaces the templates found beside the probe."""
    fmt = detect_format(path) if fmt == "auto" else fmt
    split = DEFAULT_SPLIT[fmt] if split is None else split
    if fmt == "kebiokg":
        if path.is_dir():
            raise KebiokgError(f"{path}: a kebiokg probe is one JSONL file, not a folder")
        queries = read_probe(path)
        recorded = {q["max_answer_tokens"] for q in queries if isinstance(q.get("max_answer_tokens"), int)}
        budget = max(recorded) if recorded else None
    elif fmt == "medlama":
        queries = _read_medlama(path, _medlama_templates(templates or _find_beside(path, "prompts.csv", "MedLAMA"),
                                                         prompts))
        budget = PUBLISHED_MASKS
    else:
        queries = _read_biolama(path, _biolama_templates(
            templates or _find_beside(path, "prompts/manual.jsonl", "BioLAMA")))
        budget = PUBLISHED_MASKS
    splits = tuple(sorted({str(q.get("split")) for q in queries}))
    selected = [q for q in queries if split == "all" or q.get("split") == split]
    if fmt == "medlama" and split == "all":  # the hard set repeats rows of the full set: each is asked once
        unique: dict[str, dict] = {}
        for query in selected:
            unique.setdefault(query["id"], query)
        selected = list(unique.values())
    return ProbeSet(selected, fmt, budget, splits)


def detect_format(path: Path) -> str:
    """kebiokg, medlama or biolama, from the file names and the first row."""
    if path.is_dir():
        if _medlama_files(path):
            return "medlama"
        if _biolama_files(path):
            return "biolama"
        raise KebiokgError(f"{path}: no MedLAMA CSV or BioLAMA {{train,dev,test}}.jsonl files here; "
                           "name the format with --probe-format")
    if path.suffix == ".csv":
        if _MEDLAMA_COLUMNS <= set(_first_csv_row(path)):
            return "medlama"
        raise KebiokgError(f"{path}:1: not a MedLAMA CSV (needs columns {', '.join(sorted(_MEDLAMA_COLUMNS))})")
    for line_no, line in numbered_lines(path):
        if line.strip():
            try:
                first = json.loads(line)
            except json.JSONDecodeError as exc:
                raise KebiokgError(f"{path}:{line_no}: not JSON ({exc})") from exc
            if isinstance(first, dict) and "sub_label" in first:
                return "biolama"
            return "kebiokg"
    raise KebiokgError(f"{path}: empty probe file")


def read_probe(path: Path) -> list[dict]:
    """Queries of a kebiokg probe file; a malformed line names file and line. A query without a
    `trivial` flag gets one by KeBioLM's rule."""
    queries = []
    for line_no, line in numbered_lines(path):
        if not line.strip():
            continue
        try:
            query = json.loads(line)
            if not isinstance(query["query"], str) or not isinstance(query["relation"], str) or not query["objects"]:
                raise ValueError("empty query, no relation or no answers")
            if "[X]" not in query["query"] and "[Y]" not in query["query"]:
                raise ValueError("no [X] or [Y] slot in the query")
            names = [n for obj in query["objects"] for n in obj["names"]]
            if not all(isinstance(n, str) for n in names):
                raise ValueError("answer names must be strings")
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise KebiokgError(f"{path}:{line_no}: not a probe query ({exc})") from exc
        query.setdefault("trivial", is_trivial(query["query"], names))
        queries.append(query)
    return queries


def _object_query(qid: str, relation: str, template: str, known: dict, objects: list[dict], split: str) -> dict:
    text = template.replace("[X]", known["name"])
    return {"id": qid, "relation": relation, "direction": "object", "template": template, "query": text,
            "known": known, "objects": objects, "split": split,
            "trivial": is_trivial(text, [n for o in objects for n in o["names"]])}


def _names(raw: list[str]) -> list[str]:
    return list(dict.fromkeys(n for n in (clean_name(r) for r in raw) if n))


def _find_beside(path: Path, name: str, kind: str) -> Path:
    """`name` in the probe's folder or up to two folders above, where the published layout keeps it."""
    folder = path if path.is_dir() else path.parent
    for candidate in [folder, *folder.parents][:3]:
        if (candidate / name).is_file():
            return candidate / name
    raise KebiokgError(f"{path}: no {kind} templates ({name}) beside it or above; name them with --templates")


def _csv_rows(path: Path) -> Iterator[tuple[int, dict]]:
    """(line number, row) of a CSV with a header, read as UTF-8 text."""
    reader = csv.DictReader(line for _, line in numbered_lines(path))
    for row in reader:
        yield reader.line_num, row


def _first_csv_row(path: Path) -> list[str]:
    return next(csv.reader(line for _, line in numbered_lines(path)), [])


def _medlama_files(folder: Path) -> list[Path]:
    return [p for p in sorted(folder.glob("*.csv"))
            if p.name != "prompts.csv" and _MEDLAMA_COLUMNS <= set(_first_csv_row(p))]


def _medlama_templates(path: Path, prompts: str) -> dict[str, str]:
    """relation -> template from MedLAMA's prompts.csv, column `<prompts>_prompt`; empty cells are skipped
    (as MedLAMA's own reader drops them)."""
    column = f"{prompts}_prompt"
    templates = {}
    for line_no, row in _csv_rows(path):
        if "pid" not in row or column not in row:
            raise KebiokgError(f"{path}:{line_no}: expected MedLAMA's columns pid, default_prompt, human_prompt")
        template = (row[column] or "").strip()
        if not template:
            continue
        if "[X]" not in template or "[Y]" not in template:
            raise KebiokgError(f"{path}:{line_no}: the {column} template has no [X] or no [Y]")
        templates[row["pid"].strip()] = template
    return templates


def _read_medlama(path: Path, templates: dict[str, str]) -> list[dict]:
    """Every row of the MedLAMA CSVs at `path`; split "hard" for `*_hard.csv`, "full" otherwise."""
    files = [path] if path.is_file() else _medlama_files(path)
    if not files:
        raise KebiokgError(f"{path}: no MedLAMA CSV files")
    queries = []
    for file in files:
        split = "hard" if file.name.endswith("_hard.csv") else "full"
        for line_no, row in _csv_rows(file):
            where = f"{file}:{line_no}"
            head, relation, tails = (row.get(k) or "" for k in ("head_name", "rel", "tail_names"))
            if not head.strip() or not relation.strip() or not tails.strip():
                raise KebiokgError(f"{where}: a MedLAMA row needs head_name, rel and tail_names")
            names = tails.split(" || ")
            cuis = row["tail_cuis"].split(" || ") if row.get("tail_cuis") else [""] * len(names)
            if len(cuis) != len(names):
                raise KebiokgError(f"{where}: {len(names)} tail_names but {len(cuis)} tail_cuis")
            if relation not in templates:
                raise KebiokgError(f"{where}: no template for relation {relation!r} in the prompts file")
            objects = [{"cui": cui, "names": _names([name])} for cui, name in zip(cuis, names, strict=True)]
            queries.append(_object_query(f"{relation}:{row.get('head_cui') or head}", relation, templates[relation],
                                         {"cui": row.get("head_cui", ""), "name": head.strip()}, objects, split))
    return queries


def _biolama_files(folder: Path) -> list[Path]:
    """{train,dev,test}.jsonl in the folder, its relation folders, or its source's triples_processed/*."""
    found = []
    for pattern in ("", "*/", "*/*/"):
        found += [p for name in _BIOLAMA_SPLITS for p in folder.glob(f"{pattern}{name}.jsonl")]
    return sorted(found)


def _biolama_templates(path: Path) -> dict[str, str]:
    templates = {}
    for line_no, line in numbered_lines(path):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            relation, template = row["relation"], row["template"]
            if "[X]" not in template or "[Y]" not in template:
                raise ValueError("the template has no [X] or no [Y]")
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise KebiokgError(f"{path}:{line_no}: not a BioLAMA prompt ({exc})") from exc
        templates[relation] = template
    return templates


def _read_biolama(path: Path, templates: dict[str, str]) -> list[dict]:
    """Every triple of the BioLAMA files at `path`; the relation is the file's folder, the split its name."""
    files = [path] if path.is_file() else _biolama_files(path)
    if not files:
        raise KebiokgError(f"{path}: no BioLAMA {{train,dev,test}}.jsonl files")
    queries = []
    for file in files:
        relation = file.parent.name
        for line_no, line in numbered_lines(file):
            if not line.strip():
                continue
            where = f"{file}:{line_no}"
            try:
                row = json.loads(line)
                labels = row["obj_labels"] if "obj_labels" in row else [row["obj_label"]]
                aliases = row.get("obj_aliases") or [[] for _ in labels]
                uris = row.get("obj_uris") or ["" for _ in labels]
                if not isinstance(row["sub_label"], str) or not labels or len(aliases) != len(labels) \
                        or len(uris) != len(labels):
                    raise ValueError("sub_label, and obj_labels with one obj_aliases list and URI each")
                objects = [{"cui": uri, "names": _names([label, *alias])}
                           for uri, label, alias in zip(uris, labels, aliases, strict=True)]
            except (json.JSONDecodeError, AttributeError, KeyError, TypeError, ValueError) as exc:
                raise KebiokgError(f"{where}: not a BioLAMA triple ({exc})") from exc
            if relation not in templates:
                raise KebiokgError(f"{where}: no template for relation {relation!r} in the prompts file")
            queries.append(_object_query(row.get("uuid") or f"{relation}:{line_no}", relation, templates[relation],
                                         {"cui": row.get("sub_uri", ""), "name": row["sub_label"]}, objects,
                                         file.stem))
    return queries
