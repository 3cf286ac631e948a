// SPDX-License-Identifier: GPL-2.0-only
/*
 * libkisol net module: every public kisol_net_* function, including its
 * error paths. Each test first moves its own process into a network
 * namespace it created (fixture setup), so nothing here can touch the
 * host's links. Results are cross-checked with independent interfaces
 * (ioctl, getifaddrs, if_nametoindex, bind) rather than with the library.
 */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "kisol_test.h"
#include "netns/netutil.h"

FIXTURE(net) {
	int other; /* a second test-owned netns, opened on demand */
};

FIXTURE_SETUP(net)
{
	int r;

	self->other = -EBADF;
	NEED_NS(KISOL_NS_NET);
	r = net_enter_fresh();
	ASSERT_EQ(0, r) TH_LOG("cannot enter a fresh netns: %s", strerror(-r));
}

FIXTURE_TEARDOWN(net)
{
	kisol_closep(&self->other);
}

static int other_ns(struct _test_data_net *self)
{
	if (self->other < 0)
		self->other = net_new_ns_fd();
	return self->other;
}

/* IFF_* flags of a link via the classic ioctl: independent of rtnetlink. */
static int ioctl_flags(const char *name)
{
	_cleanup_close_ int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr = { 0 };

	if (s < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return -errno;
	return ifr.ifr_flags & 0xffff;
}

/* ---- lookups ---------------------------------------------------------- */

TEST_F(net, ifindex_lo_matches_if_nametoindex)
{
	int idx = kisol_net_ifindex("lo");

	ASSERT_LT(0, idx);
	EXPECT_EQ((int)if_nametoindex("lo"), idx);
	/* a fresh namespace numbers lo first */
	EXPECT_EQ(1, idx);
}

TEST_F(net, ifindex_missing_is_enodev)
{
	EXPECT_EQ(-ENODEV, kisol_net_ifindex("kisol-none0"));
	EXPECT_EQ(0, (int)if_nametoindex("kisol-none0"));
}

TEST_F(net, link_get_lo)
{
	struct kisol_net_link l = { .ifindex = -7 };

	ASSERT_EQ(0, kisol_net_link_get("lo", &l));
	EXPECT_STREQ("lo", l.name);
	EXPECT_EQ(1, l.ifindex);
	EXPECT_TRUE(!!(l.flags & IFF_LOOPBACK));
	EXPECT_FALSE(!!(l.flags & IFF_UP)) TH_LOG("lo of a fresh netns must start down");
	EXPECT_EQ(ioctl_flags("lo"), (int)(l.flags & 0xffff));
	EXPECT_LT(0u, l.mtu);
	EXPECT_EQ(-1, l.link_netnsid);
	EXPECT_LE(0, l.operstate) TH_LOG("IFLA_OPERSTATE not reported");
}

TEST_F(net, link_get_missing_leaves_output)
{
	struct kisol_net_link l = { .ifindex = -7 };

	EXPECT_EQ(-ENODEV, kisol_net_link_get("kisol-none0", &l));
	EXPECT_EQ(-7, l.ifindex) TH_LOG("output written on failure");
	EXPECT_EQ(-EINVAL, kisol_net_link_get("lo", NULL));
}

/* Malformed names are refused before the kernel sees them. */
FIXTURE(badname) {};
FIXTURE_VARIANT(badname) { const char *name; };
FIXTURE_VARIANT_ADD(badname, null) { .name = NULL };
FIXTURE_VARIANT_ADD(badname, empty) { .name = "" };
FIXTURE_VARIANT_ADD(badname, sixteen_chars) { .name = "abcdefghijklmnop" };
FIXTURE_SETUP(badname)
{
	NEED_NS(KISOL_NS_NET);
	ASSERT_EQ(0, net_enter_fresh());
}
FIXTURE_TEARDOWN(badname) {}

TEST_F(badname, every_function_einval)
{
	struct kisol_net_link l;

	EXPECT_EQ(-EINVAL, kisol_net_ifindex(variant->name));
	EXPECT_EQ(-EINVAL, kisol_net_link_get(variant->name, &l));
	EXPECT_EQ(-EINVAL, kisol_net_link_set_up(variant->name, true));
	EXPECT_EQ(-EINVAL, kisol_net_veth_create(variant->name, "kv-peer", -1));
	EXPECT_EQ(-EINVAL, kisol_net_veth_create("kv-a", variant->name, -1));
	EXPECT_EQ(-EINVAL, kisol_net_link_create(variant->name, "dummy"));
	EXPECT_EQ(-EINVAL, kisol_net_link_del(variant->name));
	EXPECT_EQ(-EINVAL, kisol_net_addr_add(variant->name, "10.9.0.1/24"));
	/* and nothing was created by the half-valid veth call */
	EXPECT_EQ(-ENODEV, kisol_net_ifindex("kv-a"));
	EXPECT_EQ(-ENODEV, kisol_net_ifindex("kv-peer"));
}

TEST_F(net, link_list_fresh_ns_only_lo)
{
	struct kisol_net_link buf[4];
	int n = kisol_net_link_list(buf, 4);

	ASSERT_EQ(1, n);
	EXPECT_STREQ("lo", buf[0].name);
	EXPECT_EQ(1, kisol_net_link_list(NULL, 0)) TH_LOG("count-only call");
	EXPECT_EQ(-EINVAL, kisol_net_link_list(NULL, 3));
}

TEST_F(net, link_list_counts_beyond_max)
{
	struct kisol_net_link buf[1] = { { .ifindex = 0 } };

	ASSERT_EQ(0, kisol_net_veth_create("kl-a", "kl-b", -1));
	EXPECT_EQ(3, kisol_net_link_list(buf, 1));
	EXPECT_EQ(1, buf[0].ifindex);
	EXPECT_STREQ("lo", buf[0].name);
}

/* ---- up / down --------------------------------------------------------- */

TEST_F(net, link_up_down_seen_by_ioctl)
{
	ASSERT_EQ(0, kisol_net_link_up("lo"));
	EXPECT_TRUE(ioctl_flags("lo") & IFF_UP);
	ASSERT_EQ(0, kisol_net_link_down("lo"));
	EXPECT_FALSE(ioctl_flags("lo") & IFF_UP);
	EXPECT_EQ(-ENODEV, kisol_net_link_up("kisol-none0"));
}

/* ---- veth ---------------------------------------------------------------- */

TEST_F(net, veth_create_both_ends_here)
{
	struct kisol_net_link a, b;

	ASSERT_EQ(0, kisol_net_veth_create("kv-a", "kv-b", -1));
	ASSERT_EQ(0, kisol_net_link_get("kv-a", &a));
	ASSERT_EQ(0, kisol_net_link_get("kv-b", &b));
	EXPECT_STREQ("veth", a.kind);
	EXPECT_STREQ("veth", b.kind);
	EXPECT_NE(a.ifindex, b.ifindex);
	EXPECT_EQ((int)if_nametoindex("kv-a"), a.ifindex);
	EXPECT_EQ(-EEXIST, kisol_net_veth_create("kv-a", "kv-c", -1));
	EXPECT_EQ(-ENODEV, kisol_net_ifindex("kv-c"));
}

TEST_F(net, veth_peer_created_in_target_ns)
{
	struct kisol_net_link a;
	int other = other_ns(self);

	ASSERT_LE(0, other);
	ASSERT_EQ(0, kisol_net_veth_create("kv-a", "kv-b", other));
	EXPECT_EQ(-ENODEV, kisol_net_ifindex("kv-b")) TH_LOG("peer also here");
	EXPECT_EQ(1, net_link_in(other, "kv-b"));
	EXPECT_EQ(0, net_link_in(other, "kv-a"));
	ASSERT_EQ(0, kisol_net_link_get("kv-a", &a));
	EXPECT_LE(0, a.link_netnsid) TH_LOG("peer in another ns carries a link netnsid");
}

TEST_F(net, veth_peer_ns_bad_fds)
{
	_cleanup_close_ int notns = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int closed = dup(0), r;

	ASSERT_LE(0, notns);
	ASSERT_LE(0, closed);
	close(closed);
	/* 6.1 says EBADF, kernels that resolve the peer netns in the core EINVAL */
	r = kisol_net_veth_create("kv-a", "kv-b", closed);
	EXPECT_TRUE(r == -EBADF || r == -EINVAL) TH_LOG("closed fd: %d", r);
	EXPECT_EQ(-EINVAL, kisol_net_veth_create("kv-a", "kv-b", notns));
	EXPECT_EQ(-EBADF, kisol_net_veth_create("kv-a", "kv-b", -5));
	EXPECT_EQ(1, kisol_net_link_list(NULL, 0)) TH_LOG("a failed create left links");
}

TEST_F(net, link_del_takes_veth_peer)
{
	ASSERT_EQ(0, kisol_net_veth_create("kv-a", "kv-b", -1));
	ASSERT_EQ(0, kisol_net_link_del("kv-a"));
	EXPECT_EQ(0, (int)if_nametoindex("kv-a"));
	EXPECT_EQ(0, (int)if_nametoindex("kv-b"));
	EXPECT_EQ(-ENODEV, kisol_net_link_del("kv-a"));
	EXPECT_EQ(-EOPNOTSUPP, kisol_net_link_del("lo")) TH_LOG("lo is not deletable");
}

/* ---- other kinds ------------------------------------------------------- */

FIXTURE(kind) {};
FIXTURE_VARIANT(kind) {
	const char *kind;
	int move; /* expected result of moving it to another netns */
};
FIXTURE_VARIANT_ADD(kind, dummy) { .kind = "dummy" };
FIXTURE_VARIANT_ADD(kind, ifb) { .kind = "ifb" };
/* bridges are netns-local (NETIF_F_NETNS_LOCAL): moving is EINVAL */
FIXTURE_VARIANT_ADD(kind, bridge) { .kind = "bridge", .move = -EINVAL };
FIXTURE_SETUP(kind)
{
	NEED_NS(KISOL_NS_NET);
	ASSERT_EQ(0, net_enter_fresh());
}
FIXTURE_TEARDOWN(kind) {}

TEST_F(kind, create_get_move_delete)
{
	_cleanup_close_ int other = -EBADF;
	struct kisol_net_link l;
	int r = kisol_net_link_create("kk0", variant->kind);

	if (r == -EOPNOTSUPP)
		SKIP(return, "link kind %s not in this kernel (CONFIG off, no module)",
		     variant->kind);
	ASSERT_EQ(0, r) TH_LOG("create %s: %s", variant->kind, strerror(-r));
	ASSERT_EQ(0, kisol_net_link_get("kk0", &l));
	EXPECT_STREQ(variant->kind, l.kind);
	EXPECT_EQ(-EEXIST, kisol_net_link_create("kk0", variant->kind));
	other = net_new_ns_fd();
	ASSERT_LE(0, other);
	ASSERT_EQ(variant->move, kisol_net_link_move("kk0", other));
	EXPECT_EQ(variant->move ? 1 : 0, kisol_net_ifindex("kk0") > 0);
	EXPECT_EQ(variant->move ? 0 : 1, net_link_in(other, "kk0"));
	if (!variant->move)
		return;
	ASSERT_EQ(0, kisol_net_link_del("kk0"));
	EXPECT_EQ(-ENODEV, kisol_net_ifindex("kk0"));
}

TEST(link_create_rejects_unknown_and_veth)
{
	NEED_NS(KISOL_NS_NET);
	ASSERT_EQ(0, net_enter_fresh());
	EXPECT_EQ(-EOPNOTSUPP, kisol_net_link_create("kx0", "kisol-no-such-kind"));
	EXPECT_EQ(-EINVAL, kisol_net_link_create("kx0", "veth"));
	EXPECT_EQ(-EINVAL, kisol_net_link_create("kx0", NULL));
	EXPECT_EQ(-EINVAL, kisol_net_link_create("kx0", ""));
	EXPECT_EQ(1, kisol_net_link_list(NULL, 0));
}

/* ---- move ---------------------------------------------------------------- */

TEST_F(net, link_move_veth_end)
{
	int other = other_ns(self);

	ASSERT_LE(0, other);
	ASSERT_EQ(0, kisol_net_veth_create("kv-a", "kv-b", -1));
	ASSERT_EQ(0, kisol_net_link_move("kv-b", other));
	EXPECT_EQ(0, (int)if_nametoindex("kv-b"));
	EXPECT_EQ(1, net_link_in(other, "kv-b"));
	EXPECT_EQ(0, net_link_in(other, "kv-a"));
}

TEST_F(net, link_move_errors)
{
	_cleanup_close_ int notns = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int other = other_ns(self);

	ASSERT_LE(0, other);
	ASSERT_LE(0, notns);
	ASSERT_EQ(0, kisol_net_veth_create("kv-a", "kv-b", -1));
	EXPECT_EQ(-EBADF, kisol_net_link_move("kv-a", -1));
	EXPECT_EQ(-EINVAL, kisol_net_link_move("kv-a", notns));
	EXPECT_EQ(-ENODEV, kisol_net_link_move("kisol-none0", other));
	/* lo is NETIF_F_NETNS_LOCAL */
	EXPECT_EQ(-EINVAL, kisol_net_link_move("lo", other));
	EXPECT_LT(0, kisol_net_ifindex("kv-a")) TH_LOG("failed move lost the link");
}

/* ---- addresses ------------------------------------------------------------ */

FIXTURE(addr) {};
FIXTURE_VARIANT(addr) {
	int family;
	const char *cidr, *ip;
};
FIXTURE_VARIANT_ADD(addr, ipv4) { AF_INET, "10.77.0.1/24", "10.77.0.1" };
FIXTURE_VARIANT_ADD(addr, ipv4_host32) { AF_INET, "10.77.0.9/32", "10.77.0.9" };
FIXTURE_VARIANT_ADD(addr, ipv6) { AF_INET6, "fd00:77::1/64", "fd00:77::1" };
FIXTURE_VARIANT_ADD(addr, ipv6_host128) { AF_INET6, "fd00:77::9/128", "fd00:77::9" };
FIXTURE_SETUP(addr)
{
	NEED_NS(KISOL_NS_NET);
	NEED_FAMILY(variant->family);
	ASSERT_EQ(0, net_enter_fresh());
}
FIXTURE_TEARDOWN(addr) {}

static bool ifaddr_has(const char *ifname, int family, const char *ip)
{
	struct ifaddrs *ifa, *i;
	char buf[INET6_ADDRSTRLEN];
	bool found = false;

	if (getifaddrs(&ifa) < 0)
		return false;
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != family || strcmp(i->ifa_name, ifname))
			continue;
		if (family == AF_INET)
			inet_ntop(family, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, buf, sizeof(buf));
		else
			inet_ntop(family, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, buf, sizeof(buf));
		if (!strcmp(buf, ip))
			found = true;
	}
	freeifaddrs(ifa);
	return found;
}

