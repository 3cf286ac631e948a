// SPDX-License-Identifier: GPL-2.0-only
/*
 * cgroup v2 device control: a BPF_PROG_TYPE_CGROUP_DEVICE program attached
 * to a cgroup decides every open() and mknod() of a device node by the
 * processes in that cgroup and below (ebc614f68736, 4.15; selftests bpf
 * test_dev_cgroup). The programs are raw instructions loaded with bpf(2).
 * Each case checks the refusal inside the cgroup and the same operation
 * allowed outside it, and that only the listed device and access are
 * refused. cgroup v1's devices.* files are in cgroup_v1misc/devices.
 */
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "kisol_test.h"
#include "kisol/bpf.h"
#include "lib_cgroup/cgcase.h"

#define MAX_OPS 4

struct op {
	const char *path; /* open(path, flags), or mknod when NULL */
	int flags;
	unsigned maj, min;
};

struct ops {
	int n;
	struct op op[MAX_OPS];
};

struct ops_report {
	char cgroup[256]; /* the child's own v2 cgroup path */
	int64_t r[MAX_OPS];
};

static int64_t mknod_in_scratch(unsigned maj, unsigned min)
{
	char dir[PATH_MAX], node[PATH_MAX + 8];
	int64_t r;

	r = kisol_mnt_mkdtemp(NULL, "devbpf", dir, sizeof(dir));
	if (r < 0)
		return r;
	snprintf(node, sizeof(node), "%s/n", dir);
	r = mknod(node, S_IFCHR | 0600, makedev(maj, min)) ? -errno : 0;
	unlink(node);
	rmdir(dir);
	return r;
}

