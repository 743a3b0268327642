"""The measurement loop against a synthetic workload with a known rate and a fake clock."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from bench.devices import Device
from bench.errors import VerificationFailed
from bench.measure import MeasureConfig, measure_workload, run_workload
from bench.measure.records import Idle, Measurement, Warmup, Window, peak_warnings
from bench.telemetry import UnmeasuredMeter
from bench.telemetry.fake import FakeClock, FakeGpu, FakeNvml
from bench.telemetry.meter import EnergyReading, PowerTrace
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


def test_idle_power_comes_from_the_trace_not_the_counter_steps():
    """A counter that moves every 0.7 s reads 42 W or 84 W over 1 s chunks of a steady 60 W
    board (0.7 or 1.4 s of energy), which never settles; the trace reads 60 W."""
    clock = FakeClock(0.0)
    gpu = FakeGpu(power_w=lambda t: IDLE_W, counter_period_s=0.7)
    meter = ManualMeter(NvmlGpu(FakeNvml([gpu], clock), 0), clock=clock)
    m = measure_workload(Synthetic(clock, gpu), meter, config(clock, min_windows=1))
    assert m.idle.power_w == pytest.approx(IDLE_W, rel=1e-12, abs=0)
    assert m.idle.source == "power-trace" and m.idle.settled and m.idle.seconds == 2.0


def test_idle_measured_earlier_is_kept_and_windows_reach_the_caller_at_once():
    clock, gpu, meter = gpu_setup()
    given = Idle(55.0, "power-trace", measured="before the kernel sweep")
    seen = []
    m = measure_workload(
        Synthetic(clock, gpu), meter, config(clock), idle=given, on_window=seen.append
    )
    assert m.idle is given and seen == list(m.windows)
    assert m.windows[0].above_idle_energy_j == (BUSY_W - 55.0) * 5.0


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
    assert d["idle"] == {
        "power_w": IDLE_W,
        "source": "power-trace",  # the sampled trace, not the counter's steps
        "measured": "before verify",
        "settled": True,
        "seconds": 2.0,  # two 1 s chunks of a steady 60 W: settled at once
        "span_s": 2.0,
    }
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


def test_timeout_shorter_than_min_windows_is_refused():
    # 5 windows of 5 s need 25 s: a 12 s timeout would stop after 3 windows (2 before the fix
    # that used to show a spread of 0.0 for one window).
    with pytest.raises(ValueError, match=r"timeout_s 12 s .* 5 x 5 s = 25 s"):
        config(FakeClock(0.0), timeout_s=12.0)
    assert config(FakeClock(0.0), timeout_s=25.0).timeout_s == 25.0
    with pytest.raises(ValueError, match="min_windows"):
        MeasureConfig.for_device(GPU, timeout_s=10.0)  # GPU default: 5 windows of 5 s


def test_one_window_before_the_timeout_has_no_spread_and_says_so():
    clock, gpu, meter = gpu_setup()
    # one step takes 30 s: the first window ends at 30 s, past the 25 s timeout
    slow = Synthetic(clock, gpu, step_s=lambda k: 30.0)
    m = measure_workload(slow, meter, config(clock, timeout_s=25.0, warmup_max_s=2.0))
    assert m.stopped_by == "timeout" and len(m.windows) == 1
    s = m.to_dict()["summary"]
    assert s["units_per_s"]["n"] == 1 and s["units_per_s"]["median"] == 1000.0 / 30.0
    assert s["units_per_s"]["rel_spread"] is None and s["j_per_unit"]["rel_spread"] is None
    assert s["units_per_s"]["ci95_low"] is None
    want = "only 1 of the minimum 5 windows were measured (stopped by timeout): the spread is"
    assert [w for w in m.warnings if w.startswith(want)] == [
        want + " unknown; one step of this workload outlasts a window, so allow a longer "
        "timeout or give the workload smaller steps"
    ]


def test_two_windows_before_the_timeout_warn_with_their_count():
    clock, gpu, meter = gpu_setup()
    slow = Synthetic(clock, gpu, step_s=lambda k: 20.0)  # windows of 20 s; timeout at 25 s
    m = measure_workload(slow, meter, config(clock, timeout_s=25.0, warmup_max_s=2.0))
    assert m.stopped_by == "timeout" and len(m.windows) == 2
    assert m.to_dict()["summary"]["units_per_s"]["rel_spread"] == 0.0  # two equal windows
    assert any(w.startswith("only 2 of the minimum 5 windows") for w in m.warnings)


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


def test_silence_bound_is_the_stall_allowance_on_top_of_the_longest_silent_stage():
    # idle: 3 s + up to 12 s settling + one 1 s chunk = 16 s is longer than a 5 s window
    assert MeasureConfig(stall_s=100.0).silence_bound_s() == 116.0
    # a 60 s window is the longest stage: a slow window is never taken for a hang
    assert MeasureConfig(stall_s=100.0, window_s=60.0, timeout_s=600.0).silence_bound_s() == 160.0
    with pytest.raises(ValueError, match="stall_s"):
        MeasureConfig(stall_s=0.0)


def test_config_defaults_per_device():
    cpu = Device("cpu", "cpu", "x")
    assert MeasureConfig.for_device(GPU).window_s >= 5.0
    assert MeasureConfig.for_device(GPU, quick=True).window_s >= 5.0
    assert MeasureConfig.for_device(cpu, quick=True).window_s <= 1.0
    assert MeasureConfig.for_device(cpu, quick=True, max_windows=4).max_windows == 4
    with pytest.raises(ValueError):
        MeasureConfig(min_windows=5, max_windows=3)


def test_idle_is_read_before_verify_leaves_the_gpu_busy():
    clock, gpu, meter = gpu_setup()
    wl = Synthetic(clock, gpu)

    def verify_like_a_forward_pass():
        wl.events.append(f"verify at {clock():g} s")
        gpu.power_w = lambda t: BUSY_W  # the card stays in its high-power state afterwards

    wl.verify = verify_like_a_forward_pass
    d = measure_workload(wl, meter, config(clock)).to_dict()
    assert wl.events == ["verify at 2 s"]  # after the 2 s of idle readings
    assert d["idle"]["power_w"] == IDLE_W and d["idle"]["measured"] == "before verify"


def test_idle_waits_for_power_to_settle():
    clock, gpu, meter = gpu_setup()
    # after setup the card falls linearly from 160 W to 60 W over 2 s, then stays at 60 W:
    # 1 s chunks read 135, 85, 60, 60 W (trapezoids of a linear trace are exact)
    gpu.power_w = lambda t: IDLE_W + max(0.0, 100.0 - 50.0 * t)
    d = measure_workload(Synthetic(clock, gpu), meter, config(clock)).to_dict()
    assert d["idle"]["power_w"] == IDLE_W
    assert (d["idle"]["settled"], d["idle"]["seconds"], d["idle"]["span_s"]) == (True, 4.0, 2.0)
    assert d["warmup"]["seconds"] == 2.0 and not any("idle" in w for w in d["warnings"])


def test_idle_that_never_settles_is_bounded_and_said():
    clock, gpu, meter = gpu_setup()
    # chunks 290, 270, ..., 190 W, 10 % apart: still falling after 2 s + 4 s to settle
    gpu.power_w = lambda t: 300.0 - 20.0 * t
    m = measure_workload(Synthetic(clock, gpu), meter, config(clock, idle_settle_max_s=4.0))
    idle = m.to_dict()["idle"]
    assert idle["power_w"] == 200.0  # the mean of the last 2 s, 4 to 6 s: (210 + 190) / 2
    assert (idle["settled"], idle["seconds"]) == (False, 6.0)
    assert any(w.startswith("idle power did not settle within 6.0 s") for w in m.warnings)


class Gemm(Synthetic):
    """Reports MFU against a fixed peak: mfu = units_per_s / peak_units_per_s."""

    peak_units_per_s = 64_000.0 / 1.07  # the steady 64,000 units/s is 107 % of this "peak"

    def roofline(self, units_per_s):
        peak = {"device": "Zen 4", "kind": "estimate"}
        return {"mfu": units_per_s / self.peak_units_per_s, "mbu": None, "peak": peak}


def test_mfu_above_one_flags_the_peak_as_too_low():
    clock, gpu, meter = gpu_setup()
    m = measure_workload(Gemm(clock, gpu), meter, config(clock))
    want = (
        "MFU 1.07 at the median rate (1.07 in the fastest window) is above 1: peak figure too "
        "low (the estimate peak of Zen 4); read MFU as relative only"
    )
    assert m.roofline["warnings"] == [want] and want in m.warnings
    assert m.to_dict()["roofline"]["warnings"] == [want]


def _measurement(rates: list[float], roofline: dict) -> Measurement:
    reading = EnergyReading(0.0, 1.0, None, "unmeasured", "test")
    windows = tuple(Window(1.0, r, reading) for r in rates)
    idle, warmup = Idle(reason="test"), Warmup(0.0, 0.0, True)
    trace = PowerTrace((), (), "test")
    return Measurement({}, "flop", True, warmup, idle, windows, "x", "", trace, "spread", {}, {},
                       roofline)  # fmt: skip


def test_a_window_above_the_peak_is_flagged_though_the_median_is_under():
    # median 100, fastest 107: MFU 0.95 at the median is 0.95 x 1.07 = 1.0165 in that window
    m = _measurement([100.0, 99.0, 107.0], {"mfu": 0.95, "peak": {"kind": "estimate"}})
    (warning,) = peak_warnings(m)
    assert warning.startswith("MFU 0.95 at the median rate (1.02 in the fastest window)")
    assert "peak figure too low" in warning and m.roofline["warnings"] == [warning]
    # MBU too; 0.93 x 1.07 = 0.9951 stays under 1
    m = _measurement([100.0, 99.0, 107.0], {"mfu": 0.93, "mbu": 1.2})
    (warning,) = peak_warnings(m)
    assert warning.startswith("MBU 1.20 at the median rate (1.28 in the fastest window)")
    assert peak_warnings(_measurement([100.0, 107.0], {"mfu": None, "mfu_unknown": "x"})) == []


def test_work_and_energy_are_timed_on_the_meters_clock_by_default():
    """No clock given: the loop times the work on the meter's clock (here the fake one the
    workload advances), so each window's elapsed time is the energy reading's span."""
    clock, gpu, meter = gpu_setup()
    settings = replace(config(clock), clock=None)
    m = measure_workload(Synthetic(clock, gpu), meter, settings)
    assert [w.elapsed_s for w in m.windows] == [5.0] * 5
    assert all(w.reading.elapsed_s == w.elapsed_s for w in m.windows)
    assert MeasureConfig().clock is None


def test_a_warm_up_settled_below_the_working_rate_is_flagged():
    # 2 s of warm-up on a plateau at half speed (it "settles": two equal chunks), then the
    # rate doubles 2.5 s into the first window: warm-up 50 %, first window 75 % of the rest
    clock, gpu, meter = gpu_setup()
    slow_steps = 144  # 4.5 s of 1/32 s steps

    def step_s(k: int) -> float:
        return 2 * STEP_S if k < slow_steps else STEP_S

    m = measure_workload(
        Synthetic(clock, gpu, step_s), meter, config(clock, min_windows=3, max_windows=3)
    )
    assert m.warmup.settled and m.warmup.rates_per_s[-1] == 32_000.0
    assert [w.units_per_s for w in m.windows] == [48_000.0, 64_000.0, 64_000.0]
    (warning,) = [w for w in m.warnings if w.startswith("warm-up settled")]
    assert warning.startswith("warm-up settled at 50% of the rate the later windows ran at")
    assert "(first window 75%)" in warning


def test_a_warm_up_at_the_working_rate_is_not_flagged():
    clock, gpu, meter = gpu_setup()
    m = measure_workload(Synthetic(clock, gpu), meter, config(clock, min_windows=3))
    assert not [w for w in m.warnings if w.startswith("warm-up settled")]
