"""The CUDA miner. On a GPU: known blocks, exhaustive hashlib comparisons, overflow, agreement
with the CPU backend. Everywhere: its host logic against a stand-in CuPy (tests/fake_cupy.py),
and a clear DeviceUnavailable where CuPy or a GPU is missing."""

from __future__ import annotations

import random
import sys

import pytest
from conftest import requires_cuda
from gpucheck.fake_cupy import FakeCupy
from mining_reference import scan

import bench.mining.cuda as cuda_mod
from bench.errors import DeviceUnavailable, InvalidInput, VerificationFailed
from bench.mining.backend import Found
from bench.mining.header import NONCE_SPACE, Header, target_from_zero_bits
from bench.mining.known import GENESIS, KNOWN_BLOCKS

RNG_SEEDS = [11, 12, 13, 14]


def random_header(seed: int) -> bytes:
    rng = random.Random(seed)
    return bytes(rng.getrandbits(8) for _ in range(80))


def as_pairs(found: list[Found]) -> list[dict]:
    return [{"nonce": f.nonce, "hash": f.hash_hex} for f in found]


# --- on a GPU ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gpu_miner():
    return cuda_mod.CudaMiner(0)


@requires_cuda
@pytest.mark.gpu
@pytest.mark.parametrize("block", KNOWN_BLOCKS, ids=lambda b: b.name)
@pytest.mark.parametrize("offset", [0, 1, 2**19, 2**20 - 1])
def test_gpu_finds_known_block(gpu_miner, block, offset):
    header = Header.from_hex(block.header_hex)
    start = block.nonce - offset
    res = gpu_miner.search(header.to_bytes(), start, 2**20, header.target)
    assert res.found == [Found(block.nonce, block.hash_hex)]
    assert (res.backend, res.hashes, res.overflow) == ("cuda", 2**20, False)
    assert res.path.startswith("cuda-sm")


@requires_cuda
@pytest.mark.gpu
@pytest.mark.parametrize("seed", RNG_SEEDS)
def test_gpu_equals_hashlib_scan(gpu_miner, seed):
    rng = random.Random(seed)
    header = random_header(seed)
    count = rng.randrange(2**16, 2**17)
    start = rng.randrange(NONCE_SPACE - count)
    target = target_from_zero_bits(rng.randrange(8, 17))
    res = gpu_miner.search(header, start, count, target)
    expected = scan(header, start, count, target)
    assert expected, "the range should hold hits at these easy targets"
    assert as_pairs(res.found) == expected and not res.overflow


@requires_cuda
@pytest.mark.gpu
def test_gpu_range_end_and_exact_target(gpu_miner):
    """The last nonces of the space, and a target equal to a hash (equal counts)."""
    header = random_header(5)
    start, count = NONCE_SPACE - 5000, 5000
    hits = scan(header, start, count, target_from_zero_bits(8))
    exact = int(hits[0]["hash"], 16)
    res = gpu_miner.search(header, start, count, exact)
    assert as_pairs(res.found) == scan(header, start, count, exact)
    assert hits[0] in as_pairs(res.found)


@requires_cuda
@pytest.mark.gpu
def test_gpu_overflow_is_reported():
    miner = cuda_mod.CudaMiner(0, capacity=16)
    res = miner.search(random_header(3), 0, 2**14, target_from_zero_bits(4))
    assert res.overflow and len(res.found) <= 16
    expected = {h["nonce"] for h in scan(random_header(3), 0, 2**14, target_from_zero_bits(4))}
    assert {f.nonce for f in res.found} <= expected


@requires_cuda
@pytest.mark.gpu
def test_gpu_whole_header_with_sized_launches(gpu_miner):
    """2**32 nonces in launches sized from a timed one; the genesis nonce among the hits."""
    header = Header.from_hex(GENESIS.header_hex)
    res = gpu_miner.search(header.to_bytes(), 0, NONCE_SPACE, header.target)
    assert res.hashes == NONCE_SPACE and not res.overflow
    assert Found(GENESIS.nonce, GENESIS.hash_hex) in res.found
    assert gpu_miner.launch_nonces and gpu_miner.launch_nonces < NONCE_SPACE


