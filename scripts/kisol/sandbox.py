# SPDX-License-Identifier: GPL-2.0-only
"""Run one case process so that nothing it does can outlive it.

Each test runs
  * in a leaf cgroup of its own (cgroup2 when mounted, else a v1 pids or
    freezer hierarchy), which is killed and drained after the test, so a
    case killed on timeout leaves no process behind;
  * in a private mount namespace (unshare(CLONE_NEWNS) and MS_REC|MS_PRIVATE
    on /), so no mount it makes, leaks or forgets can reach the host.

The run's cgroup directory `kisol-run-<id>` sits below the driver's own
cgroup in every hierarchy; `cg` in it (KISOL_CG_V2_BASE) is where the
library creates cgroup2 test cgroups, outside the test's own leaf.

Run by an ordinary user (the rootless view), the driver has no cgroup to
make and needs no mount namespace (an ordinary user's mounts live only in
the user namespaces it creates, which die with their processes): each
case runs in a session of its own, and whatever it left running is
killed by process group after it.
"""
import ctypes
import errno
import os
import re
import select
import signal
import subprocess
import tempfile
import time

CLONE_NEWNS = 0x00020000
MS_REC = 16384
MS_PRIVATE = 1 << 18

_libc = ctypes.CDLL(None, use_errno=True)
_libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p,
                        ctypes.c_ulong, ctypes.c_void_p]


# Built by the Makefile; without it the same steps run in a preexec_fn.
LAUNCHER = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                        "build", "kisol-sandbox-exec")


class SandboxError(Exception):
    pass


def _mounts(mountinfo="/proc/self/mountinfo"):
    """(mount point, fstype, super options) of every mount."""
    out = []
    with open(mountinfo) as f:
        for line in f:
            pre, _, post = line.partition(" - ")
            fields, tail = pre.split(), post.split()
            if len(fields) >= 5 and len(tail) >= 3:
                out.append((fields[4], tail[0], tail[2]))
    return out


def cgroup_mounts():
    """{'v2': path} and {'v1:<ctrl>': path} for every cgroup mount."""
    res = {}
    for mp, fstype, opts in _mounts():
        if fstype == "cgroup2":
            res.setdefault("v2", mp)
        elif fstype == "cgroup":
            for o in opts.split(","):
                if o in ("rw", "ro") or "=" in o:
                    continue
                res.setdefault("v1:" + o, mp)
    return res


def own_cgroups():
    """{'v2': '/path'} and {'v1:<ctrl>': '/path'} from /proc/self/cgroup."""
    res = {}
    with open("/proc/self/cgroup") as f:
        for line in f:
            hid, ctrls, path = line.rstrip("\n").split(":", 2)
            if hid == "0" and ctrls == "":
                res["v2"] = path
            else:
                for c in ctrls.split(","):
                    if c and not c.startswith("name="):
                        res["v1:" + c] = path
    return res


def run_dirs(run_id):
    """Every directory that holds this run's cgroups, one per hierarchy."""
    mounts, own = cgroup_mounts(), own_cgroups()
    dirs = {}
    for key, mp in mounts.items():
        if key in own:
            d = os.path.join(mp, own[key].lstrip("/"), f"kisol-run-{run_id}")
            dirs.setdefault(os.path.realpath(os.path.dirname(d)) + "/" + os.path.basename(d), key)
    return dirs


def _poll_empty(cg, timeout):
    """Wait until a cgroup2 directory has no process (cgroup.events)."""
    path = os.path.join(cg, "cgroup.events")
    deadline = time.monotonic() + timeout
    with open(path, "rb", buffering=0) as f:
        p = select.poll()
        p.register(f, select.POLLPRI | select.POLLERR)
        while True:
            f.seek(0)
            if b"populated 0" in f.read():
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            p.poll(left * 1000)


