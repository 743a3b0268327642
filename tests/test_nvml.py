"""The NVML layer driven by a fake binding with a deterministic clock and energy counter."""

from __future__ import annotations

import os

import pynvml
import pytest

from bench.devices import Device
from bench.errors import DeviceUnavailable
from bench.telemetry import UnmeasuredMeter, meter_for
from bench.telemetry.fake import FakeClock, FakeGpu, FakeNvml
from bench.telemetry.meter import PowerTrace
from bench.telemetry.nvml import NvmlGpu, NvmlMeter, decode_reasons, open_meter
from bench.telemetry.sampler import PowerSampler, integrate

GPU = Device("cuda:0", "cuda", "Fake GPU", 0, energy_source="nvml")


def make_meter(gpu: FakeGpu, clock: FakeClock) -> NvmlMeter:
    nv = FakeNvml([gpu], clock)
    return open_meter(0, binding=nv, hz=20.0, clock=clock)


def sample_for(meter: NvmlMeter, clock: FakeClock, seconds: float, step_s: float = 0.05):
    """Advance the fake clock in steps, taking a sample at each (the thread's job, by hand)."""
    for _ in range(round(seconds / step_s)):
        clock.advance(step_s)
        meter.sampler.sample_once()


def test_fake_binding_uses_real_pynvml_names_and_values():
    fake = FakeNvml()
    for name in dir(fake):
        if name.startswith("nvml"):
            assert callable(getattr(pynvml, name)), name
        elif name.startswith("NVML_"):
            assert getattr(pynvml, name) == getattr(fake, name), name


def test_reason_bits_match_pynvml():
    assert decode_reasons(pynvml.nvmlClocksEventReasonSwPowerCap) == ("sw_power_cap",)
    assert decode_reasons(pynvml.nvmlClocksEventReasonHwThermalSlowdown) == ("hw_thermal_slowdown",)
    assert decode_reasons(pynvml.nvmlClocksEventReasonGpuIdle) == ("gpu_idle",)
    assert decode_reasons(0x4 | 0x1000) == ("sw_power_cap", "unknown_0x1000")
    assert decode_reasons(0) == ()


def test_constant_power_gives_exact_joules():
    clock = FakeClock()
    meter = make_meter(FakeGpu(power_w=lambda t: 250.0), clock)
    meter.begin_window()
    sample_for(meter, clock, 10.0)
    reading = meter.end_window()
    assert reading.source == "nvml-counter"
    assert reading.energy_j == 2500.0  # 250 W for 10 s
    assert reading.elapsed_s == pytest.approx(10.0)
    assert reading.power_avg_w == pytest.approx(250.0)
    assert reading.cross_check_j == pytest.approx(2500.0)
    assert reading.warnings == ()


def test_linear_ramp_counter_and_trace_agree_exactly():
    clock = FakeClock(0.0)
    meter = make_meter(FakeGpu(power_w=lambda t: 100.0 + 10.0 * t), clock)
    meter.begin_window()  # at t = 0
    sample_for(meter, clock, 10.0)
    reading = meter.end_window()
    # integral of 100 + 10 t over [0, 10] = 1000 + 500
    assert reading.energy_j == pytest.approx(1500.0, abs=1e-3)
    assert reading.cross_check_j == pytest.approx(1500.0, rel=1e-9)


def test_integrate_interpolates_window_edges_on_a_ramp():
    # p(t) = 2 t sampled at uneven times; window [0.5, 3.2] lies between samples.
    t = (0.0, 1.0, 1.7, 2.0, 4.0)
    trace = PowerTrace(t, tuple(2.0 * x for x in t), "test")
    assert integrate(trace, 0.5, 3.2) == pytest.approx(3.2**2 - 0.5**2)
    assert integrate(trace, 1.0, 1.0) == 0.0
    assert integrate(trace, -1.0, 2.0) is None  # trace does not cover the start
    assert integrate(trace, 1.0, 5.0) is None


def test_without_counter_energy_is_the_integrated_trace():
    clock = FakeClock(0.0)
    gpu = FakeGpu(power_w=lambda t: 300.0 - 20.0 * t, has_counter=False)
    meter = make_meter(gpu, clock)
    assert meter.source == "nvml-sampled"
    assert "not supported" in meter.note
    meter.begin_window()
    sample_for(meter, clock, 5.0)
    reading = meter.end_window()
    assert reading.source == "nvml-sampled"
    assert reading.energy_j == pytest.approx(300.0 * 5 - 10.0 * 25, rel=1e-9)


def test_sampled_window_without_trace_is_unmeasured_not_zero():
    clock = FakeClock(0.0)
    meter = make_meter(FakeGpu(has_counter=False), clock)
    meter.sampler._read = lambda: None  # the sensor answers nothing
    meter.begin_window()
    clock.advance(5.0)
    reading = meter.end_window()
    assert reading.energy_j is None and reading.source == "unmeasured"
    assert "does not cover" in reading.reason


