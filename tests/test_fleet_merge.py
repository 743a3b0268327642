"""merge: the fleet arithmetic (totals recomputed here from the rank files) and every refusal."""

from __future__ import annotations

import json
import os
import re
import statistics
from pathlib import Path

import pytest

from bench import result as results
from bench.cli import cli
from bench.errors import InvalidInput, ResultError
from bench.fleet import Allow, Rank, merge_folder, read_any
from tests import result_fixtures as fx
from tests.conftest import _runner, assert_bad_input

GPU_A = {"id": "cuda:0", "kind": "cuda", "name": "NVIDIA H200", "energy_source": "nvml"}
GPU_B = {"id": "cuda:1", "kind": "cuda", "name": "NVIDIA H200", "energy_source": "nvml"}
CPU = {"id": "cpu", "kind": "cpu", "name": "Test CPU", "energy_source": "rapl"}
# (rank, local rank, node, gpu, decode tokens/s, decode W, cpu hashes/s, cpu W or None)
LAYOUT = [
    (0, 0, "a", GPU_A, 2400.0, 600.0, 2.0e7, 150.0),
    (1, 1, "a", GPU_B, 2300.0, 620.0, 1.9e7, 150.0),  # reads the node again (a buggy rank)
    (2, 0, "b", GPU_A, 2500.0, 590.0, 2.1e7, 140.0),
    (3, 1, "b", GPU_B, 1800.0, 640.0, 2.0e7, None),  # left to local rank 0, as it should
]


def rank_doc(rank: int, local: int, node: str, gpu, tok, tok_w, hs, hs_w, job="77", world=4):
    decode = fx.entry("llm-decode", "token", "ai", tok, tok_w, usd_per_j=2.4e-7, device=gpu)
    mining = fx.entry("sha256d", "hash", "mining", hs, hs_w, usd_per_j=5.0e-12, device=CPU)
    doc = results.build_result(fx.ENVIRONMENT, fx.SCENARIO, [decode, mining])
    doc["rank"] = Rank(rank, local, world, node, job, "slurm").to_dict()
    return doc


def write_ranks(folder: Path, layout=LAYOUT, **kw) -> list[Path]:
    paths = []
    for rank, local, node, *figures in layout:
        doc = rank_doc(rank, local, node, *figures, **kw)
        name = Rank.from_dict(doc["rank"]).file_name()
        paths.append(results.write_result(doc, folder, name))
    return paths


def stat(entry: dict, key: str):
    value = entry["summary"][key]
    return value.get("median")


def test_totals_are_the_sums_of_the_ranks_with_node_energy_once(tmp_path):
    paths = write_ranks(tmp_path)
    fleet = merge_folder(tmp_path)
    files = [json.loads(p.read_text()) for p in paths]
    by = {(d["rank"]["rank"], e["workload"]["name"]): e for d in files for e in d["workloads"]}
    decode = [by[(r, "llm-decode")] for r in range(4)]
    mining = [by[(r, "sha256d")] for r in range(4)]
    total = fleet["totals"]["llm-decode"]
    assert total["units_per_s"] == sum(stat(e, "units_per_s") for e in decode)
    assert total["power_w"] == sum(stat(e, "power_w") for e in decode)
    assert total["energy_j"] == sum(w["energy_j"] for e in decode for w in e["windows"])
    assert total["usd_per_day"] == sum(e["economics"]["usd_per_day"] for e in decode)
    cpu = fleet["totals"]["sha256d"]
    assert cpu["units_per_s"] == sum(stat(e, "units_per_s") for e in mining)
    # node a: rank 0's 150 W, not rank 1's copy of it; node b: rank 2's 140 W
    assert cpu["power_w"] == 150.0 + 140.0
    assert cpu["energy_j"] == 3 * 5.0 * 150.0 + 3 * 5.0 * 140.0
    assert fleet["nodes"]["a"]["node_energy_rank"] == 0
    assert fleet["nodes"]["b"]["workloads"]["sha256d"]["power_w"] == 140.0
    # revenue follows the throughput: rank 3's CPU revenue is unmeasured, so is the total
    assert "rank 3 on b" in cpu["usd_per_day"]["unmeasured"]


