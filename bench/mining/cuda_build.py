"""The CUDA miner's sources as one NVRTC program, and a ctypes NVRTC compile used to check it.

The kernel (kernels/sha256d.cu) includes the shared SHA-256d core (kernels/sha256d_core.h).
Local `#include "..."` lines are inlined here, so the program handed to NVRTC is one string:
CuPy's on-disk cache keys on that string, so a change to the core also changes the key, and
NVRTC never needs an include path. An installed package carries the sources in bench/kernels/
(copied by setup.py); an editable install reads the repository's kernels/ folder.

NVRTC opens libnvrtc-builtins at compile time by its bare name. The PyPI build of libnvrtc
13.0 (nvidia-cuda-nvrtc 13.0.88) has no RUNPATH, so that open fails ("failed to open
libnvrtc-builtins.so.13.0") unless something loaded the builtins earlier in the process;
`preload_builtins` loads them, globally, from the folder of the libnvrtc in use.
"""

from __future__ import annotations

import ctypes
import glob
import hashlib
import importlib.util
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

KERNEL_FILE = "sha256d.cu"
ENTRY_POINT = "sha256d_search"
# Options for every NVRTC compile; the architecture is added per device (CuPy adds it itself).
NVRTC_OPTIONS = ("--std=c++17",)

_INCLUDE = re.compile(r'^[ \t]*#[ \t]*include[ \t]+"([^"]+)"[ \t]*$', re.MULTILINE)
_PACKAGE_KERNELS = Path(__file__).resolve().parent.parent / "kernels"
_REPO_KERNELS = Path(__file__).resolve().parent.parent.parent / "kernels"


def kernel_dir() -> Path:
    """The folder holding the CUDA sources: the package's copy, else the repository's."""
    for folder in (_PACKAGE_KERNELS, _REPO_KERNELS):
        if (folder / KERNEL_FILE).is_file():
            return folder
    raise FileNotFoundError(
        f"{KERNEL_FILE} is neither in {_PACKAGE_KERNELS} nor in {_REPO_KERNELS}"
    )


def program_source(name: str = KERNEL_FILE, folder: Path | None = None) -> str:
    """The kernel source with its local includes inlined (each file once)."""
    folder = folder or kernel_dir()
    seen: set[Path] = set()

    def expand(path: Path) -> str:
        path = path.resolve()
        if path in seen:
            return f"/* {path.name}: already included */\n"
        seen.add(path)
        text = path.read_text(encoding="utf-8")

        def inline(match: re.Match) -> str:
            child = path.parent / match.group(1)
            if not child.is_file():
                raise FileNotFoundError(f"{path.name} includes {match.group(1)}, not found")
            resume = text.count("\n", 0, match.start()) + 2  # the line after the include
            return f'#line 1 "{child.name}"\n{expand(child)}\n#line {resume} "{path.name}"'

        return _INCLUDE.sub(inline, text)

    return expand(folder / name)


def source_hash(source: str | None = None) -> str:
    """SHA-256 (hex) of the program source: names the exact kernel in results."""
    return hashlib.sha256((source or program_source()).encode()).hexdigest()


def arch_option(compute_capability: str | int) -> str:
    """The NVRTC option that builds machine code for one architecture, e.g. sm_90."""
    return f"--gpu-architecture=sm_{int(compute_capability)}"


# --- a ctypes NVRTC, for checks without CuPy or a GPU -----------------------------------


@dataclass(frozen=True)
class NvrtcOutput:
    """What one NVRTC compile gave: success, its log, and the cubin when it succeeded."""

    ok: bool
    log: str
    cubin: bytes


def find_nvrtc() -> Path | None:
    """libnvrtc: the PyPI wheel's (nvidia-cuda-nvrtc), CUDA_HOME's, or /usr/local/cuda's."""
    patterns = []
    spec = importlib.util.find_spec("nvidia")
    for root in spec.submodule_search_locations if spec else []:
        patterns += [f"{root}/*/lib/libnvrtc.so*", f"{root}/cuda_nvrtc/lib/libnvrtc.so*"]
    for home in (os.environ.get("CUDA_HOME"), os.environ.get("CUDA_PATH"), "/usr/local/cuda"):
        if home:
            patterns += [f"{home}/lib64/libnvrtc.so*", f"{home}/lib/libnvrtc.so*"]
    for pattern in patterns:
        hits = [p for p in sorted(glob.glob(pattern)) if "builtins" not in p]
        if hits:
            return Path(hits[-1])
    return None


_PRELOADED: dict[Path, ctypes.CDLL] = {}


def loaded_nvrtc(maps: Path = Path("/proc/self/maps")) -> Path | None:
    """The libnvrtc this process has mapped already (CuPy's, say), or None."""
    try:
        text = maps.read_text()
    except OSError:  # not Linux
        return None
    for line in text.splitlines():
        fields = line.split(maxsplit=5)
        if len(fields) == 6 and Path(fields[5]).name.startswith("libnvrtc.so"):
            return Path(fields[5])
    return None


