// SPDX-License-Identifier: GPL-2.0-only
/*
 * cgroup namespaces, on a v1 hierarchy and on cgroup2: inside, the
 * namespace root reads as "/" in /proc/PID/cgroup, descendants relative to
 * it, anything outside as "/.."-paths; outside, the real path. The root is
 * fixed at unshare time. A cgroup filesystem mounted inside has the
 * namespace root as its root. setns needs CAP_SYS_ADMIN.
 */
#include <sys/mount.h>

#include "kisol_test.h"
#include "kisol/mount.h"
#include "lib_cgroup/cgcase.h"

#define NOBODY 65534

CG_FIXTURE(cgns, KISOL_CG_CORE)

struct nsreader {
	int hier_id;
	uint64_t flags;   /* unshared once in the cgroup */
	char mnt[KISOL_CG_PATH]; /* when set: mount the hierarchy here (needs CLONE_NEWNS) */
	char fstype[16], opts[64];
};

/* Line of /proc/PID/cgroup for a hierarchy (path only) into out. */
static int cg_line(pid_t pid, int hier_id, char *out, size_t n)
{
	return kisol_cg_proc_path(pid, hier_id, out, n);
}

/*
 * Child: unshare, optionally mount the hierarchy; then answer requests:
 * pid >= 0 -> its /proc/PID/cgroup path (0: self); -2 -> root field of the
 * mount and "1"/"0" whether its cgroup.procs lists us; -3 -> our mountinfo
 * root field of the host mount of this hierarchy (the mount point is sent
 * before as a string); -1 -> exit.
 */
static int nsreader(int sock, void *p)
{
	struct nsreader *a = p;
	char buf[PATH_MAX + 32];
	int64_t req;

	if (a->flags && unshare(a->flags) < 0) {
		kisol_send_int(sock, -errno);
		return 1;
	}
	if (a->mnt[0]) {
		int r = kisol_mnt_set_propagation("/", MS_PRIVATE, true);

		if (r == 0)
			r = RET_NERRNO(mount("none", a->mnt, a->fstype, 0, a->opts[0] ? a->opts : NULL));
		if (r < 0) {
			kisol_send_int(sock, r);
			return 1;
		}
	}
	kisol_send_int(sock, 0);
	while (kisol_recv_int(sock, &req, -1) == 0 && req != -1) {
		if (req >= 0) {
			if (cg_line((pid_t)req, a->hier_id, buf, sizeof(buf)) < 0)
				snprintf(buf, sizeof(buf), "error");
		} else if (req == -2) {
			struct kisol_mnt_info mi;
			char procs[4096], me[24];

			snprintf(me, sizeof(me), "\n%d\n", getpid());
			snprintf(buf, sizeof(buf), "error");
			if (kisol_mnt_info(0, a->mnt, &mi) == 0) {
				char path[KISOL_CG_PATH + 16];

				snprintf(path, sizeof(path), "%s/cgroup.procs", a->mnt);
				procs[0] = '\n';
				if (kisol_read_file(path, procs + 1, sizeof(procs) - 1) >= 0)
					snprintf(buf, sizeof(buf), "%s %d", mi.root, strstr(procs, me) != NULL);
			}
		} else if (req == -3) {
			struct kisol_mnt_info mi;
			char where[KISOL_CG_PATH];

			if (kisol_recv_str(sock, where, sizeof(where), KISOL_TIMEOUT_MS) < 0 ||
			    kisol_mnt_info(0, where, &mi) < 0)
				snprintf(buf, sizeof(buf), "error");
			else
				snprintf(buf, sizeof(buf), "%s", mi.root);
		}
		kisol_send_str(sock, buf);
	}
	return 0;
}

/*
 * Start a reader in cg; once it has unshared, each namespace it asked for
 * must be a new one (-EEXIST: one is still ours).
 */
static int start_reader(const struct kisol_cg *cg, struct nsreader *a, struct kisol_child *k)
{
	int64_t r;
	int e = kisol_cg_spawn(cg, 0, nsreader, a, k);

	if (e < 0)
		return e;
	e = kisol_recv_int(k->sock, &r, KISOL_TIMEOUT_MS);
	if (e < 0 || r < 0 || !(a->flags & CLONE_NEWCGROUP))
		return e < 0 ? e : (int)r;
	return cg_ns_new(k->pid, a->flags);
}

static int ask(struct kisol_child *k, int64_t req, char *buf, size_t n)
{
	int r = kisol_send_int(k->sock, req);

	return r < 0 ? r : kisol_recv_str(k->sock, buf, n, KISOL_TIMEOUT_MS);
}