static int64_t do_op(const struct op *o)
{
	int fd;

	if (!o->path)
		return mknod_in_scratch(o->maj, o->min);
	fd = open(o->path, o->flags | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static int run_ops(int sock, void *p)
{
	const struct ops *ops = p;
	struct ops_report rep = { 0 };

	if (kisol_cg_proc_path(0, 0, rep.cgroup, sizeof(rep.cgroup)) < 0)
		rep.cgroup[0] = '\0';
	for (int i = 0; i < ops->n; i++)
		rep.r[i] = do_op(&ops->op[i]);
	return kisol_send(sock, &rep, sizeof(rep)) < 0 ? 91 : 0;
}

FIXTURE(devbpf) {
	struct kisol_cg cg, sub;
	struct kisol_child kid;
	int prog;
};

FIXTURE_SETUP(devbpf)
{
	char log[64];
	int r;

	self->cg = (struct kisol_cg)KISOL_CG_INIT;
	self->sub = (struct kisol_cg)KISOL_CG_INIT;
	self->kid = (struct kisol_child)KISOL_CHILD_INIT;
	self->prog = -1;
	NEED_ROOT();
	NEED_CG(KISOL_CG_CORE, KISOL_CG_V2);
	/* probe the program type with an empty (allow-all) program */
	r = kisol_bpf_dev_prog(NULL, 0, log, sizeof(log));
	if (r == -ENOSYS)
		SKIP(return, "bpf() gives ENOSYS (CONFIG_BPF_SYSCALL)");
	if (r == -EPERM)
		SKIP(return, "bpf(BPF_PROG_LOAD) not permitted (EPERM: needs CAP_BPF or CAP_SYS_ADMIN)");
	if (r == -EINVAL)
		SKIP(return, "BPF_PROG_TYPE_CGROUP_DEVICE refused (EINVAL): CONFIG_CGROUP_BPF, 4.15+");
	ASSERT_LE(0, r) TH_LOG("load: %s", strerror(-r));
	close(r);
	r = kisol_cg_create(KISOL_CG_CORE, KISOL_CG_V2, &self->cg);
	ASSERT_EQ(0, r) TH_LOG("create test cgroup: %s", strerror(-r));
}

FIXTURE_TEARDOWN(devbpf)
{
	kisol_child_release(&self->kid);
	if (self->prog >= 0) {
		if (self->cg.dfd >= 0)
			kisol_bpf_dev_detach(self->prog, self->cg.dfd);
		close(self->prog);
	}
	EXPECT_EQ(0, kisol_cg_destroy(&self->cg));
}

/* Load a program denying one rule and attach it to the test cgroup. */
static void deny(struct __test_metadata *_metadata, FIXTURE_DATA(devbpf) *self,
		 struct kisol_dev_rule rule)
{
	char log[4096];

	self->prog = kisol_bpf_dev_prog(&rule, 1, log, sizeof(log));
	ASSERT_LE(0, self->prog) TH_LOG("load: %s\n%s", strerror(-self->prog), log);
	ASSERT_EQ(0, kisol_bpf_dev_attach(self->prog, self->cg.dfd));
	ASSERT_EQ(1, kisol_bpf_dev_count(self->cg.dfd));
}

/* Run ops in a child inside cg; check it was in cg; results into rep. */
static void ops_in(struct __test_metadata *_metadata, FIXTURE_DATA(devbpf) *self,
		   const struct kisol_cg *cg, struct ops *ops, struct ops_report *rep)
{
	int r;

	kisol_child_release(&self->kid);
	self->kid = (struct kisol_child)KISOL_CHILD_INIT;
	ASSERT_EQ(0, kisol_cg_spawn(cg, 0, run_ops, ops, &self->kid));
	r = kisol_recv(self->kid.sock, rep, sizeof(*rep), KISOL_TIMEOUT_MS);
	ASSERT_EQ((int)sizeof(*rep), r) TH_LOG("no report: %s", strerror(-r));
	ASSERT_STREQ(cg->rel, rep->cgroup);
}

#define DEV_NULL 1, 3
#define DEV_ZERO 1, 5

TEST_F(devbpf, open_denied_inside_only)
{
	struct ops ops = { 2, { { "/dev/null", O_RDONLY }, { "/dev/zero", O_RDONLY } } };
	struct ops_report rep;

	deny(_metadata, self, (struct kisol_dev_rule){ 'c', DEV_NULL, KISOL_DEV_ALL });
	ops_in(_metadata, self, &self->cg, &ops, &rep);
	EXPECT_EQ(-EPERM, rep.r[0]);
	EXPECT_EQ(0, rep.r[1]) TH_LOG("another device must stay allowed");
	/* outside the cgroup */
	EXPECT_EQ(0, do_op(&ops.op[0]));
}
KISOL_META(devbpf, open_denied_inside_only, "commit=ebc614f68736")

TEST_F(devbpf, mknod_denied_inside_only)
{
	struct ops ops = { 3, { { NULL, 0, DEV_NULL }, { NULL, 0, DEV_ZERO },
				{ "/dev/null", O_RDWR } } };
	struct ops_report rep;

	deny(_metadata, self, (struct kisol_dev_rule){ 'c', DEV_NULL, KISOL_DEV_MKNOD });
	ops_in(_metadata, self, &self->cg, &ops, &rep);
	EXPECT_EQ(-EPERM, rep.r[0]);
	EXPECT_EQ(0, rep.r[1]);
	EXPECT_EQ(0, rep.r[2]) TH_LOG("only mknod is denied, not read/write");
	EXPECT_EQ(0, do_op(&ops.op[0]));
}
KISOL_META(devbpf, mknod_denied_inside_only, "commit=ebc614f68736")

TEST_F(devbpf, write_denied_read_allowed)
{
	struct ops ops = { 2, { { "/dev/null", O_RDONLY }, { "/dev/null", O_WRONLY } } };
	struct ops_report rep;

	deny(_metadata, self, (struct kisol_dev_rule){ 'c', DEV_NULL, KISOL_DEV_WRITE });
	ops_in(_metadata, self, &self->cg, &ops, &rep);
	EXPECT_EQ(0, rep.r[0]);
	EXPECT_EQ(-EPERM, rep.r[1]);
	EXPECT_EQ(0, do_op(&ops.op[1]));
}
KISOL_META(devbpf, write_denied_read_allowed, "commit=ebc614f68736")

/* The program of a cgroup applies to processes in its descendants. */
TEST_F(devbpf, applies_below)
{
	struct ops ops = { 1, { { "/dev/null", O_RDONLY } } };
	struct ops_report rep;

	deny(_metadata, self, (struct kisol_dev_rule){ 'c', DEV_NULL, KISOL_DEV_ALL });
	ASSERT_EQ(0, kisol_cg_child(&self->cg, "below", &self->sub));
	EXPECT_EQ(0, kisol_bpf_dev_count(self->sub.dfd)) TH_LOG("nothing attached to the child itself");
	ops_in(_metadata, self, &self->sub, &ops, &rep);
	EXPECT_EQ(-EPERM, rep.r[0]);
	kisol_child_release(&self->kid);
	EXPECT_EQ(0, kisol_cg_destroy(&self->sub));
}
KISOL_META(devbpf, applies_below, "commit=ebc614f68736")

/* Detaching the program gives the access back, in the same cgroup. */
TEST_F(devbpf, detach_restores)
{
	struct ops ops = { 1, { { "/dev/null", O_RDONLY } } };
	struct ops_report rep;

	deny(_metadata, self, (struct kisol_dev_rule){ 'c', DEV_NULL, KISOL_DEV_ALL });
	ops_in(_metadata, self, &self->cg, &ops, &rep);
	EXPECT_EQ(-EPERM, rep.r[0]);
	ASSERT_EQ(0, kisol_bpf_dev_detach(self->prog, self->cg.dfd));
	EXPECT_EQ(0, kisol_bpf_dev_count(self->cg.dfd));
	ops_in(_metadata, self, &self->cg, &ops, &rep);
	EXPECT_EQ(0, rep.r[0]);
}
KISOL_META(devbpf, detach_restores, "commit=ebc614f68736")

/* The library refuses malformed rules before the kernel sees them. */
TEST(rules_checked)
{
	struct kisol_dev_rule bad_type = { 'x', 1, 3, KISOL_DEV_ALL };
	struct kisol_dev_rule no_access = { 'c', 1, 3, 0 };
	struct kisol_dev_rule bad_access = { 'c', 1, 3, 8 };
	struct kisol_dev_rule many[65] = { 0 };

	EXPECT_EQ(-EINVAL, kisol_bpf_dev_prog(&bad_type, 1, NULL, 0));
	EXPECT_EQ(-EINVAL, kisol_bpf_dev_prog(&no_access, 1, NULL, 0));
	EXPECT_EQ(-EINVAL, kisol_bpf_dev_prog(&bad_access, 1, NULL, 0));
	EXPECT_EQ(-EINVAL, kisol_bpf_dev_prog(many, 65, NULL, 0));
	EXPECT_EQ(-EINVAL, kisol_bpf_dev_prog(NULL, 1, NULL, 0));
	/* the query needs CAP_NET_ADMIN before it looks at the fd */
	EXPECT_EQ(kisol_is_root() ? -EBADF : -EPERM, kisol_bpf_dev_count(-1));
}

KISOL_META_FIXTURE(devbpf, "sides=both")
KISOL_META_FIXTURE(global, "sides=one: argument checks of the library")

KISOL_MAIN
