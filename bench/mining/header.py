"""The 80-byte block header: parse and serialise, compact targets, difficulty, sha256d, midstate.

Integers in the header are little-endian; the two hashes in it are stored byte-reversed
relative to how explorers display them. A hash qualifies when int.from_bytes(digest, "little")
is <= the target, which is the integer the display-order hex spells.
"""

from __future__ import annotations

import hashlib
import re
import struct
from dataclasses import dataclass, replace

from bench.errors import InvalidHeader, InvalidInput, InvalidTarget

HEADER_BYTES = 80
NONCE_SPACE = 2**32  # nonces per header: 0 .. 2**32 - 1
MAX_TARGET = 2**256 - 1
DIFF1_TARGET = 0xFFFF * 2**208  # the target of difficulty 1 (bits 0x1d00ffff)
SIGN_BIT = 0x00800000

_HEX = re.compile(r"[0-9a-fA-F]*")
_LAYOUT = struct.Struct("<I32s32sIII")  # version, prev_hash, merkle_root, time, bits, nonce
_MASK32 = 0xFFFFFFFF


def parse_hex(text: str, n_bytes: int, what: str, error: type[InvalidInput]) -> bytes:
    """Exactly `n_bytes` bytes from hex text, or `error` saying what is wrong."""
    if not isinstance(text, str):
        raise error(f"{what} must be hex text, got {type(text).__name__}")
    text = text.strip()
    if len(text) != 2 * n_bytes:
        raise error(
            f"{what} must be {2 * n_bytes} hex characters ({n_bytes} bytes), got {len(text)}"
        )
    if not _HEX.fullmatch(text):
        bad = next(i for i, ch in enumerate(text) if ch not in "0123456789abcdefABCDEF")
        raise error(f"{what} is not hexadecimal: {text[bad]!r} at position {bad}")
    return bytes.fromhex(text)


@dataclass(frozen=True)
class Header:
    """One Bitcoin block header; hashes kept in stored (not display) byte order."""

    version: int
    prev_hash: bytes
    merkle_root: bytes
    time: int
    bits: int
    nonce: int

    def __post_init__(self) -> None:
        for name in ("version", "time", "bits", "nonce"):
            value = getattr(self, name)
            if not _is_int(value) or not 0 <= value <= _MASK32:
                raise InvalidHeader(f"header {name} must be a uint32, got {value!r}")
        for name in ("prev_hash", "merkle_root"):
            value = getattr(self, name)
            if not isinstance(value, bytes) or len(value) != 32:
                raise InvalidHeader(f"header {name} must be 32 bytes")

    @classmethod
    def from_bytes(cls, raw: bytes) -> Header:
        """Parse the 80 serialised bytes."""
        if len(raw) != HEADER_BYTES:
            raise InvalidHeader(f"a header is {HEADER_BYTES} bytes, got {len(raw)}")
        return cls(*_LAYOUT.unpack(raw))

    @classmethod
    def from_hex(cls, text: str) -> Header:
        """Parse 160 hex characters (the serialised bytes, in order)."""
        return cls.from_bytes(parse_hex(text, HEADER_BYTES, "header", InvalidHeader))

    def to_bytes(self) -> bytes:
        """The 80 serialised bytes."""
        return _LAYOUT.pack(
            self.version, self.prev_hash, self.merkle_root, self.time, self.bits, self.nonce
        )

    def hex(self) -> str:
        """The 80 serialised bytes as 160 lowercase hex characters."""
        return self.to_bytes().hex()

    def with_nonce(self, nonce: int) -> Header:
        """This header with another nonce."""
        return replace(self, nonce=nonce)

    def with_merkle_root(self, merkle_root: bytes) -> Header:
        """This header with another merkle root (stored byte order)."""
        return replace(self, merkle_root=merkle_root)

    def with_time(self, time: int) -> Header:
        """This header with another time field."""
        return replace(self, time=time)

    @property
    def target(self) -> int:
        """The target its compact bits encode; InvalidTarget if they encode none."""
        return bits_to_target(self.bits)

    def hash(self) -> bytes:
        """sha256d of the header, stored byte order."""
        return sha256d(self.to_bytes())

    def hash_hex(self) -> str:
        """The block hash as explorers display it."""
        return display_hex(self.hash())

    def midstate(self) -> tuple[int, ...]:
        """The SHA-256 state after the first 64 bytes, which no nonce changes."""
        return midstate(self.to_bytes())


# --- hashes --------------------------------------------------------------------------------


def sha256d(data: bytes) -> bytes:
    """SHA-256 applied twice (the reference, through hashlib)."""
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


def display_hex(digest: bytes) -> str:
    """A 32-byte digest in display order (byte-reversed hex)."""
    return digest[::-1].hex()


def hash_value(digest: bytes) -> int:
    """The digest as the 256-bit integer compared against targets."""
    return int.from_bytes(digest, "little")


def qualifies(digest: bytes, target: int) -> bool:
    """Whether a digest meets a target (equal counts)."""
    return hash_value(digest) <= target


# --- targets -------------------------------------------------------------------------------


def bits_to_target(bits: int) -> int:
    """The target compact bits encode; InvalidTarget for sign bit, zero or overflow."""
    if not _is_int(bits) or not 0 <= bits <= _MASK32:
        raise InvalidTarget(f"compact bits must be a uint32, got {bits!r}")
    if bits & SIGN_BIT:
        raise InvalidTarget(f"bits 0x{bits:08x} have the sign bit set: a negative target")
    exponent, mantissa = bits >> 24, bits & 0x007FFFFF
    if exponent >= 3:
        target = mantissa << (8 * (exponent - 3))
    else:
        target = mantissa >> (8 * (3 - exponent))
    if target == 0:
        raise InvalidTarget(f"bits 0x{bits:08x} encode a zero target: no hash can meet it")
    if target > MAX_TARGET:
        raise InvalidTarget(f"bits 0x{bits:08x} encode a target that overflows 256 bits")
    return target


