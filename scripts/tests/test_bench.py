# SPDX-License-Identifier: GPL-2.0-only
"""The benchmarks measure what they say (no timed assertions).

Each bench binary has a --verify mode that runs the benchmark's own
operation once with checks and prints the evidence; these tests assert on
that evidence from outside: clone with CLONE_NEWNET gives the child another
netns inode, setns ends in the target namespace, migration leaves the task
in the target cgroup, the mount-scaling setup really holds N mounts, and so
on. Every record validates against the kisol-bench/1 schema, and bad
options exit 2 with one line.
"""
import glob
import json
import os
import subprocess
import sys

import pytest

from kisol import bench as driver
from kisol import bench_schema, paths

# The binaries of the build flavour: make check-driver SANITIZE=1 runs these tests
# on the sanitized benchmarks (build/san/bench).
pytestmark = pytest.mark.kisol_build

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = paths.bench_dir(TOP)
NS = ["mnt", "uts", "ipc", "user", "pid", "net", "cgroup", "time"]
BINARIES = ["floor", "clone", "unshare", "setns", "pivot_root", "mount", "cgroup", "scale",
            "teardown"]

root = pytest.mark.skipif(os.geteuid() != 0, reason="benchmarks need root")


def binary(name):
    path = os.path.join(BIN, name)
    if not os.access(path, os.X_OK):
        pytest.skip(f"{path} not built (run make)")
    return path


def run(name, *args, timeout=120):
    cp = subprocess.run([binary(name), *args], capture_output=True, text=True, timeout=timeout)
    san = paths.sanitizer_report(cp.stderr)
    assert not san, f"sanitizer report from {name} {' '.join(args)}:\n{cp.stderr}"
    return cp


def lines(cp, schema):
    out = []
    for line in cp.stdout.splitlines():
        obj = json.loads(line)
        if obj.get("schema") == schema:
            out.append(obj)
    return out


def verify(name, family, **params):
    args = ["--verify", "--only", family]
    for k, v in params.items():
        args += ["-p", f"{k}={v}"]
    cp = run(name, *args)
    skips = lines(cp, "kisol-bench-skip/1")
    if skips:
        pytest.skip(skips[0]["reason"])
    recs = lines(cp, "kisol-bench-verify/1")
    assert len(recs) == 1, cp.stdout + cp.stderr
    return recs[0]


# ---- 1. clone: a new namespace of exactly the requested types ----

@root
@pytest.mark.parametrize("ns", NS)
def test_clone_creates_exactly_the_requested_namespace(ns):
    v = verify("clone", "clone", ns=ns)
    ev = v["evidence"]
    assert ev[f"{ns}_new"] is True
    assert ev[f"{ns}_child"] != ev[f"{ns}_parent"]
    for other in NS:
        if other != ns:
            assert ev[f"{other}_child"] == ev[f"{other}_parent"], other
    assert ev["reaped"] is True
    assert v["ok"] is True


@root
def test_clone_newnet_child_is_in_another_netns():
    ev = verify("clone", "clone", ns="net", mode="create")["evidence"]
    assert ev["net_child"] and ev["net_parent"] and ev["net_child"] != ev["net_parent"]


@root
@pytest.mark.parametrize("user", [0, 1])
def test_clone_runc_set(user):
    ev = verify("clone", "clone", ns="runc", user=user)["evidence"]
    for t in ("mnt", "uts", "ipc", "pid", "net"):
        assert ev[f"{t}_new"] is True, t
    assert ev["user_new"] is bool(user)
    assert ev["cgroup_new"] is False and ev["time_new"] is False


# ---- 2. unshare ----

@root
@pytest.mark.parametrize("ns", NS)
def test_unshare_changes_only_that_namespace(ns):
    v = verify("unshare", "unshare", ns=ns)
    ev = v["evidence"]
    assert ev["unshare"] == 0
    assert ev[f"{ns}_before"] != ev[f"{ns}_after"]
    for other in NS:
        if other != ns:
            assert ev[f"{other}_new"] is False, other


# ---- 3. setns ends in the target namespace ----

