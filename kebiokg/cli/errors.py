"""Turning library errors into one clear line and a non-zero exit (`--debug` or KEBIOKG_DEBUG=1 lets the
traceback through instead), and the library's warnings into one line each."""

from __future__ import annotations

import sys
import warnings

import click
import duckdb
import sqlalchemy as sa

from kebiokg.errors import KebiokgError, KebiokgWarning


class KebiokgGroup(click.Group):
    """A click group whose commands report known failures as `kebiokg: error: ...` and the library's
    warnings (`KebiokgWarning`) as `kebiokg: warning: ...`, every time they are raised."""

    def invoke(self, ctx: click.Context):
        with warnings.catch_warnings():
            warnings.simplefilter("always", KebiokgWarning)
            show = warnings.showwarning

            def one_line(message, category, *args, **kwargs):
                if issubclass(category, KebiokgWarning):
                    click.echo(f"kebiokg: warning: {message}", err=True)
                else:
                    show(message, category, *args, **kwargs)

            warnings.showwarning = one_line
            return self._invoke(ctx)

    def _invoke(self, ctx: click.Context):
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
