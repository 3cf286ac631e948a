// SPDX-License-Identifier: GPL-2.0-only
/* kisol: rtnetlink through libmnl (see kisol/net.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/net_namespace.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include "kisol/net.h"
#include "kisol/util.h"

#define KISOL_NL_BUF 32768

/* One request, one socket: the socket lives in the caller's current netns. */
struct nl {
	struct mnl_socket *sock;
	unsigned int portid;
	unsigned int seq;
	char buf[KISOL_NL_BUF];
};

static void nl_closep(struct nl **p)
{
	if (*p) {
		int saved = errno;

		if ((*p)->sock)
			mnl_socket_close((*p)->sock);
		free(*p);
		errno = saved;
	}
}
#define _cleanup_nl_ _cleanup_(nl_closep)

static int nl_open(unsigned int groups, struct nl **ret)
{
	struct timeval tv = { .tv_sec = 5 };
	struct nl *n = calloc(1, sizeof(*n));

	if (!n)
		return -ENOMEM;
	n->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!n->sock)
		goto fail;
	if (mnl_socket_bind(n->sock, groups, MNL_SOCKET_AUTOPID) < 0)
		goto fail;
	/* never hang a caller on a lost reply */
	if (setsockopt(mnl_socket_get_fd(n->sock), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		goto fail;
	n->portid = mnl_socket_get_portid(n->sock);
	n->seq = (unsigned int)time(NULL);
	*ret = n;
	return 0;
fail:;
	int r = kisol_negerrno();

	nl_closep(&n);
	return r;
}

static struct nlmsghdr *nl_start(struct nl *n, int type, int flags)
{
	struct nlmsghdr *h = mnl_nlmsg_put_header(n->buf);

	h->nlmsg_type = type;
	h->nlmsg_flags = NLM_F_REQUEST | flags;
	h->nlmsg_seq = ++n->seq;
	return h;
}

/* Send h and run cb over every reply until the ACK / DONE. */
static int nl_talk(struct nl *n, struct nlmsghdr *h, mnl_cb_t cb, void *data)
{
	ssize_t len;
	int r;

	if (mnl_socket_sendto(n->sock, h, h->nlmsg_len) < 0)
		return kisol_negerrno();
	for (;;) {
		len = mnl_socket_recvfrom(n->sock, n->buf, sizeof(n->buf));
		if (len < 0)
			return kisol_negerrno();
		r = mnl_cb_run(n->buf, len, n->seq, n->portid, cb, data);
		if (r < 0)
			return kisol_negerrno();
		if (r == MNL_CB_STOP)
			return 0;
	}
}

static int check_name(const char *name)
{
	if (!name || !*name || strlen(name) >= IF_NAMESIZE)
		return -EINVAL;
	return 0;
}

/* ---- parsing RTM_NEWLINK ------------------------------------------------ */

struct attrs {
	const struct nlattr *tb[IFLA_MAX + 1];
};

static int attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(a);

	if (mnl_attr_type_valid(a, IFLA_MAX) > 0)
		tb[type] = a;
	return MNL_CB_OK;
}

static int info_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(a);

	if (mnl_attr_type_valid(a, IFLA_INFO_MAX) > 0)
		tb[type] = a;
	return MNL_CB_OK;
}

static void parse_link(const struct nlmsghdr *h, struct kisol_net_link *l)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(h);
	const struct nlattr *tb[IFLA_MAX + 1] = { 0 };

	memset(l, 0, sizeof(*l));
	l->ifindex = ifi->ifi_index;
	l->flags = ifi->ifi_flags;
	l->link_netnsid = -1;
	l->operstate = -1;
	mnl_attr_parse(h, sizeof(*ifi), attr_cb, tb);
	if (tb[IFLA_IFNAME])
		snprintf(l->name, sizeof(l->name), "%s", mnl_attr_get_str(tb[IFLA_IFNAME]));
	if (tb[IFLA_MTU])
		l->mtu = mnl_attr_get_u32(tb[IFLA_MTU]);
	if (tb[IFLA_OPERSTATE])
		l->operstate = mnl_attr_get_u8(tb[IFLA_OPERSTATE]);
	if (tb[IFLA_LINK_NETNSID])
		l->link_netnsid = (int)mnl_attr_get_u32(tb[IFLA_LINK_NETNSID]);
	if (tb[IFLA_LINKINFO]) {
		const struct nlattr *info[IFLA_INFO_MAX + 1] = { 0 };

		mnl_attr_parse_nested(tb[IFLA_LINKINFO], info_cb, info);
		if (info[IFLA_INFO_KIND])
			snprintf(l->kind, sizeof(l->kind), "%s",
				 mnl_attr_get_str(info[IFLA_INFO_KIND]));
	}
}

