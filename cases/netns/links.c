// SPDX-License-Identifier: GPL-2.0-only
/*
 * Network namespaces: links and namespace lifetime. A new namespace has
 * only a down lo; links moved into a namespace die with it (virtual
 * devices are destroyed, not returned); /proc/net and /sys/class/net show
 * the viewer's namespace; netns ids are per observer; a bind mount keeps a
 * namespace alive; link events are delivered only in their namespace.
 *
 * Namespace death is observed through events, never by waiting: a veth
 * pair with one end at home and the other in the dying namespace is the
 * canary, its home end's RTM_DELLINK says the namespace was dismantled.
 */
#include <dirent.h>
#include <sys/mount.h>
#include <linux/rtnetlink.h>

#include "kisol_test.h"
#include "netns/netutil.h"

/* Wait (bounded) for RTM_DELLINK of name on monitor socket mon. */
static int wait_dellink(int mon, const char *name, int timeout_ms)
{
	struct kisol_net_event ev;
	int r;

	for (;;) {
		r = kisol_net_monitor_next(mon, timeout_ms, &ev);
		if (r < 0)
			return r;
		if (ev.type == RTM_DELLINK && !strcmp(ev.link.name, name))
			return 0;
	}
}

/* ---- a fresh namespace ------------------------------------------------- */

FIXTURE(fresh) {
	struct kisol_child child;
};
FIXTURE_VARIANT(fresh) {
	uint64_t flags;
	bool unshare_inside; /* child calls unshare() instead of clone flags */
	bool unpriv;         /* child drops to uid 65534 and unshares user+net itself */
};
KISOL_META_FIXTURE(fresh, "sides=both")
FIXTURE_VARIANT_ADD(fresh, clone) { .flags = CLONE_NEWNET };
FIXTURE_VARIANT_ADD(fresh, unshare) { .flags = 0, .unshare_inside = true };
FIXTURE_VARIANT_ADD(fresh, userns) { .flags = CLONE_NEWNET | CLONE_NEWUSER };
FIXTURE_VARIANT_ADD(fresh, unprivileged) { .flags = 0, .unpriv = true };

FIXTURE_SETUP(fresh)
{
	struct kisol_child init = KISOL_CHILD_INIT;

	self->child = init;
	if ((variant->flags & CLONE_NEWUSER) || variant->unpriv) {
		NEED_NS_IN_USERNS(KISOL_NS_NET);
		/* an ordinary user: home is inside a user namespace of its own */
		ASSERT_EQ(0, kisol_userns_unshare_rootless(0));
	} else {
		/* root's variants: an ordinary user is root of a user namespace of its own */
		NEED_ROOT_OR_OWN_USERNS(KISOL_NS_NET);
		NEED_NS(KISOL_NS_NET);
	}
	ASSERT_EQ(0, net_enter_fresh());
	/* home has a link the child must not see */
	ASSERT_EQ(0, kisol_net_veth_create("kf-home", "kf-home2", -1));
	ASSERT_EQ(0, kisol_net_link_up("lo"));
}

FIXTURE_TEARDOWN(fresh)
{
	kisol_child_release(&self->child);
}

/* Child: report "count name flags..." of its links, create one, report again. */
static int report_links(int sock, void *arg)
{
	const FIXTURE_VARIANT(fresh) *v = arg;
	struct kisol_net_link l[8];
	char msg[512];
	int n, off;
	int64_t go;

	if (v->unshare_inside && unshare(CLONE_NEWNET) < 0)
		return 10;
	if (v->unpriv) {
		/*
		 * another user with no capabilities (root drops to uid 65534; the
		 * rootless view takes uid 65534 of a nested user namespace); then
		 * a user ns of its own owns the netns
		 */
		if (kisol_userns_become_other(65534, 65534) < 0)
			return 16;
		if (unshare(CLONE_NEWNET) == 0 || errno != EPERM)
			return 17;
		if (unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0)
			return 18;
	}
	n = kisol_net_link_list(l, 8);
	if (n < 0)
		return 11;
	off = snprintf(msg, sizeof(msg), "%d", n);
	for (int i = 0; i < n && i < 8; i++)
		off += snprintf(msg + off, sizeof(msg) - off, " %s:%u", l[i].name,
				l[i].flags & IFF_UP);
	if (kisol_send_str(sock, msg) < 0)
		return 12;
	if (kisol_send_int(sock, kisol_net_veth_create("kf-in", "kf-in2", -1)) < 0)
		return 13;
	if (kisol_recv_int(sock, &go, KISOL_TIMEOUT_MS) < 0)
		return 14;
	return kisol_net_ifindex("kf-home") == -ENODEV ? 0 : 15;
}

