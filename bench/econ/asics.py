"""Bitcoin ASIC references (nameplate figures, wall power) and what their joules earn."""

from __future__ import annotations

from dataclasses import dataclass

from bench.econ import bitcoin
from bench.econ.datafiles import load_data
from bench.econ.footing import J_PER_KWH, electricity_usd_per_day
from bench.econ.scenario import Figure, Scenario

ASIC_FILE = "asics.toml"


@dataclass(frozen=True)
class Asic:
    """One ASIC model's nameplate: hashrate and wall power."""

    name: str
    th_s: float
    power_w: float
    date: str
    source: str
    kind: str = "datasheet"
    price_usd_per_th: Figure | None = None

    @property
    def j_per_th(self) -> float:
        """Efficiency in joules per terahash."""
        return self.power_w / self.th_s


def load_asics() -> list[Asic]:
    """The ASIC references shipped in bench/data/asics.toml."""
    doc = load_data(ASIC_FILE)
    out = []
    for row in doc["asic"]:
        price = row.get("price_usd_per_th")
        out.append(
            Asic(
                name=row["name"],
                th_s=float(row["th_s"]),
                power_w=float(row["power_w"]),
                date=row.get("date", doc["date"]),
                source=row.get("source", doc["source"]),
                kind=row.get("kind", doc["kind"]),
                price_usd_per_th=Figure(**price) if price else None,
            )
        )
    return out


def usd_per_j_mining(j_per_hash: float, scenario: Scenario) -> float:
    """USD one joule earns when mining at this efficiency (pool fee applied; no PUE)."""
    bph = bitcoin.btc_per_hash(scenario.reward_btc, scenario.difficulty, scenario.value("pool_fee"))
    return bph * scenario.btc_price_usd / j_per_hash


def asic_reference(asic: Asic, scenario: Scenario) -> dict:
    """One ASIC's nameplate and what it earns under the scenario, on the wall footing."""
    usd_per_j = usd_per_j_mining(asic.j_per_th / bitcoin.TH_HS, scenario)
    usd_per_day = usd_per_j * asic.power_w * bitcoin.SECONDS_PER_DAY
    uptime = scenario.value("uptime")  # mining's running share, as for a measured miner
    electricity = electricity_usd_per_day(asic.power_w, scenario, uptime)
    doc = {
        "name": asic.name,
        "th_s": asic.th_s,
        "power_w": asic.power_w,
        "j_per_th": asic.j_per_th,
        "usd_per_day": usd_per_day,
        "usd_per_j": usd_per_j,
        "usd_per_kwh": usd_per_j * J_PER_KWH,
        "uptime": uptime,
        "electricity_usd_per_day": electricity,
        "net_usd_per_day": usd_per_day * uptime - electricity,
        "footing": "wall",
        "source": asic.source,
        "date": asic.date,
        "kind": asic.kind,
    }
    if asic.price_usd_per_th is not None:
        doc["price_usd_per_th"] = asic.price_usd_per_th.to_dict()
        doc["price_usd"] = asic.price_usd_per_th.value * asic.th_s
    return doc


def asic_references(scenario: Scenario) -> list[dict]:
    """Every ASIC reference with its revenue under the scenario (wall footing)."""
    return [asic_reference(a, scenario) for a in load_asics()]
