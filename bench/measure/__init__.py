"""Measurement: the loop (verify, idle, warm-up, windows, stopping rule), its frozen records
(Idle, Warmup, Window, Measurement) and the roofline (MFU/MBU against the device's peaks)."""

from bench.measure.loop import MeasureConfig, measure_workload, run_workload

__all__ = ["MeasureConfig", "measure_workload", "run_workload"]
