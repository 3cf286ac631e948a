# SPDX-License-Identifier: GPL-2.0-only
"""The driver end to end, on a demo case binary built for the test.

Proves the outcome mapping (pass, fail, skip, xfail, xpass, crash,
timeout), the results file, that a case's leftover processes are killed
with its cgroup, and that the leak check fails a run that leaves state
behind.
"""
import json
import os
import subprocess
import sys
import time

import pytest

from testlock import stale_lock

# one worker runs this file: its module fixture builds and runs the demo cases once, not
# on every worker
pytestmark = pytest.mark.xdist_group("driver_e2e")

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

DEMO = r'''
// SPDX-License-Identifier: GPL-2.0-only
#include <sys/stat.h>
#include "kisol_test.h"

TEST(passes) { ASSERT_EQ(1, 1); }
TEST(fails) { ASSERT_EQ(1, 2) TH_LOG("demo failure marker"); }
TEST(skips) { SKIP(return, "demo skip reason"); }
TEST(crashes) { raise(SIGSEGV); }
TEST(sig_xfail) { KISOL_XFAIL(return, "demo signature"); }
TEST(fail_then_sig) { EXPECT_EQ(1, 2); KISOL_XFAIL(return, "demo signature"); }
FIXTURE(fx) { int x; };
FIXTURE_VARIANT(fx) { int want; };
FIXTURE_VARIANT_ADD(fx, good) { .want = 1 };
FIXTURE_VARIANT_ADD(fx, bad) { .want = 2 };
FIXTURE_SETUP(fx) { self->x = 1; }
FIXTURE_TEARDOWN(fx) {}
TEST_F(fx, check) { ASSERT_EQ(variant->want, self->x); }
XFAIL_ADD(fx, bad, check);
TEST_F(fx, xpass) { ASSERT_EQ(1, self->x); }
XFAIL_ADD(fx, good, xpass);
KISOL_META(global, passes, "cve=CVE-0000-0000;commit=0123456789ab")
/* A background process that outlives the test: the sandbox must kill it. */
TEST(orphan)
{
	if (fork() == 0) {
		setsid();
		for (;;)
			pause();
	}
}
FIXTURE(slow) { int unused; };
FIXTURE_SETUP(slow) {}
FIXTURE_TEARDOWN(slow) {}
TEST_F_TIMEOUT(slow, hangs, 1) { for (;;) pause(); }
'''

LEAK = r'''
// SPDX-License-Identifier: GPL-2.0-only
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include "kisol_test.h"

/* Leaves a cgroup below the run's directory and a file in scratch. */
TEST(leaves_state)
{
	char path[512], own[256];
	const char *run = getenv("KISOL_RUN_ID"), *scratch = getenv("KISOL_SCRATCH");
	FILE *f = fopen("/proc/self/cgroup", "r");

	ASSERT_NE(NULL, run);
	ASSERT_NE(NULL, f);
	while (fgets(own, sizeof(own), f))
		if (!strncmp(own, "4:memory:", 9) || strstr(own, ":memory:"))
			break;
	fclose(f);
	kisol_chomp(own);
	snprintf(path, sizeof(path), "/sys/fs/cgroup/memory%s/kisol-run-%s",
		 strchr(strchr(own, ':') + 1, ':') + 1, run);
	mkdir(path, 0755);
	strcat(path, "/leaked");
	ASSERT_EQ(0, mkdir(path, 0755));
	snprintf(path, sizeof(path), "%s/leaked-file", scratch);
	ASSERT_LE(0, open(path, O_CREAT | O_WRONLY, 0600));
}
KISOL_MAIN
'''


def build(tmp, area, name, src):
    d = tmp / "cases" / area
    d.mkdir(parents=True, exist_ok=True)
    (d / f"{name}.c").write_text(src)
    cc = ["gcc", "-D_GNU_SOURCE", "-I", f"{TOP}/build/include", "-I", f"{TOP}/cases",
          "-I", f"{TOP}/lib/include", "-o", str(d / name), str(d / f"{name}.c"),
          f"{TOP}/build/libkisol.a", "-lmnl", "-lcap", "-lpthread", "-lm"]
    subprocess.run(cc, check=True)
    return d / name


