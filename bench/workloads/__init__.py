"""Workloads: one module per family, each registering itself on import.

The families are imported on first use of the registry (`base.names()`, `base.get()`), not on
import of this package: a child process measuring one workload imports that family alone (the
miner's child does not pay for importing torch).
"""

import importlib
import logging

log = logging.getLogger(__name__)

# Each family is imported on its own so that one whose optional dependency is missing (torch
# on a minimal install) does not hide the others.
_FAMILIES = ("mining", "gemm", "llm", "vision", "encoder")
_loaded = False


def load_families() -> None:
    """Import every built-in workload family once (each registers its workloads)."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    for family in _FAMILIES:
        try:
            importlib.import_module(f"bench.workloads.{family}")
        except ModuleNotFoundError as exc:  # a family not written yet, or its dependency absent
            if exc.name and exc.name.startswith("bench.workloads"):
                continue
            log.warning("workload family %s unavailable: %s", family, exc)
