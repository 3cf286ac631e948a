// SPDX-License-Identifier: GPL-2.0-only
/*
 * Throwaway cgroups for the probes: <own cgroup>/kisol-validate-p<pid>-<name>
 * in the hierarchy that serves the controller, never touching the
 * subtree_control of a cgroup we did not create. A probe process is a child
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

int vl_cg_make(enum kisol_cg_ctrl c, int version, const char *name, struct kisol_cg *ret,
	       char *why, size_t size)
{
	const struct kisol_cg_hier *h;
	char where[KISOL_CG_PATH + 32], path[KISOL_CG_PATH + 64];
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
	snprintf(path, sizeof(path), "%s/kisol-validate-p%d-%s", h->own_dir, (int)getpid(), name);
	if (mkdir(path, 0755) < 0) {
		r = -errno;
		snprintf(why, size, "cannot create a cgroup in %s (%s)%s", h->own_dir, strerror(errno),
			 vl_denied_errno(r) ? ": not delegated to this user" : "");
		return r;
	}
	if (h->version == 1 && c == KISOL_CG_CPUSET) {
		copy_file(h->own_dir, path, "cpuset.cpus");
		copy_file(h->own_dir, path, "cpuset.mems");
	}
	r = kisol_cg_open(path, h->version, ret);
	if (r < 0) {
		rmdir(path);
		snprintf(why, size, "opening %s: %s", path, strerror(-r));
		return r;
	}
	ret->owned = true;
	if (h->version == 2 && c != KISOL_CG_CORE && kisol_cg_has_ctrl(ret, c) != 1) {
		kisol_cg_destroy(ret);
		snprintf(why, size, "%s is on %s but not enabled in %s/cgroup.subtree_control "
			 "(fix: enable it from the root down, e.g. systemd Delegate=yes for the runtime's unit)",
			 kisol_cg_table[c].name, where, h->own_dir);
		return -ENODEV;
	}
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
