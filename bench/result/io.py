"""Result files on disk: checked output paths, exclusive atomic writes, and one bounded reader.

Writing: every file goes through a temp file in the target folder whose name starts with
TEMP_PREFIX and carries the host and process id, so a later run can sweep what a SIGKILL left
(only its own prefix, only from dead processes of this host). A new result takes its name
exclusively (os.link of the finished temp file: eight writers of one name leave eight files);
an update of the same result (after each entry) replaces it atomically.

Reading: `read_result` is the only way a result file is read. It refuses anything that is not a
regular file, files over MAX_RESULT_BYTES and NaN/Infinity, then hands the parsed document to
the schema layer (load_document), which upgrades and validates it.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import re
import secrets
import socket
import stat
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from bench.errors import InvalidInput, ResultError
from bench.result.document import _short, validate
from bench.result.environment import utc_now

log = logging.getLogger(__name__)

TEMP_PREFIX = ".joulebench-tmp-"
# A full GPU run with its traces is a few MiB, a long one ~100 MiB, a merged fleet of many
# ranks more; the bound stops `report /dev/zero` or a runaway file from eating memory.
MAX_RESULT_BYTES = 1 << 30
_MAX_NAME_TRIES = 10_000


def default_name(doc: dict) -> str:
    """A file name from the start time, host and devices: 20261129T011700Z-host-cuda0.json."""
    env = doc.get("environment", {})
    stamp = re.sub(r"[^0-9TZ]", "", env.get("started_utc") or utc_now())
    devices = sorted({w.get("device", {}).get("id", "") for w in doc.get("workloads", [])})
    parts = [stamp, env.get("hostname", "host"), *[d.replace(":", "") for d in devices if d]]
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", "-".join(parts)) + ".json"


# --- output paths ------------------------------------------------------------------------


def check_output_path(path: str | os.PathLike, inputs: Iterable[str | os.PathLike] = ()) -> Path:
    """An output file: an existing regular file (not a link) or a new name in an existing folder,
    and none of the command's inputs. Anything else is InvalidInput, before any work."""
    if not str(path).strip():
        raise InvalidInput("output path is empty")
    target = Path(path)
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        if not target.parent.is_dir():
            raise InvalidInput(f"output folder {target.parent} does not exist") from None
    except OSError as exc:
        raise InvalidInput(f"cannot use output path {target}: {exc.strerror or exc}") from None
    else:
        if stat.S_ISLNK(info.st_mode):
            raise InvalidInput(f"output path {target} is a symbolic link: give the file itself")
        if not stat.S_ISREG(info.st_mode):
            raise InvalidInput(f"output path {target} is not a regular file ({_kind(info)})")
    for item in inputs:
        if _same_file(target, Path(item)):
            raise InvalidInput(f"output path {target} is an input of this command: not overwritten")
    return target


def _kind(info: os.stat_result) -> str:
    mode = info.st_mode
    for test, name in (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "not a plain file"


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)


# --- temp files --------------------------------------------------------------------------


def _host_tag() -> str:
    return re.sub(r"[^A-Za-z0-9]+", "", socket.gethostname())[:32] or "host"


def _temp_path(folder: Path) -> Path:
    return folder / f"{TEMP_PREFIX}{_host_tag()}-{os.getpid()}-{secrets.token_hex(6)}.tmp"


def sweep_temp_files(folder: str | os.PathLike) -> list[Path]:
    """Remove temp files a killed joulebench left in folder (this host, dead process only)."""
    pattern = re.compile(re.escape(TEMP_PREFIX) + re.escape(_host_tag()) + r"-(\d+)-[0-9a-f]+\.tmp")
    removed = []
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            match = pattern.fullmatch(entry.name)
            if match and entry.is_file(follow_symlinks=False) and not _alive(int(match[1])):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
    for path in removed:
        log.info("removed %s, left by an interrupted run", path)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. EPERM: someone else's live process
        return True
    return True


