"""Commands that query a KB: concept, neighbors, path, build-index, nearest."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from kebiokg.errors import KBError
from kebiokg.graph import Edge, KnowledgeGraph, RelationFilter
from kebiokg.index import INDEX_KINDS, EntityIndex, IndexOptions, LexicalEncoder, build_index, read_index_info
from kebiokg.kb import KnowledgeBase
from kebiokg.textfiles import decoded_lines, numbered_lines

from .format import echo_json, table
from .options import db_option, json_option, progress_for, quiet_option, verify_option
from .values import Codes, ModelSource


def _csv(value: str | None) -> tuple[str, ...] | None:
    items = tuple(v.strip() for v in (value or "").split(",") if v.strip())
    return items or None


relation_filter_options = [
    click.option("--rel", type=Codes("REL"), default=None,
                 help="Only these REL values, comma-separated, any case (e.g. PAR,CHD,RO)."),
    click.option("--rela", type=Codes("RELA"), default=None,
                 help="Only these RELA values, comma-separated, any case (e.g. isa,may_treat)."),
    click.option("--sources", type=Codes("SAB"), default=None,
                 help="Only relations from these sources (SAB), comma-separated, any case."),
]


def with_relation_filter(command):
    for option in reversed(relation_filter_options):
        command = option(command)
    return command


@click.command("concept")
@click.argument("cui")
@db_option()
@json_option
def concept_command(cui: str, db_path: Path, as_json: bool) -> None:
    """Show a concept: preferred name, synonyms by source and term type, semantic types,
    definitions, and relation counts by type."""
    with KnowledgeBase(db_path) as kb:
        details = kb.details(cui)
    if as_json:
        echo_json(details)
        return
    c = details.concept
    click.echo(f"{c.cui}  {c.preferred_name}  (entity_id {c.entity_id})")
    click.echo("semantic types: " + ", ".join(f"{s['tui']} {s['sty']}" for s in details.semantic_types))
    click.echo("\n" + table(["name", "source", "tty", "lat"],
                            [(s["str"] + (" *" if s["is_preferred"] else ""), s["sab"], s["tty"], s["lat"])
                             for s in details.synonyms], title=f"Names ({len(details.synonyms)}; * preferred)"))
    if details.definitions:
        click.echo("\nDefinitions")
        for d in details.definitions:
            click.echo(f"  [{d['sab']}] {d['definition']}")
    click.echo("\n" + table(["direction", "rel", "rela", "count"],
                            [(r["direction"], r["rel"], r["rela"], r["count"]) for r in details.relation_counts],
                            title="Relations (out: this concept is the subject)"))


def _edges_table(edges: list[Edge], depth_header: str = "depth") -> str:
    return table([depth_header, "subject", "relation", "object", "source"],
                 [(e.depth, f"{e.subject_name} ({e.subject_cui})", e.rela or e.rel,
                   f"{e.object_name} ({e.object_cui})", e.sab) for e in edges])


@click.command("neighbors")
@click.argument("cui")
@db_option()
@with_relation_filter
@click.option("--depth", default=1, show_default=True, type=click.IntRange(1, 4), help="Hops to follow.")
@click.option("--max-edges", default=50_000, show_default=True, help="Stop expanding a hop after this many edges.")
@json_option
def neighbors_command(cui: str, db_path: Path, rel: tuple[str, ...] | None, rela: tuple[str, ...] | None,
                      sources: tuple[str, ...] | None, depth: int, max_edges: int, as_json: bool) -> None:
    """Relations of a concept in reading order (subject, relation, object), with names."""
    with KnowledgeBase(db_path) as kb:
        graph = KnowledgeGraph(kb, RelationFilter(rel, rela, sources), max_edges=max_edges)
        edges = graph.neighbors(cui, depth)
    if not edges:
        raise KBError(f"{cui.upper()} has no relations matching the filters")
    if as_json:
        echo_json(edges)
        return
    click.echo(_edges_table(edges))
    if graph.truncated:
        click.echo(f"(truncated: a hop reached --max-edges {max_edges})", err=True)


@click.command("path")
@click.argument("cui_from")
@click.argument("cui_to")
@db_option()
@with_relation_filter
@click.option("--max-depth", default=4, show_default=True, type=click.IntRange(1, 8), help="Longest path searched.")
@json_option
def path_command(cui_from: str, cui_to: str, db_path: Path, rel: tuple[str, ...] | None,
                 rela: tuple[str, ...] | None, sources: tuple[str, ...] | None, max_depth: int, as_json: bool) -> None:
    """A shortest chain of relations between two concepts (each relation shown in reading order)."""
    with KnowledgeBase(db_path) as kb:
        graph = KnowledgeGraph(kb, RelationFilter(rel, rela, sources))
        edges = graph.shortest_path(cui_from, cui_to, max_depth)
    if as_json:
        echo_json(edges)
        return
    click.echo(_edges_table(edges, depth_header="step") if edges else "the two CUIs are the same concept")


@click.command("build-index")
@db_option()
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write the index to.")
@click.option("--kind", type=click.Choice(INDEX_KINDS), default="auto", show_default=True,
              help="flat = exact inner product; ivfpq = IVF + HNSW quantizer + 4-bit fast-scan PQ, re-ranked on "
                   "8-bit codes; ivf = IVF + HNSW quantizer + 8-bit codes (slower); auto: flat up to --exact-max "
                   "names, ivfpq above (ivf on a GPU).")
@click.option("--exact-max", default=200_000, show_default=True, help="auto: exact search up to this many names.")
@click.option("--nlist", type=click.IntRange(1), default=None,
              help="IVF lists (default: about sqrt(names), a power of two).")
@click.option("--nprobe", type=click.IntRange(1), default=None,
              help="IVF lists probed per query (default: nlist/128, >= 32 for ivfpq, >= 16 for ivf; "
                   "see docs/benchmarks.md).")
@click.option("--refine", type=click.IntRange(1), default=200, show_default=True,
              help="ivfpq: candidates per query re-ranked on the 8-bit codes.")
@click.option("--dim", default=256, show_default=True, help="Lexical encoder dimension (a power of two).")
@click.option("--inflections", is_flag=True,
              help="Encode names and queries by their inflection keys (a plural as its singular), as the "
                   "annotator matches them; off by default: no gain in recall, less acc@1 on BC5CDR.")
@click.option("--no-gpu", is_flag=True, help="Stay on the CPU even when faiss sees a GPU.")
@quiet_option()
@json_option
def build_index_command(db_path: Path, out_dir: Path, kind: str, exact_max: int, nlist: int | None,
                        nprobe: int | None, refine: int, dim: int, inflections: bool, no_gpu: bool, quiet: bool,
                        as_json: bool) -> None:
    """Build the nearest-entity index over the KB's names (lexical character n-gram encoder)."""
    options = IndexOptions(kind=kind, exact_max=exact_max, nlist=nlist, nprobe=nprobe, refine=refine,
                           use_gpu=not no_gpu)
    with KnowledgeBase(db_path) as kb:
        try:
            encoder = LexicalEncoder(dim=dim, inflections=inflections)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--dim") from exc
        info = build_index(kb, encoder, out_dir, options, progress=progress_for(quiet))
    if as_json:
        echo_json(info)
    else:
        click.echo(f"indexed {info.names:,} names ({info.count:,} distinct strings) of {info.release} into {out_dir} "
                   f"with {info.index_type} in {info.build_seconds:.1f} s")


