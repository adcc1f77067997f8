"""`kebiokg demo`: the main job on built-in data (grows with each piece of kebiokg)."""

from __future__ import annotations

import shutil
from pathlib import Path

import click

from kebiokg.kb import KnowledgeBase
from kebiokg.progress import BarProgress, NullProgress
from kebiokg.umls_loader.load import LoadOptions, load_umls

from .umls import format_load_report, format_stats


@click.command("demo")
@click.option("--out", "out_dir", default="demo-out", show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="Folder for everything the demo makes.")
@click.option("--concepts", default=20000, show_default=True, type=click.IntRange(min=100),
              help="Size of the synthetic release.")
@click.option("--seed", default=0, show_default=True, help="Seed of the synthetic release.")
@click.option("--quiet", is_flag=True, help="No progress bars.")
def demo_command(out_dir: Path, concepts: int, seed: int, quiet: bool) -> None:
    """Generate a synthetic UMLS release, load it into a KB and print its stats."""
    from kebiokg.umls_loader.synth import generate_release

    release_dir = out_dir / "release"
    if release_dir.exists():
        shutil.rmtree(release_dir)
    click.echo(f"[1/3] synth-umls: {concepts:,} concepts -> {release_dir}", err=True)
    generate_release(release_dir, concepts=concepts, seed=seed)
    click.echo(f"[2/3] load-umls -> {out_dir / 'kb.duckdb'}", err=True)
    report = load_umls(release_dir, out_dir / "kb.duckdb", LoadOptions(force=True),
                       progress=NullProgress() if quiet else BarProgress())
    click.echo(format_load_report(report))
    click.echo("\n[3/3] stats", err=True)
    with KnowledgeBase(out_dir / "kb.duckdb") as kb:
        click.echo(format_stats(kb.stats()))
