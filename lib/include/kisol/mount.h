/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kisol: mounts. Scratch directories and private scratch tmpfs, mount
 * namespace isolation, propagation changes, bind mounts, /proc/PID/mountinfo
 * lookups, a minimal root and pivot_root into it, and the new mount API
 * (fsopen/fsconfig/fsmount/move_mount/open_tree/fspick/mount_setattr) with
 * a legacy mount(2) fallback.
 *
 * Every function returns -errno on failure; output parameters are written
 * only on success. Nothing here prints or exits.
 */
#ifndef KISOL_MOUNT_H
#define KISOL_MOUNT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "kisol/util.h"

struct mount_attr;

/* ---------------------------------------------------------------------
 * Scratch directories
 */

/*
 * Base directory for scratch space: $KISOL_SCRATCH when set and an
 * existing directory, else /tmp. Written into buf.
 */
int kisol_mnt_scratch_base(char *buf, size_t size);
/*
 * The same for scratch space that must be on a disk filesystem (page
 * cache, O_TMPFILE, dentries of a real filesystem): $KISOL_SCRATCH when set
 * and an existing directory, else /var/tmp. The caller checks the
 * filesystem type if it matters.
 */
int kisol_mnt_scratch_disk(char *buf, size_t size);
/*
 * mkdtemp "<base>/kisol-<prefix>-p<owner>-XXXXXX" (base as above, or parent
 * when not NULL; owner: kisol_owner()). The new directory's path is written
 * into ret_path.
 */
int kisol_mnt_mkdtemp(const char *parent, const char *prefix, char *ret_path, size_t size);
/*
 * Remove the scratch directories in the scratch base whose owner is gone
 * (a killed earlier instance), mounts below them detached first. Returns
 * how many were removed.
 */
int kisol_mnt_remove_stale(void);
/*
 * Remove a directory tree. Never crosses into another mount: anything
 * mounted below path is detached (MNT_DETACH) first; entries on other
 * filesystems are not followed. Missing path: 0.
 */
int kisol_mnt_rm_rf(const char *path);
/*
 * A private scratch tmpfs: mkdtemp (as kisol_mnt_mkdtemp) and mount a
 * tmpfs on it (options e.g. "size=16m,mode=0755", NULL for defaults),
 * made MS_PRIVATE. ret_path gets the directory.
 */
int kisol_mnt_scratch_tmpfs(const char *prefix, const char *options, char *ret_path, size_t size);
/* Detach whatever is mounted on path (all stacked mounts) and remove the tree. */
int kisol_mnt_scratch_release(const char *path);

/* ---------------------------------------------------------------------
 * Isolation and propagation
 */

/*
 * unshare(CLONE_NEWNS) and make / recursively private, so that nothing
 * mounted afterwards can reach the parent's mount table. -EPROTO when the
 * kernel said yes and did not (same mount namespace, a mount still shared).
 */
int kisol_mnt_isolate(void);
/*
 * Change propagation of the mount at path: type is one of MS_SHARED,
 * MS_PRIVATE, MS_SLAVE, MS_UNBINDABLE; recursive adds MS_REC.
 */
int kisol_mnt_set_propagation(const char *path, unsigned long type, bool recursive);

/* ---------------------------------------------------------------------
 * Legacy mounts
 */

/* mount(2) a filesystem; data is the option string (may be NULL). */
int kisol_mnt_mount(const char *source, const char *target, const char *fstype,
		    unsigned long flags, const char *data);
/* mount -t tmpfs (source "kisol"). */
int kisol_mnt_tmpfs(const char *target, const char *options);
/* Bind mount (recursive: MS_REC). */
int kisol_mnt_bind(const char *source, const char *target, bool recursive);
/* MS_REMOUNT|MS_BIND with flags (MS_RDONLY, MS_NOSUID, ...) on a bind/mount. */
int kisol_mnt_remount_bind(const char *target, unsigned long flags);
/* MS_MOVE. */
int kisol_mnt_move(const char *source, const char *target);
/* umount2(path, flags). */
int kisol_mnt_umount(const char *target, int flags);
/* umount2(path, MNT_DETACH). */
int kisol_mnt_detach(const char *target);
/* Detach every mount stacked on target until it is no mount point; returns the count. */
int kisol_mnt_detach_all(const char *target);

/* ---------------------------------------------------------------------
 * Mount table queries
 */

/* One line of /proc/PID/mountinfo. */
struct kisol_mnt_info {
	int mnt_id;
	int parent_id;
	unsigned major, minor;
	char root[PATH_MAX];
	char mountpoint[PATH_MAX];
	char options[256];      /* per-mount: rw,nosuid,... */
	char fstype[64];
	char source[PATH_MAX];
	char super_options[512];
	int shared;             /* peer group id, 0 if not shared */
	int master;             /* master peer group, 0 if not a slave */
	int propagate_from;
	bool unbindable;
};

