"""The result document: schema, golden file, atomic writes, and clear errors for bad files."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import os
import stat
from pathlib import Path

import jsonschema
import pytest
from conftest import assert_bad_input
from result_fixtures import cpu_doc, gpu_doc

from bench import result as results
from bench.devices import Device
from bench.errors import ResultError
from bench.result import check
from bench.result.model import Result, load_result
from bench.result.status import Failure, Status
from bench.stats import Unmeasured

GOLDEN_V1 = Path(__file__).parent / "golden" / "result-v1.json"


def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(results.schema())


def _one_line_error(exc_info) -> str:
    message = str(exc_info.value)
    assert "\n" not in message
    return message


# --- schema ------------------------------------------------------------------------------


def test_schema_file_is_a_valid_draft_2020_12_schema():
    schema = results.schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("make", [gpu_doc, cpu_doc])
def test_built_documents_match_the_schema(make):
    doc = make()
    _validator().validate(doc)
    assert doc["format"] == "joulebench-result"
    assert doc["schema_version"] == results.SCHEMA_VERSION == 2
    assert doc["status"] == {"state": "complete", "failed": [], "not_reached": []}
    assert doc["environment"]["ended_utc"] is not None


def test_real_environment_matches_the_schema():
    device = Device(id="cpu", kind="cpu", name="test cpu", energy_note="no RAPL")
    env = results.collect_environment([device])
    doc = results.build_result(env, gpu_doc()["scenario"], gpu_doc()["workloads"])
    _validator().validate(doc)
    for key in ("torch", "cupy", "nvidia-ml-py"):
        assert env["packages"][key]  # a version, or "absent"; never empty
    assert env["devices"][0]["id"] == "cpu"


def test_unmeasured_energy_cannot_hide_as_a_number():
    doc = cpu_doc()
    doc["workloads"][0]["summary"]["power_w"] = {"unmeasured": ""}
    assert not _validator().is_valid(doc)  # an unmeasured figure must say why


@pytest.mark.parametrize(
    "path, value",
    [
        (("workloads", 0, "device", "id"), "gpu0"),
        (("workloads", 0, "energy_source"), "guessed"),
        (("workloads", 0, "summary", "units_per_s", "median"), "fast"),
        (("environment", "started_utc"), "yesterday"),
        (("schema_version",), 0),
    ],
)
def test_schema_rejects_wrong_values(path, value):
    doc = gpu_doc()
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    assert not _validator().is_valid(doc)
    with pytest.raises(ResultError):
        results.validate(doc)


def test_absent_packages_read_absent():
    assert results.package_version(["no-such-package-joulebench-test"]) == "absent"


def test_absent_nvidia_smi_reads_absent(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    assert results.nvidia_versions() == {"driver": "absent", "cuda_driver": "absent"}


def test_kernel_hash_covers_names_and_bytes(tmp_path):
    (tmp_path / "a.c").write_bytes(b"int a;")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.h").write_bytes(b"#define B 1")
    expected = hashlib.sha256(b"a.c\0int a;\0sub/b.h\0#define B 1\0").hexdigest()
    assert results.kernel_sources_hash(tmp_path) == {
        "sha256": expected,
        "files": 2,
        "root": tmp_path.name,
    }
    (tmp_path / "a.c").write_bytes(b"int a = 1;")
    assert results.kernel_sources_hash(tmp_path)["sha256"] != expected


# --- golden files ------------------------------------------------------------------------


def test_golden_v1_keeps_loading():
    doc = results.read_result(GOLDEN_V1)
    assert doc["schema_version"] == 2 and doc["upgraded_from"] == 1
    assert [w["workload"]["name"] for w in doc["workloads"]] == ["sha256d", "llm-decode"]
    assert doc["workloads"][0]["summary"]["units_per_s"]["median"] == 7.3e9
    assert doc["workloads"][1]["summary"]["j_per_unit"]["median"] == 0.25
    assert doc["scenario"]["name"] == "late-2025"
    _validator().validate(doc)


def test_older_versions_are_upgraded_on_load(monkeypatch, tmp_path):
    def v2_to_v3(doc: dict) -> dict:
        doc["new_key"] = "added by v3"
        return doc

    monkeypatch.setattr(results.document, "SCHEMA_VERSION", 3)
    monkeypatch.setattr(results.document, "_UPGRADES", {**results.document._UPGRADES, 2: v2_to_v3})
    original = GOLDEN_V1.read_text()
    doc = results.read_result(GOLDEN_V1)
    assert doc["schema_version"] == 3
    assert doc["upgraded_from"] == 1
    assert doc["new_key"] == "added by v3"
    assert doc["status"]["state"] == "complete"  # the v1 -> v2 step ran on the way
    assert GOLDEN_V1.read_text() == original  # the file on disk is never rewritten


def test_changes_list_documents_every_version():
    assert [v for v, _ in results.CHANGES] == list(range(1, results.SCHEMA_VERSION + 1))


# --- writing -----------------------------------------------------------------------------


def test_write_then_read_round_trips(tmp_path):
    doc = gpu_doc()
    path = results.write_result(doc, tmp_path)
    assert path.parent == tmp_path
    assert path.name.startswith("20260102T030405Z-testhost-cuda0")
    assert results.read_result(path) == json.loads(json.dumps(doc))


def test_write_never_overwrites_an_earlier_result(tmp_path):
    first = results.write_result(gpu_doc(), tmp_path)
    second = results.write_result(gpu_doc(), tmp_path)
    assert first != second and first.exists() and second.exists()


def test_serialisation_failure_midway_leaves_no_file(tmp_path):
    doc = gpu_doc()
    doc["workloads"][1]["summary"]["units_per_s"]["mean"] = float("nan")  # fails late in dump
    with pytest.raises(ResultError) as exc_info:
        results.write_result(doc, tmp_path)
    assert "cannot serialise" in _one_line_error(exc_info)
    assert list(tmp_path.iterdir()) == []


def test_interrupt_while_writing_leaves_no_file(tmp_path, monkeypatch):
    def half_then_interrupt(doc, fh, **kwargs):
        fh.write('{"format": "joulebench-result", "schema_')
        raise KeyboardInterrupt

    monkeypatch.setattr(results.io.json, "dump", half_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        results.write_result(gpu_doc(), tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_invalid_document_is_refused_before_writing(tmp_path):
    doc = gpu_doc()
    del doc["workloads"][0]["summary"]
    with pytest.raises(ResultError) as exc_info:
        results.write_result(doc, tmp_path / "out")
    assert "workloads/0" in _one_line_error(exc_info)
    assert not (tmp_path / "out").exists()


def test_unwritable_folder_is_a_result_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(ResultError) as exc_info:
        results.write_result(gpu_doc(), blocker / "results")
    assert "cannot create result folder" in _one_line_error(exc_info)


# --- reading bad files -------------------------------------------------------------------


def _write(tmp_path: Path, content: str | bytes) -> Path:
    path = tmp_path / "result.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


def _golden_with(**changes) -> str:
    doc = json.loads(GOLDEN_V1.read_text())
    doc.update(changes)
    return json.dumps(doc)


@pytest.mark.parametrize(
    "content, expected",
    [
        ("{not json", "is not JSON"),
        (b"\xff\xfe\x00garbage", "cannot read result file"),
        ("[1, 2, 3]", "not a joulebench result"),
        ('{"schema_version": 1}', "not a joulebench result"),
        (_golden_with(schema_version=99), "newer than this joulebench reads"),
        (_golden_with(schema_version="1"), "invalid schema_version"),
        (_golden_with(schema_version=0), "invalid schema_version"),
        (_golden_with(workloads="none"), "does not match schema"),
    ],
)
def test_bad_files_are_one_line_result_errors(tmp_path, content, expected):
    with pytest.raises(ResultError) as exc_info:
        results.read_result(_write(tmp_path, content))
    assert expected in _one_line_error(exc_info)


def test_missing_file_is_a_result_error(tmp_path):
    with pytest.raises(ResultError) as exc_info:
        results.read_result(tmp_path / "nope.json")
    assert "not found" in _one_line_error(exc_info)


def test_folder_instead_of_file_is_a_result_error(tmp_path):
    with pytest.raises(ResultError) as exc_info:
        results.read_result(tmp_path)
    assert "cannot read result file" in _one_line_error(exc_info)


def test_validate_without_jsonschema_checks_the_outline(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_jsonschema(name, *args, **kwargs):
        if name == "jsonschema":
            raise ImportError("hidden for the test")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_jsonschema)
    results.validate(gpu_doc())
    broken = copy.deepcopy(gpu_doc())
    del broken["workloads"]
    with pytest.raises(ResultError):
        results.validate(broken)


def test_written_files_follow_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        path = results.write_result(gpu_doc(), tmp_path)
        page = results.atomic_write_text(tmp_path / "report.html", "<html></html>")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644  # readable by others, like any file
    assert stat.S_IMODE(page.stat().st_mode) == 0o644
    assert page.read_text() == "<html></html>\n"


def test_one_window_stat_and_idle_timing_match_the_schema():
    from bench.measure.records import Idle
    from bench.stats import Stat

    doc = gpu_doc()
    entry = doc["workloads"][0]
    entry["summary"]["units_per_s"] = Stat((7.0e9,), "hash/s").to_dict()
    assert entry["summary"]["units_per_s"]["rel_spread"] is None  # one window: no spread
    idle = Idle(
        61.5, "nvml-counter", measured="before verify", settled=True, seconds=4.0, span_s=3.0
    )
    entry["idle"] = idle.to_dict()
    assert entry["idle"] == {
        "power_w": 61.5,
        "source": "nvml-counter",
        "measured": "before verify",
        "settled": True,
        "seconds": 4.0,
        "span_s": 3.0,
    }
    _validator().validate(doc)
    entry["summary"]["units_per_s"]["rel_spread"] = -0.1
    assert not _validator().is_valid(doc)


# --- the typed result: one place a document becomes an object -----------------------------

GOLDEN_V2 = Path(__file__).parent / "golden" / "result-v2.json"


def _golden(path: Path = GOLDEN_V2) -> dict:
    return json.loads(path.read_text())


def test_golden_v2_round_trips_exactly():
    doc = _golden()
    assert Result.from_dict(doc).to_dict() == doc


def test_golden_v1_upgrades_to_v2_with_exactly_the_new_fields():
    v1 = _golden(GOLDEN_V1)
    upgraded = Result.from_dict(v1, "v1").to_dict()
    expected = {
        **v1,
        "schema_version": 2,
        "upgraded_from": 1,
        "status": {"state": "complete", "failed": [], "not_reached": []},
    }
    assert upgraded == expected
    assert Result.from_dict(upgraded).to_dict() == upgraded  # and round trips after upgrade
    assert v1["schema_version"] == 1 and "status" not in v1  # the input is not edited


def test_a_v1_file_with_a_failed_workload_upgrades_to_a_partial_status():
    v1 = _golden(GOLDEN_V1)
    v1["warnings"] = [
        "cuda:0: power limit 700 W, no throttling seen",
        "bert on cuda:0 not measured: VerificationFailed: logits differ by 0.3",
        "cuda:1: measuring process failed (status 1)",
    ]
    status = Result.from_dict(v1).status
    assert status == Status(
        "partial",
        (
            Failure("bert", "cuda:0", "VerificationFailed: logits differ by 0.3"),
            Failure("*", "cuda:1", "measuring process failed (status 1)"),
        ),
    )
    assert not status.complete


def test_statistics_read_through_one_accessor():
    result = Result.from_dict(_golden())
    mining = result.entry("sha256d")
    assert mining.median("units_per_s") == 7.3e9
    # (max - min) / median of 7.29e9, 7.30e9, 7.31e9, in percent
    assert mining.spread_pct("units_per_s") == pytest.approx(0.02e9 / 7.3e9 * 100, rel=1e-12)
    assert mining.stat("power_w").n == 3 and mining.device.id == "cuda:0"
    cpu = result.entry("llm-decode", device="cpu")
    assert cpu.median("units_per_s") == 35.0
    assert cpu.spread_pct("units_per_s") is None  # one window: no spread, not 0
    assert cpu.economics.basis == "per-token"
    # 35 token/s sold at 0.065 USD per million tokens, drawing 50 W: USD per joule
    assert cpu.economics.value("usd_per_j") == pytest.approx(35 * 0.065e-6 / 50, rel=1e-12, abs=0)
    assert cpu.measurement.idle.settled is True and cpu.measurement.idle.span_s == 3.0
    assert cpu.measurement.warmup.rates_per_s == (33.0, 35.0)
    assert result.devices == ("cuda:0", "cpu")
    assert result.status.failed[0].workload == "resnet50"


def test_unmeasured_energy_reads_as_unmeasured_with_its_reason():
    entry = Result.from_dict(cpu_doc()).workloads[0]
    power = entry.stat("power_w")
    assert isinstance(power, Unmeasured) and "RAPL not readable" in power.reason
    assert entry.median("power_w") is None and entry.spread_pct("j_per_unit") is None
    assert entry.median("no_such_figure") is None
    assert entry.economics.basis == "unmeasured" and entry.economics.value("usd_per_j") is None


def test_a_result_is_frozen():
    result = Result.from_dict(_golden())
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.warnings = ()
    with pytest.raises(TypeError):
        result.workloads[0].workload["name"] = "other"  # read-only mapping


def _set(doc: dict, path: tuple, value) -> dict:
    target = doc
    for key in path[:-1]:
        target = target[key]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return doc


_DELETE = object()
_W0 = ("workloads", 0)

MALFORMED = [
    # (where, value, a fragment the one-line message must hold)
    ((*_W0, "windows", 1, "energy_j"), float("nan"), "workloads/0/windows/1/energy_j"),
    ((*_W0, "summary", "power_w", "median"), float("inf"), "workloads/0/summary/power_w/median"),
    ((*_W0, "power_trace", "t_s"), [0.0, 0.5], "workloads/0/power_trace"),
    ((*_W0, "power_trace", "power_w", 2), -5.0, "workloads/0/power_trace"),
    ((*_W0, "windows", 0, "units"), -1.0, "workloads/0/windows/0/units"),
    ((*_W0, "windows", 0, "energy_j"), -3.0, "workloads/0/windows/0/energy_j"),
    ((*_W0, "windows", 0, "elapsed_s"), 0.0, "workloads/0/windows/0/elapsed_s"),
    ((*_W0, "windows", 0, "units"), "many", "workloads/0/windows/0/units"),
    ((*_W0, "windows", 0, "units"), True, "workloads/0/windows/0/units"),
    ((*_W0, "windows", 0, "units"), 10**400, "workloads/0/windows/0/units"),
    ((*_W0, "economics", "usd_per_day"), -(10**400), "workloads/0/economics/usd_per_day"),
    ((*_W0, "summary", "units_per_s"), _DELETE, "workloads/0/summary"),
    ((*_W0, "summary", "units_per_s", "n"), 0, "workloads/0/summary/units_per_s/n"),
    ((*_W0, "summary", "units_per_s", "rel_spread"), -0.1, "units_per_s/rel_spread"),
    ((*_W0, "summary", "power_w", "min"), -1.0, "workloads/0/summary/power_w"),
    ((*_W0, "energy_source"), "guessed", "workloads/0/energy_source"),
    ((*_W0, "device", "kind"), "tpu", "workloads/0/device"),
    ((*_W0, "device"), _DELETE, "workloads/0"),
    ((*_W0, "idle", "power_w"), -1.0, "workloads/0/idle"),
    ((*_W0, "idle"), {"unmeasured": ""}, "workloads/0/idle"),
    (("workloads",), {"0": {}}, "workloads"),
    (("warnings", 0), 42, "warnings/0"),
    (("status", "state"), "done", "status"),
    (("status",), _DELETE, "status"),
    (("status", "failed", 0, "reason"), "", "status/failed/0/reason"),
    (("scenario",), [], "scenario"),
]


@pytest.mark.parametrize("with_schema", [True, False], ids=["schema", "typed-only"])
@pytest.mark.parametrize("path, value, where", MALFORMED)
def test_a_malformed_document_is_one_result_error_naming_where(
    path, value, where, with_schema, monkeypatch
):
    if not with_schema:  # the typed reader alone must catch it (jsonschema is a test extra)
        monkeypatch.setattr(results.document, "validate", results.document._check_outline)
    doc = _set(_golden(), path, value)
    with pytest.raises(ResultError) as exc_info:
        Result.from_dict(doc, "bad.json")
    message = _one_line_error(exc_info)
    assert message.startswith("bad.json")
    assert where in message


def test_a_complete_status_listing_failures_is_refused():
    doc = _golden()
    doc["status"]["state"] = "complete"
    with pytest.raises(ResultError) as exc_info:
        Result.from_dict(doc, "x.json")
    assert "complete run lists failed" in _one_line_error(exc_info)


def test_a_median_outside_its_range_is_refused():
    doc = _set(_golden(), (*_W0, "summary", "power_w", "median"), 900.0)  # max is 651
    with pytest.raises(ResultError) as exc_info:
        Result.from_dict(doc)
    assert "outside [min 649, max 651]" in _one_line_error(exc_info)


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_a_crafted_non_finite_file_is_refused_with_one_error(tmp_path, constant):
    text = GOLDEN_V2.read_text().replace('"energy_j": 3250.0', f'"energy_j": {constant}', 1)
    assert constant in text
    path = _write(tmp_path, text)
    with pytest.raises(ResultError) as exc_info:
        results.read_result(path)
    _one_line_error(exc_info)
    with pytest.raises(ResultError) as exc_info:
        load_result(path)
    _one_line_error(exc_info)
    # and the same document already parsed (json.loads accepts NaN) is refused by from_dict
    with pytest.raises(ResultError) as exc_info:
        Result.from_dict(json.loads(text), "crafted.json")
    assert "workloads/0/windows/2/energy_j" in _one_line_error(exc_info)


def test_a_mismatched_power_trace_file_is_refused(tmp_path):
    doc = _golden()
    doc["workloads"][1]["power_trace"]["power_w"].pop()
    with pytest.raises(ResultError) as exc_info:
        load_result(_write(tmp_path, json.dumps(doc)))
    message = _one_line_error(exc_info)
    assert "workloads/1/power_trace" in message
    with pytest.raises(ResultError) as exc_info:  # the typed reader alone says it plainly
        Result._read(check.Node(doc))
    assert "t_s has 8 samples but power_w has 7" in _one_line_error(exc_info)


def test_load_result_reads_the_committed_v1_reference_result():
    path = Path(__file__).parent.parent / "results" / "20261129T022822Z-vm-cpu.json"
    result = load_result(path)
    assert result.upgraded_from == 1 and result.status.complete
    assert [e.device.id for e in result.workloads] == ["cpu"] * len(result.workloads)
    assert all(isinstance(e.stat("power_w"), Unmeasured) for e in result.workloads)
    raw = json.loads(path.read_text())["workloads"][0]["summary"]["units_per_s"]["median"]
    assert result.workloads[0].median("units_per_s") == raw


def test_built_documents_read_back_as_results():
    doc = gpu_doc()
    result = Result.from_dict(doc)
    assert result.to_dict() == doc
    assert result.scenario_name == "test-scenario"
    assert result.entry("llm-decode").economics.value("usd_per_j") == 2.4e-7


def test_a_hostile_deeply_nested_document_is_one_result_error():
    doc = _golden()
    deep: list = []
    for _ in range(5000):  # deeper than Python's recursion limit
        deep = [deep]
    doc["extra_key"] = deep
    with pytest.raises(ResultError) as exc_info:
        Result.from_dict(doc, "deep.json")
    assert "nested too deeply" in _one_line_error(exc_info)


def test_unknown_keys_are_kept_for_writing_back():
    doc = _golden()
    doc["added_by_a_newer_minor"] = {"x": 1}
    doc["workloads"][0]["windows"][0]["fan_rpm"] = 2400
    assert Result.from_dict(doc).to_dict() == doc


# --- the command line reads version-1 files ----------------------------------------------

VM_CPU = Path(__file__).parent.parent / "results" / "20261129T022822Z-vm-cpu.json"


@pytest.mark.parametrize("path", [GOLDEN_V1, VM_CPU], ids=["golden-v1", "vm-cpu-v1"])
def test_report_json_of_a_v1_file_is_the_upgraded_document(run_cli, path):
    res = run_cli("report", path, "--json")
    assert res.exit_code == 0, res.stderr
    out = json.loads(res.stdout)
    assert out == Result.from_dict(json.loads(path.read_text())).to_dict()
    assert out["schema_version"] == 2 and out["upgraded_from"] == 1


def test_compare_reads_a_v1_and_a_v2_file(run_cli):
    res = run_cli("compare", GOLDEN_V1, GOLDEN_V2, VM_CPU)
    assert res.exit_code == 0, res.stderr
    assert "sha256d" in res.stdout and "llm-decode" in res.stdout


def test_report_of_a_malformed_file_is_bad_input(run_cli, tmp_path):
    doc = _golden()
    doc["workloads"][0]["power_trace"]["t_s"].pop()
    res = run_cli("report", _write(tmp_path, json.dumps(doc)))
    assert_bad_input(res)
    assert "workloads/0/power_trace" in res.stderr
    assert not list(tmp_path.glob("*.html"))


@pytest.mark.parametrize(
    ("where", "bad"),
    [
        ("windows", lambda e: e["windows"][-1].__setitem__("units", "lots")),
        ("windows", lambda e: e["windows"][-1].__setitem__("elapsed_s", -1.0)),
        ("power_trace", lambda e: e["power_trace"]["power_w"].__setitem__(-1, -5.0)),
        ("power_trace", lambda e: e["power_trace"]["t_s"].__setitem__(-1, "late")),
    ],
)
def test_a_bad_item_past_the_schemas_sample_of_a_long_list_is_still_refused(where, bad):
    # The schema sees only the first few windows and trace samples of each workload (for speed);
    # the typed reader must still refuse a bad one at the end of a long list.
    doc = gpu_doc()
    entry = doc["workloads"][0]
    entry["windows"] = [copy.deepcopy(entry["windows"][0]) for _ in range(10)]
    entry["power_trace"] = {"t_s": [0.1 * i for i in range(10)], "power_w": [300.0] * 10}
    Result.from_dict(copy.deepcopy(doc))  # the long lists themselves are fine
    bad(entry)
    with pytest.raises(ResultError, match=where):
        Result.from_dict(doc)


def test_schema_describes_the_rank_record_and_energy_scope():
    from bench.fleet.rank import from_environ

    slurm = {"SLURM_PROCID": "1", "SLURM_LOCALID": "1", "SLURM_NTASKS": "2", "SLURM_JOB_ID": "7"}
    doc = gpu_doc()
    doc["rank"] = from_environ(slurm, host=lambda: "node1").to_dict()
    for entry in doc["workloads"]:
        entry["energy_scope"] = "device"
    results.validate(doc)
    assert doc["rank"]["reads_node_energy"] is False  # local rank 1 leaves node energy to 0
    doc["workloads"][0]["energy_scope"] = "rack"
    with pytest.raises(ResultError, match="energy_scope"):
        results.validate(doc)


def test_upgrade_leaves_the_callers_document_as_it_was():
    doc = json.loads(GOLDEN_V1.read_text())
    before = copy.deepcopy(doc)
    upgraded = results.upgrade(doc)
    assert doc == before
    assert upgraded["schema_version"] == 2 and upgraded["upgraded_from"] == 1
    assert upgraded["status"] == {"state": "complete", "failed": [], "not_reached": []}
