// SPDX-License-Identifier: GPL-2.0-only
/*
 * POSIX message queues per IPC namespace: a queue name resolves only in
 * its namespace, messages do not cross, and an mqueue filesystem mounted
 * in a namespace lists that namespace's queues only. The test process
 * works in an IPC (and mount) namespace of its own. As root, root in a
 * user namespace, and unprivileged.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <mqueue.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "kisol_test.h"

#define QNAME "/kisol-q"
#define QFILE "kisol-q"

enum mode { ROOT, IN_USERNS, UNPRIV };

FIXTURE(mq) {
	struct kisol_child child;
	mqd_t q;
	char dir[PATH_MAX];
	bool mounted;
};

FIXTURE_VARIANT(mq) {
	enum mode mode;
};

/* each object or message seen inside the new namespace and outside it */
KISOL_META_FIXTURE(mq, "sides=both")
FIXTURE_VARIANT_ADD(mq, root) { .mode = ROOT };
FIXTURE_VARIANT_ADD(mq, userns) { .mode = IN_USERNS };
FIXTURE_VARIANT_ADD(mq, unpriv) { .mode = UNPRIV };

FIXTURE_SETUP(mq)
{
	struct kisol_child init = KISOL_CHILD_INIT;
	struct mq_attr a = { .mq_maxmsg = 4, .mq_msgsize = 64 };

	self->child = init;
	self->q = (mqd_t)-1;
	self->mounted = false;
	NEED_NS_VIA(KISOL_NS_IPC, variant->mode != ROOT);
	if (variant->mode != ROOT)
		NEED_NS_IN_USERNS(KISOL_NS_MNT);
	if (variant->mode == UNPRIV) {
		NEED_USERNS_UNPRIV(KISOL_NS_IPC);
		NEED_ROOT_TO("start another ordinary user below its own IPC namespace");
	}
	/* for an ordinary user: with a user namespace of its own around them */
	ASSERT_EQ(0, kisol_userns_unshare_rootless(CLONE_NEWIPC));
	/* a new, private mount namespace: the test's mqueue mounts stay in it */
	ASSERT_EQ(0, kisol_mnt_isolate());
	self->q = mq_open(QNAME, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600, &a);
	ASSERT_NE((mqd_t)-1, self->q) TH_LOG("mq_open: %s", strerror(errno));
	ASSERT_EQ(0, mq_send(self->q, "outer", 5, 0));
	ASSERT_EQ(0, kisol_mnt_mkdtemp(NULL, "mq", self->dir, sizeof(self->dir)));
	/* world-accessible, so that the unprivileged child can mount on it */
	ASSERT_EQ(0, chmod(self->dir, 0755));
}

FIXTURE_TEARDOWN(mq)
{
	kisol_child_release(&self->child);
	if (self->mounted)
		umount2(self->dir, MNT_DETACH);
	if (self->dir[0])
		EXPECT_EQ(0, rmdir(self->dir));
	/* the queue dies with the test process's IPC namespace */
}

static struct kisol_spawn_opts opts(const FIXTURE_VARIANT(mq) *v, uint64_t flags)
{
	struct kisol_spawn_opts o = { .flags = CLONE_NEWIPC | flags, .cgroup_fd = -1 };

	if (v->mode != ROOT) {
		o.flags |= CLONE_NEWUSER;
		o.map_root = true;
		o.deny_setgroups = true;
	}
	o.unpriv = v->mode == UNPRIV;
	return o;
}

static int c_open(int sock, void *arg)
{
	struct mq_attr a = { .mq_maxmsg = 4, .mq_msgsize = 64 };
	char buf[64];
	mqd_t q;

	q = mq_open(QNAME, O_RDWR);
	KISOL_TX(q == (mqd_t)-1 ? errno : 0);
	q = mq_open(QNAME, O_CREAT | O_EXCL | O_RDWR, 0600, &a);
	KISOL_TX(q == (mqd_t)-1 ? -errno : 0);
	if (q == (mqd_t)-1)
		return 0;
	KISOL_TX(mq_getattr(q, &a) < 0 ? -1 : a.mq_curmsgs);
	KISOL_TX(mq_send(q, "inner", 5, 0) < 0 ? errno : 0);
	KISOL_TX(mq_receive(q, buf, sizeof(buf), NULL));
	KISOL_TX(mq_send(q, "left", 4, 0) < 0 ? errno : 0);
	KISOL_TX(mq_unlink(QNAME) < 0 ? errno : 0);
	return 0;
}

