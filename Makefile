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

.PHONY: run test lint format bench bench-miner bench-telemetry gpu-check clean install

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
	$(BIN)/ruff check bench tests scripts setup.py
	$(BIN)/ruff format --check bench tests scripts setup.py

test: lint
	$(BIN)/python -m pytest -q

format: $(TEST_STAMP)
	$(BIN)/ruff format bench tests setup.py
	$(BIN)/ruff check --fix bench tests setup.py

# Figures printed, never asserted: the machines are shared and noisy.
bench: bench-miner bench-telemetry

bench-miner: $(TEST_STAMP)
	$(BIN)/python -m bench.mining.benchmark

bench-telemetry: $(TEST_STAMP)
	$(BIN)/python -m bench.telemetry.overhead

gpu-check:
	bash scripts/gpu-check.sh

clean:
	rm -rf $(VENV) build *.egg-info bench/mining/*.so .pytest_cache .ruff_cache
