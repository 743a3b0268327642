"""`joulebench site`: the site planner (mining and AI halls over a period, sweeps, HTML)."""

from __future__ import annotations

import click

from bench.cli.types import NUMBER
from bench.console import emit_json, say


@click.command("site")
@click.argument("site_name", metavar="SITE")
@click.option(
    "--days", type=NUMBER, default=None, help="Period length in days (from the site's start)."
)
@click.option("--quarter", default=None, help="A calendar quarter, e.g. 2025Q3.")
@click.option("--btc-price", type=NUMBER, default=None, help="Override the BTC price, USD.")
@click.option(
    "--hashprice-usd-ph-day",
    type=NUMBER,
    default=None,
    help="Override the hashprice (USD/PH/day; sets one difficulty for the period).",
)
@click.option(
    "--mining-share", type=NUMBER, default=None, help="Mining share of the halls' MW, in [0, 1]."
)
@click.option(
    "--conversion-capex-usd-per-mw",
    type=NUMBER,
    default=None,
    help="Capex to convert one MW to AI; gives each AI hall's payback.",
)
@click.option(
    "--sweep",
    "sweep_text",
    default=None,
    help="KIND:FROM:TO[:STEPS] with KIND btc-price, hashprice or split.",
)
@click.option("--html", "html_out", default=None, help="Write a self-contained HTML report here.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
def site_cmd(
    site_name,
    days,
    quarter,
    btc_price,
    hashprice_usd_ph_day,
    mining_share,
    conversion_capex_usd_per_mw,
    sweep_text,
    html_out,
    as_json,
) -> None:
    """Plan a site (a preset such as terawulf-q3-2025, or a site TOML): BTC, revenue, margin."""
    from bench.econ.site import Overrides, resolve_period
    from bench.econ.site_model import load_site
    from bench.econ.site_plan import parse_sweep, site_document
    from bench.report.site import render_site_html, render_site_text

    if html_out is not None:  # before any work: not a device, link, folder, or the site file
        from bench.result import check_output_path

        check_output_path(html_out, inputs=[site_name])
    sweep_spec = parse_sweep(sweep_text) if sweep_text is not None else None
    site = load_site(site_name)
    period = resolve_period(site, days, quarter)
    over = Overrides(btc_price, hashprice_usd_ph_day, mining_share)
    doc = site_document(site, period, over, sweep_spec, conversion_capex_usd_per_mw)
    if html_out:
        from bench.result import atomic_write_text

        atomic_write_text(html_out, render_site_html(doc))
    if as_json:
        emit_json(doc)
        return
    say(render_site_text(doc))
    if html_out:
        say(f"report: {html_out}")


COMMANDS = [site_cmd]
