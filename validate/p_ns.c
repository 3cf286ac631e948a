// SPDX-License-Identifier: GPL-2.0-only
/*
 * Namespace rows: each type is created in a throwaway child (an ordinary
 * user creates it inside a new user namespace, as rootless runtimes do)
 * and its isolation is seen from both sides: the new namespace differs
 * from the caller's, and a change inside (hostname, mount, IPC object,
 * ...) is invisible outside, or the view inside is the fresh one
 * (pid 1, only loopback, cgroup root, shifted clock).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>

#include "kisol/net.h"
#include "kisol/ns.h"
#include "kisol/util.h"
#include "vl.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

struct ns_arg {
	int type;
	bool unpriv; /* create it inside a new user namespace */
	const char *dir; /* mount target for mnt */
	char tag[64];
};

static int ns_id(int type, bool children, struct kisol_ns_id *ret)
{
	int fd = children ? kisol_ns_open_children(0, type) : kisol_ns_open(0, type);
	int r;

	if (fd < 0)
		return fd;
	r = kisol_ns_id_fd(fd, ret);
	close(fd);
	return r;
}

/* Fork; the grandchild's exit code is the result of check(). */
static int in_grandchild(int (*check)(void))
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0)
		_exit(check());
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 255;
}

static struct kisol_ns_id pid_before; /* the caller's pid namespace */

static int pid_is_one(void)
{
	struct kisol_ns_id now;

	if (ns_id(KISOL_NS_PID, false, &now) < 0 || kisol_ns_id_eq(&now, &pid_before))
		return 2;
	return getpid() == 1 ? 0 : 1;
}

static int clock_shifted(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec >= 86400 ? 0 : 1;
}

static int cgroup_at_root(void)
{
	char buf[4096], *save = NULL;

	if (kisol_read_file("/proc/self/cgroup", buf, sizeof(buf)) < 0)
		return 2;
	for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *p = strrchr(l, ':');

		if (!p || strcmp(p + 1, "/"))
			return 1;
	}
	return 0;
}

static int effect_inside(struct ns_arg *a, struct vl_msg *m)
{
	struct kisol_net_link links[4];
	int r;

	switch (a->type) {
	case KISOL_NS_MNT:
		if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			return vl_fail(m, errno, "making / private in the new mount namespace");
		if (mount(a->tag, a->dir, "tmpfs", 0, "size=64k") < 0)
			return vl_fail(m, errno, "mounting a tmpfs inside");
		snprintf(m->detail, sizeof(m->detail), "a tmpfs mounted inside is absent outside");
		return 0;
	case KISOL_NS_UTS:
		if (sethostname(a->tag, strlen(a->tag)) < 0)
			return vl_fail(m, errno, "sethostname inside");
		snprintf(m->detail, sizeof(m->detail), "a hostname set inside is not seen outside");
		return 0;
	case KISOL_NS_IPC:
		m->val[0] = 0x6b000000 | (getpid() & 0xffffff);
		if (msgget((key_t)m->val[0], IPC_CREAT | IPC_EXCL | 0600) < 0)
			return vl_fail(m, errno, "msgget inside");
		snprintf(m->detail, sizeof(m->detail), "a SysV message queue made inside is not seen outside");
		return 0;
	case KISOL_NS_NET:
		r = kisol_net_link_list(links, KISOL_ARRAY_SIZE(links));
		if (r < 0)
			return vl_fail(m, r, "listing links inside");
		if (r != 1 || strcmp(links[0].name, "lo"))
			return vl_fail(m, -EEXIST, "a new network namespace holds %d links", r);
		snprintf(m->detail, sizeof(m->detail), "only loopback inside");
		return 0;
	case KISOL_NS_PID:
		r = in_grandchild(pid_is_one);
		if (r)
			return vl_fail(m, r < 0 ? r : -EPROTO, r == 2 ? "the first child is in the caller's pid namespace"
							       : "the first child is not pid 1 inside");
		snprintf(m->detail, sizeof(m->detail), "the first child is pid 1 inside");
		return 0;
	case KISOL_NS_CGROUP:
		r = in_grandchild(cgroup_at_root);
		if (r)
			return vl_fail(m, r < 0 ? r : -EPROTO, "/proc/self/cgroup inside is not the root");
		snprintf(m->detail, sizeof(m->detail), "/proc/self/cgroup inside shows the root");
		return 0;
	case KISOL_NS_TIME:
		r = kisol_write_file("/proc/self/timens_offsets", "1 86400 0");
		if (r < 0)
			return vl_fail(m, r, "writing timens_offsets");
		r = in_grandchild(clock_shifted);
		if (r)
			return vl_fail(m, r < 0 ? r : -EPROTO, "CLOCK_MONOTONIC not shifted inside");
		snprintf(m->detail, sizeof(m->detail), "CLOCK_MONOTONIC shifted by a day inside only");
		return 0;
	case KISOL_NS_USER:
		if (getuid() != 0)
			return vl_fail(m, -EPROTO, "uid inside is %u, not 0", (unsigned)getuid());
		snprintf(m->detail, sizeof(m->detail), "root inside maps to uid %d outside",
			 (int)m->val[1]);
		return 0;
	}
	return -EINVAL;
}

