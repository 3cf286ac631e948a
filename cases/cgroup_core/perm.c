// SPDX-License-Identifier: GPL-2.0-only
/*
 * Migration permissions for an unprivileged writer (uid 65534), v1 and v2.
 * v2 (Documentation/admin-guide/cgroup-v2.rst, "Delegation Containment"):
 * the writer needs write access to cgroup.procs of the destination AND of
 * the common ancestor of source and destination. v1 checks only the
 * destination file and that the writer owns the task.
 */
#include "kisol_test.h"
#include "lib_cgroup/cgcase.h"

#define NOBODY 65534

CG_FIXTURE(perm, KISOL_CG_CORE)

/* Every test writes as uid 65534, a uid other than the one that made the cgroups. */
#define NEED_SECOND_UID() NEED_ROOT_TO("act as uid 65534, a writer other than the test cgroups' owner")

struct mv_arg {
	char dst[KISOL_CG_PATH + 32];
	pid_t target; /* 0: self */
};

/* Drop to nobody, write target (or self) to dst/cgroup.procs, report -errno. */
static int move_as_nobody(int sock, void *p)
{
	struct mv_arg *a = p;
	char s[24];
	int fd, r = 0;

	if (setresgid(NOBODY, NOBODY, NOBODY) || setresuid(NOBODY, NOBODY, NOBODY))
		r = -errno;
	if (!r) {
		fd = open(a->dst, O_WRONLY | O_CLOEXEC);
		if (fd < 0) {
			r = -errno;
		} else {
			snprintf(s, sizeof(s), "%d", a->target ? (int)a->target : 0);
			if (write(fd, s, strlen(s)) < 0)
				r = -errno;
			close(fd);
		}
	}
	int64_t v;

	kisol_send_int(sock, r);
	kisol_recv_int(sock, &v, -1); /* park: the parent checks where we are */
	return 0;
}

static int give(const struct kisol_cg *cg, const char *file)
{
	char p[KISOL_CG_PATH + 32];

	snprintf(p, sizeof(p), "%s/%s", cg->path, file);
	return chown(p, NOBODY, NOBODY) ? -errno : 0;
}

/* Run move_as_nobody in src; returns its -errno result. */
static int try_move(struct kisol_cg *src, struct kisol_cg *dst, struct kisol_child *kid,
		    pid_t target)
{
	struct mv_arg a = { .target = target };
	int64_t r;

	snprintf(a.dst, sizeof(a.dst), "%s/cgroup.procs", dst->path);
	if (kisol_cg_spawn(src, 0, move_as_nobody, &a, kid) < 0)
		return -EIO;
	if (kisol_recv_int(kid->sock, &r, KISOL_TIMEOUT_MS) < 0)
		return -EIO;
	return (int)r;
}

/* Destination writable but the common ancestor not: v2 refuses (EACCES), v1 allows. */
TEST_F(perm, needs_common_ancestor_on_v2)
{
	_cleanup_cg_ struct kisol_cg src = KISOL_CG_INIT, dst = KISOL_CG_INIT;
	int r;

	NEED_SECOND_UID();
	ASSERT_EQ(0, kisol_cg_child(&self->cg, "src", &src));
	ASSERT_EQ(0, kisol_cg_child(&self->cg, "dst", &dst));
	ASSERT_EQ(0, give(&dst, ""));
	ASSERT_EQ(0, give(&dst, "cgroup.procs"));
	r = try_move(&src, &dst, &self->kid[0], 0);
	if (variant->version == 2) {
		EXPECT_EQ(-EACCES, r);
		EXPECT_EQ(1, kisol_cg_has_pid(&src, self->kid[0].pid));
	} else {
		EXPECT_EQ(0, r);
		EXPECT_EQ(1, kisol_cg_has_pid(&dst, self->kid[0].pid));
	}
}

/* With write access to the common ancestor's cgroup.procs too, the move succeeds on both. */
TEST_F(perm, delegated_ancestor_allows)
{
	_cleanup_cg_ struct kisol_cg src = KISOL_CG_INIT, dst = KISOL_CG_INIT;

	NEED_SECOND_UID();
	ASSERT_EQ(0, kisol_cg_child(&self->cg, "src", &src));
	ASSERT_EQ(0, kisol_cg_child(&self->cg, "dst", &dst));
	ASSERT_EQ(0, give(&dst, "cgroup.procs"));
	ASSERT_EQ(0, give(&self->cg, "cgroup.procs"));
	EXPECT_EQ(0, try_move(&src, &dst, &self->kid[0], 0));
	EXPECT_EQ(1, kisol_cg_has_pid(&dst, self->kid[0].pid));
}

/* Without write access to the destination the open itself fails (EACCES). */
TEST_F(perm, destination_not_writable)
{
	_cleanup_cg_ struct kisol_cg src = KISOL_CG_INIT, dst = KISOL_CG_INIT;

	NEED_SECOND_UID();
	ASSERT_EQ(0, kisol_cg_child(&self->cg, "src", &src));
	ASSERT_EQ(0, kisol_cg_child(&self->cg, "dst", &dst));
	EXPECT_EQ(-EACCES, try_move(&src, &dst, &self->kid[0], 0));
	EXPECT_EQ(1, kisol_cg_has_pid(&src, self->kid[0].pid));
}

/* v1: an unprivileged writer cannot move a task it does not own (EACCES), even into its own cgroup. */
TEST_F(perm, foreign_task_refused)
{
	_cleanup_cg_ struct kisol_cg src = KISOL_CG_INIT, dst = KISOL_CG_INIT;
	int r;

	NEED_SECOND_UID();
	ASSERT_EQ(0, kisol_cg_child(&self->cg, "src", &src));
	ASSERT_EQ(0, kisol_cg_child(&self->cg, "dst", &dst));
	ASSERT_EQ(0, cg_spawn_park(&src, &self->kid[1])); /* root-owned task */
	ASSERT_EQ(0, give(&dst, "cgroup.procs"));
	if (variant->version == 2)
		ASSERT_EQ(0, give(&self->cg, "cgroup.procs"));
	r = try_move(&src, &dst, &self->kid[0], self->kid[1].pid);
	if (variant->version == 1) {
		EXPECT_EQ(-EACCES, r);
		EXPECT_EQ(1, kisol_cg_has_pid(&src, self->kid[1].pid));
	} else {
		/* v2 delegation: whoever owns the subtree may move any task inside it */
		EXPECT_EQ(0, r);
		EXPECT_EQ(1, kisol_cg_has_pid(&dst, self->kid[1].pid));
	}
}

/* Unprivileged mkdir below a cgroup directory it does not own: EACCES. */
TEST_F(perm, mkdir_needs_ownership)
{
	struct mv_arg a;
	int64_t r;
	pid_t pid;
	int sv[2];

	NEED_SECOND_UID();
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv));
	snprintf(a.dst, sizeof(a.dst), "%s/sub", self->cg.path);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int e = 0;

		if (setresgid(NOBODY, NOBODY, NOBODY) || setresuid(NOBODY, NOBODY, NOBODY))
			_exit(1);
		if (mkdir(a.dst, 0755) < 0)
			e = -errno;
		kisol_send_int(sv[1], e);
		_exit(0);
	}
	ASSERT_EQ(0, kisol_recv_int(sv[0], &r, KISOL_TIMEOUT_MS));
	waitpid(pid, NULL, 0);
	close(sv[0]);
	close(sv[1]);
	EXPECT_EQ(-EACCES, r);
	if (r == 0)
		rmdir(a.dst);
}

KISOL_MAIN
