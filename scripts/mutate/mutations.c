// SPDX-License-Identifier: GPL-2.0-only
/*
 * The mutations: each one makes the kernel silently drop one guarantee.
 * A mutation names the syscalls it needs to see (only those stop the
 * tracee) and one function that says whether a call touches it and, when
 * asked to, rewrites the call at syscall entry: clear a flag in a register
 * or in a copy of the argument struct pushed to the tracee's stack, or skip
 * the call and hand back a result.
 */
#include <errno.h>
#include <fnmatch.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/mount.h>
#include <linux/sched.h>

#include "mutate.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif
#define PROPAGATION (MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE)

/* ---- namespaces: CLONE_NEW* removed from clone, clone3 and unshare ---- */

/* clone3's struct: flags are its first u64. Rewrite a copy, never the caller's. */
static bool clone3_clear(struct call *c, uint64_t bits, bool apply)
{
	unsigned char args[512];
	size_t size = call_arg(c, 1);
	uint64_t flags;
	unsigned long copy;

	if (size < sizeof(flags) || mem_read(c->tid, call_arg(c, 0), &flags, sizeof(flags)) < 0)
		return false;
	if (!(flags & bits))
		return false;
	if (!apply)
		return true;
	if (size > sizeof(args) || mem_read(c->tid, call_arg(c, 0), args, size) < 0) {
		c->why_not = "clone3: cannot read clone_args";
		return true;
	}
	flags &= ~bits;
	memcpy(args, &flags, sizeof(flags));
	copy = mem_push(c, args, size);
	if (!copy) {
		c->why_not = "clone3: cannot write the rewritten clone_args";
		return true;
	}
	call_set_arg(c, 0, copy);
	return true;
}

static bool touch_ns(const struct mutation *m, struct call *c, bool apply)
{
	unsigned long f = m->arg;

	switch (call_nr(c)) {
	case SYS_clone:
		/* the low byte of clone()'s flags is the exit signal (CLONE_NEWTIME's bit) */
		if (f == CLONE_NEWTIME || !(call_arg(c, 0) & f))
			return false;
		if (apply)
			call_set_arg(c, 0, call_arg(c, 0) & ~f);
		return true;
	case SYS_unshare:
		if (!(call_arg(c, 0) & f))
			return false;
		if (apply)
			call_set_arg(c, 0, call_arg(c, 0) & ~f);
		return true;
	case SYS_clone3:
		return clone3_clear(c, f, apply);
	}
	return false;
}

static bool touch_noop(const struct mutation *m, struct call *c, bool apply)
{
	if (apply)
		call_skip(c, 0);
	return true;
}

/* ---- setns and pivot_root: no-ops that return 0 ---- */

/*
 * setns back into the namespace the case started in (the tracer's own:
 * teardowns restore with it) is left alone; only a move into another
 * namespace is the lie.
 */
static bool touch_setns(const struct mutation *m, struct call *c, bool apply)
{
	if (fd_is_home_ns(c->tid, (int)call_arg(c, 0)) == 1)
		return false;
	return touch_noop(m, c, apply);
}

/* ---- mount(2) and the new mount API ---- */

static bool mount_attr_clear(struct call *c, int argi, bool propagation, uint64_t set_bits, bool apply)
{
	struct mount_attr a = { 0 };
	size_t size = call_arg(c, argi + 1);
	unsigned long copy;

	/* attr_set, attr_clr, propagation: the first three u64 */
	if (size < 3 * sizeof(uint64_t) || size > sizeof(a) ||
	    mem_read(c->tid, call_arg(c, argi), &a, size) < 0)
		return false;
	if (propagation ? !a.propagation : !(a.attr_set & set_bits))
		return false;
	if (!apply)
		return true;
	if (propagation)
		a.propagation = 0;
	a.attr_set &= ~set_bits;
	if (!a.attr_set && !a.attr_clr && !a.propagation) {
		call_skip(c, 0);
		return true;
	}
	copy = mem_push(c, &a, size);
	if (!copy)
		c->why_not = "mount_setattr: cannot write the rewritten mount_attr";
	else
		call_set_arg(c, argi, copy);
	return true;
}

static bool touch_propagation(const struct mutation *m, struct call *c, bool apply)
{
	switch (call_nr(c)) {
	case SYS_mount:
		if (!(call_arg(c, 3) & PROPAGATION))
			return false;
		if (apply)
			call_skip(c, 0);
		return true;
	case SYS_mount_setattr:
		return mount_attr_clear(c, 3, true, 0, apply);
	}
	return false;
}

