# joulebench: `make run` measures, `make test` checks. Both build a virtual environment first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Machines without an NVIDIA GPU get the light CPU build of torch, taken from local disk;
# set TORCH_SPEC= (empty) to keep whatever torch the environment resolves by itself.
HAVE_NVIDIA := $(shell command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1 && echo yes)
ifeq ($(HAVE_NVIDIA),yes)
TORCH_SPEC ?=
EXTRAS ?= cuda13
RUN_ARGS ?=
else
TORCH_SPEC ?= torch==2.13.0
EXTRAS ?=
# A CPU measures the whole suite at small sizes (the CI-sized run, under 3 minutes).
RUN_ARGS ?= --quick
endif

# Where the light CPU torch wheel lies on these machines (pip also finds it via PIP_FIND_LINKS).
LOCAL_WHEELS := $(if $(wildcard /opt/wheels),--find-links /opt/wheels)
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
NATIVE := $(wildcard kernels/*.h kernels/cpu/*.c kernels/cpu/*.h) setup.py pyproject.toml

.PHONY: run test lint format bench bench-compare gpu-check clean install

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python $(NATIVE)
	@if [ -n "$(TORCH_SPEC)" ]; then $(BIN)/pip install --quiet $(LOCAL_WHEELS) "$(TORCH_SPEC)"; fi
	$(BIN)/pip install --quiet -e ".$(if $(EXTRAS),[$(EXTRAS)])"
	@touch $@

$(TEST_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e ".[test$(if $(EXTRAS),$(comma)$(EXTRAS))]"
	@touch $@

comma := ,

install: $(STAMP)

run: $(STAMP)
	$(BIN)/joulebench run $(RUN_ARGS)

lint: $(TEST_STAMP)
	$(BIN)/ruff check bench tests benchmarks scripts setup.py
	$(BIN)/ruff format --check bench tests benchmarks scripts setup.py

test: lint
	$(BIN)/python -m pytest -q
	$(BIN)/python -m pytest -q benchmarks --benchmark-disable  # each benchmark once, small sizes

format: $(TEST_STAMP)
	$(BIN)/ruff format bench tests benchmarks setup.py
	$(BIN)/ruff check --fix bench tests benchmarks setup.py

# Micro-benchmarks (benchmarks/, pytest-benchmark): figures printed and saved, never asserted.
# `make bench` saves each run under .benchmarks/; `make bench-compare` runs again and fails where
# a benchmark's fastest round got slower than in the last saved run by more than BENCH_FAIL
# (min: the least disturbed round, the steadiest figure on a shared machine).
BENCH_FAIL ?= min:25%
BENCH_ARGS ?=
BENCH_PYTEST = $(BIN)/python -m pytest benchmarks -q --benchmark-enable \
	--benchmark-columns=min,median,iqr,rounds --benchmark-sort=fullname $(BENCH_ARGS)

bench: $(TEST_STAMP)
	$(BENCH_PYTEST) --benchmark-autosave

bench-compare: $(TEST_STAMP)
	$(BENCH_PYTEST) --benchmark-compare --benchmark-compare-fail=$(BENCH_FAIL)

gpu-check:
	bash scripts/gpu-check.sh

clean:
	rm -rf $(VENV) build *.egg-info bench/mining/*.so .pytest_cache .ruff_cache
