# SPDX-License-Identifier: GPL-2.0-only
"""kisol-validate: it answers for the user who runs it, and it can say no.

Each test runs build/kisol-validate in a situation where the right answer
is known: as root, as uid 65534, under a seccomp filter that refuses
namespace creation (build/kisol-nons-exec), inside a user namespace whose
user.max_user_namespaces is 0 (set in that namespace, never on the host),
with a kernel config lacking an option; the JSON always validates against
kisol-validate/1, and the host state is the same before and after.
"""
import gzip
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

from kisol import hoststate, validate_schema

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VALIDATE = os.path.join(TOP, "build", "kisol-validate")
NONS = os.path.join(TOP, "build", "kisol-nons-exec")
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
NS = ["mnt", "uts", "ipc", "user", "pid", "net", "cgroup", "time"]
ROOT = os.geteuid() == 0

# one worker runs this file: its module fixtures run kisol-validate as root
# and as nobody (about 4 s each), once rather than on every worker
pytestmark = [pytest.mark.skipif(not os.access(VALIDATE, os.X_OK), reason="build/kisol-validate not built"),
              pytest.mark.xdist_group("validate")]
needs_root = pytest.mark.skipif(not ROOT, reason="needs root (runs the validator as other users)")


def run(*args, prefix=(), timeout=120):
    return subprocess.run([*prefix, VALIDATE, *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "NO_COLOR": "1"})


def doc(*args, prefix=()):
    p = run("--json", *args, prefix=prefix)
    assert p.returncode in (0, 1), p.stderr
    d = json.loads(p.stdout)
    assert validate_schema.errors(d) == []
    want = 1 if any(v["verdict"] == "not-ready" for v in d["profiles"].values()) else 0
    assert p.returncode == want
    return d


def rows(d):
    return {f["id"]: f for f in d["features"]}


_PID_NAME = re.compile(r"/kisol[-\w.]*?-p(\d+)(?:[-/]|$)")


def _snapshot():
    """Host state, less what processes still running (other tests of this session) hold.

    Everything the validator and the cases it runs create carries the pid of
    its creator (kisol-validate-p<pid>, the library's kisol-p<pid>, scratch
    below the validator's own), all gone when the run is over.
    """
    snap = hoststate.snapshot()
    for cat, lines in snap.items():
        snap[cat] = [x for x in lines if not (m := _PID_NAME.search(x))
                     or not os.path.exists(f"/proc/{m.group(1)}")]
    return snap


@pytest.fixture(scope="module")
def root_run():
    """A full run as root (security section included), between two host-state snapshots."""
    if not ROOT:
        pytest.skip("needs root")
    before = _snapshot()
    d = doc()
    # Scratch directories of other tests of this session come and go (the
    # validator removes only its own, kisol-validate-p<pid>); one that stays
    # is a leak, ours or not.
    def diff():
        return [x for x in hoststate.diff(before, _snapshot()) if not x.startswith("scratch: - ")]

    left, deadline = diff(), time.monotonic() + 60
    while left and all(x.startswith("scratch: + ") for x in left) and time.monotonic() < deadline:
        time.sleep(0.2)
        left = diff()
    return d, left


@pytest.fixture(scope="module")
def as_root(root_run):
    return root_run[0]


@pytest.fixture(scope="module")
def as_nobody():
    if not ROOT:
        pytest.skip("needs root to become uid 65534")
    return doc(prefix=NOBODY)


def test_root_rows(as_root):
    r = rows(as_root)
    assert as_root["user"] == {"name": "root", "uid": 0, "euid": 0, "root": True, "in_userns": False}
    for ns in NS:  # every namespace type can be created on this machine
        assert r[f"ns.{ns}"]["works"] == "yes", r[f"ns.{ns}"]
        assert r[f"ns.{ns}"]["permitted"] == "yes"
    assert "third fork failed" in r["cgroup.pids"]["detail"]
    assert r["overlay.root"]["works"] == "yes" and "whiteout" in r["overlay.root"]["detail"]
    assert set(as_root["profiles"]) == set(validate_schema.PROFILES)


def test_root_security_section(as_root):
    sec = as_root["security"]
    assert sec and {s["cve"] for s in sec} >= {"CVE-2018-18955", "CVE-2022-0492", "CVE-2023-0386"}
    # this kernel has every fix: nothing is exposed, and a skip says why
    assert all(s["state"] != "exposed" for s in sec), [s for s in sec if s["state"] == "exposed"]
    assert all(s["reason"] for s in sec if s["state"] == "not applicable")