static int hier(const struct kisol_cg *cg)
{
	return kisol_cg_hier_of(cg)->hier_id;
}

/*
 * How a process's cgroup path reads from inside a cgroup namespace made in
 * cg/a (/proc/PID/cgroup read by the namespace's process) and from outside
 * (read by us): the namespace's own root reads "/", a descendant relative
 * to it, a process outside it as "/.."-paths, and the root stays where it
 * was made when the process moves to a sibling. Outside, always the real
 * path. One variant per (cgroup version, whose path).
 */
enum whose { OWN, DESCENDANT, SIBLING, OWN_MOVED };

FIXTURE(cgns_path) {
	struct kisol_cg cg;
	struct kisol_child kid[4];
};
FIXTURE_VARIANT(cgns_path) {
	int version;
	enum whose whose;
	const char *inside; /* what the namespace's process reads */
};
#define CGNS_PATH(name, w, in)                                                                     \
	FIXTURE_VARIANT_ADD(cgns_path, v1_##name) { .version = KISOL_CG_V1, .whose = w, .inside = in }; \
	FIXTURE_VARIANT_ADD(cgns_path, v2_##name) { .version = KISOL_CG_V2, .whose = w, .inside = in };
CGNS_PATH(own_root, OWN, "/")
CGNS_PATH(descendant, DESCENDANT, "/sub")
CGNS_PATH(outside_root, SIBLING, "/../b")
CGNS_PATH(root_fixed_after_move, OWN_MOVED, "/../b")
__CG_FIXTURE_BODY(cgns_path, KISOL_CG_CORE)

TEST_F(cgns_path, inside_and_outside)
{
	_cleanup_cg_ struct kisol_cg a = KISOL_CG_INIT, b = KISOL_CG_INIT, sub = KISOL_CG_INIT;
	struct nsreader r = { .hier_id = hier(&self->cg), .flags = CLONE_NEWCGROUP };
	const struct kisol_cg *where = &a; /* where the process under test is */
	char buf[KISOL_CG_PATH];
	pid_t pid;
	int e;

	NEED_NS(KISOL_NS_CGROUP); /* unshared without a user namespace */
	ASSERT_EQ(0, kisol_cg_child(&self->cg, "a", &a));
	ASSERT_EQ(0, kisol_cg_child(&self->cg, "b", &b));
	ASSERT_EQ(0, kisol_cg_child(&a, "sub", &sub));
	e = start_reader(&a, &r, &self->kid[0]);
	ASSERT_EQ(0, e) TH_LOG("reader: %s", strerror(-e));
	pid = self->kid[0].pid;
	if (variant->whose == DESCENDANT || variant->whose == SIBLING) {
		where = variant->whose == DESCENDANT ? &sub : &b;
		ASSERT_EQ(0, cg_spawn_park(where, &self->kid[1]));
		pid = self->kid[1].pid;
	} else if (variant->whose == OWN_MOVED) {
		where = &b;
		ASSERT_EQ(0, kisol_cg_attach(&b, pid));
		ASSERT_EQ(1, kisol_cg_is_member(&b, pid));
	}
	/* inside */
	ASSERT_LT(0, ask(&self->kid[0], pid == self->kid[0].pid ? 0 : pid, buf, sizeof(buf)));
	EXPECT_STREQ(variant->inside, buf);
	/* outside: the real path */
	ASSERT_EQ(0, cg_line(pid, r.hier_id, buf, sizeof(buf)));
	EXPECT_STREQ(where->rel, buf);
	kisol_child_release(&self->kid[1]);
}
KISOL_META(cgns_path, inside_and_outside, "sides=both")

/* The host's mount of the hierarchy shows a "/.."-root in the namespace's mountinfo. */
TEST_F(cgns, host_mount_root_outside)
{
	_cleanup_cg_ struct kisol_cg a = KISOL_CG_INIT;
	struct kisol_mnt_info mi;
	struct nsreader r = { .hier_id = hier(&self->cg), .flags = CLONE_NEWCGROUP };
	char buf[KISOL_CG_PATH];

	NEED_NS(KISOL_NS_CGROUP); /* unshared without a user namespace */
	ASSERT_EQ(0, kisol_cg_child(&self->cg, "a", &a));
	ASSERT_EQ(0, start_reader(&a, &r, &self->kid[0]));
	ASSERT_EQ(0, kisol_send_int(self->kid[0].sock, -3));
	ASSERT_EQ(0, kisol_send_str(self->kid[0].sock, kisol_cg_hier_of(&self->cg)->mnt));
	ASSERT_LT(0, kisol_recv_str(self->kid[0].sock, buf, sizeof(buf), KISOL_TIMEOUT_MS));
	EXPECT_EQ(0, strncmp(buf, "/..", 3)) TH_LOG("mountinfo root %s", buf);
	/* outside, the same mount's root is within our namespace root */
	ASSERT_EQ(0, kisol_mnt_info(0, kisol_cg_hier_of(&self->cg)->mnt, &mi));
	EXPECT_NE(0, strncmp(mi.root, "/..", 3)) TH_LOG("our mountinfo root %s", mi.root);
}
KISOL_META(cgns, host_mount_root_outside, "sides=both")

/* A cgroup fs mounted inside has the namespace root as its root and lists only its subtree. */
TEST_F(cgns, mount_inside_rooted_at_ns)
{
	const struct kisol_cg_hier *h = kisol_cg_hier_of(&self->cg);
	_cleanup_cg_ struct kisol_cg a = KISOL_CG_INIT, b = KISOL_CG_INIT, sub = KISOL_CG_INIT;
	struct nsreader r = { .hier_id = h->hier_id, .flags = CLONE_NEWCGROUP | CLONE_NEWNS };
	char buf[KISOL_CG_PATH], p[KISOL_CG_PATH * 2];
	struct kisol_mnt_info mi;
	struct stat st;

	NEED_NS(KISOL_NS_CGROUP); /* unshared without a user namespace */
	ASSERT_EQ(0, kisol_cg_child(&self->cg, "a", &a));
	ASSERT_EQ(0, kisol_cg_child(&self->cg, "b", &b));
	ASSERT_EQ(0, kisol_cg_child(&a, "sub", &sub));
	ASSERT_EQ(0, kisol_mnt_mkdtemp(NULL, "cgns", r.mnt, sizeof(r.mnt)));
	if (h->version == 2) {
		snprintf(r.fstype, sizeof(r.fstype), "cgroup2");
	} else {
		snprintf(r.fstype, sizeof(r.fstype), "cgroup");
		ASSERT_EQ(0, kisol_cg_v1_opts(h, r.opts, sizeof(r.opts)));
	}
	ASSERT_EQ(0, start_reader(&a, &r, &self->kid[0]));
	ASSERT_LT(0, ask(&self->kid[0], -2, buf, sizeof(buf)));
	EXPECT_STREQ("/ 1", buf) TH_LOG("root field and own pid in cgroup.procs: %s", buf);
	/* the mount is the reader's own: none on that directory out here */
	EXPECT_EQ(-ENOENT, kisol_mnt_info(0, r.mnt, &mi)) TH_LOG("the reader's mount is seen outside");
	/* the child's view of the directories, through /proc/PID/root */
	snprintf(p, sizeof(p), "/proc/%d/root%s/sub", self->kid[0].pid, r.mnt);
	EXPECT_EQ(0, stat(p, &st)) TH_LOG("%s", p);
	snprintf(p, sizeof(p), "/proc/%d/root%s/b", self->kid[0].pid, r.mnt);
	EXPECT_EQ(-1, stat(p, &st));
	kisol_child_release(&self->kid[0]);
	rmdir(r.mnt);
}
KISOL_META(cgns, mount_inside_rooted_at_ns, "sides=both")

/* setns into another process's cgroupns changes how paths read: ours is outside its root. */
TEST_F(cgns, setns_changes_view)
{
	_cleanup_cg_ struct kisol_cg a = KISOL_CG_INIT;
	struct nsreader r = { .hier_id = hier(&self->cg), .flags = CLONE_NEWCGROUP };
	int sv[2], nsfd;
	char buf[KISOL_CG_PATH], mine[KISOL_CG_PATH];
	pid_t pid;

	NEED_NS(KISOL_NS_CGROUP); /* unshared without a user namespace */
	ASSERT_EQ(0, kisol_cg_child(&self->cg, "a", &a));
	ASSERT_EQ(0, start_reader(&a, &r, &self->kid[0]));
	nsfd = kisol_ns_open(self->kid[0].pid, KISOL_NS_CGROUP);
	ASSERT_LE(0, nsfd);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (cg_line(0, r.hier_id, buf, sizeof(buf)) < 0)
			snprintf(buf, sizeof(buf), "error %d", errno);
		kisol_send_str(sv[1], buf);
		if (setns(nsfd, CLONE_NEWCGROUP) < 0 || cg_line(0, r.hier_id, buf, sizeof(buf)) < 0)
			snprintf(buf, sizeof(buf), "error %d", errno);
		kisol_send_str(sv[1], buf);
		_exit(0);
	}
	/* before: in our namespace it reads our own (real) path */
	ASSERT_EQ(0, cg_line(0, r.hier_id, mine, sizeof(mine)));
	ASSERT_LT(0, kisol_recv_str(sv[0], buf, sizeof(buf), KISOL_TIMEOUT_MS));
	EXPECT_STREQ(mine, buf) TH_LOG("before setns: %s", buf);
	EXPECT_NE(0, strncmp(mine, "/..", 3));
	ASSERT_LT(0, kisol_recv_str(sv[0], buf, sizeof(buf), KISOL_TIMEOUT_MS));
	waitpid(pid, NULL, 0);
	EXPECT_EQ(0, strncmp(buf, "/..", 3)) TH_LOG("after setns: %s", buf);
	close(nsfd);
	close(sv[0]);
	close(sv[1]);
}
KISOL_META(cgns, setns_changes_view, "sides=both")

/* Without CAP_SYS_ADMIN: unshare(CLONE_NEWCGROUP) and setns into a cgroupns give EPERM. */
TEST_F(cgns, needs_cap_sys_admin)
{
	int sv[2], nsfd = kisol_ns_open(0, KISOL_NS_CGROUP);
	int64_t e1 = 1, e2 = 1;
	pid_t pid;

	ASSERT_LE(0, nsfd);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (setresgid(NOBODY, NOBODY, NOBODY) || setresuid(NOBODY, NOBODY, NOBODY))
			_exit(1);
		kisol_send_int(sv[1], unshare(CLONE_NEWCGROUP) ? -errno : 0);
		kisol_send_int(sv[1], setns(nsfd, CLONE_NEWCGROUP) ? -errno : 0);
		_exit(0);
	}
	ASSERT_EQ(0, kisol_recv_int(sv[0], &e1, KISOL_TIMEOUT_MS));
	ASSERT_EQ(0, kisol_recv_int(sv[0], &e2, KISOL_TIMEOUT_MS));
	waitpid(pid, NULL, 0);
	EXPECT_EQ(-EPERM, e1);
	EXPECT_EQ(-EPERM, e2);
	close(nsfd);
	close(sv[0]);
	close(sv[1]);
}
KISOL_META(cgns, needs_cap_sys_admin, "sides=one: a refusal (EPERM), no namespace is made to look into")

