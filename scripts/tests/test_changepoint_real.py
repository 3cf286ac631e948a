# SPDX-License-Identifier: GPL-2.0-only
"""kisol.changepoint and `history trend` on real stored runs with a real
injected step.

scripts/tests/data/steps.jsonl.gz was recorded on this machine (quiet, load
average below 2) with scripts/tests/data/record-steps.sh: 8 runs of seven
syscall-bound benchmarks alternating with 8 runs under a seccomp filter
doing 1500 instructions of work per system call (a real kernel-side
slowdown the benchmarks cannot see; +25..60% on these benchmarks). The runs
are stored in a history database as `make report` would, the 8 plain ones
first; the step must be found at the first slowed run, with the size the
runs measured, and the series of plain runs alone must show none.
"""
import gzip
import json
import os
import shutil
import subprocess
import sys

import pytest

np = pytest.importorskip("numpy")

from kisol import changepoint, history  # noqa: E402
from kisol.rundata import Run  # noqa: E402

DATA = os.path.join(os.path.dirname(__file__), "data", "steps.jsonl.gz")
TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def recorded_runs():
    if not os.path.exists(DATA):
        pytest.fail(f"{DATA} missing (scripts/tests/data/record-steps.sh)")
    with gzip.open(DATA, "rt") as f:
        recs = [json.loads(x) for x in f if x.strip()]
    runs = {}
    for r in recs:
        runs.setdefault(r["run_id"], []).append(r)
    order = sorted(runs, key=lambda rid: (not rid.startswith("base"), int(rid.split("-")[1])))
    out = []
    for i, rid in enumerate(order):
        facts = {"schema": "kisol-run/1", "run_id": rid, "host": "recorded",
                 "kernel": runs[rid][0]["kernel"], "started": f"2026-01-{i + 1:02d}T00:00:00Z"}
        out.append(Run(facts, [], runs[rid], rid))
    return out


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    db = str(tmp_path_factory.mktemp("cp") / "h.sqlite")
    runs = recorded_runs()
    for run in runs:
        history.store(db, run)
    return db, runs


SLOWED = ("setns.uts", "setns.ipc", "setns.net", "unshare.uts", "floor.getppid")


@pytest.mark.parametrize("name", SLOWED)
def test_real_step_found_at_the_first_slowed_run(stored, name):
    db, runs = stored
    first_slow = next(i for i, r in enumerate(runs) if r.run_id.startswith("slow"))
    series = history.trend(db, name)
    assert len(series) == 1
    (label, pts), = series.items()
    assert len(pts) == len(runs)
    steps = history.trend_steps(series)[label]
    assert [s.index for s in steps] == [first_slow], [changepoint.describe(s) for s in steps]
    # the size is what the slowed runs really measured (medians of both sides)
    before = np.median([p[3] for p in pts[:first_slow]])
    after = np.median([p[3] for p in pts[first_slow:]])
    assert steps[0].pct == pytest.approx((after / before - 1) * 100, rel=1e-6)
    assert steps[0].pct > 10 and steps[0].confidence >= 0.99


@pytest.mark.parametrize("name", SLOWED)
def test_unslowed_runs_alone_show_no_step(tmp_path, name):
    db = str(tmp_path / "h.sqlite")
    for run in recorded_runs():
        if run.run_id.startswith("base"):
            history.store(db, run)
    series = history.trend(db, name)
    assert history.trend_steps(series) == {k: [] for k in series}


def test_trend_cli_reports_the_step_and_marks_the_chart(stored, tmp_path):
    if not shutil.which("gnuplot"):
        pytest.skip("gnuplot not installed")
    db, runs = stored
    out = tmp_path / "t.svg"
    env = dict(os.environ, PYTHONPATH=os.path.join(TOP, "scripts"))
    p = subprocess.run([sys.executable, "-m", "kisol.history", "--db", db, "trend", "setns.uts",
                        "-o", str(out)], capture_output=True, text=True, env=env, timeout=120)
    assert p.returncode == 0, p.stderr
    assert "step at slow-0" in p.stdout and "confidence" in p.stdout
    svg = out.read_text()
    assert "% (" in svg          # the step's label: +x.x% (confidence%)
    p = subprocess.run([sys.executable, "-m", "kisol.history", "--db", db, "trend", "--all"],
                       capture_output=True, text=True, env=env, timeout=300)
    assert p.returncode == 0, p.stderr
    assert "setns.uts" in p.stdout and "step(s) found" in p.stdout
