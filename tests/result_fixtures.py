"""Result documents as plain dicts of the docs/interfaces.md shape, for results and report tests."""

from __future__ import annotations

from bench import result as results

SCENARIO = {
    "name": "test-scenario",
    "date": "2025-11",
    "description": "hand-made figures for tests",
    "figures": {
        "btc_price_usd": {"value": 100000.0, "date": "2025-11", "source": "test", "kind": "E"},
        "electricity_usd_kwh": {"value": 0.05, "date": "2025", "source": "test", "kind": "E"},
    },
}

ENVIRONMENT = {
    "devices": [],
    "nvidia": {"driver": "absent", "cuda_driver": "absent"},
    "cuda_torch": "absent",
    "packages": {"torch": "absent", "cupy": "absent", "nvidia-ml-py": "absent"},
    "cpu_model": "Test CPU",
    "os": "Linux",
    "python": "3.11.7",
    "hostname": "testhost",
    "git": {"commit": None, "dirty": None},
    "kernel_sources": {"sha256": None, "files": 0, "root": None},
    "joulebench_version": "0.1.0",
    "started_utc": "2026-01-02T03:04:05Z",
    "ended_utc": None,
}

H200 = {"id": "cuda:0", "kind": "cuda", "name": "NVIDIA H200", "energy_source": "nvml"}
CPU = {"id": "cpu", "kind": "cpu", "name": "Test CPU", "energy_source": "unmeasured"}
RAPL_REASON = "RAPL not readable: /sys/class/powercap permission denied (run as root)"


def stat(median: float, rel_spread: float = 0.02, unit: str = "") -> dict:
    """A STAT dict around a median whose (max - min) / median is rel_spread."""
    half = median * rel_spread / 2
    return {
        "unit": unit,
        "n": 5,
        "median": median,
        "q1": median - half / 2,
        "q3": median + half / 2,
        "min": median - half,
        "max": median + half,
        "mean": median,
        "rel_spread": rel_spread,
        "ci95_low": median - half,
        "ci95_high": median + half,
    }


def economics(usd_per_j: float, power_w: float, electricity_usd_kwh: float = 0.05) -> dict:
    """A priced economics dict (board footing) from USD per joule and power."""
    usd_per_day = usd_per_j * power_w * 86400
    elec = power_w / 1000 * 24 * electricity_usd_kwh
    return {
        "basis": "test",
        "footing": "board",
        "usd_per_day": usd_per_day,
        "usd_per_j": usd_per_j,
        "usd_per_kwh": usd_per_j * 3.6e6,
        "net_usd_per_day": usd_per_day - elec,
    }


def entry(
    name: str,
    unit: str,
    family: str,
    rate: float,
    power_w: float | None,
    usd_per_j: float | None = None,
    device: dict = H200,
    rate_spread: float = 0.02,
    params: dict | None = None,
) -> dict:
    """One workload entry; power_w None gives an unmeasured energy source (CPU, no RAPL)."""
    measured = power_w is not None
    unmeasured = {"unmeasured": RAPL_REASON}
    window = {
        "elapsed_s": 5.0,
        "units": rate * 5.0,
        "units_per_s": rate,
        "energy_j": power_w * 5.0 if measured else None,
        "energy_source": "nvml-counter" if measured else "unmeasured",
    }
    trace = {"t_s": [0.0, 0.5, 1.0, 1.5], "power_w": [90.0, 400.0, power_w, power_w]}
    measurement = {
        "workload": {"name": name, "unit": unit, "family": family, **(params or {})},
        "unit": unit,
        "verified": True,
        "idle": {"power_w": 90.0, "source": "nvml-counter"} if measured else unmeasured,
        "windows": [window] * 3,
        "summary": {
            "units_per_s": stat(rate, rate_spread, f"{unit}/s"),
            "power_w": stat(power_w, 0.01, "W") if measured else unmeasured,
            "j_per_unit": stat(power_w / rate, 0.02, f"J/{unit}") if measured else unmeasured,
        },
        "energy_source": "nvml-counter" if measured else "unmeasured",
        "energy_note": "NVML counter" if measured else RAPL_REASON,
        "power_trace": {**trace, "source": "nvml-sampled"} if measured else unmeasured,
        "stopped_by": "spread",
        "warnings": [],
    }
    econ = economics(usd_per_j, power_w) if measured and usd_per_j else {"unmeasured": RAPL_REASON}
    return results.workload_entry(measurement, device, econ, [])


ASIC = {
    "name": "Antminer S21 XP",
    "th_s": 270.0,
    "power_w": 3645.0,
    "j_per_th": 13.5,
    "usd_per_kwh": 0.1263,
    "footing": "wall",
}


def gpu_doc(scenario: dict = SCENARIO) -> dict:
    """A GPU result: a miner and an LLM decode on one H200, with one ASIC reference."""
    mining = entry("sha256d", "hash", "mining", 7.3e9, 650.0, usd_per_j=5.0e-12)
    mining["asic_references"] = [ASIC]
    llm = entry("llm-decode", "token", "ai", 2400.0, 600.0, usd_per_j=2.4e-7)
    return results.build_result(ENVIRONMENT, scenario, [mining, llm], ["test warning"])


def cpu_doc() -> dict:
    """A CPU result whose energy is unmeasured (no RAPL)."""
    mining = entry("sha256d", "hash", "mining", 2.0e7, None, device=CPU)
    llm = entry("llm-decode", "token", "ai", 35.0, None, device=CPU)
    return results.build_result(ENVIRONMENT, SCENARIO, [mining, llm])
