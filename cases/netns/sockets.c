// SPDX-License-Identifier: GPL-2.0-only
/*
 * Network namespaces: sockets. The same port bound in two namespaces,
 * loopback traffic that stays in its namespace, TCP and UDP across a
 * veth pair whose both ends live in namespaces the test created (and
 * nowhere else), abstract unix sockets isolated while path-bound ones are
 * not, and a socket keeping the namespace it was created in (SIOCGSKNS).
 *
 * The test process first moves into a fresh network namespace ("home");
 * further namespaces are held as fds and entered with setns(). Every
 * socket belongs to the namespace current when it was created.
 */
#include <linux/netlink.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "kisol_test.h"
#include "netns/netutil.h"
#include "netns/sockutil.h"

#ifndef IF_OPER_UP
#define IF_OPER_UP 6 /* linux/if.h (RFC 2863); glibc's net/if.h lacks it */
#endif

/* setns, then check the namespace entered is the one asked for (-EPROTO: setns said yes, we stayed) */
#define NS_ENTER(fd) ASSERT_EQ(0, kisol_ns_enter(fd, KISOL_NS_NET)) TH_LOG("setns (-EPROTO: it returned 0 and left us where we were)")

static int lo_up_in(int nsfd)
{
	int back = -EBADF, r = net_switch(nsfd, &back);

	if (r < 0)
		return r;
	r = kisol_net_link_up("lo");
	net_switch_back(&back);
	return r;
}

/* ---- the same port in two namespaces --------------------------------- */

FIXTURE(port) {
	int home, a, b;
};
FIXTURE_VARIANT(port) {
	int family, type;
	const char *ip;
};
KISOL_META_FIXTURE(port, "sides=both")
FIXTURE_VARIANT_ADD(port, tcp4) { AF_INET, SOCK_STREAM, "127.0.0.1" };
FIXTURE_VARIANT_ADD(port, udp4) { AF_INET, SOCK_DGRAM, "127.0.0.1" };
FIXTURE_VARIANT_ADD(port, tcp6) { AF_INET6, SOCK_STREAM, "::1" };
FIXTURE_VARIANT_ADD(port, udp6) { AF_INET6, SOCK_DGRAM, "::1" };

FIXTURE_SETUP(port)
{
	self->home = self->a = self->b = -EBADF;
	NEED_ROOT_OR_OWN_USERNS(KISOL_NS_NET);
	NEED_NS(KISOL_NS_NET);
	NEED_FAMILY(variant->family);
	ASSERT_EQ(0, net_enter_fresh());
	self->home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	self->a = net_new_ns_fd();
	self->b = net_new_ns_fd();
	ASSERT_LE(0, self->home);
	ASSERT_LE(0, self->a);
	ASSERT_LE(0, self->b);
	ASSERT_EQ(0, lo_up_in(self->a));
	ASSERT_EQ(0, lo_up_in(self->b));
}

FIXTURE_TEARDOWN(port)
{
	kisol_closep(&self->a);
	kisol_closep(&self->b);
	kisol_closep(&self->home);
}

#define PORT 40123

TEST_F(port, same_port_bound_in_two_ns)
{
	_cleanup_close_ int sa = -EBADF, sb = -EBADF, again = -EBADF;

	NS_ENTER(self->a);
	sa = sock_bound(variant->family, variant->type, variant->ip, PORT);
	ASSERT_LE(0, sa) TH_LOG("bind in A: %s", strerror(-sa));
	/* control: the port really is taken in A */
	again = sock_bound(variant->family, variant->type, variant->ip, PORT);
	EXPECT_EQ(-EADDRINUSE, again);
	NS_ENTER(self->b);
	sb = sock_bound(variant->family, variant->type, variant->ip, PORT);
	EXPECT_LE(0, sb) TH_LOG("port taken in A is busy in B: %s", strerror(-sb));
}

