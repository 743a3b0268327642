"""The versioned result document: one JSON file per run; build, write, read, validate.

A result holds `format` ("joulebench-result"), `schema_version`, the `environment` of the run,
the market `scenario` it was priced under, one entry per measured `workloads` item (the
Measurement dict of docs/interfaces.md plus `device`, `economics` and `asic_references`) and
the run's `warnings`. bench/data/result.schema.json describes the current version.

Every format change adds a line to CHANGES, bumps SCHEMA_VERSION and adds a step to
_UPGRADES, so that older files keep loading; tests/golden/ keeps one file per version.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import logging
import os
import platform
import re
import secrets
import socket
import subprocess
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from importlib import metadata, resources
from pathlib import Path
from typing import Any

from bench import __version__
from bench.devices import cpu_name
from bench.errors import ResultError

log = logging.getLogger(__name__)

FORMAT = "joulebench-result"
SCHEMA_VERSION = 1
CHANGES: list[tuple[int, str]] = [
    (1, "first version: format, schema_version, environment, scenario, workloads, warnings"),
]

# _UPGRADES[n] turns a version-n document into a version-(n + 1) one.
_UPGRADES: dict[int, Callable[[dict], dict]] = {}

ABSENT = "absent"
# package name in the result -> the distributions that provide it
_PACKAGES = {
    "torch": ("torch",),
    "cupy": ("cupy-cuda13x", "cupy-cuda12x", "cupy"),
    "nvidia-ml-py": ("nvidia-ml-py",),
    "numpy": ("numpy",),
}


def utc_now() -> str:
    """The current time in UTC, ISO 8601 with a Z suffix, to the second."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- environment -------------------------------------------------------------------------


def package_version(dists: Iterable[str]) -> str:
    """The installed version of the first distribution found, else "absent"."""
    for dist in dists:
        with contextlib.suppress(metadata.PackageNotFoundError):
            return metadata.version(dist)
    return ABSENT


def _run_text(args: list[str], cwd: Path | None = None) -> str | None:
    """A command's stripped stdout, or None when it is missing, fails or hangs."""
    try:
        out = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def nvidia_versions() -> dict[str, str]:
    """The NVIDIA driver version and the CUDA version it supports, from nvidia-smi."""
    driver = _run_text(["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"])
    banner = _run_text(["nvidia-smi"]) or ""
    cuda = re.search(r"CUDA Version:\s*([0-9.]+)", banner)
    return {
        "driver": driver.splitlines()[0].strip() if driver else ABSENT,
        "cuda_driver": cuda.group(1) if cuda else ABSENT,
    }


def torch_cuda_version() -> str:
    """The CUDA version torch was built with; "cpu-only build" or "absent"."""
    if package_version(_PACKAGES["torch"]) == ABSENT:
        return ABSENT
    try:
        import torch
    except Exception as exc:  # a broken install must not stop the run
        log.warning("torch is installed but does not import: %s", exc)
        return ABSENT
    return torch.version.cuda or "cpu-only build"


def cpu_model() -> str:
    """The CPU model name (bench.devices.cpu_name: /proc/cpuinfo, else the platform module)."""
    return cpu_name()


def repo_root() -> Path:
    """The folder above the bench package (the repository root in a source checkout)."""
    return Path(__file__).resolve().parent.parent


def git_state(root: Path | None = None) -> dict[str, Any]:
    """The git commit and dirty flag of the source tree; both None outside a git checkout."""
    root = root or repo_root()
    if not (root / ".git").exists():
        return {"commit": None, "dirty": None}
    commit = _run_text(["git", "rev-parse", "HEAD"], cwd=root)
    status = _run_text(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root)
    return {"commit": commit, "dirty": None if status is None else bool(status)}


def kernel_sources_hash(root: Path | None = None) -> dict[str, Any]:
    """sha256 over the names and bytes of the kernel sources (kernels/ or bench/kernels/)."""
    pkg = Path(__file__).resolve().parent
    candidates = [root] if root else [pkg.parent / "kernels", pkg / "kernels"]
    for folder in candidates:
        if folder is not None and folder.is_dir():
            files = sorted(p for p in folder.rglob("*") if _is_source(p, folder))
            digest = hashlib.sha256()
            for path in files:
                digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
                digest.update(path.read_bytes() + b"\0")
            return {"sha256": digest.hexdigest(), "files": len(files), "root": folder.name}
    return {"sha256": None, "files": 0, "root": None}


