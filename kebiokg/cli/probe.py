"""Commands that build and run knowledge probes: build-probe, probe."""

from __future__ import annotations

import warnings
from collections import Counter
from pathlib import Path

import click

from kebiokg.errors import KebiokgError, KebiokgWarning
from kebiokg.kb import KnowledgeBase
from kebiokg.probe.formats import FORMATS

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
@click.option("--max-answer-tokens", type=click.IntRange(1), default=10, show_default=True,
              help="Longest answer name kept, in word pieces; recorded, so that `probe` decodes that many masks.")
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
@click.option("--probe", "probe_path", required=True, type=click.Path(exists=True, path_type=Path),
              help="A kebiokg probe (JSONL), MedLAMA CSVs or BioLAMA JSONL files (a file or a folder).")
@click.option("--probe-format", type=click.Choice(["auto", *FORMATS]), default="auto", show_default=True,
              help="The probe's format; auto tells them apart by file names and the first row.")
@click.option("--prompts", type=click.Choice(["default", "human"]), default="default", show_default=True,
              help="MedLAMA's templates: the default_prompt or the human_prompt column of prompts.csv.")
@click.option("--templates", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="MedLAMA prompts.csv or BioLAMA prompts JSONL [default: the one beside the probe].")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Report folder: report.json, report.md, report.png.")
@click.option("--split", default=None,
              help="Probe split to evaluate, 'all' for every query [default: test; MedLAMA: full, or hard].")
@click.option("--max-tokens", type=click.IntRange(1), default=None,
              help="Longest answer tried, in masks [default: the probe's --max-answer-tokens; MedLAMA, BioLAMA: "
                   "10; else its longest answer]. Queries no answer of which fits are counted and reported.")
@click.option("--length-norm", is_flag=True,
              help="Rank candidates by mean log-probability per mask instead of the sum (BioLAMA's).")
@click.option("--beam", type=click.IntRange(1), default=5, show_default=True)
@click.option("--batch-size", type=click.IntRange(1), default=64, show_default=True)
@click.option("--limit", type=click.IntRange(1), default=None, help="Evaluate the first N queries only.")
@device_option
@quiet_option()
@json_option
def probe_command(models: tuple[str, ...], probe_path: Path, probe_format: str, prompts: str, templates: Path | None,
                  out: Path, split: str | None, max_tokens: int | None, length_norm: bool, beam: int, batch_size: int,
                  limit: int | None, device: str | None, quiet: bool, as_json: bool) -> None:
    """Evaluate masked LMs on a probe: Acc@1, Acc@5, hit@50, KeBioLM's hit; non-trivial queries first."""
    from transformers import AutoModelForMaskedLM, AutoTokenizer

    from kebiokg.probe.evaluate import (
        DecodeOptions,
        answer_lengths,
        decode_queries,
        describe,
        mask_budget,
        score_queries,
        write_report,
    )
    from kebiokg.probe.formats import DEFAULT_SPLIT, read_probe_set
    from kebiokg.training import pick_device

    quiet_transformers(quiet)
    probe = read_probe_set(probe_path, probe_format, split, prompts, templates)
    split = split or DEFAULT_SPLIT[probe.format]
    queries = probe.queries[:limit]
    if not queries:
        raise KebiokgError(f"{probe_path}: no queries in split {split!r} (splits here: {', '.join(probe.splits)})")
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
        lengths = answer_lengths(queries, tokenizer)
        budget, source = mask_budget(max_tokens, probe.max_answer_tokens, lengths)
        answerable = [any(n <= budget for n in names) for names in lengths]
        if not all(answerable):
            needed = max((min(names) for names in lengths if names), default=budget)
            warnings.warn(f"{name}: {answerable.count(False):,} of {len(queries):,} queries have no gold name of at "
                          f"most {budget} word pieces and count as misses"
                          + (f" (--max-tokens {needed} reaches them)" if needed > budget else ""), KebiokgWarning,
                          stacklevel=1)
        options = DecodeOptions(budget, beam, 50, batch_size, length_norm)
        decoded = decode_queries(model, tokenizer, queries, options, device, progress)
        reports[name] = {"settings": {"format": probe.format, "split": split, "max_tokens": options.max_tokens,
                                      "max_tokens_from": source, "beam": options.beam,
                                      "ranking": "mean" if options.length_norm else "sum"},
                         **score_queries(queries, decoded, answerable)}
    write_report(reports, out)
    if as_json:
        echo_json(reports)
        return
    non_trivial = next(iter(reports.values()))["non_trivial"]["queries"]
    click.echo(f"{len(queries):,} queries ({probe.format}, {split}; {non_trivial:,} non-trivial) -> {out}/report.json, "
               "report.md, report.png")
    headers = ["model", "queries", "beyond budget", "Acc@1", "Acc@5", "hit@50", "KeBioLM hit", "macro Acc@5"]
    for group, title in (("non_trivial", "non-trivial queries (the headline)"), ("all", "\nall queries")):
        click.echo(table(headers, [(n, r[group]["queries"], r[group]["beyond_budget"],
                                    *(f"{r[group][k]:.3f}" for k in ("acc1", "acc5", "hit50", "kebiolm_hit",
                                                                      "macro_acc5"))) for n, r in reports.items()],
                         title=title))
    for name, report in reports.items():
        click.echo(f"{name}: {describe(report['settings'])}")