TEST_F(port, loopback_traffic_stays_in_ns)
{
	_cleanup_close_ int sa = -EBADF, sb = -EBADF, c = -EBADF, acc = -EBADF;
	char buf[8] = "";

	NS_ENTER(self->a);
	sa = sock_bound(variant->family, variant->type, variant->ip, PORT);
	ASSERT_LE(0, sa);
	NS_ENTER(self->b);
	sb = sock_bound(variant->family, variant->type, variant->ip, PORT);
	ASSERT_LE(0, sb);
	c = sock_connected(variant->family, variant->type, variant->ip, PORT);
	ASSERT_LE(0, c);
	ASSERT_EQ(2, send(c, "hi", 2, 0));
	if (variant->type == SOCK_STREAM) {
		ASSERT_EQ(1, sock_readable(sb, 2000)) TH_LOG("B's listener got no connection");
		acc = accept4(sb, NULL, NULL, SOCK_CLOEXEC);
		ASSERT_LE(0, acc);
		EXPECT_EQ(2, recv(acc, buf, sizeof(buf), 0));
	} else {
		EXPECT_EQ(2, recv(sb, buf, sizeof(buf), 0));
	}
	EXPECT_STREQ("hi", buf);
	/* A's socket on the same address and port saw nothing */
	EXPECT_EQ(0, sock_readable(sa, 0)) TH_LOG("traffic crossed into A");
}

TEST_F(port, connect_to_other_ns_port_refused)
{
	_cleanup_close_ int sa = -EBADF, c = -EBADF;

	if (variant->type != SOCK_STREAM) {
		/* connected UDP to a port with no socket: the error arrives on send */
		NS_ENTER(self->a);
		sa = sock_bound(variant->family, variant->type, variant->ip, PORT);
		ASSERT_LE(0, sa);
		NS_ENTER(self->b);
		c = sock_connected(variant->family, variant->type, variant->ip, PORT);
		ASSERT_LE(0, c);
		ASSERT_EQ(1, send(c, "x", 1, 0));
		/* ICMP port unreachable on loopback is reported synchronously */
		char b;

		EXPECT_EQ(-1, recv(c, &b, 1, 0));
		EXPECT_EQ(ECONNREFUSED, errno);
		EXPECT_EQ(0, sock_readable(sa, 0)) TH_LOG("datagram crossed into A");
		return;
	}
	NS_ENTER(self->a);
	sa = sock_bound(variant->family, variant->type, variant->ip, PORT);
	ASSERT_LE(0, sa);
	/* inside A the listener answers */
	c = sock_connected(variant->family, variant->type, variant->ip, PORT);
	ASSERT_LE(0, c);
	kisol_closep(&c);
	NS_ENTER(self->b);
	EXPECT_EQ(-ECONNREFUSED, sock_connected(variant->family, variant->type, variant->ip, PORT));
}

/* ---- veth between two test namespaces ---------------------------------- */

FIXTURE(veth) {
	int home, a, b, c;
};
FIXTURE_VARIANT(veth) {
	int family;
	const char *ip_a, *ip_b, *cidr_a, *cidr_b;
	bool peer_by_fd; /* create vb directly in B, or create both in A and move */
};
KISOL_META_FIXTURE(veth, "sides=both")
FIXTURE_VARIANT_ADD(veth, v4_moved) { AF_INET, "10.66.0.1", "10.66.0.2", "10.66.0.1/24", "10.66.0.2/24", false };
FIXTURE_VARIANT_ADD(veth, v4_peer_fd) { AF_INET, "10.66.0.1", "10.66.0.2", "10.66.0.1/24", "10.66.0.2/24", true };
FIXTURE_VARIANT_ADD(veth, v6_moved) { AF_INET6, "fd66::1", "fd66::2", "fd66::1/64", "fd66::2/64", false };
FIXTURE_VARIANT_ADD(veth, v6_peer_fd) { AF_INET6, "fd66::1", "fd66::2", "fd66::1/64", "fd66::2/64", true };

/* A link-event socket opened inside the namespace behind nsfd. */
static int monitor_in(int nsfd)
{
	int back = -EBADF, r = net_switch(nsfd, &back), fd;

	if (r < 0)
		return r;
	fd = kisol_net_monitor_open();
	net_switch_back(&back);
	return fd;
}

