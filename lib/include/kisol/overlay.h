/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kisol: overlayfs. Layers (lower, data-only lower, upper, work) in a
 * scratch directory, mounting by mount(2) or the new mount API (with
 * fsconfig lowerdir+/datadir+), feature probing by trying the mount,
 * overlay markers (whiteouts, opaque, redirect, metacopy), and an
 * expected-state model: trees of entries, snapshots of real directories,
 * operations applied both to a merged view and to the model.
 */
#ifndef KISOL_OVERLAY_H
#define KISOL_OVERLAY_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "kisol/mount.h"

#define KISOL_OVL_MAX_LOWER 4
#define KISOL_OVL_MAX_DATA 2

struct kisol_ovl_layout {
	unsigned nlower;   /* lower layers, 1..KISOL_OVL_MAX_LOWER; lower[0] is the topmost */
	unsigned ndata;    /* data-only lower layers (below "::"), 0..KISOL_OVL_MAX_DATA */
	bool upper_tmpfs;  /* upper and work on a private tmpfs (else on the scratch fs) */
	bool no_upper;     /* no upper/work: a read-only overlay */
	const char *parent; /* scratch parent directory; NULL: kisol_mnt_scratch_base() */
};

enum kisol_ovl_mount_flags {
	KISOL_OVL_LAYERS_PLUS = 1 << 0, /* new API: one fsconfig lowerdir+ / datadir+ per layer */
	KISOL_OVL_RDONLY      = 1 << 1, /* MOUNT_ATTR_RDONLY / MS_RDONLY */
};

struct kisol_ovl {
	char root[PATH_MAX];    /* the scratch directory holding everything */
	char lower[KISOL_OVL_MAX_LOWER][PATH_MAX];
	char data[KISOL_OVL_MAX_DATA][PATH_MAX];
	char upper[PATH_MAX];
	char work[PATH_MAX];
	char merged[PATH_MAX];
	char upperfs[PATH_MAX]; /* tmpfs mount point holding upper and work, "" if none */
	unsigned nlower, ndata;
	bool has_upper;
	bool mounted;
	/* what the last kisol_ovl_mount() used, for kisol_ovl_remount() */
	enum kisol_mnt_api api;
	unsigned flags;
	char options[512];
};

/* Zero a struct kisol_ovl so that kisol_ovl_cleanup() on it is a no-op. */
void kisol_ovl_zero(struct kisol_ovl *o);
/* Create the scratch directory and the layer directories. */
int kisol_ovl_init(struct kisol_ovl *o, const struct kisol_ovl_layout *layout);
/*
 * The option string that kisol_ovl_mount() uses with mount(2):
 * "lowerdir=L0:L1::D0,upperdir=U,workdir=W[,extra]".
 */
int kisol_ovl_options(const struct kisol_ovl *o, const char *extra, char *buf, size_t size);
/*
 * Mount the overlay on o->merged. extra: more options ("index=on,xino=on",
 * flags such as "userxattr" or "volatile"), may be NULL. On failure the
 * kernel's fs context messages (new API) are in log.
 */
int kisol_ovl_mount(struct kisol_ovl *o, enum kisol_mnt_api api, const char *extra,
		    unsigned flags, char *log, size_t log_size);
/* Unmount the merged view (lazily). */
int kisol_ovl_umount(struct kisol_ovl *o);
/* Unmount and mount again with the same layers, API and options. */
int kisol_ovl_remount(struct kisol_ovl *o, char *log, size_t log_size);
/* Unmount everything and remove the scratch directory. Safe to call twice. */
void kisol_ovl_cleanup(struct kisol_ovl *o);

/*
 * Try whether the kernel accepts extra with api/flags on a throw-away
 * overlay in a scratch dir (upper on tmpfs when upper_tmpfs). 0: accepted.
 * 1: refused; why names the option(s) refused and the errno, e.g.
 * "overlayfs refused 'metacopy=on' (EINVAL)". -errno: could not set up.
 */
int kisol_ovl_probe(const char *extra, enum kisol_mnt_api api, unsigned flags,
		    bool upper_tmpfs, char *why, size_t size);
/*
 * The same with a given layout (data-only layers, no upper, ...): names
 * what the kernel lacks first (lowerdir+, data-only layers), then the
 * refused option(s). why must hold at least 8 bytes.
 */
int kisol_ovl_probe_layout(const struct kisol_ovl_layout *layout, const char *extra,
			   enum kisol_mnt_api api, unsigned flags, char *why, size_t size);

/* ---------------------------------------------------------------------
 * Markers. userxattr selects user.overlay.* instead of trusted.overlay.*.
 */