/*
 * Find the mount whose mount point is exactly path (after realpath) in
 * /proc/PID/mountinfo (pid 0: self); the topmost (last) if stacked.
 * -ENOENT if none.
 */
int kisol_mnt_info(pid_t pid, const char *path, struct kisol_mnt_info *ret);
/* Same, by mount id. */
int kisol_mnt_info_by_id(pid_t pid, int mnt_id, struct kisol_mnt_info *ret);
/*
 * Call fn for every mount of /proc/PID/mountinfo in order; a non-zero
 * return of fn stops the walk and is returned.
 */
int kisol_mnt_foreach(pid_t pid, int (*fn)(const struct kisol_mnt_info *m, void *arg), void *arg);
/* Number of mounts in /proc/PID/mountinfo. */
int kisol_mnt_count(pid_t pid);
/* Does the per-mount option list (e.g. "rw,nosuid") contain opt? 1/0. */
int kisol_mnt_has_option(const char *options, const char *opt);
/* 1 if path is a mount point (statx STATX_ATTR_MOUNT_ROOT or mount id change), 0 if not. */
int kisol_mnt_is_mountpoint(const char *path);
/* Mount id of the mount path is on (statx STATX_MNT_ID; falls back to fdinfo). */
int kisol_mnt_id(int dfd, const char *path, uint64_t *ret);

/* ---------------------------------------------------------------------
 * pivot_root and a minimal root
 */

/* Raw pivot_root(2). */
int kisol_mnt_pivot_root(const char *new_root, const char *put_old);

enum kisol_mnt_root_flags {
	KISOL_ROOT_PROC = 1 << 0,   /* mount a fresh proc on /proc (needs a pid namespace to be useful) */
	KISOL_ROOT_DEV  = 1 << 1,   /* tmpfs /dev with null, zero, ... bind-mounted from the host */
	KISOL_ROOT_TMP  = 1 << 2,   /* tmpfs on /tmp */
};

/*
 * Prepare a minimal root at dir: a tmpfs mounted on dir (private) with
 * the directories bin, dev, etc, proc, tmp, oldroot, and what flags ask
 * for. dir must exist. Call in a private mount namespace.
 */
int kisol_mnt_make_root(const char *dir, unsigned flags);
/*
 * Enter a prepared root: chdir(new_root), pivot_root(".", "."), detach
 * the old root (umount2(".", MNT_DETACH)) and chdir("/"). After success
 * no mount of the old root is reachable from this mount namespace.
 */
int kisol_mnt_enter_root(const char *new_root);

/* ---------------------------------------------------------------------
 * New mount API (raw wrappers: -errno, ENOSYS when the kernel lacks it)
 */

int kisol_mnt_fsopen(const char *fstype, unsigned flags);
int kisol_mnt_fspick(int dfd, const char *path, unsigned flags);
int kisol_mnt_fsconfig(int fsfd, unsigned cmd, const char *key, const void *value, int aux);
int kisol_mnt_fsmount(int fsfd, unsigned flags, unsigned attr_flags);
int kisol_mnt_move_mount(int from_dfd, const char *from_path, int to_dfd,
			 const char *to_path, unsigned flags);
int kisol_mnt_open_tree(int dfd, const char *path, unsigned flags);
int kisol_mnt_mount_setattr(int dfd, const char *path, unsigned flags,
			    struct mount_attr *attr, size_t size);

/* 0 if fsopen/fsmount/move_mount work here (probed with tmpfs), else -errno. */
int kisol_mnt_new_api_probe(void);
/* 0 if mount_setattr exists (5.12+), else -errno (-ENOSYS). */
int kisol_mnt_setattr_probe(void);

/*
 * Read the messages the kernel queued on an fs context fd (fsopen/fspick)
 * into buf, one per line ("e overlayfs: ..."). Returns the length (0: none).
 */
int kisol_mnt_fs_log(int fsfd, char *buf, size_t size);

/*
 * Set the options of an fs context from a comma separated string:
 * "key=value" with FSCONFIG_SET_STRING, "key" with FSCONFIG_SET_FLAG.
 * A backslash escapes a comma. NULL/"" sets nothing.
 */
int kisol_mnt_fsconfig_opts(int fsfd, const char *options);

/*
 * A registered filesystem (listed in /proc/filesystems, so nothing is
 * loaded) whose fs context is the VFS "legacy" one, the shim that collects
 * fsconfig() parameters into one page for a filesystem without its own
 * parser. Recognised by fsconfig() refusing a binary parameter for it
 * (EOPNOTSUPP) while an arbitrary flag key is taken. Name into buf;
 * -ENOENT when every filesystem here has its own parser, -ENOSYS without
 * fsopen. Works in a user namespace that owns its mount namespace.
 */
int kisol_mnt_legacy_fstype(char *buf, size_t size);