/*
 * Wait (event driven, bounded) until link in the monitor's namespace is
 * operationally up: only then has linkwatch activated its qdisc and told
 * IPv6 the link is ready (solicited-node groups joined). Packets sent
 * earlier are lost and retransmitted a second later. IFF_LOWER_UP alone
 * is not enough: it reflects the carrier before linkwatch has run.
 */
static int wait_lower_up(int nsfd, int mon, const char *link)
{
	struct kisol_net_event ev;
	struct kisol_net_link l;
	int back = -EBADF, r = net_switch(nsfd, &back);

	if (r < 0)
		return r;
	r = kisol_net_link_get(link, &l);
	net_switch_back(&back);
	if (r < 0)
		return r;
	if (l.operstate == IF_OPER_UP)
		return 0;
	for (;;) {
		r = kisol_net_monitor_next(mon, 3000, &ev);
		if (r < 0)
			return r;
		if (!strcmp(ev.link.name, link) && ev.link.operstate == IF_OPER_UP)
			return 0;
	}
}

/*
 * In the test's own namespace: no DAD (the kernel performs it unless both
 * all/ and the link say 0), and neighbour solicitations retried after
 * 50 ms instead of 1 s. IPv6 joins a new address's solicited-node group
 * from a work item, so the first solicitation can race it and be lost;
 * the retry then costs 50 ms, not a second.
 */
static int quick_neigh(int nsfd, const char *link, bool v6)
{
	char p[128];
	int back = -EBADF, r = net_switch(nsfd, &back);

	if (r < 0)
		return r;
	if (v6) {
		snprintf(p, sizeof(p), "/proc/sys/net/ipv6/conf/%s/accept_dad", link);
		r = kisol_write_file("/proc/sys/net/ipv6/conf/all/accept_dad", "0");
		if (r >= 0)
			r = kisol_write_file(p, "0");
	}
	snprintf(p, sizeof(p), "/proc/sys/net/%s/neigh/%s/retrans_time_ms", v6 ? "ipv6" : "ipv4", link);
	if (r >= 0)
		r = kisol_write_file(p, "50");
	net_switch_back(&back);
	return r < 0 ? r : 0;
}

static int setup_side(int nsfd, const char *link, const char *cidr)
{
	int back = -EBADF, r = net_switch(nsfd, &back);

	if (r < 0)
		return r;
	r = kisol_net_link_up("lo");
	if (!r)
		r = kisol_net_link_up(link);
	if (!r)
		r = kisol_net_addr_add(link, cidr);
	net_switch_back(&back);
	return r;
}

FIXTURE_SETUP(veth)
{
	int back = -EBADF, r;

	self->home = self->a = self->b = self->c = -EBADF;
	NEED_ROOT_OR_OWN_USERNS(KISOL_NS_NET);
	NEED_NS(KISOL_NS_NET);
	NEED_FAMILY(variant->family);
	ASSERT_EQ(0, net_enter_fresh());
	self->home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	self->a = net_new_ns_fd();
	self->b = net_new_ns_fd();
	self->c = net_new_ns_fd();
	ASSERT_LE(0, self->home);
	ASSERT_LE(0, self->a);
	ASSERT_LE(0, self->b);
	ASSERT_LE(0, self->c);
	/* both ends are created inside A: never in home, never on the host */
	ASSERT_EQ(0, net_switch(self->a, &back));
	r = kisol_net_veth_create("va", "vb", variant->peer_by_fd ? self->b : -1);
	if (!r && !variant->peer_by_fd)
		r = kisol_net_link_move("vb", self->b);
	ASSERT_EQ(0, net_switch_back(&back));
	ASSERT_EQ(0, r) TH_LOG("veth in A: %s", strerror(-r));
	ASSERT_EQ(0, quick_neigh(self->a, "va", variant->family == AF_INET6));
	ASSERT_EQ(0, quick_neigh(self->b, "vb", variant->family == AF_INET6));
	_cleanup_close_ int mon_a = monitor_in(self->a), mon_b = monitor_in(self->b);

	ASSERT_LE(0, mon_a);
	ASSERT_LE(0, mon_b);
	ASSERT_EQ(0, setup_side(self->a, "va", variant->cidr_a));
	ASSERT_EQ(0, setup_side(self->b, "vb", variant->cidr_b));
	ASSERT_EQ(0, wait_lower_up(self->a, mon_a, "va"));
	ASSERT_EQ(0, wait_lower_up(self->b, mon_b, "vb"));
	/* C: a bystander that owns B's address on its loopback */
	ASSERT_EQ(0, net_switch(self->c, &back));
	r = kisol_net_link_up("lo");
	if (!r)
		r = kisol_net_addr_add("lo", variant->family == AF_INET ? "10.66.0.2/32" : "fd66::2/128");
	ASSERT_EQ(0, net_switch_back(&back));
	ASSERT_EQ(0, r);
}

