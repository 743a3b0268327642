"""`joulebench econ`: revenue per joule under a dated scenario, and the scenario flags.

The flags that override one figure of a scenario are defined here once; `run` and `report`
take them too (bench.cli.run, bench.cli.report). Click commands only: parse, call bench.econ, print.
"""

from __future__ import annotations

import click

from bench.cli.types import NUMBER, YEARS
from bench.console import emit_json, say

# --- econ (issue 6) ----------------------------------------------------------------------

# CLI flag -> scenario field (the flags override the scenario's figures)
_ECON_FLAGS = {
    "btc_price": "btc_price_usd",
    "difficulty": "difficulty",
    "hashprice_usd_ph_day": "hashprice_usd_per_ph_day",
    "subsidy_btc": "subsidy_btc",
    "block_height": "block_height",
    "fees_btc": "fees_btc_per_block",
    "fees_share": "fees_share_of_rewards",
    "pool_fee": "pool_fee",
    "electricity_usd_kwh": "electricity_usd_kwh",
    "pue": "pue",
    "uptime": "uptime",
    "ai_sold_fraction": "ai_sold_fraction",
    "difficulty_growth": "difficulty_growth_per_month",
    "btc_price_growth": "btc_price_growth_per_month",
}
_SCENARIO_OPTION = click.option(
    "--scenario",
    "scenario_name",
    default="late-2025",
    show_default=True,
    help="Preset name or a scenario TOML file.",
)
# Flags that override one figure of the scenario (econ, run and report take them all).
_OVERRIDE_OPTIONS = [
    click.option("--btc-price", type=NUMBER, help="BTC price, USD."),
    click.option("--difficulty", type=NUMBER, help="Network difficulty."),
    click.option(
        "--hashprice-usd-ph-day",
        type=NUMBER,
        help="Hashprice, USD per PH/s per day (sets the difficulty).",
    ),
    click.option("--subsidy-btc", type=NUMBER, help="Block subsidy, BTC."),
    click.option("--block-height", type=int, help="Block height (sets the subsidy)."),
    click.option("--fees-btc", type=NUMBER, help="Average fees per block, BTC."),
    click.option("--fees-share", type=NUMBER, help="Fees as a share of block rewards (0.006)."),
    click.option("--pool-fee", type=NUMBER, help="Pool fee as a fraction (0.02 = 2 %)."),
    click.option("--electricity-usd-kwh", type=NUMBER, help="Electricity price, USD/kWh."),
    click.option("--pue", type=NUMBER, help="Facility PUE (>= 1)."),
    click.option(
        "--uptime", type=NUMBER, help="Mining uptime (curtailment), in (0, 1]; mining only."
    ),
    click.option(
        "--ai-sold-fraction",
        type=NUMBER,
        help="Share of an AI device's time sold (per-token and GPU-hour), in (0, 1].",
    ),
    click.option(
        "--difficulty-growth",
        type=NUMBER,
        help="Difficulty growth per month, e.g. 0.03 for 3 % (TCO path).",
    ),
    click.option(
        "--btc-price-growth",
        type=NUMBER,
        help="BTC price growth per month, e.g. 0 for flat (TCO path).",
    ),
]
_ECON_OPTIONS = [
    _SCENARIO_OPTION,
    *_OVERRIDE_OPTIONS,
    click.option(
        "--footing",
        type=click.Choice(["board", "wall", "package"]),
        default="board",
        show_default=True,
        help="--power-w is board (NVML; adds the platform's host), wall, or CPU package (RAPL).",
    ),
    click.option(
        "--platform",
        type=click.Choice(["sxm-server", "pcie-server", "workstation"]),
        help="Host around a board-power GPU (watts and capex per GPU) [default: sxm-server, or "
        "the --card's].",
    ),
    click.option(
        "--host-overhead-w",
        type=NUMBER,
        help="Host watts per GPU on board power (replaces the platform's).",
    ),
    click.option("--json", "as_json", is_flag=True, help="Print one JSON document."),
]


def scenario_overrides(func):
    for option in reversed(_OVERRIDE_OPTIONS):
        func = option(func)
    return func


def pop_overrides(flags: dict) -> dict:
    """The scenario overrides given on the command line (removed from flags)."""
    return {field: flags.pop(flag) for flag, field in _ECON_FLAGS.items()}


def _econ_options(func):
    for option in reversed(_ECON_OPTIONS):
        func = option(func)
    return func


def _econ_boundary(footing: str, flags: dict):
    """The power boundary from --footing, --platform, --host-overhead-w (pops the latter two)."""
    from bench.econ.footing import boundary

    return boundary(footing, flags.pop("platform"), flags.pop("host_overhead_w"))


def _econ_scenario(scenario_name: str, flags: dict):
    """Load the scenario with the command-line overrides (pops the scenario flags)."""
    from bench.econ import load_scenario

    return load_scenario(scenario_name, **pop_overrides(flags))


@click.group()
def econ() -> None:
    """Revenue per joule under a dated market scenario: mining, AI, ASIC references."""


@econ.command("mining")
@click.option("--hashrate-hs", type=NUMBER, required=True, help="Hashrate, hashes/s.")
@click.option("--power-w", type=NUMBER, required=True, help="Power draw, W.")
@_econ_options
def econ_mining(hashrate_hs, power_w, scenario_name, footing, as_json, **flags) -> None:
    """Mining revenue of a device from its hashrate and power, beside the ASIC references."""
    from bench.econ import mining_revenue
    from bench.econ.format import format_mining

    bound = _econ_boundary(footing, flags)
    scenario = _econ_scenario(scenario_name, flags)
    doc = mining_revenue(hashrate_hs, power_w, scenario, footing=bound)
    emit_json(doc) if as_json else say(format_mining(doc))


