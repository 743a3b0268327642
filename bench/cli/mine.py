"""`joulebench mine`: search a nonce range of one header (the command-line contract's keys)."""

from __future__ import annotations

import click

from bench.console import emit_json, say


@click.command()
@click.option("--header", "header_hex", required=True, help="The 80-byte header as 160 hex.")
@click.option("--nonce-start", type=int, required=True, help="First nonce searched.")
@click.option("--nonce-count", type=int, required=True, help="Nonces searched (range < 2**32).")
@click.option("--zero-bits", type=int, default=None, help="Target: hash < 2**(256-K).")
@click.option("--target", "target_hex", default=None, help="Target: 64 hex, display order.")
@click.option(
    "--backend",
    type=click.Choice(["auto", "cpu", "cuda"], case_sensitive=False),
    default="auto",
    show_default=True,
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
def mine(header_hex, nonce_start, nonce_count, zero_bits, target_hex, backend, as_json) -> None:
    """Search a nonce range of one header for every hash at or under the target."""
    from bench.mining.search import mine as search

    result = search(header_hex, nonce_start, nonce_count, zero_bits, target_hex, backend)
    if as_json:
        emit_json(result.to_dict())
        return
    doc = result.to_dict()
    rate = f"{doc['hashrate_hs'] / 1e6:.2f} MH/s" if doc["hashrate_hs"] else "rate unmeasured"
    say(
        f"{doc['backend']} ({doc['path']}): {doc['hashes']} hashes from nonce "
        f"{doc['nonce_start']} in {doc['seconds']:.4f} s, {rate}"
    )
    say(f"target {doc['target']}")
    say(f"{len(doc['found'])} found")
    for item in doc["found"]:
        say(f"  nonce {item['nonce']:>10}  hash {item['hash']}")


COMMANDS = [mine]
