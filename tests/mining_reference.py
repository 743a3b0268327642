"""Test-only references for the miner: an exhaustive hashlib scan and a pure-Python backend."""

from __future__ import annotations

import hashlib

from bench.mining.backend import Found, SearchResult


def hash_value(header: bytes, nonce: int) -> int:
    """sha256d of the header with this nonce, as the integer compared against targets."""
    raw = header[:76] + nonce.to_bytes(4, "little")
    return int.from_bytes(hashlib.sha256(hashlib.sha256(raw).digest()).digest(), "little")


def scan(header: bytes, start: int, count: int, target: int) -> list[dict]:
    """Every qualifying nonce of the range with its display-order hash, by hashlib."""
    out = []
    for nonce in range(start, start + count):
        value = hash_value(header, nonce)
        if value <= target:
            out.append({"nonce": nonce, "hash": f"{value:064x}"})
    return out


class PyMiner:
    """A tiny pure-Python backend, for tests that need one where the native miner is absent."""

    name = "cpu"

    def __init__(self) -> None:
        self.calls: list[tuple[bytes, int, int, int]] = []

    def search(self, header, nonce_start, nonce_count, target):
        self.calls.append((bytes(header), nonce_start, nonce_count, target))
        hits = scan(header, nonce_start, nonce_count, target)
        found = [Found(h["nonce"], h["hash"]) for h in hits]
        return SearchResult(
            "cpu", "python", nonce_start, nonce_count, target, found, nonce_count, 1e-3, False
        )
