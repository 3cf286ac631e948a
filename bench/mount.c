// SPDX-License-Identifier: GPL-2.0-only
/*
 * Mounts (issue 7, item 5), all inside a private mount namespace over a
 * tmpfs scratch area (bench_scratch.h):
 *  - mount.overlay: mount + umount of an overlayfs with `lowers` lower
 *    layers (1..64) and an upper layer, by mount(2) with a lowerdir= list
 *    (api=mount) or by fsopen/fsconfig "lowerdir+" per layer/fsmount/
 *    move_mount (api=fsconfig, 6.8+);
 *  - mount.bind: bind mount of a directory + umount;
 *  - mount.mntns_copy: unshare(CLONE_NEWNS) in a namespace holding
 *    `mounts` extra bind mounts (10..10000): the copy. The previous
 *    namespace is kept by an fd and re-entered after each sample, so the
 *    freeing of the copy is not in the timed part.
 */
#include <linux/magic.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "bench_main.h"
#include "bench_scratch.h"

#define MAX_LOWERS 512

struct ovl_ctx {
	int lowers;
	bool fsconfig;
	char opts[MAX_LOWERS * 8 + 64];
};

static int ovl_prepare(struct ovl_ctx *c)
{
	char p[64];
	size_t off;
	int fd;

	if (mkdir("u", 0755) < 0 || mkdir("w", 0755) < 0 || mkdir("m", 0755) < 0)
		return -errno;
	off = (size_t)snprintf(c->opts, sizeof(c->opts), "lowerdir=");
	for (int i = 0; i < c->lowers; i++) {
		snprintf(p, sizeof(p), "l%d", i);
		if (mkdir(p, 0755) < 0)
			return -errno;
		snprintf(p, sizeof(p), "l%d/f%d", i, i);
		fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
		if (fd < 0)
			return -errno;
		close(fd);
		off += (size_t)snprintf(c->opts + off, sizeof(c->opts) - off, "%sl%d", i ? ":" : "", i);
	}
	snprintf(c->opts + off, sizeof(c->opts) - off, ",upperdir=u,workdir=w");
	return 0;
}