@root
@pytest.mark.parametrize("ns", NS)
def test_setns_ends_in_target(ns):
    v = verify("setns", "setns", by="fd", ns=ns)
    ev = v["evidence"]
    assert ev["setns"] == 0
    assert ev[f"{ns}_target"] == ev[f"{ns}_now"] != 0
    assert v["ok"] is True


@root
@pytest.mark.parametrize("nsset", ["crun", "runc", "mnt,uts,ipc,pid,net,cgroup,user"])
def test_setns_pidfd_enters_every_type(nsset):
    v = verify("setns", "setns", by="pidfd", ns=nsset)
    ev = v["evidence"]
    types = ["mnt", "uts", "ipc", "pid", "net"] + (["cgroup"] if nsset != "runc" else []) + \
        (["user"] if "user" in nsset else [])
    for t in types:
        assert ev[f"{t}_target"] == ev[f"{t}_now"] != 0, t


# ---- 4. pivot_root ----

@root
@pytest.mark.parametrize("family", ["pivot_root.syscall", "pivot_root.sequence"])
def test_pivot_root_switches_root(family):
    ev = verify("pivot_root", family)["evidence"]
    assert ev["result"] == 0
    assert ev["root_is_new_root"] is True
    assert ev["marker_visible"] is True
    assert ev["old_root_visible"] is False


# ---- 5. mounts ----

@root
@pytest.mark.parametrize("api", ["mount", "fsconfig"])
@pytest.mark.parametrize("lowers", [1, 8, 64])
def test_overlay_mounts_all_lowers(api, lowers):
    ev = verify("mount", "mount.overlay", lowers=lowers, api=api)["evidence"]
    assert ev["result"] == 0 and ev["overlayfs"] is True
    assert ev["lowers_visible"] == lowers
    assert ev["visible_after_umount"] is False


@root
def test_bind_mount_shows_source():
    ev = verify("mount", "mount.bind")["evidence"]
    assert ev["target_is_source"] is True and ev["target_is_source_after_umount"] is False


@root
@pytest.mark.parametrize("n", [10, 1000])
def test_mntns_copy_setup_holds_n_mounts(n):
    ev = verify("mount", "mount.mntns_copy", mounts=n)["evidence"]
    assert ev["mounts_held"] == n
    assert ev["mounts_in_copy"] == n
    assert ev["mounts_total_in_copy"] == ev["mounts_total"] >= n


# ---- 6. cgroups ----

@root
@pytest.mark.parametrize("hier", ["v2", "v1:memory", "v1:pids"])
def test_migration_leaves_task_in_target(hier):
    ev = verify("cgroup", "cgroup.migrate", hier=hier)["evidence"]
    assert ev["result"] == 0
    assert ev["task_after_a"] == ev["target_a"]
    assert ev["task_after_b"] == ev["target_b"]


@root
@pytest.mark.parametrize("how", ["procs", "into"])
def test_spawned_task_runs_in_target(how):
    ev = verify("cgroup", "cgroup.spawn", hier="v2", how=how)["evidence"]
    assert ev["result"] == 0 and ev["child_saw"] == ev["target"]


@root
@pytest.mark.parametrize("hier", ["v2", "v1:memory"])
def test_cgroup_mkdir_makes_a_cgroup(hier):
    ev = verify("cgroup", "cgroup.mkdir", hier=hier)["evidence"]
    assert ev["is_cgroup"] is True and ev["gone_after_rmdir"] is True


@root
@pytest.mark.parametrize("hier,file", [("v1:memory", "memory"), ("v1:cpu", "cpu"),
                                       ("v1:pids", "pids"), ("v2", "pids")])
def test_limit_write_is_applied(hier, file):
    ev = verify("cgroup", "cgroup.write", hier=hier, file=file)["evidence"]
    assert ev["result"] == 0 and ev["read_back"] == ev["written"]


@root
@pytest.mark.parametrize("hier,wait", [("v2", "poll"), ("v2", "spin"), ("v1:freezer", "poll")])
def test_freeze_round_trip_really_freezes(hier, wait):
    ev = verify("cgroup", "cgroup.freeze", hier=hier, wait=wait)["evidence"]
    assert ev["freeze"] == 0 and ev["thaw"] == 0
    assert ("frozen 1" in ev["state_when_frozen"]) if hier == "v2" else \
        ev["state_when_frozen"].strip() == "FROZEN"


