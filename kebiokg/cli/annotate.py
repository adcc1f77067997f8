"""Commands that annotate corpora and score the annotation: annotate, eval-linking."""

from __future__ import annotations

import os
from pathlib import Path

import click

from kebiokg.annotate.corpus import read_corpus
from kebiokg.annotate.dictionary import QUALIFIER_TTYS, DictionaryOptions, load_or_build
from kebiokg.annotate.evaluate import evaluate_linking
from kebiokg.annotate.gold import IdMapper
from kebiokg.annotate.linker import DEFAULT_THRESHOLD, Linker, LinkOptions
from kebiokg.annotate.run import RunOptions, annotate_corpus, report_json
from kebiokg.documents import FORMATS, read_pubtator
from kebiokg.kb import KnowledgeBase
from kebiokg.semantic_groups import ALL

from .format import echo_json, table
from .options import db_option, json_option, progress_for, quiet_option, verify_option
from .query import _csv


@click.command("annotate")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@db_option()
@click.option("--out", required=True, type=click.Path(path_type=Path),
              help="OUT.jsonl (or .pubtator) for one file; otherwise a folder of shards with a manifest.")
@click.option("--format", "input_format", type=click.Choice(FORMATS), default=None,
              help="Input format; detected per file when left out (PubMed XML, PubTator, JSONL, text lines).")
@click.option("--output-format", type=click.Choice(["jsonl", "pubtator"]), default=None,
              help="Output format [default: pubtator for OUT.pubtator, else jsonl].")
@click.option("--threshold", type=click.FloatRange(0, 1), default=DEFAULT_THRESHOLD, show_default=True,
              help="Keep entities scoring at least this (1.0: a name of one concept; less: shared names).")
@click.option("--semantic-types", default=None,
              help="Only concepts of these TUIs, semantic type names or semantic groups (CHEM, DISO, GENE, ANAT), "
                   "comma-separated, any case; 'all' for every type (with --gold-passthrough: only gold mentions "
                   "of such concepts). [default: every type but the generic ones (docs/corpus.md); with "
                   "--gold-passthrough, all]")
@click.option("--no-abbreviations", is_flag=True, help="Do not resolve abbreviations defined in the text.")
@click.option("--no-inflections", is_flag=True,
              help="Match names only as written: no plural for a singular (or back), no inverted names turned round.")
@click.option("--qualifier-names", is_flag=True,
              help="Also match MeSH qualifier names (blood, methods, analysis, drug therapy), left out by default.")
@click.option("--min-chars", type=click.IntRange(1), default=DictionaryOptions.min_chars, show_default=True,
              help="Shortest KB name that matches text.")
@click.option("--dictionary", "dictionary_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder caching the name dictionary: reused when it matches the KB, else built and saved.")
@verify_option("the --dictionary folder")
@click.option("--gold-passthrough", is_flag=True,
              help="Write the input's gold mentions (PubTator or JSONL entities) instead of linking; "
                   "corpus ids (MeSH, OMIM, NCBI Taxonomy, CUIs) are mapped to CUIs through the KB.")
@click.option("--workers", type=click.IntRange(1), default=os.cpu_count() or 1, show_default="all cores",
              help="Linking processes.")
@click.option("--shard-size", type=click.IntRange(1), default=10_000, show_default=True,
              help="Documents per output shard (the unit of resume).")
@click.option("--resume", is_flag=True, help="Continue an interrupted run into the same OUT.")
@click.option("--force", is_flag=True, help="Replace an existing OUT.")
@click.option("--on-error", type=click.Choice(["fail", "skip"]), default="fail", show_default=True,
              help="Malformed input: stop with FILE:LINE, or skip it and count it.")
