/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * cases/mntns: a scratch tmpfs in the test's own mount namespace and an
 * "agent": a child in a new mount namespace (optionally also a new user
 * namespace) that performs mount operations on request and answers with
 * an errno or a short text. The harness test process sends requests and
 * asserts; the agent never asserts. An unprivileged agent drops to uid and
 * gid 65534 (no capabilities), is refused a bare mount namespace, then
 * unshares user+mount namespaces and maps only itself (0 -> 65534), as an
 * unprivileged container runtime would. In the rootless view (the test is
 * root of a user namespace of its own) 65534 is an id of a nested user
 * namespace mapped onto the test's own (kisol_userns_become_other): no
 * capability over the test's namespaces, the same kernel uid.
 *
 * Requests (one SEQPACKET message each, space separated):
 *   mount P        tmpfs on P plus a file P/marker        -> errno
 *   umount P       umount2(P, 0)                          -> errno
 *   exists P       access(P)                              -> errno
 *   prop P T R     propagation T (shared|private|slave|unbindable), R 0/1
 *   bind S D R     bind S on D, R recursive               -> errno
 *   remount P F    MS_REMOUNT|MS_BIND with MS_* flags F (decimal)  -> errno
 *   setattr P S C  mount_setattr set S / clear C MOUNT_ATTR_* (decimal) -> errno
 *   detach P       umount2(P, MNT_DETACH)                 -> errno
 *   move S D       MS_MOVE S to D                         -> errno
 *   info P         "shared master unbindable mnt_id" of the mount on P, or "-errno"
 *   rdonly P       1 if the mount on P is read-only (statvfs ST_RDONLY), 0 if not -> or errno
 *   attach P       receive an fd (SCM_RIGHTS), move_mount it onto P -> errno
 *   count          number of mounts in /proc/self/mountinfo
 */
#ifndef KISOL_CASES_MNTNS_AGENT_H
#define KISOL_CASES_MNTNS_AGENT_H

#include <fcntl.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "kisol/mount.h"
#include "kisol/ns.h"
#include "kisol/proc.h"
#include "kisol/userns.h"
#include "kisol/util.h"

#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif

static inline unsigned long prop_flag(const char *t)
{
	if (!strcmp(t, "shared"))
		return MS_SHARED;
	if (!strcmp(t, "slave"))
		return MS_SLAVE;
	if (!strcmp(t, "unbindable"))
		return MS_UNBINDABLE;
	return MS_PRIVATE;
}

/* tmpfs on path with a marker file in it: visible only where the mount is. */
static inline int mount_marked(const char *path)
{
	char m[PATH_MAX + 64];
	int r, fd;

	r = kisol_mnt_tmpfs(path, "size=64k");
	if (r < 0)
		return r;
	snprintf(m, sizeof(m), "%s/marker", path);
	fd = open(m, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0)
		return kisol_negerrno();
	close(fd);
	return 0;
}

static inline int agent_one(int sock, char *req)
{
	char *argv[4] = { 0 }, *save = NULL, out[128];
	struct kisol_mnt_info mi;
	int argc = 0, r = 0;

	for (char *t = strtok_r(req, " ", &save); t && argc < 4; t = strtok_r(NULL, " ", &save))
		argv[argc++] = t;
	if (!argc)
		return -EINVAL;
	if (!strcmp(argv[0], "count")) {
		r = kisol_mnt_count(0);
	} else if (!strcmp(argv[0], "mount") && argc == 2) {
		r = mount_marked(argv[1]);
	} else if (!strcmp(argv[0], "umount") && argc == 2) {
		r = kisol_mnt_umount(argv[1], 0);
	} else if (!strcmp(argv[0], "exists") && argc == 2) {
		r = access(argv[1], F_OK) < 0 ? -errno : 0;
	} else if (!strcmp(argv[0], "rdonly") && argc == 2) {
		struct statvfs sv;

		r = statvfs(argv[1], &sv) < 0 ? -errno : !!(sv.f_flag & ST_RDONLY);
	} else if (!strcmp(argv[0], "prop") && argc == 4) {
		r = kisol_mnt_set_propagation(argv[1], prop_flag(argv[2]), argv[3][0] == '1');
	} else if (!strcmp(argv[0], "bind") && argc == 4) {
		r = kisol_mnt_bind(argv[1], argv[2], argv[3][0] == '1');
	} else if (!strcmp(argv[0], "remount") && argc == 3) {
		r = kisol_mnt_remount_bind(argv[1], strtoul(argv[2], NULL, 10));
	} else if (!strcmp(argv[0], "setattr") && argc == 4) {
		r = kisol_mnt_setattr(AT_FDCWD, argv[1], strtoull(argv[2], NULL, 10),
				      strtoull(argv[3], NULL, 10), 0, false);
	} else if (!strcmp(argv[0], "detach") && argc == 2) {
		r = kisol_mnt_umount(argv[1], MNT_DETACH);
	} else if (!strcmp(argv[0], "move") && argc == 3) {
		r = kisol_mnt_move(argv[1], argv[2]);
	} else if (!strcmp(argv[0], "info") && argc == 2) {
		r = kisol_mnt_info(0, argv[1], &mi);
		if (r < 0)
			snprintf(out, sizeof(out), "%d", r);
		else
			snprintf(out, sizeof(out), "%d %d %d %d", mi.shared, mi.master,
				 mi.unbindable, mi.mnt_id);
		return kisol_send_str(sock, out);
	} else if (!strcmp(argv[0], "attach") && argc == 2) {
		int fd = kisol_recv_fd(sock, KISOL_TIMEOUT_MS);

		if (fd < 0) {
			r = fd;
		} else {
			r = kisol_mnt_move_mount(fd, "", AT_FDCWD, argv[1], MOVE_MOUNT_F_EMPTY_PATH);
			close(fd);
		}
	} else {
		r = -EINVAL;
	}
	return kisol_send_int(sock, r);
}

