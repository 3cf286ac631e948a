# SPDX-License-Identifier: GPL-2.0-only
"""Killing is safe: whatever is killed (the driver, a case binary's whole
process group or its main process only, a binary timed out by
run_kselftest.sh, a binary under strace or stopped by a ptrace attach), the
next run of the driver or of any case binary leaves nothing behind: no
process, cgroup, scratch directory or mount of the killed run.

The demo case `hold` makes what real cases make (a test cgroup with a
process in it that holds a network namespace with a veth pair and an IPC
namespace with a SysV segment, a scratch tmpfs), reports them through the
FIFO named by $HOLD_READY and blocks until it is killed.
"""
import ctypes
import os
import select
import shutil
import signal
import subprocess
import sys

import pytest

from test_driver_e2e import TOP, build, run_pytest

HOLD = r'''
// SPDX-License-Identifier: GPL-2.0-only
#include <fcntl.h>
#include <poll.h>
#include <sys/shm.h>
#include "kisol_test.h"

static int holder(int sock, void *arg)
{
	int r = kisol_net_veth_create("kh-a", "kh-b", -1);

	if (r == 0 && shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600) < 0)
		r = -errno;
	KISOL_TX(r);
	for (;;)
		pause();
}

TEST(hold)
{
	struct kisol_cg cg = KISOL_CG_INIT;
	struct kisol_child kid = KISOL_CHILD_INIT;
	char dir[PATH_MAX];
	const char *ready = getenv("HOLD_READY"), *release = getenv("HOLD_RELEASE");
	struct pollfd rel = { .fd = -1, .events = POLLIN };
	int fd;

	ASSERT_NE(NULL, ready);
	if (release) /* opened before the report: the test can write to it at once */
		ASSERT_LE(0, rel.fd = open(release, O_RDONLY | O_NONBLOCK | O_CLOEXEC));
	ASSERT_EQ(0, kisol_cg_create(KISOL_CG_PIDS, KISOL_CG_ANY, &cg));
	ASSERT_EQ(0, kisol_cg_spawn(&cg, CLONE_NEWNET | CLONE_NEWIPC, holder, NULL, &kid));
	ASSERT_EQ(0, kisol_rx(_metadata, kid.sock));
	ASSERT_EQ(0, kisol_mnt_scratch_tmpfs("hold", NULL, dir, sizeof(dir)));
	fd = open(ready, O_WRONLY);
	ASSERT_LE(0, fd);
	dprintf(fd, "%d %d %s %s\n", getpid(), kid.pid, cg.path, dir);
	close(fd);
	if (!release)
		for (;;)
			pause();
	ASSERT_EQ(1, poll(&rel, 1, -1));
	close(rel.fd);
	EXPECT_EQ(0, kisol_child_kill(&kid, SIGKILL));
	kisol_child_wait(&kid, KISOL_TIMEOUT_MS, NULL);
	EXPECT_EQ(0, kisol_cg_destroy(&cg));
	EXPECT_EQ(0, kisol_mnt_scratch_release(dir));
}

TEST(noop) { ASSERT_EQ(1, 1); }
KISOL_MAIN
'''


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    if os.geteuid() != 0:
        pytest.skip("needs root (cgroups, mounts)")
    if not os.path.exists(f"{TOP}/build/libkisol.a"):
        pytest.skip("build/libkisol.a not built (run make)")
    tmp = tmp_path_factory.mktemp("kill")
    build(tmp, "hold", "hold", HOLD)
    return tmp


