// SPDX-License-Identifier: GPL-2.0-only
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sched.h>
#include <linux/capability.h>

#include "cgroup-internal.h"
#include "kisol/mount.h"
#include "kisol/need.h"
#include "kisol/userns.h"
#include "kisol/util.h"

static int unmet(char *why, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (why && size) {
		va_start(ap, fmt);
		vsnprintf(why, size, fmt, ap);
		va_end(ap);
	}
	return 1;
}

/* The caller's effective uid, for reasons ("running as uid 65534"). */
static unsigned euid(void)
{
	return (unsigned)geteuid();
}

static int ns_unmet(const struct kisol_ns_info *i, const char *how, int r, char *why, size_t size)
{
	switch (r) {
	case -EINVAL:
		return unmet(why, size, "%s namespace: %s gives EINVAL (kernel built without %s)",
			     i->name, how, i->kconfig ? i->kconfig : "it");
	case -EPERM:
		if (!kisol_is_root())
			return unmet(why, size, "%s namespace: %s gives EPERM: needs CAP_SYS_ADMIN in the "
				     "initial user namespace (running as uid %u)", i->name, how, euid());
		return unmet(why, size, "%s namespace: %s gives EPERM (not permitted to create it here)",
			     i->name, how);
	case -EACCES:
		return unmet(why, size, "%s namespace: %s gives EACCES (refused by an LSM)", i->name, how);
	case -ENOSPC:
		return unmet(why, size, "%s namespace: %s gives ENOSPC (max_%s_namespaces or "
			     "max_user_namespaces limit reached)", i->name, how, i->name);
	case -EUSERS:
		return unmet(why, size, "%s namespace: %s gives EUSERS (nesting limit)", i->name, how);
	case -EPROTO:
		unmet(why, size, "%s namespace: %s succeeded but the child is still in the caller's "
		      "namespace: the kernel ignored the flag", i->name, how);
		return KISOL_NEED_BROKEN;
	default:
		return unmet(why, size, "%s namespace: %s gives %s", i->name, how, strerror(-r));
	}
}

int kisol_need_ns(enum kisol_ns type, char *why, size_t size)
{
	int r;

	if (type < 0 || type >= _KISOL_NS_MAX)
		return -EINVAL;
	r = kisol_ns_probe(type);
	return r == 0 ? 0 : ns_unmet(&kisol_ns_table[type], "unshare", r, why, size);
}

int kisol_need_ns_in_userns(enum kisol_ns type, char *why, size_t size)
{
	const struct kisol_ns_info *i;
	int r;

	if (type < 0 || type >= _KISOL_NS_MAX)
		return -EINVAL;
	i = &kisol_ns_table[type];
	r = kisol_ns_probe_flags(CLONE_NEWUSER | i->flag);
	if (r == 0)
		return 0;
	return ns_unmet(i, type == KISOL_NS_USER ? "unshare(CLONE_NEWUSER)" : "unshare(CLONE_NEWUSER|type)",
			r, why, size);
}

int kisol_need_root(char *why, size_t size)
{
	return kisol_need_root_to(NULL, why, size);
}

int kisol_need_root_to(const char *what, char *why, size_t size)
{
	unsigned inside, outside, count;
	char map[128];

	if (kisol_is_root())
		return 0;
	/* rootless: root of a user namespace of its own; name the uid it is outside */
	if (euid() == 0 && kisol_read_file("/proc/self/uid_map", map, sizeof(map)) >= 0 &&
	    sscanf(map, "%u %u %u", &inside, &outside, &count) == 3 && inside == 0)
		return unmet(why, size, "needs root in the initial user namespace%s%s (running as "
			     "root of a user namespace of its own, uid %u outside)",
			     what ? " to " : "", what ? what : "", outside);
	return unmet(why, size, "needs root in the initial user namespace%s%s (running as uid %u)",
		     what ? " to " : "", what ? what : "", euid());
}

int kisol_need_cap(int cap, char *why, size_t size)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2] = { 0 };

	if (cap < 0 || cap > CAP_LAST_CAP)
		return -EINVAL;
	if (syscall(SYS_capget, &h, d) < 0)
		return unmet(why, size, "capget failed: %s", strerror(errno));
	if (d[cap / 32].effective & (1U << (cap % 32)))
		return 0;
	return unmet(why, size, "needs capability %d in the effective set", cap);
}

