# SPDX-License-Identifier: GPL-2.0-only
"""Every case of an audited area says which sides of its property it
asserts (README: a PASS means the property was seen from inside and
outside): sides=both, or sides=one: <why one side suffices>. The metadata
of every listed test parses cleanly (a stray ';' in a reason would split
it into a key without a value)."""
import os

import pytest

from kisol import caselist

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# an area (every binary in it) or area/binary
AUDITED = ["cgroup_devbpf", "cgroupns", "clone3", "devpts", "ipcns", "mntns",
           "mount/fsconfig_legacy", "mount/move_mount", "mount/newapi", "mount/setattr_tree",
           "mount/statmount", "netns", "nsfs/nsfs", "overlay/layers", "overlay/ops",
           "overlay/perm", "overlay/semantics", "pidfd", "pidns", "pivot_root", "procfs",
           "setns", "timens", "userns", "utsns/isolation"]


def binaries(entry):
    d = os.path.join(TOP, "cases", entry)
    if os.path.isfile(d):
        return [d] if os.access(d, os.X_OK) else []
    return sorted(os.path.join(d, f) for f in os.listdir(d)
                  if os.access(os.path.join(d, f), os.X_OK) and not f.endswith(".py")
                  and os.path.isfile(os.path.join(d, f)))


@pytest.mark.parametrize("entry", AUDITED)
def test_every_case_declares_its_sides(entry):
    bins = binaries(entry)
    if not bins:
        pytest.skip(f"cases/{entry} not built")
    missing, stray = [], []
    for b in bins:
        for t in caselist.list_binary(b):
            where = f"{os.path.basename(b)}::{t.name}"
            if caselist.sides_of(t.meta) is None:
                missing.append(where)
            stray += [f"{where}: '{k}'" for k, v in t.meta.items() if v is True]
    assert not missing, "no sides=both / sides=one: <why>:\n" + "\n".join(missing)
    assert not stray, "metadata keys without a value (a ';' inside a reason?):\n" + "\n".join(stray)
