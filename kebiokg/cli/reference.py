"""The CLI reference (docs/cli.md), generated from the commands' own help: `python -m kebiokg.cli.reference`."""

from __future__ import annotations

import click

from kebiokg.cli.main import main


def _commands(group: click.Group, ctx: click.Context) -> list[tuple[click.Command, click.Context]]:
    found = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        sub = click.Context(command, info_name=name, parent=ctx)
        found.append((command, sub))
        if isinstance(command, click.Group):
            found += _commands(command, sub)
    return found


def cli_reference() -> str:
    """Markdown: the top-level help, then every command's --help in a code block, in order."""
    settings = {**main.context_settings, "terminal_width": 100, "max_content_width": 100}
    root = click.Context(main, info_name="kebiokg", **settings)
    parts = ["# CLI reference", "",
             "Generated from the commands' `--help` by `python -m kebiokg.cli.reference > docs/cli.md`; a test "
             "keeps it current.", "", "```text", main.get_help(root), "```"]
    for command, ctx in _commands(main, root):
        ctx.terminal_width = ctx.max_content_width = 100
        parts += ["", f"## `{ctx.command_path}`", "", "```text", command.get_help(ctx), "```"]
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    click.echo(cli_reference(), nl=False)