@root
def test_kill_round_trip_kills():
    ev = verify("cgroup", "cgroup.kill", hier="v2", wait="spin")["evidence"]
    assert ev["result"] == 0 and ev["task_killed_by_sigkill"] is True


@root
def test_kill_on_v1_is_a_skip_with_reason():
    cp = run("cgroup", "--only", "cgroup.kill", "-p", "hier=v1:memory", "--samples", "1")
    assert cp.returncode == 0
    (s,) = lines(cp, "kisol-bench-skip/1")
    assert "v2 only" in s["reason"]


# ---- 3b. teardown: the namespace counted against its limit is really freed ----

@root
@pytest.mark.parametrize("ns", ["net", "ipc"])
def test_teardown_waits_until_the_namespace_is_freed(ns):
    v = verify("teardown", "teardown", ns=ns)
    ev = v["evidence"]
    # setup proved a third namespace is refused at the limit (ENOSPC), the
    # sample then succeeded only after the victim's last reference was gone
    assert ev["teardown"] == 0 and ev["ns_elapsed"] > 0 and ev["home_kept"] is True
    assert v["ok"] is True


# ---- 7. scaling ----

@root
@pytest.mark.parametrize("ns", ["net", "ipc", "mnt", "user"])
def test_scale_population_is_real(ns):
    ev = verify("scale", "scale.ns", ns=ns, existing=50)["evidence"]
    assert ev["held"] == 50 and ev["distinct"] == 50 and ev["of_type"] == 50


@root
def test_scale_cgroup_siblings_exist():
    ev = verify("scale", "scale.cg_mkdir", hier="v2", existing=100)["evidence"]
    assert ev["siblings"] == 100 and ev["mkdir"] == 0


@root
def test_concurrent_migration_moves_every_task():
    ev = verify("scale", "scale.concurrent", op="migrate", workers=3, rounds=1,
                duration_ms=20)["evidence"]
    assert ev["ops"] > 0 and ev["tasks_in_target_cgroups"] == 3


# ---- records and schema ----

QUICK = ["--samples", "30", "--min-samples", "5", "--budget-ms", "20", "--warmup", "1"]


@root
@pytest.mark.parametrize("name,args", [
    ("floor", []),
    ("clone", ["-p", "ns=ipc", "-p", "mode=create"]),
    ("unshare", ["-p", "ns=uts"]),
    ("setns", ["-p", "by=pidfd", "-p", "ns=crun"]),
    ("pivot_root", []),
    ("mount", ["--only", "mount.bind"]),
    ("mount", ["--only", "mount.overlay", "-p", "lowers=3", "-p", "api=fsconfig"]),
    ("mount", ["--only", "mount.mntns_copy", "-p", "mounts=20"]),
    ("cgroup", ["-p", "hier=v2"]),
    ("cgroup", ["--only", "cgroup.write", "-p", "hier=v1:pids", "-p", "file=pids"]),
    ("scale", ["--only", "scale.ns", "-p", "ns=ipc", "-p", "existing=5"]),
    ("scale", ["--only", "scale.concurrent", "-p", "op=clone_none", "-p", "workers=2",
               "-p", "rounds=2", "-p", "duration_ms=10"]),
])
def test_records_validate(name, args):
    cp = run(name, *QUICK, "--raw", *args)
    assert cp.returncode == 0, cp.stderr
    recs = lines(cp, "kisol-bench/1")
    assert recs
    for r in recs:
        assert bench_schema.errors(r) == [], r
        # self-describing: the harness settings and every -p parameter are in params
        assert r["params"]["max_samples"] == 30 and r["params"]["budget_ms"] == 20
        for k, v in zip(args[1::2], args[2::2]):
            if k == "-p":
                key, val = v.split("=", 1)
                assert str(r["params"][key]) == val
        assert len(r["raw"]) == r["samples"]


