// SPDX-License-Identifier: GPL-2.0-only
/*
 * kisol overlay model: running an operation on a real directory (the
 * mounted overlay), with the result as -errno.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "overlay-internal.h"

static const char *const op_names[_KISOL_OVL_OP_MAX] = {
	"read", "open_rw", "open_trunc", "create", "create_excl", "append", "truncate",
	"chmod", "chown", "utimes", "setxattr", "rmxattr", "link", "symlink", "readlink",
	"unlink", "rmdir", "mkdir", "rename",
};

const char *kisol_ovl_op_name(enum kisol_ovl_op_type t)
{
	return t < _KISOL_OVL_OP_MAX ? op_names[t] : "?";
}

void kisol_ovl_op_describe(const struct kisol_ovl_op *op, char *buf, size_t size)
{
	snprintf(buf, size, "%s %s%s%s%s%s", kisol_ovl_op_name(op->type), op->path,
		 op->path2 ? " -> " : "", op->path2 ? op->path2 : "", op->data ? " data=" : "",
		 op->data ? op->data : "");
}

static int write_all(int fd, const char *s)
{
	size_t len = s ? strlen(s) : 0;
	ssize_t n;

	if (!len)
		return 0;
	n = write(fd, s, len);
	if (n < 0)
		return kisol_negerrno();
	return (size_t)n == len ? 0 : -EIO;
}

static int real_open_op(const char *p, const struct kisol_ovl_op *op)
{
	int flags = O_CLOEXEC, fd, r;

	switch (op->type) {
	case KISOL_OVL_OP_OPEN_RW: flags |= O_RDWR; break;
	case KISOL_OVL_OP_OPEN_TRUNC: flags |= O_WRONLY | O_TRUNC; break;
	case KISOL_OVL_OP_CREATE: flags |= O_WRONLY | O_CREAT | O_TRUNC; break;
	case KISOL_OVL_OP_CREATE_EXCL: flags |= O_WRONLY | O_CREAT | O_EXCL; break;
	case KISOL_OVL_OP_APPEND: flags |= O_WRONLY | O_APPEND; break;
	default: return -EINVAL;
	}
	fd = open(p, flags, op->mode);
	if (fd < 0)
		return kisol_negerrno();
	r = 0;
	if (op->type == KISOL_OVL_OP_CREATE || op->type == KISOL_OVL_OP_CREATE_EXCL ||
	    op->type == KISOL_OVL_OP_APPEND)
		r = write_all(fd, op->data);
	close(fd);
	return r;
}

int kisol_ovl_op_real(const char *root, const struct kisol_ovl_op *op, char *out, size_t size)
{
	char p[PATH_MAX], p2[PATH_MAX];
	struct timespec ts[2];
	mode_t old_umask;
	int r = 0, fd;
	ssize_t n;

	if (!root || !op || !op->path || op->type >= _KISOL_OVL_OP_MAX)
		return -EINVAL;
	snprintf(p, sizeof(p), "%s/%s", root, op->path);
	snprintf(p2, sizeof(p2), "%s/%s", root, op->path2 ? op->path2 : "");
	old_umask = umask(0);
	switch (op->type) {
	case KISOL_OVL_OP_READ:
		fd = open(p, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			r = kisol_negerrno();
			break;
		}
		n = read(fd, out, size ? size - 1 : 0);
		r = n < 0 ? kisol_negerrno() : 0;
		if (n >= 0 && size)
			out[n] = '\0';
		close(fd);
		break;
	case KISOL_OVL_OP_READLINK:
		n = readlink(p, out, size ? size - 1 : 0);
		r = n < 0 ? kisol_negerrno() : 0;
		if (n >= 0 && size)
			out[n] = '\0';
		break;
	case KISOL_OVL_OP_OPEN_RW:
	case KISOL_OVL_OP_OPEN_TRUNC:
	case KISOL_OVL_OP_CREATE:
	case KISOL_OVL_OP_CREATE_EXCL:
	case KISOL_OVL_OP_APPEND:
		r = real_open_op(p, op);
		break;
	case KISOL_OVL_OP_TRUNCATE:
		r = truncate(p, op->len) < 0 ? kisol_negerrno() : 0;
		break;
	case KISOL_OVL_OP_CHMOD:
		r = chmod(p, op->mode) < 0 ? kisol_negerrno() : 0;
		break;
	case KISOL_OVL_OP_CHOWN:
		r = lchown(p, op->uid, op->gid) < 0 ? kisol_negerrno() : 0;
		break;
	case KISOL_OVL_OP_UTIMES:
		ts[0].tv_sec = ts[1].tv_sec = op->len;
		ts[0].tv_nsec = ts[1].tv_nsec = 0;
		r = utimensat(AT_FDCWD, p, ts, AT_SYMLINK_NOFOLLOW) < 0 ? kisol_negerrno() : 0;
		break;
	case KISOL_OVL_OP_SETXATTR:
		r = lsetxattr(p, "user.kisol", op->data, strlen(op->data), 0) < 0 ?
			    kisol_negerrno() : 0;
		break;
	case KISOL_OVL_OP_RMXATTR:
		r = lremovexattr(p, "user.kisol") < 0 ? kisol_negerrno() : 0;
		break;
	case KISOL_OVL_OP_LINK:
		r = link(p, p2) < 0 ? kisol_negerrno() : 0;
		break;
	case KISOL_OVL_OP_SYMLINK:
		r = symlink(op->data, p) < 0 ? kisol_negerrno() : 0;
		break;
	case KISOL_OVL_OP_UNLINK:
		r = unlink(p) < 0 ? kisol_negerrno() : 0;
		break;
	case KISOL_OVL_OP_RMDIR:
		r = rmdir(p) < 0 ? kisol_negerrno() : 0;
		break;
	case KISOL_OVL_OP_MKDIR:
		r = mkdir(p, op->mode) < 0 ? kisol_negerrno() : 0;
		break;
	case KISOL_OVL_OP_RENAME:
		r = rename(p, p2) < 0 ? kisol_negerrno() : 0;
		break;
	default:
		r = -EINVAL;
	}
	umask(old_umask);
	return r;
}
