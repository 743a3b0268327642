"""Device discovery with a fake NVML and fake sysfs, and `joulebench devices` on this machine."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bench import result as results
from bench.devices import (
    CpuInfo,
    best_device,
    cpu_info,
    cpu_name,
    discover,
    get_device,
    parse_cpuinfo,
    visible_indices,
)
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
    assert len(cpu) == 1 and cpu[0]["kind"] == "cpu"
    assert cpu[0]["name"] == cpu_name()  # this machine's /proc/cpuinfo, parsed by the test below
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
    assert f"(cpu, {os.cpu_count()} logical CPUs, " in res.stdout  # how many cores a run had


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


@pytest.mark.parametrize(
    "processor, machine, want",
    [
        ("Intel64 Family 6 Model 143", "AMD64", "Intel64 Family 6 Model 143"),
        ("", "aarch64", "aarch64"),  # Linux: platform.processor() is often empty
        ("", "", "cpu"),
    ],
)
def test_cpu_name_without_cpuinfo_falls_back_to_platform(
    tmp_path, monkeypatch, processor, machine, want
):
    monkeypatch.setattr("platform.processor", lambda: processor)
    monkeypatch.setattr("platform.machine", lambda: machine)
    assert cpu_name(tmp_path / "missing") == want
    nameless = tmp_path / "cpuinfo"
    nameless.write_text("processor\t: 0\nflags\t: sse\n")  # no model name line
    assert cpu_name(nameless) == want


TWO_CPUS = (
    "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel\t\t: 17\n"
    "model name\t: AMD EPYC 9654\ncpu MHz\t\t: 2400.000\n\n"
    "processor\t: 1\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 143\n"
    "model name\t: other\ncpu MHz\t\t: 1200.000\n\n"
)


def test_cpuinfo_parsed_once_for_name_and_peak(tmp_path):
    info = tmp_path / "cpuinfo"
    info.write_text(TWO_CPUS)
    max_freq = tmp_path / "cpuinfo_max_freq"
    max_freq.write_text("3700000\n")  # kHz
    got = cpu_info(info, max_freq)
    assert got == CpuInfo("AuthenticAMD", 25, 17, "AMD EPYC 9654", 2400.0, 3700.0)
    assert got.clock == (3700.0, "maximum clock, from cpufreq cpuinfo_max_freq")
    assert cpu_name(info) == "AMD EPYC 9654"
    assert results.cpu_model() == cpu_name()  # the result's CPU model comes from the same parser


def test_without_cpufreq_the_reported_clock_is_labelled(tmp_path):
    info = tmp_path / "cpuinfo"
    info.write_text(TWO_CPUS)
    got = cpu_info(info, tmp_path / "absent")
    assert got.max_mhz is None
    assert got.clock == (2400.0, "clock reported in /proc/cpuinfo; the maximum is not exposed here")
    assert cpu_info(tmp_path / "missing") is None


def test_arm_cpuinfo_names_the_hardware():
    arm = "processor\t: 0\nBogoMIPS\t: 50.00\nCPU implementer\t: 0x41\n\nHardware\t: BCM2835\n"
    got = parse_cpuinfo(arm)
    assert (got.model_name, got.vendor, got.family, got.mhz) == ("BCM2835", "", -1, 0.0)