static int bind_ip(int family, const char *ip)
{
	struct sockaddr_storage ss = { 0 };
	_cleanup_close_ int s = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	socklen_t len;

	if (s < 0)
		return -errno;
	if (family == AF_INET) {
		struct sockaddr_in *a = (void *)&ss;

		a->sin_family = AF_INET;
		inet_pton(AF_INET, ip, &a->sin_addr);
		len = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (void *)&ss;

		a->sin6_family = AF_INET6;
		inet_pton(AF_INET6, ip, &a->sin6_addr);
		len = sizeof(*a);
	}
	return bind(s, (struct sockaddr *)&ss, len) < 0 ? -errno : 0;
}

TEST_F(addr, add_visible_and_bindable)
{
	/*
	 * Until the first address exists there is no local table and IPv4
	 * treats every address as bindable; lo's 127.0.0.1 creates it.
	 */
	ASSERT_EQ(0, kisol_net_link_up("lo"));
	EXPECT_EQ(-EADDRNOTAVAIL, bind_ip(variant->family, variant->ip))
		TH_LOG("address usable before it was added");
	ASSERT_EQ(0, kisol_net_veth_create("ka-a", "ka-b", -1));
	ASSERT_EQ(0, kisol_net_link_up("ka-a"));
	ASSERT_EQ(0, kisol_net_addr_add("ka-a", variant->cidr));
	EXPECT_TRUE(ifaddr_has("ka-a", variant->family, variant->ip));
	EXPECT_FALSE(ifaddr_has("ka-b", variant->family, variant->ip));
	EXPECT_EQ(0, bind_ip(variant->family, variant->ip));
	EXPECT_EQ(-EEXIST, kisol_net_addr_add("ka-a", variant->cidr));
	EXPECT_EQ(-ENODEV, kisol_net_addr_add("kisol-none0", variant->cidr));
}

