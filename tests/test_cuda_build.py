"""The CUDA kernel builds without a GPU: nvcc and NVRTC accept it with no spills, and the exact
kernel source, run on the CPU through a C++ stand-in for the CUDA builtins, finds what hashlib
finds."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from mining_reference import scan

from bench.mining.cuda import KernelConfig
from bench.mining.cuda_build import (
    arch_option,
    builtins_beside,
    find_nvrtc,
    loaded_nvrtc,
    nvrtc_compile,
    parse_ptxas,
    program_source,
)
from bench.mining.header import Header, target_from_zero_bits
from bench.mining.known import KNOWN_BLOCKS
from bench.mining.precompute import precompute

ROOT = Path(__file__).resolve().parent.parent
KERNELS = sorted((ROOT / "kernels").glob("*.cu"))
ARCHS = ("80", "90")
# Kernel shapes the miner may be built with (gpucheck times several): each must be spill-free.
SHAPES = [
    KernelConfig(),
    KernelConfig(imad_level=1),
    KernelConfig(imad_level=2),
    KernelConfig(256, 64, 2),
    KernelConfig(128, 32, 2),
    KernelConfig(512, 32, 2),
]


def _nvcc() -> str | None:
    for candidate in (
        os.environ.get("CUDA_HOME") and f"{os.environ['CUDA_HOME']}/bin/nvcc",
        "/usr/local/cuda/bin/nvcc",
        shutil.which("nvcc"),
    ):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


NVCC = _nvcc()
NVRTC = find_nvrtc()
GXX = shutil.which("g++") or shutil.which("c++")
needs_nvcc = pytest.mark.skipif(NVCC is None, reason="nvcc not found (CUDA toolkit absent)")
needs_nvrtc = pytest.mark.skipif(
    NVRTC is None, reason="libnvrtc not found (pip install nvidia-cuda-nvrtc, or a CUDA toolkit)"
)


def _assert_no_local_memory(log_text: str, what: str) -> dict:
    reports = parse_ptxas(log_text)
    assert reports, f"{what}: no ptxas report in the log:\n{log_text}"
    for rep in reports.values():
        assert not rep.uses_local_memory, f"{what}: {rep} uses local memory:\n{log_text}"
    return reports


def test_kernels_found():
    assert [p.name for p in KERNELS] == ["sha256d.cu"]


@needs_nvcc
@pytest.mark.parametrize("imad", [0, 1, 2])
@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("source", KERNELS, ids=lambda p: p.name)
def test_nvcc_builds_without_spills(source, arch, imad, tmp_path):
    """Both add variants, the machine's nvcc, sm_80 and sm_90: no spill, no stack frame."""
    cubin = str(tmp_path / "k.cubin")
    cmd = [NVCC, f"-arch=sm_{arch}", f"-DJB_IMAD_ADDS={imad}", "-cubin", "-Xptxas", "-v"]
    cmd += ["-o", cubin, str(source)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    log_text = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"nvcc failed:\n{log_text}"
    reports = _assert_no_local_memory(log_text, f"nvcc sm_{arch} {source.name}")
    assert reports["sha256d_search"].registers <= 64, reports["sha256d_search"]


@needs_nvrtc
@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: s.label)
def test_nvrtc_builds_the_runtime_program(arch, shape):
    """The very string the miner hands NVRTC, with its options: no system headers, no spills."""
    options = (*shape.options(), arch_option(arch), "--ptxas-options=-v")
    out = nvrtc_compile(program_source(), options, NVRTC)
    assert out.ok, f"NVRTC refused the kernel with {options}:\n{out.log}"
    assert out.cubin[:4] == b"\x7fELF"
    _assert_no_local_memory(out.log, f"NVRTC sm_{arch} {shape}")


@needs_nvrtc
def test_nvrtc_rejects_system_headers_so_the_check_has_teeth():
    out = nvrtc_compile("#include <stdio.h>\n" + program_source(), (arch_option(90),), NVRTC)
    assert not out.ok and "stdio.h" in out.log


def test_program_source_inlines_the_shared_core():
    src = program_source()
    assert '#include "' not in src
    assert "jb_sha256d_h7" in src and 'extern "C" __global__' in src


# --- the kernel source run on the CPU ------------------------------------------------------


