"""RAPL through a fake powercap tree in a temporary folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.devices import cpu_device
from bench.telemetry import RaplMeter, UnmeasuredMeter, meter_for
from bench.telemetry.fake import FakeClock
from bench.telemetry.rapl import delta_uj, find_zones, probe, read_text

MAX_UJ = 262_143_328_850  # a typical max_energy_range_uj


def zone(root: Path, folder: str, name: str, energy_uj: int = 0) -> Path:
    path = root / folder
    path.mkdir(parents=True)
    (path / "name").write_text(name + "\n")
    (path / "energy_uj").write_text(f"{energy_uj}\n")
    (path / "max_energy_range_uj").write_text(f"{MAX_UJ}\n")
    return path


@pytest.fixture
def two_sockets(tmp_path: Path) -> Path:
    (tmp_path / "intel-rapl").mkdir()  # the control type folder: no zone of its own
    zone(tmp_path, "intel-rapl:0", "package-0", 1_000_000)
    zone(tmp_path, "intel-rapl:0:0", "core", 500_000)
    zone(tmp_path, "intel-rapl:0:1", "dram", 2_000_000)
    zone(tmp_path, "intel-rapl:1", "package-1", 3_000_000)
    zone(tmp_path, "intel-rapl:1:0", "dram", 4_000_000)
    zone(tmp_path, "intel-rapl:2", "psys", 9_000_000)
    zone(tmp_path, "intel-rapl-mmio:0", "package-0", 7)
    return tmp_path


def set_uj(root: Path, folder: str, value: int) -> None:
    (root / folder / "energy_uj").write_text(f"{value}\n")


def test_finds_package_and_dram_of_every_socket(two_sockets):
    labels = sorted(z.label for z in find_zones(two_sockets))
    assert labels == ["dram-0", "dram-1", "package-0", "package-1"]
    zones, reason = probe(two_sockets)
    assert len(zones) == 4 and reason == ""


def test_window_sums_zones(two_sockets):
    clock = FakeClock(0.0)
    meter = RaplMeter(find_zones(two_sockets), clock=clock, hz=None)
    meter.begin_window()
    set_uj(two_sockets, "intel-rapl:0", 1_000_000 + 40_000_000)  # 40 J package 0
    set_uj(two_sockets, "intel-rapl:0:1", 2_000_000 + 5_000_000)  # 5 J dram 0
    set_uj(two_sockets, "intel-rapl:1", 3_000_000 + 30_000_000)  # 30 J package 1
    set_uj(two_sockets, "intel-rapl:1:0", 4_000_000 + 5_000_000)  # 5 J dram 1
    set_uj(two_sockets, "intel-rapl:0:0", 999_999_999)  # core: inside package, not added
    clock.advance(2.0)
    reading = meter.end_window()
    assert reading.source == "rapl"
    assert reading.energy_j == pytest.approx(80.0)
    assert reading.power_avg_w == pytest.approx(40.0)
    assert reading.warnings == ()


def test_wraparound(tmp_path):
    zone(tmp_path, "intel-rapl:0", "package-0", MAX_UJ - 1_000_000)
    meter = RaplMeter(find_zones(tmp_path), clock=FakeClock(), hz=None)
    meter.begin_window()
    set_uj(tmp_path, "intel-rapl:0", 2_500_000)  # wrapped: 1 J before the top, 2.5 J after
    reading = meter.end_window()
    assert reading.energy_j == pytest.approx(3.5)
    assert delta_uj(10, 30, 100) == 20
    assert delta_uj(90, 5, 100) == 15


def test_missing_dram_zone_is_fine(tmp_path):
    zone(tmp_path, "intel-rapl:0", "package-0")
    zones, reason = probe(tmp_path)
    assert [z.label for z in zones] == ["package-0"] and reason == ""


def test_unreadable_energy_is_unmeasured_with_reason(two_sockets):
    # Tests run as root, so chmod cannot hide the file: the reader raises as for non-root.
    def root_only(path: Path) -> str:
        if path.name == "energy_uj":
            raise PermissionError(13, "Permission denied", str(path))
        return read_text(path)

    zones, reason = probe(two_sockets, root_only)
    assert zones == []
    assert "energy_uj readable by root only" in reason
    device = cpu_device(two_sockets, root_only)
    assert device.energy_source == "unmeasured" and "root only" in device.energy_note
    meter = meter_for(device, powercap_root=two_sockets, read=root_only)
    assert isinstance(meter, UnmeasuredMeter) and "root only" in meter.note


def test_no_powercap_interface(tmp_path):
    zones, reason = probe(tmp_path / "absent")
    assert zones == [] and reason.startswith("no powercap interface")


def test_powercap_without_rapl_zones(tmp_path):
    (tmp_path / "dtpm").mkdir()
    zones, reason = probe(tmp_path)
    assert zones == [] and "no RAPL package zones" in reason


def test_zone_vanishing_mid_window_is_unmeasured(tmp_path):
    path = zone(tmp_path, "intel-rapl:0", "package-0", 10)
    meter = RaplMeter(find_zones(tmp_path), clock=FakeClock(), hz=None)
    meter.begin_window()
    (path / "energy_uj").unlink()
    reading = meter.end_window()
    assert reading.energy_j is None and "RAPL read failed" in reading.reason


def test_zero_energy_warns(tmp_path):
    zone(tmp_path, "intel-rapl:0", "package-0", 10)
    meter = RaplMeter(find_zones(tmp_path), clock=FakeClock(), hz=None)
    meter.begin_window()
    reading = meter.end_window()
    assert reading.energy_j == 0.0 and "read 0 J" in reading.warnings[0]


def test_sampler_trace_is_power_between_reads(tmp_path):
    zone(tmp_path, "intel-rapl:0", "package-0", 0)
    clock = FakeClock(0.0)
    meter = RaplMeter(find_zones(tmp_path), clock=clock, hz=10.0)
    meter.sampler.sample_once()  # first read: no power yet
    for k in range(1, 4):
        clock.advance(0.1)
        set_uj(tmp_path, "intel-rapl:0", k * 5_000_000)  # 5 J per 0.1 s = 50 W
        meter.sampler.sample_once()
    trace = meter.trace()
    assert trace.source == "rapl"
    assert trace.power_w == pytest.approx((50.0, 50.0, 50.0))


def test_cpu_device_with_rapl(two_sockets):
    device = cpu_device(two_sockets)
    assert device.energy_source == "rapl"
    assert "package-0" in device.energy_note and "dram-1" in device.energy_note
    assert isinstance(meter_for(device, powercap_root=two_sockets), RaplMeter)