def _procs(cg):
    try:
        with open(os.path.join(cg, "cgroup.procs")) as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def remove_tree(top, v2, timeout=10.0):
    """Kill every process below top, then rmdir bottom-up. Returns leftovers."""
    if not os.path.isdir(top):
        return []
    dirs = [top] + [os.path.join(r, d) for r, ds, _ in os.walk(top) for d in ds]
    for d in dirs:
        kill_cgroup(d, v2, timeout)
    left = []
    for d in sorted(dirs, key=len, reverse=True):
        try:
            os.rmdir(d)
        except FileNotFoundError:
            pass
        except OSError as e:
            left.append(f"{d}: {e.strerror}")
    return left


def kill_cgroup(cg, v2, timeout=10.0):
    """SIGKILL everything in cg (not its children) and wait until empty.

    An empty cgroup is left alone: on some kernels (6.18, see
    cases/cgroup_core/structure into.v2.survives_parent_cgroup_kill_seq) a
    cgroup that was ever written to cgroup.kill makes the CLONE_INTO_CGROUP
    children of its members die at birth.
    """
    if not _procs(cg):
        return True
    if v2:
        try:
            with open(os.path.join(cg, "cgroup.kill"), "w") as f:
                f.write("1")
        except OSError:
            pass
        # cgroup.events counts descendants too: wait on the procs list
        deadline = time.monotonic() + timeout
        while _procs(cg) and time.monotonic() < deadline:
            _poll_empty(cg, 0.05)
        return not _procs(cg)
    deadline = time.monotonic() + timeout
    while True:
        pids = _procs(cg)
        if not pids:
            return True
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if time.monotonic() > deadline:
            return False
        # v1 has no notification for an empty cgroup: wait on each pidfd
        for pid in pids:
            try:
                fd = os.pidfd_open(pid)
            except OSError:
                continue
            try:
                select.select([fd], [], [], 0.2)
            finally:
                os.close(fd)


def _wait_pidfd(proc, timeout):
    """Wait for proc to exit, at most timeout seconds; None on timeout.

    Popen.wait(timeout) polls with sleeps; a pidfd wakes us at the exit.
    """
    fd = os.pidfd_open(proc.pid)
    try:
        p = select.poll()
        p.register(fd, select.POLLIN)
        if not p.poll(timeout * 1000):
            return None
    finally:
        os.close(fd)
    return proc.wait()


_OWNER = (re.compile(r"^kisol-(?:.*-)?p(?P<pid>[1-9]\d*)$"),
          re.compile(r"^kisol-(?:.*-)?p(?P<pid>[1-9]\d*)-[A-Za-z0-9]+$"),
          re.compile(r"^kisol-bench-(?P<pid>[1-9]\d*)-\d+$"))  # benchmarks built before -p<pid>


def name_owner(name):
    """Owner pid in a kisol name, 0 if none (as kisol_name_owner() in lib/util.c).

    kisol-run-<id>-p<pid> and kisol-<id>-p<pid> (driver), kisol-p<pid>
    (case binary run alone), kisol-<prefix>-p<pid>-XXXXXX (scratch),
    kisol-bench-p<pid>-<n> (benchmark cgroups)."""
    for rx in _OWNER:
        m = rx.match(name)
        if m:
            return int(m.group("pid"))
    return 0


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def stale(name):
    """A kisol object whose owner is gone (a killed driver or case binary)?"""
    pid = name_owner(name)
    return pid > 0 and not pid_alive(pid)


def live_other(name):
    """A kisol object of another run that is still going on (not ours)."""
    pid = name_owner(name)
    return pid > 0 and pid != os.getpid() and pid_alive(pid)


def remove_stale_runs():
    """Remove the kisol cgroup directories, anywhere in every hierarchy,
    whose owner is gone: drivers and case binaries killed before they
    could clean up. Processes left in them are killed. Returns what was
    removed."""
    removed = []
    for key, mp in cgroup_mounts().items():
        for r, ds, _ in os.walk(mp):
            for d in list(ds):
                if d.startswith("kisol"):
                    ds.remove(d)
                    p = os.path.join(r, d)
                    if stale(d) and not remove_tree(p, key == "v2"):
                        removed.append(p)
    return sorted(set(removed))