TEST_F(fresh, only_lo_and_down)
{
	struct kisol_spawn_opts o = { .flags = variant->flags, .cgroup_fd = -1,
				      .map_root = !!(variant->flags & CLONE_NEWUSER),
				      .deny_setgroups = true };
	char msg[512];
	int64_t created;

	ASSERT_EQ(0, kisol_spawn(&o, report_links, (void *)variant, &self->child));
	ASSERT_LT(0, kisol_recv_str(self->child.sock, msg, sizeof(msg), KISOL_TIMEOUT_MS))
		TH_LOG("child exit %d", kisol_child_exit_code(&self->child, 1000));
	EXPECT_STREQ("1 lo:0", msg) TH_LOG("inside view: %s", msg);
	ASSERT_EQ(0, kisol_recv_int(self->child.sock, &created, KISOL_TIMEOUT_MS));
	EXPECT_EQ(0, created) TH_LOG("CAP_NET_ADMIN over the new netns: %s",
				     strerror((int)-created));
	/* outside: the child's links are not here, ours still are, lo still up */
	EXPECT_EQ(-ENODEV, kisol_net_ifindex("kf-in"));
	EXPECT_LT(0, kisol_net_ifindex("kf-home"));
	struct kisol_net_link lo;

	ASSERT_EQ(0, kisol_net_link_get("lo", &lo));
	EXPECT_TRUE(!!(lo.flags & IFF_UP));
	ASSERT_EQ(0, kisol_send_int(self->child.sock, 1));
	EXPECT_EQ(0, kisol_child_exit_code(&self->child, KISOL_TIMEOUT_MS))
		TH_LOG("child saw home's link");
}

/* ---- links moved into a namespace, and its death ----------------------- */

FIXTURE(death) {
	int x, mon;
};
FIXTURE_VARIANT(death) {
	const char *kind; /* "veth" (end moved), "veth_peer_fd", "ifb" */
};
KISOL_META_FIXTURE(death, "sides=both")
FIXTURE_VARIANT_ADD(death, veth_moved) { "veth" };
FIXTURE_VARIANT_ADD(death, veth_peer_fd) { "veth_peer_fd" };
FIXTURE_VARIANT_ADD(death, ifb) { "ifb" };

FIXTURE_SETUP(death)
{
	int r;

	self->x = self->mon = -EBADF;
	NEED_ROOT_OR_OWN_USERNS(KISOL_NS_NET);
	NEED_NS(KISOL_NS_NET);
	ASSERT_EQ(0, net_enter_fresh());
	self->x = net_new_ns_fd();
	ASSERT_LE(0, self->x);
	self->mon = kisol_net_monitor_open();
	ASSERT_LE(0, self->mon);
	if (!strcmp(variant->kind, "veth_peer_fd")) {
		ASSERT_EQ(0, kisol_net_veth_create("kd-a", "kd-b", self->x));
		return;
	}
	/* the canary pair, its far end moved into x */
	ASSERT_EQ(0, kisol_net_veth_create("kd-a", "kd-b", -1));
	ASSERT_EQ(0, kisol_net_link_move("kd-b", self->x));
	if (!strcmp(variant->kind, "ifb")) {
		r = kisol_net_link_create("kd-i", "ifb");
		if (r == -EOPNOTSUPP)
			SKIP(return, "ifb links not in this kernel (CONFIG_IFB off)");
		ASSERT_EQ(0, r);
		ASSERT_EQ(0, kisol_net_link_move("kd-i", self->x));
	}
}

