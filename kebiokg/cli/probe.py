"""Commands that build and run knowledge probes: build-probe, probe."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import click

from kebiokg.errors import KebiokgError
from kebiokg.kb import KnowledgeBase

from .format import echo_json, table
from .model import quiet_transformers
from .options import db_option, device_option, json_option, progress_for, quiet_option, seed_option
from .values import ModelSource


@click.command("build-probe")
@db_option()
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Probe JSONL file.")
@click.option("--templates", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="CSV of relation,template ([X] subject, [Y] object); others read '[X] relation [Y] .'.")
@click.option("--tokenizer", "tokenizer_path", default=None, type=ModelSource(),
              help="Tokenizer (folder or model) counting answer word pieces [default: whitespace words].")
@click.option("--per-relation", type=click.IntRange(1), default=1000, show_default=True,
              help="Queries per relation and direction at most.")
@click.option("--max-per-answer", type=click.IntRange(1), default=10, show_default=True,
              help="Queries any one answer concept may answer (undersamples over-frequent answers).")
@click.option("--min-triples", type=click.IntRange(1), default=10, show_default=True,
              help="Relations with fewer triples are left out.")
@click.option("--max-answer-tokens", type=click.IntRange(1), default=10, show_default=True)
@click.option("--fact-sets", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Only these facts (TSV: subject CUI, relation, object CUI, set), each query's split its set "
                   "(the knowledge-injection experiment's stated and kb_only facts, docs/knowledge.md).")
@seed_option(0, "Seed of the sampling and of the splits.")
@quiet_option()
@json_option
def build_probe_command(db_path: Path, out: Path, templates: Path | None, tokenizer_path: str | None,
                        per_relation: int, max_per_answer: int, min_triples: int, max_answer_tokens: int,
                        fact_sets: Path | None, seed: int, quiet: bool, as_json: bool) -> None:
    """Build cloze queries from the KB's relations, both directions, with every gold answer name."""
    from kebiokg.probe.build import ProbeOptions, build_probe, read_fact_sets, read_templates, write_probe

    tokenizer = None
    if tokenizer_path:
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(tokenizer_path)
    options = ProbeOptions(per_relation, max_per_answer, min_triples, max_answer_tokens, seed)
    with KnowledgeBase(db_path) as kb:
        queries = build_probe(kb, options, read_templates(templates) if templates else None, tokenizer,
                              progress_for(quiet), read_fact_sets(fact_sets) if fact_sets else None)
    if not queries:
        raise KebiokgError(f"no probe queries: no relation of {db_path} has {min_triples} triples with RELA")
    write_probe(queries, out)
    splits = Counter(q["split"] for q in queries)
    summary = {"queries": len(queries), "relations": len({q["relation"] for q in queries}),
               "trivial": sum(q["trivial"] for q in queries), "splits": dict(splits), "out": str(out)}
    if as_json:
        echo_json(summary)
        return
    click.echo(f"{len(queries):,} queries over {summary['relations']} relations ({summary['trivial']:,} trivial) "
               f"-> {out}; " + ", ".join(f"{k} {v:,}" for k, v in sorted(splits.items())))


@click.command("probe")
@click.option("--model", "models", required=True, multiple=True, type=ModelSource(),
              help="A kebiokg model folder or any Hugging Face masked LM (repeat to compare).")
@click.option("--probe", "probe_path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Report folder: report.json, report.md, report.png.")
@click.option("--split", default="test", show_default=True, help="Probe split to evaluate ('all' for every query).")
@click.option("--max-tokens", type=click.IntRange(1, 20), default=5, show_default=True,
              help="Longest answer tried, in mask tokens (KeBioLM: 10).")
@click.option("--beam", type=click.IntRange(1), default=5, show_default=True)
@click.option("--batch-size", type=click.IntRange(1), default=64, show_default=True)
@click.option("--limit", type=click.IntRange(1), default=None, help="Evaluate the first N queries only.")
@device_option
@quiet_option()
@json_option
def probe_command(models: tuple[str, ...], probe_path: Path, out: Path, split: str, max_tokens: int, beam: int,
                  batch_size: int, limit: int | None, device: str | None, quiet: bool, as_json: bool) -> None:
    """Evaluate masked LMs on a probe: Acc@1, Acc@5, hit@50, micro and macro, trivial and not."""
    from transformers import AutoModelForMaskedLM, AutoTokenizer

    from kebiokg.probe.build import read_probe
    from kebiokg.probe.evaluate import DecodeOptions, decode_queries, score_queries, write_report
    from kebiokg.training import pick_device

    quiet_transformers(quiet)
    queries = read_probe(probe_path, None if split == "all" else split)[:limit]
    if not queries:
        raise KebiokgError(f"{probe_path}: no queries in split {split!r}")
    device = pick_device(device)
    progress = progress_for(quiet)
    reports: dict[str, dict] = {}
    for model_path in models:
        try:
            model = AutoModelForMaskedLM.from_pretrained(model_path).to(device).eval()
            tokenizer = AutoTokenizer.from_pretrained(model_path)
        except (OSError, ValueError) as exc:
            raise KebiokgError(f"{model_path}: not a masked LM ({str(exc).splitlines()[0]})") from exc
        name = Path(model_path).name or model_path
        if name in reports:  # two folders of one name: number them
            name = f"{name}-{len(reports) + 1}"
        predictions = decode_queries(model, tokenizer, queries, DecodeOptions(max_tokens, beam, 50, batch_size),
                                     device, progress)
        reports[name] = score_queries(queries, predictions)
    write_report(reports, out)
    if as_json:
        echo_json(reports)
        return
    click.echo(f"{len(queries):,} queries ({split}) -> {out}/report.json, report.md, report.png")
    click.echo(table(["model", "Acc@1", "Acc@5", "hit@50", "macro Acc@5", "non-trivial Acc@5", "trivial Acc@5"],
                     [(n, f"{r['all']['acc1']:.3f}", f"{r['all']['acc5']:.3f}", f"{r['all']['hit50']:.3f}",
                       f"{r['all']['macro_acc5']:.3f}", f"{r['non_trivial']['acc5']:.3f}",
                       f"{r['trivial']['acc5']:.3f}") for n, r in reports.items()]))
