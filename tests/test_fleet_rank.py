"""The rank contract: Slurm, torchrun, Kubernetes, joulebench's own variables, alone; devices."""

from __future__ import annotations

import pytest

from bench.errors import InvalidInput
from bench.fleet.place import meter_for, rank_device, result_name, stamp
from bench.fleet.rank import NODE_LEVEL_NOTE, Rank, from_environ

SLURM = {
    "SLURM_PROCID": "5",
    "SLURM_LOCALID": "1",
    "SLURM_NTASKS": "8",
    "SLURM_NODEID": "1",
    "SLURM_JOB_ID": "4242",
    "SLURMD_NODENAME": "gpu07",
}


def host() -> str:
    return "thishost"


def test_slurm_variables_give_rank_local_rank_world_node_and_job():
    rank = from_environ(SLURM, host)
    assert rank == Rank(5, 1, 8, "gpu07", "4242", "slurm", 1)
    assert not rank.reads_node_energy
    assert rank.file_name() == "4242-gpu07-rank5.json"


def test_file_name_pads_the_rank_to_the_world_size_and_cleans_names():
    rank = Rank(3, 3, 120, "node/../x y", "job 1", "slurm")
    assert rank.file_name() == "job-1-node-..-x-y-rank003.json"


def test_torchrun_variables():
    env = {"RANK": "2", "LOCAL_RANK": "0", "WORLD_SIZE": "4", "GROUP_RANK": "1"}
    env["TORCHELASTIC_RUN_ID"] = "run9"
    assert from_environ(env, host) == Rank(2, 0, 4, "thishost", "run9", "torchrun", 1)


def test_kubernetes_index_needs_the_documented_world_size():
    env = {"JOB_COMPLETION_INDEX": "3"}
    with pytest.raises(InvalidInput, match="JOULEBENCH_WORLD_SIZE"):
        from_environ(env, host)
    env |= {"JOULEBENCH_WORLD_SIZE": "4", "JOULEBENCH_NODE": "n1", "JOULEBENCH_JOB_ID": "jb"}
    assert from_environ(env, host) == Rank(3, 0, 4, "n1", "jb", "kubernetes")


def test_joulebench_variables_come_first_and_local_rank_defaults_to_rank():
    env = {**SLURM, "JOULEBENCH_RANK": "1", "JOULEBENCH_WORLD_SIZE": "2"}
    assert from_environ(env, host) == Rank(1, 1, 2, "thishost", "local", "joulebench")


def test_alone_without_any_launcher():
    rank = from_environ({"PATH": "/bin"}, host)
    assert (rank.rank, rank.world_size, rank.alone, rank.reads_node_energy) == (0, 1, True, True)
    assert result_name(rank) is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"SLURM_PROCID": "8"}, "rank 8 is not in 0..7"),
        ({"SLURM_PROCID": "-1"}, "SLURM_PROCID=-1 is negative"),
        ({"SLURM_PROCID": "two"}, "SLURM_PROCID='two' is not an integer"),
        ({"SLURM_NTASKS": "0"}, "world size 0 is not in 1..1000000"),
        ({"SLURM_NTASKS": "2000000"}, "world size 2000000 is not in 1..1000000"),
        ({"SLURM_LOCALID": "9"}, "local rank 9 is not in 0..7"),
        ({"SLURM_NTASKS": ""}, "SLURM_NTASKS='' is not an integer"),
    ],
)
def test_a_bad_contract_is_one_line_invalid_input(change, message):
    with pytest.raises(InvalidInput, match=message) as err:
        from_environ({**SLURM, **change}, host)
    assert "\n" not in str(err.value)


def test_a_rank_without_world_size_is_refused():
    with pytest.raises(InvalidInput, match="SLURM_PROCID is set but SLURM_NTASKS is not"):
        from_environ({"SLURM_PROCID": "0"}, host)


def test_rank_record_round_trips_and_a_bad_record_is_refused():
    rank = from_environ(SLURM, host)
    assert Rank.from_dict(rank.to_dict()) == rank
    with pytest.raises(InvalidInput, match="f.json: rank contract"):
        Rank.from_dict({**rank.to_dict(), "rank": 8}, "f.json")
    with pytest.raises(InvalidInput, match="malformed rank record"):
        Rank.from_dict({**rank.to_dict(), "rank": "5"}, "f.json")
    with pytest.raises(InvalidInput, match="malformed rank record"):
        Rank.from_dict({**rank.to_dict(), "rank": True}, "f.json")


def gpus(n: int):
    return lambda: n


@pytest.mark.parametrize(
    ("local", "visible", "count", "expected"),
    [
        (1, "3", 8, "cuda:0"),  # srun --gpus-per-task=1: one GPU bound to the task
        (1, "0,1,2,3", 8, "cuda:1"),  # the node's GPUs, one per local rank
        (1, None, 4, "cuda:1"),
        (1, None, 0, "cpu"),
        (1, "", 4, "cpu"),
        (1, "NoDevFiles", 4, "cpu"),
    ],
)
def test_a_rank_measures_its_local_ranks_gpu(local, visible, count, expected):
    rank = Rank(local, local, 2, "n", "j", "slurm")
    env = {} if visible is None else {"CUDA_VISIBLE_DEVICES": visible}
    assert rank_device(None, rank, env, gpus(count)) == expected
    assert rank_device("all", rank, env, gpus(count)) == expected
    assert rank_device("cpu", rank, env, gpus(count)) == "cpu"  # asked for: kept


def test_a_local_rank_beyond_the_gpus_is_refused():
    rank = Rank(4, 4, 8, "n", "j", "slurm")
    with pytest.raises(InvalidInput, match="local rank 4 has no GPU of its own"):
        rank_device(None, rank, {"CUDA_VISIBLE_DEVICES": "0,1"}, gpus(2))
    with pytest.raises(InvalidInput, match="this node has 2 GPU"):
        rank_device(None, rank, {}, gpus(2))


def test_alone_the_request_stands():
    alone = Rank(0, 0, 1, "n", "none", "alone")
    assert rank_device(None, alone, {"CUDA_VISIBLE_DEVICES": "3"}, gpus(1)) is None
    assert rank_device("all", alone, {}, gpus(4)) == "all"


class Cpu:
    kind = "cpu"
    id = "cpu"


def test_only_local_rank_0_reads_node_level_energy(monkeypatch):
    import bench.telemetry

    monkeypatch.setattr(bench.telemetry, "meter_for", lambda device, **kw: "rapl-meter")
    second = Rank(1, 1, 2, "n", "j", "slurm")
    meter = meter_for(Cpu(), second)
    assert meter.note == NODE_LEVEL_NOTE
    assert meter_for(Cpu(), Rank(0, 0, 2, "n", "j", "slurm")) == "rapl-meter"


def test_stamp_records_the_rank_and_each_entrys_energy_scope():
    doc = {"workloads": [{"device": {"kind": "cpu"}}, {"device": {"kind": "cuda"}}]}
    rank = Rank(1, 1, 2, "n", "j", "slurm")
    stamp(doc, rank)
    assert doc["rank"]["rank"] == 1 and doc["rank"]["reads_node_energy"] is False
    assert [e["energy_scope"] for e in doc["workloads"]] == ["node", "device"]