def test_schema_rejects_bad_records():
    good = {"schema": "kisol-bench/1", "benchmark": "x.y", "params": {}, "unit": "ns",
            "samples": 3, "min": 1, "median": 2, "mean": 2, "p90": 2.8, "p99": 2.98, "max": 3,
            "stddev": 1, "ci95_median": [1, 3], "floor": None, "kernel": "6.1", "host": "h",
            "cpu_model": "c", "cgroup_layout": "hybrid", "timestamp": "2026-01-01T00:00:00Z"}
    assert bench_schema.errors(good) == []
    for change in ({"median": 5}, {"min": -1}, {"samples": 0}, {"unit": "parsecs"},
                   {"ci95_median": [2.5, 3]}, {"schema": "other/1"}, {"floor": "getppid"},
                   {"benchmark": "NoDots"}, {"raw": [1, 2]}, {"extra": 1}, {"p99": 2.5}):
        bad = dict(good, **change)
        assert bench_schema.errors(bad), change
    bad = dict(good)
    del bad["kernel"]
    assert bench_schema.errors(bad)


def test_schema_cli_exit_codes(tmp_path):
    f = tmp_path / "b.jsonl"
    f.write_text("not json\n")
    cp = subprocess.run([sys.executable, "-m", "kisol.bench_schema", str(f)], capture_output=True,
                        text=True, env=dict(os.environ, PYTHONPATH=os.path.join(TOP, "scripts")))
    assert cp.returncode == 2 and "Traceback" not in cp.stderr


@root
def test_driver_quick_writes_valid_results(tmp_path):
    cp = subprocess.run([sys.executable, "-m", "kisol.bench", "--quick", "--only", "setns.net",
                         "--only", "cgroup.mkdir.v2", "--budget-ms", "10", "--results", str(tmp_path),
                         "--run-id", "t"], capture_output=True, text=True, timeout=120,
                        env=dict(os.environ, PYTHONPATH=os.path.join(TOP, "scripts")), cwd=TOP)
    assert cp.returncode == 0, cp.stderr
    recs = [json.loads(x) for x in (tmp_path / "t" / "bench.jsonl").read_text().splitlines()]
    names = {r["benchmark"] for r in recs}
    assert {"setns.net", "cgroup.mkdir.v2", "floor.getppid", "floor.fork_exit_wait"} <= names
    for r in recs:
        assert bench_schema.errors(r) == [], r
    setns = next(r for r in recs if r["benchmark"] == "setns.net")
    assert setns["floor"] == "floor.getppid" and setns["x_floor"] > 0
    # --quick: one round; the default spreads a measurement over rounds
    assert {r["round"] for r in recs} == {0} and setns["rounds"] == 1
    assert "timing overhead per sample" in cp.stdout and "raw tight loop" in cp.stdout


@root
def test_driver_rounds_are_interleaved_and_settled(tmp_path):
    cp = subprocess.run([sys.executable, "-m", "kisol.bench", "--only", "setns.uts", "--rounds", "3",
                         "--budget-ms", "30", "--results", str(tmp_path), "--run-id", "t"],
                        capture_output=True, text=True, timeout=300,
                        env=dict(os.environ, PYTHONPATH=os.path.join(TOP, "scripts")), cwd=TOP)
    assert cp.returncode == 0, cp.stderr
    recs = [json.loads(x) for x in (tmp_path / "t" / "bench.jsonl").read_text().splitlines()]
    seq = [(r["round"], r["benchmark"]) for r in recs]
    # round 0 runs the whole selection before round 1 starts
    assert [r for r, _ in seq] == sorted(r for r, _ in seq)
    assert sum(1 for _, b in seq if b == "setns.uts") == 3
    assert all(r["rounds"] == 3 for r in recs)
    # each round's records are multiples of that round's floor
    for r in recs:
        if r["benchmark"] == "setns.uts":
            fl = next(f for f in recs if f["benchmark"] == "floor.getppid" and f["round"] == r["round"])
            assert r["floor_median"] == fl["median"]
    assert "settle" in cp.stdout and "3:" in cp.stdout


