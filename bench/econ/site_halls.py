"""Parse a site's halls: ASIC mining (catalog or custom rows), hosting leases, GPU fleets.

A GPU fleet takes its throughput and joules per unit from a joulebench result file, read
through bench.result (median of the measured windows); an unmeasured energy is refused.
"""

from __future__ import annotations

import math
from pathlib import Path

from bench.econ.asics import load_asics
from bench.econ.figures import Figure
from bench.econ.site_model import HALL_KINDS, Hall, Miner, SiteError, check, figure, parse_date
from bench.econ.site_model import stated as _stated
from bench.errors import ResultError

_COMMON = {"name", "kind", "critical_it_mw", "pue"}
_KEYS = {
    "mining": _COMMON | {"uptime", "installed_eh_s", "fleet"},
    "hosting": _COMMON
    | {
        "leased_mw",
        "lease_usd_per_mw_year",
        "lease_usd_per_mwh",
        "lease_start",
        "power_passed_through",
        "load_factor",
    },
    "gpu": _COMMON
    | {
        "result",
        "workload",
        "gpus",
        "host_w_per_gpu",
        "sold_fraction",
        "usd_per_million_units",
        "usd_per_gpu_hour",
    },
}


def parse_halls(rows: object, where: str, date: str, base_dir: Path | None) -> tuple[Hall, ...]:
    """Every [[hall]] of a site file, checked."""
    if not isinstance(rows, list) or not rows:
        raise SiteError(f"{where}: a site needs at least one [[hall]]")
    halls = []
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            raise SiteError(f"{where}: hall {i} is not a table")
        here = f"{where} hall {row.get('name', i)!s}"
        kind = row.get("kind")
        if kind not in HALL_KINDS:
            raise SiteError(f"{here}: kind must be one of {', '.join(HALL_KINDS)}, got {kind!r}")
        extra = sorted(set(row) - _KEYS[kind])
        if extra:
            raise SiteError(f"{here}: unknown key(s) for a {kind} hall: {', '.join(extra)}")
        parse = {"mining": _mining, "hosting": _hosting, "gpu": _gpu}[kind]
        halls.append(parse(row, here, date, base_dir))
    names = [h.name for h in halls]
    if len(set(names)) != len(names):
        raise SiteError(f"{where}: two halls share a name")
    return tuple(halls)


def _mining(row: dict, where: str, date: str, base_dir: Path | None) -> Hall:
    fleet = _fleet(row.get("fleet"), where)
    if fleet and "installed_eh_s" in row:
        raise SiteError(f"{where}: give a fleet or installed_eh_s, not both")
    if not fleet and "installed_eh_s" not in row:
        raise SiteError(f"{where}: a mining hall needs a fleet or installed_eh_s")
    fleet_mw = sum(m.units * m.power_w for m in fleet) / 1e6
    mw_default = _stated(fleet_mw, "the fleet's nameplate wall power") if fleet else None
    mw = figure(row, "critical_it_mw", where, date, mw_default)
    if fleet_mw > mw.value * (1 + 1e-9):
        raise SiteError(
            f"{where}: the fleet draws {fleet_mw:g} MW, more than the hall's {mw.value:g}"
        )
    return Hall(
        name=str(row.get("name", where)),
        kind="mining",
        critical_it_mw=mw,
        pue=figure(row, "pue", where, date, _stated(1.0, "no PUE given: power at the meter")),
        uptime=figure(row, "uptime", where, date, _stated(1.0, "no curtailment given")),
        installed_eh_s=None if fleet else figure(row, "installed_eh_s", where, date),
        fleet=fleet,
    )


def _fleet(rows: object, where: str) -> tuple[Miner, ...]:
    if rows is None:
        return ()
    if not isinstance(rows, list) or not rows:
        raise SiteError(f"{where}: fleet must be a non-empty list of rows")
    catalog = {a.name.lower(): a for a in load_asics()}
    out = []
    for i, row in enumerate(rows):
        here = f"{where} fleet[{i}]"
        if not isinstance(row, dict) or "units" not in row:
            raise SiteError(f"{here}: a fleet row needs units and an asic (or name, th_s, power_w)")
        units = _num(row, "units", here)
        if "asic" in row:
            asic = catalog.get(str(row["asic"]).lower())
            if asic is None:
                known = ", ".join(sorted(a.name for a in catalog.values()))
                raise SiteError(f"{here}: unknown ASIC {row['asic']!r} (catalog: {known})")
            src = f"{asic.source} ({asic.kind}, {asic.date})"
            out.append(Miner(asic.name, asic.th_s, asic.power_w, units, src))
        else:
            th_s, power_w = _num(row, "th_s", here), _num(row, "power_w", here)
            name = str(row.get("name", f"custom row {i}"))
            out.append(Miner(name, th_s, power_w, units, str(row.get("source", "given"))))
    return tuple(out)


def _num(row: dict, key: str, where: str) -> float:
    value = row.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SiteError(f"{where}: {key} must be a number, got {value!r}")
    return check(key, float(value), where)