/* Build "trusted.overlay.<name>" or "user.overlay.<name>". */
int kisol_ovl_xattr_name(const char *name, bool userxattr, char *buf, size_t size);
/*
 * 1: a 0/0 character device whiteout, 2: an xattr whiteout (regular file
 * with <prefix>whiteout), 0: not a whiteout.
 */
int kisol_ovl_whiteout_kind(int dfd, const char *path, bool userxattr);
/* 1 if the directory carries <prefix>opaque = "y" (or "x"), else 0. */
int kisol_ovl_is_opaque(int dfd, const char *path, bool userxattr);
/* Read <prefix><name> of path (no follow) into buf (NUL-terminated); length or -ENODATA. */
int kisol_ovl_get_marker(int dfd, const char *path, const char *name, bool userxattr,
			 char *buf, size_t size);
/* Set <prefix><name> (used to craft layers, e.g. opaque dirs, xattr whiteouts). */
int kisol_ovl_set_marker(int dfd, const char *path, const char *name, bool userxattr,
			 const char *value, size_t len);
/* Create a 0/0 character device whiteout at path. */
int kisol_ovl_mk_whiteout(int dfd, const char *path);
/* Create an xattr whiteout at path: an empty file with <prefix>whiteout, parent marked <prefix>whiteouts. */
int kisol_ovl_mk_xattr_whiteout(int dfd, const char *path, bool userxattr);

/* ---------------------------------------------------------------------
 * Expected-state model
 */

enum kisol_ovl_kind {
	KISOL_OVL_NONE,
	KISOL_OVL_FILE,
	KISOL_OVL_DIR,
	KISOL_OVL_SYMLINK,
	KISOL_OVL_WHITEOUT,
	KISOL_OVL_OTHER,
};

#define KISOL_OVL_PATH 96
#define KISOL_OVL_DATA 96

struct kisol_ovl_entry {
	char path[KISOL_OVL_PATH];    /* relative, no leading '/': "d/sub/b" */
	enum kisol_ovl_kind kind;
	mode_t mode;                  /* permission bits */
	uid_t uid;
	gid_t gid;
	int64_t mtime;                /* seconds; compared for non-dirs when both set (!= -1) */
	off_t size;
	char data[KISOL_OVL_DATA];    /* file content (first bytes) or symlink target */
	char xattrs[160];             /* "name=value;" of user.kisol* xattrs, sorted */
	uint64_t group;               /* hardlink group (0: none) */
	/* overlay markers (upper layer snapshots) */
	bool opaque;
	bool metacopy;
	char redirect[KISOL_OVL_PATH];
	/* model bookkeeping (merged view) */
	bool has_lpath;               /* directory that merges a lower directory */
	char lpath[KISOL_OVL_PATH];   /* the lower directory it merges */
};

struct kisol_ovl_tree {
	struct kisol_ovl_entry *e;
	size_t n, cap;
};

void kisol_ovl_tree_free(struct kisol_ovl_tree *t);
#define _cleanup_ovl_tree_ _cleanup_(kisol_ovl_tree_free)
struct kisol_ovl_entry *kisol_ovl_tree_find(const struct kisol_ovl_tree *t, const char *path);
/* Add or replace by path; returns the stored entry or NULL (ENOMEM). */
struct kisol_ovl_entry *kisol_ovl_tree_put(struct kisol_ovl_tree *t, const struct kisol_ovl_entry *e);
/* Remove path and everything below it; returns how many entries went. */
size_t kisol_ovl_tree_remove(struct kisol_ovl_tree *t, const char *path);
int kisol_ovl_tree_copy(struct kisol_ovl_tree *dst, const struct kisol_ovl_tree *src);

enum kisol_ovl_snap_flags {
	KISOL_OVL_SNAP_MARKERS   = 1 << 0, /* read whiteouts/opaque/redirect/metacopy (layer dirs) */
	KISOL_OVL_SNAP_USERXATTR = 1 << 1, /* markers are user.overlay.* */
};
/* Walk the directory tree at root into t (root itself is not an entry). */
int kisol_ovl_snapshot(const char *root, unsigned flags, struct kisol_ovl_tree *t);

enum kisol_ovl_cmp_flags {
	KISOL_OVL_CMP_MARKERS = 1 << 0, /* compare opaque/redirect(dirs)/metacopy */
	KISOL_OVL_CMP_MTIME   = 1 << 1, /* compare mtime of non-dirs where the expectation has one */
	KISOL_OVL_CMP_GROUPS  = 1 << 2, /* compare hardlink peers */
};
/*
 * Compare expected and actual: 0 if equal, 1 with the first difference
 * described in diff ("d/a: mode expected 0644, found 0600").
 */
