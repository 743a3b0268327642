"""Atomic JSON files: a reader sees the previous document or the new one, never half of one."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def save_json(path: Path, doc: Any) -> Path:
    """Write `doc` to `path` through a temporary file in the same folder and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(doc, f, indent=2, allow_nan=False)
            f.write("\n")
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide the file from the person reading it
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def load_json(path: Path) -> Any | None:
    """The document at `path`, or None where there is none, it does not parse, or it holds
    NaN or Infinity."""
    try:
        return json.loads(path.read_text(), parse_constant=_no_constant)
    except (OSError, ValueError):
        return None