def run_pytest(tmp, *args, leak_check=False, env=None):
    """An inner driver run. Its leak check is off unless asked for: other
    tests of the outer run may change host state while it runs. env adds
    variables (KISOL_FLAVOUR: the inner run's build flavour, plain unless given)."""
    if not leak_check:
        args = ("--kisol-no-leak-check",) + args
    extra = env or {}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KISOL_", "PYTEST_"))}
    env["PYTHONPATH"] = os.path.join(TOP, "scripts")
    env.update(extra)
    with stale_lock():
        return subprocess.run([sys.executable, "-m", "pytest", "-c", f"{TOP}/scripts/pytest.ini",
                               f"--rootdir={tmp}", "-p", "no:cacheprovider", *args],
                              cwd=tmp, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    if not os.path.exists(f"{TOP}/build/libkisol.a"):
        pytest.skip("build/libkisol.a not built (run make)")
    tmp = tmp_path_factory.mktemp("drv")
    build(tmp, "demo", "demo", DEMO + "KISOL_MAIN\n")
    return tmp


demo_run_dir = {}


@pytest.fixture(scope="module")
def demo_run(demo):
    # a results directory names the run: unique, as xdist workers may each
    # build this module's fixtures and run the demo at the same time
    res = demo / f"res-{os.getpid()}-{time.monotonic_ns()}"
    p = run_pytest(demo, "cases/demo", "-rA", f"--kisol-results={res}")
    cases = json.load(open(res / "cases.json"))["cases"]
    demo_run_dir[demo] = res
    return p, {c["test"]: c for c in cases}


def test_outcomes(demo_run):
    p, cases = demo_run
    want = {"global.passes": "pass", "global.fails": "fail", "global.skips": "skip",
            "global.crashes": "fail", "fx.good.check": "pass", "fx.bad.check": "xfail",
            "fx.good.xpass": "xpass", "fx.bad.xpass": "pass", "global.orphan": "pass",
            "slow.hangs": "fail", "global.sig_xfail": "xfail", "global.fail_then_sig": "fail"}
    assert {k: v["verdict"] for k, v in cases.items()} == want, p.stdout
    assert p.returncode == 1


def test_ids_reasons_and_output(demo_run):
    p, cases = demo_run
    assert "cases/demo/demo::fx.bad.check XFAIL" in p.stdout or \
        "XFAIL cases/demo/demo::fx.bad.check" in p.stdout, p.stdout
    assert "demo skip reason" in p.stdout
    assert cases["global.skips"]["reason"] == "demo skip reason"
    assert "demo failure marker" in cases["global.fails"]["output"]
    assert cases["global.passes"]["meta"] == {"cve": "CVE-0000-0000", "commit": "0123456789ab"}
    assert cases["global.fails"]["id"] == "cases/demo/demo::global.fails"
    # a failure before a runtime XFAIL's signature is not swallowed by it
    assert cases["global.sig_xfail"]["reason"] == "demo signature"
    assert "not XFAIL" in cases["global.fail_then_sig"]["output"]


def test_select_one_with_k(demo):
    p = run_pytest(demo, "cases/demo", "-k", "passes", "-q")
    assert p.returncode == 0 and "1 passed" in p.stdout, p.stdout


def test_parallel_xdist(demo):
    p = run_pytest(demo, "cases/demo", "-n", "2", "-q", "-k", "passes or skips or check")
    assert p.returncode == 0 and "2 passed, 1 skipped, 1 xfailed" in p.stdout.replace(
        " in ", "\n"), p.stdout


def test_junit(demo, tmp_path):
    p = run_pytest(demo, "cases/demo", "-q", "-k", "passes or fails", f"--junitxml={tmp_path}/j.xml")
    x = (tmp_path / "j.xml").read_text()
    assert 'tests="2"' in x and 'failures="1"' in x


def test_orphan_killed_and_run_dirs_removed(demo, demo_run):
    p, _ = demo_run
    # The orphan forked by global.orphan is gone: no process runs the demo binary.
    left = subprocess.run(["pgrep", "-f", f"{demo}/cases/demo/demo"], capture_output=True, text=True)
    assert left.stdout.strip() == ""
    run_id = json.load(open(demo_run_dir[demo] / "run.json"))["run_id"]
    assert not subprocess.run(["find", "/sys/fs/cgroup", "-maxdepth", "8", "-name", f"kisol-run-{run_id}*"],
                              capture_output=True, text=True).stdout.strip()
    assert not [d for d in os.listdir("/var/tmp") if d.startswith(f"kisol-{run_id}")]


def test_unbuilt_binary_is_a_collection_error(tmp_path):
    d = tmp_path / "cases" / "x"
    d.mkdir(parents=True)
    (d / "y.c").write_text("int main(void) { return 0; }\n")
    p = run_pytest(tmp_path, "cases/x", "-q")
    assert p.returncode != 0 and "is not built" in p.stdout


def test_leak_check_catches_a_leak(demo, tmp_path):
    build(demo, "leak", "leak", LEAK)
    p = run_pytest(demo, "cases/leak", "-q", leak_check=True)
    assert p.returncode == 1, p.stdout
    assert "LEAK" in p.stdout and "leaked" in p.stdout and "leaked-file" in p.stdout, p.stdout
    # the driver also removed what was leaked
    assert not [d for d in os.listdir("/var/tmp") if d.startswith("kisol-") and
                os.path.exists(f"/var/tmp/{d}/leaked-file")]


def test_hoststate_sees_a_mount(tmp_path):
    """Run in a private mount namespace: mount, snapshot, diff."""
    code = ("import os,subprocess\n"
            "from kisol import hoststate as h\n"
            "a=h.snapshot(); os.makedirs('/tmp/kisol-hs-probe', exist_ok=True)\n"
            "subprocess.run(['mount','-t','tmpfs','kisol-probe','/tmp/kisol-hs-probe'],check=True)\n"
            "d=h.diff(a,h.snapshot()); print('\\n'.join(d))\n"
            "subprocess.run(['umount','/tmp/kisol-hs-probe']); os.rmdir('/tmp/kisol-hs-probe')\n")
    p = subprocess.run(["unshare", "-m", "--propagation", "private", sys.executable, "-c", code],
                       env=dict(os.environ, PYTHONPATH=os.path.join(TOP, "scripts")),
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert any(l.startswith("mounts: +") and "kisol-hs-probe" in l for l in p.stdout.splitlines())
    assert "scratch: + /tmp/kisol-hs-probe" in p.stdout


def test_stale_runs_of_a_killed_driver_are_removed(demo, stale_exclusive):
    """A driver killed before its teardown leaves its run directories; the
    next run removes them (their pid is gone) and says so."""
    from kisol import sandbox
    dead = subprocess.Popen(["true"])
    dead.wait()
    own = sandbox.own_cgroups().get("v2")
    mp = sandbox.cgroup_mounts().get("v2")
    if own is None or mp is None:
        pytest.skip("no cgroup2 hierarchy")
    cg = os.path.join(mp, own.lstrip("/"), f"kisol-run-stale-test-p{dead.pid}")
    os.makedirs(os.path.join(cg, "sandbox", "w-1"))
    scratch = f"/var/tmp/kisol-stale-test-p{dead.pid}"
    os.makedirs(os.path.join(scratch, "x"))
    p = run_pytest(demo, "cases/demo", "-q", "-k", "passes")
    assert not os.path.exists(cg) and not os.path.exists(scratch)
    assert f"left by a killed kisol run (owner gone): {cg}" in p.stdout, p.stdout