TEST_F(addr, invisible_in_other_ns)
{
	_cleanup_close_ int other = net_new_ns_fd();
	int back = -EBADF;

	ASSERT_LE(0, other);
	ASSERT_EQ(0, kisol_net_addr_add("lo", variant->cidr));
	ASSERT_EQ(0, net_switch(other, &back));
	bool there = ifaddr_has("lo", variant->family, variant->ip);

	ASSERT_EQ(0, net_switch_back(&back));
	EXPECT_FALSE(there) TH_LOG("address leaked into another netns");
	EXPECT_TRUE(ifaddr_has("lo", variant->family, variant->ip));
}

FIXTURE(badaddr) {};
FIXTURE_VARIANT(badaddr) { const char *cidr; };
FIXTURE_VARIANT_ADD(badaddr, null) { NULL };
FIXTURE_VARIANT_ADD(badaddr, no_prefix) { "10.77.0.1" };
FIXTURE_VARIANT_ADD(badaddr, v4_prefix_33) { "10.77.0.1/33" };
FIXTURE_VARIANT_ADD(badaddr, v6_prefix_129) { "fd00::1/129" };
FIXTURE_VARIANT_ADD(badaddr, empty_prefix) { "10.77.0.1/" };
FIXTURE_VARIANT_ADD(badaddr, junk_prefix) { "10.77.0.1/2x" };
FIXTURE_VARIANT_ADD(badaddr, not_an_ip) { "kisol/24" };
FIXTURE_VARIANT_ADD(badaddr, v4_octet_256) { "10.256.0.1/24" };
FIXTURE_SETUP(badaddr)
{
	NEED_NS(KISOL_NS_NET);
	ASSERT_EQ(0, net_enter_fresh());
}
FIXTURE_TEARDOWN(badaddr) {}

