"""The docs stay true: the CLI reference matches the commands, and the README names only real commands."""

from __future__ import annotations

import difflib
import re
from pathlib import Path

from kebiokg.cli.main import main
from kebiokg.cli.reference import cli_reference

ROOT = Path(__file__).resolve().parent.parent


def test_cli_reference_is_current() -> None:
    written, current = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8").splitlines(), cli_reference().splitlines()
    diff = "\n".join(difflib.unified_diff(written, current, "docs/cli.md", "the commands", lineterm="", n=1))
    assert not diff, f"regenerate with python -m kebiokg.cli.reference > docs/cli.md:\n{diff}"


def test_readme_names_only_real_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    named = set(re.findall(r"(?:/|`|\$ )kebiokg ([a-z][a-z-]+)", readme))
    assert named and named <= set(main.commands), named - set(main.commands)
