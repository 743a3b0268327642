"""The terminal: progress bars (stderr), JSON emission, and text made safe to print.

Bars are drawn only where stderr is a terminal and tqdm is installed; elsewhere (a CI log, a
file, a pipe) each stage of each workload is one plain line, with no carriage returns.
Everything printed that carries data (a device name, a warning, a scenario name from a file)
goes through `clean`, so escape sequences in data never reach the terminal: colour, cursor
moves, OSC 8 links, the bell and carriage returns come only from this project's own code.
"""

from __future__ import annotations

import errno
import json
import logging
import re
import sys

import click

try:
    from tqdm import tqdm
except ImportError:  # no bars without tqdm; the stage lines still go to stderr
    tqdm = None

_STAGE_UNIT = {"idle": "s", "warmup": "s", "windows": "window"}
_STAGE_NAME = {"idle": "idle power", "warmup": "warming up", "windows": "measuring windows"}


def _is_terminal(stream: object) -> bool:
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


class RunProgress:
    """A progress callback for bench.runner: (device, workload, stage, done, total)."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self._bar = None
        self._key: tuple[str, str, str] | None = None
        self._bars = tqdm is not None and _is_terminal(sys.stderr)

    def __call__(self, device: str, workload: str, stage: str, done: float, total: float) -> None:
        if not self.enabled:
            return
        if stage in ("setup", "done"):
            self._close()
            if stage == "setup":
                self._line(f"{workload} on {device}: setting up and verifying")
            return
        key = (device, workload, stage)
        if not self._bars:  # one line as each stage begins
            if key != self._key:
                self._key = key
                self._line(f"{workload} on {device}: {_STAGE_NAME.get(stage, stage)}")
            return
        if key != self._key:
            self._open(key, total)
        assert self._bar is not None
        self._bar.total = max(total, done)
        self._bar.n = round(done, 1)
        self._bar.refresh()

    def _line(self, text: str) -> None:
        if self._bars:
            tqdm.write(text, file=sys.stderr)
        else:
            print(text, file=sys.stderr, flush=True)

    def _open(self, key: tuple[str, str, str], total: float) -> None:
        self._close()
        device, workload, stage = key
        self._bar = tqdm(
            total=total,
            desc=f"{workload} {stage}",
            unit=_STAGE_UNIT.get(stage, ""),
            file=sys.stderr,
            leave=False,
            dynamic_ncols=True,
            bar_format="{desc}: {bar} {n:g}/{total:g} {unit} [{elapsed}]",
        )
        self._key = key

    def _close(self) -> None:
        if self._bar is not None:
            self._bar.close()
        self._bar, self._key = None, None

    def close(self) -> None:
        """Remove any open bar."""
        self._close()


# ESC/CSI/OSC/DCS sequences (7-bit and 8-bit forms), then any control character left over.
_SEQUENCES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"  # CSI: colour, cursor, clear screen
    r"|(?:\x1b[\]PX^_]|[\x90\x9d\x98\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC, DCS
    r"|\x1b[ -/]*[0-~]?"  # two-character escapes, or a lone ESC
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_CONTROLS_AND_NEWLINES = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean(text: object, keep_newlines: bool = True) -> str:
    """Text safe for a terminal: escape sequences removed, other control characters (CR, BEL,
    bidirectional overrides; newlines too unless keep_newlines) shown as U+FFFD."""
    out = _SEQUENCES.sub("", str(text))
    controls = _CONTROLS if keep_newlines else _CONTROLS_AND_NEWLINES
    return controls.sub("\ufffd", out)


class OutputFailed(Exception):
    """Standard output or error could not be written: a full disk (/dev/full), a closed
    stream, or a reader that went away (a closed pipe, `| head -c1`)."""

    def __init__(self, cause: OSError, stream: str, note: str = "") -> None:
        text = f"cannot write to standard {stream}: {cause.strerror or cause}"
        super().__init__(f"{text}; {note}" if note else text)
        self.cause, self.stream = cause, stream

    def noting(self, note: str) -> OutputFailed:
        """The same failure, saying what was kept despite it (a result file)."""
        return OutputFailed(self.cause, self.stream, note)

    @property
    def reader_gone(self) -> bool:
        """The reader closed the pipe: nothing to say (as `head` expects)."""
        return isinstance(self.cause, BrokenPipeError)


def echo(text: str, err: bool = False, nl: bool = True) -> None:
    """click.echo, whose write failures become OutputFailed (the CLI says them in one line)."""
    stream = "error" if err else "output"
    if (sys.stderr if err else sys.stdout) is None:  # started with it closed (`>&-`)
        raise OutputFailed(OSError(errno.EBADF, "it is closed"), stream)
    try:
        try:
            click.echo(text, err=err, nl=nl)
        except UnicodeEncodeError:  # a lone surrogate, or a terminal that is not UTF-8
            click.echo(_encodable(text, sys.stderr if err else sys.stdout), err=err, nl=nl)
    except OSError as exc:
        raise OutputFailed(exc, stream) from None


def _encodable(text: str, stream: object) -> str:
    """text with what the stream's encoding cannot carry shown as "?" (or a backslash escape
    for a lone surrogate, which no encoding carries)."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text.encode(encoding, "replace").decode(encoding)


def flush_stdout() -> None:
    """Flush what standard output holds (so that a full disk is seen before exit)."""
    stream = sys.stdout
    if stream is None:
        return
    try:
        stream.flush()
    except OSError as exc:
        raise OutputFailed(exc, "output") from None
    except ValueError:  # closed
        return


def say(text: object = "", err: bool = False, nl: bool = True) -> None:
    """Print text that may carry data (click.echo after clean)."""
    echo(clean(text), err=err, nl=nl)


class CleanFormatter(logging.Formatter):
    """A log formatter whose lines are cleaned like everything else on the terminal."""

    def format(self, record: logging.LogRecord) -> str:
        return clean(super().format(record))


def emit_json(doc: object) -> None:
    """Print exactly one JSON document on stdout; NaN or infinity in it is InvalidInput."""
    from bench.errors import InvalidInput

    try:
        text = json.dumps(doc, indent=2, sort_keys=False, allow_nan=False)
    except ValueError as exc:  # "Out of range float values are not JSON compliant"
        raise InvalidInput(
            f"a figure is out of range (infinite or NaN), so no JSON is printed: {exc}; "
            "check the inputs for extreme values"
        ) from None
    echo(text)  # ensure_ascii: control characters in data are escaped as \\u00XX
