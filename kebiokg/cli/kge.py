"""The command that embeds a KB's concepts and relations: embed-kb."""

from __future__ import annotations

from pathlib import Path

import click

from kebiokg.kb import KnowledgeBase
from kebiokg.kge.options import EmbedOptions

from .format import echo_json, table
from .options import args_from, dataclass_options, db_option, device_option, json_option, progress_for, quiet_option


@click.command("embed-kb")
@db_option()
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Run folder: entities.npy, relations.npy, kge.json, checkpoint.pt.")
@dataclass_options(EmbedOptions)
@click.option("--exclude", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Facts kept out of training and evaluation, each with its inverse: a build-probe JSONL file "
                   "or CUI<TAB>relation<TAB>CUI lines.")
@click.option("--resume", is_flag=True,
              help="Continue the run in --out from its last checkpoint (same KB and options; --epochs and "
                   "--patience may grow).")
@click.option("--threads", type=click.IntRange(1), default=None,
              help="CPU threads for torch [default: torch's choice]; 1 is fastest on a machine busy with other work.")
@device_option
@quiet_option()
@json_option
def embed_kb_command(db_path: Path, out: Path, exclude: Path | None, resume: bool, threads: int | None,
                     device: str | None, quiet: bool, as_json: bool, **settings) -> None:
    """Train knowledge-graph embeddings (TransE or DistMult) of the KB's concepts and relation labels over
    its relations, and report filtered MRR and Hits@1/3/10 on held-out triples."""
    from kebiokg.kge.train import embed_kb
    from kebiokg.training import pick_device

    options = args_from(EmbedOptions, {**settings, "device": pick_device(device)})
    with KnowledgeBase(db_path) as kb:
        report = embed_kb(kb, out, options, exclude, resume, progress_for(quiet), threads)
    if as_json:
        echo_json(report)
    else:
        click.echo(format_kge_report(report, out))


def format_kge_report(report: dict, out: Path) -> str:
    split, excluded = report["split"], report["exclude"]
    lines = [
        f"{report['model']} ({report['dim']} dimensions) on {report['kb_release']}: "
        f"{split['train'] + split['valid'] + split['test']:,} triples (train {split['train']:,}, "
        f"valid {split['valid']:,}, test {split['test']:,}), {report['entity_count']:,} entities, "
        f"{len(report['relations'])} relation labels",
        f"{report['epochs_run']} epochs in {report['seconds']:.1f} s, best epoch {report['best_epoch']} "
        f"(stopped: {report['stopped']}) -> {out}",
    ]
    if excluded["file"]:
        lines.append(f"excluded {excluded['facts']:,} facts of {excluded['file']}: {excluded['triples_removed']:,} "
                     "triples with their inverses")
    test = report["metrics"]["test"]
    if test is None:
        return "\n".join([*lines, "no held-out test triples (raise --test-fraction)"])
    rows = [(side, *(f"{test[side][m]:.3f}" for m in ("mrr", "hits@1", "hits@3", "hits@10")))
            for side in ("head", "tail", "both")]
    title = (f"test: {test['triples']:,} triples ranked against all {report['entity_count']:,} entities "
             f"({report['ranking']})")
    return "\n".join([*lines, "", table(["prediction", "MRR", "Hits@1", "Hits@3", "Hits@10"], rows, title=title)])
