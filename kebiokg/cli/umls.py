"""Commands that make and describe a KB: synth-umls, load-umls, stats."""

from __future__ import annotations

from pathlib import Path

import click

from kebiokg.kb import KnowledgeBase
from kebiokg.umls_loader.load import DEFAULT_TABLES, OPTIONAL_TABLES, LoadOptions, LoadReport, load_umls

from .format import echo_json, table
from .options import db_option, json_option, progress_for, quiet_option, seed_option
from .values import Codes


def _csv_list(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    items = tuple(item.strip() for item in value.split(",") if item.strip())
    return items or None


@click.command("synth-umls")
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--concepts", default=2000, show_default=True, type=click.IntRange(min=10),
              help="Number of concepts (full UMLS: about 3,400,000).")
@seed_option(0, "Random seed; the output is deterministic for it.")
@quiet_option("Print nothing but errors.")
def synth_umls_command(out_dir: Path, concepts: int, seed: int, quiet: bool) -> None:
    """Write a synthetic, release-shaped UMLS folder (META/MR*.RRF, release.dat) to OUT_DIR."""
    from kebiokg.umls_loader.synth import generate_release

    report = generate_release(out_dir, concepts=concepts, seed=seed,
                              progress=None if quiet else lambda msg: click.echo(msg, err=True))
    if not quiet:
        rows = [(name, count, report.bytes.get(name, 0)) for name, count in report.rows.items()]
        click.echo(table(["file", "rows", "bytes"], rows, title=f"{out_dir} ({report.seconds:.1f} s)"))


@click.command("load-umls")
@click.argument("meta_dir", type=click.Path(path_type=Path))
@db_option(help="The KB file to create (DuckDB).")
@click.option("--lang", default=",".join(LoadOptions.langs), show_default=True,
              help="Languages to keep (LAT), comma-separated, or 'all'.")
@click.option("--keep-suppressed", is_flag=True,
              help="Keep suppressible rows too (default: SUPPRESS='N' only).")
@click.option("--sources", type=Codes("SAB"), default=None,
              help="Keep only these sources (SAB), comma-separated, any case.")
@click.option("--max-srl", type=click.IntRange(0, 9), default=None,
              help="Keep atoms with source restriction level <= N (licence level).")
@click.option("--semantic-types", default=None,
              help="Keep only concepts with one of these semantic types (TUIs, type names or semantic groups), "
                   "comma-separated, any case.")
@click.option("--tables", default=None,
              help=f"Extra files to load besides {','.join(DEFAULT_TABLES)}: "
                   f"{','.join(OPTIONAL_TABLES)} or 'all'.")
@click.option("--keep-raw", is_flag=True, help="Also keep raw_mr* tables with every RRF column.")
@click.option("--on-error", type=click.Choice(["fail", "skip"]), default=LoadOptions.on_error, show_default=True,
              help="On a malformed row: stop with its file and line, or skip it and count it.")
@click.option("--allow-empty", is_flag=True,
              help="Write the KB even when the filters keep no concept (by default an error naming the filters).")
@click.option("--force", is_flag=True, help="Replace an existing KB (only once the new one is complete).")
@click.option("--memory-limit", default=LoadOptions.memory_limit, show_default=True, help="DuckDB memory limit.")
@click.option("--threads", type=click.IntRange(min=1), default=None, help="DuckDB threads (default: all cores).")
@json_option
@quiet_option()
def load_umls_command(meta_dir: Path, db_path: Path, lang: str, keep_suppressed: bool,
                      sources: tuple[str, ...] | None, max_srl: int | None, semantic_types: str | None,
                      tables: str | None, keep_raw: bool, on_error: str, allow_empty: bool, force: bool,
                      memory_limit: str, threads: int | None, as_json: bool, quiet: bool) -> None:
    """Load a UMLS release (a release root or its META folder) into a DuckDB KB.

    Reads MR*.RRF, MR*.RRF.gz and split pieces (MRCONSO.RRF.aa, .ab, ...). The KB is built in a
    temporary file and moved into place only when the load succeeded; one load at a time writes a
    given KB.
    """
    extra = _csv_list(tables) or ()
    if extra == ("all",):
        extra = OPTIONAL_TABLES
    options = LoadOptions(
        langs=None if lang.strip().lower() == "all" else _csv_list(lang.upper()),
        keep_suppressed=keep_suppressed,
        sources=sources,
        max_srl=max_srl,
        semantic_types=_csv_list(semantic_types),
        tables=tuple(dict.fromkeys(DEFAULT_TABLES + tuple(x.upper() for x in extra))),
        keep_raw=keep_raw,
        on_error=on_error,
        allow_empty=allow_empty,
        force=force,
        memory_limit=memory_limit,
        threads=threads,
    )
    report = load_umls(meta_dir, db_path, options, progress=progress_for(quiet))
    if as_json:
        echo_json(report)
    else:
        click.echo(format_load_report(report))


def format_load_report(report: LoadReport) -> str:
    rows = []
    for f in report.files:
        dropped = ", ".join(f"{k} {v:,}" for k, v in sorted(f.accounting.items()) if k != "kept")
        rate = f"{f.rows / f.seconds / 1e6:.2f}M/s" if f.seconds > 0 and f.rows else ""
        rows.append((f.name, f.rows, f.accounting.get("kept", 0), dropped, f"{f.seconds:.1f}", rate))
    files = table(["file", "rows", "kept", "dropped / rejected", "s", "rows/s"], rows)
    counts = table(["table", "rows"], list(report.counts.items()))
    return (f"loaded {report.release} into {report.db_path} in {report.seconds:.1f} s "
            f"(fingerprint {report.fingerprint})\n\n{files}\n\n{counts}")


@click.command("stats")
@db_option()
@click.option("--top", default=10, show_default=True, type=click.IntRange(min=1),
              help="How many sources, semantic types and relation types to list.")
@json_option
def stats_command(db_path: Path, top: int, as_json: bool) -> None:
    """Describe a KB: release, filters, row counts, top sources, semantic types and relations."""
    with KnowledgeBase(db_path) as kb:
        stats = kb.stats(top=top)
    if as_json:
        echo_json(stats)
        return
    click.echo(format_stats(stats))


def format_stats(stats) -> str:
    filters = ", ".join(f"{k}={v}" for k, v in stats.filters.items())
    parts = [
        f"release      {stats.release}",
        f"fingerprint  {stats.fingerprint}",
        f"filters      {filters}",
        "",
        table(["table", "rows"], list(stats.counts.items())),
        "",
        table(["source", "names"], stats.top_sources, title="Top sources"),
        "",
        table(["tui", "semantic type", "concepts"], stats.top_semantic_types, title="Top semantic types"),
        "",
        table(["rel", "rela", "relations"], stats.top_relations, title="Top relation types"),
    ]
    return "\n".join(parts)
