# SPDX-License-Identifier: GPL-2.0-only
"""Every isolation case says which sides of its property it asserts
(README: a PASS means the property was seen from inside and outside):
sides=both, or sides=one: <why one side suffices> (sides=none: <why> for a
test of kisol itself that checks no isolation property). The metadata
of every listed test parses cleanly (a stray ';' in a reason would split
it into a key without a value)."""
import fnmatch
import os

import pytest

from kisol import caselist

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Every area is an isolation area and every case in it declares its sides,
# except the cgroup resource-control areas and the tests of libkisol itself
# (cases/lib_*), which check limits and library calls, not an isolation
# property. Of those, the entries below declare theirs anyway (area,
# area/binary, or area/binary::test-glob).
EXEMPT_PREFIXES = ("cgroup_", "lib_")
ALSO = ["cgroup_devbpf", "lib_harness", "cgroup_core/freeze_edge", "cgroup_cpuset/partition",
        "cgroup_memory/memcg",
        "cgroup_core/structure::into.*survives_*_cgroup_kill_seq", "cgroup_core/structure::into.*clone_from_fresh_cgroup"]


def audited():
    areas = sorted(a for a in os.listdir(os.path.join(TOP, "cases"))
                   if os.path.isdir(os.path.join(TOP, "cases", a)) and not a.startswith(EXEMPT_PREFIXES))
    return areas + ALSO


def binaries(entry):
    d = os.path.join(TOP, "cases", entry)
    if os.path.isfile(d):
        return [d] if os.access(d, os.X_OK) else []
    if not os.path.isdir(d):
        return []
    return sorted(os.path.join(d, f) for f in os.listdir(d)
                  if os.access(os.path.join(d, f), os.X_OK) and not f.endswith(".py")
                  and os.path.isfile(os.path.join(d, f)))


def test_the_audit_covers_new_areas():
    """An area added later is audited unless it is a cgroup or lib_ area."""
    assert {"utsns", "mount", "overlay", "nsfs", "pidfd", "procfs"} <= set(audited())
    assert not {"cgroup_memory", "lib_ns"} & set(audited())


@pytest.mark.parametrize("entry", audited())
def test_every_case_declares_its_sides(entry):
    entry, _, pattern = entry.partition("::")
    bins = binaries(entry)
    if not bins:
        pytest.skip(f"cases/{entry} not built")
    missing, stray, seen = [], [], 0
    for b in bins:
        for t in caselist.list_binary(b):
            if pattern and not fnmatch.fnmatchcase(t.name, pattern):
                continue
            seen += 1
            where = f"{os.path.basename(b)}::{t.name}"
            if caselist.sides_of(t.meta) is None:
                missing.append(where)
            stray += [f"{where}: '{k}'" for k, v in t.meta.items() if v is True]
    assert seen, f"no test of cases/{entry} matches {pattern}"
    assert not missing, "no sides=both / sides=one: <why> / sides=none: <why>:\n" + "\n".join(missing)
    assert not stray, "metadata keys without a value (a ';' inside a reason?):\n" + "\n".join(stray)
