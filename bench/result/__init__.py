"""The result of a run: its environment, the versioned document, and its files on disk."""

from bench.result.document import (
    CHANGES,
    FORMAT,
    SCHEMA_VERSION,
    build_result,
    load_document,
    schema,
    upgrade,
    validate,
    workload_entry,
)
from bench.result.environment import (
    ABSENT,
    collect_environment,
    cpu_model,
    git_state,
    kernel_sources_hash,
    nvidia_versions,
    package_version,
    repo_root,
    torch_cuda_version,
    utc_now,
)
from bench.result.io import (
    atomic_write,
    atomic_write_text,
    default_name,
    read_result,
    write_result,
)

__all__ = [
    "ABSENT",
    "CHANGES",
    "FORMAT",
    "SCHEMA_VERSION",
    "atomic_write",
    "atomic_write_text",
    "build_result",
    "collect_environment",
    "cpu_model",
    "default_name",
    "git_state",
    "kernel_sources_hash",
    "load_document",
    "nvidia_versions",
    "package_version",
    "read_result",
    "repo_root",
    "schema",
    "torch_cuda_version",
    "upgrade",
    "utc_now",
    "validate",
    "workload_entry",
    "write_result",
]
