"""The measurement loop against a synthetic workload with a known rate and a fake clock."""

from __future__ import annotations

import json

import pytest

from bench.devices import Device
from bench.errors import VerificationFailed
from bench.measure import MeasureConfig, measure_workload, run_workload
from bench.telemetry import UnmeasuredMeter
from bench.telemetry.fake import FakeClock, FakeGpu, FakeNvml
from bench.telemetry.nvml import NvmlGpu, NvmlMeter

GPU = Device("cuda:0", "cuda", "Fake GPU", energy_source="nvml")
STEP_S = 1 / 64  # exact in binary: 5 s windows are exactly 320 steps
UNITS_PER_STEP = 1000.0
IDLE_W, BUSY_W = 60.0, 260.0
WINDOW_KEYS = {
    "elapsed_s", "units", "units_per_s", "energy_j", "above_idle_energy_j", "energy_source",
    "power_avg_w", "sm_clock_mhz", "mem_clock_mhz", "temperature_c", "throttle_reasons",
    "throttled",
}  # fmt: skip


class Synthetic:
    """Does UNITS_PER_STEP units per step, each step taking a known time on the fake clock.

    Duck-typed to the Workload contract (importing bench.workloads loads torch: slow)."""

    name = "synthetic"
    unit = "hash"
    device = GPU

    def __init__(self, clock: FakeClock, gpu: FakeGpu | None = None, step_s=lambda k: STEP_S):
        self.clock, self.gpu, self.step_s = clock, gpu, step_s
        self.steps = 0
        self.events: list[str] = []

    def setup(self):
        self.events.append("setup")

    def verify(self):
        self.events.append("verify")

    def step(self) -> float:
        if self.gpu is not None:
            self.gpu.power_w = lambda t: BUSY_W
        self.clock.advance(self.step_s(self.steps))
        self.steps += 1
        return UNITS_PER_STEP

    def teardown(self):
        self.events.append("teardown")

    def sync(self):
        pass

    def describe(self):
        return {"name": self.name, "unit": self.unit, "family": "mining"}

    def roofline(self, units_per_s):
        return {}


class ManualMeter(NvmlMeter):
    """No sampling thread: the fake clock only moves when the workload steps."""

    def start(self) -> None:
        pass


def config(clock: FakeClock, **kw) -> MeasureConfig:
    base = dict(window_s=5.0, min_windows=5, max_windows=30, rel_spread_bound=0.02)
    base |= dict(timeout_s=300.0, warmup_min_s=2.0, warmup_max_s=10.0, warmup_chunk_s=1.0)
    base |= dict(idle_s=2.0, clock=clock, sleep=clock.advance)
    return MeasureConfig(**(base | kw))


def gpu_setup():
    clock = FakeClock(0.0)
    gpu = FakeGpu(power_w=lambda t: IDLE_W)
    meter = ManualMeter(NvmlGpu(FakeNvml([gpu], clock), 0), clock=clock)
    return clock, gpu, meter


def test_steady_workload_exact_figures():
    clock, gpu, meter = gpu_setup()
    calls = []
    m = measure_workload(Synthetic(clock, gpu), meter, config(clock), lambda *a: calls.append(a))
    assert m.stopped_by == "spread" and len(m.windows) == 5
    for w in m.windows:
        assert (w.elapsed_s, w.units) == (5.0, 320_000.0)
        assert w.energy_j == BUSY_W * 5.0
        assert w.above_idle_energy_j == (BUSY_W - IDLE_W) * 5.0
    d = m.to_dict()
    s = d["summary"]
    assert s["units_per_s"]["median"] == 64_000.0 and s["units_per_s"]["rel_spread"] == 0.0
    assert s["power_w"]["median"] == BUSY_W
    assert s["j_per_unit"]["median"] == pytest.approx(1300.0 / 320_000)
    assert s["above_idle_j_per_unit"]["median"] == pytest.approx(1000.0 / 320_000)
    assert d["idle"] == {"power_w": IDLE_W, "source": "nvml-counter"}
    assert d["warmup"]["seconds"] == 2.0 and d["warmup"]["units"] == 128_000.0
    assert d["warmup"]["settled"] is True
    assert d["energy_source"] == "nvml-counter" and d["warnings"] == []
    assert WINDOW_KEYS <= set(d["windows"][0])
    json.dumps(d, allow_nan=False)
    assert [c for c in calls if c[0] == "windows"][-1] == ("windows", 5, 30)


def test_result_shape_matches_interfaces():
    clock, gpu, meter = gpu_setup()
    d = measure_workload(Synthetic(clock, gpu), meter, config(clock)).to_dict()
    required = {"workload", "unit", "verified", "warmup", "idle", "windows", "summary"}
    required |= {"energy_source", "energy_note", "power_trace", "roofline", "stopped_by"}
    assert required | {"warnings"} <= set(d)
    assert set(d["summary"]) == {"units_per_s", "power_w", "j_per_unit", "above_idle_j_per_unit"}
    assert d["workload"]["name"] == "synthetic" and d["unit"] == "hash"
    assert set(d["power_trace"]) == {"t_s", "power_w", "source"}
    assert d["power_trace"]["t_s"] == sorted(d["power_trace"]["t_s"])