/* An unprivileged user can create one inside a new user namespace; the view is the same. */
TEST_F(cgns, unprivileged_with_userns)
{
	_cleanup_cg_ struct kisol_cg a = KISOL_CG_INIT;
	struct nsreader r = { .hier_id = hier(&self->cg), .flags = CLONE_NEWUSER | CLONE_NEWCGROUP };
	char buf[KISOL_CG_PATH];
	int e;

	NEED_NS(KISOL_NS_USER);
	ASSERT_EQ(0, kisol_cg_child(&self->cg, "a", &a));
	e = start_reader(&a, &r, &self->kid[0]);
	ASSERT_EQ(0, e) TH_LOG("unshare: %s", strerror(-e));
	ASSERT_LT(0, ask(&self->kid[0], 0, buf, sizeof(buf)));
	EXPECT_STREQ("/", buf);
	/* outside: the real path */
	ASSERT_EQ(0, cg_line(self->kid[0].pid, r.hier_id, buf, sizeof(buf)));
	EXPECT_STREQ(a.rel, buf);
}
KISOL_META(cgns, unprivileged_with_userns, "sides=both")

/* Two readers in sibling namespaces see each other as "/../<name>". */
TEST_F(cgns, siblings_see_each_other_outside)
{
	_cleanup_cg_ struct kisol_cg a = KISOL_CG_INIT, b = KISOL_CG_INIT;
	struct nsreader r = { .hier_id = hier(&self->cg), .flags = CLONE_NEWCGROUP };
	char buf[KISOL_CG_PATH];

	NEED_NS(KISOL_NS_CGROUP); /* unshared without a user namespace */
	ASSERT_EQ(0, kisol_cg_child(&self->cg, "a", &a));
	ASSERT_EQ(0, kisol_cg_child(&self->cg, "b", &b));
	ASSERT_EQ(0, start_reader(&a, &r, &self->kid[0]));
	ASSERT_EQ(0, start_reader(&b, &r, &self->kid[1]));
	ASSERT_LT(0, ask(&self->kid[0], self->kid[1].pid, buf, sizeof(buf)));
	EXPECT_STREQ("/../b", buf);
	ASSERT_LT(0, ask(&self->kid[1], self->kid[0].pid, buf, sizeof(buf)));
	EXPECT_STREQ("/../a", buf);
}
KISOL_META(cgns, siblings_see_each_other_outside, "sides=both")

KISOL_MAIN
