"""Find devices (cuda:N through NVML, cpu) and describe each as a Device.

`cpu` is always present; its energy source is RAPL where readable, else "unmeasured" with the
reason. `cuda:N` devices come from NVML, numbered as CUDA numbers them under
CUDA_VISIBLE_DEVICES (NVML itself ignores that variable; the NVML index is kept in
`extra["nvml_index"]`). CUDA's default FASTEST_FIRST order can differ from NVML's PCI order on
machines with mixed GPUs; set CUDA_DEVICE_ORDER=PCI_BUS_ID there. Where NVML is absent or
fails there are no cuda devices, and `Discovery.cuda_note` says why.
"""

from __future__ import annotations

import os
import platform
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.errors import DeviceUnavailable
from bench.telemetry.rapl import POWERCAP_ROOT, Reader, probe, read_text

CPUINFO = Path("/proc/cpuinfo")
CPU_MAX_FREQ = Path("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq")  # kHz
_NAME_KEYS = ("model name", "Model name", "Hardware")  # x86, some ARM kernels, older ARM


@dataclass(frozen=True)
class Device:
    """One place work can run: `cpu` or `cuda:N`."""

    id: str  # "cpu" or "cuda:N"
    kind: str  # "cpu" or "cuda"
    name: str
    index: int = 0
    memory_bytes: int | None = None
    energy_source: str = "unmeasured"  # "nvml", "rapl" or "unmeasured"
    energy_note: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def is_cuda(self) -> bool:
        return self.kind == "cuda"

    @property
    def torch_device(self) -> str:
        return self.id

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Discovery:
    """Every device found, and why there is no GPU where there is none."""

    devices: tuple[Device, ...]
    cuda_note: str = ""  # empty when NVML answered and listed its GPUs

    def to_dict(self) -> dict:
        """The `devices --json` document."""
        return {"devices": [d.to_dict() for d in self.devices], "cuda_note": self.cuda_note}

    def get(self, device_id: str) -> Device:
        """The device with this id ("cpu", "cuda", "cuda:N"); DeviceUnavailable if absent."""
        wanted = "cuda:0" if device_id.strip() == "cuda" else device_id.strip()
        for device in self.devices:
            if device.id == wanted:
                return device
        known = ", ".join(d.id for d in self.devices)
        if wanted.startswith("cuda") and self.cuda_note:
            raise DeviceUnavailable(f"no device {wanted}: {self.cuda_note} (found: {known})")
        raise DeviceUnavailable(f"no device {device_id!r} on this machine (found: {known})")

    def best(self) -> Device:
        """The first GPU if there is one, else the CPU."""
        return next((d for d in self.devices if d.is_cuda), self.devices[-1])


@dataclass(frozen=True)
class CpuInfo:
    """The first processor of /proc/cpuinfo, with the maximum clock where cpufreq gives it."""

    vendor: str = ""
    family: int = -1
    model: int = -1
    model_name: str = ""
    mhz: float = 0.0  # "cpu MHz": the current (or, in many VMs, nominal) clock
    max_mhz: float | None = None  # cpufreq's cpuinfo_max_freq; None where not exposed

    @property
    def clock(self) -> tuple[float, str]:
        """The clock a peak estimate should use (MHz) and where it came from."""
        if self.max_mhz:
            return self.max_mhz, "maximum clock, from cpufreq cpuinfo_max_freq"
        return self.mhz, "clock reported in /proc/cpuinfo; the maximum is not exposed here"


def _int(text: str | None) -> int:
    try:
        return int(text or "")
    except ValueError:
        return -1


def parse_cpuinfo(text: str, max_mhz: float | None = None) -> CpuInfo:
    """The first value of each field of /proc/cpuinfo (the first processor's) as a CpuInfo."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and value.strip():
            fields.setdefault(key.strip(), value.strip())
    try:
        mhz = float(fields.get("cpu MHz", "0"))
    except ValueError:
        mhz = 0.0
    return CpuInfo(
        vendor=fields.get("vendor_id", ""),
        family=_int(fields.get("cpu family")),
        model=_int(fields.get("model")),
        model_name=next((fields[k] for k in _NAME_KEYS if k in fields), ""),
        mhz=mhz,
        max_mhz=max_mhz,
    )


def read_max_mhz(path: Path = CPU_MAX_FREQ) -> float | None:
    """The CPU's maximum clock from cpufreq (kHz in the file), or None where it is absent."""
    try:
        khz = float(path.read_text().strip())
    except (OSError, ValueError):
        return None
    return khz / 1000.0 if khz > 0 else None


def cpu_info(cpuinfo: Path = CPUINFO, max_freq: Path = CPU_MAX_FREQ) -> CpuInfo | None:
    """This machine's CpuInfo; None where /proc/cpuinfo cannot be read."""
    try:
        text = cpuinfo.read_text(errors="replace")
    except OSError:
        return None
    return parse_cpuinfo(text, read_max_mhz(max_freq))