@pytest.fixture(scope="module", params=[0, 1, 2], ids=["plain", "imad1", "imad2"])
def emulator(request, tmp_path_factory) -> Path:
    """The emulation, built for each kernel variant."""
    if GXX is None:
        pytest.skip("no C++ compiler to build the host emulation of the kernel")
    exe = tmp_path_factory.mktemp("emul") / "sha256d_emul"
    src = Path(__file__).with_name("cuda_host_emulation.cpp")
    variant = f"-DJB_IMAD_ADDS={request.param}"
    cmd = [GXX, "-O2", "-std=c++17", "-w", variant, "-o", str(exe), str(src)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return exe


def run_emulated(exe, header, start, count, target, capacity=1 << 16, block=64):
    """(candidates counted, overflow flag, candidate nonces) from the emulated kernel."""
    target_hi = min(target >> 224, 0xFFFFFFFF)
    args = [*precompute(header), start, count, target_hi, capacity, block]
    cmd = [str(exe), *map(str, args)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=True)
    first, *rest = proc.stdout.split("\n", 1)
    total, overflow = map(int, first.split())
    return total, overflow, [int(x) for x in "".join(rest).split()]


@pytest.mark.parametrize("block", KNOWN_BLOCKS, ids=lambda b: b.name)
def test_emulated_kernel_finds_known_blocks(emulator, block):
    header = Header.from_hex(block.header_hex)
    total, overflow, nonces = run_emulated(
        emulator, header.to_bytes(), block.nonce - 3000, 6000, header.target
    )
    assert (total, overflow) == (1, 0) and nonces == [block.nonce]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_emulated_kernel_equals_hashlib_scan(emulator, seed):
    rng = random.Random(seed)
    header = bytes(rng.getrandbits(8) for _ in range(80))
    start, count = rng.randrange(2**32 - 40_000), rng.randrange(20_000, 40_000)
    bits = rng.choice([8, 12])
    target = target_from_zero_bits(bits)
    _, overflow, nonces = run_emulated(emulator, header, start, count, target, block=32)
    expected = [h["nonce"] for h in scan(header, start, count, target)]
    # Candidates pass the top-word filter; the top word holds the 8 or 12 zero bits exactly.
    assert overflow == 0 and sorted(nonces) == expected


def test_emulated_kernel_flags_overflow(emulator):
    header = bytes(range(80))
    total, overflow, nonces = run_emulated(
        emulator, header, 0, 4096, target_from_zero_bits(4), capacity=10
    )
    assert overflow == 1 and total > 10 and len(nonces) == 10
    assert len(set(nonces)) == 10


def test_emulated_kernel_stops_at_the_range_end(emulator):
    """Every nonce qualifies: exactly the range comes back, not a whole thread's share more."""
    header = bytes(80)
    total, overflow, nonces = run_emulated(emulator, header, 2**32 - 1000, 1000, 2**256 - 1)
    assert (total, overflow) == (1000, 0)
    assert sorted(nonces) == list(range(2**32 - 1000, 2**32))


def test_python_precompute_matches_the_c_core():
    """The CUDA host's precompute equals the C one the CPU paths use (same jb_pre words)."""
    cpuminer = pytest.importorskip("bench.mining._cpuminer")
    if not hasattr(cpuminer, "precompute"):
        pytest.skip("this build of the CPU extension exports no precompute")
    rng = random.Random(7)
    for raw in [Header.from_hex(b.header_hex).to_bytes() for b in KNOWN_BLOCKS] + [
        bytes(rng.getrandbits(8) for _ in range(80)) for _ in range(20)
    ]:
        assert precompute(raw) == tuple(cpuminer.precompute(raw))


def test_installed_layout_gives_the_same_program(tmp_path):
    """setup.py copies kernels/ into the package as bench/kernels: same sources, same program."""
    for src in (ROOT / "kernels").glob("*"):
        if src.suffix in {".cu", ".h"}:
            (tmp_path / src.name).write_bytes(src.read_bytes())
    assert program_source(folder=tmp_path) == program_source(folder=ROOT / "kernels")


# --- NVRTC's builtins, preloaded from the folder of the libnvrtc in use ------------------------

FRESH_COMPILE = """
import sys
from pathlib import Path
from bench.mining.cuda_build import arch_option, nvrtc_compile, program_source
out = nvrtc_compile(program_source(), (arch_option(90),), Path(sys.argv[1]), sys.argv[2] == "1")
print("compiled" if out.ok else out.log)
"""


def _fresh_compile(library: Path, preload: bool) -> str:
    cmd = [sys.executable, "-c", FRESH_COMPILE, str(library), "1" if preload else "0"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@needs_nvrtc
def test_nvrtc_compiles_in_a_fresh_process_only_with_its_builtins_preloaded(tmp_path):
    """A libnvrtc that cannot find its builtins by itself, as nvidia-cuda-nvrtc 13.0.88 ships
    (no RUNPATH): here, a link to the library from a folder without them ($ORIGIN is the
    link's folder). A fresh process, so nothing loaded the builtins before."""
    link = tmp_path / NVRTC.name
    link.symlink_to(NVRTC.resolve())
    assert "libnvrtc-builtins" in _fresh_compile(link, preload=False)
    assert _fresh_compile(link, preload=True).strip() == "compiled"


def test_preload_finds_the_builtins_beside_the_library_in_use(tmp_path):
    lib = tmp_path / "lib" / "libnvrtc.so.13"
    lib.parent.mkdir()
    lib.write_bytes(b"")
    (lib.parent / "libnvrtc-builtins.so.13.0").write_bytes(b"")
    assert builtins_beside(lib) == lib.parent / "libnvrtc-builtins.so.13.0"
    elsewhere = tmp_path / "link" / "libnvrtc.so.13"
    elsewhere.parent.mkdir()
    elsewhere.symlink_to(lib)
    assert builtins_beside(elsewhere) == lib.parent / "libnvrtc-builtins.so.13.0"
    maps = tmp_path / "maps"
    maps.write_text(
        "7f00-7f10 r-xp 00000000 08:01 1 /usr/lib/libc.so.6\n"
        f"7f20-7f30 r-xp 00000000 08:01 2 {lib}\n"
        "7f40-7f50 rw-p 00000000 00:00 0 \n"
    )
    assert loaded_nvrtc(maps) == lib
    assert loaded_nvrtc(tmp_path / "absent") is None
