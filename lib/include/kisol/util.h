/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kisol: shared helpers of libkisol.
 *
 * Error contract: every function returns a non-negative value on success
 * and -errno on failure. Output parameters (ret_*) are written only on
 * success. Library code never prints and never exits.
 */
#ifndef KISOL_UTIL_H
#define KISOL_UTIL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))

static inline void kisol_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;

		close(*fd);
		errno = saved;
	}
	*fd = -EBADF;
}

static inline void kisol_freep(void *p)
{
	free(*(void **)p);
}

#define _cleanup_close_ _cleanup_(kisol_closep)
#define _cleanup_free_ _cleanup_(kisol_freep)

/* Hand a resource out of a cleanup scope. */
#define TAKE_FD(fd)                    \
	({                             \
		int _fd_ = (fd);       \
		(fd) = -EBADF;         \
		_fd_;                  \
	})
#define TAKE_PTR(p)                         \
	({                                  \
		__typeof__(p) _p_ = (p);    \
		(p) = NULL;                 \
		_p_;                        \
	})

#define KISOL_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* -errno of the last failed libc call, never 0. */
static inline int kisol_negerrno(void)
{
	return errno > 0 ? -errno : -EIO;
}

/*
 * Read a whole small file (procfs, sysfs, cgroupfs) into buf, NUL
 * terminated. Returns the number of bytes read.
 */
int kisol_read_file(const char *path, char *buf, size_t size);
int kisol_read_fileat(int dirfd, const char *path, char *buf, size_t size);
/* Write s to an existing file in one write(2). */
int kisol_write_file(const char *path, const char *s);
int kisol_write_fileat(int dirfd, const char *path, const char *s);
/* Read a file holding one (signed) decimal integer. */
int kisol_read_int64(const char *path, int64_t *ret);
int kisol_read_int64at(int dirfd, const char *path, int64_t *ret);
/*
 * Find "key value" (space separated, as in cgroup.events, memory.stat,
 * /proc/PID/status with "key:\tvalue") in text; returns -ENOENT if absent.
 */
int kisol_keyed_int64(const char *text, const char *key, int64_t *ret);
/* Strip trailing newlines in place; returns the new length. */
size_t kisol_chomp(char *s);

/*
 * Owner of the host-side objects a process names (scratch directories,
 * per-process cgroup directories): the case binary's main process
 * (kisol_owner_set() from KISOL_MAIN), else the first caller's pid. Names
 * end in "-p<owner>" or "-p<owner>-<suffix>". An object is stale, and may be
 * removed by another kisol process, only when its owner is gone: two suites
 * running at once never take each other's live objects for leftovers.
 */
pid_t kisol_owner(void);
void kisol_owner_set(pid_t pid);
/* Owner pid in a kisol name ("kisol-...-p<pid>[-<alnum>]"), 0 if none. */
pid_t kisol_name_owner(const char *name);
/* Does pid still run (kill(pid, 0), EPERM counts as running)? */
bool kisol_pid_alive(pid_t pid);

#endif