FIXTURE_TEARDOWN(veth)
{
	kisol_closep(&self->a);
	kisol_closep(&self->b);
	kisol_closep(&self->c);
	kisol_closep(&self->home);
}

static void veth_outside_checks(struct __test_metadata *_metadata, FIXTURE_DATA(veth) *self)
{
	/* neither end in home, only vb in B, only va in A */
	EXPECT_EQ(0, net_link_in(self->home, "va"));
	EXPECT_EQ(0, net_link_in(self->home, "vb"));
	EXPECT_EQ(0, net_link_in(self->a, "vb"));
	EXPECT_EQ(0, net_link_in(self->b, "va"));
	EXPECT_EQ(0, net_link_in(self->c, "vb"));
}

TEST_F(veth, tcp_across_pair)
{
	_cleanup_close_ int lb = -EBADF, lc = -EBADF, cl = -EBADF, acc = -EBADF;
	char buf[16] = "";

	NS_ENTER(self->c);
	lc = sock_bound(variant->family, SOCK_STREAM, variant->ip_b, PORT);
	ASSERT_LE(0, lc);
	NS_ENTER(self->b);
	lb = sock_bound(variant->family, SOCK_STREAM, variant->ip_b, PORT);
	ASSERT_LE(0, lb);
	NS_ENTER(self->a);
	cl = sock_connected(variant->family, SOCK_STREAM, variant->ip_b, PORT);
	ASSERT_LE(0, cl) TH_LOG("connect A->B: %s", strerror(-cl));
	ASSERT_EQ(5, send(cl, "hello", 5, 0));
	ASSERT_EQ(1, sock_readable(lb, 2000));
	acc = accept4(lb, NULL, NULL, SOCK_CLOEXEC);
	ASSERT_LE(0, acc);
	EXPECT_EQ(5, recv(acc, buf, sizeof(buf), 0));
	EXPECT_STREQ("hello", buf);
	ASSERT_EQ(3, send(acc, "ack", 3, 0));
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(3, recv(cl, buf, sizeof(buf), 0));
	EXPECT_STREQ("ack", buf);
	EXPECT_EQ(0, sock_readable(lc, 0)) TH_LOG("connection leaked to bystander C");
	veth_outside_checks(_metadata, self);
}

