# SPDX-License-Identifier: GPL-2.0-only
"""The mutation supervisor (build/kisol-mutate) and `make mutate`'s driver.

Each mutation is shown to take effect: a probe (build/mutate-probe) makes
one isolating call and prints what the kernel did, once in observe mode
(no mutation: the call works, and the supervisor says which mutation it
would touch) and once with the mutation active (the call "succeeds" and
nothing happened). Then: a mutated run cannot reach the host, and the
driver classifies and reports as documented.
"""
import json
import os
import socket
import subprocess
import sys
import uuid

import pytest

from kisol import caselist, mutate, results

TOP = mutate.TOP
KM = mutate.SUPERVISOR
PROBE = os.path.join(TOP, "build", "mutate-probe")
HPROBE = os.path.join(TOP, "build", "mutate-harness-probe")

pytestmark = pytest.mark.skipif(not all(os.access(p, os.X_OK) for p in (KM, PROBE, HPROBE)),
                                reason="build/kisol-mutate or a mutate probe not built (run make)")


def supervise(mode, *argv, check=True, per_test=False):
    """(stdout as {key: [values]}, report dict) of PROBE argv under kisol-mutate."""
    # owner pid in the name: a concurrent run's leak check knows it is not its own
    rep = f"/tmp/kisol-mutate-test-p{os.getpid()}-{uuid.uuid4().hex}"
    try:
        flag = (["-o"] + (["-t"] if per_test else [])) if mode is None else ["-m", mode]
        p = subprocess.run([KM] + flag + ["-r", rep, "--"] + list(argv), capture_output=True,
                           text=True, timeout=60)
        with open(rep) as f:
            report = json.load(f)
    finally:
        if os.path.exists(rep):
            os.unlink(rep)
    if check:
        assert p.returncode == 0, p.stderr
    out = {}
    for line in p.stdout.splitlines():
        k, _, v = line.partition("=")
        out.setdefault(k, []).append(v)
    return out, report


def both(mutation, *args):
    """Observe, then mutate: the two outputs, after checking the touch counts."""
    plain, orep = supervise(None, PROBE, *args)
    assert orep["observed"].get(mutation, 0) >= 1, orep
    assert orep["mutation"] is None and orep["touched"] == 0
    mut, mrep = supervise(mutation, PROBE, *args)
    assert mrep["mutation"] == mutation and mrep["touched"] >= 1 and mrep["not_applied"] == 0, mrep
    return plain, mut


@pytest.fixture
def scratch(tmp_path):
    d = tmp_path / "kisol-probe"
    d.mkdir()
    return str(d)


def test_lists_every_mutation_of_the_issue():
    names = set(mutate.mutations())
    need = {f"ns.{t}" for t in ("mnt", "uts", "ipc", "net", "pid", "user", "cgroup", "time")}
    need |= {"setns", "pivot_root", "propagation", "rdonly", "cgroup.attach", "cgroup.limit",
             "cgroup.freeze", "cgroup.kill", "cgroup.subtree_control", "ovl.whiteout", "ovl.lower"}
    assert need <= names


@pytest.mark.parametrize("probe,mutation,key", [
    ("unshare-uts", "ns.uts", "uts"), ("unshare-ipc", "ns.ipc", "ipc"),
    ("unshare-net", "ns.net", "net"), ("unshare-time", "ns.time", "time_for_children"),
    ("clone-net", "ns.net", "net"), ("clone3-uts", "ns.uts", "uts"),
    ("clone3-cgroup", "ns.cgroup", "cgroup"),
])
def test_namespace_flag_dropped(probe, mutation, key):
    # the "new" namespace is the caller's own: same nsfs inode
    plain, mut = both(mutation, probe)
    assert plain[key] == ["new"]
    assert mut[key] == ["same"]


def test_other_namespace_mutations_do_not_fire():
    _, rep = supervise("ns.net", PROBE, "unshare-uts")
    assert rep["touched"] == 0


def test_setns_is_a_noop_except_back_home():
    plain, mut = both("setns", "setns")
    assert plain == {"setns": ["0"], "uts": ["new", "same"], "home": ["0"]}
    # the call returns 0 and the caller stays where it was; the setns back
    # into the namespace the probe started in is left alone
    assert mut == {"setns": ["0"], "uts": ["same", "same"], "home": ["0"]}
    _, rep = supervise("setns", PROBE, "setns")
    assert rep["touched"] == 1


