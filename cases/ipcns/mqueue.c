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
	/* root's variant, for an ordinary user: as root of its own user namespace (below) */
	NEED_NS_VIA(KISOL_NS_IPC, variant->mode != ROOT || !kisol_is_root());
	if (variant->mode != ROOT || !kisol_is_root())
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

/* What the child of queue_names_and_messages_isolated saw (errors as -errno). */
struct open_reply {
	int64_t lookup;    /* opening the outside queue's name */
	int64_t create;    /* O_EXCL create of the same name: 0 */
	int64_t curmsgs;   /* messages in the new queue */
	int64_t send;      /* sending "inner" */
	int64_t received;  /* bytes received back */
	int64_t send_left; /* sending one more, left in the queue */
	int64_t unlink;    /* unlinking the name inside */
};

static int c_open(int sock, void *arg)
{
	struct mq_attr a = { .mq_maxmsg = 4, .mq_msgsize = 64 };
	struct open_reply rep = { 0 };
	char buf[64];
	mqd_t q;

	rep.lookup = RET_NERRNO(mq_open(QNAME, O_RDWR));
	q = mq_open(QNAME, O_CREAT | O_EXCL | O_RDWR, 0600, &a);
	rep.create = q == (mqd_t)-1 ? -errno : 0;
	if (q != (mqd_t)-1) {
		rep.curmsgs = mq_getattr(q, &a) < 0 ? -errno : a.mq_curmsgs;
		rep.send = RET_NERRNO(mq_send(q, "inner", 5, 0));
		rep.received = RET_NERRNO(mq_receive(q, buf, sizeof(buf), NULL));
		rep.send_left = RET_NERRNO(mq_send(q, "left", 4, 0));
		rep.unlink = RET_NERRNO(mq_unlink(QNAME));
	}
	KISOL_TX_REPLY(rep);
	return 0;
}

TEST_F(mq, queue_names_and_messages_isolated)
{
	struct kisol_spawn_opts o = opts(variant, 0);
	struct open_reply rep;
	struct mq_attr a;
	mqd_t again;
	char buf[64];

	ASSERT_EQ(0, kisol_spawn(&o, c_open, NULL, &self->child));
	KISOL_RX_REPLY(self->child.sock, &rep);
	EXPECT_EQ(-ENOENT, rep.lookup) TH_LOG("outside queue visible inside");
	ASSERT_EQ(0, rep.create);
	EXPECT_EQ(0, rep.curmsgs); /* new queue: empty */
	EXPECT_EQ(0, rep.send);
	EXPECT_EQ(5, rep.received);
	EXPECT_EQ(0, rep.send_left);
	EXPECT_EQ(0, rep.unlink); /* unlink inside */
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

/* What the child of mqueue_mount_lists_own_namespace saw. */
struct mount_reply {
	int64_t mount;  /* mounting mqueue inside: 0 or -errno */
	int64_t count;  /* queues it lists */
	char list[256]; /* their names, each followed by a space */
};

static int c_mount(int sock, void *arg)
{
	const char *dir = arg;
	struct mq_attr a = { .mq_maxmsg = 4, .mq_msgsize = 64 };
	struct mount_reply rep = { 0 };
	mqd_t q;

	q = mq_open("/kisol-inner", O_CREAT | O_RDWR, 0600, &a);
	if (q == (mqd_t)-1)
		return 90;
	if (kisol_mnt_isolate() < 0)
		return 92;
	rep.mount = RET_NERRNO(mount("mqueue", dir, "mqueue", 0, NULL));
	if (rep.mount == 0)
		rep.count = list_dir(dir, rep.list, sizeof(rep.list));
	KISOL_TX_REPLY(rep);
	return 0;
}

TEST_F(mq, mqueue_mount_lists_own_namespace)
{
	struct kisol_spawn_opts o = opts(variant, CLONE_NEWNS);
	struct mount_reply rep;
	char list[256];

	ASSERT_EQ(0, kisol_spawn(&o, c_mount, self->dir, &self->child));
	KISOL_RX_REPLY(self->child.sock, &rep);
	ASSERT_EQ(0, rep.mount) TH_LOG("mount mqueue inside: %s", strerror((int)-rep.mount));
	EXPECT_EQ(1, rep.count);
	ASSERT_NE('\0', rep.list[0]);
	EXPECT_STREQ("kisol-inner ", rep.list);
	EXPECT_EQ(0, kisol_child_exit_code(&self->child, KISOL_TIMEOUT_MS));
	/* outside: an mqueue mount of our namespace shows only ours */
	ASSERT_EQ(0, mount("mqueue", self->dir, "mqueue", 0, NULL));
	self->mounted = true;
	EXPECT_EQ(1, list_dir(self->dir, list, sizeof(list)));
	EXPECT_STREQ(QFILE " ", list);
}

static int c_unlink(int sock, void *arg)
{
	KISOL_TX(RET_NERRNO(mq_unlink(QNAME)));
	return 0;
}

TEST_F(mq, unlink_inside_cannot_reach_outside_queue)
{
	struct kisol_spawn_opts o = opts(variant, 0);
	struct mq_attr a;
	char list[64];

	ASSERT_EQ(0, kisol_spawn(&o, c_unlink, NULL, &self->child));
	EXPECT_EQ(-ENOENT, kisol_rx(_metadata, self->child.sock));
	ASSERT_EQ(0, mq_getattr(self->q, &a));
	EXPECT_EQ(1, a.mq_curmsgs);
	ASSERT_EQ(0, mount("mqueue", self->dir, "mqueue", 0, NULL));
	self->mounted = true;
	EXPECT_EQ(1, list_dir(self->dir, list, sizeof(list)));
}

KISOL_MAIN
