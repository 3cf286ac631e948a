/* SPDX-License-Identifier: GPL-2.0-only */
/* Socket helpers for cases/netns: addresses, bind, bounded waits. */
#ifndef KISOL_CASES_SOCKUTIL_H
#define KISOL_CASES_SOCKUTIL_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "kisol/util.h"

static inline socklen_t sa_make(int family, const char *ip, int port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *a = (void *)ss;

		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		inet_pton(AF_INET, ip, &a->sin_addr);
		return sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (void *)ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		inet_pton(AF_INET6, ip, &a->sin6_addr);
		return sizeof(*a);
	}
}

/* A socket with a 2 s receive/send timeout so no test can hang on it. */
static inline int sock_new(int family, int type)
{
	struct timeval tv = { .tv_sec = 2 };
	int s = socket(family, type | SOCK_CLOEXEC, 0);

	if (s < 0)
		return -errno;
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return s;
}

/* Bound (and for SOCK_STREAM listening) socket, or -errno. */
static inline int sock_bound(int family, int type, const char *ip, int port)
{
	struct sockaddr_storage ss;
	socklen_t len = sa_make(family, ip, port, &ss);
	int s = sock_new(family, type), one = 1;

	if (s < 0)
		return s;
	if (family == AF_INET6)
		setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(s, (struct sockaddr *)&ss, len) < 0 ||
	    (type == SOCK_STREAM && listen(s, 4) < 0)) {
		int r = -errno;

		close(s);
		return r;
	}
	return s;
}

/* Connected socket to ip:port, or -errno. */
static inline int sock_connected(int family, int type, const char *ip, int port)
{
	struct sockaddr_storage ss;
	socklen_t len = sa_make(family, ip, port, &ss);
	int s = sock_new(family, type);

	if (s < 0)
		return s;
	if (connect(s, (struct sockaddr *)&ss, len) < 0) {
		int r = -errno;

		close(s);
		return r;
	}
	return s;
}

/* Wait for readability at most ms; 1 readable, 0 not, -errno. */
static inline int sock_readable(int s, int ms)
{
	struct pollfd p = { .fd = s, .events = POLLIN };
	int r = poll(&p, 1, ms);

	return r < 0 ? -errno : r;
}

#endif
