"""Roofline position of a measured rate: MFU against peak FLOP/s, MBU against peak bandwidth.

MFU = achieved FLOP/s / peak FLOP/s for the dtype; MBU = achieved bytes/s / peak bandwidth.
Where the device has no peak figure, the value is None with the reason beside it.
"""

from __future__ import annotations

from bench.hardware import Peak, peak_for


def _ratio(achieved: float, peak: float | None, what: str, reason: str) -> dict:
    if peak is None or peak <= 0:
        return {what: None, f"{what}_unknown": reason}
    return {what: achieved / peak}


def figures(
    peak: Peak | None,
    reason: str,
    dtype: str,
    units_per_s: float,
    flops_per_unit: float,
    bytes_per_unit: float | None = None,
) -> dict:
    """MFU (and MBU when bytes_per_unit is given) of `units_per_s` against `peak`."""
    achieved_tflop_s = units_per_s * flops_per_unit / 1e12
    out: dict = {
        "dtype": dtype,
        "flops_per_unit": flops_per_unit,
        "achieved_tflop_s": achieved_tflop_s,
    }
    if bytes_per_unit is not None:
        out["bytes_per_unit"] = bytes_per_unit
        out["achieved_tb_s"] = units_per_s * bytes_per_unit / 1e12
    if peak is None:
        out.update(_ratio(achieved_tflop_s, None, "mfu", reason))
        if bytes_per_unit is not None:
            out.update(_ratio(0.0, None, "mbu", reason))
        return out
    no_dtype = f"no {dtype} peak for {peak.device}"
    out.update(_ratio(achieved_tflop_s, peak.tflop_s.get(dtype), "mfu", no_dtype))
    if bytes_per_unit is not None:
        no_bw = f"no memory bandwidth figure for {peak.device}"
        out.update(_ratio(out["achieved_tb_s"], peak.bandwidth_tb_s, "mbu", no_bw))
    out["peak"] = peak.to_dict()
    if peak.measured is not None:
        m = peak.measured
        if dtype in m.tflop_s:
            out["mfu_vs_measured"] = achieved_tflop_s / m.tflop_s[dtype]
        if bytes_per_unit is not None and m.bandwidth_tb_s:
            out["mbu_vs_measured"] = out["achieved_tb_s"] / m.bandwidth_tb_s
        out["measured_peak"] = m.to_dict()
    return out


def for_device(
    device,
    dtype: str,
    units_per_s: float,
    flops_per_unit: float,
    bytes_per_unit: float | None = None,
) -> dict:
    """figures() against the peak of a bench.devices.Device (unknown when it has none)."""
    peak, reason = peak_for(device)
    return figures(peak, reason, dtype, units_per_s, flops_per_unit, bytes_per_unit)
