"""Work for searches longer than 2**32 nonces: roll the extranonce (new merkle root) or the time.

A header has only 2**32 nonces; a GPU exhausts them in under a second. Each exhausted header is
replaced by one that differs outside the nonce: a new extranonce in a synthetic coinbase (whose
txid, combined with a fixed merkle branch, gives a new merkle root), or the next time value.
So a benchmark of any length never hashes the same (header, nonce) twice.
"""

from __future__ import annotations

import logging
import struct
from collections.abc import Iterator
from typing import NamedTuple

from bench.errors import InvalidInput
from bench.mining.header import NONCE_SPACE, Header, midstate, sha256d

log = logging.getLogger(__name__)

EXTRANONCE_BYTES = 8
COINBASE_VALUE_SAT = 312_500_000  # 3.125 BTC: the subsidy since block 840000
ROLLS = ("extranonce", "time")


class Job(NamedTuple):
    """One nonce range of one header (nonce field zeroed: the range says which nonces)."""

    header: bytes
    nonce_start: int
    nonce_count: int

    @property
    def midstate(self) -> tuple[int, ...]:
        """The SHA-256 state after this job's first 64 header bytes."""
        return midstate(self.header)


# --- a synthetic coinbase and a real merkle computation --------------------------------------


def _push(data: bytes) -> bytes:
    """A script push of fewer than 76 bytes."""
    if len(data) >= 76:
        raise ValueError("only short pushes are used here")
    return bytes([len(data)]) + data


def coinbase_tx(extranonce: int, height: int = 840_000, tag: bytes = b"joulebench") -> bytes:
    """A serialised coinbase transaction carrying the height and an 8-byte extranonce."""
    script_sig = (
        _push(height.to_bytes(4, "little"))
        + _push(extranonce.to_bytes(EXTRANONCE_BYTES, "little"))
        + _push(tag)
    )
    script_pubkey = b"\x6a" + _push(tag)  # OP_RETURN: an unspendable, self-describing output
    return b"".join(
        (
            struct.pack("<i", 1),  # version
            b"\x01" + b"\x00" * 32 + b"\xff\xff\xff\xff",  # one input, the null outpoint
            _push(script_sig),
            b"\xff\xff\xff\xff",  # sequence
            b"\x01" + struct.pack("<q", COINBASE_VALUE_SAT) + _push(script_pubkey),
            struct.pack("<I", 0),  # lock time
        )
    )


def _next_level(level: list[bytes]) -> list[bytes]:
    if len(level) % 2:
        level = [*level, level[-1]]  # Bitcoin pairs an odd last hash with itself
    return [sha256d(level[i] + level[i + 1]) for i in range(0, len(level), 2)]


def merkle_root(txids: list[bytes]) -> bytes:
    """The merkle root of txids (stored byte order), as Bitcoin computes it."""
    if not txids:
        raise ValueError("a merkle tree needs at least one transaction")
    level = list(txids)
    while len(level) > 1:
        level = _next_level(level)
    return level[0]


def merkle_branch(txids: list[bytes]) -> list[bytes]:
    """The siblings of the first txid (the coinbase) on its way to the root, bottom up."""
    branch, level = [], list(txids)
    while len(level) > 1:
        branch.append(level[1])
        level = _next_level(level)
    return branch


def root_from_branch(leaf: bytes, branch: list[bytes]) -> bytes:
    """The merkle root from the first leaf and its branch."""
    for sibling in branch:
        leaf = sha256d(leaf + sibling)
    return leaf


def synthetic_branch(n_tx: int) -> list[bytes]:
    """A fixed branch for a block of n_tx transactions whose non-coinbase txids are made up."""
    others = [sha256d(b"joulebench tx %d" % i) for i in range(1, n_tx)]
    return merkle_branch([b"\x00" * 32, *others])


# --- the job stream ------------------------------------------------------------------------


class WorkGenerator:
    """An endless stream of Jobs over distinct headers derived from one template."""

    def __init__(
        self,
        template: Header,
        job_nonces: int,
        roll: str = "extranonce",
        extranonce_start: int = 0,
        n_tx: int = 8,
    ) -> None:
        if not 1 <= job_nonces <= NONCE_SPACE:
            raise InvalidInput(f"job size must be 1 .. 2**32 nonces, got {job_nonces}")
        if roll not in ROLLS:
            raise InvalidInput(f"unknown roll {roll!r} (choose from {', '.join(ROLLS)})")
        self.template = template.with_nonce(0)
        self.job_nonces = job_nonces
        self.roll = roll
        self.extranonce_start = extranonce_start
        self.branch = synthetic_branch(n_tx)

    def header_for_extranonce(self, extranonce: int) -> Header:
        """The template with the merkle root of a coinbase carrying this extranonce."""
        txid = sha256d(coinbase_tx(extranonce))
        return self.template.with_merkle_root(root_from_branch(txid, self.branch))

    def headers(self) -> Iterator[Header]:
        """Distinct headers, one per 2**32 nonces."""
        if self.roll == "time":
            for time in range(self.template.time, NONCE_SPACE):
                yield self.template.with_time(time)
            log.warning("time field exhausted at 2**32 - 1: no more distinct headers")
            return
        for extranonce in range(self.extranonce_start, 2 ** (8 * EXTRANONCE_BYTES)):
            yield self.header_for_extranonce(extranonce)

    def __iter__(self) -> Iterator[Job]:
        for header in self.headers():
            raw = header.to_bytes()
            for start in range(0, NONCE_SPACE, self.job_nonces):
                yield Job(raw, start, min(self.job_nonces, NONCE_SPACE - start))
