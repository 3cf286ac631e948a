// SPDX-License-Identifier: GPL-2.0-only
/*
 * Profiles: which rows a workload needs. A blocking row that does not
 * work makes the profile not-ready, an optional one degraded. A kernel
 * exposed to a CVE kisol checks is blocking for every profile.
 */
#include <stdio.h>
#include <string.h>

#include "vl.h"

#define B(id, fix) { id, true, fix }
#define O(id, fix) { id, false, fix }
#define END { NULL, false, NULL }

#define NS_CORE(extra)                                                             \
	B("ns.mnt", "kernel with mount namespaces" extra),                         \
	B("ns.uts", "CONFIG_UTS_NS" extra), B("ns.ipc", "CONFIG_IPC_NS" extra),    \
	B("ns.pid", "CONFIG_PID_NS" extra), B("ns.net", "CONFIG_NET_NS" extra)

static const struct vl_profile_need docker[] = {
	NS_CORE(""),
	B("cgroup.memory", "CONFIG_MEMCG, memory controller mounted (cgroup_enable=memory)"),
	B("cgroup.pids", "CONFIG_CGROUP_PIDS"),
	B("cgroup.cpu", "CONFIG_CGROUP_SCHED with CONFIG_CFS_BANDWIDTH"),
	B("mount.pivot_root", "a root filesystem that allows pivot_root (not initramfs rootfs)"),
	B("net.veth_bridge", "CONFIG_VETH and CONFIG_BRIDGE (default bridge network)"),
	B("proc.no_new_privs", "kernel 3.5+"),
	O("overlay.root", "overlayfs on the storage (CONFIG_OVERLAY_FS; not on NFS/overlay)"),
	O("ns.user", "CONFIG_USER_NS (userns-remap)"),
	O("ns.cgroup", "CONFIG_CGROUPS with cgroup namespaces"),
	O("cgroup.cpuset", "CONFIG_CPUSETS"),
	O("cgroup.io", "CONFIG_BLK_CGROUP"),
	O("cgroup.devices", "CONFIG_CGROUP_DEVICE (v1) or CONFIG_CGROUP_BPF (v2)"),
	O("cgroup.freeze", "CONFIG_CGROUP_FREEZER or cgroup v2 (docker pause)"),
	O("seccomp.notify", "CONFIG_SECCOMP_FILTER (default seccomp profile)"),
	END,
};

static const struct vl_profile_need rootless[] = {
	B("userns.unprivileged", "allow unprivileged user namespaces (see the row's policy)"),
	B("userns.maps", "CONFIG_USER_NS"),
	B("userns.setgroups", "CONFIG_USER_NS"),
	NS_CORE(" (inside a user namespace)"),
	B("mount.pivot_root", "pivot_root inside a user namespace"),
	O("userns.subid", "uidmap package and /etc/subuid, /etc/subgid ranges for the user"),
	O("overlay.userns", "kernel 5.11+ overlayfs in user namespaces (else fuse-overlayfs/vfs)"),
	O("cgroup.delegation", "cgroup v2 delegated to the user (systemd Delegate=yes)"),
	O("userns.nested", "user.max_user_namespaces large enough"),
	O("ns.cgroup", "cgroup namespaces"),
	O("proc.pidfd", "kernel 5.3+"),
	O("seccomp.notify", "CONFIG_SECCOMP_FILTER"),
	END,
};

static const struct vl_profile_need kubernetes[] = {
	NS_CORE(""),
	B("cgroup.cpu", "CONFIG_CGROUP_SCHED with CONFIG_CFS_BANDWIDTH"),
	B("cgroup.memory", "CONFIG_MEMCG, memory controller enabled"),
	B("cgroup.pids", "CONFIG_CGROUP_PIDS"),
	B("mount.pivot_root", "pivot_root"),
	B("net.veth_bridge", "CONFIG_VETH and CONFIG_BRIDGE (CNI)"),
	O("cgroup.unified", "cgroup v2 (systemd.unified_cgroup_hierarchy=1)"),
	O("cgroup.cpuset", "CONFIG_CPUSETS (CPU manager)"),
	O("cgroup.hugetlb", "CONFIG_CGROUP_HUGETLB"),
	O("cgroup.io", "CONFIG_BLK_CGROUP"),
	O("cgroup.freeze", "cgroup v2 freezer"),
	O("psi", "CONFIG_PSI and psi=1 (kubelet PSI metrics)"),
	O("overlay.root", "overlayfs on the storage (containerd overlayfs snapshotter)"),
	O("ns.user", "CONFIG_USER_NS (pods with hostUsers: false)"),
	O("mount.idmapped", "idmapped mounts of the storage (pods with hostUsers: false)"),
	O("ns.cgroup", "cgroup namespaces"),
	END,
};