def _hosting(row: dict, where: str, date: str, base_dir: Path | None) -> Hall:
    mw = figure(row, "critical_it_mw", where, date)
    has_year, has_mwh = "lease_usd_per_mw_year" in row, "lease_usd_per_mwh" in row
    if has_year == has_mwh:
        raise SiteError(f"{where}: give exactly one of lease_usd_per_mw_year, lease_usd_per_mwh")
    leased = figure(row, "leased_mw", where, date, _stated(mw.value, "the whole hall is leased"))
    if leased.value > mw.value * (1 + 1e-9):
        raise SiteError(f"{where}: leased_mw {leased.value:g} is more than the hall's {mw.value:g}")
    start, start_src = _lease_start(row.get("lease_start"), where)
    item = row.get("power_passed_through", {"value": False, "source": "not given: site pays"})
    passed = item.get("value") if isinstance(item, dict) else item
    passed_src = _source(item)
    if not isinstance(passed, bool):
        raise SiteError(f"{where}: power_passed_through must be true or false")
    return Hall(
        name=str(row.get("name", where)),
        kind="hosting",
        critical_it_mw=mw,
        pue=figure(row, "pue", where, date, _stated(1.0, "no PUE given")),
        leased_mw=leased,
        lease_usd_per_mw_year=figure(row, "lease_usd_per_mw_year", where, date)
        if has_year
        else None,
        lease_usd_per_mwh=figure(row, "lease_usd_per_mwh", where, date) if has_mwh else None,
        lease_start=start,
        lease_start_source=start_src,
        power_passed_through=passed,
        power_passed_through_source=passed_src,
        load_factor=figure(
            row, "load_factor", where, date, _stated(1.0, "the tenant draws its whole lease")
        ),
    )


def _source(item: object) -> str:
    if isinstance(item, dict):
        return f"{item.get('source', 'given')} ({item.get('kind', 'given')})"
    return "given"


def _lease_start(item: object, where: str) -> tuple[object, str]:
    if item is None:
        return None, ""
    value = item.get("value") if isinstance(item, dict) else item
    return parse_date(value, where), _source(item)


def _gpu(row: dict, where: str, date: str, base_dir: Path | None) -> Hall:
    has_token, has_hour = "usd_per_million_units" in row, "usd_per_gpu_hour" in row
    if has_token == has_hour:
        raise SiteError(f"{where}: give exactly one of usd_per_million_units, usd_per_gpu_hour")
    measured = measured_workload(row.get("result"), row.get("workload"), where, base_dir)
    host = figure(row, "host_w_per_gpu", where, date, _stated(0.0, "no host power given"))
    wall_w = measured["board_w"] + host.value
    if "gpus" in row:
        gpus = figure(row, "gpus", where, date)
        mw = figure(
            row,
            "critical_it_mw",
            where,
            date,
            _stated(gpus.value * wall_w / 1e6, "the GPUs' measured power plus host"),
        )
    else:
        mw = figure(row, "critical_it_mw", where, date)
        gpus = _stated(
            mw.value * 1e6 / wall_w,
            "as many GPUs as the hall's MW powers at the measured wall power",
        )
    if gpus.value * wall_w / 1e6 > mw.value * (1 + 1e-9):
        raise SiteError(f"{where}: {gpus.value:g} GPUs draw more than the hall's {mw.value:g} MW")
    price_key = "usd_per_million_units" if has_token else "usd_per_gpu_hour"
    gpu = {
        **measured,
        "gpus": gpus,
        "host_w_per_gpu": host,
        "sold_fraction": figure(
            row, "sold_fraction", where, date, _stated(1.0, "all capacity sold")
        ),
        "price_key": price_key,
        "price": figure(row, price_key, where, date),
    }
    return Hall(
        name=str(row.get("name", where)),
        kind="gpu",
        critical_it_mw=mw,
        pue=figure(row, "pue", where, date, _stated(1.0, "no PUE given")),
        gpu=gpu,
    )


def measured_workload(path: object, workload: object, where: str, base_dir: Path | None) -> dict:
    """Throughput, J/unit and board power (medians) of one workload of a result file."""
    from bench.result.model import load_result

    if not isinstance(path, str) or not path:
        raise SiteError(f"{where}: a gpu hall needs result = a joulebench result file")
    file = Path(path) if base_dir is None or Path(path).is_absolute() else base_dir / path
    try:
        result = load_result(file)
    except ResultError as exc:
        raise SiteError(f"{where}: {exc}") from None
    names = [e.name for e in result.workloads]
    if workload is None and len(names) == 1:
        workload = names[0]
    if workload is None:
        raise SiteError(f"{where}: name the workload; {file} holds {', '.join(names)}")
    if workload not in names:
        raise SiteError(f"{where}: workload {workload!r} not in {file} (has: {', '.join(names)})")
    entry = result.workloads[names.index(workload)]
    if entry.family == "mining":
        raise SiteError(f"{where}: {workload} is a mining workload; a gpu hall serves AI work")
    rate, jpu = entry.median("units_per_s"), entry.median("j_per_unit")
    for key, value in (("units_per_s", rate), ("j_per_unit", jpu)):
        if value is None or not math.isfinite(value) or value <= 0:
            reason = getattr(entry.stat(key), "reason", None) or entry.measurement.energy_note
            raise SiteError(f"{where}: {workload} {key} is unmeasured in {file} ({reason})")
    return {
        "result": str(file),
        "workload": workload,
        "unit": entry.unit,
        "device": entry.device.name,
        "units_per_s": float(rate),
        "j_per_unit": float(jpu),
        "board_w": float(rate) * float(jpu),
    }


__all__ = ["Figure", "measured_workload", "parse_halls"]