def test_nobody_rows(as_nobody):
    r = rows(as_nobody)
    assert as_nobody["user"]["euid"] == 65534 and not as_nobody["user"]["root"]
    for ns in NS:
        assert r[f"ns.{ns}"]["works"] == "yes", r[f"ns.{ns}"]
    assert "inside a new user namespace" in r["ns.uts"]["detail"]
    assert "uid 65534 outside" in r["userns.maps"]["detail"]
    assert r["cgroup.pids"]["permitted"] == "no" and "not delegated" in r["cgroup.pids"]["detail"]
    assert r["overlay.root"]["permitted"] == "no"
    assert r["overlay.userns"]["works"] == "yes"
    docker = as_nobody["profiles"]["docker"]
    assert docker["verdict"] == "not-ready" and docker["blocking"][0]["feature"] == "root"
    assert as_nobody["profiles"]["rootless"]["verdict"] in ("ready", "degraded")
    # a case that failed only because it ran unprivileged is no exposure
    assert all(s["state"] != "exposed" for s in as_nobody["security"])


@needs_root
@pytest.mark.parametrize("prefix", [[NONS], NOBODY + [NONS]], ids=["root", "uid65534"])
def test_seccomp_filter_refuses_namespaces(prefix):
    d = doc("--no-security", prefix=prefix)
    r = rows(d)
    for ns in NS:
        assert r[f"ns.{ns}"]["permitted"] == "no", r[f"ns.{ns}"]
        assert r[f"ns.{ns}"]["works"] == "no"
        assert "seccomp" in r[f"ns.{ns}"]["detail"]
    assert r["userns.unprivileged"]["permitted"] == "no"
    assert d["seccomp_mode"] == 2
    assert all(p["verdict"] == "not-ready" for p in d["profiles"].values())


@needs_root
def test_max_user_namespaces_zero_in_a_child_userns():
    """The limit is set inside a new user namespace only: the host's stays."""
    host = open("/proc/sys/user/max_user_namespaces").read()
    script = f'echo 0 > /proc/sys/user/max_user_namespaces && exec {VALIDATE} --json --no-security --profile rootless'
    p = subprocess.run(["unshare", "--user", "--map-root-user", "sh", "-c", script], capture_output=True,
                       text=True, timeout=120, env={**os.environ, "NO_COLOR": "1"})
    assert open("/proc/sys/user/max_user_namespaces").read() == host
    assert p.returncode == 1, p.stderr
    d = json.loads(p.stdout)
    assert validate_schema.errors(d) == []
    assert d["user"]["in_userns"]
    rl = d["profiles"]["rootless"]
    assert rl["verdict"] == "not-ready"
    blocking = {i["feature"]: i for i in rl["blocking"]}
    assert "user.max_user_namespaces is 0" in blocking["userns.unprivileged"]["why"]
    assert rows(d)["ns.user"]["permitted"] == "no"


def _config_without(tmp_path, option, gz):
    with gzip.open("/proc/config.gz", "rt") as f:
        text = f.read()
    assert f"{option}=y" in text
    text = text.replace(f"{option}=y", f"# {option} is not set")
    path = tmp_path / ("config.gz" if gz else "config")
    if gz:
        with gzip.open(path, "wt") as f:
            f.write(text)
    else:
        path.write_text(text)
    return str(path)


@pytest.mark.skipif(not os.path.exists("/proc/config.gz"), reason="no /proc/config.gz")
@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
def test_kernel_config_lacking_an_option(tmp_path, gz):
    d = doc("--no-security", "--kernel-config", _config_without(tmp_path, "CONFIG_UTS_NS", gz))
    r = rows(d)
    assert r["ns.uts"]["configured"] == "no"
    assert r["ns.uts"]["works"] == "yes"  # what really happened, whatever the file says
    assert "config lacks CONFIG_UTS_NS" in r["ns.uts"]["detail"]
    assert r["ns.ipc"]["configured"] == "yes"
    assert d["kernel_config"].endswith("config.gz" if gz else "config")


@pytest.mark.parametrize("args", [["--bogus"], ["--profile", "nope"], ["--profile"], ["extra"],
                                  ["--kernel-config", "/nonexistent"], ["--storage", "/nonexistent"]])
def test_usage_errors(args):
    p = run(*args)
    assert p.returncode == 2 and p.stdout == ""
    assert len(p.stderr.strip().splitlines()) == 1 and p.stderr.startswith("kisol-validate: ")


def test_list_and_profile_filter():
    p = run("--list")
    assert p.returncode == 0
    for name in ("ns.time", "userns.subid", "cgroup.kill", "overlay.userns", "net.veth_bridge",
                 *validate_schema.PROFILES):
        assert name in p.stdout
    d = doc("--no-security", "--profile", "rootless")
    assert list(d["profiles"]) == ["rootless"] and d["security"] is None


