"""The rank contract: which rank of how many this process is, on which node, in which job.

A process learns its place from the first launcher whose variables are set, in this order:

- joulebench's own local launcher (and any other that sets them): JOULEBENCH_RANK,
  JOULEBENCH_WORLD_SIZE, optionally JOULEBENCH_LOCAL_RANK (default: the rank),
  JOULEBENCH_JOB_ID (default "local") and JOULEBENCH_NODE (default: the short host name);
- Slurm (srun): SLURM_PROCID, SLURM_LOCALID, SLURM_NTASKS, SLURM_NODEID, SLURM_JOB_ID, and the
  node's name from SLURMD_NODENAME;
- torchrun: RANK, LOCAL_RANK, WORLD_SIZE, GROUP_RANK (node index), TORCHELASTIC_RUN_ID;
- a Kubernetes Indexed Job: JOB_COMPLETION_INDEX, with the world size in JOULEBENCH_WORLD_SIZE
  (Kubernetes does not export `completions`; docs/kubernetes-job.yaml sets it), and
  JOULEBENCH_NODE / JOULEBENCH_JOB_ID / JOULEBENCH_LOCAL_RANK from the downward API;
- else the process is alone: rank 0 of 1.

Node-level energy (the CPU package through RAPL) covers the whole node, so only local rank 0
reads it; the other ranks on that node record it as unmeasured with the reason. Reading it once
per rank would count a node's energy once per GPU.
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass

from bench.errors import InvalidInput

NODE_LEVEL_NOTE = (
    "node-level energy (CPU package, RAPL) is read by local rank 0 of this node only, so that "
    "the node is counted once"
)
# launcher -> (rank, local rank, world size, node index, job id) variable names
_SOURCES: dict[str, tuple[str, str | None, str | None, str | None, str | None]] = {
    "joulebench": (
        "JOULEBENCH_RANK",
        "JOULEBENCH_LOCAL_RANK",
        "JOULEBENCH_WORLD_SIZE",
        None,
        "JOULEBENCH_JOB_ID",
    ),
    "slurm": ("SLURM_PROCID", "SLURM_LOCALID", "SLURM_NTASKS", "SLURM_NODEID", "SLURM_JOB_ID"),
    "torchrun": ("RANK", "LOCAL_RANK", "WORLD_SIZE", "GROUP_RANK", "TORCHELASTIC_RUN_ID"),
    "kubernetes": (
        "JOB_COMPLETION_INDEX",
        "JOULEBENCH_LOCAL_RANK",
        "JOULEBENCH_WORLD_SIZE",
        None,
        "JOULEBENCH_JOB_ID",
    ),
}
_NODE_VARS = {"slurm": "SLURMD_NODENAME"}  # others: JOULEBENCH_NODE, else the host name
_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")
MAX_WORLD_SIZE = 1_000_000  # beyond any cluster; keeps merge's rank arithmetic bounded


@dataclass(frozen=True)
class Rank:
    """One process's place in a job: rank of world size, local rank on its node, the job."""

    rank: int
    local_rank: int
    world_size: int
    node: str
    job_id: str
    launcher: str  # "joulebench", "slurm", "torchrun", "kubernetes" or "alone"
    node_index: int | None = None

    def __post_init__(self) -> None:
        where = f"rank contract ({self.launcher})"
        if not 1 <= self.world_size <= MAX_WORLD_SIZE:
            raise InvalidInput(
                f"{where}: world size {self.world_size} is not in 1..{MAX_WORLD_SIZE}"
            )
        if not 0 <= self.rank < self.world_size:
            raise InvalidInput(
                f"{where}: rank {self.rank} is not in 0..{self.world_size - 1} "
                f"(world size {self.world_size})"
            )
        if not 0 <= self.local_rank < self.world_size:
            raise InvalidInput(
                f"{where}: local rank {self.local_rank} is not in 0..{self.world_size - 1}"
            )
        if self.node_index is not None and self.node_index < 0:
            raise InvalidInput(f"{where}: node index {self.node_index} is negative")
        if not self.node.strip() or not self.job_id.strip():
            raise InvalidInput(f"{where}: empty node name or job id")

    @property
    def alone(self) -> bool:
        """True for a process that no launcher placed: its result keeps the default name."""
        return self.launcher == "alone"

    @property
    def reads_node_energy(self) -> bool:
        """Whether this rank reads node-level energy (CPU package): local rank 0 only."""
        return self.local_rank == 0

    def file_name(self) -> str:
        """This rank's result file name: job id, node and rank, e.g. 4242-gpu07-rank03.json."""
        width = len(str(self.world_size - 1))
        parts = [
            _SAFE.sub("-", self.job_id),
            _SAFE.sub("-", self.node),
            f"rank{self.rank:0{width}d}",
        ]
        return "-".join(parts) + ".json"

    def to_dict(self) -> dict:
        """The `rank` record of a result document."""
        return {**asdict(self), "reads_node_energy": self.reads_node_energy}

    @classmethod
    def from_dict(cls, data: Mapping, where: str = "result") -> Rank:
        """A Rank from a result's `rank` record; a malformed one is InvalidInput naming where."""
        if not isinstance(data, Mapping):
            raise InvalidInput(f"{where}: its rank record is not an object")
        try:
            ints = {k: _int_field(data, k) for k in ("rank", "local_rank", "world_size")}
            node_index = data.get("node_index")
            if node_index is not None:
                node_index = _int_field(data, "node_index")
            node, job_id, launcher = (str(data[k]) for k in ("node", "job_id", "launcher"))
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInput(f"{where}: malformed rank record ({exc})") from None
        try:
            return cls(**ints, node=node, job_id=job_id, launcher=launcher, node_index=node_index)
        except InvalidInput as exc:
            raise InvalidInput(f"{where}: {exc}") from None