def alone_env(fifo):
    """A case binary run by hand: none of the driver's variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KISOL_", "PYTEST_"))}
    env["HOLD_READY"] = str(fifo)
    return env


class Held:
    """What the hold test reported: its pids (as pidfds), cgroup and scratch."""

    def __init__(self, line):
        a, h, self.cg, self.scratch = line.split()
        self.test_pid, self.holder_pid = int(a), int(h)
        self.pidfds = [os.pidfd_open(self.test_pid), os.pidfd_open(self.holder_pid)]
        assert os.path.isdir(self.cg) and os.path.isdir(self.scratch)

    def close(self):
        for fd in self.pidfds:
            os.close(fd)
        self.pidfds = []


HELD = []


@pytest.fixture(autouse=True)
def reap_on_failure():
    """A test that failed must not leave its hold processes running."""
    yield
    while HELD:
        h = HELD.pop()
        for fd in h.pidfds:
            try:
                signal.pidfd_send_signal(fd, signal.SIGKILL)
            except OSError:
                pass
        h.close()


def wait_ready(fifo, proc):
    """Block until the hold test reports (or the process dies first)."""
    fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    pfd = os.pidfd_open(proc.pid)
    buf = b""
    try:
        while not buf.endswith(b"\n"):
            r, _, _ = select.select([fd, pfd], [], [], 120)
            assert r, "hold test did not report within 120 s"
            if fd in r:
                buf += os.read(fd, 4096)
            elif pfd in r:
                raise AssertionError(f"process exited before the hold test was ready: {proc.args}")
    finally:
        os.close(fd)
        os.close(pfd)
    HELD.append(Held(buf.decode()))
    return HELD[-1]


def assert_exits(pidfd, what):
    assert select.select([pidfd], [], [], 30)[0], f"{what} still runs 30 s after the kill"


def mounts_with(path):
    with open("/proc/self/mountinfo") as f:
        return [l for l in f if path in l]


def assert_nothing_left(held):
    for fd, what in zip(held.pidfds, ("test process", "holder process in the test cgroup")):
        assert_exits(fd, what)
    assert not os.path.exists(held.cg), f"cgroup left: {held.cg}"
    assert not os.path.exists(held.scratch), f"scratch left: {held.scratch}"
    assert not mounts_with(os.path.basename(held.scratch))
    assert "kh-a" not in os.listdir("/sys/class/net")


def start_alone(tree, fifo, *args, **kw):
    return subprocess.Popen([str(tree / "cases/hold/hold"), *args], env=alone_env(fifo),
                            cwd=tree, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True, **kw)


def next_binary_run(tree, fifo):
    """Any later start of a case binary removes what the killed one left."""
    p = subprocess.run([str(tree / "cases/hold/hold"), "-r", "global.noop"], env=alone_env(fifo),
                       cwd=tree, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr


@pytest.fixture
def fifo(tmp_path):
    p = tmp_path / "ready"
    os.mkfifo(p)
    return p


def test_binary_process_group_killed(tree, fifo):
    proc = start_alone(tree, fifo, "-r", "global.hold")
    held = wait_ready(fifo, proc)
    # the harness runs each test in a process group of its own: the kill
    # reaches the harness, and the test process dies with it (PDEATHSIG)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert os.path.isdir(held.cg) and os.path.isdir(held.scratch)   # really left behind
    next_binary_run(tree, fifo)
    assert_nothing_left(held)


def test_binary_main_process_only_killed(tree, fifo):
    proc = start_alone(tree, fifo, "-r", "global.hold")
    held = wait_ready(fifo, proc)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    # the test process dies with the harness (PR_SET_PDEATHSIG); the process
    # it left in its cgroup is killed by the next start
    assert_exits(held.pidfds[0], "test process of a killed harness")
    next_binary_run(tree, fifo)
    assert_nothing_left(held)


def test_run_kselftest_timeout(tree, fifo, tmp_path):
    inst = tmp_path / "inst"
    (inst / "kisol/hold").mkdir(parents=True)
    shutil.copy2(tree / "cases/hold/hold", inst / "kisol/hold/hold")
    (inst / "kisol/hold/settings").write_text("timeout=1\n")
    (inst / "kselftest-list.txt").write_text("kisol/hold:hold\n")
    shutil.copy2(f"{TOP}/scripts/run_kselftest.sh", inst)
    proc = subprocess.Popen([str(inst / "run_kselftest.sh")], env=alone_env(fifo),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    held = wait_ready(fifo, proc)
    out = proc.communicate(timeout=120)[0]
    assert "# TIMEOUT 1 seconds" in out, out
    next_binary_run(tree, fifo)
    assert_nothing_left(held)


def test_binary_under_strace_killed(tree, fifo):
    if not shutil.which("strace"):
        pytest.skip("strace not installed (scripts/install-deps)")
    proc = start_alone(tree, fifo, "-r", "global.hold")
    held = wait_ready(fifo, proc)
    st = subprocess.Popen(["strace", "-f", "-o", "/dev/null", "-p", str(proc.pid),
                           "-p", str(held.test_pid)], stderr=subprocess.PIPE, text=True)
    attached = 0
    while attached < 2:
        line = st.stderr.readline()
        assert line, "strace exited before attaching"
        attached += "attached" in line
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    st.wait(timeout=60)
    next_binary_run(tree, fifo)
    assert_nothing_left(held)


PTRACE_ATTACH = 16
PTRACE_DETACH = 17
WALL = 0x40000000


def test_binary_stopped_by_ptrace_attach_killed(tree, fifo):
    """A debugger attached and stopped the test process; the main process
    is killed: the stopped test process still dies (PDEATHSIG) and the
    tracer sees it go."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
    proc = start_alone(tree, fifo, "-r", "global.hold")
    held = wait_ready(fifo, proc)
    assert libc.ptrace(PTRACE_ATTACH, held.test_pid, None, None) == 0, os.strerror(ctypes.get_errno())
    _, status = os.waitpid(held.test_pid, WALL)
    assert os.WIFSTOPPED(status)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    gone = select.select([held.pidfds[0]], [], [], 30)[0]
    if not gone:        # still stopped: let it go before failing
        libc.ptrace(PTRACE_DETACH, held.test_pid, None, None)
        os.kill(held.test_pid, signal.SIGKILL)
    os.waitpid(held.test_pid, WALL)     # the tracer reaps it first
    assert gone, "a stopped, traced test process outlived its killed harness"
    next_binary_run(tree, fifo)
    assert_nothing_left(held)