static int ovl_mount(struct ovl_ctx *c)
{
	char p[16];
	int fd, mfd, r = 0;

	if (!c->fsconfig)
		return mount("overlay", "m", "overlay", 0, c->opts) < 0 ? -errno : 0;
	fd = fsopen("overlay", FSOPEN_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (int i = 0; i < c->lowers && r == 0; i++) {
		snprintf(p, sizeof(p), "l%d", i);
		r = fsconfig(fd, FSCONFIG_SET_STRING, "lowerdir+", p, 0);
	}
	if (r == 0)
		r = fsconfig(fd, FSCONFIG_SET_STRING, "upperdir", "u", 0);
	if (r == 0)
		r = fsconfig(fd, FSCONFIG_SET_STRING, "workdir", "w", 0);
	if (r == 0)
		r = fsconfig(fd, FSCONFIG_CMD_CREATE, NULL, NULL, 0);
	if (r < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	mfd = fsmount(fd, FSMOUNT_CLOEXEC, 0);
	r = mfd < 0 ? -errno : 0;
	close(fd);
	if (r == 0) {
		r = move_mount(mfd, "", AT_FDCWD, "m", MOVE_MOUNT_F_EMPTY_PATH) < 0 ? -errno : 0;
		close(mfd);
	}
	return r;
}

static int op_overlay(void *arg, double *ret_ns)
{
	int r = ovl_mount(arg);

	if (r < 0)
		return r;
	return umount2("m", 0) < 0 ? -errno : 0;
}

static int ovl_params(struct bench *b, struct ovl_ctx *c, char *name, size_t size)
{
	const char *api = bp_str(b, "api", "mount");

	c->lowers = (int)bp_int(b, "lowers", 1);
	if (c->lowers < 1 || c->lowers > MAX_LOWERS)
		return bench_bad(b, "lowers=%d: want 1..%d", c->lowers, MAX_LOWERS);
	if (strcmp(api, "mount") && strcmp(api, "fsconfig"))
		return bench_bad(b, "api=%s: want mount or fsconfig", api);
	c->fsconfig = api[0] == 'f';
	snprintf(name, size, "mount.overlay.%s", api);
	return 0;
}

static int overlay_body(struct bench *b, struct scratch *s, void *arg)
{
	struct ovl_ctx *c = arg;
	struct kisol_bench_record rec;
	char name[64];
	int r;

	ovl_params(b, c, name, sizeof(name));
	r = ovl_prepare(c);
	if (r < 0)
		return r;
	r = op_overlay(c, NULL);
	if (r < 0)
		return bench_skip(b, name, "overlay mount with %d lowers failed: %s", c->lowers, strerror(-r));
	bench_rec(b, &rec, name);
	kisol_bench_param_int(&rec, "lowers", c->lowers);
	kisol_bench_param_str(&rec, "api", c->fsconfig ? "fsconfig" : "mount");
	rec.floor = "floor.getppid";
	return bench_measure(b, &rec, op_overlay, c);
}

static int run_overlay(struct bench *b)
{
	static struct ovl_ctx c;
	char name[64];
	int r = ovl_params(b, &c, name, sizeof(name));

	return r < 0 ? r : bench_in_scratch(b, overlay_body, &c);
}

/* Every lower layer's file shows through the mounted overlay, and is gone after umount. */
static int overlay_verify_body(struct bench *b, struct scratch *s, void *arg)
{
	struct ovl_ctx *c = arg;
	int visible = 0, r, after;
	struct statfs sf;
	char name[64], p[32];
	bool is_ovl = false;

	ovl_params(b, c, name, sizeof(name));
	r = ovl_prepare(c);
	if (r == 0)
		r = ovl_mount(c);
	if (r == 0) {
		is_ovl = statfs("m", &sf) == 0 && sf.f_type == OVERLAYFS_SUPER_MAGIC;
		for (int i = 0; i < c->lowers; i++) {
			snprintf(p, sizeof(p), "m/f%d", i);
			visible += access(p, F_OK) == 0;
		}
		r = umount2("m", 0) < 0 ? -errno : 0;
	}
	after = access("m/f0", F_OK) == 0;
	bench_verify_begin(b, name);
	bench_ev_int(b, "result", r);
	bench_ev_int(b, "lowers", c->lowers);
	bench_ev_int(b, "lowers_visible", visible);
	bench_ev_bool(b, "overlayfs", is_ovl);
	bench_ev_bool(b, "visible_after_umount", after);
	return bench_verify_end(b, r == 0 && is_ovl && visible == c->lowers && !after);
}

static int verify_overlay(struct bench *b)
{
	static struct ovl_ctx c;
	char name[64];
	int r = ovl_params(b, &c, name, sizeof(name));

	return r < 0 ? r : bench_in_scratch(b, overlay_verify_body, &c);
}

/* ---- bind ---- */

static int op_bind(void *arg, double *ret_ns)
{
	if (mount("src", "dst", NULL, MS_BIND, NULL) < 0)
		return -errno;
	return umount2("dst", 0) < 0 ? -errno : 0;
}

static int bind_body(struct bench *b, struct scratch *s, void *arg)
{
	struct kisol_bench_record rec;
	struct stat a, d, after;

	if (mkdir("src", 0755) < 0 || mkdir("dst", 0755) < 0)
		return -errno;
	if (arg) {
		int r = mount("src", "dst", NULL, MS_BIND, NULL) < 0 ? -errno : 0;
		bool same;

		stat("src", &a);
		stat("dst", &d);
		same = r == 0 && a.st_ino == d.st_ino && a.st_dev == d.st_dev;
		if (r == 0)
			r = umount2("dst", 0) < 0 ? -errno : 0;
		stat("dst", &after);
		bench_verify_begin(b, "mount.bind");
		bench_ev_int(b, "result", r);
		bench_ev_bool(b, "target_is_source", same);
		bench_ev_bool(b, "target_is_source_after_umount", after.st_ino == a.st_ino);
		return bench_verify_end(b, r == 0 && same && after.st_ino != a.st_ino);
	}
	bench_rec(b, &rec, "mount.bind");
	rec.floor = "floor.getppid";
	return bench_measure(b, &rec, op_bind, NULL);
}

static int run_bind(struct bench *b) { return bench_in_scratch(b, bind_body, NULL); }
static int verify_bind(struct bench *b) { return bench_in_scratch(b, bind_body, (void *)1); }

/* ---- mount namespace copy vs number of mounts ---- */

static int count_mounts(const char *under, int *ret_total)
{
	char line[4096];
	size_t ul = strlen(under);
	int n = 0, total = 0;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char mp[4096];

		total++;
		/* id parent maj:min root mountpoint ... */
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) == 1 &&
		    !strncmp(mp, under, ul) && mp[ul] == '/')
			n++;
	}
	fclose(f);
	if (ret_total)
		*ret_total = total;
	return n;
}

