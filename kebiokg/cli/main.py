"""The `kebiokg` command: parses options, calls the library, prints. No logic of its own."""

from __future__ import annotations

import click

from kebiokg.cli.annotate import annotate_command, eval_linking_command
from kebiokg.cli.demo import demo_command
from kebiokg.cli.errors import KebiokgGroup
from kebiokg.cli.finetune import finetune_group
from kebiokg.cli.kge import embed_kb_command
from kebiokg.cli.model import convert_kebiolm_command, pretrain_command, train_tokenizer_command
from kebiokg.cli.probe import build_probe_command, probe_command
from kebiokg.cli.query import (
    build_index_command,
    concept_command,
    nearest_command,
    neighbors_command,
    path_command,
)
from kebiokg.cli.umls import load_umls_command, stats_command, synth_umls_command


@click.group(cls=KebiokgGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kebiokg")
@click.option("--debug", is_flag=True, envvar="KEBIOKG_DEBUG",
              help="Show the traceback behind an error instead of one line (also KEBIOKG_DEBUG=1).")
def main(debug: bool) -> None:
    """kebiokg: knowledge-enhanced biomedical language models on top of the UMLS.

    The data flows one way: RRF files -> DuckDB KB (load-umls) -> queries and the entity index
    -> annotated corpus -> model -> probes and fine-tuning.
    """


main.add_command(synth_umls_command)
main.add_command(load_umls_command)
main.add_command(stats_command)
main.add_command(concept_command)
main.add_command(neighbors_command)
main.add_command(path_command)
main.add_command(build_index_command)
main.add_command(nearest_command)
main.add_command(embed_kb_command)
main.add_command(annotate_command)
main.add_command(eval_linking_command)
main.add_command(train_tokenizer_command)
main.add_command(pretrain_command)
main.add_command(convert_kebiolm_command)
main.add_command(build_probe_command)
main.add_command(probe_command)
main.add_command(finetune_group)
main.add_command(demo_command)


if __name__ == "__main__":
    main()