def test_disagreement_over_five_percent_warns():
    clock = FakeClock(0.0)
    meter = make_meter(FakeGpu(power_w=lambda t: 200.0, sensor_scale=1.2), clock)
    meter.begin_window()
    sample_for(meter, clock, 5.0)
    reading = meter.end_window()
    assert reading.energy_j == 1000.0
    assert reading.cross_check_j == pytest.approx(1200.0)
    assert len(reading.warnings) == 1 and "differ by 20%" in reading.warnings[0]


def test_zero_energy_counter_delta_warns():
    clock = FakeClock(0.0)
    nv = FakeNvml([FakeGpu()], clock)
    meter = NvmlMeter(NvmlGpu(nv, 0), clock=clock)
    nv.nvmlDeviceGetTotalEnergyConsumption = lambda handle: 123_456  # a counter that did not move
    meter.begin_window()
    clock.advance(0.05)
    reading = meter.end_window()
    assert reading.energy_j == 0.0
    assert any("read 0 J" in w and "several seconds" in w for w in reading.warnings)


def test_average_power_used_where_instant_field_is_missing():
    clock = FakeClock(0.0)
    gpu = NvmlGpu(FakeNvml([FakeGpu(power_w=lambda t: 123.0, has_instant=False)], clock), 0)
    assert not gpu.has_instant
    assert gpu.power_w() == 123.0


def test_health_and_throttling():
    clock = FakeClock(0.0)
    gpu = FakeGpu(reasons_mask=0x4 | 0x40, temperature_c=87, power_limit_mw=450_000)
    nv = FakeNvml([gpu], clock)
    h = NvmlGpu(nv, 0).health()
    assert h.throttle_reasons == ("sw_power_cap", "hw_thermal_slowdown") and h.throttled
    assert (h.temperature_c, h.power_limit_w, h.sm_clock_mhz) == (87, 450.0, 1800)
    gpu.reasons_mask, gpu.sm_clock_mhz = 0, 1349  # under 75 % of 1800 = 1350
    assert NvmlGpu(nv, 0).health().throttled
    gpu.sm_clock_mhz = 1350
    assert not NvmlGpu(nv, 0).health().throttled
    gpu.reasons_mask, gpu.sm_clock_mhz = 0x1, 300  # idle: low clocks are not throttling
    assert not NvmlGpu(nv, 0).health().throttled


def test_window_health_is_the_worst_seen():
    clock = FakeClock(0.0)
    gpu = FakeGpu(temperature_c=60)
    meter = make_meter(gpu, clock)
    meter.begin_window()
    sample_for(meter, clock, 2.0)
    gpu.temperature_c, gpu.reasons_mask = 84, 0x20  # a thermal event in the middle
    sample_for(meter, clock, 2.0)
    gpu.temperature_c, gpu.reasons_mask = 70, 0
    sample_for(meter, clock, 2.0)
    h = meter.end_window().health
    assert h.temperature_c == 84 and h.throttled
    assert h.throttle_reasons == ("sw_thermal_slowdown",)


def test_other_processes_exclude_ours():
    nv = FakeNvml([FakeGpu(processes=[os.getpid(), 4242])], FakeClock())
    assert NvmlGpu(nv, 0).other_processes() == [{"pid": 4242, "used_memory_bytes": 2**30}]
    meter = NvmlMeter(NvmlGpu(nv, 0), clock=nv.clock)
    ctx = meter.context()
    assert ctx["other_processes"][0]["pid"] == 4242 and ctx["power_limit_w"] == 700.0


def test_nvml_failure_gives_unmeasured_meter_with_reason():
    nv = FakeNvml()
    nv.init_error = 12
    with pytest.raises(DeviceUnavailable, match="NVML unavailable"):
        open_meter(0, binding=nv)
    meter = meter_for(GPU, binding=nv)
    assert isinstance(meter, UnmeasuredMeter) and "NVML unavailable" in meter.note
    meter.begin_window()
    reading = meter.end_window()
    assert reading.energy_j is None and reading.source == "unmeasured"


class Stepper:
    """A pacing clock and sleep for the sampler's loop: sleeping moves the clock exactly."""

    def __init__(self, stop_after: int, sampler_box: list) -> None:
        self.now_s, self.sleeps, self.stop_after, self.box = 0.0, [], stop_after, sampler_box

    def __call__(self) -> float:
        return self.now_s

    def sleep(self, delay_s: float) -> None:
        self.sleeps.append(delay_s)
        self.now_s += delay_s
        if len(self.sleeps) >= self.stop_after:
            self.box[0]._stop = True