@requires_cuda
@pytest.mark.gpu
@pytest.mark.parametrize("shape", [(256, 32, 1), (256, 32, 2), (128, 32, 2), (512, 32, 0)])
def test_gpu_kernel_shapes_agree(shape):
    miner = cuda_mod.CudaMiner(0, config=cuda_mod.KernelConfig(*shape))
    header, target = random_header(21), target_from_zero_bits(10)
    res = miner.search(header, 1000, 70_001, target)
    expected = scan(header, 1000, 70_001, target)
    assert expected and as_pairs(res.found) == expected


@requires_cuda
@pytest.mark.gpu
def test_gpu_agrees_with_cpu_backend(gpu_miner):
    from bench.mining import cpu

    if not cpu.available_paths():  # the module imports without its native extension
        pytest.skip("the native CPU miner is not built (python setup.py build_ext --inplace)")
    header, target = random_header(31), target_from_zero_bits(12)
    ours = gpu_miner.search(header, 10**9, 2**20, target)
    theirs = cpu.CpuMiner().search(header, 10**9, 2**20, target)
    assert ours.found == theirs.found and ours.found


@requires_cuda
@pytest.mark.gpu
def test_gpu_runs_on_a_torch_stream():
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("torch has no CUDA here")
    stream = torch.cuda.Stream()
    miner = cuda_mod.CudaMiner(0, stream=stream)
    assert miner.stream.ptr == stream.cuda_stream
    header = Header.from_hex(GENESIS.header_hex)
    res = miner.search(header.to_bytes(), GENESIS.nonce - 10, 20, header.target)
    assert res.found == [Found(GENESIS.nonce, GENESIS.hash_hex)]


# --- host logic with a stand-in CuPy -------------------------------------------------------


@pytest.fixture
def fake(monkeypatch):
    cupy = FakeCupy()
    monkeypatch.setitem(sys.modules, "cupy", cupy)
    monkeypatch.setattr(cuda_mod, "_KERNELS", {})
    monkeypatch.setattr(cuda_mod, "TUNE_NONCES", 512)  # the stand-in hashes in Python
    return cupy


def test_host_search_reports_verified_hits(fake):
    header = Header.from_hex(GENESIS.header_hex).to_bytes()
    fake.know(header)
    miner = cuda_mod.CudaMiner()
    res = miner.search(header, GENESIS.nonce - 300, 600, Header.from_bytes(header).target)
    assert res.found == [Found(GENESIS.nonce, GENESIS.hash_hex)]
    assert (res.path, res.hashes, res.overflow) == ("cuda-sm90", 600, False)
    assert "-DJB_NONCES_PER_THREAD=32" in fake.kernels[0].options


