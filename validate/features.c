// SPDX-License-Identifier: GPL-2.0-only
/*
 * The feature table: one row per feature, in output order. Kernel options
 * of namespaces and controllers come from libkisol's own tables.
 */
#include <string.h>

#include "kisol/cgroup.h"
#include "kisol/ns.h"
#include "vl.h"

#define NS(n, what) { "ns." n, NULL, what, vl_probe_ns }
#define CG(n, what) { "cgroup." n, NULL, what, vl_probe_cg_ctrl }

const struct vl_feature vl_features[] = {
	NS("mnt", "mount namespace: a mount inside is invisible outside"),
	NS("uts", "UTS namespace: a hostname set inside is invisible outside"),
	NS("ipc", "IPC namespace: a SysV object made inside is invisible outside"),
	NS("user", "user namespace: root inside maps to this user outside"),
	NS("pid", "PID namespace: the first child is pid 1"),
	NS("net", "network namespace: only loopback inside"),
	NS("cgroup", "cgroup namespace: /proc/self/cgroup shows the root inside"),
	NS("time", "time namespace: CLOCK_MONOTONIC offset inside only"),
	{ "userns.unprivileged", "CONFIG_USER_NS", "an ordinary user creates a user namespace with capabilities inside",
	  vl_probe_userns_unpriv },
	{ "userns.nested", "CONFIG_USER_NS", "user namespaces nest three levels", vl_probe_userns_nested },
	{ "userns.maps", "CONFIG_USER_NS", "uid/gid maps: files made inside belong to the user outside",
	  vl_probe_userns_maps },
	{ "userns.setgroups", "CONFIG_USER_NS", "setgroups 'deny' is required and enforced", vl_probe_userns_setgroups },
	{ "userns.subid", NULL, "newuidmap/newgidmap and /etc/subuid, /etc/subgid ranges", vl_probe_userns_subid },
	{ "cgroup.layout", "CONFIG_CGROUPS", "cgroup v1, v2 or hybrid, and which controller where", vl_probe_cg_layout },
	{ "cgroup.unified", "CONFIG_CGROUPS", "cpu, memory and pids all on cgroup v2", vl_probe_cg_unified },
	CG("cpu", "cpu: a CPU quota throttles a busy task"),
	CG("cpuset", "cpuset: cpuset.cpus pins a task"),
	CG("memory", "memory: a memory limit holds"),
	CG("pids", "pids: pids.max=2 stops the third fork"),
	CG("io", "io (blkio): interface present, a task runs in the cgroup"),
	CG("hugetlb", "hugetlb: interface present, a task runs in the cgroup"),
	CG("devices", "devices: a deny rule refuses a device (v1 devices.deny, v2 a BPF program)"),
	{ "cgroup.delegation", "CONFIG_CGROUPS", "this user creates and populates cgroup v2 cgroups",
	  vl_probe_cg_delegation },
	{ "cgroup.clone_into", "CONFIG_CGROUPS", "clone3(CLONE_INTO_CGROUP) starts a child in a cgroup",
	  vl_probe_cg_clone_into },
	{ "cgroup.kill", "CONFIG_CGROUPS", "cgroup.kill SIGKILLs every task", vl_probe_cg_kill },
	{ "cgroup.freeze", "CONFIG_CGROUPS", "freezing stops the tasks, thawing resumes them", vl_probe_cg_freeze },
	{ "psi", "CONFIG_PSI", "pressure stall information in /proc/pressure", vl_probe_psi },
	{ "overlay.root", "CONFIG_OVERLAY_FS", "overlayfs on --storage as root: copy-up and whiteout",
	  vl_probe_overlay },
	{ "overlay.userns", "CONFIG_OVERLAY_FS", "overlayfs on --storage inside a user namespace", vl_probe_overlay },
	{ "overlay.redirect_dir", "CONFIG_OVERLAY_FS", "redirect_dir=on: renamed directories get a redirect",
	  vl_probe_overlay_opt },
	{ "overlay.index", "CONFIG_OVERLAY_FS", "index=on: hard-link copy-up is indexed", vl_probe_overlay_opt },
	{ "overlay.metacopy", "CONFIG_OVERLAY_FS", "metacopy=on: chmod copies up metadata only",
	  vl_probe_overlay_opt },
	{ "overlay.xino", "CONFIG_OVERLAY_FS", "xino=on: one st_dev for the merged view", vl_probe_overlay_opt },
	{ "overlay.lowerdir_plus", "CONFIG_OVERLAY_FS", "fsconfig lowerdir+ (6.8+)", vl_probe_overlay_opt },
	{ "mount.idmapped", NULL, "idmapped mounts of --storage", vl_probe_idmapped },
	{ "mount.new_api", NULL, "fsopen/fsmount/move_mount and mount_setattr", vl_probe_mount_api },
	{ "mount.pivot_root", NULL, "pivot_root into a fresh root", vl_probe_pivot_root },
	{ "proc.pidfd", NULL, "pidfd_open, poll and pidfd_send_signal", vl_probe_pidfd },
	{ "proc.setns_pidfd", NULL, "setns on a pidfd", vl_probe_setns_pidfd },
	{ "proc.no_new_privs", NULL, "PR_SET_NO_NEW_PRIVS", vl_probe_nnp },
	{ "seccomp.notify", "CONFIG_SECCOMP_FILTER", "seccomp filters with user notification",
	  vl_probe_seccomp },
	{ "net.veth_bridge", "CONFIG_VETH CONFIG_BRIDGE", "veth pair between netns, bridge inside one",
	  vl_probe_net },
};
const size_t vl_nfeatures = KISOL_ARRAY_SIZE(vl_features);