/* Which API a mount helper uses. */
enum kisol_mnt_api {
	KISOL_MNT_API_AUTO,   /* new API, legacy mount(2) if the new one is ENOSYS */
	KISOL_MNT_API_NEW,    /* fsopen/fsconfig/fsmount/move_mount only */
	KISOL_MNT_API_LEGACY, /* mount(2) only */
};
const char *kisol_mnt_api_name(enum kisol_mnt_api api);

/*
 * Create a detached mount with the new API: fsopen(fstype), source (if
 * not NULL), options (as kisol_mnt_fsconfig_opts), FSCONFIG_CMD_CREATE,
 * fsmount(attr_flags MOUNT_ATTR_*). Returns the mount fd (O_CLOEXEC).
 * On a failure the kernel's message (if any) is copied into log.
 */
int kisol_mnt_fs_create(const char *fstype, const char *source, const char *options,
			unsigned attr_flags, char *log, size_t log_size);
/* move_mount a detached mount fd onto target. */
int kisol_mnt_attach(int mntfd, const char *target);
/*
 * Mount fstype on target with options through the chosen API. With
 * KISOL_MNT_API_LEGACY options go to mount(2) as data and attr_flags are
 * translated into MS_* flags. log as in kisol_mnt_fs_create (new API only).
 */
int kisol_mnt_fs_mount(enum kisol_mnt_api api, const char *fstype, const char *source,
		       const char *target, const char *options, unsigned attr_flags,
		       char *log, size_t log_size);

/*
 * Detached clone of the tree at path (open_tree OPEN_TREE_CLONE, with
 * AT_RECURSIVE if recursive). Returns the fd.
 */
int kisol_mnt_clone_tree(const char *path, bool recursive);
/*
 * mount_setattr on path: set and clear MOUNT_ATTR_* bits, propagation
 * (MS_SHARED/MS_PRIVATE/MS_SLAVE/MS_UNBINDABLE or 0 to keep), recursive
 * adds AT_RECURSIVE. -ENOSYS without mount_setattr.
 */
int kisol_mnt_setattr(int dfd, const char *path, uint64_t set, uint64_t clr,
		      uint64_t propagation, bool recursive);
/*
 * Idmapped bind mount: clone the tree at source, idmap it with the user
 * namespace userns_fd, attach at target.
 */
int kisol_mnt_idmapped(const char *source, const char *target, int userns_fd, bool recursive);

/* ---------------------------------------------------------------------
 * statmount / listmount (6.8; another mount namespace by id: 6.11)
 */

/* struct statmount of linux/mount.h (installed headers may predate it). */
struct kisol_statmount {
	uint32_t size, mnt_opts;
	uint64_t mask;
	uint32_t sb_dev_major, sb_dev_minor;
	uint64_t sb_magic;
	uint32_t sb_flags, fs_type;
	uint64_t mnt_id, mnt_parent_id;
	uint32_t mnt_id_old, mnt_parent_id_old;
	uint64_t mnt_attr, mnt_propagation, mnt_peer_group, mnt_master, propagate_from;
	uint32_t mnt_root, mnt_point;
	uint64_t mnt_ns_id;
	uint64_t spare[49];
	char str[]; /* strings: offsets above index into it */
};

#define KISOL_STATMOUNT_SB_BASIC 0x01U
#define KISOL_STATMOUNT_MNT_BASIC 0x02U
#define KISOL_STATMOUNT_MNT_ROOT 0x08U
#define KISOL_STATMOUNT_MNT_POINT 0x10U
#define KISOL_STATMOUNT_FS_TYPE 0x20U
#define KISOL_STATMOUNT_MNT_NS_ID 0x40U
#define KISOL_STATMOUNT_MNT_OPTS 0x80U
#define KISOL_LSMT_ROOT UINT64_MAX

/*
 * statmount(2) of the mount with that unique id, in the caller's mount
 * namespace (mnt_ns_id 0) or in the one with that id. buf holds size
 * bytes. -ENOSYS before 6.8.
 */
int kisol_mnt_statmount(uint64_t mnt_id, uint64_t mnt_ns_id, uint64_t mask,
			struct kisol_statmount *buf, size_t size);
/*
 * listmount(2): unique ids of the mounts below mnt_id (KISOL_LSMT_ROOT:
 * the whole namespace) into ids (at most n); returns the count.
 */
int kisol_mnt_listmount(uint64_t mnt_id, uint64_t mnt_ns_id, uint64_t *ids, size_t n);
/* Unique (never reused) id of the mount path is on: statx STATX_MNT_ID_UNIQUE (6.8). */
int kisol_mnt_unique_id(const char *path, uint64_t *ret);

/* MOUNT_ATTR_* bits to MS_* flags (for the legacy path and comparisons). */
unsigned long kisol_mnt_attr_to_ms(unsigned attr_flags);

#endif
