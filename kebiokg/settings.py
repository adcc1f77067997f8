"""Settings declared once: a dataclass field carries its default and, for the command line, its help
and range; the CLI makes its options from these fields (`kebiokg.cli.options.dataclass_options`)."""

from __future__ import annotations

from dataclasses import field


def setting(default, help: str, **limits):
    """A field with its help and range (min, max, min_open, choices) for the command line."""
    return field(default=default, metadata={"help": help, **limits})