def test_noisy_rate_runs_to_max_windows_and_warns():
    clock, gpu, meter = gpu_setup()
    # every other window is 10 % slower: the spread never falls under 2 %
    slow = Synthetic(clock, gpu, step_s=lambda k: STEP_S * (1.1 if (k // 320) % 2 else 1.0))
    m = measure_workload(slow, meter, config(clock, max_windows=8, warmup_max_s=2.0))
    assert m.stopped_by == "max_windows" and len(m.windows) == 8
    assert any("stopped by max_windows" in w and "may be unstable" in w for w in m.warnings)


def test_timeout_stops_before_min_windows():
    clock, gpu, meter = gpu_setup()
    m = measure_workload(Synthetic(clock, gpu), meter, config(clock, timeout_s=12.0))
    assert m.stopped_by == "timeout" and len(m.windows) == 3  # 15 s >= 12 s


def test_throttled_windows_are_flagged_not_hidden():
    clock, gpu, meter = gpu_setup()
    gpu.reasons_mask, gpu.temperature_c = 0x20, 91  # sw thermal slowdown throughout
    m = measure_workload(Synthetic(clock, gpu), meter, config(clock))
    d = m.to_dict()
    assert all(w["throttled"] for w in d["windows"]) and len(d["windows"]) == 5
    assert d["windows"][0]["throttle_reasons"] == ["sw_thermal_slowdown"]
    assert d["summary"]["units_per_s"]["n"] == 5
    assert any("5 of 5 windows ran throttled" in w and "cooling" in w for w in m.warnings)


def test_warmup_that_never_settles_is_bounded_and_said():
    clock, gpu, meter = gpu_setup()
    # each step is faster than the last (time after k steps ~ ln(1 + k/64)): rate keeps rising
    speeding = Synthetic(clock, gpu, step_s=lambda k: STEP_S / (1 + k / 64))
    cfg = config(clock, warmup_max_s=3.0, window_s=0.5, min_windows=3, max_windows=3)
    m = measure_workload(speeding, meter, cfg)
    assert m.warmup.settled is False and m.warmup.seconds >= 3.0
    assert any("warm-up did not settle" in w for w in m.warnings)


def test_unmeasured_energy_is_never_zero():
    clock = FakeClock(0.0)
    meter = UnmeasuredMeter("no powercap interface (test)", clock)
    cpu = Synthetic(clock)
    cfg = config(clock, window_s=0.5, min_windows=3)
    d = measure_workload(cpu, meter, cfg).to_dict()
    assert d["energy_source"] == "unmeasured"
    assert d["energy_note"] == "no powercap interface (test)"
    assert d["idle"] == {"unmeasured": "no powercap interface (test)"}
    assert all(w["energy_j"] is None for w in d["windows"])
    assert d["summary"]["j_per_unit"] == {
        "unmeasured": "energy unmeasured: no powercap interface (test)"
    }
    assert d["summary"]["units_per_s"]["median"] == 64_000.0
    assert d["stopped_by"] == "spread" and len(d["windows"]) == 3
    assert any("per-joule figures are absent" in w for w in d["warnings"])
    json.dumps(d, allow_nan=False)


def test_short_gpu_windows_are_warned_about():
    clock, gpu, meter = gpu_setup()
    m = measure_workload(Synthetic(clock, gpu), meter, config(clock, window_s=1.0))
    assert any("windows on a GPU" in w for w in m.warnings)


def test_failed_verification_measures_nothing():
    clock, gpu, meter = gpu_setup()
    wl = Synthetic(clock, gpu)

    def wrong():
        raise VerificationFailed("wrong hash")

    wl.verify = wrong
    with pytest.raises(VerificationFailed):
        measure_workload(wl, meter, config(clock))
    assert wl.steps == 0


def test_run_workload_sets_up_and_tears_down():
    clock, gpu, meter = gpu_setup()
    wl = Synthetic(clock, gpu)
    run_workload(wl, meter, config(clock))
    assert wl.events == ["setup", "verify", "teardown"]


def test_config_defaults_per_device():
    cpu = Device("cpu", "cpu", "x")
    assert MeasureConfig.for_device(GPU).window_s >= 5.0
    assert MeasureConfig.for_device(GPU, quick=True).window_s >= 5.0
    assert MeasureConfig.for_device(cpu, quick=True).window_s <= 1.0
    assert MeasureConfig.for_device(cpu, quick=True, max_windows=4).max_windows == 4
    with pytest.raises(ValueError):
        MeasureConfig(min_windows=5, max_windows=3)