TEST_F(badaddr, einval_and_nothing_added)
{
	struct ifaddrs *ifa, *i;
	int n = 0;

	EXPECT_EQ(-EINVAL, kisol_net_addr_add("lo", variant->cidr));
	ASSERT_EQ(0, getifaddrs(&ifa));
	for (i = ifa; i; i = i->ifa_next)
		if (i->ifa_addr && (i->ifa_addr->sa_family == AF_INET ||
				    i->ifa_addr->sa_family == AF_INET6))
			n++;
	freeifaddrs(ifa);
	EXPECT_EQ(0, n) TH_LOG("lo of a fresh down netns should carry no address");
}

/* ---- namespace ids ------------------------------------------------------ */

TEST_F(net, nsid_unassigned_then_set)
{
	int other = other_ns(self);

	ASSERT_LE(0, other);
	EXPECT_EQ(-ENOENT, kisol_net_nsid_get(other));
	ASSERT_EQ(0, kisol_net_nsid_set(other, 42));
	EXPECT_EQ(42, kisol_net_nsid_get(other));
	/* an id is assigned once per pair of namespaces */
	EXPECT_EQ(-EEXIST, kisol_net_nsid_set(other, 43));
	EXPECT_EQ(42, kisol_net_nsid_get(other));
}

TEST_F(net, nsid_kernel_chosen_and_errors)
{
	_cleanup_close_ int notns = open("/dev/null", O_RDONLY | O_CLOEXEC);
	_cleanup_close_ int third = net_new_ns_fd();
	int other = other_ns(self), id;

	ASSERT_LE(0, other);
	ASSERT_LE(0, third);
	ASSERT_EQ(0, kisol_net_nsid_set(other, 7));
	EXPECT_EQ(-EEXIST, kisol_net_nsid_set(third, 7)) TH_LOG("id 7 reused");
	ASSERT_EQ(0, kisol_net_nsid_set(third, -1));
	id = kisol_net_nsid_get(third);
	EXPECT_LE(0, id);
	EXPECT_NE(7, id);
	EXPECT_EQ(-EBADF, kisol_net_nsid_get(-1));
	EXPECT_EQ(-EBADF, kisol_net_nsid_set(-1, 1));
	EXPECT_EQ(-EINVAL, kisol_net_nsid_set(other, -2));
	EXPECT_EQ(-EINVAL, kisol_net_nsid_get(notns));
}

