"""The sha256d workload: registration, sizing, verification on the device, distinct steps."""

from __future__ import annotations

import pytest
from conftest import HAVE_CUDA
from mining_reference import PyMiner

import bench.workloads.mining as mining_mod
from bench.devices import Device
from bench.errors import DeviceUnavailable, VerificationFailed
from bench.mining.backend import Found, SearchResult
from bench.workloads import base

CPU = Device(id="cpu", kind="cpu", name="test cpu")
GPU = Device(id="cuda:0", kind="cuda", name="test gpu")


@pytest.fixture
def py_miner(monkeypatch):
    miner = PyMiner()
    monkeypatch.setattr(mining_mod, "backend_for_device", lambda *a, **k: miner)
    return miner


def test_registered_as_a_mining_workload():
    cls = base.get("sha256d")
    assert cls is mining_mod.Sha256dWorkload
    assert (cls.unit, cls.family) == ("hash", "mining")


def test_default_sizes():
    cpu, cpu_quick = (base.get("sha256d").default_params(CPU, quick=q) for q in (False, True))
    gpu = base.get("sha256d").default_params(GPU, quick=False)
    assert cpu_quick["job_nonces"] < cpu["job_nonces"] < gpu["job_nonces"] <= 2**32
    assert cpu["zero_bits"] >= 32  # rare hits: the host check never dominates a step


def test_verify_and_steps_with_a_reference_miner(py_miner):
    wl = base.create("sha256d", CPU, job_nonces=500, verify_span=64)
    wl.setup()
    wl.verify()
    assert wl.describe()["path"] == "python"
    assert [wl.step() for _ in range(3)] == [500.0] * 3
    steps = py_miner.calls[-3:]
    assert len({(h, start) for h, start, _, _ in steps}) == 3
    assert all(target == 2**224 - 1 for *_, target in steps)  # zero_bits 32
    wl.teardown()


def test_a_wrong_answer_fails_verification(monkeypatch):
    class Wrong(PyMiner):
        def search(self, header, nonce_start, nonce_count, target):
            result = super().search(header, nonce_start, nonce_count, target)
            result.found = [Found(f.nonce + 1, f.hash_hex) for f in result.found]
            return result

    monkeypatch.setattr(mining_mod, "backend_for_device", lambda *a, **k: Wrong())
    wl = base.create("sha256d", CPU, verify_span=16)
    wl.setup()
    with pytest.raises(VerificationFailed):
        wl.verify()


def test_short_count_fails_verification(monkeypatch):
    class Short(PyMiner):
        def search(self, header, nonce_start, nonce_count, target):
            result = super().search(header, nonce_start, nonce_count, target)
            return SearchResult(**{**result.__dict__, "hashes": nonce_count - 1})

    monkeypatch.setattr(mining_mod, "backend_for_device", lambda *a, **k: Short())
    wl = base.create("sha256d", CPU, verify_span=16)
    wl.setup()
    with pytest.raises(VerificationFailed):
        wl.verify()


def test_native_cpu_miner_quick():
    params = base.get("sha256d").default_params(CPU, quick=True)
    wl = base.create("sha256d", CPU, **params)
    wl.setup()
    wl.verify()
    assert wl.step() == params["job_nonces"]
    assert wl.describe()["backend"] == "cpu"
    wl.teardown()


@pytest.mark.skipif(HAVE_CUDA, reason="this machine has a GPU")
def test_cuda_device_without_a_gpu():
    wl = base.create("sha256d", GPU)
    with pytest.raises(DeviceUnavailable):
        wl.setup()
