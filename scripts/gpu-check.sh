#!/usr/bin/env bash
# make gpu-check: on a machine with an NVIDIA GPU and torch, CuPy and nvidia-ml-py already
# installed (no network needed), run the GPU tests, then a >= 20 s hashrate and energy
# measurement that writes a result JSON under results/ (and into $OUT when set).
# Exit status: 0 all passed, 1 a test or check failed, 2 no usable GPU.
set -u
cd "$(dirname "$0")/.."

# The project's venv when it can import CuPy, else the machine's python3.
PY=${PYTHON:-python3}
if [ -z "${PYTHON:-}" ] && [ -x .venv/bin/python ] && .venv/bin/python -c "import cupy" 2>/dev/null; then
    PY=.venv/bin/python
fi
# No install step: the package runs from the source tree. The CPU extension is optional here
# (the CUDA path does not need it); build it in place when setuptools and a compiler allow.
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
BUILD_LOG=${TMPDIR:-/tmp}/joulebench-build-ext.log
if [ -n "${JOULEBENCH_SKIP_BUILD:-}" ]; then
    :
elif ! "$PY" setup.py -q build_ext --inplace >"$BUILD_LOG" 2>&1; then
    echo "gpu-check: CPU extension not built (see $BUILD_LOG); the CUDA path does not need it"
fi

"$PY" -m bench.gpucheck --preflight || exit $?

tests_rc=0
# tests/conftest.py imports the CLI, hence click (a dependency of the package) besides pytest.
if "$PY" -c "import pytest, click" 2>/dev/null; then
    # -o addopts= : pytest-benchmark may be absent here, and pyproject's addopts names it.
    timeout 150 "$PY" -m pytest -q -o addopts= -p no:cacheprovider -rs \
        tests/test_cuda_miner.py tests/test_cuda_build.py
    tests_rc=$?
else
    echo "gpu-check: pytest or click is not installed; the GPU tests are skipped (the check" \
         "below still verifies the kernel against hashlib before measuring)"
fi

"$PY" -m bench.gpucheck ${OUT:+--out "$OUT"} --tests-rc "$tests_rc"