FIXTURE_TEARDOWN(death)
{
	kisol_closep(&self->x);
	kisol_closep(&self->mon);
}

static const char *moved_name(const FIXTURE_VARIANT(death) *v)
{
	return strcmp(v->kind, "ifb") ? "kd-b" : "kd-i";
}

TEST_F(death, virtual_link_destroyed_not_returned)
{
	const char *moved = moved_name(variant);

	/* inside x, not at home */
	EXPECT_EQ(1, net_link_in(self->x, moved));
	EXPECT_EQ(-ENODEV, kisol_net_ifindex(moved));
	kisol_closep(&self->x); /* last reference: x dies */
	ASSERT_EQ(0, wait_dellink(self->mon, "kd-a", 5000))
		TH_LOG("no RTM_DELLINK for the canary: namespace did not die");
	EXPECT_EQ(-ENODEV, kisol_net_ifindex("kd-a"));
	/* a virtual device is destroyed with the namespace, never refunded home */
	EXPECT_EQ(-ENODEV, kisol_net_ifindex(moved)) TH_LOG("%s came back home", moved);
	EXPECT_EQ(1, kisol_net_link_list(NULL, 0)) TH_LOG("only lo left at home");
}

TEST_F(death, moved_back_by_hand_survives)
{
	const char *moved = moved_name(variant);
	_cleanup_close_ int home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	int back = -EBADF, r;

	ASSERT_LE(0, home);
	ASSERT_EQ(0, net_switch(self->x, &back));
	r = kisol_net_link_move(moved, home);
	ASSERT_EQ(0, net_switch_back(&back));
	ASSERT_EQ(0, r);
	EXPECT_LT(0, kisol_net_ifindex(moved));
	EXPECT_EQ(0, net_link_in(self->x, moved));
	kisol_closep(&self->x);
	if (strcmp(moved, "kd-b")) {
		ASSERT_EQ(0, wait_dellink(self->mon, "kd-a", 5000));
	} else {
		/* the canary is back home too: kill x by a fresh canary */
		_cleanup_close_ int y = net_new_ns_fd();

		ASSERT_LE(0, y);
		ASSERT_EQ(0, kisol_net_veth_create("kd-c", "kd-d", y));
		kisol_closep(&y);
		ASSERT_EQ(0, wait_dellink(self->mon, "kd-c", 5000));
	}
	EXPECT_LT(0, kisol_net_ifindex(moved)) TH_LOG("link died with a namespace it left");
}

/* ---- link events only in their namespace --------------------------------- */

TEST(link_events_stay_in_their_ns)
{
	_cleanup_close_ int x = -EBADF, mon_home = -EBADF, mon_x = -EBADF;
	struct kisol_net_event ev;
	int back = -EBADF;

	NEED_ROOT_OR_OWN_USERNS(KISOL_NS_NET);
	NEED_NS(KISOL_NS_NET);
	ASSERT_EQ(0, net_enter_fresh());
	x = net_new_ns_fd();
	ASSERT_LE(0, x);
	mon_home = kisol_net_monitor_open();
	ASSERT_LE(0, mon_home);
	ASSERT_EQ(0, net_switch(x, &back));
	mon_x = kisol_net_monitor_open();
	ASSERT_LE(0, mon_x);
	ASSERT_EQ(0, kisol_net_veth_create("ke-x1", "ke-x2", -1));
	ASSERT_EQ(0, net_switch_back(&back));
	/* marker at home after x's event: home's first event must be the marker */
	ASSERT_EQ(0, kisol_net_veth_create("ke-h1", "ke-h2", -1));
	ASSERT_EQ(0, net_switch(x, &back));
	ASSERT_EQ(0, kisol_net_link_up("lo"));
	ASSERT_EQ(0, net_switch_back(&back));

	ASSERT_EQ(0, kisol_net_monitor_next(mon_home, 2000, &ev));
	EXPECT_EQ(0, strncmp(ev.link.name, "ke-h", 4)) TH_LOG("home saw %s", ev.link.name);
	/* x: its own veth events, then its lo change, never ke-h* */
	for (;;) {
		ASSERT_EQ(0, kisol_net_monitor_next(mon_x, 2000, &ev));
		EXPECT_NE(0, strncmp(ev.link.name, "ke-h", 4)) TH_LOG("x saw home's link");
		if (!strcmp(ev.link.name, "lo"))
			break;
	}
	while (kisol_net_monitor_next(mon_home, 0, &ev) == 0)
		EXPECT_NE(0, strncmp(ev.link.name, "ke-x", 4)) TH_LOG("home saw x's link");
}
KISOL_META(global, link_events_stay_in_their_ns, "sides=both")

