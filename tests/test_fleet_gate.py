"""compare --fail-if-slower: the regression gate on compare's SAME/FAST/SLOW verdicts."""

from __future__ import annotations

import json

import pytest

from bench import result as results
from tests import result_fixtures as fx


def write(tmp_path, name: str, rate: float, spread: float, windows: int = 5):
    mining = fx.entry("sha256d", "hash", "mining", rate, 650.0, 5.0e-12, rate_spread=spread)
    mining["summary"]["units_per_s"]["n"] = windows
    doc = results.build_result(fx.ENVIRONMENT, fx.SCENARIO, [mining])
    return results.write_result(doc, tmp_path, name)


def gate(run_cli, base, new, pct: str, *extra: str):
    return run_cli("compare", str(base), str(new), "--fail-if-slower", pct, *extra)


def test_slower_beyond_noise_and_pct_fails(run_cli, tmp_path):
    base = write(tmp_path, "base.json", 1000.0, 0.02)
    new = write(tmp_path, "new.json", 900.0, 0.02)  # 10 % slower, noise 2 %
    out = gate(run_cli, base, new, "5", "--json")
    assert out.exit_code == 1, out.stderr
    doc = json.loads(out.stdout)
    (v,) = doc["verdicts"]
    assert v["verdict"] == "SLOW" and v["fails"] is True
    assert v["rel_diff"] == pytest.approx((900.0 - 1000.0) / 1000.0, rel=1e-12, abs=0)
    assert v["slower_pct"] == pytest.approx(10.0, rel=1e-12, abs=0)
    assert v["noise"] == pytest.approx(0.02, rel=1e-12, abs=0)
    assert gate(run_cli, base, new, "12").exit_code == 0  # slower, but less than 12 %


def test_slower_within_noise_passes(run_cli, tmp_path):
    base = write(tmp_path, "base.json", 1000.0, 0.15)
    new = write(tmp_path, "new.json", 900.0, 0.02)  # 10 % slower, but noise 15 %
    out = gate(run_cli, base, new, "5", "--json")
    assert out.exit_code == 0, out.stderr
    assert json.loads(out.stdout)["verdicts"][0]["verdict"] == "SAME"


def test_faster_passes_and_text_names_the_outcome(run_cli, tmp_path):
    base = write(tmp_path, "base.json", 1000.0, 0.02)
    new = write(tmp_path, "new.json", 1200.0, 0.02)
    out = gate(run_cli, base, new, "0")
    assert out.exit_code == 0 and "FAST sha256d" in out.stdout and "gate: passed" in out.stdout


@pytest.mark.parametrize("pct", ["-1", "nan", "inf", "abc"])
def test_a_bad_pct_is_exit_2(run_cli, tmp_path, pct):
    base = write(tmp_path, "base.json", 1000.0, 0.02)
    out = gate(run_cli, base, base, pct)
    assert out.exit_code == 2 and out.stdout == "" and len(out.stderr.splitlines()) == 1


def test_bad_input_is_exit_2(run_cli, tmp_path):
    base = write(tmp_path, "base.json", 1000.0, 0.02)
    (tmp_path / "bad.json").write_text('{"format": "joulebench-result", "schema')
    for args in (
        [str(base), str(tmp_path / "bad.json")],
        [str(base)],
        [str(base)] * 3,
        [str(base), str(tmp_path / "missing.json")],
    ):
        out = run_cli("compare", *args, "--fail-if-slower", "5")
        assert out.exit_code == 2, args
        assert out.stdout == "" and len(out.stderr.strip().splitlines()) == 1
