"""The native CPU miner: every dispatch path against hashlib, pycryptodome and the scalar path."""

from __future__ import annotations

import hashlib
import random

import pytest
from Crypto.Hash import SHA256

from bench.errors import DeviceUnavailable, InvalidInput
from bench.mining.cpu import CpuMiner, available_paths

PATHS = available_paths()
GENESIS_HEX = (
    "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27a"
    "c72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c"
)
BLOCK_125552_HEX = (
    "0100000081cd02ab7e569e8bcd9317e2fe99f2de44d49ab2b8851ba4a308000000000000e320b6c2fffc8d7504"
    "23db8b1eb942ae710e951ed797f7affc8892b0f1fc122bc7f5d74df2b9441a42a14695"
)
# Header hex, winning nonce, displayed hash: from shared/reference/bitcoin.md (block explorers).
KNOWN = [
    (
        GENESIS_HEX,
        2083236893,
        "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f",
    ),
    (
        BLOCK_125552_HEX,
        2504433986,
        "00000000000000001e8d6829a8a21adc5d38d0a473b144b6765798e61f98bd1d",
    ),
]


def value_of(header: bytes, nonce: int) -> int:
    """sha256d of the header with this nonce, by hashlib, as the little-endian integer."""
    raw = header[:76] + nonce.to_bytes(4, "little")
    return int.from_bytes(hashlib.sha256(hashlib.sha256(raw).digest()).digest(), "little")


def hashlib_scan(header: bytes, start: int, count: int, target: int) -> dict[int, str]:
    """Every qualifying nonce of the range with its display-order hash, exhaustively."""
    out = {}
    for nonce in range(start, start + count):
        value = value_of(header, nonce)
        if value <= target:
            out[nonce] = f"{value:064x}"
    return out


def bits_target(header_hex: str) -> int:
    """The target of the header's compact bits, worked out here by the textbook formula."""
    bits = int.from_bytes(bytes.fromhex(header_hex)[72:76], "little")
    return (bits & 0x007FFFFF) * 256 ** ((bits >> 24) - 3)


def as_dict(result) -> dict[int, str]:
    return {f.nonce: f.hash_hex for f in result.found}


# Random headers with easy targets, ranges with ragged ends (not multiples of any lane count).
RNG = random.Random(20251129)
CASES = [
    (RNG.randbytes(80), RNG.randrange(0, 2**31), 24_997, 8),
    (RNG.randbytes(80), RNG.randrange(0, 2**31) + 5, 30_011, 12),
    (RNG.randbytes(80), 2**32 - 20_003, 20_003, 10),  # ends exactly at the last nonce
    (RNG.randbytes(80), 0, 17_000, 16),
]


@pytest.fixture(scope="module", params=range(len(CASES)), ids=lambda i: f"case{i}")
def case(request):
    header, start, count, zero_bits = CASES[request.param]
    target = 2 ** (256 - zero_bits) - 1
    return header, start, count, target, hashlib_scan(header, start, count, target)


def test_scalar_is_always_there():
    assert "scalar" in PATHS
    assert PATHS == sorted(PATHS, key=["avx512", "sha-ni", "avx2", "scalar"].index)


@pytest.mark.parametrize("path", PATHS)
def test_path_matches_exhaustive_hashlib_scan(path, case):
    header, start, count, target, expected = case
    result = CpuMiner(path=path).search(header, start, count, target)
    assert result.path == path and result.backend == "cpu"
    assert result.hashes == count and not result.overflow
    assert as_dict(result) == expected
    assert [f.nonce for f in result.found] == sorted(expected)


@pytest.mark.parametrize("path", PATHS)
def test_path_matches_scalar_path(path):
    header = random.Random(7).randbytes(80)
    target = 2 ** (256 - 9) - 1
    fast = CpuMiner(path=path).search(header, 123_457, 40_001, target)
    slow = CpuMiner(path="scalar", threads=1).search(header, 123_457, 40_001, target)
    assert fast.found == slow.found and len(fast.found) > 20


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("header_hex, nonce, hash_hex", KNOWN)
def test_known_blocks_found_with_their_hash(path, header_hex, nonce, hash_hex):
    header = bytes.fromhex(header_hex)
    result = CpuMiner(path=path).search(header, nonce - 6_000, 9_001, bits_target(header_hex))
    assert [(f.nonce, f.hash_hex) for f in result.found] == [(nonce, hash_hex)]
    # pycryptodome agrees, independently of hashlib
    inner = SHA256.new(header).digest()
    assert SHA256.new(inner).digest()[::-1].hex() == hash_hex