/* ---- link events ---------------------------------------------------------- */

TEST_F(net, monitor_sees_new_and_del)
{
	_cleanup_close_ int mon = kisol_net_monitor_open();
	struct kisol_net_event ev;
	bool saw_new = false, saw_del = false;

	ASSERT_LE(0, mon);
	ASSERT_EQ(0, kisol_net_veth_create("km-a", "km-b", -1));
	ASSERT_EQ(0, kisol_net_link_del("km-a"));
	while (!(saw_new && saw_del) && kisol_net_monitor_next(mon, 1000, &ev) == 0) {
		if (strcmp(ev.link.name, "km-a"))
			continue;
		if (ev.type == RTM_NEWLINK)
			saw_new = true;
		if (ev.type == RTM_DELLINK)
			saw_del = true;
	}
	EXPECT_TRUE(saw_new);
	EXPECT_TRUE(saw_del);
}

TEST_F(net, monitor_timeout_and_errors)
{
	_cleanup_close_ int mon = kisol_net_monitor_open();
	struct kisol_net_event ev = { .type = -3 };

	ASSERT_LE(0, mon);
	EXPECT_EQ(-ETIMEDOUT, kisol_net_monitor_next(mon, 20, &ev));
	EXPECT_EQ(-3, ev.type);
	EXPECT_EQ(-EBADF, kisol_net_monitor_next(-1, 20, &ev));
	EXPECT_EQ(-EINVAL, kisol_net_monitor_next(mon, 20, NULL));
}

KISOL_MAIN
