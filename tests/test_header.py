"""The header model against independent references: hashlib, pycryptodome, OpenSSL, hand work."""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import struct

import pytest
from Crypto.Hash import SHA256 as CryptoSHA256

from bench.errors import InvalidHeader, InvalidTarget
from bench.mining.header import (
    SHA256_IV,
    Header,
    bits_to_target,
    difficulty,
    display_hex,
    format_target,
    midstate,
    parse_target_hex,
    sha256_compress,
    sha256d,
    target_from_zero_bits,
    target_to_bits,
)

# From reference/bitcoin.md: the header hex and the hash a block explorer displays.
GENESIS_HEX = (
    "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27a"
    "c72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c"
)
GENESIS_HASH = "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"
B125552_HEX = (
    "0100000081cd02ab7e569e8bcd9317e2fe99f2de44d49ab2b8851ba4a308000000000000e320b6c2fffc8d7504"
    "23db8b1eb942ae710e951ed797f7affc8892b0f1fc122bc7f5d74df2b9441a42a14695"
)
B125552_HASH = "00000000000000001e8d6829a8a21adc5d38d0a473b144b6765798e61f98bd1d"
KNOWN = [(GENESIS_HEX, GENESIS_HASH), (B125552_HEX, B125552_HASH)]


def test_genesis_fields_match_the_published_block():
    h = Header.from_hex(GENESIS_HEX)
    assert h.version == 1
    assert h.prev_hash == bytes(32)
    # Published genesis merkle root (display order) and timestamp 2009-01-03 18:15:05 UTC.
    assert display_hex(h.merkle_root) == (
        "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b"
    )
    assert h.time == 1231006505
    assert h.bits == 0x1D00FFFF
    assert h.nonce == 2083236893


@pytest.mark.parametrize("hex_text, _", KNOWN)
def test_round_trip(hex_text, _):
    h = Header.from_hex(hex_text)
    assert h.hex() == hex_text
    assert Header.from_bytes(h.to_bytes()) == h
    assert Header.from_hex(hex_text.upper()) == h


def test_with_fields_change_only_their_bytes():
    h = Header.from_hex(GENESIS_HEX)
    raw = bytes.fromhex(GENESIS_HEX)
    assert h.with_nonce(7).to_bytes() == raw[:76] + struct.pack("<I", 7)
    assert h.with_time(0x01020304).to_bytes() == raw[:68] + b"\x04\x03\x02\x01" + raw[72:]
    root = bytes(range(32))
    assert h.with_merkle_root(root).to_bytes() == raw[:36] + root + raw[68:]


@pytest.mark.parametrize("hex_text, shown", KNOWN)
def test_known_hashes_via_hashlib_and_pycryptodome(hex_text, shown):
    raw = bytes.fromhex(hex_text)
    via_hashlib = hashlib.sha256(hashlib.sha256(raw).digest()).digest()
    first = CryptoSHA256.new(raw).digest()
    via_crypto = CryptoSHA256.new(first).digest()
    assert via_hashlib == via_crypto
    assert via_hashlib[::-1].hex() == shown
    assert sha256d(raw) == via_crypto
    assert Header.from_hex(hex_text).hash_hex() == shown


@pytest.mark.parametrize(
    "text",
    [GENESIS_HEX[:-2], GENESIS_HEX + "00", "", GENESIS_HEX[:-1], GENESIS_HEX[:-2] + "zz"],
)
def test_malformed_header_hex_is_rejected(text):
    with pytest.raises(InvalidHeader):
        Header.from_hex(text)


def test_out_of_range_fields_are_rejected():
    h = Header.from_hex(GENESIS_HEX)
    with pytest.raises(InvalidHeader):
        h.with_nonce(2**32)
    with pytest.raises(InvalidHeader):
        h.with_merkle_root(b"\x00" * 31)


@pytest.mark.parametrize(
    "bits, target_display",
    [
        # Exponent 0x1d = a 29-byte number: 3 leading zero bytes of 32, then ff ff.
        (0x1D00FFFF, "00000000ffff" + "00" * 26),
        # Exponent 0x1a = 26 bytes: 6 leading zero bytes, then 44 b9 f2, then 23 zero bytes.
        (0x1A44B9F2, "00" * 6 + "44b9f2" + "00" * 23),
        (0x03123456, "00" * 29 + "123456"),
        (0x02123400, "00" * 30 + "1234"),
        (0x01120000, "00" * 31 + "12"),
        (0x2100FFFF, "ffff" + "00" * 30),
    ],
)
def test_compact_bits_decode(bits, target_display):
    assert bits_to_target(bits) == int(target_display, 16)
    assert format_target(bits_to_target(bits)) == target_display


