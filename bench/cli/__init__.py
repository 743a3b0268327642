"""The joulebench command line: click only (parse, call, print), one module per command group.

Errors: every JoulebenchError and every usage error becomes one line on stderr and exit
status 2, with nothing on stdout. Heavy modules (torch, cupy) are imported inside commands so
that `joulebench mine` and `joulebench econ` start fast.
"""

from __future__ import annotations

import logging
import os
import signal
import sys

import click

from bench import __version__
from bench.console import CleanFormatter, OutputFailed, clean, flush_stdout
from bench.errors import JoulebenchError, RunInterrupted, Terminated


class JoulebenchGroup(click.Group):
    """A click group whose errors are one line on stderr and exit status 2."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        previous = _on_sigterm(_terminate)  # SIGTERM stops a command as Ctrl-C does
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
            flush_stdout()  # a full disk is seen here, not as an "Exception ignored" at exit
        except OutputFailed as exc:
            _output_failed(exc)
        except click.ClickException as exc:
            _fail(_usage_line(exc))
        except JoulebenchError as exc:
            _fail(str(exc))
        except _Stopped as stop:
            _interrupted(stop.cause)
        except (KeyboardInterrupt, click.Abort) as exc:
            _interrupted(exc)
        finally:
            _on_sigterm(previous)
        sys.exit(rv if isinstance(rv, int) else 0)

    def invoke(self, ctx: click.Context):
        # click answers a KeyboardInterrupt from a command with a blank line on stderr before
        # ours; carried past it, the stop is said in exactly one line.
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt as exc:
            raise _Stopped(exc) from None


class _Stopped(Exception):
    """A Ctrl-C or SIGTERM inside a command, carried past click's own interrupt handling."""

    def __init__(self, cause: KeyboardInterrupt) -> None:
        super().__init__(str(cause))
        self.cause = cause


def _on_sigterm(handler):
    """Install a SIGTERM handler (main thread only; elsewhere nothing); returns the old one."""
    if handler is None:
        return None
    try:
        return signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread (an embedding application's worker)
        return None


def _terminate(signum, frame) -> None:
    raise Terminated()


def _interrupted(exc: BaseException) -> None:
    """What an interrupt left behind, in one line (RunInterrupted knows; else nothing)."""
    if isinstance(exc, click.Abort) and isinstance(exc.__context__, KeyboardInterrupt):
        exc = exc.__context__  # click wraps Ctrl-C in Abort
    message = str(exc) if isinstance(exc, RunInterrupted) else "interrupted; nothing written"
    click.echo(f"joulebench: {clean(message)}", err=True)
    sys.exit(getattr(exc, "exit_code", 130))


def _output_failed(exc: OutputFailed) -> None:
    """Standard output could not be written: one line on stderr (nothing where the reader
    closed the pipe), exit status 2; what stdout still buffers is dropped, not retried."""
    _drop_stdout()
    if exc.reader_gone:
        sys.exit(141)  # 128 + SIGPIPE, as a shell reports a writer whose reader went away
    if exc.stream == "error":
        sys.exit(2)  # stderr itself failed: there is nowhere to say so
    _fail(str(exc))


def _drop_stdout() -> None:
    """Point standard output at /dev/null so that the interpreter's last flush finds nothing
    to fail on."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, AttributeError, ValueError):  # no stdout at all: nothing to drop
        pass


def _usage_line(exc: click.ClickException) -> str:
    """The error's message; for a group given no command (click then raises its whole help
    text as the error), one line naming where the commands are listed."""
    no_args = getattr(click.exceptions, "NoArgsIsHelpError", ())
    if no_args and isinstance(exc, no_args):
        path = exc.ctx.command_path if exc.ctx is not None else "joulebench"
        return f"{path}: no command given; `{path} --help` lists them"
    return exc.format_message()


def _fail(message: str) -> None:
    line = " ".join(str(message).split())  # one line, whatever the message held
    click.echo(f"joulebench: error: {clean(line, keep_newlines=False)}", err=True)
    sys.exit(2)


@click.group(cls=JoulebenchGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="joulebench")
@click.option("-v", "--verbose", count=True, help="Log to stderr (-v info, -vv debug).")
def cli(verbose: int) -> None:
    """Measure what one joule earns on this machine: Bitcoin mining against AI inference."""
    if verbose:
        _log_to_stderr(logging.DEBUG if verbose > 1 else logging.INFO)


def _log_to_stderr(level: int) -> None:
    logger = logging.getLogger("bench")
    if not any(getattr(h, "_joulebench", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(CleanFormatter("%(levelname)s %(name)s: %(message)s"))
        handler._joulebench = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logger.setLevel(level)


def main() -> None:
    """Console-script entry point."""
    cli.main(prog_name="joulebench")


def _register() -> None:
    from bench.cli import econ, fleet, mine, report, run, site

    for module in (mine, run, econ, report, fleet, site):
        for command in module.COMMANDS:
            cli.add_command(command)


_register()