def test_settler_waits_while_namespaces_are_freed(tmp_path, monkeypatch):
    counts = iter([1000, 900, 700, 700, 700])
    monkeypatch.setattr(driver, "ns_objects", lambda path="/proc/slabinfo": next(counts, 700))
    monkeypatch.setattr(driver.time, "sleep", lambda s: None)
    s = driver.Settler.__new__(driver.Settler)
    s.base, s.timeout, s.margin, s.waited = 100, 5.0, 64, 0.0
    s()
    # it polled until the count stopped falling (1000 -> 900 -> 700 -> 700)
    assert next(counts) == 700 and next(counts, None) is None


# ---- catalog consistency ----

def test_catalog_families_and_params_exist():
    listed = {}
    for name in BINARIES:
        cp = run(name, "--list")
        assert cp.returncode == 0
        for line in cp.stdout.splitlines():
            fam, _, params = line.partition("\t")
            listed[(name, fam)] = set(filter(None, params.split(",")))
    ids = set()
    for e in driver.catalog(10000, ncpu=2):
        assert (e.binary, e.family) in listed, e.id
        assert set(e.params) <= listed[(e.binary, e.family)], e.id
        assert e.id not in ids, e.id
        ids.add(e.id)


def test_catalog_sweeps_cover_the_issue():
    ids = [e.id for e in driver.catalog(10000, ncpu=2)]
    assert "mount.mntns_copy[mounts=10000]" in ids and "mount.mntns_copy[mounts=10]" in ids
    assert "scale.ns.user.create[existing=10000]" in ids
    assert "scale.concurrent.migrate[workers=4]" in ids
    assert "mount.overlay.fsconfig[lowers=64]" in ids
    assert driver.sweep(10000) == [1, 10, 100, 1000, 10000]
    assert driver.sweep(300, 10) == [10, 100, 300]
    quick = driver.select(driver.catalog(), [], True)
    assert 10 < len(quick) < 60
    only = driver.select(driver.catalog(), ["cgroup"], False)
    assert all(e.id.startswith(("cgroup.", "floor.", "harness.")) for e in only)


# ---- bad options: exit 2, one line, no traceback ----

@pytest.mark.parametrize("args", [["--bogus"], ["--repeat", "0"], ["--rounds", "0"],
                                  ["--min-samples", "0"], ["--only", "nothing-matches"],
                                  ["--scale", "x"], ["--cpu", "9999"], ["--budget-ms", "-5"],
                                  ["--samples", "0"]])
def test_driver_bad_options_exit_2(args):
    cp = subprocess.run([sys.executable, "-m", "kisol.bench", *args], capture_output=True,
                        text=True, env=dict(os.environ, PYTHONPATH=os.path.join(TOP, "scripts")))
    assert cp.returncode == 2
    assert len(cp.stderr.strip().splitlines()) == 1, cp.stderr
    assert "Traceback" not in cp.stderr


@pytest.mark.parametrize("name,args", [
    ("floor", ["--samples", "x"]),
    ("floor", ["--frobnicate"]),
    ("floor", ["--only", "nope"]),
    ("floor", ["--samples"]),
    ("floor", ["--batch", "0"]),
    ("clone", ["-p", "ns=bogus"]),
    ("clone", ["-p", "colour=red"]),
    ("clone", ["-p", "novalue"]),
    ("clone", ["-p", "user=7"]),
    ("setns", ["-p", "by=magic"]),
    ("mount", ["--only", "mount.overlay", "-p", "lowers=0"]),
    ("mount", ["--only", "mount.mntns_copy", "-p", "mounts=abc"]),
    ("cgroup", ["--only", "cgroup.migrate", "-p", "hier=v3"]),
    ("scale", ["--only", "scale.concurrent", "-p", "op=dance"]),
])
def test_binary_bad_options_exit_2(name, args):
    cp = run(name, *args)
    assert cp.returncode == 2, cp.stdout + cp.stderr
    assert len(cp.stderr.strip().splitlines()) == 1, cp.stderr
    assert cp.stdout == ""


@root
def test_no_cgroup_outlives_its_benchmark():
    # kisol-bench-p<pid>-<n>: the process that made it must still be running
    for path in glob.glob("/sys/fs/cgroup/*/**/kisol-bench-*", recursive=True):
        pid = os.path.basename(path).split("-")[2].lstrip("p")
        assert os.path.exists(f"/proc/{pid}"), f"leaked benchmark cgroup {path}"