/* ---- /proc/net and /sys/class/net views ------------------------------------ */

static bool file_mentions(const char *path, const char *word)
{
	char buf[16384];

	if (kisol_read_file(path, buf, sizeof(buf)) < 0)
		return false;
	return strstr(buf, word) != NULL;
}

static int count_lines(const char *path)
{
	char buf[16384];
	int n = 0;

	if (kisol_read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	for (char *p = buf; *p; p++)
		n += *p == '\n';
	return n;
}

TEST(proc_net_dev_shows_current_ns)
{
	_cleanup_close_ int x = -EBADF;
	int back = -EBADF;

	NEED_ROOT_OR_OWN_USERNS(KISOL_NS_NET);
	NEED_NS(KISOL_NS_NET);
	ASSERT_EQ(0, net_enter_fresh());
	x = net_new_ns_fd();
	ASSERT_LE(0, x);
	ASSERT_EQ(0, kisol_net_veth_create("kp-h1", "kp-h2", -1));
	EXPECT_TRUE(file_mentions("/proc/net/dev", "kp-h1"));
	EXPECT_TRUE(file_mentions("/proc/self/net/dev", "kp-h2"));
	ASSERT_EQ(0, net_switch(x, &back));
	bool leak = file_mentions("/proc/net/dev", "kp-h1");
	int lines = count_lines("/proc/self/net/dev");

	ASSERT_EQ(0, net_switch_back(&back));
	EXPECT_FALSE(leak) TH_LOG("home's link in x's /proc/net/dev");
	EXPECT_EQ(3, lines) TH_LOG("2 header lines + lo expected");
}
KISOL_META(global, proc_net_dev_shows_current_ns, "sides=both")

static int hold_ns(int sock, void *arg)
{
	int64_t go;

	(void)arg;
	if (kisol_send_int(sock, kisol_net_veth_create("kc-1", "kc-2", -1)) < 0)
		return 1;
	return kisol_recv_int(sock, &go, KISOL_TIMEOUT_MS) < 0 ? 2 : 0;
}

TEST(proc_pid_net_shows_that_process_ns)
{
	struct kisol_spawn_opts o = { .flags = CLONE_NEWNET, .cgroup_fd = -1 };
	_cleanup_child_ struct kisol_child c = KISOL_CHILD_INIT;
	char path[64];
	int64_t r;

	NEED_ROOT_OR_OWN_USERNS(KISOL_NS_NET);
	NEED_NS(KISOL_NS_NET);
	ASSERT_EQ(0, net_enter_fresh());
	ASSERT_EQ(0, kisol_net_veth_create("kp-h1", "kp-h2", -1));
	ASSERT_EQ(0, kisol_spawn(&o, hold_ns, NULL, &c));
	ASSERT_EQ(0, kisol_recv_int(c.sock, &r, KISOL_TIMEOUT_MS));
	ASSERT_EQ(0, r);
	snprintf(path, sizeof(path), "/proc/%d/net/dev", c.pid);
	EXPECT_TRUE(file_mentions(path, "kc-1")) TH_LOG("outside view of the child's netns");
	EXPECT_FALSE(file_mentions(path, "kp-h1"));
	EXPECT_FALSE(file_mentions("/proc/self/net/dev", "kc-1"));
	EXPECT_TRUE(file_mentions("/proc/self/net/dev", "kp-h1"));
	ASSERT_EQ(0, kisol_send_int(c.sock, 1));
	EXPECT_EQ(0, kisol_child_exit_code(&c, KISOL_TIMEOUT_MS));
}
KISOL_META(global, proc_pid_net_shows_that_process_ns, "sides=both")

static bool dir_has(const char *dir, const char *name, int *ret_count)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	bool found = false;
	int n = 0;

	if (!d)
		return false;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.') {
			n++;
			found |= !strcmp(e->d_name, name);
		}
	closedir(d);
	if (ret_count)
		*ret_count = n;
	return found;
}

