"""Build the native CPU miner and ship the kernel sources with the package.

Everything else about the distribution lives in pyproject.toml. The CPU miner is compiled
here, once, by `pip install`; nothing is compiled at run time on the CPU path. The CUDA
sources are copied into the package (bench/kernels/) so that an installed joulebench can hand
them to NVRTC; an editable install reads them from the repository's kernels/ folder.
"""

import shutil
import sys
from glob import glob
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).parent


class BuildPyWithKernels(build_py):
    """Copy kernels/ (CUDA, C headers) into the built package as bench/kernels."""

    def run(self):
        super().run()
        target = Path(self.build_lib) / "bench" / "kernels"
        target.mkdir(parents=True, exist_ok=True)
        for src in (ROOT / "kernels").rglob("*"):
            if src.is_file() and src.suffix in {".cu", ".cuh", ".h", ".c"}:
                dest = target / src.relative_to(ROOT / "kernels")
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dest)


def cpu_extension() -> Extension:
    if sys.platform == "win32":
        args, libs = ["/O2"], []
    else:
        args, libs = ["-O3", "-std=c11", "-fno-strict-aliasing"], ["pthread"]
    return Extension(
        "bench.mining._cpuminer",
        sources=sorted(str(p) for p in glob("kernels/cpu/*.c")),
        include_dirs=["kernels"],
        depends=sorted(glob("kernels/*.h") + glob("kernels/cpu/*.h")),
        extra_compile_args=args,
        libraries=libs,
    )


setup(ext_modules=[cpu_extension()], cmdclass={"build_py": BuildPyWithKernels})
