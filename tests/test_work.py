"""Work generation: real merkle roots, and no (header, nonce) pair ever searched twice."""

from __future__ import annotations

import hashlib
import itertools
import struct

import pytest

from bench.errors import InvalidInput
from bench.mining.header import NONCE_SPACE, Header, sha256_compress
from bench.mining.work import (
    Job,
    WorkGenerator,
    coinbase_tx,
    merkle_branch,
    merkle_root,
    root_from_branch,
)

GENESIS = Header.from_hex(
    "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27a"
    "c72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c"
)


def _dsha(data: bytes) -> bytes:
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


def _tree_root(leaves: list[bytes]) -> bytes:
    """An independent, recursive merkle root (odd levels pair the last hash with itself)."""
    if len(leaves) == 1:
        return leaves[0]
    if len(leaves) % 2:
        leaves = leaves + leaves[-1:]
    return _tree_root([_dsha(a + b) for a, b in zip(leaves[::2], leaves[1::2], strict=True)])


def test_merkle_root_of_block_100000():
    # Block 100000's four txids and merkle root as explorers display them (byte-reversed).
    txids = [
        "8c14f0db3df150123e6f3dbbf30f8b955a8249b62ac1d1ff16284aefa3d06d87",
        "fff2525b8931402dd09222c50775608f75787bd2b87e56995a7bdd30f79702c4",
        "6359f0868171b1d194cbee1af2f16ea598ae8fad666d9b012c8ed2b79a236ec4",
        "e9a66845e05d5abc0ad04ec80f774a7e585c6e8db975962d069a522137b80c1d",
    ]
    root = merkle_root([bytes.fromhex(t)[::-1] for t in txids])
    assert root[::-1].hex() == "f3e94742aca4b5ef85488dc37c06c3282295ffec960994b2c0d5ac2a25a95766"


@pytest.mark.parametrize("n", range(1, 10))
def test_branch_reaches_the_same_root(n):
    txids = [hashlib.sha256(bytes([i])).digest() for i in range(n)]
    assert merkle_root(txids) == _tree_root(txids)
    assert root_from_branch(txids[0], merkle_branch(txids)) == _tree_root(txids)


def test_coinbase_shape():
    tx = coinbase_tx(5)
    assert struct.unpack_from("<i", tx)[0] == 1
    assert tx[4] == 1 and tx[5:37] == bytes(32) and tx[37:41] == b"\xff" * 4
    assert (5).to_bytes(8, "little") in tx
    assert coinbase_tx(5) != coinbase_tx(6)


def _check_no_repeats(jobs: list[Job]) -> dict[bytes, list[tuple[int, int]]]:
    ranges: dict[bytes, list[tuple[int, int]]] = {}
    for job in jobs:
        header, start, count = job  # a job unpacks as (header, nonce_start, nonce_count)
        assert header[76:] == bytes(4) and count >= 1 and start + count <= NONCE_SPACE
        ranges.setdefault(header, []).append((start, start + count))
    for spans in ranges.values():
        spans.sort()
        for (_, end), (start, _) in itertools.pairwise(spans):
            assert end <= start, "overlapping nonce ranges on one header"
    return ranges


@pytest.mark.parametrize("job_nonces", [3_000_000_000, 2**30, NONCE_SPACE])
def test_extranonce_roll_never_repeats_across_many_nonce_spaces(job_nonces):
    jobs, total = [], 0
    for job in WorkGenerator(GENESIS, job_nonces):
        jobs.append(job)
        total += job.nonce_count
        if total > 3 * NONCE_SPACE:
            break
    ranges = _check_no_repeats(jobs)
    assert len(ranges) >= 3
    merkle_roots = {h[36:68] for h in ranges}
    assert len(merkle_roots) == len(ranges)  # each header has its own merkle root
    assert all(
        h[:36] == GENESIS.to_bytes()[:36] and h[68:76] == GENESIS.to_bytes()[68:76] for h in ranges
    )
    full = [h for h, spans in ranges.items() if spans[-1][1] == NONCE_SPACE]
    for header in full:  # every exhausted header was covered exactly once
        assert sum(end - start for start, end in ranges[header]) == NONCE_SPACE


def test_extranonce_root_is_a_real_merkle_root():
    gen = WorkGenerator(GENESIS, NONCE_SPACE, n_tx=5)
    first = next(iter(gen))
    others = [_dsha(b"joulebench tx %d" % i) for i in range(1, 5)]
    assert first.header[36:68] == _tree_root([_dsha(coinbase_tx(0)), *others])


def test_time_roll():
    jobs = list(itertools.islice(WorkGenerator(GENESIS, NONCE_SPACE, roll="time"), 3))
    ranges = _check_no_repeats(jobs)
    times = [struct.unpack_from("<I", h, 68)[0] for h in ranges]
    assert times == [GENESIS.time, GENESIS.time + 1, GENESIS.time + 2]
    assert {h[36:68] for h in ranges} == {GENESIS.merkle_root}


def test_time_roll_stops_at_the_end_of_the_field():
    jobs = list(WorkGenerator(GENESIS.with_time(NONCE_SPACE - 2), NONCE_SPACE, roll="time"))
    assert len(jobs) == 2


def test_job_midstate_finishes_to_hashlibs_digest():
    job = next(iter(WorkGenerator(GENESIS, 1000)))
    raw = job.header[:76] + (12345).to_bytes(4, "little")
    block2 = raw[64:] + b"\x80" + b"\x00" * 39 + (640).to_bytes(8, "big")
    expected = struct.unpack(">8I", hashlib.sha256(raw).digest())
    assert sha256_compress(job.midstate, block2) == expected


@pytest.mark.parametrize(
    "kwargs",
    [{"job_nonces": 0}, {"job_nonces": NONCE_SPACE + 1}, {"job_nonces": 10, "roll": "nonce"}],
)
def test_bad_generator_arguments(kwargs):
    with pytest.raises(InvalidInput):
        WorkGenerator(GENESIS, **kwargs)