@econ.command("ai")
@click.option("--units-per-s", type=NUMBER, required=True, help="Throughput, work units/s.")
@click.option("--power-w", type=NUMBER, required=True, help="Power draw, W.")
@click.option("--usd-per-million-units", type=NUMBER, help="Price per million units sold.")
@click.option("--usd-per-hour", type=NUMBER, help="Rental price per GPU-hour.")
@click.option(
    "--utilisation",
    type=NUMBER,
    help="Share of the time sold, in (0, 1] [default: the scenario's ai_sold_fraction].",
)
@click.option(
    "--mining-hashrate-hs",
    type=NUMBER,
    help="Hashrate mining (this card at the same power, or the --mining-power-w machine): "
    "adds the pivot, per joule of wall power while busy.",
)
@click.option(
    "--mining-power-w",
    type=NUMBER,
    help="Wall power of another mining machine (an ASIC) for the pivot; default: this card's.",
)
@_econ_options
def econ_ai(
    units_per_s,
    power_w,
    usd_per_million_units,
    usd_per_hour,
    utilisation,
    mining_hashrate_hs,
    mining_power_w,
    scenario_name,
    footing,
    as_json,
    **flags,
) -> None:
    """AI revenue from throughput and power, per unit sold or per GPU-hour rented."""
    from bench.econ import ai_revenue, mining_revenue, pivot
    from bench.econ.format import format_ai

    if (usd_per_million_units is None) == (usd_per_hour is None):
        raise click.UsageError("give exactly one of --usd-per-million-units and --usd-per-hour")
    bound = _econ_boundary(footing, flags)
    scenario = _econ_scenario(scenario_name, flags)
    doc = ai_revenue(
        units_per_s,
        power_w,
        scenario,
        usd_per_million_units,
        usd_per_hour,
        utilisation,
        footing=bound,
    )
    if mining_power_w is not None and mining_hashrate_hs is None:
        raise click.UsageError("--mining-power-w needs --mining-hashrate-hs")
    if mining_hashrate_hs is not None:
        given = mining_power_w is not None
        m_power, m_bound = (mining_power_w, "wall") if given else (power_w, bound)
        mining = mining_revenue(mining_hashrate_hs, m_power, scenario, m_bound, compare_asics=False)
        doc["pivot"] = pivot(doc, mining)
    emit_json(doc) if as_json else say(format_ai(doc))


@econ.command("scenarios")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
def econ_scenarios(as_json) -> None:
    """List the preset market scenarios with their dates."""
    from bench.econ import list_scenarios
    from bench.econ.format import format_scenarios

    presets = list_scenarios()
    emit_json({"scenarios": presets}) if as_json else say(format_scenarios(presets))


@econ.command("asics")
@_SCENARIO_OPTION
@scenario_overrides
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
def econ_asics(scenario_name, as_json, **flags) -> None:
    """List the ASIC references and what they earn under a scenario."""
    from bench.econ import asic_references
    from bench.econ.format import format_asics

    scenario = _econ_scenario(scenario_name, flags)
    refs = asic_references(scenario)
    doc = {"asics": refs, "scenario": scenario.to_dict()}
    emit_json(doc) if as_json else say(format_asics(refs, scenario.name))


@econ.command("cards")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
def econ_cards(as_json) -> None:
    """List the card catalog: datasheet figures and quoted prices with their sources."""
    from bench.econ.format import format_cards
    from bench.hardware import load_cards, load_platforms

    cards = [c.to_dict() for c in load_cards()]
    platforms = {k: p.to_dict() for k, p in load_platforms().items()}
    doc = {"cards": cards, "platforms": platforms}
    emit_json(doc) if as_json else say(format_cards(cards, platforms))


@econ.command("tco")
@click.option("--capex-usd", type=NUMBER, help="Purchase price, USD (default: the card's).")
@click.option("--card", "card_name", help="Catalog card (econ cards): its price is the capex.")
@click.option("--power-w", type=NUMBER, required=True, help="Power draw while running, W.")
@click.option("--years", type=YEARS, default=3.0, show_default=True, help="Years of service.")
@click.option("--utilisation", type=NUMBER, help="Share of the time busy (or of hours sold).")
@click.option("--usd-per-day", type=NUMBER, help="Gross revenue per day while running, USD.")
@click.option("--hashrate-hs", type=NUMBER, help="Revenue from mining at this hashrate.")
@click.option("--units-per-s", type=NUMBER, help="Revenue from AI work at this throughput...")
@click.option("--usd-per-million-units", type=NUMBER, help="...sold at this price per million")
@click.option("--usd-per-hour", type=NUMBER, help="...or rented at this price per hour.")
@_econ_options
def econ_tco(
    capex_usd, card_name, power_w, years, scenario_name, footing, as_json, **flags
) -> None:
    """Total cost of ownership, payback and revenue per capex dollar of one device."""
    from bench.econ.format import format_tco
    from bench.econ.ownership import ownership

    platform, host_w = flags.pop("platform"), flags.pop("host_overhead_w")
    scenario = _econ_scenario(scenario_name, flags)
    doc = ownership(
        scenario, power_w, capex_usd, card_name, years, footing,
        platform=platform, host_overhead_w=host_w, **flags,
    )  # fmt: skip
    emit_json(doc) if as_json else say(format_tco(doc))


COMMANDS = [econ]