/* Own mount namespace, / private, a sysfs of our own over /sys (our view only). */
static int own_sysfs(void)
{
	/* a new mount namespace, checked new and with nothing propagating to the host */
	int r = kisol_mnt_isolate();

	if (r < 0)
		return r;
	if (mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return -errno;
	return 0;
}

TEST(sysfs_class_net_is_the_mounters_ns)
{
	_cleanup_close_ int x = -EBADF;
	int back = -EBADF, n = 0;

	NEED_ROOT_OR_OWN_USERNS(KISOL_NS_NET);
	NEED_NS(KISOL_NS_NET);
	NEED_NS(KISOL_NS_MNT);
	ASSERT_EQ(0, net_enter_fresh());
	ASSERT_EQ(0, own_sysfs());
	ASSERT_EQ(0, kisol_net_veth_create("ky-h1", "ky-h2", -1));
	EXPECT_TRUE(dir_has("/sys/class/net", "ky-h1", &n));
	EXPECT_EQ(3, n) TH_LOG("lo + the pair expected in a fresh ns");
	x = net_new_ns_fd();
	ASSERT_LE(0, x);
	/* after setns the old sysfs mount still shows home's links */
	ASSERT_EQ(0, net_switch(x, &back));
	bool still = dir_has("/sys/class/net", "ky-h1", NULL);
	/* a sysfs mounted now is x's: only lo */
	int r = mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	bool leak = dir_has("/sys/class/net", "ky-h1", &n);

	ASSERT_EQ(0, net_switch_back(&back));
	EXPECT_TRUE(still) TH_LOG("sysfs follows the viewer, not the mounter");
	ASSERT_EQ(0, r) TH_LOG("mount sysfs in x: %m");
	EXPECT_FALSE(leak) TH_LOG("x's sysfs lists home's link");
	EXPECT_EQ(1, n) TH_LOG("x's /sys/class/net should hold lo only");
}
KISOL_META(global, sysfs_class_net_is_the_mounters_ns, "sides=both")

/* ---- lifetime ------------------------------------------------------------------ */

FIXTURE(life) {
	int mon;
	struct kisol_child child;
	char file[64];
	bool mounted;
};
FIXTURE_VARIANT(life) { int holder; };
enum { HOLD_FD, HOLD_BIND_MOUNT, HOLD_PROCESS };
KISOL_META_FIXTURE(life, "sides=both")
FIXTURE_VARIANT_ADD(life, fd) { HOLD_FD };
FIXTURE_VARIANT_ADD(life, bind_mount) { HOLD_BIND_MOUNT };
FIXTURE_VARIANT_ADD(life, process) { HOLD_PROCESS };

FIXTURE_SETUP(life)
{
	struct kisol_child init = KISOL_CHILD_INIT;

	self->child = init;
	self->mon = -EBADF;
	self->mounted = false;
	NEED_ROOT_OR_OWN_USERNS(KISOL_NS_NET);
	NEED_NS(KISOL_NS_NET);
	ASSERT_EQ(0, net_enter_fresh());
	if (variant->holder == HOLD_BIND_MOUNT) {
		NEED_NS(KISOL_NS_MNT);
		/*
		 * a new mount namespace (checked new, nothing propagating out) and a
		 * tmpfs of our own over /tmp for the target file
		 */
		ASSERT_EQ(0, kisol_mnt_isolate());
		ASSERT_EQ(0, mount("tmpfs", "/tmp", "tmpfs", 0, "size=64k"));
		snprintf(self->file, sizeof(self->file), "/tmp/netns-kisol");
		int fd = open(self->file, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);

		ASSERT_LE(0, fd);
		close(fd);
	}
	self->mon = kisol_net_monitor_open();
	ASSERT_LE(0, self->mon);
}

FIXTURE_TEARDOWN(life)
{
	kisol_child_release(&self->child);
	kisol_closep(&self->mon);
}

static int wait_go(int sock, void *arg)
{
	int64_t go;

	(void)arg;
	kisol_send_int(sock, 0);
	return kisol_recv_int(sock, &go, -1) < 0 ? 0 : 1;
}

TEST_F(life, namespace_lives_while_held)
{
	_cleanup_close_ int x = -EBADF, again = -EBADF;
	char path[64];

	if (variant->holder == HOLD_PROCESS) {
		struct kisol_spawn_opts o = { .flags = CLONE_NEWNET, .cgroup_fd = -1 };
		int64_t ready;

		ASSERT_EQ(0, kisol_spawn(&o, wait_go, NULL, &self->child));
		ASSERT_EQ(0, kisol_recv_int(self->child.sock, &ready, KISOL_TIMEOUT_MS));
		x = kisol_ns_open(self->child.pid, KISOL_NS_NET);
	} else {
		x = net_new_ns_fd();
	}
	ASSERT_LE(0, x);
	ASSERT_EQ(0, kisol_net_veth_create("kl-a", "kl-b", x));
	if (variant->holder == HOLD_BIND_MOUNT) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", x);
		ASSERT_EQ(0, mount(path, self->file, NULL, MS_BIND, NULL)) TH_LOG("bind nsfs: %m");
	}
	if (variant->holder != HOLD_FD)
		kisol_closep(&x);
	/* still alive: the home end exists, and from inside its peer does */
	EXPECT_LT(0, kisol_net_ifindex("kl-a"));
	if (variant->holder == HOLD_BIND_MOUNT) {
		again = open(self->file, O_RDONLY | O_CLOEXEC);
		ASSERT_LE(0, again);
		EXPECT_EQ(1, net_link_in(again, "kl-b")) TH_LOG("inside view through the bind mount");
		kisol_closep(&again);
	} else if (variant->holder == HOLD_PROCESS) {
		again = kisol_ns_open(self->child.pid, KISOL_NS_NET);
		ASSERT_LE(0, again);
		EXPECT_EQ(1, net_link_in(again, "kl-b"));
		kisol_closep(&again);
	} else {
		EXPECT_EQ(1, net_link_in(x, "kl-b"));
	}
	EXPECT_EQ(-ETIMEDOUT, wait_dellink(self->mon, "kl-a", 0)) TH_LOG("died while held");
	/* drop the holder: the namespace dies and takes the pair */
	if (variant->holder == HOLD_BIND_MOUNT) {
		ASSERT_EQ(0, umount2(self->file, MNT_DETACH));
	} else if (variant->holder == HOLD_PROCESS) {
		kisol_child_release(&self->child);
	} else {
		kisol_closep(&x);
	}
	ASSERT_EQ(0, wait_dellink(self->mon, "kl-a", 5000)) TH_LOG("namespace outlived its holder");
	EXPECT_EQ(-ENODEV, kisol_net_ifindex("kl-a"));
}

