# SPDX-License-Identifier: GPL-2.0-only
"""The suite run by an ordinary user gives no wrong FAIL.

Case binaries of the areas where root was most often assumed run as uid
65534 (setpriv, as an operator checking a host for rootless containers
would): every verdict is pass or skip, the variants that make their own
user namespace really run and pass (the rootless view), and what needs
root skips saying so. Run as root, the same binaries are the ones `make
check` runs; this test only changes who runs them.
"""
import os
import shutil
import subprocess

import pytest

from kisol import ktap

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]

# binary -> tests that must PASS as uid 65534 (each in a user namespace of its own)
BINARIES = {
    "utsns/isolation": ["uts_iso.hostname_userns.set_inside_invisible_outside",
                        "uts_iso.domainname_unpriv.length_limits",
                        # joins from outside, as root of a user namespace of its own
                        "uts_iso.hostname_root.setns_into_other_uts_ns"],
    "ipcns/sysv": ["sysv.msg_userns.same_key_independent_objects",
                   "sysv.shm_userns.setns_switches_view"],
    "ipcns/mqueue": ["mq.userns.queue_names_and_messages_isolated"],
    "userns/maps": ["maps.uid_unpriv_own_id.write_and_read_back",
                    "maps.gid_unpriv_without_deny.write_and_read_back"],
    "userns/caps": ["no_outside_caps.sethostname_unpriv.refused"],
    "userns/nested": ["depth.unpriv.limit_is_parent_level_32",
                      "ns_limit.net.enforced_in_child_userns_only"],
    "userns/join": ["join.unpriv_owned.owner_may_join_and_is_root_inside"],
    "nsfs/nsfs": ["nsfs.net_unpriv.owning_userns",
                  # joins the orphan through the child's user namespace, as its owner
                  "nsfs.uts_unpriv.lifetime_by_fd"],
    "clone3/errors": ["bad.unpriv_clone3_user_net.errno_and_namespaces",
                      "bad.unpriv_unshare_uts.errno_and_namespaces"],
    "clone3/flags": ["flags.rootless_unpriv_clone3.exactly_the_requested_namespaces_are_new"],
    "setns/setns": ["global.pidfd_all_or_nothing", "join.mnt.by_ns_fd",
                    # the refused joiner: another uid of a nested user namespace
                    "join.user.unprivileged_refused"],
    # mounts in a mount namespace of its own user namespace; the locked flags
    # seen by another uid of a nested one
    "mount/legacy": ["lm.bind_directory", "prop.shared.mount_under_source",
                     "locked.rdonly_remount.cannot_clear_in_user_namespace"],
    # root's variants as root of a user namespace of its own; the unprivileged
    # child is another uid of a nested one
    "netns/links": ["fresh.clone.only_lo_and_down", "fresh.unprivileged.only_lo_and_down",
                    "life.bind_mount.namespace_lives_while_held",
                    "global.sysfs_class_net_is_the_mounters_ns"],
    # libkisol's mount and overlay helpers in a mount namespace of its own
    # (overlay with userxattr; proc of a pid namespace of its own)
    "lib_mount/mount": ["lm.make_root_and_enter_root", "lm.isolate_hides_mounts"],
    "lib_mount/overlay": ["lo.markers", "lo.model_check_catches_planted_differences"],
    # proc instances of a pid namespace of its own, the test as its pid 1;
    # hidden from the nested user with no capability
    "procfs/instances": ["proc2.hidepid_invisible.other_users_processes",
                         "proc2.hidepid_invisible_gid_exempt_fsconfig.other_users_processes",
                         "subset.mount.pid_hides_the_rest"],
    "lib_ns/userns": ["global.need_as_ordinary_user", "maps.map_root_seen_inside"],
    "lib_ns/proc": ["global.spawn_unpriv_maps_itself", "global.proc_nspids"],
    # every namespace type made, entered and asked by nsfs ioctls from its owner
    "lib_ns/ns": ["nstype.user.enter_child_ns_then_type_checked",
                  "nstype.pid.spawn_in_new_ns_differs_both_sides",
                  "nstype.mnt.owner_is_creator_userns", "global.snap_tells_new_from_unchanged"],
    "cgroup_regress/regress": ["global.cve_2022_0492_release_agent_mapped_nobody"],
}

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root to become uid 65534"),
    pytest.mark.skipif(not shutil.which("setpriv"), reason="setpriv (util-linux) not installed"),
]


def run_as_nobody(rel):
    binary = os.path.join(TOP, "cases", rel)
    if not os.access(binary, os.X_OK):
        pytest.skip(f"{binary} not built")
    env = {k: v for k, v in os.environ.items() if not k.startswith("KISOL_")}
    p = subprocess.run(NOBODY + [binary], capture_output=True, text=True, timeout=120, env=env,
                       cwd="/")
    return ktap.parse(p.stdout), p


@pytest.mark.parametrize("rel", sorted(BINARIES))
def test_no_fail_as_ordinary_user(rel):
    doc, p = run_as_nobody(rel)
    assert doc.complete, f"{rel}: incomplete KTAP (exit {p.returncode})\n{p.stdout[-2000:]}{p.stderr}"
    by_name = {r.name: r for r in doc.results}
    wrong = [f"{r.name}: {r.verdict}\n" + "\n".join(r.diagnostics[-6:])
             for r in doc.results if r.verdict not in ("pass", "skip")]
    assert not wrong, f"{rel} as uid 65534:\n" + "\n".join(wrong)
    for name in BINARIES[rel]:
        assert name in by_name, f"{rel}: no test {name}"
        assert by_name[name].verdict == "pass", f"{rel}: {name} {by_name[name].verdict}: {by_name[name].reason}"
    # what needs root says so, and never by a generic reason
    for r in doc.results:
        if r.verdict == "skip":
            assert r.reason and "unshare gives EPERM (not permitted" not in r.reason, (r.name, r.reason)
    assert p.returncode == 0, f"{rel}: exit {p.returncode}"


def test_driver_as_ordinary_user():
    """The pytest driver itself runs as an ordinary user (no cgroup, no mount
    namespace of its own: each case in a session of its own), and its host
    check still holds."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KISOL_", "PYTEST_"))}
    env["PYTHONPATH"] = os.path.join(TOP, "scripts")
    p = subprocess.run(NOBODY + ["/usr/bin/python3", "-m", "pytest", "-c", "scripts/pytest.ini",
                                 f"--rootdir={TOP}", "-p", "no:cacheprovider", "-n", "0",
                                 "cases/utsns"],
                       cwd=TOP, env=env, capture_output=True, text=True, timeout=300)
    tail = p.stdout[-3000:] + p.stderr[-2000:]
    assert p.returncode == 0, tail
    assert " passed" in p.stdout and " failed" not in p.stdout, tail
    assert "unchanged (mounts" in p.stdout, tail