static bool touch_rdonly(const struct mutation *m, struct call *c, bool apply)
{
	char key[8];

	switch (call_nr(c)) {
	case SYS_mount:
		if (!(call_arg(c, 3) & MS_RDONLY))
			return false;
		if (apply)
			call_set_arg(c, 3, call_arg(c, 3) & ~MS_RDONLY);
		return true;
	case SYS_mount_setattr:
		return mount_attr_clear(c, 3, false, MOUNT_ATTR_RDONLY, apply);
	case SYS_fsmount:
		if (!(call_arg(c, 2) & MOUNT_ATTR_RDONLY))
			return false;
		if (apply)
			call_set_arg(c, 2, call_arg(c, 2) & ~MOUNT_ATTR_RDONLY);
		return true;
	case SYS_fsconfig:
		if (call_arg(c, 1) != FSCONFIG_SET_FLAG ||
		    mem_read_str(c->tid, call_arg(c, 2), key, sizeof(key)) < 0 || strcmp(key, "ro"))
			return false;
		if (apply)
			call_skip(c, 0);
		return true;
	}
	return false;
}

/* ---- cgroup knobs: write() reports success and writes nothing ---- */

static const char *const attach_files[] = { "cgroup.procs", "cgroup.threads", "tasks", NULL };
static const char *const freeze_files[] = { "cgroup.freeze", "freezer.state", NULL };
static const char *const kill_files[] = { "cgroup.kill", NULL };
static const char *const subtree_files[] = { "cgroup.subtree_control", NULL };
static const char *const limit_files[] = {
	"pids.max", "memory.max", "memory.high", "memory.low", "memory.min", "memory.swap.max",
	"memory.limit_in_bytes", "memory.soft_limit_in_bytes", "memory.memsw.limit_in_bytes",
	"memory.kmem.limit_in_bytes", "memory.kmem.tcp.limit_in_bytes",
	"cpu.max", "cpu.max.burst", "cpu.weight", "cpu.weight.nice", "cpu.idle",
	"cpu.cfs_quota_us", "cpu.cfs_period_us", "cpu.cfs_burst_us", "cpu.shares",
	"cpu.rt_runtime_us", "cpu.rt_period_us",
	"cpuset.cpus", "cpuset.mems", "cpuset.cpus.exclusive", "cpuset.cpus.partition",
	"cpuset.cpu_exclusive", "cpuset.mem_exclusive",
	"io.max", "io.weight", "io.bfq.weight", "blkio.weight", "blkio.weight_device",
	"blkio.throttle.*_device", "hugetlb.*.max", "hugetlb.*.limit_in_bytes",
	"rdma.max", "misc.max", "cgroup.max.descendants", "cgroup.max.depth", NULL
};

static bool cg_write(struct call *c, const char *const *files, bool apply)
{
	char name[256];

	switch (call_nr(c)) {
	case SYS_write:
	case SYS_pwrite64:
	case SYS_writev:
		break;
	default:
		return false;
	}
	if (fd_cgroup_file(c->tid, (int)call_arg(c, 0), name, sizeof(name)) <= 0)
		return false;
	for (const char *const *f = files; *f; f++) {
		if (fnmatch(*f, name, 0))
			continue;
		/* killing an empty cgroup (as teardowns do) changes nothing: no lie to tell */
		if (files == kill_files && fd_cgroup_populated(c->tid, (int)call_arg(c, 0)) == 0)
			return false;
		if (apply) {
			if (call_nr(c) == SYS_writev) {
				c->why_not = "writev on a cgroup file";
				return true;
			}
			call_skip(c, (long)call_arg(c, 2));
		}
		return true;
	}
	return false;
}

static bool touch_cg_attach(const struct mutation *m, struct call *c, bool apply)
{
	/* CLONE_INTO_CGROUP is an attach too: the child stays in its parent's cgroup */
	if (call_nr(c) == SYS_clone3)
		return clone3_clear(c, CLONE_INTO_CGROUP, apply);
	return cg_write(c, attach_files, apply);
}

static bool touch_cg_files(const struct mutation *m, struct call *c, bool apply)
{
	return cg_write(c, (const char *const *)m->arg, apply);
}

/* ---- overlay ---- */