def test_host_launches_cover_the_range_in_sized_pieces(monkeypatch):
    fake = FakeCupy(sms=1, elapsed_ms=1.0)  # the timed launch: 2048 nonces in 1 ms
    monkeypatch.setitem(sys.modules, "cupy", fake)
    monkeypatch.setattr(cuda_mod, "_KERNELS", {})
    monkeypatch.setattr(cuda_mod, "FIRST_LAUNCH_NONCES", 2048)
    # 40 registers: 51 warps of 32 threads fit one SM's registers, so a wave is 51 blocks
    # of 32 threads x 4 nonces = 6528 nonces; aim at two waves per launch.
    miner = cuda_mod.CudaMiner(config=cuda_mod.KernelConfig(32, 4), launch_s=2 * 6528 / 2.048e6)
    assert (miner.blocks_per_sm, miner.wave_blocks) == (51, 51)
    header = random_header(1)
    fake.know(header)
    target = target_from_zero_bits(8)
    res = miner.search(header, 777, 40_000, target)
    assert as_pairs(res.found) == scan(header, 777, 40_000, target)
    assert miner.launch_nonces == 13056
    launches = fake.kernels[0].launches
    assert [(s, n) for s, n, *_ in launches] == [
        (777, 2048),
        (2825, 13056),
        (15881, 13056),
        (28937, 11840),
    ]
    assert all(grid == -(-n // 128) and block == 32 for _, n, grid, block in launches)


def test_host_launch_size_is_whole_waves_and_bounded(fake):
    miner = cuda_mod.CudaMiner(launch_s=0.025)
    wave = 6 * 4 * 8192  # 6 blocks of 256 threads per SM (40 registers), 4 SMs, 32 nonces each
    assert miner.wave_blocks * miner.config.nonces_per_block == wave
    assert miner.size_launch(7.5e9) == round(7.5e9 * 0.025 / wave) * wave
    assert miner.size_launch(1.0) == wave
    assert miner.size_launch(1e15) == 2**31 // wave * wave
    assert miner.occupancy == 0.75


def test_host_overflow_is_reported(fake):
    header = random_header(2)
    fake.know(header)
    miner = cuda_mod.CudaMiner(capacity=5)
    res = miner.search(header, 0, 3000, target_from_zero_bits(4))
    assert res.overflow and len(res.found) == 5


def test_host_rejects_a_kernel_that_reports_a_wrong_nonce(fake):
    header = random_header(4)
    fake.know(header)
    hits = scan(header, 0, 4000, target_from_zero_bits(8))
    hard = int(hits[0]["hash"], 16)  # only the first hit qualifies
    bad = next(n for n in range(4000) if n not in {h["nonce"] for h in hits})
    fake.extra_reports = [bad]
    with pytest.raises(VerificationFailed, match=f"nonce {bad}"):
        cuda_mod.CudaMiner().search(header, 0, 4000, hard)


def test_host_drops_candidates_under_the_top_word_but_over_the_target(fake):
    header = random_header(6)
    fake.know(header)
    hits = scan(header, 0, 5000, target_from_zero_bits(8))
    target = int(hits[0]["hash"], 16)  # same top byte as the others, lower bits decide
    res = cuda_mod.CudaMiner().search(header, 0, 5000, target)
    assert as_pairs(res.found) == scan(header, 0, 5000, target)


@pytest.mark.parametrize(
    "args",
    [
        (b"\x00" * 79, 0, 1),
        (b"\x00" * 80, -1, 5),
        (b"\x00" * 80, 2**32 - 1, 2),
        (b"\x00" * 80, 0, 0),
    ],
)
def test_host_bad_search_input(fake, args):
    with pytest.raises(InvalidInput):
        cuda_mod.CudaMiner().search(*args, 2**255)


def test_host_stream_from_torch_pointer_or_cupy(fake):
    torch_like = type("TorchStream", (), {"cuda_stream": 4242})()
    assert cuda_mod.CudaMiner(stream=torch_like).stream.ptr == 4242
    assert cuda_mod.CudaMiner(stream=99).stream.ptr == 99
    own = fake.cuda.Stream()
    assert cuda_mod.CudaMiner(stream=own).stream is own
    with pytest.raises(InvalidInput, match="stream"):
        cuda_mod.CudaMiner(stream="default")


def test_no_device_is_device_unavailable(monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", FakeCupy(devices=0))
    with pytest.raises(DeviceUnavailable, match="no device cuda:0"):
        cuda_mod.CudaMiner()


def test_no_cupy_is_device_unavailable(monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", None)  # makes `import cupy` fail
    with pytest.raises(DeviceUnavailable, match="CuPy is not installed"):
        cuda_mod.CudaMiner()


def test_host_tunes_the_variant_by_timing(fake):
    fake.imad_speedup = 1.25
    miner = cuda_mod.CudaMiner()
    assert miner.config == cuda_mod.KernelConfig(imad_level=1)
    rates = {row["config"]: row["hashrate_hs"] for row in miner.tuning}
    assert rates == {"256x32": 512e3, "256x32-imad1": 1.25 * 512e3, "256x32-imad2": 512e3}
    assert miner.launch_nonces == miner.size_launch(1.25 * 512e3)
    assert miner.describe()["variant"] == "256x32-imad1"


def test_host_keeps_the_plain_variant_when_it_is_as_fast(fake):
    assert cuda_mod.CudaMiner().config == cuda_mod.KernelConfig()


def test_host_tuning_is_interleaved_and_chooses_by_median(fake):
    """Launch times in order plain, imad1, imad2 per round; round 0 is a warm-up. The plain
    variant's one 0.25 ms launch is an outlier: by median imad1 (0.8 ms) wins."""
    fake.elapsed_sequence_ms = [1, 1, 1, 0.25, 0.8, 1, 1, 0.8, 1, 1, 0.8, 1]
    miner = cuda_mod.CudaMiner()
    assert fake.elapsed_sequence_ms == []  # every launch timed, none more
    rates = {row["config"]: row["hashrate_hs"] for row in miner.tuning}
    assert rates == {"256x32": 512e3, "256x32-imad1": 512 / 0.8e-3, "256x32-imad2": 512e3}
    assert miner.config == cuda_mod.KernelConfig(imad_level=1)
