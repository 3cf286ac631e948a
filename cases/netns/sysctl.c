// SPDX-License-Identifier: GPL-2.0-only
/*
 * Network namespaces: per-namespace sysctls. A value written in one test
 * namespace is invisible in a sibling and on the host, and a namespace
 * created from inside the changed one starts from the default (not from
 * its creator). Writes only ever happen inside namespaces this test
 * created; the host's value is read (never written) before and after.
 */
#include "kisol_test.h"
#include "netns/netutil.h"

FIXTURE(sysctl) {
	int host, a, b;
	uint64_t host_ino;
	char host_before[256];
};
FIXTURE_VARIANT(sysctl) {
	const char *path;
	const char *value; /* written in A; must differ from the default */
	bool devconf4;     /* an ipv4 conf/{all,default} knob (devconf_inherit_init_net) */
};
KISOL_META_FIXTURE(sysctl, "sides=both")
FIXTURE_VARIANT_ADD(sysctl, ip_forward) { "/proc/sys/net/ipv4/ip_forward", "1", true };
FIXTURE_VARIANT_ADD(sysctl, ipv4_conf_all_forwarding) { "/proc/sys/net/ipv4/conf/all/forwarding", "1", true };
FIXTURE_VARIANT_ADD(sysctl, ipv4_conf_default_rp_filter) { "/proc/sys/net/ipv4/conf/default/rp_filter", "2", true };
FIXTURE_VARIANT_ADD(sysctl, ipv6_conf_all_forwarding) { "/proc/sys/net/ipv6/conf/all/forwarding", "1" };
FIXTURE_VARIANT_ADD(sysctl, ip_local_port_range) { "/proc/sys/net/ipv4/ip_local_port_range", "40000\t40999" };
FIXTURE_VARIANT_ADD(sysctl, somaxconn) { "/proc/sys/net/core/somaxconn", "1234" };
FIXTURE_VARIANT_ADD(sysctl, ping_group_range) { "/proc/sys/net/ipv4/ping_group_range", "0\t0" };
FIXTURE_VARIANT_ADD(sysctl, tcp_syn_retries) { "/proc/sys/net/ipv4/tcp_syn_retries", "3" };
FIXTURE_VARIANT_ADD(sysctl, unix_max_dgram_qlen) { "/proc/sys/net/unix/max_dgram_qlen", "77" };

/* Read a sysctl in the namespace behind nsfd (-1: current). */
static int read_in(int nsfd, const char *path, char *buf, size_t size)
{
	int back = -EBADF, r;

	if (nsfd >= 0) {
		r = net_switch(nsfd, &back);
		if (r < 0)
			return r;
	}
	r = kisol_read_file(path, buf, size);
	if (nsfd >= 0)
		net_switch_back(&back);
	if (r >= 0)
		kisol_chomp(buf);
	return r;
}

/* Write only where we are sure not to be in the host's namespace. */
static int write_in(uint64_t host_ino, int nsfd, const char *path, const char *v)
{
	int back = -EBADF, r;

	r = net_switch(nsfd, &back);
	if (r < 0)
		return r;
	if (net_cur_ino() == host_ino || !net_cur_ino())
		r = -EPERM; /* never reached; refuses to touch the host */
	else
		r = kisol_write_file(path, v);
	net_switch_back(&back);
	return r;
}

FIXTURE_SETUP(sysctl)
{
	self->host = self->a = self->b = -EBADF;
	NEED_ROOT_OR_OWN_USERNS_WITH(KISOL_NS_NET, CLONE_NEWNET);
	NEED_NS(KISOL_NS_NET);
	if (access(variant->path, F_OK) < 0)
		SKIP(return, "%s absent (feature not built in)", variant->path);
	self->host_ino = net_cur_ino();
	ASSERT_NE(0u, self->host_ino);
	self->host = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, self->host);
	ASSERT_LE(0, read_in(-1, variant->path, self->host_before, sizeof(self->host_before)));
	ASSERT_EQ(0, net_enter_fresh());
	self->a = net_new_ns_fd();
	self->b = net_new_ns_fd();
	ASSERT_LE(0, self->a);
	ASSERT_LE(0, self->b);
}

FIXTURE_TEARDOWN(sysctl)
{
	char now[256];

	if (self->host >= 0) {
		/* outside view: the host's value never moved */
		EXPECT_LE(0, read_in(self->host, variant->path, now, sizeof(now)));
		EXPECT_STREQ(self->host_before, now);
	}
	kisol_closep(&self->a);
	kisol_closep(&self->b);
	kisol_closep(&self->host);
}

TEST_F(sysctl, set_in_ns_invisible_in_sibling_and_host)
{
	char a[256], b_before[256], b_after[256], host[256];

	ASSERT_LE(0, read_in(self->b, variant->path, b_before, sizeof(b_before)));
	ASSERT_STRNE(variant->value, b_before) TH_LOG("test value equals the default");
	ASSERT_LE(0, write_in(self->host_ino, self->a, variant->path, variant->value));
	ASSERT_LE(0, read_in(self->a, variant->path, a, sizeof(a)));
	EXPECT_STREQ(variant->value, a) TH_LOG("write did not take inside A");
	ASSERT_LE(0, read_in(self->b, variant->path, b_after, sizeof(b_after)));
	EXPECT_STREQ(b_before, b_after) TH_LOG("A's value leaked into sibling B");
	ASSERT_LE(0, read_in(self->host, variant->path, host, sizeof(host)));
	EXPECT_STREQ(self->host_before, host) TH_LOG("A's value leaked to the host");
}

TEST_F(sysctl, child_ns_of_changed_ns_starts_fresh)
{
	char inherit[16] = "0", b[256], c[256];
	_cleanup_close_ int cfd = -EBADF;
	int back = -EBADF;

	if (variant->devconf4 &&
	    kisol_read_file("/proc/sys/net/core/devconf_inherit_init_net", inherit, sizeof(inherit)) >= 0 &&
	    atoi(inherit) == 3)
		SKIP(return, "devconf_inherit_init_net=3: new namespaces copy their creator's conf");
	ASSERT_LE(0, write_in(self->host_ino, self->a, variant->path, variant->value));
	/* C is created from inside the changed namespace A */
	ASSERT_EQ(0, net_switch(self->a, &back));
	cfd = net_new_ns_fd();
	ASSERT_EQ(0, net_switch_back(&back));
	ASSERT_LE(0, cfd);
	ASSERT_LE(0, read_in(cfd, variant->path, c, sizeof(c)));
	ASSERT_LE(0, read_in(self->b, variant->path, b, sizeof(b)));
	EXPECT_STREQ(b, c) TH_LOG("C inherited A's value %s", variant->value);
	EXPECT_STRNE(variant->value, c);
}

KISOL_MAIN
