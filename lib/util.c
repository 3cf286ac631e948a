// SPDX-License-Identifier: GPL-2.0-only
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "kisol/util.h"

int kisol_read_fileat(int dirfd, const char *path, char *buf, size_t size)
{
	_cleanup_close_ int fd = -EBADF;
	size_t off = 0;

	if (!buf || size == 0)
		return -EINVAL;
	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return kisol_negerrno();
	while (off < size - 1) {
		ssize_t n = read(fd, buf + off, size - 1 - off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return kisol_negerrno();
		}
		if (n == 0)
			break;
		off += n;
	}
	buf[off] = '\0';
	return (int)off;
}

int kisol_read_file(const char *path, char *buf, size_t size)
{
	return kisol_read_fileat(AT_FDCWD, path, buf, size);
}

int kisol_write_fileat(int dirfd, const char *path, const char *s)
{
	_cleanup_close_ int fd = -EBADF;
	size_t len;
	ssize_t n;

	if (!s)
		return -EINVAL;
	fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return kisol_negerrno();
	len = strlen(s);
	n = write(fd, s, len);
	if (n < 0)
		return kisol_negerrno();
	if ((size_t)n != len)
		return -EIO;
	return 0;
}

int kisol_write_file(const char *path, const char *s)
{
	return kisol_write_fileat(AT_FDCWD, path, s);
}

static int parse_int64(const char *s, int64_t *ret)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno)
		return -errno;
	if (end == s)
		return -EINVAL;
	while (*end == '\n' || *end == ' ')
		end++;
	if (*end)
		return -EINVAL;
	*ret = v;
	return 0;
}

int kisol_read_int64at(int dirfd, const char *path, int64_t *ret)
{
	char buf[64];
	int64_t v = 0;	/* gcc 12 warns maybe-uninitialized: it cannot see parse_int64 sets it */
	int r;

	r = kisol_read_fileat(dirfd, path, buf, sizeof(buf));
	if (r < 0)
		return r;
	if (strncmp(buf, "max", 3) == 0) {
		v = INT64_MAX;
	} else {
		r = parse_int64(buf, &v);
		if (r < 0)
			return r;
	}
	*ret = v;
	return 0;
}

int kisol_read_int64(const char *path, int64_t *ret)
{
	return kisol_read_int64at(AT_FDCWD, path, ret);
}

int kisol_keyed_int64(const char *text, const char *key, int64_t *ret)
{
	size_t klen = strlen(key);
	const char *p = text;

	if (!text || !key || !klen)
		return -EINVAL;
	while (p && *p) {
		if (strncmp(p, key, klen) == 0 &&
		    (p[klen] == ' ' || p[klen] == ':' || p[klen] == '\t')) {
			const char *v = p + klen;
			char *end;
			long long n;

			while (*v == ' ' || *v == ':' || *v == '\t')
				v++;
			errno = 0;
			n = strtoll(v, &end, 10);
			if (errno || end == v)
				return -EINVAL;
			*ret = n;
			return 0;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -ENOENT;
}

size_t kisol_chomp(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
	return n;
}

static pid_t owner;

pid_t kisol_owner(void)
{
	if (!owner)
		owner = getpid();
	return owner;
}

void kisol_owner_set(pid_t pid)
{
	owner = pid;
}

/* "-p<digits>" from s to end, or to a "-<alnum>+" suffix; the pid, else 0. */
static pid_t owner_at(const char *s, bool suffix)
{
	const char *d = s + 2;
	long v = 0;

	if (s[0] != '-' || s[1] != 'p' || *d < '1' || *d > '9')
		return 0;
	for (; *d >= '0' && *d <= '9'; d++)
		if ((v = v * 10 + (*d - '0')) > INT32_MAX)
			return 0;
	if (!suffix)
		return *d ? 0 : (pid_t)v;
	if (*d != '-' || !d[1])
		return 0;
	for (d++; *d; d++)
		if (!((*d >= '0' && *d <= '9') || (*d >= 'a' && *d <= 'z') || (*d >= 'A' && *d <= 'Z')))
			return 0;
	return (pid_t)v;
}

pid_t kisol_name_owner(const char *name)
{
	const char *p;
	pid_t pid;

	if (!name || strncmp(name, "kisol-", 6))
		return 0;
	/* "-p<pid>" at the end first, then "-p<pid>-<suffix>" (mkdtemp) */
	p = strrchr(name, '-');
	if ((pid = owner_at(p, false)))
		return pid;
	for (p = p - 1; p > name + 4 && *p != '-'; p--)
		;
	return p > name + 4 ? owner_at(p, true) : 0;
}

bool kisol_pid_alive(pid_t pid)
{
	return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
}
