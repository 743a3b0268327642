"""Result files on disk: atomic writes under a free name, and reading with upgrade."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.errors import ResultError
from bench.result.document import _short, load_document, validate
from bench.result.environment import utc_now

log = logging.getLogger(__name__)


def default_name(doc: dict) -> str:
    """A file name from the start time, host and devices: 20261129T011700Z-host-cuda0.json."""
    env = doc.get("environment", {})
    stamp = re.sub(r"[^0-9TZ]", "", env.get("started_utc") or utc_now())
    devices = sorted({w.get("device", {}).get("id", "") for w in doc.get("workloads", [])})
    parts = [stamp, env.get("hostname", "host"), *[d.replace(":", "") for d in devices if d]]
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", "-".join(parts)) + ".json"


def write_result(doc: dict, out_dir: str | os.PathLike, name: str | None = None) -> Path:
    """Validate and write a result atomically into out_dir; returns the file's path."""
    validate(doc)
    folder = Path(out_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ResultError(f"cannot create result folder {folder}: {exc.strerror or exc}") from None
    path = _free_path(folder / (name or default_name(doc)))
    atomic_write(path, lambda fh: json.dump(doc, fh, indent=2, allow_nan=False))
    log.info("result written to %s", path)
    return path


def _free_path(path: Path) -> Path:
    """The path itself, or with a -2, -3... suffix when a file of that name exists."""
    n = 2
    candidate = path
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
        n += 1
    return candidate


def atomic_write(path: Path, write: Callable[[Any], None]) -> None:
    """Write a text file through a temp file in the same folder and os.replace it into place."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:  # like mkstemp, but with the umask's permissions (mkstemp makes files 0600)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as exc:
        raise ResultError(f"cannot write in {path.parent}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            write(fh)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:  # Ctrl-C included: never leave a partial file behind
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, (ValueError, TypeError)):
            raise ResultError(f"cannot serialise result to {path}: {_short(str(exc))}") from None
        if isinstance(exc, OSError):
            raise ResultError(f"cannot write {path}: {exc.strerror or exc}") from None
        raise


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write text (an HTML report, say) atomically; returns the path."""
    target = Path(path)
    atomic_write(target, lambda fh: fh.write(text))
    return target


# --- reading -----------------------------------------------------------------------------


def read_result(path: str | os.PathLike) -> dict:
    """Load a result file, upgrading older versions; any problem is one-line ResultError."""
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ResultError(f"result file not found: {source}") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise ResultError(f"cannot read result file {source}: {reason}") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ResultError(f"{source} is not JSON (line {exc.lineno}: {exc.msg})") from None
    return load_document(doc, str(source))