def test_spread_per_card_model_names_the_outlier(tmp_path):
    write_ranks(tmp_path)
    spread = merge_folder(tmp_path)["spread"]["llm-decode"]["NVIDIA H200"]
    j = [600.0 / 2400.0, 620.0 / 2300.0, 590.0 / 2500.0, 640.0 / 1800.0]
    mid = statistics.median(j)
    got = spread["j_per_unit"]
    assert got["n"] == 4 and got["median"] == pytest.approx(mid, rel=1e-12, abs=0)
    assert (got["min"], got["max"]) == (min(j), max(j))
    assert got["outlier"]["rank"] == 3 and got["outlier"]["node"] == "b"
    assert got["outlier"]["rel_from_median"] == pytest.approx((j[3] - mid) / mid, rel=1e-12, abs=0)
    rates = spread["units_per_s"]
    assert rates["outlier"]["rank"] == 3 and rates["median"] == 2350.0


def test_a_fleet_reads_as_one_result_for_report_and_compare(tmp_path):
    write_ranks(tmp_path)
    out = tmp_path / "fleet.json"
    result = _runner().invoke(cli, ["merge", str(tmp_path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    doc = read_any(out)
    assert len(doc["workloads"]) == 8
    assert {e["fleet_rank"]["rank"] for e in doc["workloads"]} == {0, 1, 2, 3}
    again = _runner().invoke(cli, ["merge", str(tmp_path), "--json"])  # skips fleet.json
    assert again.exit_code == 0 and json.loads(again.stdout)["world_size"] == 4


def refused(args: list[str], match: str, out: Path | None = None) -> None:
    result = _runner().invoke(cli, ["merge", *args] + (["--out", str(out)] if out else []))
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert match in result.stderr and len(result.stderr.strip().splitlines()) == 1
    if out is not None:
        assert not out.exists()


def test_an_empty_folder_is_refused(tmp_path):
    refused([str(tmp_path)], "no rank results", tmp_path / "f.json")


def test_files_from_another_job_are_refused_unless_allowed(tmp_path):
    write_ranks(tmp_path, LAYOUT[:2])
    write_ranks(tmp_path, LAYOUT[2:], job="78")
    refused([str(tmp_path)], "differ in job id", tmp_path / "f.json")
    fleet = merge_folder(tmp_path, Allow(mixed_jobs=True))
    assert "differ in job id" in fleet["notices"][0]


def test_a_truncated_file_is_refused(tmp_path):
    paths = write_ranks(tmp_path)
    paths[1].write_text(paths[1].read_text()[:200])
    refused([str(tmp_path)], "is not JSON", tmp_path / "f.json")


def test_missing_ranks_are_named(tmp_path):
    write_ranks(tmp_path, [LAYOUT[0], LAYOUT[3]])
    refused([str(tmp_path)], "missing rank(s) 1-2 of world size 4", tmp_path / "f.json")
    assert merge_folder(tmp_path, Allow(missing=True))["missing_ranks"] == [1, 2]


def test_a_rank_beyond_the_world_size_is_refused(tmp_path):
    path = write_ranks(tmp_path, LAYOUT[:1])[0]
    doc = json.loads(path.read_text())
    doc["rank"]["rank"] = 4
    path.write_text(json.dumps(doc))
    refused([str(tmp_path)], "rank 4 is not in 0..3", tmp_path / "f.json")


def test_mixed_scenarios_and_schema_versions_are_refused(tmp_path):
    paths = write_ranks(tmp_path)
    doc = json.loads(paths[2].read_text())
    doc["scenario"]["name"] = "another"
    paths[2].write_text(json.dumps(doc))
    refused([str(tmp_path)], "differ in scenario", tmp_path / "f.json")
    assert merge_folder(tmp_path, Allow(mixed_scenarios=True))["notices"]
    doc["scenario"]["name"] = fx.SCENARIO["name"]
    doc["upgraded_from"] = 1
    paths[2].write_text(json.dumps(doc))
    refused([str(tmp_path)], "differ in schema version", tmp_path / "f.json")


def test_a_duplicate_rank_and_a_result_without_rank_are_refused(tmp_path):
    write_ranks(tmp_path)
    write_ranks(tmp_path, LAYOUT[:1])  # the same rank again, under a free name
    refused([str(tmp_path)], "rank 0 appears twice", tmp_path / "f.json")
    alone = tmp_path / "alone"
    results.write_result(fx.gpu_doc(), alone)
    refused([str(alone)], "has no rank record")


def test_not_a_folder_and_not_a_fleet(tmp_path):
    refused([str(tmp_path / "nowhere")], "is not a folder")
    with pytest.raises(InvalidInput):
        merge_folder(tmp_path / "nowhere")
    (tmp_path / "x.json").write_text("{}")
    with pytest.raises(ResultError):
        read_any(tmp_path / "x.json")


def test_ranks_that_disagree_on_the_world_size_are_refused(tmp_path):
    write_ranks(tmp_path, LAYOUT[:2])
    write_ranks(tmp_path, LAYOUT[2:], world=5)
    refused([str(tmp_path)], "disagree on the world size ([4, 5])", tmp_path / "f.json")


def test_the_output_is_never_one_of_the_rank_files(tmp_path):
    paths = write_ranks(tmp_path)
    before = paths[2].read_bytes()
    result = _runner().invoke(cli, ["merge", str(tmp_path), "--out", str(paths[2])])
    assert result.exit_code == 2 and result.stdout == ""
    assert "is an input of this command" in result.stderr
    assert paths[2].read_bytes() == before  # the rank's measurement is untouched


def test_a_fifo_named_like_a_result_is_refused_without_blocking(tmp_path):
    write_ranks(tmp_path)
    os.mkfifo(tmp_path / "zz-not-a-file.json")  # reading it would block forever
    refused([str(tmp_path)], "zz-not-a-file.json: a FIFO", tmp_path / "f.json")


def merged(folder: Path) -> Path:
    """A fleet document from a real merge of the four ranks, outside the ranks' folder."""
    write_ranks(folder / "ranks")
    out = folder / "fleet.json"
    result = _runner().invoke(cli, ["merge", str(folder / "ranks"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def _set(doc: dict, path: str, value) -> None:
    *parents, last = [int(k) if k.isdigit() else k for k in path.split("/")]
    for key in parents:
        doc = doc[key]
    if value is KeyError:
        del doc[last]
    else:
        doc[last] = value


@pytest.mark.parametrize(
    ("path", "value", "named"),
    [
        ("notices", None, "at notices: expected an array"),
        ("notices", ["ok", 5], "at notices/1: expected a string"),
        ("scenario", "x", "at scenario: expected an object"),
        ("scenario/name", "", "at scenario/name"),
        ("totals", [], "at totals: expected an object"),
        ("totals/sha256d", 5, "at totals/sha256d: expected an object"),
        ("totals/sha256d/ranks", None, "at totals/sha256d/ranks: expected an array"),
        ("totals/sha256d/ranks/0", "x", "at totals/sha256d/ranks/0: expected an integer"),
        ("totals/sha256d/unit", KeyError, "at totals/sha256d: missing key 'unit'"),
        ("totals/sha256d/power_w", "x", "at totals/sha256d/power_w: expected a number"),
        ("totals/sha256d/power_w", {}, "at totals/sha256d/power_w: expected a number or"),
        ("totals/sha256d/usd_per_day", {"unmeasured": 5}, "usd_per_day/unmeasured"),
        ("spread/sha256d", [], "at spread/sha256d: expected an object"),
        ("fleet_version", "1", "at fleet_version: expected an integer"),
        ("fleet_version", 2, "newer than this joulebench reads"),
        ("job_id", None, "at job_id: expected a string"),
        ("results", [], "at results: no rank results"),
        ("results", {}, "at results: expected an array"),
        ("results/1", 5, "results/1 is not a joulebench result"),
        ("results/0/workloads/0/device/extra", "x", "results/0: at workloads/0/device/extra"),
        ("results/0/workloads/0/device/extra", [], "results/0: at workloads/0/device/extra"),
        ("results/0/workloads/0/windows", None, "results/0: result does not match schema"),
        ("results/2/rank", KeyError, "results/2: its rank record is not an object"),
        ("results/2/rank/rank", "x", "results/2: result does not match schema v2 at rank/rank"),
        ("results/2/rank/node", KeyError, "results/2: malformed rank record"),
        ("results/2/rank/rank", 9, "results/2: rank contract (slurm): rank 9 is not in 0..3"),
    ],
)
def test_a_malformed_fleet_document_is_one_line_for_report_and_compare(
    tmp_path, run_cli, path, value, named
):
    good = merged(tmp_path)
    doc = json.loads(good.read_text())
    _set(doc, path, value)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    for args in (
        ["report", bad],
        ["report", bad, "--json"],
        ["report", bad, "--html", tmp_path / "r.html"],
        ["compare", good, bad],
        ["compare", bad, good, "--fail-if-slower", "5"],
    ):
        res = run_cli(*args)
        assert_bad_input(res)
        assert f"{bad}" in res.stderr and named in res.stderr, res.stderr
    assert not (tmp_path / "r.html").exists()
    with pytest.raises(ResultError, match=re.escape(named)):
        read_any(bad)


def test_the_fleet_of_a_real_merge_reads_for_report_and_compare(tmp_path, run_cli):
    good = merged(tmp_path)
    assert run_cli("report", good).exit_code == 0
    assert run_cli("compare", good, good).exit_code == 0
    gate = run_cli("compare", good, good, "--fail-if-slower", "5")
    assert gate.exit_code in (0, 1) and gate.stderr == ""
    doc = json.loads(good.read_text())
    doc["results"][0]["workloads"][0]["device"]["extra"] = None  # as a result file may have
    good.write_text(json.dumps(doc))
    table = run_cli("report", good)
    assert table.exit_code == 0 and "cuda:0 [a rank 0]" in table.stdout


def test_a_rank_twice_in_one_job_is_refused_whatever_is_allowed(tmp_path):
    paths = write_ranks(tmp_path, LAYOUT[:2], world=2)
    (tmp_path / "dup.json").write_bytes(paths[0].read_bytes())
    everything = [
        "--allow-mixed-jobs",
        "--allow-mixed-scenarios",
        "--allow-mixed-schemas",
        "--allow-missing",
    ]
    for flags in ([], ["--allow-mixed-jobs"], everything):
        refused([str(tmp_path), *flags], "rank 0 appears twice", tmp_path / "f.json")
        assert not (tmp_path / "fleet.json").exists()
    with pytest.raises(InvalidInput, match="rank 0 appears twice"):
        merge_folder(tmp_path, Allow(mixed_jobs=True, missing=True))


def test_the_same_rank_of_two_jobs_merges_when_mixed_jobs_are_allowed(tmp_path):
    write_ranks(tmp_path, LAYOUT[:2], world=2)
    write_ranks(tmp_path, LAYOUT[:2], job="78", world=2)
    fleet = merge_folder(tmp_path, Allow(mixed_jobs=True))
    assert len(fleet["results"]) == 4 and "differ in job id" in fleet["notices"][0]
    (tmp_path / "dup.json").write_bytes((tmp_path / "78-a-rank1.json").read_bytes())
    refused([str(tmp_path), "--allow-mixed-jobs"], "rank 1 of job 78 appears twice")