def test_driver_killed(tree, fifo, stale_exclusive):
    """SIGKILL of the driver while a case runs: its case processes, run
    cgroups and scratch stay until the next driver run removes them."""
    env = {"HOLD_READY": str(fifo)}
    drv = subprocess.Popen(driver_argv(tree, "cases/hold", "-n", "0", "-k", "hold"),
                           env=dict(driver_env(), **env), stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, cwd=tree)
    held = wait_ready(fifo, drv)
    drv.kill()
    drv.wait()
    assert os.path.isdir(held.cg)
    p = run_pytest(tree, "cases/hold", "-q", "-k", "noop")
    assert p.returncode == 0, p.stdout
    assert "left by a killed kisol run (owner gone)" in p.stdout, p.stdout
    assert_nothing_left(held)


def driver_env():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KISOL_", "PYTEST_"))}
    env["PYTHONPATH"] = os.path.join(TOP, "scripts")
    return env


def driver_argv(tmp, *args, leak_check=False):
    return [sys.executable, "-m", "pytest", "-c", f"{TOP}/scripts/pytest.ini", f"--rootdir={tmp}",
            "-p", "no:cacheprovider", *args] + ([] if leak_check else ["--kisol-no-leak-check"])


@pytest.mark.parametrize("name,pid", [
    ("kisol-p12", 12), ("kisol-run-20261205T1-host-p12", 12), ("kisol-ovl-p12-aB3xYz", 12),
    ("kisol-bench-p12-7", 12), ("kisol-mntns-pRCEy0", 0), ("kisol-mntns-aB3xYz", 0),
    ("other-p12", 0), ("kisol-p0", 0), ("kisol-p12-", 0), ("kisol-p12-a-b", 0)])
def test_name_owner_as_the_library_reads_it(name, pid):
    """Same table as cases/lib_mount/mount.c name_owner."""
    from kisol import sandbox
    assert sandbox.name_owner(name) == pid


def release(path):
    fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
    os.write(fd, b"x")
    os.close(fd)


def start_driver_holding(tree, ready, rel):
    env = dict(driver_env(), HOLD_READY=str(ready), HOLD_RELEASE=str(rel))
    proc = subprocess.Popen(driver_argv(tree, "cases/hold", "-q", "-n", "0", "-k", "hold",
                                        leak_check=True), env=env, cwd=tree,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return proc, wait_ready(ready, proc)


def test_two_suites_at_once(tree, tmp_path):
    """Two driver runs (leak check on) overlap, and a case binary run by
    hand starts while both hold live cgroups, scratch and mounts: the run
    that ends first sees the objects of the binary and of the other run
    appear, and must not take them for its own leaks; both pass."""
    f = {}
    for n in ("ready1", "rel1", "ready2", "rel2", "ready3", "rel3"):
        f[n] = tmp_path / n
        os.mkfifo(f[n])
    run2, held2 = start_driver_holding(tree, f["ready2"], f["rel2"])
    run1, held1 = start_driver_holding(tree, f["ready1"], f["rel1"])
    env3 = dict(alone_env(f["ready3"]), HOLD_RELEASE=str(f["rel3"]))
    alone = subprocess.Popen([str(tree / "cases/hold/hold"), "-r", "global.hold"], env=env3,
                             cwd=tree, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    held3 = wait_ready(f["ready3"], alone)
    assert os.path.basename(held3.scratch).startswith(f"kisol-hold-p{alone.pid}-")

    for proc, rel, others in ((run1, "rel1", (held2, held3)), (alone, "rel3", (held2,)),
                              (run2, "rel2", ())):
        release(f[rel])
        out = proc.communicate(timeout=120)[0]
        assert proc.returncode == 0, out
        assert proc is alone or "unchanged (mounts, cgroups" in out, out
        for h in others:        # the live objects of the others were left alone
            assert os.path.isdir(h.cg) and os.path.isdir(h.scratch)
    for h in (held1, held2, held3):
        assert not os.path.exists(h.cg) and not os.path.exists(h.scratch)