def _int_field(data: Mapping, key: str) -> int:
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{key} is {value!r}, not an integer")
    return value


def _host() -> str:
    return socket.gethostname().split(".")[0] or "localhost"


def _parse(env: Mapping[str, str], name: str, launcher: str) -> int:
    raw = env.get(name, "").strip()
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput(
            f"rank contract ({launcher}): {name}={raw!r} is not an integer"
        ) from None
    if value < 0:
        raise InvalidInput(f"rank contract ({launcher}): {name}={value} is negative")
    return value


def _launcher(env: Mapping[str, str]) -> str:
    for launcher, names in _SOURCES.items():
        if names[0] in env:
            return launcher
    return "alone"


def from_environ(env: Mapping[str, str] | None = None, host: Callable[[], str] = _host) -> Rank:
    """This process's Rank from its environment (see the module docstring for the order)."""
    env = os.environ if env is None else env
    launcher = _launcher(env)
    if launcher == "alone":
        return Rank(0, 0, 1, host(), "none", "alone")
    rank_var, local_var, world_var, node_var, job_var = _SOURCES[launcher]
    if world_var not in env:
        raise InvalidInput(f"rank contract ({launcher}): {rank_var} is set but {world_var} is not")
    rank = _parse(env, rank_var, launcher)
    local = _parse(env, local_var, launcher) if local_var in env else None
    if local is None:
        local = rank if launcher == "joulebench" else 0
    node_index = _parse(env, node_var, launcher) if node_var and node_var in env else None
    node = env.get(_NODE_VARS.get(launcher, "JOULEBENCH_NODE"), "").strip() or host()
    job_id = (env.get(job_var, "") if job_var else "").strip()
    job_id = job_id or ("local" if launcher == "joulebench" else launcher)
    world = _parse(env, world_var, launcher)
    return Rank(rank, local, world, node, job_id, launcher, node_index)


def current() -> Rank:
    """This process's Rank (validated: a bad contract is one-line InvalidInput)."""
    return from_environ(os.environ)
