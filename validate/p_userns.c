// SPDX-License-Identifier: GPL-2.0-only
/*
 * User namespace rows: an ordinary user can create one (root answers for
 * an ordinary user: the probe drops to KISOL_UNPRIV_UID first), nesting,
 * id maps (a file made by root inside belongs to the user outside),
 * setgroups (an unprivileged gid_map needs "deny", and then setgroups(2)
 * is refused inside), and newuidmap/newgidmap with /etc/subuid ranges
 * (a multi-id map really written for a child).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kisol/ns.h"
#include "kisol/userns.h"
#include "kisol/util.h"
#include "vl.h"

static const char *as_whom(const struct vl_ctx *ctx)
{
	static char buf[64];

	if (ctx->pol.root)
		snprintf(buf, sizeof(buf), " (as uid %u, an ordinary user)", (unsigned)KISOL_UNPRIV_UID);
	else
		buf[0] = '\0';
	return buf;
}

static void finish(struct vl_ctx *ctx, struct vl_row *row, struct vl_msg *m, bool unpriv)
{
	char why[VL_DETAIL];
	int gate = vl_policy_ns_gate(&ctx->pol, KISOL_NS_USER, unpriv, why, sizeof(why));

	if (m->rc == 0)
		vl_set(row, gate ? VL_NO : VL_YES, VL_YES, "%s%s", m->detail, as_whom(ctx));
	else
		vl_set(row, gate || m->denied ? VL_NO : VL_YES, VL_NO, "%s%s", m->detail, as_whom(ctx));
	if (gate)
		vl_append(row, "; policy: %s", why);
}

static int unpriv_child(void *arg, struct vl_msg *m)
{
	int r = vl_become_ordinary();

	if (r < 0)
		return vl_fail(m, r, "dropping to an ordinary user");
	r = vl_userns_root(0);
	if (r < 0)
		return vl_fail(m, r, "unshare(CLONE_NEWUSER) as an ordinary user");
	if (getuid() != 0)
		return vl_fail(m, -EPROTO, "uid inside is %u", (unsigned)getuid());
	/* the capability set inside is full: sethostname needs a UTS ns of ours */
	if (unshare(CLONE_NEWUTS) < 0 || sethostname("kisol-vl", 8) < 0)
		return vl_fail(m, errno, "user namespace created but root inside has no capabilities");
	snprintf(m->detail, sizeof(m->detail), "created, mapped, and root inside holds its capabilities");
	return 0;
}

void vl_probe_userns_unpriv(struct vl_ctx *ctx, struct vl_row *row)
{
	struct vl_msg m;

	vl_child(unpriv_child, NULL, NULL, 3000, &m);
	finish(ctx, row, &m, true);
}

/* Grandchild: nest two more levels, report on the pipe, wait for EOF. */
static void nest_more(int out, int in)
{
	char c = 1;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (int i = 0; i < 2; i++)
		if (vl_userns_root(0) < 0)
			c = (char)(errno ? errno : EIO);
	if (write(out, &c, 1) != 1)
		_exit(1);
	while (read(in, &c, 1) < 0 && errno == EINTR)
		;
	_exit(0);
}

static int nested_child(void *arg, struct vl_msg *m)
{
	int out[2], in[2], r, depth, fd;
	char c, path[64];
	pid_t pid;

	r = vl_become_ordinary();
	if (r < 0)
		return vl_fail(m, r, "dropping to an ordinary user");
	r = vl_userns_root(0);
	if (r < 0)
		return vl_fail(m, r, "first user namespace");
	if (pipe(out) < 0 || pipe(in) < 0)
		return vl_fail(m, errno, "pipe");
	pid = fork();
	if (pid < 0)
		return vl_fail(m, errno, "fork");
	if (pid == 0) {
		close(out[0]);
		close(in[1]);
		nest_more(out[1], in[0]);
	}
	close(out[1]);
	close(in[0]);
	if (read(out[0], &c, 1) != 1)
		return vl_fail(m, -EPIPE, "nesting child died");
	if (c != 1)
		return vl_fail(m, -c, "nested unshare(CLONE_NEWUSER)");
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	depth = fd < 0 ? -errno : kisol_userns_depth(fd);
	close(in[1]);
	waitpid(pid, NULL, 0);
	if (depth < 0)
		return vl_fail(m, depth, "NS_GET_PARENT walk");
	if (depth != 2)
		return vl_fail(m, -EPROTO, "nested namespace is %d levels below, not 2", depth);
	snprintf(m->detail, sizeof(m->detail), "three levels created, each the parent of the next");
	return 0;
}

