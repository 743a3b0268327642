"""Beyond one machine: the rank contract (Slurm, torchrun, Kubernetes index, local) and merge.

`bench.fleet.rank` says which rank a process is; `bench.fleet.place` which device it measures,
which meter it may read and its result's name; `bench.fleet.merge` and `bench.fleet.document`
join the ranks' results into one fleet document; `bench.fleet.view` lets the report and compare
layers read a fleet document as one result; `bench.fleet.local` launches the ranks of
`--device all` on this machine, handing each rank the plan as data (`bench.fleet.planfile`);
`bench.fleet.slurm` writes an sbatch script.
"""

from bench.fleet import local
from bench.fleet.document import FLEET_FORMAT, FLEET_VERSION, build_fleet
from bench.fleet.merge import Allow, merge_folder
from bench.fleet.place import meter_for, rank_device, result_name, stamp
from bench.fleet.rank import NODE_LEVEL_NOTE, Rank, current, from_environ
from bench.fleet.view import as_result, is_fleet, load_fleet, read_any, write_fleet

__all__ = [
    "FLEET_FORMAT",
    "FLEET_VERSION",
    "NODE_LEVEL_NOTE",
    "Allow",
    "Rank",
    "as_result",
    "build_fleet",
    "current",
    "from_environ",
    "local",
    "is_fleet",
    "load_fleet",
    "merge_folder",
    "meter_for",
    "rank_device",
    "read_any",
    "result_name",
    "stamp",
    "write_fleet",
]