/* ---- links ---------------------------------------------------------------- */

static int get_cb(const struct nlmsghdr *h, void *data)
{
	if (h->nlmsg_type == RTM_NEWLINK)
		parse_link(h, data);
	return MNL_CB_OK;
}

int kisol_net_link_get(const char *name, struct kisol_net_link *ret)
{
	_cleanup_nl_ struct nl *n = NULL;
	struct kisol_net_link l = { .ifindex = 0 };
	struct nlmsghdr *h;
	struct ifinfomsg *ifi;
	int r;

	if (check_name(name) < 0 || !ret)
		return -EINVAL;
	r = nl_open(0, &n);
	if (r < 0)
		return r;
	h = nl_start(n, RTM_GETLINK, NLM_F_ACK);
	ifi = mnl_nlmsg_put_extra_header(h, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(h, IFLA_IFNAME, name);
	/* without this the kernel omits nothing we need, but be explicit */
	mnl_attr_put_u32(h, IFLA_EXT_MASK, RTEXT_FILTER_VF);
	r = nl_talk(n, h, get_cb, &l);
	if (r < 0)
		return r;
	if (l.ifindex <= 0)
		return -ENODEV;
	*ret = l;
	return 0;
}

int kisol_net_ifindex(const char *name)
{
	struct kisol_net_link l;
	int r = kisol_net_link_get(name, &l);

	return r < 0 ? r : l.ifindex;
}

struct list_ctx {
	struct kisol_net_link *buf;
	size_t max, n;
};

static int list_cb(const struct nlmsghdr *h, void *data)
{
	struct list_ctx *c = data;
	struct kisol_net_link l;

	if (h->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	parse_link(h, &l);
	if (c->n < c->max)
		c->buf[c->n] = l;
	c->n++;
	return MNL_CB_OK;
}

int kisol_net_link_list(struct kisol_net_link *buf, size_t max)
{
	_cleanup_nl_ struct nl *n = NULL;
	_cleanup_free_ struct kisol_net_link *tmp = NULL;
	struct list_ctx c = { .max = max };
	struct nlmsghdr *h;
	struct ifinfomsg *ifi;
	int r;

	if (!buf && max)
		return -EINVAL;
	/* collect into a scratch buffer: outputs are written only on success */
	if (max) {
		tmp = calloc(max, sizeof(*tmp));
		if (!tmp)
			return -ENOMEM;
	}
	c.buf = tmp;
	r = nl_open(0, &n);
	if (r < 0)
		return r;
	h = nl_start(n, RTM_GETLINK, NLM_F_DUMP);
	ifi = mnl_nlmsg_put_extra_header(h, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	r = nl_talk(n, h, list_cb, &c);
	if (r < 0)
		return r;
	if (c.n > INT_MAX)
		return -EOVERFLOW;
	if (max)
		memcpy(buf, tmp, (c.n < max ? c.n : max) * sizeof(*buf));
	return (int)c.n;
}

/* A RTM_NEWLINK/DELLINK request for an existing link, ACK expected. */
static int link_request(const char *name, int type, int flags,
			unsigned int ifi_flags, unsigned int ifi_change, int netns_fd)
{
	_cleanup_nl_ struct nl *n = NULL;
	struct nlmsghdr *h;
	struct ifinfomsg *ifi;
	int idx, r;

	idx = kisol_net_ifindex(name);
	if (idx < 0)
		return idx;
	r = nl_open(0, &n);
	if (r < 0)
		return r;
	h = nl_start(n, type, NLM_F_ACK | flags);
	ifi = mnl_nlmsg_put_extra_header(h, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = idx;
	ifi->ifi_flags = ifi_flags;
	ifi->ifi_change = ifi_change;
	if (netns_fd >= 0)
		mnl_attr_put_u32(h, IFLA_NET_NS_FD, (uint32_t)netns_fd);
	return nl_talk(n, h, NULL, NULL);
}

int kisol_net_link_set_up(const char *name, bool up)
{
	return link_request(name, RTM_NEWLINK, 0, up ? IFF_UP : 0, IFF_UP, -1);
}

int kisol_net_link_del(const char *name)
{
	return link_request(name, RTM_DELLINK, 0, 0, 0, -1);
}

int kisol_net_link_move(const char *name, int netns_fd)
{
	if (netns_fd < 0)
		return -EBADF;
	return link_request(name, RTM_NEWLINK, 0, 0, 0, netns_fd);
}

static int create_link(const char *name, const char *kind, const char *peer, int peer_netns_fd)
{
	_cleanup_nl_ struct nl *n = NULL;
	struct nlattr *linkinfo, *data, *peer_nest;
	struct nlmsghdr *h;
	struct ifinfomsg *ifi;
	int r;

	r = nl_open(0, &n);
	if (r < 0)
		return r;
	h = nl_start(n, RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
	ifi = mnl_nlmsg_put_extra_header(h, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(h, IFLA_IFNAME, name);
	linkinfo = mnl_attr_nest_start(h, IFLA_LINKINFO);
	mnl_attr_put_strz(h, IFLA_INFO_KIND, kind);
	if (peer) {
		data = mnl_attr_nest_start(h, IFLA_INFO_DATA);
		peer_nest = mnl_attr_nest_start(h, VETH_INFO_PEER);
		/* the peer's own ifinfomsg precedes its attributes */
		ifi = mnl_nlmsg_put_extra_header(h, sizeof(*ifi));
		ifi->ifi_family = AF_UNSPEC;
		mnl_attr_put_strz(h, IFLA_IFNAME, peer);
		if (peer_netns_fd >= 0)
			mnl_attr_put_u32(h, IFLA_NET_NS_FD, (uint32_t)peer_netns_fd);
		mnl_attr_nest_end(h, peer_nest);
		mnl_attr_nest_end(h, data);
	}
	mnl_attr_nest_end(h, linkinfo);
	return nl_talk(n, h, NULL, NULL);
}

int kisol_net_veth_create(const char *name, const char *peer, int peer_netns_fd)
{
	if (check_name(name) < 0 || check_name(peer) < 0)
		return -EINVAL;
	if (peer_netns_fd < -1)
		return -EBADF;
	return create_link(name, "veth", peer, peer_netns_fd);
}

int kisol_net_link_create(const char *name, const char *kind)
{
	if (check_name(name) < 0 || !kind || !*kind || !strcmp(kind, "veth"))
		return -EINVAL;
	return create_link(name, kind, NULL, -1);
}

int kisol_net_dummy_create(const char *name)
{
	return kisol_net_link_create(name, "dummy");
}

/* ---- addresses ------------------------------------------------------------ */

static int parse_cidr(const char *cidr, int *family, unsigned char addr[16], unsigned *plen)
{
	char tmp[INET6_ADDRSTRLEN + 8], *slash, *end;
	unsigned long p;

	if (!cidr || strlen(cidr) >= sizeof(tmp))
		return -EINVAL;
	strcpy(tmp, cidr);
	slash = strchr(tmp, '/');
	if (!slash)
		return -EINVAL;
	*slash++ = '\0';
	errno = 0;
	p = strtoul(slash, &end, 10);
	if (errno || end == slash || *end)
		return -EINVAL;
	if (inet_pton(AF_INET, tmp, addr) == 1) {
		*family = AF_INET;
		if (p > 32)
			return -EINVAL;
	} else if (inet_pton(AF_INET6, tmp, addr) == 1) {
		*family = AF_INET6;
		if (p > 128)
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	*plen = (unsigned)p;
	return 0;
}

int kisol_net_addr_add(const char *name, const char *cidr)
{
	_cleanup_nl_ struct nl *n = NULL;
	unsigned char addr[16];
	struct nlmsghdr *h;
	struct ifaddrmsg *ifa;
	unsigned plen;
	int family, idx, r;

	r = parse_cidr(cidr, &family, addr, &plen);
	if (r < 0)
		return r;
	idx = kisol_net_ifindex(name);
	if (idx < 0)
		return idx;
	r = nl_open(0, &n);
	if (r < 0)
		return r;
	h = nl_start(n, RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
	ifa = mnl_nlmsg_put_extra_header(h, sizeof(*ifa));
	ifa->ifa_family = family;
	ifa->ifa_prefixlen = plen;
	ifa->ifa_index = idx;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	if (family == AF_INET6)
		ifa->ifa_flags = IFA_F_NODAD;
	mnl_attr_put(h, IFA_LOCAL, family == AF_INET ? 4 : 16, addr);
	mnl_attr_put(h, IFA_ADDRESS, family == AF_INET ? 4 : 16, addr);
	return nl_talk(n, h, NULL, NULL);
}

/* ---- namespace ids -------------------------------------------------------- */

static int nsid_cb(const struct nlmsghdr *h, void *data)
{
	int *id = data;
	const struct nlattr *a;

	if (h->nlmsg_type != RTM_NEWNSID)
		return MNL_CB_OK;
	mnl_attr_for_each(a, h, sizeof(struct rtgenmsg))
		if (mnl_attr_get_type(a) == NETNSA_NSID)
			*id = (int)mnl_attr_get_u32(a);
	return MNL_CB_OK;
}

int kisol_net_nsid_get(int netns_fd)
{
	_cleanup_nl_ struct nl *n = NULL;
	struct nlmsghdr *h;
	struct rtgenmsg *g;
	int id = INT_MIN, r;

	if (netns_fd < 0)
		return -EBADF;
	r = nl_open(0, &n);
	if (r < 0)
		return r;
	h = nl_start(n, RTM_GETNSID, NLM_F_ACK);
	g = mnl_nlmsg_put_extra_header(h, sizeof(*g));
	g->rtgen_family = AF_UNSPEC;
	mnl_attr_put_u32(h, NETNSA_FD, (uint32_t)netns_fd);
	r = nl_talk(n, h, nsid_cb, &id);
	if (r < 0)
		return r;
	if (id == INT_MIN)
		return -EBADMSG;
	return id < 0 ? -ENOENT : id;
}

int kisol_net_nsid_set(int netns_fd, int nsid)
{
	_cleanup_nl_ struct nl *n = NULL;
	struct nlmsghdr *h;
	struct rtgenmsg *g;
	int r;

	if (netns_fd < 0)
		return -EBADF;
	if (nsid < -1)
		return -EINVAL;
	r = nl_open(0, &n);
	if (r < 0)
		return r;
	h = nl_start(n, RTM_NEWNSID, NLM_F_ACK);
	g = mnl_nlmsg_put_extra_header(h, sizeof(*g));
	g->rtgen_family = AF_UNSPEC;
	mnl_attr_put_u32(h, NETNSA_FD, (uint32_t)netns_fd);
	mnl_attr_put_u32(h, NETNSA_NSID, (uint32_t)nsid);
	return nl_talk(n, h, NULL, NULL);
}

/* ---- link events ---------------------------------------------------------- */

int kisol_net_monitor_open(void)
{
	struct mnl_socket *s;
	int fd;

	s = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (!s)
		return kisol_negerrno();
	if (mnl_socket_bind(s, RTMGRP_LINK, MNL_SOCKET_AUTOPID) < 0) {
		int r = kisol_negerrno();

		mnl_socket_close(s);
		return r;
	}
	/* hand out the bare fd: mnl_socket_close would close it too */
	fd = dup(mnl_socket_get_fd(s));
	mnl_socket_close(s);
	return fd < 0 ? kisol_negerrno() : fd;
}

int kisol_net_monitor_next(int fd, int timeout_ms, struct kisol_net_event *ret)
{
	char buf[KISOL_NL_BUF] __attribute__((aligned(4)));
	struct pollfd p = { .fd = fd, .events = POLLIN };
	const struct nlmsghdr *h;
	ssize_t n;
	int len, r;

	if (fd < 0)
		return -EBADF;
	if (!ret)
		return -EINVAL;
	for (;;) {
		do
			r = poll(&p, 1, timeout_ms);
		while (r < 0 && errno == EINTR);
		if (r < 0)
			return kisol_negerrno();
		if (r == 0)
			return -ETIMEDOUT;
		if (p.revents & POLLNVAL)
			return -EBADF;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno == EAGAIN)
				continue;
			return kisol_negerrno();
		}
		/* the kernel sends one event per datagram; take its link message */
		len = (int)n;
		for (h = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(h, len);
		     h = mnl_nlmsg_next(h, &len)) {
			if (h->nlmsg_type != RTM_NEWLINK && h->nlmsg_type != RTM_DELLINK)
				continue;
			ret->type = h->nlmsg_type;
			parse_link(h, &ret->link);
			return 0;
		}
	}
}
