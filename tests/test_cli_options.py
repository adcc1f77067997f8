"""Options declared once (from the library's dataclasses) and errors with a way to the traceback."""

from __future__ import annotations

import dataclasses

from click.testing import CliRunner

from kebiokg.cli.main import main
from kebiokg.finetune.args import FinetuneArgs
from kebiokg.pretraining.args import TrainArgs


def test_training_options_take_defaults_and_help_from_the_dataclasses() -> None:
    for command, cls in ((["pretrain"], TrainArgs), (["finetune", "ner"], FinetuneArgs)):
        context = main.make_context("kebiokg", [*command, "--help"], resilient_parsing=True)
        sub = main
        for name in command:
            sub = sub.get_command(context, name)
        params = {p.name: p for p in sub.params}
        for field in dataclasses.fields(cls):
            if field.name in params and "help" in field.metadata:
                assert params[field.name].default == field.default, field.name
                assert params[field.name].help == field.metadata["help"], field.name


def test_debug_shows_the_traceback_behind_the_one_line_error(tmp_path) -> None:
    runner = CliRunner()
    plain = runner.invoke(main, ["stats", "--db", str(tmp_path / "none.duckdb")])
    assert plain.exit_code == 1 and plain.output.strip().startswith("kebiokg: error:") and plain.exception
    assert isinstance(plain.exception, SystemExit)
    debug = runner.invoke(main, ["--debug", "stats", "--db", str(tmp_path / "none.duckdb")])
    assert debug.exit_code == 1 and not isinstance(debug.exception, SystemExit)  # the KBError itself
    assert "no such KB" in str(debug.exception)
    env = runner.invoke(main, ["stats", "--db", str(tmp_path / "none.duckdb")], env={"KEBIOKG_DEBUG": "1"})
    assert not isinstance(env.exception, SystemExit)