def test_pivot_root_is_a_noop(scratch):
    plain, mut = both("pivot_root", "pivot", scratch)
    assert plain == {"pivot_root": ["0"], "root": ["new"]}
    assert mut == {"pivot_root": ["0"], "root": ["same"]}


def test_propagation_changes_are_noops(scratch):
    # in a new mount namespace (whose / the probe makes private: mutated, it
    # stays shared as the sandbox's is), a tmpfs made private with mount(2),
    # then shared with mount_setattr
    plain, mut = both("propagation", "propagation", scratch)
    assert plain["shared"] == ["no", "yes"]
    assert mut["shared"] == ["yes", "yes"]


def test_rdonly_dropped(scratch):
    plain, mut = both("rdonly", "rdonly", scratch)
    assert plain == {"remount_ro": ["ro"], "setattr_ro": ["ro"]}
    assert mut == {"remount_ro": ["rw"], "setattr_ro": ["rw"]}


def test_whiteouts_and_opaque_markers_not_made(scratch):
    plain, _ = supervise(None, PROBE, "whiteout", scratch)
    assert plain == {"mknod": ["0"], "whiteout": ["yes"], "setxattr": ["0"], "opaque": ["yes"]}
    other = os.path.join(scratch, "m")
    os.mkdir(other)
    mut, rep = supervise("ovl.whiteout", PROBE, "whiteout", other)
    assert rep["touched"] == 2
    assert mut == {"mknod": ["0"], "whiteout": ["no"], "setxattr": ["0"], "opaque": ["no"]}


def test_second_lower_layer_dropped(scratch):
    plain, mut = both("ovl.lower", "ovl-lower", scratch)
    assert plain == {"second_lower": ["visible"]}
    assert mut == {"second_lower": ["missing"]}


@pytest.fixture
def cgdir():
    base = os.environ.get("KISOL_CG_V2_BASE")
    if not base or not os.path.isdir(base):
        pytest.skip("no cgroup2 base from the driver (KISOL_CG_V2_BASE)")
    made = []

    def make():
        d = os.path.join(base, f"kisol-mutate-test-{uuid.uuid4().hex[:8]}")
        os.mkdir(d)
        made.append(d)
        return d

    yield make
    for d in reversed(made):
        try:
            with open(os.path.join(d, "cgroup.freeze"), "w") as f:
                f.write("0")
        except OSError:
            pass
        os.rmdir(d)


def test_cgroup_procs_write_leaves_the_task_where_it_was(cgdir):
    plain, _ = supervise(None, PROBE, "cgprocs", cgdir())
    assert plain["cgroup"][0].endswith("/" + os.path.basename(plain["cgroup"][0]))
    d = cgdir()
    mut, rep = supervise("cgroup.attach", PROBE, "cgprocs", d)
    assert rep["touched"] == 1
    assert not mut["cgroup"][0].endswith(os.path.basename(d))


@pytest.mark.parametrize("mutation,file,value,default", [
    ("cgroup.limit", "cgroup.max.descendants", "7", "max"),
    ("cgroup.freeze", "cgroup.freeze", "1", "0"),
])
def test_cgroup_knob_write_reports_success_and_writes_nothing(cgdir, mutation, file, value, default):
    plain, orep = supervise(None, PROBE, "cgwrite", cgdir(), file, value)
    assert plain == {"write": [str(len(value))], "value": [value]}
    assert orep["observed"] == {mutation: 1}
    mut, rep = supervise(mutation, PROBE, "cgwrite", cgdir(), file, value)
    assert rep["touched"] == 1
    assert mut == {"write": [str(len(value))], "value": [default]}


def test_write_to_other_files_untouched(scratch):
    _, rep = supervise(None, "/bin/sh", "-c", f"echo 1 > {scratch}/cgroup.procs")
    assert rep["observed"] == {}


# ---- nothing reaches the host ----

def _links():
    return sorted(os.listdir("/sys/class/net"))


