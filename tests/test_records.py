"""A Measurement is complete when built: roofline and warnings computed once, never patched."""

from __future__ import annotations

import dataclasses

import pytest

from bench.measure.records import Idle, Measurement, Warmup, Window
from bench.telemetry.meter import EnergyReading, PowerTrace


def _build(rates: list[float], roofline_of=None, config: dict | None = None) -> Measurement:
    reading = EnergyReading(0.0, 1.0, None, "unmeasured", "test")
    windows = tuple(Window(1.0, r, reading) for r in rates)
    return Measurement(
        workload={"name": "gemm"},
        unit="flop",
        verified=True,
        warmup=Warmup(1.0, 10.0, True),
        idle=Idle(reason="test"),
        windows=windows,
        meter_source="unmeasured",
        meter_note="no meter in the test",
        power_trace=PowerTrace((), (), "test"),
        stopped_by="timeout",
        config=config or {},
        roofline_of=roofline_of,
    )


def test_roofline_is_computed_at_the_median_rate_without_touching_the_workloads_dict():
    seen: list[float] = []
    figures = {"mfu": 0.95, "peak": {"kind": "estimate", "device": "Zen 4"}}

    def roofline_of(rate: float) -> dict:
        seen.append(rate)
        return figures

    m = _build([100.0, 99.0, 107.0], roofline_of)
    assert seen == [100.0]  # the median of 99, 100, 107
    # 0.95 at the median is 0.95 * 107 / 100 = 1.0165 in the fastest window: above 1
    want = (
        "MFU 0.95 at the median rate (1.02 in the fastest window) is above 1: peak figure too "
        "low (the estimate peak of Zen 4); read MFU as relative only"
    )
    assert m.roofline["warnings"] == [want]
    assert want in m.warnings
    assert "warnings" not in figures  # the workload's own dict is never mutated


def test_a_measurement_cannot_be_patched_after_it_is_built():
    m = _build([100.0, 101.0])
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.roofline = {"mfu": 2.0}
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.warnings = ()


def test_summary_statistics_are_computed_once():
    m = _build([100.0, 101.0, 102.0])
    first, second = m.summary(), m.summary()
    assert first["units_per_s"] is second["units_per_s"]  # the same Stat, not rebuilt
    first["units_per_s"] = None  # a caller's copy: the record's summary is unchanged
    assert m.summary()["units_per_s"].median == 101.0


def test_warnings_follow_the_limits_in_the_config():
    # 2 windows under a minimum of 5; spread (110 - 100) / 105 = 9.5 % over a 2 % bound
    m = _build([100.0, 110.0], config={"min_windows": 5, "rel_spread_bound": 0.02})
    assert any(w.startswith("only 2 of the minimum 5 windows") for w in m.warnings)
    assert any("throughput 9.5%" in w for w in m.warnings)
    assert not any("minimum" in w for w in _build([100.0, 110.0]).warnings)  # no limits given


def test_window_is_built_in_one_argument_order():
    reading = EnergyReading(0.0, 2.0, None, "unmeasured", "test")
    window = Window(2.0, 50.0, reading)  # elapsed_s, units, reading
    assert window.units_per_s == 25.0
    assert not hasattr(Window, "of")