/* ---- netns ids ------------------------------------------------------------------- */

TEST(nsid_allocated_for_peer_link_both_sides)
{
	_cleanup_close_ int x = -EBADF, home = -EBADF;
	struct kisol_net_link a;
	int back = -EBADF, id_home, id_x;

	NEED_ROOT_OR_OWN_USERNS(KISOL_NS_NET);
	NEED_NS(KISOL_NS_NET);
	ASSERT_EQ(0, net_enter_fresh());
	home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	x = net_new_ns_fd();
	ASSERT_LE(0, x);
	EXPECT_EQ(-ENOENT, kisol_net_nsid_get(x));
	ASSERT_EQ(0, kisol_net_veth_create("kn-a", "kn-b", x));
	id_x = kisol_net_nsid_get(x);
	EXPECT_LE(0, id_x) TH_LOG("no nsid for the peer's namespace");
	ASSERT_EQ(0, kisol_net_link_get("kn-a", &a));
	EXPECT_EQ(id_x, a.link_netnsid);
	/* x allocates its id for home at the latest when it reports kn-b */
	ASSERT_EQ(0, net_switch(x, &back));
	int r = kisol_net_link_get("kn-b", &a);

	id_home = kisol_net_nsid_get(home);

	ASSERT_EQ(0, net_switch_back(&back));
	EXPECT_LE(0, id_home) TH_LOG("x has no id for home");
	ASSERT_EQ(0, r);
	EXPECT_EQ(id_home, a.link_netnsid);
}
KISOL_META(global, nsid_allocated_for_peer_link_both_sides, "sides=both")