static int op_copy(void *arg, double *ret_ns)
{
	int fd = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC), r = 0;
	uint64_t t0, t1;

	if (fd < 0)
		return -errno;
	t0 = kisol_now_ns();
	if (unshare(CLONE_NEWNS) < 0)
		r = -errno;
	t1 = kisol_now_ns();
	if (r == 0 && setns(fd, CLONE_NEWNS) < 0)
		r = -errno;
	close(fd);
	if (r == 0)
		*ret_ns = (double)(t1 - t0);
	return r;
}

static int copy_prepare(int n, char *under, size_t size)
{
	char p[64];

	if (mkdir("b", 0755) < 0 || mkdir("d", 0755) < 0 || !getcwd(under, size))
		return -errno;
	strncat(under, "/d", size - strlen(under) - 1);
	for (int i = 0; i < n; i++) {
		snprintf(p, sizeof(p), "d/%d", i);
		if (mkdir(p, 0755) < 0 || mount("b", p, NULL, MS_BIND, NULL) < 0)
			return -errno;
	}
	return 0;
}

static int copy_body(struct bench *b, struct scratch *s, void *arg)
{
	int n = (int)bp_int(b, "mounts", 100), total, r, held;
	struct kisol_bench_record rec;
	char under[PATH_MAX];

	r = copy_prepare(n, under, sizeof(under));
	if (r < 0)
		return r;
	held = count_mounts(under, &total);
	if (arg) {
		int in_copy, total_copy;

		r = unshare(CLONE_NEWNS) < 0 ? -errno : 0;
		in_copy = count_mounts(under, &total_copy);
		bench_verify_begin(b, "mount.mntns_copy");
		bench_ev_int(b, "result", r);
		bench_ev_int(b, "mounts", n);
		bench_ev_int(b, "mounts_held", held);
		bench_ev_int(b, "mounts_total", total);
		bench_ev_int(b, "mounts_in_copy", in_copy);
		bench_ev_int(b, "mounts_total_in_copy", total_copy);
		return bench_verify_end(b, r == 0 && held == n && in_copy == n && total_copy == total);
	}
	if (held != n)
		return -EPROTO;
	bench_rec(b, &rec, "mount.mntns_copy");
	kisol_bench_param_int(&rec, "mounts", n);
	kisol_bench_param_int(&rec, "mounts_total", total);
	rec.floor = "floor.getppid";
	return bench_measure(b, &rec, op_copy, NULL);
}

static int copy_check(struct bench *b)
{
	int64_t n = bp_int(b, "mounts", 100);

	if (n < 0 || n > 100000)
		return bench_bad(b, "mounts=%" PRId64 ": want 0..100000", n);
	return 0;
}

static int run_copy(struct bench *b)
{
	int r = copy_check(b);

	return r < 0 ? r : bench_in_scratch(b, copy_body, NULL);
}

static int verify_copy(struct bench *b)
{
	int r = copy_check(b);

	return r < 0 ? r : bench_in_scratch(b, copy_body, (void *)1);
}

static const struct bench_def defs[] = {
	{ "mount.overlay", "lowers,api", "overlayfs mount+umount (lowers=1..64, api=mount|fsconfig)", run_overlay, verify_overlay },
	{ "mount.bind", "", "bind mount + umount of a directory", run_bind, verify_bind },
	{ "mount.mntns_copy", "mounts", "unshare(CLONE_NEWNS) of a namespace holding `mounts` extra mounts", run_copy, verify_copy },
};

BENCH_MAIN(defs)