def test_mutated_hostname_stays_in_the_sandbox():
    before = socket.gethostname()
    name = f"kisol-mut-{uuid.uuid4().hex[:6]}"
    out, rep = supervise("ns.uts", PROBE, "hostname", name)
    assert rep["touched"] == 1 and out["hostname"] == [name]
    assert socket.gethostname() == before


def test_mutated_netns_link_stays_in_the_sandbox():
    before = _links()
    _, rep = supervise("ns.net", "/bin/sh", "-c",
                       "unshare -n ip link add kisolmut0 type veth peer name kisolmut1 && "
                       "ip link show kisolmut0 >/dev/null")
    assert rep["touched"] == 1 and rep["status"] == 0
    assert _links() == before


def test_mutated_mount_stays_in_the_sandbox(scratch):
    _, rep = supervise("ns.mnt", "/bin/sh", "-c",
                       f"unshare -m --propagation unchanged mount -t tmpfs kisolmut {scratch}")
    assert rep["touched"] == 1 and rep["status"] == 0
    with open("/proc/self/mountinfo") as f:
        assert scratch not in f.read()


def test_mutated_pidns_sees_only_the_sandbox():
    # without its own pid namespace, the case still is not in the host's:
    # the sandbox's init is pid 1 and the host's processes are not there
    out = subprocess.run([KM, "-m", "ns.pid", "--", "/bin/sh", "-c",
                          "unshare -p -f sh -c 'echo $$; ls /proc | grep -c ^[0-9]'"],
                         capture_output=True, text=True, timeout=60)
    pid, nprocs = out.stdout.split()
    assert pid != "1" and int(nprocs) < 10


def test_supervisor_follows_forks_threads_and_vfork():
    # the unshare happens in a grandchild made by vfork (posix_spawn) of a thread-using shell
    _, rep = supervise(None, "/bin/sh", "-c", "(unshare -u true) & wait")
    assert rep["observed"].get("ns.uts") == 1


def test_exit_status_and_user_errors():
    p = subprocess.run([KM, "-o", "-S", "--", "/bin/sh", "-c", "exit 7"])
    assert p.returncode == 7
    p = subprocess.run([KM, "-m", "no.such", "--", "true"], capture_output=True, text=True)
    assert p.returncode == 2 and "unknown mutation" in p.stderr
    p = subprocess.run([sys.executable, "-m", "kisol.mutate", "--area", "no_such_area"],
                       capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=os.path.join(TOP, "scripts")))
    assert p.returncode == 2 and p.stderr.count("\n") == 1 and "no_such_area" in p.stderr


# ---- the driver's bookkeeping ----

def test_mutant_immune_metadata():
    meta = caselist.parse_meta("cve=X;mutant_immune=ns.mnt: scratch only;mutant_immune=cgroup.*: why")
    assert meta["cve"] == "X"
    assert mutate.immune_for(meta, "ns.mnt") == "scratch only"
    assert mutate.immune_for(meta, "cgroup.kill") == "why"
    assert mutate.immune_for(meta, "ns.uts") is None
    r = {"mutation": "ns.mnt", "touched": True, "verdict": "pass"}
    assert mutate.outcome(r, meta) == "immune"
    assert mutate.outcome(dict(r, mutation="ns.uts"), meta) == "survived"
    assert mutate.outcome(dict(r, verdict="fail"), meta) == "killed"
    assert mutate.outcome(dict(r, touched=False), meta) == "untouched"


def test_observe_charges_each_call_to_its_test():
    # one run of a harness binary: each test's calls, made by its own process,
    # a forked process's thread, or twice, are charged to that test only
    out, rep = supervise(None, HPROBE, per_test=True)
    assert rep["done"] is True and rep["status"] == 0, out
    tests = rep["tests"]
    assert list(tests) == ["global.uts_self", "global.nothing", "global.net_in_forked_thread",
                           "global.ipc_twice"]
    assert tests["global.uts_self"]["observed"] == {"ns.uts": 1}
    assert tests["global.nothing"]["observed"] == {}
    assert tests["global.net_in_forked_thread"]["observed"] == {"ns.net": 1}
    assert tests["global.ipc_twice"]["observed"] == {"ns.ipc": 2}
    assert rep["observed"] == {"ns.uts": 1, "ns.net": 1, "ns.ipc": 2}
    assert all(t["secs"] >= 0 for t in tests.values())
    # the same tests picked with -r: only those run and are charged
    _, rep = supervise(None, HPROBE, "-r", "global.ipc_twice", "-r", "global.uts_self", per_test=True)
    assert sorted(rep["tests"]) == ["global.ipc_twice", "global.uts_self"]
    assert rep["tests"]["global.ipc_twice"]["observed"] == {"ns.ipc": 2}


