"""Workloads: one module per family, each registering itself on import."""

import importlib
import logging

log = logging.getLogger(__name__)

# Each entry is imported lazily here so that a family whose optional dependency is missing
# (torch on a minimal install) does not hide the others.
_FAMILIES = ("mining", "gemm", "llm", "vision", "encoder")

for _family in _FAMILIES:
    try:
        importlib.import_module(f"bench.workloads.{_family}")
    except ModuleNotFoundError as exc:  # a family not written yet, or its dependency absent
        if exc.name and exc.name.startswith("bench.workloads"):
            continue
        log.warning("workload family %s unavailable: %s", _family, exc)