def cpu_name(cpuinfo: Path = CPUINFO) -> str:
    """The CPU's model name from /proc/cpuinfo, else what the platform module says."""
    info = cpu_info(cpuinfo)
    if info is not None and info.model_name:
        return info.model_name
    return platform.processor() or platform.machine() or "cpu"


def _memory_bytes() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def cpu_device(
    powercap_root: Path = POWERCAP_ROOT, read: Reader = read_text, cpuinfo: Path = CPUINFO
) -> Device:
    """The CPU as a Device, with RAPL or the reason it is unmeasured."""
    zones, reason = probe(powercap_root, read)
    source = "rapl" if zones else "unmeasured"
    note = "Linux powercap RAPL: " + ", ".join(z.label for z in zones) if zones else reason
    extra = {"logical_cpus": os.cpu_count(), "rapl_zones": [z.label for z in zones]}
    return Device("cpu", "cpu", cpu_name(cpuinfo), 0, _memory_bytes(), source, note, extra)


def visible_indices(env_value: str | None, uuids: list[str | None]) -> tuple[list[int], str]:
    """NVML indices in CUDA order under CUDA_VISIBLE_DEVICES, and a note if some are hidden."""
    if env_value is None:
        return list(range(len(uuids))), ""
    out: list[int] = []
    for entry in (e.strip() for e in env_value.split(",")):
        if entry.isdigit() and int(entry) < len(uuids):
            index = int(entry)
        else:
            index = next(
                (i for i, u in enumerate(uuids) if u and entry and u.startswith(entry)), None
            )
        if index is None or index in out:
            break  # CUDA stops at the first invalid entry
        out.append(index)
    note = "" if out else f"CUDA_VISIBLE_DEVICES={env_value!r} hides every GPU"
    return out, note


def cuda_devices(binding: Any = None, env: Mapping[str, str] = os.environ) -> Discovery:
    """GPUs through NVML; none, with the reason, where NVML is absent or fails."""
    from bench.telemetry.nvml import NvmlGpu, init, load_binding

    try:
        nv = binding if binding is not None else load_binding()
        if binding is not None:
            init(nv)
        gpus = [NvmlGpu(nv, i) for i in range(nv.nvmlDeviceGetCount())]
        driver = _driver_version(nv)
    except DeviceUnavailable as exc:
        return Discovery((), str(exc))
    except Exception as exc:  # an NVMLError from any call: no usable GPU, say which
        return Discovery((), f"NVML failed: {exc}")
    if not gpus:
        return Discovery((), "NVML sees no GPU")
    order, note = visible_indices(env.get("CUDA_VISIBLE_DEVICES"), [g.uuid for g in gpus])
    devices = tuple(_gpu_device(ordinal, gpus[i], driver) for ordinal, i in enumerate(order))
    return Discovery(devices, note)


def _driver_version(nv: Any) -> str | None:
    try:
        value = nv.nvmlSystemGetDriverVersion()
    except Exception:  # optional fact
        return None
    return value.decode() if isinstance(value, bytes) else str(value)


def _gpu_device(ordinal: int, gpu: Any, driver: str | None) -> Device:
    note = (
        "NVML total energy counter, power trace as a cross-check"
        if gpu.has_counter
        else "NVML power trace integrated (this GPU has no energy counter)"
    )
    extra = {
        "nvml_index": gpu.index,
        "uuid": gpu.uuid,
        "driver_version": driver,
        "power_limit_w": gpu.power_limit_w(),
        "default_sm_clock_mhz": gpu.default_sm_clock_mhz,
        "energy_counter": gpu.has_counter,
    }
    return Device(
        f"cuda:{ordinal}", "cuda", gpu.name, ordinal, gpu.memory_bytes, "nvml", note, extra
    )


def discover(
    binding: Any = None,
    powercap_root: Path = POWERCAP_ROOT,
    read: Reader = read_text,
    cpuinfo: Path = CPUINFO,
    env: Mapping[str, str] = os.environ,
) -> Discovery:
    """Every device on this machine: GPUs first, then the CPU."""
    gpus = cuda_devices(binding, env)
    cpu = cpu_device(powercap_root, read, cpuinfo)
    return Discovery((*gpus.devices, cpu), gpus.cuda_note)


def find_devices(**kwargs: Any) -> list[Device]:
    """Every device on this machine (keyword arguments as for discover())."""
    return list(discover(**kwargs).devices)


def get_device(device_id: str, **kwargs: Any) -> Device:
    """The device "cpu" or "cuda:N"; DeviceUnavailable where it is unknown or absent."""
    return discover(**kwargs).get(device_id)


def best_device(**kwargs: Any) -> Device:
    """The first GPU if there is one, else the CPU."""
    return discover(**kwargs).best()