def test_report_written_when_the_mutation_first_fires():
    # a mutant that then hangs and is killed still says it was touched
    # owner pid in the name: a concurrent run's leak check knows it is not its own
    rep = f"/tmp/kisol-mutate-test-p{os.getpid()}-{uuid.uuid4().hex}"
    p = subprocess.Popen([KM, "-S", "-m", "ns.uts", "-r", rep, "--", "/bin/sh", "-c",
                          "unshare -u true; echo fired; exec cat"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert p.stdout.readline() == "fired\n"
        with open(rep) as f:
            partial = json.load(f)
    finally:
        p.kill()
        p.wait()
        os.unlink(rep)
    assert partial["touched"] == 1 and partial["done"] is False


def test_timeout_policy():
    # hung after the mutation fired: killed, and counted apart; hung before: an error
    fired = mutate.mutated_record("ns.uts", "timeout", "", {"touched": 1, "done": False}, 2.0)
    assert fired["touched"] and mutate.outcome(fired, {}) == "killed"
    never = mutate.mutated_record("ns.uts", "timeout", "", None, 2.0)
    assert not never["touched"] and mutate.outcome(never, {}) == "error"
    assert "before the mutation fired" in never["why_not"]
    done = mutate.mutated_record("ns.uts", "fail", "x", {"touched": 2, "done": True}, 0.1)
    assert mutate.outcome(done, {}) == "killed"
    cases = [{"area": "a", "baseline": "pass", "runs": [
        dict(fired, outcome="killed"), dict(done, outcome="killed"), dict(never, outcome="error")]}]
    t = mutate.summarize(cases)["per_mutation"]["ns.uts"]
    assert (t["touched"], t["killed"], t["timeout"], t["error"], t["kill_rate"]) == (2, 2, 1, 1, 1.0)


def test_readme_table_from_a_run(tmp_path):
    runs = [{"mutation": "ns.uts", "outcome": "killed", "verdict": "timeout"},
            {"mutation": "ns.uts", "outcome": "survived", "verdict": "pass"}]
    cases = [{"id": "cases/a/b::t1", "area": "a", "baseline": "pass", "runs": runs}]
    doc = {"schema": "kisol-mutation/1", "run_id": "r1", "kisol_commit": "abc", "cases": cases,
           "mutations": {"ns.uts": "x", "setns": "y"}, "summary": mutate.summarize(cases),
           "target": 0.95, "duration_s": 421.4, "jobs": 2, "load_avg_start": [0.2, 0, 0],
           "load_avg": [1.9, 0, 0], "areas": [], "only": [], "leaks": []}
    block = mutate.readme_block(doc)
    assert "7 min 01 s with 2 jobs" in block and "load average 0.2 at the start" in block
    assert "| ns.uts | 2 | 1 | 1 | 1 | 0 | 50.0% |" in block and "setns" not in block
    assert "Below the target (area/mutation): a/ns.uts 50.0%." in block
    (tmp_path / "mutation.json").write_text(json.dumps(doc))
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{mutate.README_BEGIN}\nold\n{mutate.README_END}\nafter\n")
    mutate.write_readme(str(readme), block)
    assert readme.read_text() == "intro\n" + block + "after\n"
    env = dict(os.environ, PYTHONPATH=os.path.join(TOP, "scripts"))
    p = subprocess.run([sys.executable, "-m", "kisol.mutate", "--readme-table",
                        str(tmp_path / "mutation.json")], capture_output=True, text=True, env=env)
    assert p.returncode == 0 and p.stdout == block
    p = subprocess.run([sys.executable, "-m", "kisol.mutate", "--readme-table", str(tmp_path / "nope")],
                       capture_output=True, text=True, env=env)
    assert p.returncode == 2 and p.stderr.count("\n") == 1


def test_summary_kill_rates():
    cases = [{"area": "a", "baseline": "pass", "runs": [
        {"mutation": "m", "outcome": "killed"}, {"mutation": "n", "outcome": "survived"}]},
        {"area": "a", "baseline": "pass", "runs": [{"mutation": "m", "outcome": "immune"}]},
        {"area": "b", "baseline": "skip", "runs": []}]
    s = mutate.summarize(cases)
    assert s["per_mutation"]["m"]["kill_rate"] == 0.5 and s["per_mutation"]["m"]["immune"] == 1
    assert s["per_area"]["a"]["touched"] == 3 and s["per_area"]["a"]["killed"] == 1
    assert s["baseline_not_pass"] == {"skip": 1}


def test_driver_end_to_end(tmp_path):
    out = tmp_path / "res"
    env = dict(os.environ, PYTHONPATH=os.path.join(TOP, "scripts"))
    p = subprocess.run([sys.executable, "-m", "kisol.mutate", "--area", "utsns", "-m", "ns.uts",
                        "-k", "hostname_root.set_inside_invisible_outside", "--results", str(out)],
                       capture_output=True, text=True, env=env, timeout=300)
    doc = json.loads((out / "mutation.json").read_text())
    assert doc["schema"] == "kisol-mutation/1" and doc["only"] == ["ns.uts"]
    assert doc["kisol_commit"] == results.kisol_commit() and doc["kisol_commit"] not in (None, "None")
    case = [c for c in doc["cases"] if c["test"].endswith("hostname_root.set_inside_invisible_outside")]
    assert case and case[0]["baseline"] == "pass" and case[0]["observed"].get("ns.uts")
    assert case[0]["runs"][0]["outcome"] == "killed", p.stdout
    assert doc["summary"]["per_mutation"]["ns.uts"]["killed"] >= 1
    assert (out / "survivors.txt").exists()


def test_report_section_shows_rates_survivors_and_reasons(tmp_path):
    from kisol import report_html, rundata
    runs = [{"mutation": "ns.uts", "outcome": "killed", "touched": True},
            {"mutation": "setns", "outcome": "survived", "touched": True}]
    cases = [{"id": "cases/a/b::t1", "area": "a", "baseline": "pass", "runs": runs},
             {"id": "cases/a/b::t2", "area": "a", "baseline": "pass",
              "runs": [{"mutation": "ns.uts", "outcome": "immune", "immune": "checks EPERM only"}]}]
    doc = {"schema": "kisol-mutation/1", "run_id": "r1", "kernel": "k", "cases": cases,
           "mutations": {"ns.uts": "x", "setns": "y"}, "summary": mutate.summarize(cases),
           "target": 0.95, "duration_s": 1.0, "leaks": []}
    (tmp_path / "mutation.json").write_text(json.dumps(doc))
    run = rundata.load_dir(str(tmp_path))
    html = report_html.section_mutation(run.mutation)
    assert "50%" in html and "0%" in html            # ns.uts 1 of 2, setns 0 of 1
    assert "cases/a/b::t1" in html and "checks EPERM only" in html
    # make report picks the newest mutation run of the same kernel
    assert rundata.latest_mutation(str(tmp_path.parent), "k")["run_id"] == "r1"
    assert rundata.latest_mutation(str(tmp_path.parent), "other kernel") is None


def test_cgroup_kill_ignored_only_where_there_is_something_to_kill(cgdir):
    d = cgdir()
    out, rep = supervise("cgroup.kill", "/bin/sh", "-c",
                         f"sleep 600 & echo $! > {d}/cgroup.procs; echo 1 > {d}/cgroup.kill; "
                         f"kill -0 $! && echo alive=yes; cat {d}/cgroup.procs | wc -l | sed 's/^/procs=/'; "
                         f"kill -9 $!")
    assert rep["touched"] == 1 and out["alive"] == ["yes"] and out["procs"] == ["1"]
    # an empty cgroup (what teardowns kill) is not touched: killing it changes nothing
    _, rep = supervise("cgroup.kill", PROBE, "cgwrite", cgdir(), "cgroup.kill", "1")
    assert rep["touched"] == 0