void vl_probe_userns_nested(struct vl_ctx *ctx, struct vl_row *row)
{
	struct vl_msg m;

	vl_child(nested_child, NULL, NULL, 3000, &m);
	finish(ctx, row, &m, true);
}

struct maps_arg {
	char dir[4096];
};

static int maps_child(void *p, struct vl_msg *m)
{
	struct maps_arg *a = p;
	char file[4200];
	struct stat st;
	int fd, r;

	r = vl_become_ordinary();
	if (r < 0)
		return vl_fail(m, r, "dropping to an ordinary user");
	m->val[1] = geteuid();
	r = vl_userns_root(0);
	if (r < 0)
		return vl_fail(m, r, "unshare(CLONE_NEWUSER)");
	snprintf(file, sizeof(file), "%s/f", a->dir);
	fd = open(file, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0)
		return vl_fail(m, errno, "creating a file as root inside");
	close(fd);
	if (stat(file, &st) < 0 || st.st_uid != 0)
		return vl_fail(m, -EPROTO, "the file is not owned by root inside");
	if (chown(file, 1, 1) == 0 || errno != EINVAL)
		return vl_fail(m, -EPROTO, "chown to an unmapped id was not refused with EINVAL");
	snprintf(m->detail, sizeof(m->detail),
		 "a file made by root inside belongs to uid %d outside; unmapped ids refused",
		 (int)m->val[1]);
	return 0;
}

static int maps_outside(void *p, pid_t child, struct vl_msg *m)
{
	struct maps_arg *a = p;
	char file[4200];
	struct stat st;

	if (m->rc < 0)
		return 0;
	snprintf(file, sizeof(file), "%s/f", a->dir);
	if (stat(file, &st) < 0)
		return vl_fail(m, errno, "stat outside");
	if ((int64_t)st.st_uid != m->val[1])
		return vl_fail(m, -EPROTO, "outside the file belongs to uid %u, not %d",
			       (unsigned)st.st_uid, (int)m->val[1]);
	return 0;
}

void vl_probe_userns_maps(struct vl_ctx *ctx, struct vl_row *row)
{
	uid_t uid = ctx->pol.root ? KISOL_UNPRIV_UID : geteuid();
	struct maps_arg a;
	struct vl_msg m;
	int r = vl_scratch_dir(ctx, "maps", uid, a.dir, sizeof(a.dir));

	if (r < 0)
		return vl_set(row, VL_UNKNOWN, VL_UNKNOWN, "no scratch directory: %s", strerror(-r));
	vl_child(maps_child, maps_outside, &a, 3000, &m);
	finish(ctx, row, &m, true);
}

static int setgroups_child(void *arg, struct vl_msg *m)
{
	char map[64];
	gid_t gid;
	int r;

	r = vl_become_ordinary();
	if (r < 0)
		return vl_fail(m, r, "dropping to an ordinary user");
	gid = getegid();
	if (unshare(CLONE_NEWUSER) < 0)
		return vl_fail(m, errno, "unshare(CLONE_NEWUSER)");
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)gid);
	if (geteuid() != 0 && kisol_write_file("/proc/self/gid_map", map) == 0)
		return vl_fail(m, -EPROTO, "an unprivileged gid_map was accepted with setgroups allowed (CVE-2014-8989)");
	r = kisol_write_file("/proc/self/setgroups", "deny");
	if (r == 0)
		r = kisol_write_file("/proc/self/gid_map", map);
	if (r < 0)
		return vl_fail(m, r, "gid_map after setgroups deny");
	if (setgroups(0, NULL) == 0)
		return vl_fail(m, -EPROTO, "setgroups(2) allowed after 'deny'");
	snprintf(m->detail, sizeof(m->detail), "gid_map needs setgroups 'deny', and setgroups(2) is then refused");
	return 0;
}