@pytest.mark.parametrize("path", PATHS)
def test_hash_equal_to_target_counts(path):
    header = random.Random(11).randbytes(80)
    hits = hashlib_scan(header, 0, 20_000, 2 ** (256 - 12) - 1)
    nonce = max(hits, key=lambda n: int(hits[n], 16))  # a hit whose hash is not the smallest
    value = int(hits[nonce], 16)
    miner = CpuMiner(path=path)
    at = miner.search(header, 0, 20_000, value)
    assert as_dict(at) == hashlib_scan(header, 0, 20_000, value) and nonce in as_dict(at)
    below = miner.search(header, 0, 20_000, value - 1)  # same top 32 bits: the host rejects it
    assert nonce not in as_dict(below)
    assert as_dict(below) == {n: h for n, h in as_dict(at).items() if n != nonce}


@pytest.mark.parametrize("start, count", [(2**32 - 10, 11), (2**32 - 1, 2), (-1, 5), (0, 0)])
def test_ranges_outside_the_nonce_space_are_refused(start, count):
    with pytest.raises(InvalidInput):
        CpuMiner().search(bytes(80), start, count, 2**255)


def test_last_nonce_is_searched():
    header = random.Random(3).randbytes(80)
    target = value_of(header, 2**32 - 1)  # the last nonce qualifies at its own hash
    result = CpuMiner().search(header, 2**32 - 1, 1, target)
    assert [f.nonce for f in result.found] == [2**32 - 1]


@pytest.mark.parametrize("path", PATHS)
def test_result_buffer_overflow_is_reported(path):
    header = random.Random(5).randbytes(80)
    target = 2 ** (256 - 6) - 1  # about 1 nonce in 64 qualifies
    full = CpuMiner(path=path, max_found=1 << 16).search(header, 0, 20_000, target)
    small = CpuMiner(path=path, max_found=10).search(header, 0, 20_000, target)
    assert not full.overflow and len(full.found) > 100
    assert small.overflow and len(small.found) <= 10
    assert set(as_dict(small).items()) <= set(as_dict(full).items())


def test_one_thread_and_many_threads_find_the_same():
    header = random.Random(9).randbytes(80)
    target = 2 ** (256 - 14) - 1
    runs = [CpuMiner(threads=n).search(header, 1_000, 700_001, target) for n in (1, 2, 5)]
    assert runs[0].found == runs[1].found == runs[2].found and len(runs[0].found) > 10


def test_unknown_or_unsupported_path_is_refused():
    with pytest.raises(InvalidInput):
        CpuMiner(path="neon9000")
    for path in {"avx512", "sha-ni", "avx2"} - set(PATHS):
        with pytest.raises(DeviceUnavailable):
            CpuMiner(path=path)


@pytest.mark.parametrize(
    "start, count, top, threads, capacity",
    [
        (2**32 - 1, 2, 0, 1, 8),
        (0, -1, 0, 1, 8),
        (0, 1, 2**32, 1, 8),
        (0, 1, 0, 0, 8),
        (0, 1, 0, 1, -1),
    ],
)
def test_native_scan_checks_its_own_arguments(start, count, top, threads, capacity):
    from bench.mining import _cpuminer

    with pytest.raises(ValueError):
        _cpuminer.scan(bytes(80), start, count, top, "scalar", threads, capacity)
    with pytest.raises(ValueError):
        _cpuminer.scan(bytes(79), 0, 1, 0, "scalar", 1, 8)


def test_core_full_digest_matches_hashlib_and_pycryptodome():
    from bench.mining import _cpuminer

    rng = random.Random(13)
    for header in [bytes.fromhex(GENESIS_HEX), bytes.fromhex(BLOCK_125552_HEX)] + [
        rng.randbytes(80) for _ in range(50)
    ]:
        nonce = rng.randrange(2**32)
        raw = header[:76] + nonce.to_bytes(4, "little")
        expected = hashlib.sha256(hashlib.sha256(raw).digest()).digest()
        assert _cpuminer.digest(header, nonce) == expected
        assert SHA256.new(SHA256.new(raw).digest()).digest() == expected


def test_slices_of_a_long_range_add_up(monkeypatch):
    from bench.mining import cpu

    header = random.Random(17).randbytes(80)
    target = 2 ** (256 - 8) - 1
    whole = CpuMiner().search(header, 50, 30_000, target)
    monkeypatch.setattr(cpu, "SLICE_NONCES", 7_001)
    sliced = CpuMiner().search(header, 50, 30_000, target)
    assert sliced.found == whole.found and not sliced.overflow
    capped = CpuMiner(max_found=len(whole.found) - 1).search(header, 50, 30_000, target)
    assert capped.overflow and len(capped.found) == len(whole.found) - 1
    assert set(capped.found) < set(whole.found)
    with pytest.raises(InvalidInput):
        CpuMiner(max_found=2**26 + 1)
