"""Read the economics data files (TOML) shipped in bench/data and TOML files given by users."""

from __future__ import annotations

import logging
import sys
from importlib import resources
from pathlib import Path

from bench.errors import ScenarioError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

log = logging.getLogger(__name__)


def data_text(relpath: str) -> str:
    """The text of a data file shipped in bench/data (e.g. "asics.toml")."""
    node = resources.files("bench").joinpath("data")
    for part in relpath.split("/"):
        node = node.joinpath(part)
    return node.read_text(encoding="utf-8")


def data_names(folder: str) -> list[str]:
    """Stems of the TOML files in a bench/data subfolder, sorted."""
    node = resources.files("bench").joinpath("data").joinpath(folder)
    return sorted(p.name[: -len(".toml")] for p in node.iterdir() if p.name.endswith(".toml"))


def parse_toml(text: str, where: str) -> dict:
    """Parse TOML text; a syntax error becomes a ScenarioError naming where it came from."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{where}: not valid TOML: {exc}") from None
    except RecursionError:  # arrays or tables nested thousands deep
        raise ScenarioError(f"{where}: not valid TOML: nested too deeply") from None


def load_data(relpath: str) -> dict:
    """Parse a TOML data file shipped in bench/data."""
    log.debug("loading data file %s", relpath)
    return parse_toml(data_text(relpath), f"bench/data/{relpath}")


def load_path(path: Path) -> dict:
    """Parse a user's TOML file; an unreadable file is a ScenarioError."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"cannot read scenario file {path}: {exc}") from None
    return parse_toml(text, f"scenario file {path}")