/*
 * ovl.whiteout: whiteouts and opaque markers a case puts into a layer are
 * not made (mknod of the 0:0 character device, the overlay.opaque /
 * overlay.whiteout(s) xattrs), while the calls report success.
 */
static bool touch_ovl_whiteout(const struct mutation *m, struct call *c, bool apply)
{
	char name[64];
	unsigned long mode, dev;
	int namei;

	switch (call_nr(c)) {
	case SYS_mknod:
	case SYS_mknodat:
		mode = call_arg(c, call_nr(c) == SYS_mknod ? 1 : 2);
		dev = call_arg(c, call_nr(c) == SYS_mknod ? 2 : 3);
		if (!S_ISCHR(mode) || dev != 0)
			return false;
		break;
	case SYS_setxattr:
	case SYS_lsetxattr:
	case SYS_fsetxattr:
		namei = 1;
		if (mem_read_str(c->tid, call_arg(c, namei), name, sizeof(name)) < 0)
			return false;
		if (fnmatch("*.overlay.opaque", name, 0) && fnmatch("*.overlay.whiteout", name, 0) &&
		    fnmatch("*.overlay.whiteouts", name, 0))
			return false;
		break;
	default:
		return false;
	}
	if (apply)
		call_skip(c, 0);
	return true;
}

/*
 * ovl.lower: the second lower layer of an overlay with two or more is left
 * out, silently: from "lowerdir=a:b:c" in mount(2) data or fsconfig's
 * "lowerdir" string, and the second "lowerdir+" given to one fs context.
 */
static const char *layer_end(const char *p)
{
	for (; *p && *p != ',' && (*p != ':' || p[-1] == '\\'); p++)
		;
	return p;
}

/*
 * Only where the overlay stays mountable without it (an overlay with no
 * upper layer needs two lower ones): a refused mount would be a kill the
 * case did not earn.
 */
static int drop_second_lower(const char *in, char *out, size_t size)
{
	const char *lo = strstr(in, "lowerdir="), *first, *second, *p;
	bool upper = strstr(in, "upperdir=") != NULL;
	int layers = 1;

	if (!lo || (lo != in && lo[-1] != ','))
		return 0;
	first = layer_end(lo + strlen("lowerdir="));
	/* regular layers only: "::" starts the data-only ones, never dropped */
	for (p = first; *p == ':' && p[1] != ':'; p = layer_end(p + 1))
		layers++;
	if (layers < (upper ? 2 : 3))
		return 0;
	second = layer_end(first + 1);
	if (snprintf(out, size, "%.*s%s", (int)(first - in), in, second) >= (int)size)
		return -ENAMETOOLONG;
	return 1;
}

#define MAX_FSCTX 64
static struct { pid_t tid; int fd; int n; } lowerplus[MAX_FSCTX];

static int *lowerplus_count(pid_t tid, int fd)
{
	for (int i = 0; i < MAX_FSCTX; i++)
		if (lowerplus[i].tid == tid && lowerplus[i].fd == fd)
			return &lowerplus[i].n;
	for (int i = 0; i < MAX_FSCTX; i++)
		if (!lowerplus[i].tid) {
			lowerplus[i].tid = tid;
			lowerplus[i].fd = fd;
			lowerplus[i].n = 0;
			return &lowerplus[i].n;
		}
	return NULL;
}

static bool ovl_data(struct call *c, int argi, const char *prefix, bool apply)
{
	char in[4096], buf[4096 + 16], out[4096 + 16];
	unsigned long copy;
	int r;

	if (mem_read_str(c->tid, call_arg(c, argi), in, sizeof(in)) < 0)
		return false;
	snprintf(buf, sizeof(buf), "%s%s", prefix, in);
	r = drop_second_lower(buf, out, sizeof(out));
	if (r <= 0)
		return false;
	if (!apply)
		return true;
	copy = mem_push(c, out + strlen(prefix), strlen(out) - strlen(prefix) + 1);
	if (!copy)
		c->why_not = "overlay: cannot write the rewritten options";
	else
		call_set_arg(c, argi, copy);
	return true;
}