struct agent_opts {
	bool unshare_inside; /* call unshare(CLONE_NEWNS) first instead of clone flags */
	bool unpriv;         /* drop to uid 65534, then unshare(CLONE_NEWUSER|CLONE_NEWNS) */
};

/* Child body: serve requests until the parent closes the socket. */
static inline int agent_main(int sock, void *arg)
{
	const struct agent_opts *o = arg;
	char req[PATH_MAX * 2 + 32];
	struct kisol_ns_id id;

	if (o && o->unshare_inside && unshare(CLONE_NEWNS) < 0)
		return 3;
	if (o && o->unpriv) {
		/* rootless: uid 65534 of a nested user namespace (no capability above it) */
		if (kisol_userns_become_other(65534, 65534) < 0)
			return 6;
		/* without privilege a plain mount namespace is refused */
		if (unshare(CLONE_NEWNS) == 0 || errno != EPERM)
			return 7;
		if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
			return 8;
		/* map ourselves (only that is allowed unprivileged) to create files */
		if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0 ||
		    kisol_userns_write_maps(getpid(), "0 65534 1", "0 65534 1", true) < 0)
			return 9;
	}
	/* ready: the id of the mount namespace the agent serves from */
	if (kisol_ns_id(0, KISOL_NS_MNT, &id) < 0 || kisol_send_int(sock, (int64_t)id.ino) < 0)
		return 4;
	for (;;) {
		int n = kisol_recv(sock, req, sizeof(req) - 1, -1);

		if (n < 0)
			return 0;
		req[n] = '\0';
		if (agent_one(sock, req) < 0)
			return 5;
	}
}

/* Parent side: one request, the agent's errno reply (or a transport error). */
static inline int agent_req(int sock, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline int agent_req(int sock, const char *fmt, ...)
{
	char req[PATH_MAX * 2 + 32];
	int64_t v;
	va_list ap;
	int r;

	va_start(ap, fmt);
	vsnprintf(req, sizeof(req), fmt, ap);
	va_end(ap);
	r = kisol_send_str(sock, req);
	if (r < 0)
		return -1000 + r;
	r = kisol_recv_int(sock, &v, KISOL_TIMEOUT_MS);
	if (r < 0)
		return -1000 + r;
	return (int)v;
}

/* Parent side: a text reply. */
static inline int agent_req_str(int sock, char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static inline int agent_req_str(int sock, char *buf, size_t size, const char *fmt, ...)
{
	char req[PATH_MAX * 2 + 32];
	va_list ap;
	int r;

	va_start(ap, fmt);
	vsnprintf(req, sizeof(req), fmt, ap);
	va_end(ap);
	r = kisol_send_str(sock, req);
	if (r < 0)
		return r;
	return kisol_recv_str(sock, buf, size, KISOL_TIMEOUT_MS);
}

/*
 * Start an agent in a new mount namespace (and user namespace if userns).
 * -EEXIST: the agent reports the caller's own mount namespace (none was made).
 */
static inline int agent_start(struct kisol_child *c, bool userns, const struct agent_opts *o)
{
	struct kisol_spawn_opts so = {
		.flags = (o && (o->unshare_inside || o->unpriv) ? 0 : CLONE_NEWNS) |
			 (userns ? CLONE_NEWUSER | CLONE_NEWNS : 0),
		.cgroup_fd = -1, .map_root = userns, .deny_setgroups = true,
	};
	struct kisol_ns_id mine;
	int64_t ready;
	int r;

	r = kisol_spawn(&so, agent_main, (void *)o, c);
	if (r < 0)
		return r;
	r = kisol_recv_int(c->sock, &ready, KISOL_TIMEOUT_MS);
	if (r < 0)
		return r;
	if (ready <= 0)
		return -EIO;
	r = kisol_ns_id(0, KISOL_NS_MNT, &mine);
	if (r < 0)
		return r;
	return (uint64_t)ready == mine.ino ? -EEXIST : 0;
}

/* Does path/marker exist from the caller's view? */
static inline bool marked(const char *path)
{
	char m[PATH_MAX + 64];

	snprintf(m, sizeof(m), "%s/marker", path);
	return access(m, F_OK) == 0;
}

#endif