TEST_F(mq, queue_names_and_messages_isolated)
{
	struct kisol_spawn_opts o = opts(variant, 0);
	struct mq_attr a;
	mqd_t again;
	char buf[64];

	ASSERT_EQ(0, kisol_spawn(&o, c_open, NULL, &self->child));
	EXPECT_EQ(ENOENT, kisol_rx(_metadata, self->child.sock)) TH_LOG("outside queue visible inside");
	ASSERT_EQ(0, kisol_rx(_metadata, self->child.sock));
	EXPECT_EQ(0, kisol_rx(_metadata, self->child.sock)); /* new queue: empty */
	EXPECT_EQ(0, kisol_rx(_metadata, self->child.sock));
	EXPECT_EQ(5, kisol_rx(_metadata, self->child.sock));
	EXPECT_EQ(0, kisol_rx(_metadata, self->child.sock));
	EXPECT_EQ(0, kisol_rx(_metadata, self->child.sock)); /* unlink inside */
	/* outside: our queue has exactly our one message, and still exists */
	ASSERT_EQ(0, mq_getattr(self->q, &a));
	EXPECT_EQ(1, a.mq_curmsgs);
	EXPECT_EQ(5, mq_receive(self->q, buf, sizeof(buf), NULL));
	EXPECT_EQ(0, memcmp(buf, "outer", 5));
	again = mq_open(QNAME, O_RDONLY | O_CLOEXEC);
	EXPECT_NE((mqd_t)-1, again);
	if (again != (mqd_t)-1)
		mq_close(again);
}

static int list_dir(const char *dir, char *out, size_t n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int count = 0;

	if (!d)
		return -errno;
	out[0] = '\0';
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		count++;
		if (strlen(out) + strlen(e->d_name) + 2 < n) {
			strcat(out, e->d_name);
			strcat(out, " ");
		}
	}
	closedir(d);
	return count;
}

static int c_mount(int sock, void *arg)
{
	const char *dir = arg;
	struct mq_attr a = { .mq_maxmsg = 4, .mq_msgsize = 64 };
	char list[256];
	mqd_t q;

	q = mq_open("/kisol-inner", O_CREAT | O_RDWR, 0600, &a);
	if (q == (mqd_t)-1)
		return 90;
	if (kisol_mnt_isolate() < 0)
		return 92;
	if (mount("mqueue", dir, "mqueue", 0, NULL) < 0) {
		KISOL_TX(-errno);
		return 0;
	}
	KISOL_TX(0);
	KISOL_TX(list_dir(dir, list, sizeof(list)));
	return kisol_send_str(sock, list) < 0 ? 93 : 0;
}

TEST_F(mq, mqueue_mount_lists_own_namespace)
{
	struct kisol_spawn_opts o = opts(variant, CLONE_NEWNS);
	char list[256];
	int64_t r;

	ASSERT_EQ(0, kisol_spawn(&o, c_mount, self->dir, &self->child));
	r = kisol_rx(_metadata, self->child.sock);
	ASSERT_EQ(0, r) TH_LOG("mount mqueue inside: %s", strerror((int)-r));
	EXPECT_EQ(1, kisol_rx(_metadata, self->child.sock));
	ASSERT_LT(0, kisol_recv_str(self->child.sock, list, sizeof(list), KISOL_TIMEOUT_MS));
	EXPECT_STREQ("kisol-inner ", list);
	EXPECT_EQ(0, kisol_child_exit_code(&self->child, KISOL_TIMEOUT_MS));
	/* outside: an mqueue mount of our namespace shows only ours */
	ASSERT_EQ(0, mount("mqueue", self->dir, "mqueue", 0, NULL));
	self->mounted = true;
	EXPECT_EQ(1, list_dir(self->dir, list, sizeof(list)));
	EXPECT_STREQ(QFILE " ", list);
}

static int c_unlink(int sock, void *arg)
{
	KISOL_TX(mq_unlink(QNAME) < 0 ? errno : 0);
	return 0;
}

TEST_F(mq, unlink_inside_cannot_reach_outside_queue)
{
	struct kisol_spawn_opts o = opts(variant, 0);
	struct mq_attr a;
	char list[64];

	ASSERT_EQ(0, kisol_spawn(&o, c_unlink, NULL, &self->child));
	EXPECT_EQ(ENOENT, kisol_rx(_metadata, self->child.sock));
	ASSERT_EQ(0, mq_getattr(self->q, &a));
	EXPECT_EQ(1, a.mq_curmsgs);
	ASSERT_EQ(0, mount("mqueue", self->dir, "mqueue", 0, NULL));
	self->mounted = true;
	EXPECT_EQ(1, list_dir(self->dir, list, sizeof(list)));
}

KISOL_MAIN
