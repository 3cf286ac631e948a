# SPDX-License-Identifier: GPL-2.0-only
"""Snapshot the host state a case could touch, and diff two snapshots.

The driver takes one snapshot before the session and one after; any
difference fails the run. Values that change on their own (counters,
random numbers, pid allocation) are left out.
"""
import os
import shutil
import socket
import subprocess

from kisol import sandbox

# /proc/sys entries that change without anyone writing them.
VOLATILE_SYSCTLS = {
    "fs/dentry-state", "fs/file-nr", "fs/inode-nr", "fs/inode-state", "fs/quota",
    "kernel/ns_last_pid", "kernel/random/boot_id", "kernel/random/entropy_avail",
    "kernel/random/uuid", "kernel/pty/nr", "kernel/tainted", "fs/binfmt_misc",
    "kernel/random/urandom_min_reseed_secs", "net/netfilter/nf_conntrack_count",
    "kernel/perf_event_max_sample_rate", "vm/stat_refresh", "fs/aio-nr",
    "fs/fanotify", "fs/inotify", "fs/epoll", "kernel/usermodehelper", "fs/nr_open_count",
    "user/max_inotify_instances_count", "kernel/sched_domain", "dev/cdrom",
    "net/ipv4/tcp_fastopen_key", "net/ipv4/route/flush", "net/ipv6/route/flush",
    "net/ipv4/neigh", "net/ipv6/neigh", "net/ipv6/conf", "net/ipv4/conf",
    "kernel/keys/persistent_keyring_expiry",
}
# Only these per-interface entries are compared (conf/all and conf/default).
CONF_DIRS = ("net/ipv4/conf/all", "net/ipv4/conf/default", "net/ipv6/conf/all",
             "net/ipv6/conf/default")


def _read(path):
    try:
        with open(path, "rb") as f:
            return f.read(65536).decode("utf-8", "replace").strip()
    except OSError:
        return None


def _sysctls(root="/proc/sys"):
    out = []

    def walk(rel):
        full = os.path.join(root, rel)
        try:
            names = sorted(os.listdir(full))
        except OSError:
            return
        for n in names:
            r = f"{rel}/{n}" if rel else n
            if r in VOLATILE_SYSCTLS:
                continue
            p = os.path.join(root, r)
            if os.path.isdir(p):
                walk(r)
            else:
                st = os.stat(p)
                if not st.st_mode & 0o444:
                    continue
                v = _read(p)
                if v is not None:
                    out.append(f"{r} = {v}")

    walk("")
    for d in CONF_DIRS:
        walk(d)
    return out


def _mounts():
    """Root mount namespace as the driver sees it, without ids."""
    out = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            pre, _, post = line.partition(" - ")
            fields = pre.split()
            # root, mount point, mount options, optional fields | fstype source super-options
            out.append(" ".join(fields[3:6] + [f for f in fields[6:] if not f.startswith("shared:")
                                               and not f.startswith("master:")]) + " - " + post.strip())
    return sorted(out)


def _cgroup_dirs():
    """kisol-named cgroups anywhere, and subtree_control of our own cgroups.

    Other cgroups on the host come and go with other workloads; only
    ours are compared. Each run's own kisol-run-<id> tree is checked and
    removed by the driver itself.
    """
    out = []
    mounts, own = sandbox.cgroup_mounts(), sandbox.own_cgroups()
    for key, mp in mounts.items():
        for r, ds, _ in os.walk(mp):
            for d in list(ds):
                if d.startswith("kisol"):
                    ds.remove(d)
                    if not d.startswith("kisol-run-") and not sandbox.live_other(d):
                        out.append(os.path.join(r, d))
        if key in own:
            path = os.path.join(mp, own[key].lstrip("/"))
            sc = _read(os.path.join(path, "cgroup.subtree_control"))
            if sc is not None:
                out.append(f"{path} subtree_control={sc}")
    return sorted(set(out))


def _lines(path, skip_header=True, cols=None):
    try:
        with open(path) as f:
            lines = f.read().splitlines()
    except OSError:
        return []
    if skip_header:
        lines = lines[1:]
    out = []
    for l in lines:
        parts = l.split()
        out.append(" ".join(parts[i] for i in cols if i < len(parts)) if cols else l)
    return sorted(out)


def _listdir(path):
    try:
        return sorted(os.listdir(path))
    except OSError:
        return []


SCRATCH_BASES = ("/tmp", "/var/tmp", "/dev/shm")


def _mounts_below(path):
    pre = path.rstrip("/") + "/"
    return sorted((mp for mp, _, _ in sandbox._mounts() if mp == path or mp.startswith(pre)),
                  key=len, reverse=True)


def remove_stale_scratch():
    """Scratch directories whose owner is gone (killed drivers and case
    binaries): mounts below them are detached first, and a directory with a
    mount that cannot be detached is left alone (never delete through it)."""
    removed = []
    for base in SCRATCH_BASES:
        for n in _listdir(base):
            p = f"{base}/{n}"
            if not n.startswith("kisol-") or not sandbox.stale(n) or not os.path.isdir(p):
                continue
            for mp in _mounts_below(p):
                subprocess.run(["umount", "-l", mp], stderr=subprocess.DEVNULL, check=False)
            if _mounts_below(p):
                continue
            shutil.rmtree(p, ignore_errors=True)
            if not os.path.exists(p):  # an ordinary user cannot remove root's
                removed.append(p)
    return removed


def _scratch():
    out = []
    for base in SCRATCH_BASES:
        out += [f"{base}/{n}" for n in _listdir(base)
                if n.startswith("kisol") and not sandbox.live_other(n)]
    return sorted(out)


def snapshot():
    """Everything the leak check compares, as {category: [lines]}."""
    return {
        "hostname": [socket.gethostname(), _read("/proc/sys/kernel/domainname") or ""],
        "mounts": _mounts(),
        "cgroups": _cgroup_dirs(),
        "links": _listdir("/sys/class/net"),
        "netns": _listdir("/run/netns") + _listdir("/var/run/netns"),
        # key, id, owner: the first columns of /proc/sysvipc/* (counters left out)
        "sysv_shm": _lines("/proc/sysvipc/shm", cols=(0, 1, 3)),
        "sysv_msg": _lines("/proc/sysvipc/msg", cols=(0, 1, 2)),
        "sysv_sem": _lines("/proc/sysvipc/sem", cols=(0, 1, 2)),
        "mqueue": _listdir("/dev/mqueue"),
        "sysctl": _sysctls(),
        "scratch": _scratch(),
    }


def diff(before, after):
    """Human-readable lines for every difference; empty when equal."""
    out = []
    for cat in sorted(set(before) | set(after)):
        b, a = set(before.get(cat, [])), set(after.get(cat, []))
        for x in sorted(a - b):
            out.append(f"{cat}: + {x}")
        for x in sorted(b - a):
            out.append(f"{cat}: - {x}")
    return out
