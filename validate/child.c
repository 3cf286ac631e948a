// SPDX-License-Identifier: GPL-2.0-only
/*
 * Throwaway children. Every probe that creates something runs in a child
 * that dies with the validator (PR_SET_PDEATHSIG), so its namespaces and
 * mounts die with it. The child writes one struct vl_msg to a pipe; the
 * parent may then check the outside view while the child still waits.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kisol/userns.h"
#include "kisol/util.h"
#include "vl.h"

bool vl_denied_errno(int err)
{
	err = err < 0 ? -err : err;
	return err == EPERM || err == EACCES || err == ENOSPC || err == EUSERS;
}

int vl_fail(struct vl_msg *m, int err, const char *fmt, ...)
{
	va_list ap;
	size_t l;

	err = err > 0 ? -err : err;
	m->rc = err ? err : -EIO;
	m->denied = vl_denied_errno(m->rc);
	va_start(ap, fmt);
	vsnprintf(m->detail, sizeof(m->detail), fmt, ap);
	va_end(ap);
	l = strlen(m->detail);
	if (err)
		snprintf(m->detail + l, sizeof(m->detail) - l, ": %s", strerror(-err));
	return m->rc;
}

void vl_set(struct vl_row *row, enum vl_ans permitted, enum vl_ans works, const char *fmt, ...)
{
	va_list ap;

	row->permitted = permitted;
	row->works = works;
	va_start(ap, fmt);
	vsnprintf(row->detail, sizeof(row->detail), fmt, ap);
	va_end(ap);
}

void vl_append(struct vl_row *row, const char *fmt, ...)
{
	size_t l = strlen(row->detail);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(row->detail + l, sizeof(row->detail) - l, fmt, ap);
	va_end(ap);
}

static int read_full(int fd, void *buf, size_t len, int timeout_ms)
{
	size_t got = 0;

	while (got < len) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int r = poll(&p, 1, timeout_ms);
		ssize_t n;

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -ETIMEDOUT;
		n = read(fd, (char *)buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EPIPE;
		got += (size_t)n;
	}
	return 0;
}

static void child_body(vl_child_fn fn, void *arg, int out, int go)
{
	struct vl_msg m = { 0 };
	char c;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	m.rc = fn(arg, &m);
	if (m.rc < 0 && !m.detail[0])
		snprintf(m.detail, sizeof(m.detail), "%s", strerror(-m.rc));
	if (m.rc < 0 && !m.denied)
		m.denied = vl_denied_errno(m.rc);
	if (write(out, &m, sizeof(m)) != (ssize_t)sizeof(m))
		_exit(3);
	/* wait until the parent has looked from outside (EOF) */
	while (read(go, &c, 1) < 0 && errno == EINTR)
		;
	_exit(0);
}

int vl_child(vl_child_fn fn, vl_outside_fn outside, void *arg, int timeout_ms, struct vl_msg *ret)
{
	int out[2], go[2], r, status;
	pid_t pid;

	memset(ret, 0, sizeof(*ret));
	if (pipe2(out, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(go, O_CLOEXEC) < 0) {
		close(out[0]);
		close(out[1]);
		return -errno;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		r = -errno;
		close(out[0]), close(out[1]), close(go[0]), close(go[1]);
		return r;
	}
	if (pid == 0) {
		close(out[0]);
		close(go[1]);
		child_body(fn, arg, out[1], go[0]);
	}
	close(out[1]);
	close(go[0]);
	r = read_full(out[0], ret, sizeof(*ret), timeout_ms);
	if (r < 0) {
		memset(ret, 0, sizeof(*ret));
		ret->rc = r;
		snprintf(ret->detail, sizeof(ret->detail), "%s",
			 r == -ETIMEDOUT ? "probe timed out" : "probe child died before answering");
	} else if (outside) {
		outside(arg, pid, ret);
	}
	close(go[1]);
	close(out[0]);
	if (r < 0)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return 0;
}

int vl_become_ordinary(void)
{
	int r;

	if (geteuid() != 0)
		return 0;
	r = kisol_userns_drop_privs(KISOL_UNPRIV_UID, KISOL_UNPRIV_GID);
	/* root of a user namespace that does not map that id: stay as we are */
	if (r == -EINVAL && vl_in_userns())
		return 0;
	return r;
}

int vl_userns_root(uint64_t flags)
{
	return kisol_userns_unshare_root(flags);
}

int vl_scratch_dir(struct vl_ctx *ctx, const char *name, uid_t uid, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s/%s", ctx->scratch, name);

	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	if (mkdir(buf, 0755) < 0 && errno != EEXIST)
		return -errno;
	if (uid != geteuid() && chown(buf, uid, (gid_t)uid) < 0)
		return -errno;
	return 0;
}
