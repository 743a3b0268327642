"""CPU energy from Linux powercap RAPL: package and DRAM zones of every socket.

Zones are read from /sys/class/powercap (the root is a parameter, so tests use a fake tree).
Each socket's `package-N` zone and its `dram` subzone are summed; `core`/`uncore` lie inside
the package and `psys` contains it, so they are left out to avoid counting twice. A counter
that wrapped between two reads is corrected with the zone's max_energy_range_uj (one wrap per
window at most: at 300 W a 262 kJ range wraps every ~15 minutes, windows last seconds).
Where the interface is absent or unreadable the reason is kept; energy is then unmeasured.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.telemetry.meter import Clock, EnergyMeter, EnergyReading, PowerTrace, zero_energy_warning
from bench.telemetry.sampler import PowerSampler

log = logging.getLogger(__name__)

POWERCAP_ROOT = Path("/sys/class/powercap")
_ZONE_DIR = re.compile(r"^(intel|amd)-rapl:(\d+)(?::(\d+))?$")
Reader = Callable[[Path], str]


def read_text(path: Path) -> str:
    """Read a sysfs file (the default reader; tests inject their own)."""
    return path.read_text()


@dataclass(frozen=True)
class RaplZone:
    """One RAPL energy counter: a socket's package or its DRAM."""

    label: str  # e.g. "package-0", "dram-0"
    path: Path  # the zone's folder
    max_energy_range_uj: int

    def read_uj(self, read: Reader = read_text) -> int:
        return int(read(self.path / "energy_uj").strip())


def delta_uj(start_uj: int, end_uj: int, max_energy_range_uj: int) -> int:
    """Energy between two counter reads, correcting one wraparound."""
    if end_uj >= start_uj:
        return end_uj - start_uj
    return end_uj + max_energy_range_uj - start_uj


def _zone(path: Path, socket: str, read: Reader) -> RaplZone | None:
    name = read(path / "name").strip()
    if name.startswith("package"):
        label = name
    elif name == "dram":
        label = f"dram-{socket}"
    else:  # core, uncore (inside package), psys (contains package)
        return None
    max_uj = int(read(path / "max_energy_range_uj").strip())
    return RaplZone(label, path, max_uj)


def find_zones(root: Path = POWERCAP_ROOT, read: Reader = read_text) -> list[RaplZone]:
    """Package and DRAM zones under a powercap root (raises OSError where unreadable)."""
    zones = []
    for path in sorted(root.iterdir()):
        m = _ZONE_DIR.match(path.name)
        if not m or not (path / "name").exists():
            continue
        zone = _zone(path, m.group(2), read)
        if zone is not None:
            zones.append(zone)
    return zones


def probe(root: Path = POWERCAP_ROOT, read: Reader = read_text) -> tuple[list[RaplZone], str]:
    """Readable RAPL zones and "", or no zones and the reason energy is unmeasured."""
    if not root.is_dir():
        return [], f"no powercap interface ({root} absent: a virtual machine or container?)"
    try:
        zones = find_zones(root, read)
        if not zones:
            return [], f"no RAPL package zones under {root} (virtual machine or unsupported CPU)"
        for zone in zones:
            zone.read_uj(read)
    except PermissionError as exc:
        where = getattr(exc, "filename", None) or root
        return [], f"energy_uj readable by root only ({where}); run as root or grant read access"
    except (OSError, ValueError) as exc:
        return [], f"RAPL unreadable: {exc}"
    return zones, ""


class RaplMeter(EnergyMeter):
    """Energy windows over the sum of the package and DRAM zones of every socket."""

    source = "rapl"

    def __init__(
        self,
        zones: list[RaplZone],
        read: Reader = read_text,
        clock: Clock = time.monotonic,
        hz: float | None = 10.0,
    ) -> None:
        if not zones:
            raise ValueError("RaplMeter needs at least one zone")
        self.zones = zones
        self._read = read
        self._clock = clock
        self.note = "Linux powercap RAPL: " + ", ".join(z.label for z in zones)
        self.sampler = PowerSampler(self._power_w, hz, clock, self.source) if hz else None
        self._last: tuple[float, list[int]] | None = None
        self._open: tuple[float, list[int]] | None = None

    def _read_all(self) -> list[int]:
        return [z.read_uj(self._read) for z in self.zones]

    def _energy_j(self, start: list[int], end: list[int]) -> float:
        pairs = zip(start, end, self.zones, strict=True)
        return sum(delta_uj(a, b, z.max_energy_range_uj) for a, b, z in pairs) / 1e6

    def _power_w(self) -> float | None:
        """Average power since the previous call (the sampler's reading); None the first time."""
        now = (self._clock(), self._read_all())
        prev, self._last = self._last, now
        if prev is None or now[0] <= prev[0]:
            return None
        return self._energy_j(prev[1], now[1]) / (now[0] - prev[0])

    def start(self) -> None:
        if self.sampler is not None:
            self.sampler.start()

    def stop(self) -> None:
        if self.sampler is not None:
            self.sampler.stop()

    def trace(self) -> PowerTrace:
        return self.sampler.trace() if self.sampler else PowerTrace(source=self.source)

    def begin_window(self) -> None:
        self._open = (self._clock(), self._read_all())

    def end_window(self) -> EnergyReading:
        if self._open is None:
            raise RuntimeError("end_window() without begin_window()")
        (t0, start), self._open = self._open, None
        try:
            end = self._read_all()
        except OSError as exc:
            reason = f"RAPL read failed: {exc}"
            return EnergyReading(t0, self._clock(), None, "unmeasured", reason)
        t1 = self._clock()
        energy_j = self._energy_j(start, end)
        warnings = () if energy_j > 0 else (zero_energy_warning("RAPL", t1 - t0),)
        return EnergyReading(t0, t1, energy_j, self.source, warnings=warnings)

    def context(self) -> dict:
        return {**super().context(), "rapl_zones": [z.label for z in self.zones]}