def builtins_beside(library: Path) -> Path | None:
    """libnvrtc-builtins in the folder of `library` (as named, else as resolved), or None."""
    for folder in dict.fromkeys((library.parent, library.resolve().parent)):
        hits = sorted(folder.glob("libnvrtc-builtins.so*"))
        if hits:
            return hits[-1]
    return None


def preload_builtins(library: Path | None = None) -> Path | None:
    """Load libnvrtc-builtins (RTLD_GLOBAL) from the folder of the libnvrtc in use: `library`,
    else the one mapped in this process, else find_nvrtc()'s. The path loaded, or None."""
    library = library or loaded_nvrtc() or find_nvrtc()
    builtins = builtins_beside(library) if library is not None else None
    if builtins is None:
        log.debug("no libnvrtc-builtins beside %s: not preloaded", library)
        return None
    if builtins not in _PRELOADED:
        _PRELOADED[builtins] = ctypes.CDLL(str(builtins), mode=ctypes.RTLD_GLOBAL)
        log.debug("preloaded %s", builtins)
    return builtins


def nvrtc_compile(
    source: str, options: tuple[str, ...], library: Path, preload: bool = True
) -> NvrtcOutput:
    """Compile `source` with NVRTC loaded from `library` (its builtins preloaded unless told
    not to); the log is kept either way."""
    if preload:
        preload_builtins(library)
    lib = ctypes.CDLL(str(library))
    prog = ctypes.c_void_p()
    _check(
        lib,
        lib.nvrtcCreateProgram(ctypes.byref(prog), source.encode(), b"sha256d.cu", 0, None, None),
    )
    try:
        opts = (ctypes.c_char_p * len(options))(*(o.encode() for o in options))
        status = lib.nvrtcCompileProgram(prog, len(options), opts)
        size = ctypes.c_size_t()
        _check(lib, lib.nvrtcGetProgramLogSize(prog, ctypes.byref(size)))
        buf = ctypes.create_string_buffer(size.value)
        _check(lib, lib.nvrtcGetProgramLog(prog, buf))
        text = buf.value.decode(errors="replace")
        if status != 0:
            return NvrtcOutput(False, f"{_error_name(lib, status)}\n{text}", b"")
        _check(lib, lib.nvrtcGetCUBINSize(prog, ctypes.byref(size)))
        cubin = ctypes.create_string_buffer(size.value)
        _check(lib, lib.nvrtcGetCUBIN(prog, cubin))
        return NvrtcOutput(True, text, cubin.raw)
    finally:
        lib.nvrtcDestroyProgram(ctypes.byref(prog))


def _error_name(lib: ctypes.CDLL, status: int) -> str:
    lib.nvrtcGetErrorString.restype = ctypes.c_char_p
    return lib.nvrtcGetErrorString(status).decode()


def _check(lib: ctypes.CDLL, status: int) -> None:
    if status != 0:
        raise RuntimeError(f"NVRTC call failed: {_error_name(lib, status)}")


# --- ptxas -v reports ----------------------------------------------------------------------

_FUNC = re.compile(r"(?:Compiling entry function|Function properties for) '?([\w$.]+)'?")
_FRAME = re.compile(r"(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads")
_REGS = re.compile(r"Used (\d+) registers")
_LMEM = re.compile(r"(\d+) bytes lmem")


@dataclass
class PtxasReport:
    """Registers and local-memory figures ptxas printed for one function."""

    function: str
    registers: int | None = None
    stack_frame_bytes: int = 0
    spill_store_bytes: int = 0
    spill_load_bytes: int = 0
    lmem_bytes: int = 0

    @property
    def uses_local_memory(self) -> bool:
        """Any spill, stack frame or local memory at all."""
        return any(
            (self.stack_frame_bytes, self.spill_store_bytes, self.spill_load_bytes, self.lmem_bytes)
        )


def parse_ptxas(log_text: str) -> dict[str, PtxasReport]:
    """The per-function figures in a `ptxas -v` log (nvcc's or NVRTC's)."""
    reports: dict[str, PtxasReport] = {}
    current: PtxasReport | None = None
    for line in log_text.splitlines():
        if m := _FUNC.search(line):
            current = reports.setdefault(m.group(1), PtxasReport(m.group(1)))
        if current is None:
            continue
        if m := _FRAME.search(line):
            current.stack_frame_bytes, current.spill_store_bytes, current.spill_load_bytes = (
                int(g) for g in m.groups()
            )
        if m := _REGS.search(line):
            current.registers = int(m.group(1))
        if m := _LMEM.search(line):
            current.lmem_bytes = int(m.group(1))
    return reports