const char *vl_feature_kconfig(const struct vl_feature *f)
{
	int t;

	if (!strncmp(f->id, "ns.", 3) && (t = kisol_ns_from_name(f->id + 3)) >= 0)
		return kisol_ns_table[t].kconfig ? kisol_ns_table[t].kconfig
						 : (t == KISOL_NS_CGROUP ? "CONFIG_CGROUPS" : NULL);
	if (f->probe == vl_probe_cg_ctrl && (t = kisol_cg_ctrl_from_name(f->id + 7)) >= 0)
		return kisol_cg_table[t].kconfig;
	return f->kconfig;
}

const struct vl_row *vl_row(const struct vl_ctx *ctx, const char *id)
{
	for (size_t i = 0; i < ctx->nrows; i++)
		if (!strcmp(ctx->rows[i].f->id, id))
			return &ctx->rows[i];
	return NULL;
}

bool vl_row_ok(const struct vl_ctx *ctx, const char *id)
{
	const struct vl_row *r = vl_row(ctx, id);

	return r && r->works == VL_YES;
}

/* cgroup.unified: derived from the layout, after the controller rows. */
void vl_probe_cg_unified(struct vl_ctx *ctx, struct vl_row *row)
{
	static const enum kisol_cg_ctrl need[] = { KISOL_CG_CPU, KISOL_CG_MEMORY, KISOL_CG_PIDS };
	const struct kisol_cg_hier *h;

	for (size_t i = 0; i < KISOL_ARRAY_SIZE(need); i++)
		if (kisol_cg_locate(need[i], KISOL_CG_ANY, &h) < 0 || h->version != 2)
			return vl_set(row, VL_YES, VL_NO, "%s is on cgroup v1: the v1 path is deprecated by "
				      "Kubernetes (maintenance mode since 1.31; fix: boot with "
				      "systemd.unified_cgroup_hierarchy=1)", kisol_cg_table[need[i]].name);
	vl_set(row, VL_YES, VL_YES, "cpu, memory and pids are on cgroup v2 (%s)", h->mnt);
}
