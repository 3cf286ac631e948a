# SPDX-License-Identifier: GPL-2.0-only
"""kisol.bench_aa (scripts/bench-aa): the A/A, sensitivity and
repeatability figures computed from runs with known answers."""
import statistics

import pytest

pytest.importorskip("scipy", reason="python3-scipy missing (scripts/install-deps --report)")

from kisol import bench_aa  # noqa: E402
from kisol.rundata import Run  # noqa: E402


def run(name, benches):
    """benches: {benchmark: [round medians]} -> a Run as the driver writes it."""
    recs = []
    for b, meds in benches.items():
        for i, m in enumerate(meds):
            recs.append({"schema": "kisol-bench/1", "benchmark": b, "params": {}, "unit": "ns",
                         "samples": 50, "min": m, "median": m, "mean": m, "p90": m, "p99": m,
                         "max": m, "stddev": 0, "ci95_median": [m, m], "floor": None,
                         "round": i, "rounds": len(meds)})
    return Run({"run_id": name, "host": "h", "kernel": "k"}, [], recs, name)


ROUNDS = [100, 102, 98, 101, 99, 100]


def shifted(f, rot=1):
    return [m * f for m in ROUNDS[rot:] + ROUNDS[:rot]]


def test_aa_counts_median_rows_and_all_rows():
    a = run("a", {"x.fast": ROUNDS, "x.slow": ROUNDS})
    b = run("b", {"x.fast": shifted(1.0), "x.slow": shifted(1.3)})
    r = bench_aa.aa(a, b)
    assert r["median_rows"] == 2 and r["rows"] == 8      # median, p99, mean, min each
    assert r["flagged"] == 1 and r["which"][0][0] == "x.slow"


def test_truth_and_sensitivity():
    base = [run(f"q{i}", {"s.a": shifted(1.0, i), "s.b": shifted(1.0, i), "s.c": shifted(1.0, i)})
            for i in range(2)]
    slow = [run(f"s{i}", {"s.a": shifted(1.25, i), "s.b": shifted(1.04, i), "s.c": shifted(1.12, i)})
            for i in range(2)]
    true = bench_aa.truth(base, slow)
    assert {k[0]: round(v[1]) for k, v in true.items()} == {"s.a": 25, "s.b": 4, "s.c": 12}
    judged = bench_aa.sensitivity(base[0], slow[1], true)
    # s.b is slowed by less than 10%: not counted; s.a and s.c are, and flagged
    assert sorted(r["label"] for r in judged) == ["s.a", "s.c"]
    assert all(r["flagged"] for r in judged)


def test_repeatability_cv_of_run_medians_above_10us():
    runs = [run(f"q{i}", {"big.a": [v] * 6, "big.b": [20000.0] * 6, "small.c": [50.0 * (1 + i)] * 6})
            for i, v in enumerate([20000.0, 21000.0, 19000.0, 20000.0, 20000.0])]
    rep = {lbl: cv for lbl, cv, _ in bench_aa.repeatability(runs)}
    assert set(rep) == {"big.a", "big.b"}                 # small.c is below 10 us
    want = statistics.stdev([20000, 21000, 19000, 20000, 20000]) / 20000 * 100
    assert rep["big.a"] == pytest.approx(want) and rep["big.b"] == 0


def test_run_noise_factor_known_answer():
    # rounds spread the same in every run; run levels shifted by exactly what
    # the rounds' standard error predicts (factor 0) and then by more
    rounds = [100.0, 110.0, 90.0, 105.0, 95.0, 100.0]
    import math
    logs = [math.log(x) for x in rounds]
    se2 = statistics.variance(logs) / 6
    for want in (0.0, 3.0):
        sd = math.sqrt((1 + want) * se2)       # wanted sd of the run levels
        shifts = [-sd, 0.0, sd]                 # sample variance sd^2
        runs = [run(f"q{i}", {"x.a": [x * math.exp(s) for x in rounds]})
                for i, s in enumerate(shifts)]
        k, n = bench_aa.run_noise_factor(runs)
        assert n == 1 and k == pytest.approx(want, abs=1e-9)


def test_report_on_stored_runs(tmp_path):
    # the whole report from runs with known answers: one row slowed 30% in
    # the slow runs, identical quiet runs (nothing flagged), factor 0
    import json
    import os
    rot = lambda i: ROUNDS[i % 6:] + ROUNDS[:i % 6]
    for i, (name, kind) in enumerate(bench_aa.SEQUENCE):
        f = 1.3 if kind == "slow" else 1.0
        r = run(name, {"s.hit": [m * f for m in rot(i)], "s.same": rot(i)})
        os.makedirs(tmp_path / name)
        with open(tmp_path / name / "bench.jsonl", "w") as fh:
            for rec in r.bench:
                fh.write(json.dumps(dict(rec, timestamp="2026-12-05T14:00:00Z",
                                         host="h", kernel="k")) + "\n")
    text = bench_aa.report(str(tmp_path), {})
    assert "A/A over all 10 pairs of the quiet runs: 0 of 20 median rows flagged" in text
    assert "3 of 3 median rows slowed >= 10% flagged" in text
    assert "of those whose detectable effect is at most their slowdown: 3 of 3" in text
