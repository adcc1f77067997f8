"""Parameter types for values typed on the command line whose meaning depends on their form: UMLS
codes in any case, and a model given as a folder or a hub id. Each is the one rule for every
option that takes such a value."""

from __future__ import annotations

import re
from pathlib import Path

import click


class Codes(click.ParamType):
    """Comma-separated UMLS codes typed in any case, given the case the KB compares them in: the one place
    every option that takes REL, RELA, SAB or LAT values gets it. REL, SAB and LAT are upper case (as
    UMLS writes them); RELA lower case (UMLS writes most so but NCI's in mixed case, e.g. Subsumes: the
    graph compares RELA lower-cased). CUIs get theirs from `kebiokg.kb.check_cui`."""

    name = "codes"

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.case = str.lower if kind == "RELA" else str.upper

    def convert(self, value, param, ctx) -> tuple[str, ...] | None:
        if isinstance(value, tuple):
            return value
        return tuple(dict.fromkeys(self.case(v.strip()) for v in value.split(",") if v.strip())) or None


_HUB_ID = re.compile(r"^\w[\w.-]*(/\w[\w.-]*)?$", re.ASCII)


class ModelSource(click.ParamType):
    """A model folder or (with `hub`) a model hub id, decided by the value's form so that a mistyped
    folder is a one-line "no such model folder" and not half a minute of hub retries: a value naming
    an existing path is that folder (`~` expanded); else a value of the hub's form, `name` or
    `owner/name` (ASCII letters, digits, `_`, `-`, `.`, not starting with `.`), goes to the hub; anything
    else (starting with `.`, `/` or `~`, holding a backslash or a second `/`), or any value when not
    `hub`, is no such model folder."""

    name = "model"

    def __init__(self, hub: bool = True) -> None:
        self.hub = hub

    def convert(self, value, param, ctx) -> str:
        local = Path(value).expanduser()
        if local.exists():
            return str(local)
        if self.hub and _HUB_ID.match(value):
            return value
        self.fail(f"{value}: no such model folder", param, ctx)
