"""Options declared once: the shared ones (`--db`, `--json`, `--quiet`, `--seed`, `--device`) and the
ones that come from a library dataclass (`TrainArgs`, `FinetuneArgs`, ...), whose fields hold the
default and, in `metadata`, the help and the allowed range. The library stays free of click."""

from __future__ import annotations

import dataclasses
import typing
from pathlib import Path

import click

from kebiokg.artefacts import CHEAP_BYTES
from kebiokg.progress import BarProgress, NullProgress, Progress

json_option = click.option("--json", "as_json", is_flag=True, help="Machine-readable JSON output.")
device_option = click.option("--device", default=None, help="cpu, cuda, cuda:1 ... [default: cuda when present].")


def db_option(required: bool = True, help: str = "The KB file (made by load-umls).", exists: bool = False):
    return click.option("--db", "db_path", required=required, help=help,
                        type=click.Path(dir_okay=False, exists=exists, path_type=Path))


def quiet_option(help: str = "No progress bars."):
    return click.option("--quiet", is_flag=True, help=help)


def seed_option(default: int = 42, help: str = "Random seed; the same seed repeats the run exactly."):
    return click.option("--seed", type=int, default=default, show_default=True, help=help)


def verify_option(what: str):
    return click.option("--verify", is_flag=True,
                        help=f"Compare the checksums of {what}'s files with those recorded when it was written "
                             "(sizes are always checked; checksums also when its files total at most "
                             f"{CHEAP_BYTES >> 20} MiB).")


def progress_for(quiet: bool) -> Progress:
    return NullProgress() if quiet else BarProgress()


def _click_type(field: dataclasses.Field, hints: dict):
    meta = field.metadata
    if "choices" in meta:
        return click.Choice(meta["choices"])
    kind = hints[field.name]
    kind = next((a for a in typing.get_args(kind) if a is not type(None)), kind)  # X | None -> X
    if kind in (int, float) and ("min" in meta or "max" in meta):
        ranged = click.IntRange if kind is int else click.FloatRange
        return ranged(meta.get("min"), meta.get("max"), **({"min_open": True} if meta.get("min_open") else {}))
    return kind


def dataclass_options(cls, *names: str):
    """Click options for the fields `names` of dataclass `cls` (all fields when none are named):
    `--max-steps` for `max_steps`, the field's default, type and range, help from its metadata."""
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    chosen = [fields[n] for n in names] if names else [f for f in fields.values() if "help" in f.metadata]

    def decorate(command):
        for field in reversed(chosen):
            flag = "--" + field.name.replace("_", "-")
            if hints[field.name] is bool:
                command = click.option(flag, field.name, is_flag=True, help=field.metadata.get("help"))(command)
                continue
            default = field.default if field.default is not dataclasses.MISSING else None
            command = click.option(flag, field.name, type=_click_type(field, hints), default=default,
                                   show_default=default is not None, help=field.metadata.get("help"))(command)
        return command

    return decorate


def args_from(cls, options: dict):
    """An instance of dataclass `cls` from the command's keyword arguments (its fields only)."""
    return cls(**{f.name: options[f.name] for f in dataclasses.fields(cls) if f.name in options})