TEST_F(veth, udp_across_pair_not_elsewhere)
{
	_cleanup_close_ int rb = -EBADF, rc = -EBADF, rhome = -EBADF, tx = -EBADF;
	const char *any = variant->family == AF_INET ? "0.0.0.0" : "::";
	char buf[16] = "";

	NS_ENTER(self->home);
	rhome = sock_bound(variant->family, SOCK_DGRAM, any, PORT);
	ASSERT_LE(0, rhome);
	NS_ENTER(self->c);
	rc = sock_bound(variant->family, SOCK_DGRAM, any, PORT);
	ASSERT_LE(0, rc);
	NS_ENTER(self->b);
	rb = sock_bound(variant->family, SOCK_DGRAM, variant->ip_b, PORT);
	ASSERT_LE(0, rb);
	NS_ENTER(self->a);
	tx = sock_connected(variant->family, SOCK_DGRAM, variant->ip_b, PORT);
	ASSERT_LE(0, tx);
	for (int i = 0; i < 3; i++)
		ASSERT_EQ(4, send(tx, "ping", 4, 0));
	for (int i = 0; i < 3; i++) {
		ASSERT_EQ(1, sock_readable(rb, 2000)) TH_LOG("datagram %d lost", i);
		EXPECT_EQ(4, recv(rb, buf, sizeof(buf), 0));
	}
	EXPECT_STREQ("ping", buf);
	EXPECT_EQ(0, sock_readable(rc, 0)) TH_LOG("datagram leaked to bystander C");
	EXPECT_EQ(0, sock_readable(rhome, 0)) TH_LOG("datagram leaked to home netns");
	veth_outside_checks(_metadata, self);
}

TEST_F(veth, unreachable_from_bystander)
{
	_cleanup_close_ int lb = -EBADF;
	int r;

	NS_ENTER(self->b);
	lb = sock_bound(variant->family, SOCK_STREAM, variant->ip_b, PORT);
	ASSERT_LE(0, lb);
	/* home has no route at all to B's subnet */
	NS_ENTER(self->home);
	ASSERT_EQ(0, kisol_net_link_up("lo"));
	r = sock_connected(variant->family, SOCK_STREAM, variant->ip_b, PORT);
	EXPECT_EQ(-ENETUNREACH, r);
	EXPECT_EQ(0, sock_readable(lb, 0));
}

/* ---- unix sockets ------------------------------------------------------------ */

FIXTURE(unix_sk) {
	int a, b;
	char dir[256];
};
FIXTURE_VARIANT(unix_sk) { int type; };
KISOL_META_FIXTURE(unix_sk, "sides=both")
FIXTURE_VARIANT_ADD(unix_sk, stream) { SOCK_STREAM };
FIXTURE_VARIANT_ADD(unix_sk, dgram) { SOCK_DGRAM };
FIXTURE_VARIANT_ADD(unix_sk, seqpacket) { SOCK_SEQPACKET };

FIXTURE_SETUP(unix_sk)
{

	self->a = self->b = -EBADF;
	self->dir[0] = '\0';
	NEED_ROOT_OR_OWN_USERNS(KISOL_NS_NET);
	NEED_NS(KISOL_NS_NET);
	ASSERT_EQ(0, net_enter_fresh());
	self->a = net_new_ns_fd();
	self->b = net_new_ns_fd();
	ASSERT_LE(0, self->a);
	ASSERT_LE(0, self->b);
	ASSERT_EQ(0, kisol_mnt_mkdtemp(NULL, "unix", self->dir, sizeof(self->dir)));
}

FIXTURE_TEARDOWN(unix_sk)
{
	char p[300];

	kisol_closep(&self->a);
	kisol_closep(&self->b);
	if (self->dir[0]) {
		snprintf(p, sizeof(p), "%s/sock", self->dir);
		unlink(p);
		EXPECT_EQ(0, rmdir(self->dir));
	}
}

/* 0 when name does not fit in sun_path (it is never silently cut) */
static socklen_t un_addr(struct sockaddr_un *u, const char *name, bool abstract)
{
	memset(u, 0, sizeof(*u));
	u->sun_family = AF_UNIX;
	if (strlen(name) + 1 > sizeof(u->sun_path))
		return 0;
	if (abstract) {
		/* "\0name": length counts exactly the bytes used */
		memcpy(u->sun_path + 1, name, strlen(name));
		return offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name);
	}
	snprintf(u->sun_path, sizeof(u->sun_path), "%s", name);
	return sizeof(*u);
}