int kisol_ovl_tree_compare(const struct kisol_ovl_tree *expected,
			   const struct kisol_ovl_tree *actual, unsigned flags,
			   char *diff, size_t size);

struct kisol_ovl_model_opts {
	bool redirect_dir;
	bool index;
	bool metacopy;
	bool userxattr;
	bool xino_on;      /* xino=on given: no offline changes, mkdir in merged dirs is opaque */
	bool unstable_ino; /* layers on different fs without xino: hardlink st_ino not compared */
};

struct kisol_ovl_model {
	struct kisol_ovl_model_opts o;
	struct kisol_ovl_tree lowers;   /* union of the lower layers */
	struct kisol_ovl_tree merged;   /* expected merged view */
	struct kisol_ovl_tree upper;    /* expected upper layer */
	struct kisol_ovl_tree lower_snap[KISOL_OVL_MAX_LOWER]; /* lower layers as populated */
	unsigned nlower;
	uint64_t next_group;
};

/*
 * Start the model from the populated (not yet mounted) layer directories
 * of o: snapshots the layers, computes the expected merged view.
 */
int kisol_ovl_model_init(struct kisol_ovl_model *m, const struct kisol_ovl *o,
			 const struct kisol_ovl_model_opts *opts);
void kisol_ovl_model_free(struct kisol_ovl_model *m);

enum kisol_ovl_op_type {
	KISOL_OVL_OP_READ,        /* open O_RDONLY, read: the content is compared */
	KISOL_OVL_OP_OPEN_RW,     /* open O_RDWR, no write */
	KISOL_OVL_OP_OPEN_TRUNC,  /* open O_WRONLY|O_TRUNC */
	KISOL_OVL_OP_CREATE,      /* open O_CREAT|O_WRONLY|O_TRUNC, write data */
	KISOL_OVL_OP_CREATE_EXCL, /* open O_CREAT|O_EXCL|O_WRONLY, write data */
	KISOL_OVL_OP_APPEND,      /* open O_WRONLY|O_APPEND, write data */
	KISOL_OVL_OP_TRUNCATE,    /* truncate(path, len) */
	KISOL_OVL_OP_CHMOD,
	KISOL_OVL_OP_CHOWN,       /* lchown(uid, gid) */
	KISOL_OVL_OP_UTIMES,      /* mtime = len seconds, no follow */
	KISOL_OVL_OP_SETXATTR,    /* user.kisol = data (no follow) */
	KISOL_OVL_OP_RMXATTR,     /* remove user.kisol */
	KISOL_OVL_OP_LINK,        /* link(path, path2) */
	KISOL_OVL_OP_SYMLINK,     /* symlink(data, path) */
	KISOL_OVL_OP_READLINK,    /* the target is compared */
	KISOL_OVL_OP_UNLINK,
	KISOL_OVL_OP_RMDIR,
	KISOL_OVL_OP_MKDIR,
	KISOL_OVL_OP_RENAME,      /* rename(path, path2) */
	_KISOL_OVL_OP_MAX,
};

struct kisol_ovl_op {
	enum kisol_ovl_op_type type;
	const char *path;
	const char *path2;
	const char *data;
	mode_t mode;
	uid_t uid;
	gid_t gid;
	int64_t len; /* truncate length, utimes seconds */
};

const char *kisol_ovl_op_name(enum kisol_ovl_op_type t);
/* Human readable "rename d -> d2" for logs. */
void kisol_ovl_op_describe(const struct kisol_ovl_op *op, char *buf, size_t size);
/*
 * Perform op on the real tree at root. 0 or -errno. READ/READLINK write
 * the content into out (NUL-terminated).
 */
int kisol_ovl_op_real(const char *root, const struct kisol_ovl_op *op, char *out, size_t size);
/*
 * Apply op to the model; returns the result the kernel must give (0 or
 * -errno) and, for READ/READLINK, the expected content in out.
 */
int kisol_ovl_op_model(struct kisol_ovl_model *m, const struct kisol_ovl_op *op, char *out,
		       size_t size);
/*
 * Check the mounted overlay o against the model: merged view == expected
 * merged view; upper layer == expected upper (markers included); every
 * lower layer unchanged. 0 if all hold, 1 with the first difference in
 * diff, -errno if a snapshot failed.
 */
int kisol_ovl_model_check(const struct kisol_ovl_model *m, const struct kisol_ovl *o,
			  char *diff, size_t size);

#endif