def target_to_bits(target: int) -> int:
    """The compact bits of a target (rounded down to 3 significant bytes, as Bitcoin does)."""
    check_target(target)
    size = (target.bit_length() + 7) // 8
    if size <= 3:
        mantissa = target << (8 * (3 - size))
    else:
        mantissa = target >> (8 * (size - 3))
    if mantissa & SIGN_BIT:  # keep the sign bit clear: move one byte into the exponent
        mantissa >>= 8
        size += 1
    return (size << 24) | mantissa


def check_target(target: int) -> int:
    """The target itself, or InvalidTarget if it is outside 0 .. 2**256 - 1."""
    if not _is_int(target) or not 0 <= target <= MAX_TARGET:
        raise InvalidTarget(f"a target must be an integer in 0 .. 2**256 - 1, got {target!r}")
    return target


def difficulty(target: int) -> float:
    """Bitcoin difficulty of a target: 0xFFFF * 2**208 / target."""
    if check_target(target) == 0:
        raise InvalidTarget("a zero target has no finite difficulty")
    return DIFF1_TARGET / target


def target_from_zero_bits(zero_bits: int) -> int:
    """The largest target meaning hash < 2**(256 - K): K leading zero bits in display order.

    K = 256 would be the zero target, which compact bits may not encode either: refused."""
    if not _is_int(zero_bits) or not 0 <= zero_bits <= 255:
        raise InvalidTarget(
            f"zero bits must be 0 .. 255, got {zero_bits!r} (256 would be a zero target: "
            "no hash can meet it)"
        )
    return 2 ** (256 - zero_bits) - 1


def parse_target_hex(text: str) -> int:
    """A target from 64 hex characters in display order (most significant first); not zero."""
    if not isinstance(text, str):
        raise InvalidTarget(f"a target must be 64 hex characters, got {text!r}")
    target = int.from_bytes(parse_hex(text, 32, "target", InvalidTarget), "big")
    if target == 0:
        raise InvalidTarget("target 00..00 is a zero target: no hash can meet it")
    return target


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def format_target(target: int) -> str:
    """A target as 64 hex characters in display order."""
    return f"{check_target(target):064x}"


# --- midstate: a small pure-Python SHA-256 compression -------------------------------------


def _first_primes(count: int) -> list[int]:
    primes: list[int] = []
    candidate = 2
    while len(primes) < count:
        if all(candidate % p for p in primes if p * p <= candidate):
            primes.append(candidate)
        candidate += 1
    return primes


def _integer_root(value: int, k: int) -> int:
    """floor(value ** (1 / k)) exactly, by bisection."""
    low, high = 0, 1 << (value.bit_length() // k + 1)
    while low < high:
        mid = (low + high + 1) // 2
        if mid**k <= value:
            low = mid
        else:
            high = mid - 1
    return low


# FIPS 180-4: the first 32 bits of the fractional parts of the square roots of the first 8
# primes (initial state) and the cube roots of the first 64 primes (round constants).
SHA256_IV = tuple(_integer_root(p << 64, 2) & _MASK32 for p in _first_primes(8))
SHA256_K = tuple(_integer_root(p << 96, 3) & _MASK32 for p in _first_primes(64))


def _rotr(x: int, n: int) -> int:
    return ((x >> n) | (x << (32 - n))) & _MASK32


def _schedule(block: bytes) -> list[int]:
    w = list(struct.unpack(">16I", block))
    for t in range(16, 64):
        s0 = _rotr(w[t - 15], 7) ^ _rotr(w[t - 15], 18) ^ (w[t - 15] >> 3)
        s1 = _rotr(w[t - 2], 17) ^ _rotr(w[t - 2], 19) ^ (w[t - 2] >> 10)
        w.append((w[t - 16] + s0 + w[t - 7] + s1) & _MASK32)
    return w


def sha256_compress(state: tuple[int, ...], block: bytes) -> tuple[int, ...]:
    """One SHA-256 compression of a 64-byte block into an 8-word state."""
    if len(state) != 8 or len(block) != 64:
        raise ValueError("sha256_compress takes 8 state words and a 64-byte block")
    a, b, c, d, e, f, g, h = state
    for k, w in zip(SHA256_K, _schedule(block), strict=True):
        s1 = _rotr(e, 6) ^ _rotr(e, 11) ^ _rotr(e, 25)
        choose = (e & f) ^ (~e & g)
        t1 = (h + s1 + choose + k + w) & _MASK32
        s0 = _rotr(a, 2) ^ _rotr(a, 13) ^ _rotr(a, 22)
        majority = (a & b) ^ (a & c) ^ (b & c)
        h, g, f, e = g, f, e, (d + t1) & _MASK32
        d, c, b, a = c, b, a, (t1 + s0 + majority) & _MASK32
    return tuple((x + y) & _MASK32 for x, y in zip(state, (a, b, c, d, e, f, g, h), strict=True))


def midstate(header: bytes) -> tuple[int, ...]:
    """The SHA-256 state (8 uint32) after the header's first 64 bytes."""
    if len(header) != HEADER_BYTES:
        raise InvalidHeader(f"a header is {HEADER_BYTES} bytes, got {len(header)}")
    return sha256_compress(SHA256_IV, header[:64])