def _read_queries(path: str) -> list[str]:
    """One query per line; a line that is not UTF-8 is an error naming the file (or <stdin>) and line."""
    lines = (decoded_lines(sys.stdin.buffer, "<stdin>") if path == "-" else numbered_lines(path))
    return [line.rstrip("\n") for _, line in lines]


@click.command("nearest")
@click.argument("query", required=False)
@db_option()
@click.option("--index", "index_dir", default=None, type=click.Path(file_okay=False, path_type=Path),
              help="The index folder (made by build-index).")
@click.option("--model", "model_dir", default=None, type=ModelSource(hub=False),
              help="Search a pretrained model's learned entity table instead (MODEL/entity_index).")
@click.option("-k", "k", default=10, show_default=True, type=click.IntRange(min=1), help="Concepts per query.")
@click.option("--queries", "queries_file", default=None,
              help="A file with one query per line ('-' for stdin), searched in batches.")
@click.option("--semantic-types", default=None,
              help="Only concepts of these types, comma-separated: TUIs (T047), semantic type names (any case) "
                   "or semantic groups (CHEM, DISO, GENE, ANAT).")
@click.option("--nprobe", type=click.IntRange(1), default=None, help="Override the IVF lists probed per query.")
@click.option("--refine", type=click.IntRange(1), default=None,
              help="Override the candidates re-ranked per query on the 8-bit codes (ivfpq indexes).")
@click.option("--batch-size", type=click.IntRange(1), default=1024, show_default=True, help="Queries per batch.")
@verify_option("the index")
@json_option
def nearest_command(query: str | None, db_path: Path, index_dir: Path | None, model_dir: str | None, k: int,
                    queries_file: str | None, semantic_types: str | None, nprobe: int | None, refine: int | None,
                    batch_size: int, verify: bool, as_json: bool) -> None:
    """Concepts nearest to a mention string: CUI, preferred name, matched name, score, semantic types.

    With --json, one JSON line per query, in input order.
    """
    if (query is None) == (queries_file is None):
        raise click.UsageError("give one QUERY or --queries FILE")
    if (index_dir is None) == (model_dir is None):
        raise click.UsageError("give one of --index DIR and --model DIR")
    if model_dir is not None:
        index_dir = Path(model_dir) / "entity_index"
        if not index_dir.is_dir():
            raise KBError(f"{model_dir}: no entity_index/ (made by `kebiokg pretrain` at the end of training, or by "
                          f"`kebiokg convert-kebiolm --db`)")
    queries = [query] if query is not None else _read_queries(queries_file)
    with KnowledgeBase(db_path) as kb:
        encoder = None
        if model_dir is not None:  # the model's own query encoder: its layers and mention projection
            from kebiokg.pretraining.entity_index import kebio_encoder

            encoder = kebio_encoder(read_index_info(index_dir).encoder["model"])
        index = EntityIndex(index_dir, kb, encoder, verify=verify)
        if nprobe:
            index.set_nprobe(nprobe)
        if refine:
            index.set_refine(refine)
        results = index.search(queries, k=k, semantic_types=list(_csv(semantic_types) or []) or None,
                               batch_size=batch_size)
    for text, hits in zip(queries, results, strict=True):
        if as_json:
            click.echo(json.dumps({"query": text, "hits": [h.__dict__ for h in hits]}, ensure_ascii=False))
            continue
        if len(queries) > 1:
            click.echo(f"\n{text}")
        if not hits:
            click.echo("  (no match)")
            continue
        click.echo(table(["#", "cui", "preferred name", "matched name", "score", "types"],
                         [(i, h.cui, h.preferred_name, h.matched_name, f"{h.score:.3f}", ",".join(h.semantic_types))
                          for i, h in enumerate(hits, start=1)]))