@pytest.mark.parametrize(
    "bits",
    [
        0x1D80FFFF,  # sign bit set
        0x04923456,  # sign bit set
        0x1D000000,  # zero mantissa
        0x01003456,  # mantissa shifted out entirely: zero target
        0x00000000,
        0x22000100,  # 0x100 * 256**31 = 2**256: overflow
        0x21010000,  # 0x10000 * 256**30 = 2**256: overflow
        0xFF123456,
    ],
)
def test_invalid_compact_bits_are_rejected(bits):
    with pytest.raises(InvalidTarget):
        bits_to_target(bits)


def test_target_to_bits():
    for bits in (0x1D00FFFF, 0x1A44B9F2, 0x207FFFFF, 0x03123456):
        assert target_to_bits(bits_to_target(bits)) == bits
    # 0x80 would set the sign bit in a 1-byte mantissa, so it moves up a byte (hand-worked).
    assert target_to_bits(0x80) == 0x02008000
    assert target_to_bits(2**256 - 1) == 0x2100FFFF  # rounds down to 3 significant bytes
    with pytest.raises(InvalidTarget):
        target_to_bits(2**256)


def test_difficulty():
    assert difficulty(bits_to_target(0x1D00FFFF)) == 1.0
    # By hand in float64: 65535 * 2**208 / (0x44b9f2 * 2**(8*23)).
    by_hand = 65535.0 / 0x44B9F2 * 2.0 ** (208 - 8 * 23)
    assert difficulty(bits_to_target(0x1A44B9F2)) == pytest.approx(by_hand, rel=1e-14)
    assert by_hand == pytest.approx(244112.48777434, abs=1e-6)  # the Bitcoin wiki's figure
    with pytest.raises(InvalidTarget):
        difficulty(0)


@pytest.mark.parametrize("k, display", [(0, "f" * 64), (8, "00" + "f" * 62), (255, "0" * 63 + "1")])
def test_zero_bits_target(k, display):
    assert format_target(target_from_zero_bits(k)) == display


@pytest.mark.parametrize("k", [-1, 256, 257, True, "8", None])
def test_zero_bits_out_of_range(k):
    with pytest.raises(InvalidTarget):
        target_from_zero_bits(k)


def test_target_hex_parse_and_format():
    text = "00000000ffff" + "0" * 52
    assert parse_target_hex(text) == 0xFFFF * 2**208
    assert parse_target_hex(text.upper()) == 0xFFFF * 2**208
    assert format_target(parse_target_hex(text)) == text
    for bad in ("0" * 63, "0" * 65, "g" + "0" * 63):
        with pytest.raises(InvalidTarget):
            parse_target_hex(bad)


def _words(digest: bytes) -> tuple[int, ...]:
    return struct.unpack(">8I", digest)


def test_compression_reproduces_hashlib_for_a_one_block_message():
    # "abc" padded by hand (FIPS 180-4): 0x80, zeros, then the bit length 24 as 64 bits.
    block = b"abc" + b"\x80" + b"\x00" * 52 + (24).to_bytes(8, "big")
    assert sha256_compress(SHA256_IV, block) == _words(hashlib.sha256(b"abc").digest())


@pytest.mark.parametrize("hex_text, _", KNOWN)
def test_midstate_finishes_to_hashlibs_digest(hex_text, _):
    raw = bytes.fromhex(hex_text)
    block2 = raw[64:] + b"\x80" + b"\x00" * 39 + (640).to_bytes(8, "big")
    assert sha256_compress(midstate(raw), block2) == _words(hashlib.sha256(raw).digest())
    assert Header.from_hex(hex_text).midstate() == midstate(raw)


def _openssl_state_after(block: bytes) -> tuple[int, ...] | None:
    name = ctypes.util.find_library("crypto")
    if name is None:
        return None
    try:
        lib = ctypes.CDLL(name)
        ctx = ctypes.create_string_buffer(256)  # SHA256_CTX starts with the 8 state words
        if lib.SHA256_Init(ctx) != 1 or lib.SHA256_Update(ctx, block, ctypes.c_size_t(64)) != 1:
            return None
    except (OSError, AttributeError):
        return None
    return struct.unpack("=8I", ctx.raw[:32])


@pytest.mark.parametrize("hex_text, _", KNOWN)
def test_midstate_equals_openssls_internal_state(hex_text, _):
    raw = bytes.fromhex(hex_text)
    state = _openssl_state_after(raw[:64])
    if state is None:
        pytest.skip("OpenSSL libcrypto with SHA256_Init is not available")
    assert midstate(raw) == state