static bool touch_ovl_lower(const struct mutation *m, struct call *c, bool apply)
{
	char type[16], key[16];
	int *n;

	switch (call_nr(c)) {
	case SYS_mount:
		if (!call_arg(c, 2) || !call_arg(c, 4) ||
		    mem_read_str(c->tid, call_arg(c, 2), type, sizeof(type)) < 0 || strcmp(type, "overlay"))
			return false;
		return ovl_data(c, 4, "", apply);
	case SYS_fsconfig:
		if (call_arg(c, 1) == FSCONFIG_CMD_CREATE) {
			n = lowerplus_count(c->tid, (int)call_arg(c, 0));
			if (n)
				*n = 0;
			return false;
		}
		if (call_arg(c, 1) != FSCONFIG_SET_STRING ||
		    mem_read_str(c->tid, call_arg(c, 2), key, sizeof(key)) < 0)
			return false;
		if (!strcmp(key, "lowerdir"))
			return ovl_data(c, 3, "lowerdir=", apply);
		if (strcmp(key, "lowerdir+"))
			return false;
		n = lowerplus_count(c->tid, (int)call_arg(c, 0));
		if (!n || ++*n != 2)
			return false;
		if (apply)
			call_skip(c, 0);
		return true;
	}
	return false;
}

/* ---- the table ---- */

static const int sys_ns[] = { SYS_clone, SYS_clone3, SYS_unshare, -1 };
static const int sys_setns[] = { SYS_setns, -1 };
static const int sys_pivot[] = { SYS_pivot_root, -1 };
static const int sys_prop[] = { SYS_mount, SYS_mount_setattr, -1 };
static const int sys_rdonly[] = { SYS_mount, SYS_mount_setattr, SYS_fsmount, SYS_fsconfig, -1 };
static const int sys_write[] = { SYS_write, SYS_pwrite64, SYS_writev, -1 };
static const int sys_attach[] = { SYS_write, SYS_pwrite64, SYS_writev, SYS_clone3, -1 };
static const int sys_wh[] = { SYS_mknod, SYS_mknodat, SYS_setxattr, SYS_lsetxattr, SYS_fsetxattr, -1 };
static const int sys_lower[] = { SYS_mount, SYS_fsconfig, -1 };

#define NS(n, flag) { "ns." n, "CLONE_NEW" #flag " dropped from clone, clone3 and unshare", \
		      sys_ns, touch_ns, CLONE_NEW##flag }
#define CG(n, files, what) { "cgroup." n, what, sys_write, touch_cg_files, (unsigned long)files }

const struct mutation kisol_mutations[] = {
	NS("mnt", NS), NS("uts", UTS), NS("ipc", IPC), NS("net", NET), NS("pid", PID),
	NS("user", USER), NS("cgroup", CGROUP), NS("time", TIME),
	{ "setns", "setns() into a namespace other than the one the case started in does nothing "
	  "and returns 0", sys_setns, touch_setns, 0 },
	{ "pivot_root", "pivot_root() does nothing and returns 0", sys_pivot, touch_noop, 0 },
	{ "propagation", "propagation changes (MS_SHARED/SLAVE/PRIVATE/UNBINDABLE, "
	  "MOUNT_ATTR propagation) do nothing and return 0", sys_prop, touch_propagation, 0 },
	{ "rdonly", "MS_RDONLY, MOUNT_ATTR_RDONLY and fsconfig \"ro\" dropped", sys_rdonly, touch_rdonly, 0 },
	{ "cgroup.attach", "writes to cgroup.procs/cgroup.threads/tasks do nothing and report success; "
	  "CLONE_INTO_CGROUP dropped", sys_attach, touch_cg_attach, 0 },
	CG("limit", limit_files, "writes to limit files (pids.max, memory.*, cpu.*, cpuset.*, io, v1 names) "
	   "do nothing and report success"),
	CG("freeze", freeze_files, "writes to cgroup.freeze / freezer.state do nothing and report success"),
	CG("kill", kill_files, "writes to cgroup.kill do nothing and report success"),
	CG("subtree_control", subtree_files, "writes to cgroup.subtree_control do nothing and report success"),
	{ "ovl.whiteout", "whiteouts (0:0 char devices) and overlay opaque/whiteout xattrs put into layers "
	  "are not made, the calls return 0", sys_wh, touch_ovl_whiteout, 0 },
	{ "ovl.lower", "the second lower layer of an overlay is silently left out", sys_lower,
	  touch_ovl_lower, 0 },
};
const size_t kisol_n_mutations = sizeof(kisol_mutations) / sizeof(kisol_mutations[0]);

const struct mutation *mutation_find(const char *name)
{
	for (size_t i = 0; i < kisol_n_mutations; i++)
		if (!strcmp(kisol_mutations[i].name, name))
			return &kisol_mutations[i];
	return NULL;
}
