"""`joulebench mine` per the command-line contract, checked against hashlib scans."""

from __future__ import annotations

import json
import random
import sys

import pytest
from conftest import HAVE_CUDA, assert_bad_input
from mining_reference import hash_value, scan

import bench.mining.backend as backend_mod
import bench.mining.cpu as cpu_mod
import bench.mining.search as search_mod
from bench.errors import VerificationFailed
from bench.mining.backend import Found, SearchResult

GENESIS_HEX = (
    "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27a"
    "c72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c"
)
B125552_HEX = (
    "0100000081cd02ab7e569e8bcd9317e2fe99f2de44d49ab2b8851ba4a308000000000000e320b6c2fffc8d7504"
    "23db8b1eb942ae710e951ed797f7affc8892b0f1fc122bc7f5d74df2b9441a42a14695"
)
KNOWN = [
    (GENESIS_HEX, 2083236893, "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"),
    (B125552_HEX, 2504433986, "00000000000000001e8d6829a8a21adc5d38d0a473b144b6765798e61f98bd1d"),
]
KEYS = {
    "backend",
    "nonce_start",
    "nonce_count",
    "target",
    "found",
    "hashes",
    "seconds",
    "hashrate_hs",
    "path",
}


def mine_json(run_cli, *args) -> dict:
    res = run_cli("mine", *args, "--backend", "cpu", "--json")
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    assert KEYS <= set(doc)
    return doc


@pytest.mark.parametrize("header_hex, nonce, shown", KNOWN)
def test_known_headers_are_found(run_cli, header_hex, nonce, shown):
    doc = mine_json(
        run_cli, "--header", header_hex, "--nonce-start", nonce - 700, "--nonce-count", 1500
    )
    assert doc["found"] == [{"nonce": nonce, "hash": shown}]
    assert doc["backend"] == "cpu"
    assert (doc["nonce_start"], doc["nonce_count"], doc["hashes"]) == (nonce - 700, 1500, 1500)
    bits = bytes.fromhex(header_hex)[72:76]  # default target: the header's own compact bits
    exponent, mantissa = bits[3], int.from_bytes(bits[:3], "little")
    assert int(doc["target"], 16) == mantissa * 256 ** (exponent - 3)
    assert len(doc["target"]) == 64


