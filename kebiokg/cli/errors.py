"""Turning library errors into one clear line and a non-zero exit; `--debug` (or KEBIOKG_DEBUG=1)
lets the traceback through instead."""

from __future__ import annotations

import sys

import click
import duckdb
import sqlalchemy as sa

from kebiokg.errors import KebiokgError


class KebiokgGroup(click.Group):
    """A click group whose commands report known failures as `kebiokg: error: ...`."""

    def invoke(self, ctx: click.Context):
        if ctx.params.get("debug"):
            return super().invoke(ctx)
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:  # a missing file, an unknown option: one line with where to look
            where = f" (see `{exc.ctx.command_path} --help`)" if exc.ctx is not None else ""
            click.echo(f"kebiokg: error: {exc.format_message()}{where}", err=True)
            sys.exit(2)
        except BrokenPipeError:  # output piped into `head` and friends: not an error
            sys.stderr.close()
            sys.exit(0)
        except (KebiokgError, duckdb.Error, sa.exc.SQLAlchemyError, OSError) as exc:
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            click.echo(f"kebiokg: error: {message}", err=True)
            sys.exit(1)
        except UnicodeDecodeError as exc:  # readers name file and line; this catches any that does not
            click.echo(f"kebiokg: error: an input file is not UTF-8 text ({exc.reason} at byte {exc.start})", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("kebiokg: interrupted", err=True)
            sys.exit(130)