def test_human_output_matches_json():
    p = run("--no-security")
    assert p.returncode in (0, 1)
    assert "\033[" not in p.stdout
    for head in ("FEATURE", "PROFILES", "ns.uts", "rootless"):
        assert head in p.stdout


def test_schema_catches_inconsistent_verdict(as_root):
    bad = json.loads(json.dumps(as_root))
    bad["profiles"]["docker"] = {"verdict": "ready", "blocking": [{"feature": "ns.uts", "why": "x",
                                                                   "fix": None}], "missing": []}
    assert validate_schema.errors(bad)
    bad["features"][0]["works"] = "maybe"
    assert validate_schema.errors(bad)


def test_host_state_unchanged(root_run):
    assert root_run[0]["security"]
    assert root_run[1] == []


def _ours(pid):
    """Scratch directories and cgroups named for validator pid."""
    tag = f"kisol-validate-p{pid}"
    found = [f"/var/tmp/{n}" for n in os.listdir("/var/tmp") if n == tag]
    for root, dirs, _ in os.walk("/sys/fs/cgroup"):
        found += [os.path.join(root, d) for d in dirs if d.startswith(tag + "-")]
        dirs[:] = [d for d in dirs if not d.startswith("kisol")]
    return found


@needs_root
def test_killed_run_is_cleaned_by_the_next():
    """SIGKILL mid-run: children die with it; the next run removes what carries its pid."""
    p = subprocess.Popen([VALIDATE, "--json"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while not _ours(p.pid) and time.monotonic() < deadline and p.poll() is None:
        time.sleep(0.01)  # waiting for a condition, with a deadline
    p.send_signal(signal.SIGKILL)
    p.wait()
    run("--no-security", "--profile", "docker")
    assert _ours(p.pid) == []


FAKE_CASE = r'''#!/bin/sh
# --kisol-list: fixture, variant, test, timeout (s), xfail, metadata
if [ "$1" = --kisol-list ]; then
	printf 'fx\t%s\t1\t0\tcve=CVE-0000-0001\n' "$TEST"
	exit 0
fi
echo "TAP version 13"
echo "1..1"
case "$TEST" in
hangs) exec sleep 60 ;;
fails) echo "# cases/fake/x.c:1:fails:Expected 0 (0) == 1 (1)"; echo "not ok 1 fx.fails"; exit 1 ;;
skips) echo "ok 1 fx.skips # SKIP precondition missing"; exit 0 ;;
esac
'''


@pytest.mark.parametrize("test,state_root,state_nobody", [
    ("hangs", "undecided", "undecided"),     # cut at its deadline: no answer
    ("fails", "exposed", "undecided"),       # only root can tell a failure from a missing privilege
    ("skips", "not applicable", "not applicable"),
])
def test_security_states(test, state_root, state_nobody):
    """The security section's states on a fake case tree beside a copy of
    the validator (<dir>/../cases/<area>/<binary>), as root and as nobody
    (the tree in a directory of its own that uid 65534 can read)."""
    top = tempfile.mkdtemp(prefix="validate-fake-")
    try:
        os.chmod(top, 0o755)
        os.makedirs(os.path.join(top, "bin"))
        os.makedirs(os.path.join(top, "cases", "fake"))
        exe = os.path.join(top, "bin", "kisol-validate")
        case = os.path.join(top, "cases", "fake", "x")
        shutil.copy(VALIDATE, exe)
        with open(case, "w") as f:
            f.write(FAKE_CASE.replace('"$TEST"', test).replace("$TEST", test))
        for d, _, files in os.walk(top):
            os.chmod(d, 0o755)
            for x in files:
                os.chmod(os.path.join(d, x), 0o755)
        for prefix, want in (((), state_root), (tuple(NOBODY), state_nobody)):
            if prefix and not ROOT:
                continue
            p = subprocess.run([*prefix, exe, "--json", "--profile", "rootless"], capture_output=True,
                               text=True, timeout=60, env={**os.environ, "NO_COLOR": "1"})
            d = json.loads(p.stdout)
            assert validate_schema.errors(d) == []
            sec = [s for s in d["security"] if s["cve"] == "CVE-0000-0001"]
            assert len(sec) == 1 and sec[0]["state"] == want, (prefix, sec)
            assert sec[0]["reason"], sec[0]
            if test == "hangs":
                assert "cut after 1 s" in sec[0]["reason"], sec[0]
    finally:
        shutil.rmtree(top)