static int un_bound(int type, const char *name, bool abstract)
{
	struct sockaddr_un u;
	socklen_t len = un_addr(&u, name, abstract);
	int s;

	if (!len)
		return -ENAMETOOLONG;
	s = sock_new(AF_UNIX, type);
	if (s < 0)
		return s;
	if (bind(s, (struct sockaddr *)&u, len) < 0 ||
	    (type != SOCK_DGRAM && listen(s, 2) < 0)) {
		int r = -errno;

		close(s);
		return r;
	}
	return s;
}

static int un_connect(int type, const char *name, bool abstract)
{
	struct sockaddr_un u;
	socklen_t len = un_addr(&u, name, abstract);
	int s;

	if (!len)
		return -ENAMETOOLONG;
	s = sock_new(AF_UNIX, type);
	if (s < 0)
		return s;
	if (connect(s, (struct sockaddr *)&u, len) < 0) {
		int r = -errno;

		close(s);
		return r;
	}
	return s;
}

TEST_F(unix_sk, abstract_not_reachable_from_other_ns)
{
	char name[64];
	_cleanup_close_ int srv = -EBADF, c = -EBADF;

	snprintf(name, sizeof(name), "kisol-abs-%d", getpid());
	NS_ENTER(self->a);
	srv = un_bound(variant->type, name, true);
	ASSERT_LE(0, srv);
	/* inside A it is reachable */
	c = un_connect(variant->type, name, true);
	ASSERT_LE(0, c);
	kisol_closep(&c);
	NS_ENTER(self->b);
	EXPECT_EQ(-ECONNREFUSED, un_connect(variant->type, name, true))
		TH_LOG("abstract socket of A reachable from B");
}

TEST_F(unix_sk, abstract_same_name_in_each_ns)
{
	char name[64];
	_cleanup_close_ int sa = -EBADF, sb = -EBADF;

	snprintf(name, sizeof(name), "kisol-abs-%d", getpid());
	NS_ENTER(self->a);
	sa = un_bound(variant->type, name, true);
	ASSERT_LE(0, sa);
	EXPECT_EQ(-EADDRINUSE, un_bound(variant->type, name, true));
	NS_ENTER(self->b);
	sb = un_bound(variant->type, name, true);
	EXPECT_LE(0, sb) TH_LOG("abstract name of A taken in B: %s", strerror(-sb));
}

TEST_F(unix_sk, path_socket_reachable_across_ns)
{
	char path[64];
	_cleanup_close_ int srv = -EBADF, c = -EBADF, dfd = -EBADF;

	/* through the directory's fd: the scratch path itself can be longer
	 * than sun_path (a qemu guest's run id names the guest kernel) */
	dfd = open(self->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, dfd);
	snprintf(path, sizeof(path), "/proc/self/fd/%d/sock", dfd);
	NS_ENTER(self->a);
	srv = un_bound(variant->type, path, false);
	ASSERT_LE(0, srv);
	NS_ENTER(self->b);
	c = un_connect(variant->type, path, false);
	ASSERT_LE(0, c) TH_LOG("path-bound unix socket must cross netns: %s", strerror(-c));
	ASSERT_EQ(3, send(c, "abc", 3, 0));
	if (variant->type != SOCK_DGRAM) {
		_cleanup_close_ int acc = accept4(srv, NULL, NULL, SOCK_CLOEXEC);
		char buf[4] = "";

		ASSERT_LE(0, acc);
		EXPECT_EQ(3, recv(acc, buf, 3, 0));
	} else {
		EXPECT_EQ(1, sock_readable(srv, 2000));
	}
}

/* ---- SIOCGSKNS: a socket keeps its namespace ----------------------------- */

FIXTURE(skns) {
	int home, other;
};
FIXTURE_VARIANT(skns) { int family, type, proto; };
KISOL_META_FIXTURE(skns, "sides=both")
FIXTURE_VARIANT_ADD(skns, udp4) { AF_INET, SOCK_DGRAM, 0 };
FIXTURE_VARIANT_ADD(skns, tcp6) { AF_INET6, SOCK_STREAM, 0 };
FIXTURE_VARIANT_ADD(skns, unix_stream) { AF_UNIX, SOCK_STREAM, 0 };
FIXTURE_VARIANT_ADD(skns, netlink_route) { AF_NETLINK, SOCK_RAW, NETLINK_ROUTE };
FIXTURE_VARIANT_ADD(skns, packet) { AF_PACKET, SOCK_DGRAM, 0 };

