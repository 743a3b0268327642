"""Device discovery with a fake NVML and fake sysfs, and `joulebench devices` on this machine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.devices import best_device, cpu_name, discover, get_device, visible_indices
from bench.errors import DeviceUnavailable
from bench.telemetry.fake import FakeClock, FakeGpu, FakeNvml
from bench.telemetry.rapl import probe

NO_POWERCAP = Path("/nonexistent/powercap")


def two_gpus() -> FakeNvml:
    gpus = [FakeGpu(name="Fake H200", memory_bytes=141 * 10**9), FakeGpu(has_counter=False)]
    return FakeNvml(gpus, FakeClock())


def test_devices_json_on_this_machine(run_cli):
    res = run_cli("devices", "--json")
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)  # exactly one JSON document
    cpu = [d for d in doc["devices"] if d["id"] == "cpu"]
    assert len(cpu) == 1 and cpu[0]["kind"] == "cpu" and cpu[0]["name"]
    zones, reason = probe()
    if zones:  # readable RAPL here: the report must agree with it
        assert cpu[0]["energy_source"] == "rapl"
    else:
        assert cpu[0]["energy_source"] == "unmeasured"
        assert cpu[0]["energy_note"] == reason and reason
    for d in doc["devices"]:
        assert {"id", "name", "kind", "energy_source", "energy_note"} <= set(d)
        assert d["energy_source"] in ("nvml", "rapl", "unmeasured")


def test_devices_text(run_cli):
    res = run_cli("devices")
    assert res.exit_code == 0 and res.stdout.startswith(("cpu", "cuda:"))
    assert "energy:" in res.stdout


def test_gpus_through_fake_nvml():
    found = discover(binding=two_gpus(), powercap_root=NO_POWERCAP, env={})
    assert [d.id for d in found.devices] == ["cuda:0", "cuda:1", "cpu"]
    g0, g1, cpu = found.devices
    assert (g0.name, g0.memory_bytes, g0.energy_source) == ("Fake H200", 141 * 10**9, "nvml")
    assert "energy counter" in g0.energy_note and g0.extra["power_limit_w"] == 700.0
    assert "no energy counter" in g1.energy_note
    assert cpu.energy_source == "unmeasured" and "no powercap interface" in cpu.energy_note
    assert found.cuda_note == ""


def test_get_and_best_device():
    kw = dict(binding=two_gpus(), powercap_root=NO_POWERCAP, env={})
    assert best_device(**kw).id == "cuda:0"
    assert get_device("cuda", **kw).id == "cuda:0"
    assert get_device("cuda:1", **kw).index == 1
    with pytest.raises(DeviceUnavailable, match="cuda:5"):
        get_device("cuda:5", **kw)
    with pytest.raises(DeviceUnavailable, match="tpu"):
        get_device("tpu", **kw)


def test_nvml_failure_keeps_the_reason():
    nv = FakeNvml()
    nv.init_error = 12
    found = discover(binding=nv, powercap_root=NO_POWERCAP, env={})
    assert [d.id for d in found.devices] == ["cpu"]
    assert "NVML unavailable" in found.cuda_note
    assert found.best().id == "cpu"
    with pytest.raises(DeviceUnavailable, match="NVML unavailable"):
        found.get("cuda:0")
    assert found.to_dict()["cuda_note"] == found.cuda_note


def test_cuda_visible_devices_renumbers():
    found = discover(
        binding=two_gpus(), powercap_root=NO_POWERCAP, env={"CUDA_VISIBLE_DEVICES": "1"}
    )
    gpu = found.get("cuda:0")
    assert gpu.extra["nvml_index"] == 1 and gpu.index == 0
    assert visible_indices("GPU-fake-1,0", ["GPU-fake-0", "GPU-fake-1"]) == ([1, 0], "")
    assert visible_indices("0,7,1", ["a", "b"]) == ([0], "")  # CUDA stops at an invalid entry
    order, note = visible_indices("", ["a"])
    assert order == [] and "hides every GPU" in note


def test_cpu_name_from_cpuinfo(tmp_path):
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nmodel name\t: Test CPU 9000 @ 3.0GHz\nflags\t: sse\n")
    assert cpu_name(info) == "Test CPU 9000 @ 3.0GHz"
    assert cpu_name(tmp_path / "missing")  # falls back to something non-empty
