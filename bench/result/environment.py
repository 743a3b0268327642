"""The environment of a run: devices, driver, CUDA, package versions, CPU, OS, git state and
the hash of the kernel sources; collected once, never failing on a missing package."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import platform
import re
import socket
import subprocess
from collections.abc import Iterable
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from bench import __version__
from bench.devices import cpu_name

log = logging.getLogger(__name__)

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
    return Path(__file__).resolve().parent.parent.parent


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
    pkg = Path(__file__).resolve().parent.parent
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