def _is_source(path: Path, folder: Path) -> bool:
    parts = path.relative_to(folder).parts
    return path.is_file() and not any(p.startswith(".") or p == "__pycache__" for p in parts)


def _device_dict(device: Any) -> dict:
    return device.to_dict() if hasattr(device, "to_dict") else dict(device)


def collect_environment(devices: Iterable[Any], started_utc: str | None = None) -> dict:
    """Describe the machine and software of this run; never fails on a missing package."""
    return {
        "devices": [_device_dict(d) for d in devices],
        "nvidia": nvidia_versions(),
        "cuda_torch": torch_cuda_version(),
        "packages": {name: package_version(dists) for name, dists in _PACKAGES.items()},
        "cpu_model": cpu_model(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "hostname": socket.gethostname(),
        "git": git_state(),
        "kernel_sources": kernel_sources_hash(),
        "joulebench_version": __version__,
        "started_utc": started_utc or utc_now(),
        "ended_utc": None,
    }


# --- building and validating -------------------------------------------------------------


def workload_entry(
    measurement: dict, device: Any, economics: dict, asic_references: list[dict] | None = None
) -> dict:
    """One `workloads` item: the Measurement dict plus device, economics and ASIC references."""
    return {
        **measurement,
        "device": _device_dict(device),
        "economics": economics,
        "asic_references": list(asic_references or []),
    }


def build_result(
    environment: dict,
    scenario: Any,
    workloads: Iterable[dict],
    warnings: Iterable[str] = (),
    ended_utc: str | None = None,
) -> dict:
    """Assemble a result document of the current schema version."""
    env = {**environment, "ended_utc": ended_utc or environment.get("ended_utc") or utc_now()}
    scen = scenario.to_dict() if hasattr(scenario, "to_dict") else dict(scenario)
    return {
        "format": FORMAT,
        "schema_version": SCHEMA_VERSION,
        "environment": env,
        "scenario": scen,
        "workloads": list(workloads),
        "warnings": list(warnings),
    }


def schema() -> dict:
    """The JSON Schema (draft 2020-12) of the current result version."""
    text = resources.files("bench").joinpath("data", "result.schema.json").read_text("utf-8")
    return json.loads(text)


def validate(doc: Any) -> None:
    """Check a document against the schema; a mismatch is a ResultError naming where."""
    try:
        import jsonschema
    except ImportError:  # jsonschema is a test extra; without it, check the outline only
        log.debug("jsonschema not installed: checking the result outline only")
        _check_outline(doc)
        return
    validator = jsonschema.Draft202012Validator(schema())
    error = jsonschema.exceptions.best_match(validator.iter_errors(doc))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        raise ResultError(
            f"result does not match schema v{SCHEMA_VERSION} at {where}: {_short(error.message)}"
        )


def _short(text: str, limit: int = 160) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _check_outline(doc: Any) -> None:
    if not isinstance(doc, dict):
        raise ResultError("result is not a JSON object")
    for key in schema()["required"]:
        if key not in doc:
            raise ResultError(f"result lacks the key {key!r}")
    if not isinstance(doc["workloads"], list):
        raise ResultError("result 'workloads' is not a list")


# --- writing -----------------------------------------------------------------------------


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


def load_document(doc: Any, where: str = "result") -> dict:
    """Check that a parsed document is a joulebench result, upgrade it and validate it."""
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ResultError(f"{where} is not a joulebench result (no format {FORMAT!r})")
    version = doc.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ResultError(f"{where} has an invalid schema_version {version!r}")
    if version > SCHEMA_VERSION:
        raise ResultError(
            f"{where} has schema version {version}, newer than this joulebench reads "
            f"({SCHEMA_VERSION}): upgrade joulebench"
        )
    doc = upgrade(doc)
    try:
        validate(doc)
    except ResultError as exc:
        raise ResultError(f"{where}: {exc}") from None
    return doc


def upgrade(doc: dict) -> dict:
    """Bring a document of an older schema version to the current one; records where from."""
    version = doc["schema_version"]
    if version == SCHEMA_VERSION:
        return doc
    out = copy.deepcopy(doc)
    for step in range(version, SCHEMA_VERSION):
        out = _UPGRADES[step](out)
        out["schema_version"] = step + 1
    out["upgraded_from"] = version
    log.info("result upgraded from schema version %d to %d", version, SCHEMA_VERSION)
    return out
