"""Readable, aligned text for the economics documents (the CLI prints what these return)."""

from __future__ import annotations

from bench.econ.figures import KIND_LEGEND


def num(x: float | None) -> str:
    """A number in 4 significant figures, thousands separated when large; "-" for None."""
    if x is None:
        return "-"
    if 1e3 <= abs(x) < 1e9:
        return f"{x:,.0f}"
    return f"{x:.4g}"


def rows(pairs: list[tuple[str, str]], indent: str = "  ") -> list[str]:
    """Label-value lines with the values aligned."""
    width = max((len(k) for k, _ in pairs), default=0)
    return [f"{indent}{k.ljust(width)}  {v}" for k, v in pairs]


def table(
    header: list[str], body: list[list[str]], indent: str = "  ", left: tuple[int, ...] = (0,)
) -> list[str]:
    """Columns aligned: those indexed in `left` to the left, the others to the right."""
    cols = list(zip(header, *body, strict=True))
    widths = [max(len(c) for c in col) for col in cols]

    def line(cells: list[str]) -> str:
        parts = [
            c.ljust(w) if i in left else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return (indent + "  ".join(parts)).rstrip()

    return [line(header)] + [line(r) for r in body]


def scenario_header(doc: dict) -> str:
    """One line naming the scenario, its date, any overrides with their values, the hashprice."""
    sc = doc["scenario"]
    figures = sc["figures"]
    given = [f"{k} = {num(figures[k]['value'])}" if k in figures else k for k in sc["overridden"]]
    extra = f"; overridden: {', '.join(given)}" if given else ""
    hashprice = sc.get("derived", {}).get("hashprice_usd_per_ph_day")
    hp = f"; hashprice {num(hashprice)} USD/PH/day" if hashprice is not None else ""
    return f"scenario {sc['name']} ({sc['date']}){hp}{extra}"


def _running(doc: dict) -> str:
    """The share of the time the figures are at: mining's uptime or AI's sold fraction."""
    if "hashrate_hs" in doc:
        return f"uptime {doc['uptime']:.0%}"
    return f"sold {doc['utilisation']:.0%} of the time"


def power_line(doc: dict) -> str:
    """The power as given, its footing and the wall figure."""
    return f"{num(doc['power_w'])} W ({doc['footing']}; wall {num(doc['wall_power_w'])} W)"


def net_rows(doc: dict) -> list[tuple[str, str]]:
    """Gross, electricity and net at the same share of the time (gross - electricity = net),
    then the break-even; shared by mining and AI."""
    at = _running(doc)
    return [
        ("USD per J (wall)", num(doc["usd_per_j_wall"])),
        ("USD per kWh (wall)", num(doc["usd_per_kwh_wall"])),
        (f"gross USD per day ({at})", num(doc["usd_per_day"])),
        (
            f"- electricity per day ({at})",
            f"{num(doc['electricity_usd_per_day'])} USD at {num(doc['electricity_usd_kwh'])} "
            f"USD/kWh, PUE {doc['pue']:.2f}",
        ),
        (f"= net USD per day ({at})", num(doc["net_usd_per_day"])),
        ("break-even electricity", f"{num(doc['breakeven_usd_per_kwh'])} USD/kWh"),
    ]


def assumption_lines(doc: dict) -> list[str]:
    """The scenario's figures with their dates and kinds (sources are in the JSON)."""
    figures = doc["scenario"]["figures"]
    pairs = [(key, f"{num(f['value'])}  ({f['date']}, {f['kind']})") for key, f in figures.items()]
    return ["Assumptions (date, kind; sources with --json):", *rows(pairs), f"  ({KIND_LEGEND})"]


def format_mining(doc: dict) -> str:
    """The mining revenue document as text, with the ASIC references beside it."""
    lines = [f"Mining revenue, {scenario_header(doc)}"]
    lines += rows(
        [
            ("hashrate", f"{num(doc['hashrate_hs'])} H/s"),
            ("power", power_line(doc)),
            ("efficiency", f"{num(doc['j_per_th'])} J/TH"),
            ("hashprice", f"{num(doc['hashprice_usd_per_ph_day'])} USD/PH/day"),
            (f"BTC per day ({_running(doc)})", num(doc["btc_per_day"])),
            ("USD per day running all day", num(doc["usd_per_day_running"])),
            ("USD per J", num(doc["usd_per_j"])),
            ("USD per kWh", num(doc["usd_per_kwh"])),
            *net_rows(doc),
            ("break-even BTC price", f"{num(doc['breakeven_btc_price_usd'])} USD"),
        ]
    )
    lines.append(f"  ({doc['footing_note']})")
    if doc.get("asics"):
        lines.append("ASIC references (nameplate, wall power), same scenario:")
        body = [
            [
                a["name"],
                num(a["j_per_th"]),
                num(a["usd_per_day"]),
                num(a["usd_per_kwh"]),
                num(a["device_over_asic"]),
            ]
            for a in doc["asics"]
        ]
        lines += table(["model", "J/TH", "USD/day", "USD/kWh", "this device / ASIC"], body)
    return "\n".join(lines + assumption_lines(doc))


def format_ai(doc: dict) -> str:
    """The AI revenue document as text."""
    lines = [f"AI revenue ({doc['price_basis']} basis), {scenario_header(doc)}"]
    pairs = [
        ("throughput", f"{num(doc['units_per_s'])} units/s"),
        ("power", power_line(doc)),
        ("energy per unit", f"{num(doc['j_per_unit'])} J"),
        ("price", f"{num(doc['usd_per_million_units'])} USD per million units"),
        ("sold fraction", f"{doc['utilisation']:.0%} ({doc.get('utilisation_source', 'given')})"),
        ("USD per busy day", num(doc["usd_per_day_busy"])),
        ("USD per J", num(doc["usd_per_j"])),
        ("USD per kWh", num(doc["usd_per_kwh"])),
        *net_rows(doc),
    ]
    if "pivot" in doc:
        pv = doc["pivot"]
        pairs.append(("pivot: AI / mining", f"{num(pv['ratio'])} (wall power, while busy)"))
        pairs.append(
            (
                "  mining side",
                f"{num(pv['mining_hashrate_hs'])} H/s at {num(pv['mining_power_w'])} W "
                f"({pv['mining_footing']}; wall {num(pv['mining_wall_power_w'])} W)",
            )
        )
    lines += rows(pairs)
    lines.append(f"  ({doc['footing_note']})")
    return "\n".join(lines + assumption_lines(doc))


def format_scenarios(presets: list[dict]) -> str:
    """The preset scenarios with their dates and headline figures."""
    header = ["scenario", "date", "BTC USD", "USD/PH/day", "USD/kWh", "mining uptime", "AI sold",
              "description"]  # fmt: skip
    body = [
        [
            p["name"],
            p["date"],
            num(p["btc_price_usd"]),
            num(p["hashprice_usd_per_ph_day"]),
            num(p["electricity_usd_kwh"]),
            f"{p['uptime']:.0%}",
            f"{p['ai_sold_fraction']:.0%}",
            p["description"],
        ]
        for p in presets
    ]
    return "\n".join(table(header, body, indent="", left=(0, 1, 7)))


def format_asics(refs: list[dict], scenario_name: str) -> str:
    """The ASIC references and what they earn under a scenario."""
    body = [
        [a["name"], num(a["th_s"]), num(a["power_w"]), num(a["j_per_th"]), num(a["usd_per_day"]),
         num(a["usd_per_kwh"]), num(a["net_usd_per_day"]),
         num(a["price_usd"]) if "price_usd" in a else "unpriced"]
        for a in refs
    ]  # fmt: skip
    head = ["model", "TH/s", "W (wall)", "J/TH", "USD/day", "USD/kWh", "net USD/day", "price USD"]
    title = f"ASIC references (nameplate, wall power), scenario {scenario_name}:"
    note = (
        "USD/day: running all day; net USD/day: at the scenario's mining uptime, after "
        "electricity at wall power x PUE; price: USD per TH/s x TH/s"
    )
    return "\n".join([title, *table(head, body), note])


def _priced(fig: dict | None) -> str:
    return f"{num(fig['value'])} [{fig['kind']}, {fig['date']}]" if fig else "unpriced"


def format_cards(cards: list[dict], platforms: dict | None = None) -> str:
    """The hardware catalog (datasheet figures, quoted prices) and the platforms' hosts."""
    body = [
        [c["name"], c["platform"], num(c["board_power_w"]), num(c["memory_gb"]),
         num(c["bf16_dense_tflops"]), num(c["memory_bandwidth_tbs"]), _priced(c["price_usd"]),
         _priced(c["gpu_hour_usd"])]
        for c in cards
    ]  # fmt: skip
    head = ["card", "platform", "board W", "GB", "bf16 TFLOP/s", "TB/s", "price USD", "USD/GPU-h"]
    lines = ["Hardware catalog (datasheet figures, quoted prices; not measured):"]
    lines += table(head, body, left=(0, 1, 6, 7))
    if platforms:
        lines.append("Platforms (host per GPU, added to board power and to the card's price):")
        pbody = [
            [name, num(p["host_overhead_w"]["value"]), num(p["host_capex_usd"]["value"]),
             p["description"]]
            for name, p in platforms.items()
        ]  # fmt: skip
        lines += table(["platform", "host W", "host USD", "what"], pbody, left=(0, 3))
    lines.append(f"Prices are [kind, date]; {KIND_LEGEND}.")
    return "\n".join(lines)


def payback_text(months: float | None, never_reason: str | None) -> str:
    """Payback in months, or "never" with the reason."""
    if months is not None:
        return f"{num(months)} months"
    return f"never ({never_reason})" if never_reason else "n/a"


def _capex_text(doc: dict) -> str:
    src = doc["capex_source"]
    if src["source_kind"] == "given":
        return f"{num(doc['capex_usd'])} USD (given)"
    card = doc["catalog"].get("name") or "catalog"
    text = (
        f"{num(doc['card_capex_usd'])} USD (catalog price of {card}: {src['kind']}, {src['date']})"
    )
    if src["source_kind"] == "given":
        text = f"{num(doc['card_capex_usd'])} USD (given)"
    if doc.get("host_capex_usd"):
        text += f" + host {num(doc['host_capex_usd'])} USD = {num(doc['capex_usd'])} USD"
    return text


def path_lines(doc: dict) -> list[tuple[str, str]]:
    """The month-by-month path: halving month, dominant assumption, assumptions."""
    path = doc.get("path")
    if not path:
        return []
    pairs = [("net over the path", f"{num(path['net_usd'])} USD (revenue {num(path['revenue_usd'])}"
                                   f" - electricity {num(path['electricity_usd'])})")]  # fmt: skip
    if "halving_month" in path:
        hm = path["halving_month"]
        pairs.append(("halving", "not within the years" if hm is None else f"month {hm + 1}"))
        dom = path.get("dominant_assumption")
        deltas = path.get("revenue_change_if_held_flat_usd", {})
        text = ", ".join(f"{k} {num(v)}" for k, v in deltas.items())
        pairs.append(
            ("dominant assumption", f"{dom or 'none'} (revenue change if held flat: {text} USD)")
        )
    pairs += [("assumed", a) for a in path["assumptions"]]
    return pairs


def format_tco(doc: dict) -> str:
    """The TCO document (`econ tco`) as text: capex, revenue, electricity, TCO, payback."""
    rev, cost = doc["revenue"], doc["tco"]
    at = _running(rev)
    years = cost["years"]
    lines = [f"TCO over {num(years)} years ({rev['basis']} revenue), {scenario_header(doc)}"]
    shown = {k: v for k, v in doc["per_usd"].items() if k != "source_kind"}
    if len(shown) > 1:  # hashes_per_s_per_usd says what units_per_s_per_usd says
        shown.pop("units_per_s_per_usd", None)
    per_usd = [(k, num(v)) for k, v in shown.items()]
    lines += rows(
        [
            ("capex", _capex_text(doc)),
            ("capex boundary", doc.get("capex_boundary", "")),
            ("power", power_line(rev)),
            (f"gross USD per day ({at})", num(rev["usd_per_day"])),
            (f"- electricity per day ({at})", num(rev["electricity_usd_per_day"])),
            (f"= net USD per day ({at})", num(rev["net_usd_per_day"])),
            (
                "electricity per year",
                f"{num(cost['electricity_usd_per_year'])} USD ({num(cost['kwh_per_year'])} kWh "
                f"running {cost['utilisation']:.0%} of the time, PUE {cost['pue']:.2f})",
            ),
            ("TCO", f"{num(cost['tco_usd'])} USD ({num(cost['tco_usd_per_year'])} USD/year)"),
            (f"net after capex, {num(years)} y", f"{num(doc['net_after_capex_usd'])} USD"),
            ("payback", payback_text(doc["payback_months"], doc["payback_never"])),
            *path_lines(doc),
            *[(f"{k} (throughput given / capex)", v) for k, v in per_usd],
        ]
    )
    lines.append(f"  ({rev['footing_note']})")
    return "\n".join(lines + assumption_lines(doc))