def _kill_session(pgid):
    """SIGKILL the process group a case ran in (the ordinary user's sandbox)."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


class Sandbox:
    """One per driver process (xdist worker): a reusable leaf cgroup."""

    def __init__(self, run_id, name):
        self.run_id = run_id
        self.name = name
        self.generation = 0
        self.v2_base = None
        if os.geteuid() != 0:
            self.v2, self.run_dir, self.leaf = False, None, None
            return
        mounts, own = cgroup_mounts(), own_cgroups()
        if "v2" in mounts and "v2" in own:
            self.v2 = True
            key = "v2"
        else:
            self.v2 = False
            key = next((k for k in ("v1:pids", "v1:freezer", "v1:cpu") if k in mounts and k in own), None)
            if key is None:
                raise SandboxError("no cgroup hierarchy to run cases in (need cgroup2, or v1 pids/freezer)")
        self.run_dir = os.path.join(mounts[key], own[key].lstrip("/"), f"kisol-run-{run_id}")
        self.leaf = self._new_leaf()
        if self.v2:
            self.v2_base = os.path.join(self.run_dir, "cg")
            os.makedirs(self.v2_base, exist_ok=True)

    def _new_leaf(self):
        leaf = os.path.join(self.run_dir, "sandbox", f"{self.name}-{self.generation}")
        os.makedirs(leaf, exist_ok=True)
        return leaf

    def _reset(self):
        """After a case left processes behind: kill them and start a fresh
        leaf, so no later case runs in a cgroup that saw cgroup.kill."""
        if self.leaf is None or not _procs(self.leaf):
            return
        if not kill_cgroup(self.leaf, self.v2):
            raise SandboxError(f"cannot empty sandbox cgroup {self.leaf}")
        os.rmdir(self.leaf)
        self.generation += 1
        self.leaf = self._new_leaf()

    def _preexec(self):
        # In the child between fork and exec: join the leaf, then a mount
        # namespace of its own whose mounts never propagate back.
        with open(os.path.join(self.leaf, "cgroup.procs"), "w") as f:
            f.write("0")
        if _libc.unshare(CLONE_NEWNS) != 0:
            raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNS)")
        if _libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None) != 0:
            raise OSError(ctypes.get_errno(), "mount(/, MS_REC|MS_PRIVATE)")
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)

    def run(self, argv, env, timeout):
        """Run argv in the sandbox. Returns (returncode or None on timeout, output, seconds).

        Output goes to an unlinked temporary file, not a pipe: a process the
        case left behind may hold it open, and must not keep us waiting.
        """
        start = time.monotonic()
        with tempfile.TemporaryFile() as out:
            if self.leaf is None:
                proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out,
                                        stderr=subprocess.STDOUT, env=env, close_fds=True,
                                        start_new_session=True)
            elif os.access(LAUNCHER, os.X_OK):
                proc = subprocess.Popen([LAUNCHER, os.path.join(self.leaf, "cgroup.procs")] + argv,
                                        stdin=subprocess.DEVNULL, stdout=out,
                                        stderr=subprocess.STDOUT, env=env, close_fds=True)
            else:
                proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out,
                                        stderr=subprocess.STDOUT, env=env,
                                        preexec_fn=self._preexec, close_fds=True)
            rc = _wait_pidfd(proc, timeout)
            elapsed = time.monotonic() - start
            # Whatever the case left running (daemons, pid-ns inits) dies here.
            if self.leaf is None:
                _kill_session(proc.pid)
            self._reset()
            if rc is None:
                proc.wait()
            out.seek(0)
            text = out.read().decode("utf-8", "replace")
        return rc, text, elapsed

    def close(self):
        if self.leaf is None:
            return
        kill_cgroup(self.leaf, self.v2)
        try:
            os.rmdir(self.leaf)
        except OSError as e:
            if e.errno != errno.ENOENT:
                raise
