"""The header and target code fuzzed (hypothesis, a bounded number of examples): for any input
it returns the right value, checked independently, or raises the project's own error.

Never a TypeError, ValueError or OverflowError from inside: the CLI turns only the project's
errors into one line and exit status 2.
"""

from __future__ import annotations

import hashlib
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.errors import InvalidHeader, InvalidTarget
from bench.mining.header import (
    MAX_TARGET,
    SHA256_IV,
    Header,
    bits_to_target,
    parse_target_hex,
    sha256_compress,
    target_from_zero_bits,
    target_to_bits,
)

FUZZ = settings(max_examples=100, deadline=None, database=None)

anything = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**300), max_value=2**300),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=200),
    st.binary(max_size=100),
)
hex_like = st.one_of(
    st.text(alphabet="0123456789abcdefABCDEF \t\n", max_size=200),
    st.text(max_size=200),
    st.binary(min_size=80, max_size=80).map(bytes.hex),
)


def _target_by_hand(bits: int) -> int | None:
    """Bitcoin's compact decoding, written out here: None where no valid target results."""
    exponent, mantissa = bits >> 24, bits & 0x007FFFFF
    if bits & 0x00800000:
        return None
    value = mantissa * 256 ** (exponent - 3) if exponent >= 3 else mantissa // 256 ** (3 - exponent)
    return value if 0 < value <= MAX_TARGET else None


@FUZZ
@given(hex_like)
def test_header_from_any_text_round_trips_or_is_invalid_header(text):
    try:
        header = Header.from_hex(text)
    except InvalidHeader:
        return
    raw = bytes.fromhex(text.strip())
    assert header.to_bytes() == raw
    assert header.hash() == hashlib.sha256(hashlib.sha256(raw).digest()).digest()
    assert header.nonce == struct.unpack("<I", raw[76:80])[0]


@FUZZ
@given(anything)
def test_header_from_any_object_is_invalid_header(value):
    if isinstance(value, str):
        return  # text is the case above
    with pytest.raises(InvalidHeader):
        Header.from_hex(value)


@FUZZ
@given(st.one_of(anything, st.integers(min_value=0, max_value=2**32 - 1)))
def test_bits_to_target_is_the_compact_decoding_or_invalid_target(bits):
    valid_int = isinstance(bits, int) and not isinstance(bits, bool) and 0 <= bits < 2**32
    expected = _target_by_hand(bits) if valid_int else None
    if expected is None:
        with pytest.raises(InvalidTarget):
            bits_to_target(bits)
        return
    assert bits_to_target(bits) == expected
    # Re-encoding keeps the target (the canonical form may differ from the bits given).
    assert bits_to_target(target_to_bits(expected)) == expected


@FUZZ
@given(st.integers(min_value=1, max_value=MAX_TARGET))
def test_target_to_bits_keeps_the_top_three_bytes(target):
    # Compact bits keep a target's top three bytes (two when the top byte has its high bit
    # set, which would read as a sign) and clear the rest.
    size = (target.bit_length() + 7) // 8
    top_byte = target >> (8 * (size - 1))
    drop = max(0, size - (2 if top_byte >= 0x80 else 3))
    assert bits_to_target(target_to_bits(target)) == (target >> (8 * drop)) << (8 * drop)


@FUZZ
@given(hex_like)
def test_target_hex_is_nonzero_within_range_or_invalid_target(text):
    try:
        target = parse_target_hex(text)
    except InvalidTarget:
        return
    assert target == int(text.strip(), 16)
    assert 0 < target <= MAX_TARGET


@FUZZ
@given(anything)
def test_zero_bits_are_0_to_255_or_invalid_target(k):
    if isinstance(k, int) and not isinstance(k, bool) and 0 <= k <= 255:
        assert target_from_zero_bits(k) == 2 ** (256 - k) - 1
    else:
        with pytest.raises(InvalidTarget):
            target_from_zero_bits(k)


@FUZZ
@given(st.binary(max_size=55))
def test_the_compression_of_one_padded_block_is_hashlibs_sha256(message):
    # A message under 56 bytes pads into one block: its digest is one compression from the IV.
    block = message + b"\x80" + bytes(55 - len(message)) + struct.pack(">Q", 8 * len(message))
    state = sha256_compress(SHA256_IV, block)
    assert struct.pack(">8I", *state) == hashlib.sha256(message).digest()


@pytest.mark.parametrize("bits", ["x", None, 1.5, True, b"\x1d\x00\xff\xff", -1, 2**32])
def test_bits_to_target_of_a_non_uint32_is_invalid_target(bits):
    with pytest.raises(InvalidTarget):
        bits_to_target(bits)


def test_zero_target_is_refused_however_it_is_spelled():
    # Bits, zero bits and target hex meaning "no hash can meet it" are all refused.
    for attempt in (lambda: bits_to_target(0x03000000), lambda: target_from_zero_bits(256),
                    lambda: parse_target_hex("0" * 64)):  # fmt: skip
        with pytest.raises(InvalidTarget, match="zero target"):
            attempt()