static const struct vl_profile_need lxc[] = {
	B("userns.unprivileged", "allow unprivileged user namespaces (see the row's policy)"),
	B("userns.subid", "uidmap package and /etc/subuid, /etc/subgid ranges for the user"),
	B("userns.maps", "CONFIG_USER_NS"),
	NS_CORE(" (inside a user namespace)"),
	B("ns.cgroup", "cgroup namespaces"),
	B("mount.pivot_root", "pivot_root inside a user namespace"),
	O("cgroup.delegation", "cgroup v2 delegated to the user (systemd Delegate=yes)"),
	O("net.veth_bridge", "CONFIG_VETH and CONFIG_BRIDGE (lxc-user-nic)"),
	O("seccomp.notify", "CONFIG_SECCOMP_FILTER"),
	O("proc.pidfd", "kernel 5.3+"),
	O("mount.new_api", "kernel 5.2+ new mount API"),
	END,
};

const struct vl_profile vl_profiles[] = {
	{ "docker", "rootful Docker (dockerd as root)", true, docker },
	{ "rootless", "rootless Podman/Docker for the invoking user", false, rootless },
	{ "kubernetes", "a kubelet node with containerd/CRI-O", true, kubernetes },
	{ "lxc-unprivileged", "unprivileged LXC containers for the invoking user", false, lxc },
	{ NULL, NULL, false, NULL },
};

const struct vl_profile *vl_profile_find(const char *name)
{
	for (const struct vl_profile *p = vl_profiles; p->name; p++)
		if (!strcmp(p->name, name))
			return p;
	return NULL;
}

const char *vl_verdict_name(enum vl_verdict v)
{
	return v == VL_READY ? "ready" : v == VL_DEGRADED ? "degraded" : "not-ready";
}

static void add(struct vl_issue *list, int *n, const char *feature, const char *why, const char *fix)
{
	if (*n >= 48)
		return;
	list[*n].feature = feature;
	snprintf(list[*n].why, sizeof(list[*n].why), "%s", why);
	list[*n].fix = fix;
	(*n)++;
}

void vl_profile_eval(const struct vl_ctx *ctx, const struct vl_profile *p, const struct vl_sec *sec,
		     size_t nsec, struct vl_result *res)
{
	bool as_user = p->needs_root && !ctx->pol.root;

	memset(res, 0, sizeof(*res));
	res->p = p;
	if (as_user)
		add(res->blocking, &res->nblocking, "root",
		    "this profile runs as root; this check ran as an ordinary user",
		    "run kisol-validate as root (or check the rootless profile)");
	/* rows answered for an ordinary user say nothing about a root workload */
	for (const struct vl_profile_need *n = p->needs; n->feature && !as_user; n++) {
		const struct vl_row *r = vl_row(ctx, n->feature);
		const char *fix;

		if (!r || r->works == VL_YES)
			continue;
		/* a detail that names its own fix (policy, delegation) beats the generic one */
		fix = strstr(r->detail, "fix:") ? NULL : n->fix;
		if (n->blocking)
			add(res->blocking, &res->nblocking, n->feature, r->detail, fix);
		else
			add(res->missing, &res->nmissing, n->feature, r->detail, fix);
	}
	for (size_t i = 0; i < nsec; i++)
		if (sec[i].state == VL_SEC_EXPOSED) {
			char why[VL_DETAIL];

			snprintf(why, sizeof(why), "%s failed (fixed upstream by %s)", sec[i].test,
				 sec[i].commit[0] ? sec[i].commit : "?");
			add(res->blocking, &res->nblocking, sec[i].cve, why,
			    "update the kernel to one with the fixing commit");
		}
	res->verdict = res->nblocking ? VL_NOT_READY : res->nmissing ? VL_DEGRADED : VL_READY;
}