void vl_probe_userns_setgroups(struct vl_ctx *ctx, struct vl_row *row)
{
	struct vl_msg m;

	vl_child(setgroups_child, NULL, NULL, 3000, &m);
	finish(ctx, row, &m, true);
}

/* newuidmap/newgidmap for a child in a new user namespace: a 2-line map. */
static int run_helper(const char *helper, pid_t pid, unsigned id, unsigned long start,
		      unsigned long count)
{
	char a[5][32];
	int status;
	pid_t h;

	snprintf(a[0], 32, "%d", (int)pid);
	snprintf(a[1], 32, "%u", id);
	snprintf(a[2], 32, "%lu", start);
	snprintf(a[3], 32, "%lu", count < 65536 ? count : 65536);
	h = fork();
	if (h < 0)
		return -errno;
	if (h == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		dup2(null, 2);
		execl(helper, helper, a[0], "0", a[1], "1", "1", a[2], a[3], (char *)NULL);
		_exit(127);
	}
	if (waitpid(h, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EPERM;
}

static int subid_child(void *p, struct vl_msg *m)
{
	const struct vl_policy *pol = p;
	int go[2], r;
	char c, path[64], buf[256];
	pid_t pid;

	if (pipe(go) < 0)
		return vl_fail(m, errno, "pipe");
	pid = fork();
	if (pid < 0)
		return vl_fail(m, errno, "fork");
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(go[1]);
		if (unshare(CLONE_NEWUSER) < 0)
			_exit(1);
		while (read(go[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(go[0]);
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	for (int i = 0; i < 1000; i++) { /* the child unshares at once */
		char l1[64], l2[64];

		if (readlink(path, l1, sizeof(l1)) > 0 && readlink("/proc/self/ns/user", l2, sizeof(l2)) > 0 &&
		    memcmp(l1, l2, 16))
			break;
		sched_yield();
	}
	r = run_helper(pol->newuidmap, pid, (unsigned)geteuid(), pol->subuid_start, pol->subuid_count);
	if (r == 0)
		r = run_helper(pol->newgidmap, pid, (unsigned)getegid(), pol->subgid_start, pol->subgid_count);
	snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
	if (r == 0 && kisol_read_file(path, buf, sizeof(buf)) >= 0 && !strchr(strchr(buf, '\n') + 1, '\n'))
		r = -EPROTO;
	close(go[1]);
	waitpid(pid, NULL, 0);
	if (r < 0)
		return vl_fail(m, r, "newuidmap/newgidmap for a child's user namespace");
	snprintf(m->detail, sizeof(m->detail), "newuidmap wrote a %lu-id range for a child", pol->subuid_count);
	return 0;
}

void vl_probe_userns_subid(struct vl_ctx *ctx, struct vl_row *row)
{
	const struct vl_policy *p = &ctx->pol;
	struct vl_msg m;

	if (!p->newuidmap[0] || !p->newgidmap[0])
		return vl_set(row, VL_NO, VL_NO, "newuidmap/newgidmap not installed (fix: apt-get install uidmap)");
	if (p->root)
		return vl_set(row, VL_YES, VL_UNKNOWN, "helpers present (%s); run as the user to check its ranges",
			      p->newuidmap);
	if (!p->subuid || !p->subgid)
		return vl_set(row, VL_NO, VL_NO, "no %s range for %s (fix: usermod --add-subuids 100000-165535 "
			      "--add-subgids 100000-165535 %s)", p->subuid ? "/etc/subgid" : "/etc/subuid",
			      p->user, p->user);
	vl_child(subid_child, NULL, (void *)p, 3000, &m);
	vl_set(row, m.rc == 0 || !m.denied ? VL_YES : VL_NO, m.rc == 0 ? VL_YES : VL_NO, "%s", m.detail);
}
