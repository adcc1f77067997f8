"""`kebiokg annotate`: stream documents through the linker into sharded, resumable output.

Output is written shard by shard (`part-00000.jsonl`, ...) with a `manifest.json` that lists the
finished shards and the settings of the run. A shard is written to a temporary name and renamed
when complete, then the manifest is rewritten (also atomically): after an interruption, `resume`
skips the documents of the finished shards and carries on, so no document is lost or repeated.
The manifest records each input file's identity (`_identity`), and a resume whose inputs differ is
refused, naming the file. A run that ends before its first shard is finished leaves nothing behind.
An output path ending in `.jsonl` (or `.pubtator`) is built the same way in `OUT.parts/` and
joined into the one file at the end.

Linking runs in `workers` processes forked after the dictionary is built, so they share it.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import shutil
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from itertools import islice
from pathlib import Path

from ..documents import (
    AnnotatedDocument,
    Document,
    Entity,
    Problems,
    input_files,
    read_documents,
    to_jsonl,
    to_pubtator,
)
from ..errors import KebiokgError
from ..progress import NullProgress, Progress
from ..semantic_groups import DEFAULT, GENERIC_TYPES
from .corpus import MANIFEST
from .gold import IdMapper
from .linker import Linker

_CHUNK = 64  # documents per task sent to a worker
_SAMPLE = 1 << 20  # bytes of each end of an input file hashed into its identity


@dataclass(frozen=True)
class RunOptions:
    input_format: str | None = None  # None: detect per file
    output_format: str = "jsonl"  # or "pubtator"
    gold_passthrough: bool = False
    workers: int = 1
    shard_size: int = 10_000
    resume: bool = False
    force: bool = False
    on_error: str = "fail"
    gold_types: frozenset[str] | None = None  # gold passthrough: only mentions of concepts of these TUIs


@dataclass
class RunReport:
    output: str
    documents: int = 0
    entities: int = 0
    resumed_documents: int = 0
    seconds: float = 0.0
    shards: int = 0
    skipped: dict = field(default_factory=dict)
    gold: dict = field(default_factory=dict)

    @property
    def documents_per_second(self) -> float:
        return (self.documents - self.resumed_documents) / self.seconds if self.seconds else 0.0


def _suffix(output_format: str) -> str:
    return ".pubtator" if output_format == "pubtator" else ".jsonl"


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
    os.replace(tmp, path)


# -- workers (forked: the linker is inherited, not pickled) --------------------------------------------------

_WORKER_LINKER: Linker | None = None
_WORKER_FORMAT = "jsonl"


def _render(doc: AnnotatedDocument, output_format: str) -> str:
    return to_pubtator(doc) if output_format == "pubtator" else to_jsonl(doc)


def _link_chunk(chunk: list[tuple[str, str, int | None]]) -> tuple[str, int]:
    linker = _WORKER_LINKER
    assert linker is not None
    docs = linker.annotate_many(chunk)
    return "".join(_render(doc, _WORKER_FORMAT) for doc in docs), sum(len(doc.entities) for doc in docs)


def _chunks(docs: Iterator[Document], size: int) -> Iterator[list[tuple[str, str, int | None]]]:
    while chunk := [(d.id, d.text, d.title_length) for d in islice(docs, size)]:
        yield chunk


# -- the run ------------------------------------------------------------------------------------------------


def _settings(inputs: list[Path], options: RunOptions, linker: Linker | None, kb_fingerprint: str) -> dict:
    link = None
    if linker is not None:
        link = {"threshold": linker.options.threshold, "abbreviations": linker.options.abbreviations,
                "type_profile": linker.options.type_profile,
                "left_out_types": sorted(GENERIC_TYPES) if linker.options.type_profile == DEFAULT else None,
                "semantic_types": sorted(linker.options.semantic_types) if linker.options.semantic_types else None,
                "dictionary": linker.dictionary.meta["options"]}
    settings = {"inputs": [str(Path(p).resolve()) for p in inputs], "input_format": options.input_format,
                "output_format": options.output_format, "gold_passthrough": options.gold_passthrough,
                "gold_types": sorted(options.gold_types) if options.gold_types else None,
                "shard_size": options.shard_size, "kb_fingerprint": kb_fingerprint, "linking": link}
    return json.loads(json.dumps(settings))  # as the manifest will hold it (lists, not tuples)


def _identity(path: Path) -> dict:
    """What tells an input file from another of the same name, cheaply at any size: its size,
    modification time and a hash of its first and last MiB (a full hash would read a multi-GB
    PubMed input once more just to start)."""
    stat = path.stat()
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        digest.update(handle.read(_SAMPLE))
        if stat.st_size > _SAMPLE:
            handle.seek(max(_SAMPLE, stat.st_size - _SAMPLE))
            digest.update(handle.read(_SAMPLE))
    return {"path": str(path.resolve()), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns,
            "ends_sha256": digest.hexdigest()}


def _changed_input(recorded: list[dict], current: list[dict]) -> str | None:
    """How the inputs differ from those the manifest recorded, naming the first file that differs."""
    before = {item["path"]: item for item in recorded}
    for now in current:
        old = before.pop(now["path"], None)
        if old is None:
            return f"{now['path']} was not an input of the interrupted run"
        changed = [label for key, label in (("size", "size"), ("mtime_ns", "modification time"),
                                            ("ends_sha256", "content")) if old.get(key) != now[key]]
        if changed:
            return f"{now['path']} changed since the interrupted run ({', '.join(changed)})"
    return f"{next(iter(before))} was an input of the interrupted run and is gone" if before else None


def _prepare(out: Path, settings: dict, inputs: list[dict], options: RunOptions) -> tuple[Path, dict]:
    """The shard folder and its manifest: fresh, or the unfinished one to resume."""
    single = out.suffix in (".jsonl", ".pubtator")
    folder = out.with_name(out.name + ".parts") if single else out
    manifest_path = folder / MANIFEST
    if single and out.exists() and not options.force:
        raise KebiokgError(f"{out} exists (use --force to replace it)")
    if manifest_path.is_file():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if options.force:
            shutil.rmtree(folder)
        elif manifest.get("complete") and not single:
            raise KebiokgError(f"{out} already holds a finished annotation (use --force to replace it)")
        elif not options.resume:
            if manifest.get("complete"):  # the shards are whole; copying them into `out` was cut short
                raise KebiokgError(f"{out}: the annotation finished but joining its shards into one file was "
                                   f"interrupted: --resume finishes it, --force restarts")
            raise KebiokgError(f"{out} holds an unfinished annotation: --resume continues it, --force restarts")
        elif manifest["settings"] != settings:
            changed = sorted(k for k in settings if manifest["settings"].get(k) != settings[k])
            raise KebiokgError(f"{out}: cannot resume with different settings ({', '.join(changed)}); "
                               f"use --force to restart")
        elif changed_input := _changed_input(manifest.get("inputs", []), inputs):
            raise KebiokgError(f"{out}: cannot resume: {changed_input}; use --force to restart")
        else:
            for stray in [*folder.glob("*.tmp"), out.with_name(out.name + ".tmp")]:
                stray.unlink(missing_ok=True)
            return folder, manifest
    elif folder.exists() and any(folder.iterdir()) and not options.force:
        raise KebiokgError(f"{folder} exists and is not an annotation output (use --force to replace it)")
    elif folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    manifest = {"format": "kebiokg-corpus", "version": 1, "complete": False, "settings": settings,
                "inputs": inputs, "shards": []}
    _write_json(manifest_path, manifest)
    return folder, manifest


def annotate_corpus(inputs: list[Path], out: Path, linker: Linker | None, options: RunOptions,
                    kb_fingerprint: str, mapper: IdMapper | None = None,
                    progress: Progress | None = None) -> RunReport:
    """Annotate `inputs` into `out`; `linker` None with gold passthrough converts the gold mentions."""
    global _WORKER_LINKER, _WORKER_FORMAT
    if options.gold_passthrough and mapper is None:
        raise KebiokgError("gold passthrough needs the KB to map corpus ids to CUIs")
    if not options.gold_passthrough and linker is None:
        raise KebiokgError("annotation needs a linker (or gold passthrough)")
    progress = progress or NullProgress()
    out = Path(out)
    settings = _settings(inputs, options, None if options.gold_passthrough else linker, kb_fingerprint)
    files = input_files(inputs)
    folder, manifest = _prepare(out, settings, [_identity(path) for path in files], options)
    problems = Problems(options.on_error, hint="use --on-error skip to skip such input")
    report = RunReport(str(out))
    done = sum(shard["documents"] for shard in manifest["shards"])
    report.resumed_documents = report.documents = done
    report.entities = sum(shard["entities"] for shard in manifest["shards"])
    docs = read_documents(files, options.input_format, problems)
    for _ in islice(docs, done):  # already written by the interrupted run
        pass
    gold_counts: Counter = Counter()
    started = time.perf_counter()
    _WORKER_LINKER, _WORKER_FORMAT = linker, options.output_format
    workers = max(1, options.workers)
    pool = (multiprocessing.get_context("fork").Pool(workers)
            if workers > 1 and not options.gold_passthrough else None)
    try:
        with progress.task("annotate", total=None, unit="docs") as task:
            task.update(done)
            while True:
                shard_docs = list(islice(docs, options.shard_size))
                if not shard_docs:
                    break
                index = len(manifest["shards"])
                name = f"part-{index:05d}{_suffix(options.output_format)}"
                tmp = folder / (name + ".tmp")
                entities = 0
                with open(tmp, "w", encoding="utf-8") as handle:
                    if options.gold_passthrough:
                        for source in shard_docs:
                            doc, counts = _gold_document(source, mapper, options.gold_types)
                            gold_counts.update(counts)
                            entities += len(doc.entities)
                            handle.write(_render(doc, options.output_format))
                    else:
                        chunks = _chunks(iter(shard_docs), _CHUNK)
                        results = pool.imap(_link_chunk, chunks) if pool else map(_link_chunk, chunks)
                        written = 0
                        for (text, count), size in zip(results, _chunk_sizes(len(shard_docs)), strict=True):
                            handle.write(text)
                            entities += count
                            written += size
                            task.update(report.documents + written)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(tmp, folder / name)
                manifest["shards"].append({"file": name, "documents": len(shard_docs), "entities": entities,
                                           "first_id": shard_docs[0].id, "last_id": shard_docs[-1].id})
                _write_json(folder / MANIFEST, manifest)
                report.documents += len(shard_docs)
                report.entities += entities
                task.update(report.documents)
        if not manifest["shards"]:
            skipped = f" ({problems.total:,} malformed records skipped)" if problems.total else ""
            raise KebiokgError(f"empty corpus: no documents in {', '.join(str(p) for p in inputs)}{skipped}")
    except BaseException:
        if not manifest["shards"]:  # nothing to resume: leave no unfinished output behind
            shutil.rmtree(folder, ignore_errors=True)
        raise
    finally:
        if pool is not None:
            pool.terminate()
        _WORKER_LINKER = None
    report.seconds = time.perf_counter() - started
    report.skipped = dict(problems.counts)
    report.gold = dict(gold_counts)
    report.shards = len(manifest["shards"])
    manifest.update(complete=True, documents=report.documents, entities=report.entities,
                    skipped=report.skipped, problems=problems.examples)
    _write_json(folder / MANIFEST, manifest)
    if folder != out:
        _join(folder, manifest, out)
    return report


def _chunk_sizes(total: int) -> Iterator[int]:
    for start in range(0, total, _CHUNK):
        yield min(_CHUNK, total - start)


def _gold_document(source: Document, mapper: IdMapper,
                   types: frozenset[str] | None = None) -> tuple[AnnotatedDocument, Counter]:
    """Gold mentions of a document as entities, ids mapped to KB CUIs (the first mapped CUI, of `types`
    when given)."""
    counts: Counter = Counter()
    entities = []
    for mention in source.mentions:
        if not mention.ids:
            counts["unlinked"] += 1
            continue
        cuis = mapper.mention_cuis(mention.ids, mention.type)
        if not cuis:
            counts["not_in_kb"] += 1
            continue
        if types is not None:
            cuis = [cui for cui in cuis if types.intersection(mapper.types(cui) or ())]
            if not cuis:
                counts["other_type"] += 1
                continue
        counts["mapped"] += 1
        entities.append(Entity(mention.start, mention.end, source.text[mention.start:mention.end], cuis[0], 1.0,
                               mapper.types(cuis[0]) or []))
    return AnnotatedDocument(source.id, source.text, entities, source.title_length), counts


def _join(folder: Path, manifest: dict, out: Path) -> None:
    """Concatenate the shards into the single output file, atomically, then drop the shards."""
    tmp = out.with_name(out.name + ".tmp")
    with open(tmp, "wb") as target:
        for shard in manifest["shards"]:
            with open(folder / shard["file"], "rb") as source:
                shutil.copyfileobj(source, target)
    os.replace(tmp, out)
    shutil.rmtree(folder)


def report_json(report: RunReport) -> dict:
    return {**asdict(report), "documents_per_second": round(report.documents_per_second, 1)}
