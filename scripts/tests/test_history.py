# SPDX-License-Identifier: GPL-2.0-only
"""kisol.history: store, list, show, export/import round trip, delete, trend
chart, and bad input, on the recorded real runs in scripts/tests/data."""

import gzip
import json
import os
import shutil
import sqlite3
import subprocess
import sys

import pytest

from kisol import history

DATA = os.path.join(os.path.dirname(__file__), "data")
TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def make_run_dir(tmp_path, name, bench="bench-aa-1.jsonl.gz", started=None):
    """A results directory like the drivers write, from the recorded data."""
    d = tmp_path / name
    d.mkdir()
    run = json.load(open(os.path.join(DATA, "run-real.json")))
    run["run_id"] = name
    if started:
        run["started"] = started
    (d / "run.json").write_text(json.dumps(run))
    with gzip.open(os.path.join(DATA, "cases-real.json.gz"), "rt") as f:
        cases = json.load(f)
    cases["run_id"] = name
    (d / "cases.json").write_text(json.dumps(cases))
    with gzip.open(os.path.join(DATA, bench), "rt") as f:
        (d / "bench.jsonl").write_text(f.read())
    return str(d)


def cli(db, *args):
    env = dict(os.environ, PYTHONPATH=os.path.join(TOP, "scripts"))
    return subprocess.run([sys.executable, "-m", "kisol.history", "--db", str(db), *args],
                          cwd=TOP, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def db(tmp_path):
    db = tmp_path / "h.sqlite"
    a = make_run_dir(tmp_path, "run-a", started="2026-11-29T10:00:00+00:00")
    b = make_run_dir(tmp_path, "run-b", "bench-aa-2.jsonl.gz", started="2026-11-29T11:00:00+00:00")
    p = cli(db, "import", a, b)
    assert p.returncode == 0, p.stderr
    return db


def test_list_and_show(db):
    p = cli(db, "list")
    assert p.returncode == 0
    lines = p.stdout.splitlines()
    assert len(lines) == 2 and "run-a" in lines[0] and "run-b" in lines[1]
    assert "cases 257" in lines[0] and "bench 95" in lines[0]
    p = cli(db, "show", "run-b")
    assert p.returncode == 0
    assert "kernel        6.18.44" in p.stdout and "FAIL cases/" in p.stdout
    assert cli(db, "show", "2").stdout == p.stdout
    assert cli(db, "show", "latest").stdout == p.stdout


def test_everything_is_stored(db):
    con = sqlite3.connect(db)
    run = con.execute("SELECT host, kernel, kisol_commit, started, cgroup_layout FROM runs "
                      "WHERE run_id='run-a'").fetchone()
    assert run == ("vm", "6.18.44-fc-v669", "2f34df27224a-dirty", "2026-11-29T10:00:00+00:00",
                   "hybrid")
    verdicts = dict(con.execute("SELECT verdict, count(*) FROM cases c JOIN runs r ON r.id=c.run "
                                "WHERE r.run_id='run-a' GROUP BY verdict").fetchall())
    assert verdicts == {"pass": 238, "fail": 18, "skip": 1}
    rec, raw = con.execute("SELECT record, b.raw FROM bench b JOIN runs r ON r.id=b.run WHERE "
                           "r.run_id='run-a' AND benchmark='setns.uts'").fetchone()
    assert "raw" not in json.loads(rec)                 # raw samples kept compressed
    rec = history._unpack(rec, raw)
    assert len(rec["raw"]) == rec["samples"] == 60


def test_export_import_round_trip(db, tmp_path):
    out = tmp_path / "exp.json"
    assert cli(db, "export", "run-a", "-o", str(out)).returncode == 0
    doc = json.loads(out.read_text())
    assert doc["schema"] == "kisol-export/1" and len(doc["cases"]) == 257
    db2 = tmp_path / "other-machine.sqlite"
    p = cli(db2, "import", str(out))
    assert p.returncode == 0, p.stderr
    out2 = tmp_path / "exp2.json"
    assert cli(db2, "export", "run-a", "-o", str(out2)).returncode == 0
    assert json.loads(out2.read_text()) == doc


def test_import_twice_replaces(db, tmp_path):
    a = make_run_dir(tmp_path, "run-a2")
    assert cli(db, "import", a).returncode == 0
    assert cli(db, "import", a).returncode == 0
    assert len(cli(db, "list").stdout.splitlines()) == 3


def test_delete(db):
    p = cli(db, "delete", "run-a")
    assert p.returncode == 0 and "deleted run-a" in p.stdout
    assert "run-a" not in cli(db, "list").stdout
    con = sqlite3.connect(db)
    assert con.execute("SELECT count(*) FROM cases").fetchone()[0] == 257  # cascade
    assert cli(db, "delete", "run-a").returncode == 2


def test_previous_run(db):
    prev = history.previous_run(str(db), "run-b", "vm")
    assert prev is not None and prev.run_id == "run-a"
    assert history.previous_run(str(db), "run-b", "vm", vm=False).run_id == "run-a"
    assert history.previous_run(str(db), "run-b", "vm", vm=True) is None   # no VM runs stored
    assert history.previous_run(str(db), "run-a", "vm") is None


def test_trend_chart(db, tmp_path):
    if not shutil.which("gnuplot"):
        pytest.skip("gnuplot not installed")
    out = tmp_path / "t.svg"
    p = cli(db, "trend", "setns.uts", "-o", str(out))
    assert p.returncode == 0, p.stderr
    svg = out.read_text()
    assert svg.startswith("<?xml") and "setns.uts" in svg
    assert cli(db, "trend", "no.such.bench", "-o", str(out)).returncode == 2


@pytest.mark.parametrize("args", [["show", "nope"], ["export", "nope"], ["import", "/nonexistent"],
                                  ["bogus"], ["trend", "x", "--params", "noequals"]])
def test_bad_input_exit_2(db, args):
    p = cli(db, *args)
    assert p.returncode == 2
    assert len(p.stderr.strip().splitlines()) == 1 and "Traceback" not in p.stderr


def test_not_a_database(tmp_path):
    bad = tmp_path / "bad.sqlite"
    bad.write_text("this is not sqlite " * 100)
    p = cli(bad, "list")
    assert p.returncode == 2 and "not a kisol history database" in p.stderr
    p = cli(tmp_path / "missing.sqlite", "list")
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1


def _scaled_run(tmp_path, name, factors, started):
    """A run dir from bench-aa-1 with some benchmarks' samples scaled."""
    d = make_run_dir(tmp_path, name, started=started)
    recs = [json.loads(x) for x in open(os.path.join(d, "bench.jsonl"))]
    with open(os.path.join(d, "bench.jsonl"), "w") as f:
        for r in recs:
            k = factors.get(r["benchmark"], 1.0)
            r["raw"] = [x * k for x in r["raw"]]
            for s in ("min", "median", "mean", "p90", "p99", "max"):
                r[s] *= k
            f.write(json.dumps(r) + "\n")
    return d


def test_between_run_noise_raises_the_bar(tmp_path):
    """A benchmark whose median wanders +-20% between stored runs of this
    host and kernel is not flagged for a 25% change; a steady one still is
    for 10%."""
    from kisol import compare
    from kisol.cli import history_noise
    from kisol.rundata import load_dir
    db = str(tmp_path / "h.sqlite")
    pytest.importorskip("scipy", reason="python3-scipy missing (scripts/install-deps --report)")
    for i, k in enumerate((1.0, 1.2, 0.85, 1.1, 0.9)):
        d = _scaled_run(tmp_path, f"hist{i}", {"setns.uts": k}, f"2026-11-2{i}T00:00:00+00:00")
        history.store(db, load_dir(d))
    base = load_dir(_scaled_run(tmp_path, "base", {}, "2026-11-29T00:00:00+00:00"))
    new = load_dir(_scaled_run(tmp_path, "new", {"setns.uts": 1.25, "setns.ipc": 1.10},
                               "2026-11-29T01:00:00+00:00"))
    noise = history_noise(db, [base, new])
    assert len(noise) == 19
    cv, n = noise[next(k for k in noise if k[0] == "setns.uts")]
    assert n == 5 and 0.05 < cv < 0.3
    plain = compare.Comparison([base, new])
    aware = compare.Comparison([base, new], noise=noise)
    reg = lambda c: sorted(label.split()[0] for _, label, _ in c.regressions)
    assert reg(plain) == ["setns.ipc", "setns.uts"]
    assert reg(aware) == ["setns.ipc"]


def test_benchmark_skips_survive_store_and_export(tmp_path):
    d = make_run_dir(tmp_path, "run-s")
    with open(os.path.join(d, "bench.jsonl"), "a") as f:
        f.write(json.dumps({"schema": "kisol-bench-skip/1", "benchmark": "cgroup.write.cpu.v2",
                            "reason": "the cpu controller is not available on cgroup v2 here"})
                + "\n")
    db = tmp_path / "s.sqlite"
    assert cli(db, "import", d).returncode == 0
    run = history.load(str(db), "run-s")
    assert [s["benchmark"] for s in run.bench_skips] == ["cgroup.write.cpu.v2"]
    assert "_bench_skips" not in run.run and len(run.bench) == 95


def test_resolve_names_a_run_every_way(db, tmp_path):
    """kisol.cli.resolve, what compare, report and kcidb load a RUN with: a
    path, a run id under the results directory, a stored run (id, prefix,
    number, latest), in that order; anything else is one InputError."""
    from kisol.cli import resolve
    from kisol.rundata import InputError
    res = tmp_path / "results"
    res.mkdir()
    make_run_dir(res, "run-c")
    assert resolve(str(tmp_path / "run-a")).source == str(tmp_path / "run-a")
    assert resolve("run-c", str(res), str(db)).run_id == "run-c"
    for spec, rid in (("run-a", "run-a"), ("1", "run-a"), ("latest", "run-b"), ("run-b", "run-b")):
        run = resolve(spec, str(tmp_path / "none"), str(db))
        assert run.run_id == rid and run.source.startswith(str(db) + "#")
    for spec, msg in (("run-x", "run-x: no such results directory, file or stored run"),
                      ("", "empty run name"), ("run-", "run-: ambiguous, matches 2 stored runs")):
        with pytest.raises(InputError, match="^" + msg + "$"):
            resolve(spec, str(res), str(db))