TEST(nsid_is_per_observer)
{
	_cleanup_close_ int x = -EBADF, y = -EBADF;
	int back = -EBADF, from_y, set_y;

	NEED_ROOT_OR_OWN_USERNS(KISOL_NS_NET);
	NEED_NS(KISOL_NS_NET);
	ASSERT_EQ(0, net_enter_fresh());
	x = net_new_ns_fd();
	y = net_new_ns_fd();
	ASSERT_LE(0, x);
	ASSERT_LE(0, y);
	ASSERT_EQ(0, kisol_net_nsid_set(x, 5));
	ASSERT_EQ(0, net_switch(y, &back));
	from_y = kisol_net_nsid_get(x);
	set_y = kisol_net_nsid_set(x, 9);
	int again = kisol_net_nsid_get(x);

	ASSERT_EQ(0, net_switch_back(&back));
	EXPECT_EQ(-ENOENT, from_y) TH_LOG("home's id for x visible from y");
	EXPECT_EQ(0, set_y);
	EXPECT_EQ(9, again);
	EXPECT_EQ(5, kisol_net_nsid_get(x)) TH_LOG("y's id leaked into home");
}
KISOL_META(global, nsid_is_per_observer, "sides=both")

TEST(nsid_released_when_peer_ns_dies)
{
	_cleanup_close_ int x = -EBADF, z = -EBADF, mon = -EBADF;

	NEED_ROOT_OR_OWN_USERNS(KISOL_NS_NET);
	NEED_NS(KISOL_NS_NET);
	ASSERT_EQ(0, net_enter_fresh());
	mon = kisol_net_monitor_open();
	x = net_new_ns_fd();
	z = net_new_ns_fd();
	ASSERT_LE(0, mon);
	ASSERT_LE(0, x);
	ASSERT_LE(0, z);
	ASSERT_EQ(0, kisol_net_nsid_set(x, 11));
	EXPECT_EQ(-EEXIST, kisol_net_nsid_set(z, 11));
	ASSERT_EQ(0, kisol_net_veth_create("kr-a", "kr-b", x));
	EXPECT_EQ(11, kisol_net_nsid_get(x));
	kisol_closep(&x);
	ASSERT_EQ(0, wait_dellink(mon, "kr-a", 5000));
	/* the dead namespace's id is free again */
	EXPECT_EQ(0, kisol_net_nsid_set(z, 11));
	EXPECT_EQ(11, kisol_net_nsid_get(z));
}
KISOL_META(global, nsid_released_when_peer_ns_dies,
	   "sides=one: a netns id belongs to its observer's table, only home's table is involved;cve=CVE-2017-15129;commit=21b594435005;"
	   "ref=nsid of a dying netns must not outlive it (get_net_ns_by_id)")

KISOL_MAIN