FIXTURE_SETUP(skns)
{
	self->home = self->other = -EBADF;
	NEED_ROOT_OR_OWN_USERNS(KISOL_NS_NET);
	NEED_NS(KISOL_NS_NET);
	NEED_FAMILY(variant->family);
	ASSERT_EQ(0, net_enter_fresh());
	self->home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	self->other = net_new_ns_fd();
	ASSERT_LE(0, self->home);
	ASSERT_LE(0, self->other);
}

FIXTURE_TEARDOWN(skns)
{
	kisol_closep(&self->home);
	kisol_closep(&self->other);
}

TEST_F(skns, socket_stays_in_creation_ns)
{
	_cleanup_close_ int s = socket(variant->family, variant->type | SOCK_CLOEXEC, variant->proto);
	_cleanup_close_ int after = -EBADF, ns1 = -EBADF, ns2 = -EBADF;

	ASSERT_LE(0, s) TH_LOG("socket: %m");
	NS_ENTER(self->other);
	after = socket(variant->family, variant->type | SOCK_CLOEXEC, variant->proto);
	ASSERT_LE(0, after);
	ns1 = ioctl(s, SIOCGSKNS);
	if (ns1 < 0 && errno == ENOTTY)
		SKIP(return, "SIOCGSKNS not supported by this kernel (added in 4.9)");
	ASSERT_LE(0, ns1) TH_LOG("SIOCGSKNS: %m");
	ns2 = ioctl(after, SIOCGSKNS);
	ASSERT_LE(0, ns2);
	EXPECT_EQ(net_fd_ino(self->home), net_fd_ino(ns1)) TH_LOG("socket moved with setns");
	EXPECT_EQ(net_fd_ino(self->other), net_fd_ino(ns2));
	EXPECT_NE(net_fd_ino(ns1), net_fd_ino(ns2));
	EXPECT_EQ(net_cur_ino(), net_fd_ino(ns2));
}

/*
 * Functional side of the same property: a TCP socket created at home and
 * bound after setns() serves home's loopback, not the current namespace's.
 */
TEST(old_socket_serves_its_own_ns)
{
	_cleanup_close_ int s = -EBADF, other = -EBADF, c = -EBADF, acc = -EBADF;

	NEED_ROOT_OR_OWN_USERNS(KISOL_NS_NET);
	NEED_NS(KISOL_NS_NET);
	ASSERT_EQ(0, net_enter_fresh());
	ASSERT_EQ(0, kisol_net_link_up("lo"));
	int home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);

	ASSERT_LE(0, home);
	other = net_new_ns_fd();
	ASSERT_LE(0, other);
	s = sock_new(AF_INET, SOCK_STREAM);
	ASSERT_LE(0, s);
	NS_ENTER(other);
	ASSERT_EQ(0, kisol_net_link_up("lo"));
	struct sockaddr_storage ss;
	socklen_t len = sa_make(AF_INET, "127.0.0.1", PORT, &ss);

	ASSERT_EQ(0, bind(s, (struct sockaddr *)&ss, len));
	ASSERT_EQ(0, listen(s, 2));
	/* from the namespace we are in now, nobody listens there */
	EXPECT_EQ(-ECONNREFUSED, sock_connected(AF_INET, SOCK_STREAM, "127.0.0.1", PORT));
	NS_ENTER(home);
	close(home);
	c = sock_connected(AF_INET, SOCK_STREAM, "127.0.0.1", PORT);
	ASSERT_LE(0, c) TH_LOG("old socket does not serve its creation netns");
	acc = accept4(s, NULL, NULL, SOCK_CLOEXEC);
	EXPECT_LE(0, acc);
}
KISOL_META(global, old_socket_serves_its_own_ns, "sides=both")

KISOL_MAIN
