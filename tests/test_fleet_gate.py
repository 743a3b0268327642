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


def test_a_pass_the_noise_made_blind_is_marked_inconclusive(run_cli, tmp_path):
    # noise 15 % against a 5 % gate: a 10 % slowdown passes as SAME, so the pass says so
    base = write(tmp_path, "base.json", 1000.0, 0.15)
    new = write(tmp_path, "new.json", 900.0, 0.02)
    doc = json.loads(gate(run_cli, base, new, "5", "--json").stdout)
    assert doc["inconclusive"] == 1 and doc["verdicts"][0]["inconclusive"] is True
    text = gate(run_cli, base, new, "5")
    assert text.exit_code == 0
    assert text.stdout.startswith("INCONCLUSIVE: SAME sha256d")
    assert "gate: 1 workload(s) INCONCLUSIVE: their runs' window range is wider than 5%" in (
        text.stdout
    )
    # at a 20 % gate the same runs could have shown a 20 % slowdown: a plain pass
    wide = json.loads(gate(run_cli, base, new, "20", "--json").stdout)
    assert wide["inconclusive"] == 0 and "INCONCLUSIVE" not in gate(run_cli, base, new, "20").stdout


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


def merged(run_cli, folder, layout) -> str:
    from tests.test_fleet_merge import write_ranks

    write_ranks(folder, layout)
    out = folder / "fleet.json"
    assert run_cli("merge", folder, "--out", out).exit_code == 0
    return str(out)


def test_two_fleets_are_gated_rank_by_rank(run_cli, tmp_path):
    from tests.test_fleet_merge import LAYOUT

    base = merged(run_cli, tmp_path / "a", LAYOUT)
    same = merged(run_cli, tmp_path / "b", LAYOUT)
    out = gate(run_cli, base, same, "5", "--json")
    assert out.exit_code == 0, out.stderr  # rank 3's slow card is slow in both: not a regression
    doc = json.loads(out.stdout)
    assert sorted({v["rank"] for v in doc["verdicts"]}) == [0, 1, 2, 3]
    assert {v["verdict"] for v in doc["verdicts"]} == {"SAME"}
    slower = [list(row) for row in LAYOUT]
    slower[2][4] = 2500.0 * 0.8  # rank 2's decode 20 % slower
    new = merged(run_cli, tmp_path / "c", [tuple(r) for r in slower])
    out = gate(run_cli, base, new, "5", "--json")
    assert out.exit_code == 1
    (failed,) = [v for v in json.loads(out.stdout)["verdicts"] if v["fails"]]
    assert failed["rank"] == 2 and failed["workload"] == "llm-decode"
    assert failed["slower_pct"] == pytest.approx(20.0, rel=1e-9, abs=0)
    single = write(tmp_path, "one.json", 1000.0, 0.02)
    mixed = gate(run_cli, base, single, "5")
    assert mixed.exit_code == 2 and "a fleet with a fleet" in mixed.stderr


def test_report_and_compare_read_a_fleet(run_cli, tmp_path):
    from tests.test_fleet_merge import LAYOUT

    fleet = merged(run_cli, tmp_path / "a", LAYOUT)
    report = run_cli("report", fleet, "--json")
    assert report.exit_code == 0, report.stderr
    assert len(json.loads(report.stdout)["workloads"]) == 8
    compare = run_cli("compare", fleet, "--json")
    assert compare.exit_code == 0, compare.stderr
    assert len(json.loads(compare.stdout)["rows"]) == 8


def test_a_fleet_with_nan_or_a_bad_rank_result_is_exit_2(run_cli, tmp_path):
    from tests.test_fleet_merge import LAYOUT

    fleet = merged(run_cli, tmp_path / "a", LAYOUT)
    text = open(fleet).read()
    bad = tmp_path / "nan.json"
    bad.write_text(text.replace('"world_size": 4', '"world_size": NaN', 1))
    doc = json.loads(text)
    del doc["results"][1]["workloads"]
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(doc))
    for path in (bad, broken):
        for args in (["report", path], ["compare", path, path, "--fail-if-slower", "5"]):
            out = run_cli(*args)
            assert out.exit_code == 2, (args, out.stderr)
            assert out.stdout == "" and len(out.stderr.strip().splitlines()) == 1
