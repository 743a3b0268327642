"""Where a rank works and what it writes: its device, its energy meter, its result's name.

The runner asks these three questions of the rank contract (bench.fleet.rank) and of nothing
else, so that a process under srun, torchrun, a Kubernetes Indexed Job or joulebench's own
local launcher takes the same path as one alone.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from typing import Any

from bench.errors import InvalidInput
from bench.fleet.rank import NODE_LEVEL_NOTE, Rank, current

log = logging.getLogger(__name__)

# CUDA_VISIBLE_DEVICES values that hide every GPU (Slurm wrote NoDevFiles in older versions)
_NO_GPU = {"", "-1", "none", "nodevfiles"}


def _gpu_count() -> int:
    from bench.devices import find_devices

    return sum(1 for d in find_devices() if d.kind == "cuda")


def rank_device(
    requested: str | None,
    rank: Rank | None = None,
    env: Mapping[str, str] | None = None,
    gpu_count: Callable[[], int] = _gpu_count,
) -> str | None:
    """The device spec this rank measures: its local rank's GPU, else what was asked.

    Alone, or with an explicit device (cpu, cuda:N), the request stands. Under a launcher,
    no device or "all" means the local rank's GPU: with one entry in CUDA_VISIBLE_DEVICES
    (Slurm's --gpus-per-task=1 binds one GPU per task) that is cuda:0; with several,
    cuda:LOCAL_RANK of those; with none visible, the CPU.
    """
    rank = rank or current()
    env = os.environ if env is None else env
    if rank.alone or requested not in (None, "all"):
        return requested
    visible = env.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        entries = [e for e in visible.split(",") if e.strip()]
        if visible.strip().lower() in _NO_GPU or not entries:
            return "cpu"
        count, why = len(entries), f"CUDA_VISIBLE_DEVICES={visible} lists {len(entries)}"
        if count == 1:
            return "cuda:0"
    else:
        count = gpu_count()
        why = f"this node has {count}"
        if count == 0:
            return "cpu"
    if rank.local_rank >= count:
        raise InvalidInput(
            f"local rank {rank.local_rank} has no GPU of its own: {why} GPU(s); "
            "start one task per GPU (srun --gpus-per-task=1)"
        )
    return f"cuda:{rank.local_rank}"


def meter_for(device: Any, rank: Rank | None = None, **kwargs: Any):
    """The energy meter for a device as this rank may read it (bench.telemetry.meter_for).

    The CPU's RAPL counters cover the whole node: ranks other than local rank 0 get an
    unmeasured meter that says so, instead of counting the node once per rank.
    """
    from bench.telemetry import UnmeasuredMeter
    from bench.telemetry import meter_for as device_meter

    rank = rank or current()
    if device.kind == "cpu" and not rank.reads_node_energy:
        log.info("rank %d leaves node-level energy to local rank 0", rank.rank)
        return UnmeasuredMeter(NODE_LEVEL_NOTE)
    return device_meter(device, **kwargs)


def energy_scope(entry: Mapping) -> str:
    """ "node" for an entry measured on the CPU (RAPL: the whole node), else "device"."""
    return "node" if entry.get("device", {}).get("kind") == "cpu" else "device"


def stamp(doc: dict, rank: Rank | None = None) -> dict:
    """Record the rank in a result document and mark each entry's energy scope (in place)."""
    rank = rank or current()
    doc["rank"] = rank.to_dict()
    for entry in doc.get("workloads", []):
        entry["energy_scope"] = energy_scope(entry)
    return doc


def result_name(rank: Rank | None = None) -> str | None:
    """The rank's result file name under a launcher; None alone (the default name stands)."""
    rank = rank or current()
    return None if rank.alone else rank.file_name()