int kisol_need_userns_unpriv(int type, char *why, size_t size)
{
	uint64_t flags = CLONE_NEWUSER;
	int64_t v;
	int status;
	pid_t pid;

	if (type != -1) {
		if (type < 0 || type >= _KISOL_NS_MAX)
			return -EINVAL;
		flags |= kisol_ns_table[type].flag;
	}
	if (kisol_read_int64("/proc/sys/user/max_user_namespaces", &v) == 0 && v == 0)
		return unmet(why, size, "user.max_user_namespaces is 0: no user namespaces can be created");
	if (kisol_read_int64("/proc/sys/kernel/unprivileged_userns_clone", &v) == 0 && v == 0)
		return unmet(why, size, "kernel.unprivileged_userns_clone is 0: unprivileged user namespaces disabled");
	pid = fork();
	if (pid < 0)
		return kisol_negerrno();
	if (pid == 0) {
		if (kisol_become_unpriv() < 0)
			_exit(200);
		_exit(-kisol_ns_unshare(flags));
	}
	if (waitpid(pid, &status, 0) < 0)
		return kisol_negerrno();
	if (!WIFEXITED(status))
		return unmet(why, size, "unprivileged userns probe child died (signal %d)", WTERMSIG(status));
	switch (WEXITSTATUS(status)) {
	case 0:
		return 0;
	case 200:
		return unmet(why, size, "cannot become an ordinary user (uid %u) for the unprivileged probe",
			     (unsigned)kisol_unpriv_uid());
	case EPERM:
	case EACCES:
		return unmet(why, size, "unprivileged unshare(CLONE_NEWUSER%s%s) refused with %s (LSM or sysctl policy)",
			     type == -1 ? "" : "|", type == -1 ? "" : kisol_ns_table[type].name,
			     strerror(WEXITSTATUS(status)));
	case ENOSPC:
		return unmet(why, size, "unprivileged unshare gives ENOSPC (user namespace limit reached)");
	case EPROTO:
		unmet(why, size, "unprivileged unshare(CLONE_NEWUSER%s%s) succeeded but a namespace "
		      "is still the caller's: the kernel ignored the flag",
		      type == -1 ? "" : "|", type == -1 ? "" : kisol_ns_table[type].name);
		return KISOL_NEED_BROKEN;
	default:
		return unmet(why, size, "unprivileged unshare(CLONE_NEWUSER) gives %s",
			     strerror(WEXITSTATUS(status)));
	}
}

int kisol_need_clone3(char *why, size_t size)
{
	/* A NULL, zero-sized argument is EINVAL when clone3 exists. */
	if (syscall(SYS_clone3, NULL, 0) < 0 && errno == ENOSYS)
		return unmet(why, size, "clone3 gives ENOSYS (kernel older than 5.3 or filtered)");
	return 0;
}

int kisol_need_pidfd(char *why, size_t size)
{
	long fd = syscall(SYS_pidfd_open, getpid(), 0);

	if (fd < 0)
		return unmet(why, size, "pidfd_open gives %s (kernel older than 5.3 or filtered)",
			     strerror(errno));
	close((int)fd);
	return 0;
}

int kisol_need_mount_api(char *why, size_t size)
{
	if (kisol_mnt_new_api_probe() == -ENOSYS)
		return unmet(why, size, "new mount API: fsopen/fsmount/move_mount give ENOSYS (5.2+)");
	return 0;
}

int kisol_need_mnt_setattr(char *why, size_t size)
{
	if (kisol_mnt_setattr_probe() == -ENOSYS)
		return unmet(why, size, "mount_setattr gives ENOSYS (5.12+)");
	return 0;
}

static const char *vname(int version)
{
	return version == 1 ? "v1" : version == 2 ? "v2" : "any version";
}

/*
 * An ordinary user makes test cgroups only in a cgroup v2 subtree delegated
 * to it (systemd's Delegate=yes): the base the library uses on hierarchy h
 * ($KISOL_CG_V2_BASE, else the top of the subtree delegated to it, else its
 * own cgroup: kisol_cg__home) must be a cgroup whose directory,
 * cgroup.procs and cgroup.subtree_control this user may write.
 */
