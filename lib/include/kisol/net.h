/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kisol: network links through rtnetlink (libmnl). No `ip` binary.
 *
 * Every function acts in the network namespace of the calling thread at
 * the time of the call (a fresh netlink socket is opened per call), so a
 * caller that entered a namespace with setns() gets that namespace.
 * Callers must only ever use these in network namespaces they created:
 * the library does not guard the root namespace itself.
 *
 * Error contract as everywhere in libkisol: -errno, outputs written only
 * on success. Link names longer than IFNAMSIZ-1 give -EINVAL; a missing
 * link gives -ENODEV.
 */
#ifndef KISOL_NET_H
#define KISOL_NET_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kisol_net_link {
	int ifindex;
	char name[IF_NAMESIZE];
	unsigned int flags;   /* IFF_* (IFF_UP, IFF_LOOPBACK, ...) */
	unsigned int mtu;
	char kind[32];        /* IFLA_INFO_KIND ("veth", "dummy"), "" if none */
	int link_netnsid;     /* IFLA_LINK_NETNSID of the peer, -1 if absent */
	int operstate;        /* IFLA_OPERSTATE (IF_OPER_UP once linkwatch ran), -1 if absent */
};

/* Interface index of a link by name (RTM_GETLINK). >0, or -ENODEV. */
int kisol_net_ifindex(const char *name);
/* Attributes of one link by name. */
int kisol_net_link_get(const char *name, struct kisol_net_link *ret);
/*
 * All links of the current namespace. Fills at most max entries of buf
 * and returns the total number of links (which may exceed max).
 */
int kisol_net_link_list(struct kisol_net_link *buf, size_t max);

/* Set or clear IFF_UP. */
int kisol_net_link_set_up(const char *name, bool up);
static inline int kisol_net_link_up(const char *name) { return kisol_net_link_set_up(name, true); }
static inline int kisol_net_link_down(const char *name) { return kisol_net_link_set_up(name, false); }

/*
 * Create a veth pair name <-> peer in the current namespace. With
 * peer_netns_fd >= 0 the peer is created directly in that network
 * namespace (IFLA_NET_NS_FD); -1 keeps it here. -EEXIST if a name is taken.
 */
int kisol_net_veth_create(const char *name, const char *peer, int peer_netns_fd);
/*
 * Create a link of a kind that needs no further data ("dummy", "ifb",
 * "bridge"); -EOPNOTSUPP if the kernel lacks the kind, -EINVAL for "veth"
 * (use kisol_net_veth_create).
 */
int kisol_net_link_create(const char *name, const char *kind);
int kisol_net_dummy_create(const char *name);
/* Delete a link (a veth takes its peer with it). */
int kisol_net_link_del(const char *name);
/* Move a link into the network namespace of netns_fd. */
int kisol_net_link_move(const char *name, int netns_fd);

/*
 * Add an address "a.b.c.d/len" or "x:y::z/len" to a link. IPv6 addresses
 * are added with IFA_F_NODAD so they are usable at once. -EINVAL for a
 * malformed address or prefix.
 */
int kisol_net_addr_add(const char *name, const char *cidr);

/*
 * Namespace ids (RTM_GETNSID / RTM_NEWNSID) of the namespace behind
 * netns_fd as seen from the current namespace. get: the id (>= 0) or
 * -ENOENT when none is assigned. set: nsid -1 lets the kernel choose;
 * returns 0.
 */
int kisol_net_nsid_get(int netns_fd);
int kisol_net_nsid_set(int netns_fd, int nsid);

/* Link events (RTMGRP_LINK) of the current namespace. */
struct kisol_net_event {
	int type; /* RTM_NEWLINK or RTM_DELLINK */
	struct kisol_net_link link;
};
/* A netlink socket subscribed to link events; close() it when done. */
int kisol_net_monitor_open(void);
/* Next link event, waiting at most timeout_ms; -ETIMEDOUT if none. */
int kisol_net_monitor_next(int fd, int timeout_ms, struct kisol_net_event *ret);

#endif