static const char *upper(const char *s)
{
	static char buf[16];
	size_t i;

	for (i = 0; s[i] && i < sizeof(buf) - 1; i++)
		buf[i] = (char)(s[i] >= 'a' && s[i] <= 'z' ? s[i] - 32 : s[i]);
	buf[i] = '\0';
	return buf;
}

static int ns_child(void *p, struct vl_msg *m)
{
	struct ns_arg *a = p;
	bool kids = a->type == KISOL_NS_PID || a->type == KISOL_NS_TIME;
	struct kisol_ns_id before, after;
	uint64_t flag = kisol_ns_table[a->type].flag;
	int r;

	m->val[1] = geteuid();
	r = ns_id(a->type, a->type == KISOL_NS_TIME, &before);
	if (r < 0)
		return vl_fail(m, r, "reading /proc/self/ns/%s", kisol_ns_table[a->type].name);
	if (a->type == KISOL_NS_USER || a->unpriv) {
		r = vl_userns_root(a->type == KISOL_NS_USER ? 0 : flag);
		if (r < 0)
			return vl_fail(m, r, "unshare(CLONE_NEWUSER%s%s)", a->type == KISOL_NS_USER ? "" : "|CLONE_NEW",
				       a->type == KISOL_NS_USER ? "" : upper(kisol_ns_table[a->type].name));
	} else if (unshare((int)flag) < 0) {
		return vl_fail(m, errno, "unshare(CLONE_NEW%s)", upper(kisol_ns_table[a->type].name));
	}
	if (a->type == KISOL_NS_PID) { /* pid_for_children reads only once a child exists */
		pid_before = before;
		return effect_inside(a, m);
	}
	r = ns_id(a->type, kids, &after);
	if (r < 0)
		return vl_fail(m, r, "reading the new namespace");
	if (kisol_ns_id_eq(&before, &after))
		return vl_fail(m, -EPROTO, "unshare succeeded but the namespace did not change");
	return effect_inside(a, m);
}

static bool mounted_here(const char *tag)
{
	char buf[1 << 16];

	return kisol_read_file("/proc/self/mountinfo", buf, sizeof(buf)) >= 0 && strstr(buf, tag);
}

static int status_uid(pid_t pid)
{
	char path[64], buf[4096];
	int64_t v;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (kisol_read_file(path, buf, sizeof(buf)) < 0 || kisol_keyed_int64(buf, "Uid:", &v) < 0)
		return -1;
	return (int)v;
}

static int ns_outside(void *p, pid_t child, struct vl_msg *m)
{
	struct ns_arg *a = p;
	char host[128];

	if (m->rc < 0)
		return 0;
	switch (a->type) {
	case KISOL_NS_MNT:
		if (mounted_here(a->tag))
			return vl_fail(m, -EPROTO, "the tmpfs mounted inside is visible outside");
		break;
	case KISOL_NS_UTS:
		if (gethostname(host, sizeof(host)) == 0 && !strcmp(host, a->tag))
			return vl_fail(m, -EPROTO, "the hostname set inside changed it outside");
		break;
	case KISOL_NS_IPC:
		if (msgget((key_t)m->val[0], 0) >= 0 || errno != ENOENT)
			return vl_fail(m, -EPROTO, "the message queue made inside is visible outside");
		break;
	case KISOL_NS_USER:
		if (status_uid(child) != (int)m->val[1])
			return vl_fail(m, -EPROTO, "the child's uid outside is %d, not %d", status_uid(child),
				       (int)m->val[1]);
		break;
	}
	return 0;
}

void vl_probe_ns(struct vl_ctx *ctx, struct vl_row *row)
{
	struct ns_arg a = { .type = kisol_ns_from_name(row->f->id + 3) };
	bool cap = ctx->pol.cap_eff & (1ull << 21); /* CAP_SYS_ADMIN */
	char why[VL_DETAIL];
	struct vl_msg m;
	int gate;

	if (a.type < 0)
		return vl_set(row, VL_UNKNOWN, VL_UNKNOWN, "unknown namespace type");
	a.unpriv = !cap && a.type != KISOL_NS_USER;
	a.dir = ctx->scratch;
	snprintf(a.tag, sizeof(a.tag), "kisol-vl-%d", (int)getpid());
	gate = vl_policy_ns_gate(&ctx->pol, a.type, a.unpriv || a.type == KISOL_NS_USER, why, sizeof(why));
	vl_child(ns_child, ns_outside, &a, 3000, &m);
	if (m.rc == 0)
		vl_set(row, gate ? VL_NO : VL_YES, VL_YES, "%s%s", m.detail,
		       a.unpriv ? " (created inside a new user namespace)" : "");
	else
		vl_set(row, gate || m.denied ? VL_NO : VL_YES, VL_NO, "%s", m.detail);
	if (gate)
		vl_append(row, "; policy: %s", why);
	if (m.denied && ctx->pol.seccomp_mode == 2)
		vl_append(row, "; this process runs under a seccomp filter (a container profile?)");
}
