"""`kebiokg demo`: the main job on built-in data (grows with each piece of kebiokg)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import click

from kebiokg.graph import KnowledgeGraph
from kebiokg.index import EntityIndex, LexicalEncoder, build_index
from kebiokg.kb import KnowledgeBase
from kebiokg.progress import BarProgress, NullProgress
from kebiokg.umls_loader.load import LoadOptions, load_umls

from .format import table
from .umls import format_load_report, format_stats


def _swap_letters(name: str) -> str:
    """A typo: two neighbouring letters swapped in the middle of the name's longest word."""
    word = max(name.split(), key=len)
    middle = len(word) // 2
    typo = word[:middle - 1] + word[middle] + word[middle - 1] + word[middle + 1:]
    return name.replace(word, typo, 1)


@click.command("demo")
@click.option("--out", "out_dir", default="demo-out", show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="Folder for everything the demo makes.")
@click.option("--concepts", default=20000, show_default=True, type=click.IntRange(min=100),
              help="Size of the synthetic release.")
@click.option("--seed", default=0, show_default=True, help="Seed of the synthetic release.")
@click.option("--quiet", is_flag=True, help="No progress bars.")
def demo_command(out_dir: Path, concepts: int, seed: int, quiet: bool) -> None:
    """Generate a synthetic UMLS release, load it, index it, and query it."""
    from kebiokg.umls_loader.synth import generate_release

    progress = NullProgress() if quiet else BarProgress()
    release_dir, db, index_dir = out_dir / "release", out_dir / "kb.duckdb", out_dir / "index"
    if release_dir.exists():
        shutil.rmtree(release_dir)
    click.echo(f"[1/5] synth-umls: {concepts:,} concepts -> {release_dir}", err=True)
    generate_release(release_dir, concepts=concepts, seed=seed)
    click.echo(f"[2/5] load-umls -> {db}", err=True)
    click.echo(format_load_report(load_umls(release_dir, db, LoadOptions(force=True), progress=progress)))
    with KnowledgeBase(db) as kb:
        click.echo("\n[3/5] stats", err=True)
        click.echo(format_stats(kb.stats(top=5)))
        click.echo(f"\n[4/5] build-index -> {index_dir}", err=True)
        info = build_index(kb, LexicalEncoder(), index_dir, progress=progress)
        click.echo(f"indexed {info.count:,} names with {info.index_type} in {info.build_seconds:.1f} s")
        click.echo("\n[5/5] queries", err=True)
        graph = KnowledgeGraph(kb)
        concept = next(c for c in kb.concepts_by_id(list(range(1000))).values()
                       if re.fullmatch(r"[A-Za-z ,'-]{12,}", c.preferred_name) and graph.neighbors(c.cui))
        cui, name = concept.cui, concept.preferred_name
        typo = _swap_letters(name)
        hits = EntityIndex(index_dir, kb).search([typo], k=5)[0]
        click.echo(table(["#", "cui", "preferred name", "matched name", "score"],
                         [(i, h.cui, h.preferred_name, h.matched_name, f"{h.score:.3f}")
                          for i, h in enumerate(hits, start=1)], title=f"\nnearest {typo!r} (a typo of {name!r})"))
        edges = graph.neighbors(cui)[:8]
        click.echo(table(["subject", "relation", "object"],
                         [(e.subject_name, e.rela or e.rel, e.object_name) for e in edges],
                         title=f"\nneighbors {cui} (first {len(edges)})"))
