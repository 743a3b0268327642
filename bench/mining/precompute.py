"""The per-header precompute of the SHA-256d core (jb_pre), in Python for the CUDA host.

kernels/sha256d_core.h documents the 24 words: midstate, the block-2 state at round 4 less the
nonce word, and nonce-free message-schedule terms. The CPU extension computes the same words in
C (bench.mining._cpuminer.precompute); this module lets the CUDA path run where that extension
was not built, and the tests check the two against each other.
"""

from __future__ import annotations

import struct

from bench.errors import InvalidHeader
from bench.mining.header import HEADER_BYTES, SHA256_K, midstate

PRE_WORDS = 24
_M = 0xFFFFFFFF


def _rotr(x: int, n: int) -> int:
    return ((x >> n) | (x << (32 - n))) & _M


def _ssig0(x: int) -> int:
    return _rotr(x, 7) ^ _rotr(x, 18) ^ (x >> 3)


def _ssig1(x: int) -> int:
    return _rotr(x, 17) ^ _rotr(x, 19) ^ (x >> 10)


def _rounds(state: list[int], words: list[int], count: int) -> list[int]:
    """Rounds 0 .. count-1 of SHA-256 over `words`, from `state` (a..h)."""
    a, b, c, d, e, f, g, h = state
    for t in range(count):
        s1 = _rotr(e, 6) ^ _rotr(e, 11) ^ _rotr(e, 25)
        t1 = (h + s1 + ((e & f) ^ (~e & g)) + SHA256_K[t] + words[t]) & _M
        s0 = _rotr(a, 2) ^ _rotr(a, 13) ^ _rotr(a, 22)
        t2 = (s0 + ((a & b) ^ (a & c) ^ (b & c))) & _M
        h, g, f, e, d, c, b, a = g, f, e, (d + t1) & _M, c, b, a, (t1 + t2) & _M
    return [a, b, c, d, e, f, g, h]


def precompute(header: bytes) -> tuple[int, ...]:
    """The 24 jb_pre words of an 80-byte header (its nonce bytes are ignored)."""
    if len(header) != HEADER_BYTES:
        raise InvalidHeader(f"a header is {HEADER_BYTES} bytes, got {len(header)}")
    mid = list(midstate(header))
    w = [*struct.unpack(">3I", header[64:76]), 0, 0x80000000] + [0] * 10 + [640]
    for t in range(16, 20):
        w.append((_ssig1(w[t - 2]) + w[t - 7] + _ssig0(w[t - 15]) + w[t - 16]) & _M)
    st = _rounds(mid, w, 4)  # W3 = 0: the nonce word enters a and e linearly
    w16, w17 = w[16], w[17]
    extra = [
        w16,
        w17,
        (w[18] - _ssig0(0)) & _M,  # W18 less s0(W3)
        w[19],  # W19 less W3
        (_ssig0(w16) + 640) & _M,  # W31 less s1(W29) + W24
        (_ssig0(w17) + w16) & _M,  # W32 less s1(W30) + W25
        (SHA256_K[16] + w16) & _M,
        (SHA256_K[17] + w17) & _M,
    ]
    return tuple(mid + st + extra)