def _write_temp(folder: Path, write: Callable[[Any], None], what: Path) -> Path:
    """Write a complete temp file in folder (fsynced); on any failure, none is left."""
    tmp = _temp_path(folder)
    try:  # like mkstemp, but with the umask's permissions (mkstemp makes files 0600)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as exc:
        raise ResultError(f"cannot write in {folder}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            write(fh)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException as exc:  # Ctrl-C and SIGTERM included: never leave a partial file
        _discard(tmp)
        if isinstance(exc, (ValueError, TypeError)):
            raise ResultError(f"cannot serialise result to {what}: {_short(str(exc))}") from None
        if isinstance(exc, OSError):
            raise ResultError(f"cannot write {what}: {exc.strerror or exc}") from None
        raise
    return tmp


def _discard(tmp: Path) -> None:
    with contextlib.suppress(OSError):
        os.unlink(tmp)


# --- writing -----------------------------------------------------------------------------


def atomic_write(path: Path, write: Callable[[Any], None]) -> None:
    """Write a file through a temp file in the same folder and os.replace it into place."""
    path = Path(path)
    tmp = _write_temp(path.parent, write, path)
    try:
        os.replace(tmp, path)
    except BaseException as exc:
        _discard(tmp)
        if isinstance(exc, OSError):
            raise ResultError(f"cannot write {path}: {exc.strerror or exc}") from None
        raise


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write text (an HTML report, say) atomically over a checked output path; returns it."""
    target = check_output_path(path)
    sweep_temp_files(target.parent)
    atomic_write(target, lambda fh: fh.write(text))
    return target


def create_exclusive(path: Path, write: Callable[[Any], None]) -> Path:
    """Write a new file under path's name, or name-2, name-3...: never an existing file."""
    tmp = _write_temp(path.parent, write, path)
    try:
        for n in range(1, _MAX_NAME_TRIES):
            candidate = path if n == 1 else path.with_name(f"{path.stem}-{n}{path.suffix}")
            if _take_name(tmp, candidate):
                return candidate
        raise ResultError(f"no free name like {path.name} in {path.parent}")
    finally:
        _discard(tmp)


def _take_name(tmp: Path, candidate: Path) -> bool:
    """Give the finished temp file this name if nobody holds it (atomically); False if taken."""
    try:
        os.link(tmp, candidate)
        return True
    except FileExistsError:
        return False
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK):
            raise ResultError(f"cannot write {candidate}: {exc.strerror or exc}") from None
    # No hard links on this file system: reserve the name with O_EXCL, then replace it.
    try:
        os.close(os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    except FileExistsError:
        return False
    os.replace(tmp, candidate)
    return True


def write_result(doc: dict, out_dir: str | os.PathLike, name: str | None = None) -> Path:
    """Validate and write a new result into out_dir under a name of its own; returns the path."""
    validate(doc)
    folder = Path(out_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ResultError(f"cannot create result folder {folder}: {exc.strerror or exc}") from None
    sweep_temp_files(folder)
    path = create_exclusive(folder / (name or default_name(doc)), _json_writer(doc))
    log.info("result written to %s", path)
    return path


def rewrite_result(doc: dict, path: str | os.PathLike) -> Path:
    """Validate and atomically replace a result this run wrote earlier (after each entry)."""
    validate(doc)
    target = Path(path)
    atomic_write(target, _json_writer(doc))
    log.debug("result updated at %s", target)
    return target


def _json_writer(doc: dict) -> Callable[[Any], None]:
    return lambda fh: json.dump(doc, fh, indent=2, allow_nan=False)


# --- reading -----------------------------------------------------------------------------


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def read_json(path: str | os.PathLike) -> Any:
    """Parsed JSON of a regular file of at most MAX_RESULT_BYTES, NaN and Infinity refused:
    the one bounded reader of result and fleet files; any problem is one ResultError."""
    source = Path(path)
    text = _read_bounded(source)
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise ResultError(f"{source} is not JSON (line {exc.lineno}: {exc.msg})") from None
    except ValueError as exc:  # NaN, Infinity, -Infinity; or an integer of >4300 digits
        raise ResultError(f"{source} is not valid result JSON: {_short(str(exc))}") from None
    except RecursionError:
        raise ResultError(f"{source} is not valid result JSON: nested too deeply") from None


def load_result(path: str | os.PathLike) -> Any:
    """The typed Result of a result file (bench.result.model); any problem is one ResultError."""
    from bench.result.model import Result

    return Result.from_dict(read_json(path), str(path))


def read_result(path: str | os.PathLike) -> dict:
    """A result file as a checked document of the current version (read by load_result)."""
    return load_result(path).to_dict()


def _read_bounded(source: Path) -> str:
    """The file's text: a regular file of at most MAX_RESULT_BYTES, UTF-8."""
    try:
        with open(source, "rb", opener=_open_nonblocking) as fh:
            info = os.fstat(fh.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise ResultError(f"cannot read result file {source}: {_kind(info)}")
            if info.st_size > MAX_RESULT_BYTES:
                raise ResultError(_too_big(source, info.st_size))
            raw = fh.read(MAX_RESULT_BYTES + 1)
    except FileNotFoundError:
        raise ResultError(f"result file not found: {source}") from None
    except OSError as exc:
        reason = "a folder" if exc.errno == errno.EISDIR else exc.strerror or exc
        raise ResultError(f"cannot read result file {source}: {reason}") from None
    if len(raw) > MAX_RESULT_BYTES:  # it grew while we read
        raise ResultError(_too_big(source, len(raw)))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ResultError(f"cannot read result file {source}: {exc.reason} (not UTF-8)") from None


def _open_nonblocking(path: str, flags: int) -> int:
    """Open without blocking on a FIFO (it is refused as not a regular file right after)."""
    return os.open(path, flags | os.O_NONBLOCK)


def _too_big(source: Path, size: int) -> str:
    return (
        f"result file {source} is {size / 2**20:.1f} MiB, over the {MAX_RESULT_BYTES >> 20} MiB "
        "a result may hold: not a joulebench result"
    )