@pytest.mark.parametrize("zero_bits", [8, 12, 16])
def test_zero_bits_found_set_equals_hashlib_scan(run_cli, zero_bits):
    rng = random.Random(zero_bits)
    header = rng.randbytes(80)
    start = rng.randrange(2**32 - 4000)
    doc = mine_json(
        run_cli,
        "--header",
        header.hex(),
        "--nonce-start",
        start,
        "--nonce-count",
        4000,
        "--zero-bits",
        zero_bits,
    )
    expected = scan(header, start, 4000, 2 ** (256 - zero_bits) - 1)
    assert doc["found"] == expected
    assert doc["target"] == "0" * (zero_bits // 4) + "f" * (64 - zero_bits // 4)
    if zero_bits == 8:
        assert expected, "an easy target should have hits in 4000 nonces"


def test_the_last_nonce_of_the_space(run_cli):
    header = random.Random(1).randbytes(80)
    doc = mine_json(
        run_cli,
        "--header",
        header.hex(),
        "--nonce-start",
        2**32 - 300,
        "--nonce-count",
        300,
        "--zero-bits",
        4,
    )
    assert doc["found"] == scan(header, 2**32 - 300, 300, 2**252 - 1)


def test_a_hash_equal_to_the_target_counts(run_cli):
    header = random.Random(7).randbytes(80)
    values = {n: hash_value(header, n) for n in range(1000, 2000)}
    best = min(values, key=values.get)
    target = values[best]
    doc = mine_json(
        run_cli,
        "--header",
        header.hex(),
        "--nonce-start",
        1000,
        "--nonce-count",
        1000,
        "--target",
        f"{target:064x}",
    )
    assert [f["nonce"] for f in doc["found"]] == [best]
    assert doc["found"][0]["hash"] == f"{target:064x}"
    doc = mine_json(
        run_cli,
        "--header",
        header.hex(),
        "--nonce-start",
        1000,
        "--nonce-count",
        1000,
        "--target",
        f"{target - 1:064x}",
    )
    assert doc["found"] == []


def test_human_output(run_cli):
    header_hex, nonce, shown = KNOWN[0]
    res = run_cli(
        "mine",
        "--header",
        header_hex,
        "--nonce-start",
        nonce - 5,
        "--nonce-count",
        10,
        "--backend",
        "cpu",
    )
    assert res.exit_code == 0, res.stderr
    assert shown in res.stdout and str(nonce) in res.stdout and "1 found" in res.stdout


BAD = [
    ("--header", GENESIS_HEX[:-2], "--nonce-start", 0, "--nonce-count", 10),
    ("--header", GENESIS_HEX + "00", "--nonce-start", 0, "--nonce-count", 10),
    ("--header", GENESIS_HEX[:-2] + "zz", "--nonce-start", 0, "--nonce-count", 10),
    ("--header", GENESIS_HEX, "--nonce-start", 2**32 - 10, "--nonce-count", 11),
    ("--header", GENESIS_HEX, "--nonce-start", 2**32, "--nonce-count", 1),
    ("--header", GENESIS_HEX, "--nonce-start", -1, "--nonce-count", 10),
    ("--header", GENESIS_HEX, "--nonce-start", 0, "--nonce-count", -5),
    ("--header", GENESIS_HEX, "--nonce-start", 0, "--nonce-count", 0),
    ("--header", GENESIS_HEX, "--nonce-start", 0, "--nonce-count", "ten"),
    ("--header", GENESIS_HEX, "--nonce-start", 0, "--nonce-count", 10, "--backend", "fpga"),
    (
        "--header",
        GENESIS_HEX,
        "--nonce-start",
        0,
        "--nonce-count",
        10,
        "--zero-bits",
        8,
        "--target",
        "f" * 64,
    ),
    ("--header", GENESIS_HEX, "--nonce-start", 0, "--nonce-count", 10, "--target", "f" * 63),
    ("--header", GENESIS_HEX, "--nonce-start", 0, "--nonce-count", 10, "--zero-bits", 257),
    # Default target from bits with the sign bit set: no valid target.
    (
        "--header",
        GENESIS_HEX[:144] + "ffff801d" + GENESIS_HEX[152:],
        "--nonce-start",
        0,
        "--nonce-count",
        10,
    ),
    ("--nonce-start", 0, "--nonce-count", 10),
]


@pytest.mark.parametrize("args", BAD)
def test_bad_input(run_cli, args):
    assert_bad_input(run_cli("mine", *args, "--json"))


@pytest.mark.skipif(HAVE_CUDA, reason="this machine has a GPU")
def test_cuda_backend_without_a_gpu_says_why(run_cli):
    res = run_cli(
        "mine",
        "--header",
        GENESIS_HEX,
        "--nonce-start",
        0,
        "--nonce-count",
        10,
        "--backend",
        "cuda",
        "--json",
    )
    assert_bad_input(res)
    assert "cuda" in res.stderr.lower() and "unavailable" in res.stderr.lower()


def test_auto_falls_back_to_the_cpu_without_a_gpu(run_cli):
    if HAVE_CUDA:
        pytest.skip("this machine has a GPU")
    header_hex, nonce, shown = KNOWN[0]
    res = run_cli(
        "mine", "--header", header_hex, "--nonce-start", nonce, "--nonce-count", 1, "--json"
    )
    assert res.exit_code == 0, res.stderr
    assert json.loads(res.stdout)["backend"] == "cpu"


def test_overflowed_buffer_is_an_error_not_a_short_list(run_cli, monkeypatch):
    class Overflowing:
        name = "cpu"

        def search(self, header, nonce_start, nonce_count, target):
            found = [Found(n, "0" * 64) for n in range(nonce_start, nonce_start + 3)]
            return SearchResult(
                "cpu", "fake", nonce_start, nonce_count, target, found, nonce_count, 1.0, True
            )

    monkeypatch.setattr(search_mod, "select_backend", lambda name: Overflowing())
    res = run_cli(
        "mine",
        "--header",
        GENESIS_HEX,
        "--nonce-start",
        0,
        "--nonce-count",
        100,
        "--zero-bits",
        0,
        "--json",
    )
    assert_bad_input(res)
    assert res.stderr == (
        "joulebench: error: more qualifying nonces than the result buffer holds (3 kept before "
        "it filled); narrow the nonce range or use a harder target\n"
    )


def test_native_buffer_overflow_through_the_cli(run_cli):
    res = run_cli(
        "mine",
        "--header",
        GENESIS_HEX,
        "--nonce-start",
        0,
        "--nonce-count",
        2**18,
        "--zero-bits",
        0,
        "--backend",
        "cpu",
        "--json",
    )
    assert_bad_input(res)
    assert "narrow" in res.stderr


def test_a_wrong_backend_answer_is_never_printed(run_cli, monkeypatch):
    # The native scan reports nonce 3 as a candidate for a 32-zero-bit target; hashlib says its
    # hash's top 32 bits are not zero, so the miner's own filter could not have passed it.
    header = bytes.fromhex(GENESIS_HEX)
    assert hash_value(header, 3) >> 224 > 0
    monkeypatch.setattr(cpu_mod.CpuMiner, "_scan", lambda self, h, start, n, top: ([3], 1))
    path = cpu_mod.CpuMiner().path
    res = run_cli(
        "mine", *("--header", GENESIS_HEX, "--nonce-start", 0, "--nonce-count", 10),
        *("--zero-bits", 32, "--backend", "cpu", "--json"),
    )  # fmt: skip
    assert_bad_input(res)
    shown = f"{hash_value(header, 3):064x}"
    assert res.stderr == (
        f"joulebench: error: the CPU miner ({path}) reported nonce 3, whose hash {shown} (by "
        "hashlib) fails its own filter: its results cannot be trusted on this machine\n"
    )


@pytest.mark.parametrize(
    "nonces, why",
    [([12], "reported nonce 12, outside the searched range 0 .. 9"), ([1, 1], "a nonce twice")],
)
def test_candidates_out_of_range_or_repeated_are_refused(nonces, why):
    with pytest.raises(VerificationFailed, match=why):
        backend_mod.verify_candidates(bytes(80), nonces, 2**256 - 1, "test miner", 0, 10)


def test_mine_hashes_each_candidate_once_on_the_host(run_cli, monkeypatch):
    header = random.Random(8).randbytes(80)
    expected = scan(header, 5000, 4000, 2**248 - 1)  # 8 zero bits: candidates are the hits
    calls = []
    real = backend_mod.sha256d

    def counting(data: bytes) -> bytes:
        calls.append(int.from_bytes(data[76:], "little"))
        return real(data)

    for name, module in list(sys.modules.items()):  # wherever the mining code imported it
        if name.startswith("bench.") and getattr(module, "sha256d", None) is real:
            monkeypatch.setattr(module, "sha256d", counting)
    doc = mine_json(
        run_cli, *("--header", header.hex(), "--nonce-start", 5000, "--nonce-count", 4000),
        *("--zero-bits", 8),
    )  # fmt: skip
    assert doc["found"] == expected and len(expected) > 0
    assert calls == [h["nonce"] for h in expected]  # one hashlib check per candidate


def test_select_backend_names():
    from bench.errors import DeviceUnavailable, InvalidInput

    with pytest.raises(InvalidInput):
        backend_mod.select_backend("fpga")
    with pytest.raises(DeviceUnavailable):
        backend_mod.backend_for_device("tpu")
    assert backend_mod.select_backend("CPU").name == "cpu"