@quiet_option()
@json_option
def annotate_command(inputs: tuple[Path, ...], db_path: Path, out: Path, input_format: str | None,
                     output_format: str | None, threshold: float, semantic_types: str | None, no_abbreviations: bool,
                     no_inflections: bool, qualifier_names: bool, min_chars: int, dictionary_dir: Path | None,
                     verify: bool, gold_passthrough: bool, workers: int,
                     shard_size: int, resume: bool, force: bool, on_error: str, quiet: bool, as_json: bool) -> None:
    """Detect and link KB concepts in PubMed XML, PubTator, JSONL or text files.

    Writes the corpus format (JSONL: id, text, entities with start, end, text, cui, score, types)
    that `kebiokg pretrain` reads; see docs/corpus.md.
    """
    progress = progress_for(quiet)
    output_format = output_format or ("pubtator" if out.suffix == ".pubtator" else "jsonl")
    with KnowledgeBase(db_path) as kb:
        # a typo fails before the dictionary is built
        profile, types = (ALL, kb.semantic_type_filter(_csv(semantic_types))) if gold_passthrough else \
            kb.annotation_types(_csv(semantic_types))
        options = RunOptions(input_format, output_format, gold_passthrough, workers, shard_size, resume, force,
                             on_error, types if gold_passthrough else None)
        linker = mapper = None
        if gold_passthrough:
            mapper = IdMapper(kb)
        else:
            dictionary_options = DictionaryOptions(min_chars=min_chars, inflections=not no_inflections,
                                                   left_out_ttys=() if qualifier_names else QUALIFIER_TTYS)
            dictionary = load_or_build(kb, dictionary_options, dictionary_dir, progress, verify)
            linker = Linker(dictionary, LinkOptions(threshold, types, not no_abbreviations, profile))
        report = annotate_corpus(list(inputs), out, linker, options, kb.fingerprint, mapper, progress)
    if report.entities == 0:
        why = ("no gold mention maps to a concept of the KB" if linker is None else
               f"the dictionary's {linker.dictionary.meta['names']:,} names found nothing scoring {threshold}+")
        click.echo(f"warning: 0 entities in {report.documents:,} documents: {why}"
                   + (f" (semantic types {semantic_types})" if semantic_types else ""), err=True)
    if as_json:
        echo_json(report_json(report))
        return
    click.echo(f"{report.documents:,} documents, {report.entities:,} entities -> {report.output} "
               f"({report.documents_per_second:,.0f} documents/s"
               + (f", {report.resumed_documents:,} from the interrupted run" if report.resumed_documents else "")
               + ")")
    if report.skipped:
        click.echo("skipped: " + ", ".join(f"{k} {v:,}" for k, v in sorted(report.skipped.items())))
    if report.gold:
        click.echo("gold mentions: " + ", ".join(f"{k} {v:,}" for k, v in sorted(report.gold.items())))


@click.command("eval-linking")
@click.option("--gold", "gold_path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Gold corpus (PubTator with MeSH, OMIM, NCBI Taxonomy ids or CUIs, e.g. BC5CDR or NCBI-disease; "
                   "a bare number is read by the mention's type, docs/corpus.md).")
@click.option("--pred", "pred_path", required=True, type=click.Path(exists=True, path_type=Path),
              help="Annotated corpus: a .jsonl file or an annotate output folder.")
@db_option()
@json_option
def eval_linking_command(gold_path: Path, pred_path: Path, db_path: Path, as_json: bool) -> None:
    """Precision, recall and F1 of an annotation against gold mentions whose ids map into the KB.

    strict: same span and a CUI of the gold ids; per document: the set of CUIs of each document.
    Predictions overlapping gold mentions outside the KB count neither way; gold ids that map to no
    concept are counted by namespace (MeSH, OMIM, NCBI Gene, NCBI Taxonomy, UMLS, unknown).
    """
    predictions = {doc.id: doc for doc in read_corpus(pred_path)}
    with KnowledgeBase(db_path) as kb:
        report = evaluate_linking(read_pubtator(gold_path), predictions, IdMapper(kb))
    if as_json:
        echo_json(report.to_json())
        return
    click.echo(f"{report.documents:,} documents, {report.gold_mentions:,} gold mentions, "
               f"{report.gold_mentions_in_kb:,} in the KB (coverage {report.coverage:.1%})")
    if report.unmapped_ids:
        click.echo("gold ids in no KB concept: " + ", ".join(f"{space} {count:,}"
                                                              for space, count in report.unmapped_ids.items()))
    if report.documents_without_prediction:
        click.echo(f"warning: {report.documents_without_prediction:,} gold documents have no prediction", err=True)
    click.echo(table(["level", "precision", "recall", "f1", "right", "predicted", "gold"],
                     [(name, f"{s.precision:.3f}", f"{s.recall:.3f}", f"{s.f1:.3f}", s.true_positives, s.predicted,
                       s.gold) for name, s in (("strict", report.strict), ("per document", report.per_document))]))
