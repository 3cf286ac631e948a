// SPDX-License-Identifier: GPL-2.0-only
/*
 * Throwaway cgroups for the probes: <parent>/kisol-validate-p<pid>-<name> in
 * the hierarchy that serves the controller (parent: see pick_parent()),
 * never touching the subtree_control of a cgroup we did not create. A probe process is a child
 * (PR_SET_PDEATHSIG) attached before it runs. Directories of a killed run
 * carry its pid and are removed by the next run (stale.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kisol/cgroup.h"
#include "kisol/proc.h"
#include "vl_cg.h"

static int copy_file(const char *from_dir, const char *to_dir, const char *file)
{
	char p[KISOL_CG_PATH + 64], buf[512];
	int r;

	snprintf(p, sizeof(p), "%s/%s", from_dir, file);
	r = kisol_read_file(p, buf, sizeof(buf));
	if (r < 0)
		return r;
	kisol_chomp(buf);
	snprintf(p, sizeof(p), "%s/%s", to_dir, file);
	return kisol_write_file(p, buf);
}

static bool has_word(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ' ') && (!p[n] || p[n] == ' ' || p[n] == '\n'))
			return true;
	return false;
}

/*
 * Where to make the cgroup: v1, our own cgroup. v2, the deepest cgroup from
 * our own up to the root that hands controller c to its children (its
 * cgroup.subtree_control lists it; any cgroup for the core) and that this
 * user may write: a runtime makes its cgroups beside its own, never in a
 * cgroup holding processes. -ENODEV: no cgroup enables c; -EACCES: those
 * that do are not this user's.
 */
static int pick_parent(const struct kisol_cg_hier *h, enum kisol_cg_ctrl c, char *dir, size_t size)
{
	/* served by the core on v2 (the freezer: cgroup.freeze): any cgroup */
	const char *name = kisol_cg_table[c].v2_core ? NULL : kisol_cg_table[c].v2;
	bool enabled = false;

	snprintf(dir, size, "%s", h->own_dir);
	if (h->version == 1)
		return 0;
	for (;;) {
		char p[KISOL_CG_PATH + 32], list[512] = "";

		snprintf(p, sizeof(p), "%s/cgroup.subtree_control", dir);
		if (!name || (kisol_read_file(p, list, sizeof(list)) >= 0 && has_word(list, name))) {
			enabled = true;
			if (access(dir, W_OK) == 0)
				return 0;
		}
		if (strlen(dir) <= strlen(h->mnt))
			return enabled ? -EACCES : -ENODEV;
		*strrchr(dir, '/') = '\0';
	}
}

int vl_cg_make(enum kisol_cg_ctrl c, int version, const char *name, struct kisol_cg *ret,
	       char *why, size_t size)
{
	const struct kisol_cg_hier *h;
	char where[KISOL_CG_PATH + 32], parent[KISOL_CG_PATH], path[KISOL_CG_PATH + 64];
	int r = kisol_cg_locate(c, version, &h);

	kisol_cg_where(c, where, sizeof(where));
	if (r < 0) {
		snprintf(why, size, "%s: %s", kisol_cg_table[c].name,
			 r == -ENOENT ? "not mounted" : r == -EXDEV ? where : strerror(-r));
		return r;
	}
	if (!h->own_dir[0]) {
		snprintf(why, size, "own cgroup not visible in %s", h->mnt);
		return -ENOENT;
	}
	r = pick_parent(h, c, parent, sizeof(parent));
	if (r == -ENODEV) {
		snprintf(why, size, "%s is on %s but no cgroup from %s up enables it in cgroup.subtree_control "
			 "(fix: enable it from the root down, e.g. systemd Delegate=yes for the runtime's unit)",
			 kisol_cg_table[c].name, where, h->own_dir);
		return r;
	}
	if (r == -EACCES) {
		snprintf(why, size, "no cgroup from %s up that enables %s is writable by this user: "
			 "not delegated (fix: systemd Delegate=yes for the user, e.g. user@.service)",
			 h->own_dir, c == KISOL_CG_CORE ? "children" : kisol_cg_table[c].name);
		return r;
	}
	snprintf(path, sizeof(path), "%s/kisol-validate-p%d-%s", parent, (int)getpid(), name);
	if (mkdir(path, 0755) < 0) {
		r = -errno;
		snprintf(why, size, "cannot create a cgroup in %s (%s)%s", parent, strerror(errno),
			 vl_denied_errno(r) ? ": not delegated to this user" : "");
		return r;
	}
	if (h->version == 1 && c == KISOL_CG_CPUSET) {
		copy_file(parent, path, "cpuset.cpus");
		copy_file(parent, path, "cpuset.mems");
	}
	r = kisol_cg_open(path, h->version, ret);
	if (r < 0) {
		rmdir(path);
		snprintf(why, size, "opening %s: %s", path, strerror(-r));
		return r;
	}
	ret->owned = true;
	return 0;
}

int vl_cg_start(const struct kisol_cg *cg, int (*fn)(void *), void *arg, struct vl_cg_proc *ret)
{
	int go[2], r;
	pid_t pid;
	char c;

	if (pipe2(go, O_CLOEXEC) < 0)
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		r = -errno;
		close(go[0]);
		close(go[1]);
		return r;
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(126);
		_exit(fn(arg) & 0xff);
	}
	close(go[0]);
	ret->pid = pid;
	ret->pidfd = kisol_pidfd_open(pid);
	r = kisol_cg_attach(cg, pid);
	if (r == 0 && write(go[1], "g", 1) != 1)
		r = -errno;
	close(go[1]);
	if (r < 0)
		vl_cg_stop(ret);
	return r;
}

int vl_cg_wait(struct vl_cg_proc *p, int timeout_ms, int *ret_status)
{
	struct pollfd pf = { .fd = p->pidfd, .events = POLLIN };
	int status;

	if (p->pidfd >= 0 && poll(&pf, 1, timeout_ms) == 0)
		return -ETIMEDOUT;
	if (waitpid(p->pid, &status, 0) < 0)
		return -errno;
	p->pid = -1;
	if (ret_status)
		*ret_status = status;
	return 0;
}

void vl_cg_stop(struct vl_cg_proc *p)
{
	if (p->pid > 0) {
		kill(p->pid, SIGKILL);
		waitpid(p->pid, NULL, 0);
	}
	if (p->pidfd >= 0)
		close(p->pidfd);
	p->pid = -1;
	p->pidfd = -1;
}