def test_sampler_loop_keeps_its_period_on_a_fake_clock():
    """50 Hz: samples at exactly 0, 0.02, 0.04 ... s; a slow read is skipped, not made up."""
    box: list = []
    pace = Stepper(stop_after=6, sampler_box=box)
    slow = iter([0.0, 0.0, 0.05, 0.0, 0.0, 0.0])  # the third read takes 50 ms

    def read() -> float:
        pace.now_s += next(slow)
        return 100.0

    sampler = PowerSampler(read, hz=50.0, clock=pace, pace_clock=pace, sleep=pace.sleep)
    box.append(sampler)
    sampler._loop()  # the thread's body, run here on the fake clock
    assert sampler.trace().t_s == pytest.approx([0.0, 0.02, 0.09, 0.09, 0.11, 0.13])
    assert pace.sleeps == pytest.approx([0.02, 0.02, 0.0, 0.02, 0.02, 0.02])


def test_sampler_cost_is_its_own_cpu_time_per_sample():
    cpu = FakeClock(0.0)
    reads = iter([0.004, 0.002, 0.003])  # CPU seconds each read costs

    def read() -> float:
        cpu.advance(next(reads))
        return 1.0

    sampler = PowerSampler(read, hz=50.0, clock=FakeClock(0.0), cpu_clock=cpu)
    assert sampler.cost().core_fraction is None  # no sample yet: unknown, not 0
    for _ in range(3):
        sampler.timed_sample()
    cost = sampler.cost()
    assert (cost.samples, cost.hz) == (3, 50.0)
    assert cost.cpu_s == pytest.approx(0.009, abs=0, rel=1e-12)
    assert cost.cpu_s_per_sample == pytest.approx(0.003, abs=0, rel=1e-12)
    assert cost.core_fraction == pytest.approx(0.15, abs=0, rel=1e-12)  # 3 ms x 50 per second


def test_sampler_thread_starts_and_stops():
    sampler = PowerSampler(lambda: 1.0, hz=100.0)
    sampler.start()
    sampler.start()  # idempotent
    assert sampler.running
    sampler.stop()
    assert not sampler.running and sampler.count() >= 1
    assert sampler.cost().samples == sampler.count()


def test_sampler_rate_bounds():
    with pytest.raises(ValueError):
        PowerSampler(lambda: 1.0, hz=500.0)


# --- the counter's update period, aligned window edges, the cross-check's span ---------------


def stepping_meter(period_s: float, power_w: float = 300.0, sensor_scale: float = 1.0):
    """A meter on a fake GPU whose counter moves every period_s; sleeping moves the clock."""
    clock = FakeClock(1000.0)
    gpu = FakeGpu(power_w=lambda t: power_w, counter_period_s=period_s, sensor_scale=sensor_scale)
    meter = open_meter(0, binding=FakeNvml([gpu], clock), hz=20.0, clock=clock, sleep=clock.advance)
    return meter, clock


def test_counter_period_is_measured_at_start():
    meter, clock = stepping_meter(0.1)
    meter.start()
    meter.stop()
    assert meter.counter_period_s == pytest.approx(0.1, abs=0.0015)  # to one poll
    assert meter.aligns_edges and meter.context()["counter_period_s"] == meter.counter_period_s


def test_a_counter_that_moves_at_every_read_is_not_waited_for():
    clock = FakeClock(0.0)
    meter = open_meter(0, binding=FakeNvml([FakeGpu()], clock), clock=clock, sleep=clock.advance)
    meter.start()
    meter.stop()
    assert meter.counter_period_s == pytest.approx(0.001) and not meter.aligns_edges


def test_aligned_edges_give_the_joules_between_two_updates():
    """300 W, counter every 0.1 s: a window opened at 1000.03 s waits for 1000.1 s; 5 s of work
    later (1005.1 s) the close waits for the update at 1005.2 s: 5.1 s, 1530 J, 300 W exactly,
    where unaligned edges would read 1500 J over 5.0 s (the quantisation the alignment removes)."""
    meter, clock = stepping_meter(0.1)
    meter.counter_period_s = 0.1  # as start() measures it (tested above)
    clock.advance(0.03)
    meter.begin_window()
    assert clock() == pytest.approx(1000.1, abs=0.0015)
    clock.advance(5.0)
    reading = meter.end_window()
    assert reading.elapsed_s == pytest.approx(5.1, abs=0.002)
    assert reading.energy_j == pytest.approx(reading.elapsed_s * 300.0, abs=0.6)  # 1 poll of 300 W
    assert reading.power_avg_w == pytest.approx(300.0, rel=2e-3)


def test_cross_check_only_on_windows_of_five_seconds():
    meter, clock = stepping_meter(0.1, sensor_scale=1.2)  # the sensor reads 20 % high
    meter.counter_period_s = 0.1
    meter.begin_window()
    sample_for(meter, clock, 2.0)
    assert meter.end_window().warnings == ()  # 2 s: the 1 s sensor average dominates
    meter.begin_window()
    sample_for(meter, clock, 5.0)
    reading = meter.end_window()
    assert len(reading.warnings) == 1 and "differ by 20%" in reading.warnings[0]
