"""The joulebench command line: click commands only (parse, call, print). No logic here.

Errors: every JoulebenchError and every usage error becomes one line on stderr and exit
status 2, with nothing on stdout. Heavy modules (torch, cupy) are imported inside commands so
that `joulebench mine` and `joulebench econ` start fast.
"""

from __future__ import annotations

import json
import sys

import click

from bench import __version__
from bench.errors import JoulebenchError


class JoulebenchGroup(click.Group):
    """A click group whose errors are one line on stderr and exit status 2."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.ClickException as exc:
            _fail(exc.format_message())
        except JoulebenchError as exc:
            _fail(str(exc))
        except (KeyboardInterrupt, click.Abort):
            click.echo("joulebench: interrupted; no result written", err=True)
            sys.exit(130)
        sys.exit(rv if isinstance(rv, int) else 0)


def _fail(message: str) -> None:
    line = " ".join(str(message).split())  # one line, whatever the message held
    click.echo(f"joulebench: error: {line}", err=True)
    sys.exit(2)


def emit_json(doc: object) -> None:
    """Print exactly one JSON document on stdout."""
    click.echo(json.dumps(doc, indent=2, sort_keys=False, allow_nan=False))


@click.group(cls=JoulebenchGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="joulebench")
def cli() -> None:
    """Measure what one joule earns on this machine: Bitcoin mining against AI inference."""


def main() -> None:
    """Console-script entry point."""
    cli.main(prog_name="joulebench")


# --- mine (issues 2, 3) ------------------------------------------------------------------

# --- devices (issue 4) -------------------------------------------------------------------

# --- econ (issue 6) ----------------------------------------------------------------------

# --- run, compare, report (issue 7) ------------------------------------------------------
