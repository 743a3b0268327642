"""Many bad command lines, one table: each is exit 2, one line on stderr, nothing on stdout,
and no file anywhere in the folder it ran in, before any measurement starts.

The cases are the probe's kinds (NaN, infinities, values that overflow to infinity, extreme
but finite values, negatives, zero, text for numbers, empty strings, unusable files, workload
parameters of the wrong type or range), across every command.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import assert_bad_input

from bench import runner

GENESIS = (
    "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b"
    "12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c"
)
SIGN_BIT_HEADER = GENESIS[:144] + "ffff801d" + GENESIS[152:]  # bits 0x1d80ffff: negative
MINE = ("mine", "--header", GENESIS, "--nonce-start", "0", "--nonce-count", "10")
NUMBERS = ["nan", "NaN", "inf", "-inf", "infinity", "1e400", "-1e400", "1e308", "5GH/s", ""]

_MINE_CASES = [
    ("mine", "--header", "", "--nonce-start", "0", "--nonce-count", "1"),
    ("mine", "--header", "zz" * 80, "--nonce-start", "0", "--nonce-count", "1"),
    ("mine", "--header", GENESIS[:-2], "--nonce-start", "0", "--nonce-count", "1"),
    ("mine", "--header", GENESIS + "00", "--nonce-start", "0", "--nonce-count", "1"),
    ("mine", "--header", SIGN_BIT_HEADER, "--nonce-start", "0", "--nonce-count", "1"),
    ("mine", "--header", GENESIS, "--nonce-start", "-1", "--nonce-count", "1"),
    ("mine", "--header", GENESIS, "--nonce-start", str(2**32), "--nonce-count", "1"),
    ("mine", "--header", GENESIS, "--nonce-start", "0", "--nonce-count", "0"),
    ("mine", "--header", GENESIS, "--nonce-start", "0", "--nonce-count", "-5"),
    ("mine", "--header", GENESIS, "--nonce-start", "1", "--nonce-count", str(2**32)),
    ("mine", "--header", GENESIS, "--nonce-start", "abc", "--nonce-count", "1"),
    ("mine", "--header", GENESIS, "--nonce-start", "1e3", "--nonce-count", "1"),
    (*MINE, "--zero-bits", "256"),
    (*MINE, "--zero-bits", "257"),
    (*MINE, "--zero-bits", "-1"),
    (*MINE, "--zero-bits", "x"),
    (*MINE, "--target", "0" * 64),
    (*MINE, "--target", "g" * 64),
    (*MINE, "--target", "f" * 63),
    (*MINE, "--target", ""),
    (*MINE, "--zero-bits", "8", "--target", "f" * 64),
    (*MINE, "--backend", "gpu"),
]

ECON_MINING = ("econ", "mining", "--hashrate-hs", "1e9", "--power-w", "100")
_ECON_CASES = [
    *[("econ", "mining", "--hashrate-hs", v, "--power-w", "100") for v in NUMBERS],
    *[("econ", "mining", "--hashrate-hs", "1e9", "--power-w", v) for v in NUMBERS],
    *[(*ECON_MINING, "--btc-price", v) for v in ("nan", "inf", "1e308", "-1", "0")],
    *[(*ECON_MINING, "--difficulty", v) for v in ("nan", "1e400", "-5", "0")],
    *[(*ECON_MINING, "--electricity-usd-kwh", v) for v in ("nan", "-0.1", "1e308")],
    *[(*ECON_MINING, "--pool-fee", v) for v in ("1.5", "-0.1", "nan")],
    *[(*ECON_MINING, "--pue", v) for v in ("0.5", "inf")],
    *[(*ECON_MINING, "--uptime", v) for v in ("0", "1.5")],
    (*ECON_MINING, "--scenario", ""),
    (*ECON_MINING, "--scenario", "no-such-market"),
    (*ECON_MINING, "--scenario", "/dev/zero"),
    (*ECON_MINING, "--footing", "roof"),
    ("econ", "ai", "--units-per-s", "nan", "--power-w", "100", "--usd-per-hour", "2"),
    ("econ", "ai", "--units-per-s", "1e308", "--power-w", "100", "--usd-per-hour", "2"),
    ("econ", "ai", "--units-per-s", "100", "--power-w", "100"),
    ("econ", "ai", "--units-per-s", "100", "--power-w", "100", "--usd-per-hour", "inf"),
    ("econ", "ai", "--units-per-s", "100", "--power-w", "100", "--usd-per-hour", "2",
     "--usd-per-million-units", "1"),
    *[("econ", "tco", "--power-w", "100", "--capex-usd", "1000", "--years", v)
      for v in ("0", "-1", "nan", "1e308", "101")],
    ("econ", "tco", "--power-w", "100", "--capex-usd", "-1"),
    ("econ", "tco", "--power-w", "100", "--capex-usd", "inf"),
]  # fmt: skip

RUN = ("run", "--device", "cpu", "--quick", "--workloads", "sha256d,gemm", "--no-report")
_SETTINGS = [
    "sha256d.roll=foo",
    "sha256d.job_nonces=0",
    "sha256d.job_nonces=-1",
    "sha256d.job_nonces=abc",
    "sha256d.job_nonces=1.5",
    f"sha256d.job_nonces={2**32 + 1}",
    "sha256d.verify_span=0",
    "sha256d.verify_span=-1",
    "sha256d.verify_span=abc",
    "sha256d.threads=0",
    "sha256d.threads=-1",
    "sha256d.threads=abc",
    "sha256d.zero_bits=256",
    "gemm.seed=-1",
    "gemm.seed=abc",
    "gemm.seed=1.5",
    "gemm.m=0",
    "gemm.m=nan",
    "gemm.dtype=int8",
    "gemm.mode=fast",
    "gemm.bogus=1",
    "gemm",
    "=1",
    "bert.batch_size=2",
]
_RUN_CASES = [
    *[(*RUN, "--set", s) for s in _SETTINGS],
    *[(*RUN, flag, v) for flag in ("--window-s", "--timeout-s", "--warmup-max-s", "--stall-s")
      for v in ("nan", "inf", "-1", "0", "1e400", "abc")],
    *[(*RUN, flag, v) for flag in ("--min-windows", "--max-windows") for v in ("0", "-1", "x")],
    (*RUN, "--min-windows", "9", "--max-windows", "3"),
    (*RUN, "--btc-price", "nan"),
    (*RUN, "--pool-fee", "1.5"),
    (*RUN, "--scenario", ""),
    ("run", "--device", "tpu:0", "--quick"),
    ("run", "--device", "cpu", "--quick", "--workloads", ",,"),
    ("run", "--device", "cpu", "--quick", "--workloads", "nonsense"),
]  # fmt: skip

SITE = ("site", "terawulf-q3-2025")
_SITE_CASES = [
    *[(*SITE, "--days", v) for v in ("nan", "inf", "-1", "0", "1e400")],
    *[(*SITE, "--btc-price", v) for v in ("nan", "-1", "1e308")],
    *[(*SITE, "--mining-share", v) for v in ("1.5", "-0.1", "nan")],
    (*SITE, "--html", ""),
    (*SITE, "--html", "."),
    (*SITE, "--html", "no-such-folder/site.html"),
    ("site", ""),
    ("site", "no-such-site"),
    ("merge", "no-such-folder"),
    ("merge", ".", "--out", ""),
    *[("slurm-script", "--nodes", v, "--gpus-per-node", "1") for v in ("0", "-1", "x")],
]

_RESULT_CASES = [
    ("report", "/dev/zero"),
    ("report", "missing.json"),
    ("report", "."),
    ("compare", "missing.json"),
    ("report", "missing.json", "--btc-price", "inf"),
    ("report", "missing.json", "--html", ""),
    ("compare", "/dev/zero"),
    ("compare", "--years", "nan", "missing.json"),
    ("compare", "--fail-if-slower", "nan", "missing.json", "missing.json"),
    ("compare", "--fail-if-slower", "-5", "missing.json", "missing.json"),
]

GOLDEN = str(Path(__file__).parent / "golden" / "result-v2.json")
SLURM = ("slurm-script", "--nodes", "1", "--gpus-per-node", "1")
# Empty values once taken as "not given", options the gate ignored, run options a Slurm job
# would have carried to every rank before one of them refused them (a probe's findings)
_EMPTY_AND_IGNORED_CASES = [
    ("run", "--device", "cpu", "--quick", "--workloads", ""),
    ("run", "--device", "cpu", "--quick", "--workloads", "sha256d",
     "--set", "sha256d.backend=cuda"),
    ("econ", "ai", "--units-per-s", "1000", "--power-w", "700", "--usd-per-hour", "2",
     "--mining-hashrate-hs", "1e12", "--mining-power-w", "0"),
    (*SITE, "--sweep", ""),
    ("report", GOLDEN, "--scenario", ""),
    ("compare", GOLDEN, "--scenario", ""),
    ("compare", GOLDEN, GOLDEN, "--fail-if-slower", "5", "--scenario", "late-2025"),
    ("compare", GOLDEN, GOLDEN, "--fail-if-slower", "5", "--sort-by", "bogus"),
    (*SLURM, "--out-root", ""),
    (*SLURM, "--time", "99:99:99"),
    (*SLURM, "--workloads", "nosuch"),
    (*SLURM, "--scenario", "nosuch"),
    (*SLURM, "--btc-price", "-1"),
    (*SLURM, "--set", "x"),
    (*SLURM, "--set", "gemm.m=0", "--workloads", "gemm"),
    (*SLURM, "--plan-file", "x"),
]  # fmt: skip

CASES = [
    *_MINE_CASES, *_ECON_CASES, *_RUN_CASES, *_SITE_CASES, *_RESULT_CASES,
    *_EMPTY_AND_IGNORED_CASES,
]  # fmt: skip


@pytest.mark.parametrize("args", CASES, ids=[" ".join(a)[:60] for a in CASES])
def test_bad_command_line(run_cli, tmp_path, monkeypatch, args):
    def no_measuring(*a, **k):
        raise AssertionError("a bad command line reached the measurement")

    monkeypatch.setattr(runner, "execute", no_measuring)
    monkeypatch.chdir(tmp_path)
    extra = ("--out", str(tmp_path / "out")) if args[0] == "run" else ()
    res = run_cli(*args, *extra)
    assert_bad_input(res)
    assert list(tmp_path.iterdir()) == []


def test_the_table_holds_the_probe_kinds():
    assert len(CASES) >= 150


def test_json_output_never_holds_infinity(run_cli):
    # Finite inputs whose figures overflow: refused with one line, never "Infinity" in JSON.
    from bench.console import emit_json
    from bench.errors import InvalidInput

    with pytest.raises(InvalidInput, match="out of range"):
        emit_json({"usd_per_j": float("inf")})
    res = run_cli(*ECON_MINING, "--json")
    assert res.exit_code == 0, res.stderr
    json.loads(res.stdout, parse_constant=lambda c: pytest.fail(f"{c} in JSON"))


def test_an_empty_out_folder_is_refused_not_taken_as_here(run_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert_bad_input(run_cli("run", "--device", "cpu", "--quick", "--out", ""))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args", [(), ("econ",)])
def test_a_group_without_a_command_is_one_short_line(run_cli, args):
    res = run_cli(*args)
    assert_bad_input(res)
    path = " ".join(("joulebench", *args))
    assert (
        res.stderr == f"joulebench: error: {path}: no command given; `{path} --help` lists them\n"
    )
