"""One checked nonce search, as `joulebench mine` asks for it: validate, pick a backend, run.

Inputs are checked before any hashing; the backend's search checks every candidate nonce
with hashlib (bench.mining.backend.verify_candidates), so nothing is hashed twice here.
"""

from __future__ import annotations

import logging

from bench.errors import InvalidInput, InvalidTarget
from bench.mining.backend import SearchResult, select_backend
from bench.mining.header import (
    NONCE_SPACE,
    Header,
    parse_target_hex,
    target_from_zero_bits,
)

log = logging.getLogger(__name__)


def resolve_target(header: Header, zero_bits: int | None, target_hex: str | None) -> int:
    """The target asked for: --zero-bits, --target, or else the header's own bits."""
    if zero_bits is not None and target_hex is not None:
        raise InvalidTarget("give --zero-bits or --target, not both")
    if zero_bits is not None:
        return target_from_zero_bits(zero_bits)
    if target_hex is not None:
        return parse_target_hex(target_hex)
    try:
        return header.target
    except InvalidTarget as exc:
        raise InvalidTarget(f"the header's {exc}; give --zero-bits or --target") from None


def check_range(nonce_start: int, nonce_count: int) -> None:
    """A nonce range must lie inside 0 .. 2**32 - 1 and hold at least one nonce."""
    if not 0 <= nonce_start < NONCE_SPACE:
        raise InvalidInput(f"nonce start must be 0 .. {NONCE_SPACE - 1}, got {nonce_start}")
    if nonce_count < 1:
        raise InvalidInput(f"nonce count must be at least 1, got {nonce_count}")
    if nonce_start + nonce_count > NONCE_SPACE:
        raise InvalidInput(
            f"nonce range {nonce_start} + {nonce_count} runs past 2**32 "
            f"(the last nonce is {NONCE_SPACE - 1}); change the extranonce or time instead"
        )


def mine(
    header_hex: str,
    nonce_start: int,
    nonce_count: int,
    zero_bits: int | None = None,
    target_hex: str | None = None,
    backend: str = "auto",
) -> SearchResult:
    """Search a nonce range of one header; every input is checked before any hashing."""
    header = Header.from_hex(header_hex)
    check_range(nonce_start, nonce_count)
    target = resolve_target(header, zero_bits, target_hex)
    miner = select_backend(backend)
    log.info("mining %d nonces from %d on %s", nonce_count, nonce_start, miner.name)
    result = miner.search(header.to_bytes(), nonce_start, nonce_count, target)
    if result.overflow:
        raise InvalidInput(
            f"more qualifying nonces than the result buffer holds ({len(result.found)} "
            "kept before it filled); narrow the nonce range or use a harder target"
        )
    return result  # every nonce in result.found was checked with hashlib by the backend