static bool delegated_to_caller(const struct kisol_cg_hier *h)
{
	char base[KISOL_CG_PATH];
	int r = kisol_cg__v2_base(h, base, sizeof(base));

	if (r == 0)
		r = kisol_cg__home(h, base, sizeof(base));
	if (r < 0)
		return false;
	return base[0] && kisol_cg__delegated(base);
}

int kisol_cg_need(enum kisol_cg_ctrl c, int version, char *why, size_t size)
{
	const struct kisol_cg_info *i;
	char where[KISOL_CG_PATH + 32], dir[KISOL_CG_PATH];
	int idx, r;

	if ((int)c < 0 || c >= _KISOL_CG_MAX)
		return -EINVAL;
	i = &kisol_cg_table[c];
	kisol_cg_where(c, where, sizeof(where));
	idx = kisol_cg__locate_idx(c, version);
	/*
	 * The test cgroups are made below the suite's own cgroup in the host's
	 * hierarchies, which belong to root: an ordinary user, also as root of
	 * a user namespace of its own, can neither create nor write them (a
	 * cgroup namespace or a cgroup mount there changes nothing about that),
	 * unless a cgroup v2 subtree is delegated to it and the base is there.
	 * Where the controller is not (on that version), the layout says why.
	 */
	if (!kisol_is_root() && idx >= 0) {
		const struct kisol_cg_hier *h = kisol_cg__hier(idx);

		if (h->version == 1)
			return kisol_need_root_to("create test cgroups on cgroup v1 (its hierarchies "
						  "belong to root; only cgroup v2 is used delegated)",
						  why, size);
		if (!delegated_to_caller(h))
			return kisol_need_root_to("create test cgroups (made in the host's cgroup "
						  "hierarchies, which belong to root; no cgroup v2 subtree "
						  "is delegated to this user)", why, size);
	}
	switch (idx) {
	case -ENOENT:
		if (c == KISOL_CG_CORE)
			return unmet(why, size, "no cgroup %s hierarchy is mounted", vname(version));
		return unmet(why, size, "%s controller is not mounted on cgroup %s (%s; %s?)",
			     i->name, vname(version), where, i->kconfig);
	case -EXDEV:
		return unmet(why, size, "%s is on %s; this case is %s-only", i->name, where,
			     vname(version));
	case -EOPNOTSUPP:
		return unmet(why, size, "%s has no cgroup %s interface files%s", i->name,
			     vname(version),
			     c == KISOL_CG_DEVICES ? " (v2 controls devices with BPF programs)" : "");
	default:
		if (idx < 0)
			return unmet(why, size, "cgroup discovery failed: %s", strerror(-idx));
	}
	r = kisol_cg_run_dir(idx, dir, sizeof(dir));
	if (r < 0)
		return unmet(why, size, "cannot create the run cgroup for %s on %s: %s", i->name,
			     where, strerror(-r));
	r = kisol_cg__prepare(idx, c);
	kisol_cg__gc(idx); /* a per-process run dir goes away until used */
	if (r == -ENODEV)
		return unmet(why, size,
			     "%s is on %s but not delegated to %s (absent from its cgroup.controllers; "
			     "the parents' cgroup.subtree_control must enable it)", i->name, where, dir);
	if (r < 0)
		return unmet(why, size,
			     "%s is on %s but cannot be enabled in %s (%s; the parent holds processes or did not delegate it)",
			     i->name, where, dir, strerror(-r));
	return 0;
}

int kisol_cg_need_file(const struct kisol_cg *cg, const char *file, char *why, size_t size)
{
	int r;

	if (!cg || !file)
		return -EINVAL;
	r = kisol_cg_has_file(cg, file);
	if (r == 1)
		return 0;
	if (r < 0)
		return unmet(why, size, "cannot probe %s in %s: %s", file, cg->path, strerror(-r));
	return unmet(why, size, "%s is not provided by this kernel (absent in cgroup %s %s)", file,
		     vname(cg->version), cg->path);
}
