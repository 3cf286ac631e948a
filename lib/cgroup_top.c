// SPDX-License-Identifier: GPL-2.0-only
/*
 * kisol cgroup: what a program outside the harness (the benchmarks) needs
 * on top of the operations in cgroup_ops.c: a cgroup directly in the base
 * directory, handlers that remove the registered cgroups when the program
 * is stopped, knobs kept open or written by path for timed writes, and
 * idle tasks that populate cgroups.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "cgroup-internal.h"
#include "kisol/proc.h"

int kisol_cg_create_top(enum kisol_cg_ctrl c, int version, const char *prefix,
			struct kisol_cg *ret)
{
	static unsigned seq;
	struct kisol_cg cg = KISOL_CG_INIT;
	const struct kisol_cg_hier *h;
	char base[KISOL_CG_PATH], path[KISOL_CG_PATH];
	int idx, n, r;

	if (!prefix || !*prefix || strchr(prefix, '/') || !ret)
		return -EINVAL;
	idx = kisol_cg__locate_idx(c, version);
	if (idx < 0)
		return idx;
	h = kisol_cg__hier(idx);
	r = kisol_cg__v2_base(h, base, sizeof(base));
	if (r < 0)
		return r;
	if (r == 0)
		r = kisol_cg__home(h, base, sizeof(base));
	if (r < 0)
		return r;
	n = snprintf(path, sizeof(path), "%s/kisol-%s-p%d-%u", base, prefix, (int)getpid(), seq++);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	if (mkdir(path, 0755) < 0)
		return kisol_negerrno();
	r = kisol_cg__cpuset_inherit(path);
	if (r >= 0)
		r = kisol_cg_open(path, h->version, &cg);
	if (r >= 0) {
		cg.ctrl = c;
		cg.owned = true;
		r = kisol_cg_register(&cg);
	}
	if (r < 0) {
		if (cg.dfd >= 0)
			close(cg.dfd);
		rmdir(path);
		return r;
	}
	*ret = cg;
	return 0;
}

static void destroy_at_exit(void)
{
	kisol_cg_destroy_registered();
}

static void destroy_on_signal(int sig)
{
	int saved = errno;

	kisol_cg_destroy_registered();
	signal(sig, SIG_DFL);
	raise(sig); /* pending until the handler returns: then the default action */
	errno = saved;
}

int kisol_cg_destroy_registered_at_exit(void)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP };
	static bool at_exit;
	static pid_t done;
	struct sigaction sa = { .sa_handler = destroy_on_signal };

	if (done == getpid())
		return 0;
	if (!at_exit) {
		/* atexit handlers are inherited by a forked child: register once */
		if (atexit(destroy_at_exit) != 0)
			return -ENOMEM;
		at_exit = true;
	}
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < KISOL_ARRAY_SIZE(sigs); i++)
		sigaddset(&sa.sa_mask, sigs[i]);
	for (size_t i = 0; i < KISOL_ARRAY_SIZE(sigs); i++)
		if (sigaction(sigs[i], &sa, NULL) < 0)
			return kisol_negerrno();
	done = getpid();
	return 0;
}

int kisol_cg_open_file(const struct kisol_cg *cg, const char *file, int flags)
{
	int fd;

	if (!cg || cg->dfd < 0 || !file)
		return -EINVAL;
	fd = openat(cg->dfd, file, flags | O_CLOEXEC);
	return fd < 0 ? kisol_negerrno() : fd;
}

int kisol_cg_write_fd(int fd, const char *s, size_t len)
{
	ssize_t n = write(fd, s, len);

	if (n < 0)
		return kisol_negerrno();
	return (size_t)n == len ? 0 : -EIO;
}

int kisol_cg_write_path(const struct kisol_cg *cg, const char *file, const char *s)
{
	char p[KISOL_CG_PATH + 64];
	int n;

	if (!cg || !file)
		return -EINVAL;
	n = snprintf(p, sizeof(p), "%s/%s", cg->path, file);
	if (n < 0 || (size_t)n >= sizeof(p))
		return -ENAMETOOLONG;
	return kisol_write_file(p, s);
}

pid_t kisol_cg_spawn_idle(const struct kisol_cg *cg)
{
	struct kisol_clone_opts o = { .cgroup_fd = -1 };
	pid_t parent = 0, pid;

	if (cg) {
		if (cg->dfd < 0)
			return -EINVAL;
		if (cg->version != 2)
			return -EOPNOTSUPP;
		o.cgroup_fd = cg->dfd;
	} else {
		parent = getpid();
	}
	pid = kisol_clone(&o, NULL);
	if (pid != 0)
		return pid;
	/* the child: in no cgroup of ours, so bound to the parent's life */
	if (!cg && (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent))
		_exit(1);
	for (;;)
		pause();
}

int kisol_cg_reap_idle(pid_t pid)
{
	if (pid <= 0)
		return -EINVAL;
	if (kill(pid, SIGKILL) < 0)
		return kisol_negerrno();
	return waitpid(pid, NULL, 0) == pid ? 0 : kisol_negerrno();
}
