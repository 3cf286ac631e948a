/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers shared by the overlay case binaries: a declarative layer
 * population, running operations against the merged view and the model
 * side by side, and the check-remount-check verification.
 */
#ifndef KISOL_OVL_CASE_H
#define KISOL_OVL_CASE_H

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "kisol_test.h"
#include "kisol/mount.h"
#include "kisol/overlay.h"

/* Set by OVL_NEED_XATTRS (below): the layers take user.* xattrs too. */
static bool ovl_user_xattrs = true;

/* Fixed mtime of populated entries: copy-up must preserve it. */
#define OVL_MTIME 1000000000

/*
 * One operation on the merged view, by the name of its type:
 * OVL_OP(CREATE, .path = "n", .data = "x", .mode = 0644) is a
 * struct kisol_ovl_op of type KISOL_OVL_OP_CREATE.
 */
#define OVL_OP(type_, ...) ((struct kisol_ovl_op){ .type = KISOL_OVL_OP_##type_, __VA_ARGS__ })

enum pop_kind { P_FILE, P_DIR, P_SYMLINK, P_HARDLINK, P_WHITEOUT, P_XWHITEOUT, P_OPAQUE, P_XATTR };

/* layer: 0..3 lower[i], 'U' upper, 'D' data-only layer 0. */
struct pop {
	int layer;
	enum pop_kind kind;
	const char *path;
	const char *data; /* content, symlink target, hardlink source, xattr value */
	mode_t mode;
};

static inline const char *pop_layer_dir(const struct kisol_ovl *o, int layer)
{
	if (layer == 'U')
		return o->upper;
	if (layer == 'D')
		return o->data[0];
	return o->lower[layer];
}

/* Populate layers; the model (if any) is started afterwards. 0 or -errno. */
static inline int pop_layers(const struct kisol_ovl *o, const struct pop *p, size_t n,
			     bool userxattr)
{
	struct timespec ts[2] = { { OVL_MTIME, 0 }, { OVL_MTIME, 0 } };
	size_t i;

	for (i = 0; i < n; i++) {
		char path[2 * PATH_MAX], src[2 * PATH_MAX];
		const char *dir = pop_layer_dir(o, p[i].layer);
		int fd, r = 0;

		snprintf(path, sizeof(path), "%s/%s", dir, p[i].path);
		switch (p[i].kind) {
		case P_FILE:
			fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, p[i].mode ?: 0644);
			if (fd < 0)
				return kisol_negerrno();
			if (p[i].data && write(fd, p[i].data, strlen(p[i].data)) < 0)
				r = kisol_negerrno();
			fchmod(fd, p[i].mode ?: 0644);
			close(fd);
			break;
		case P_DIR:
			if (mkdir(path, p[i].mode ?: 0755) < 0)
				r = kisol_negerrno();
			else
				chmod(path, p[i].mode ?: 0755);
			break;
		case P_SYMLINK:
			r = symlink(p[i].data, path) < 0 ? kisol_negerrno() : 0;
			break;
		case P_HARDLINK:
			snprintf(src, sizeof(src), "%s/%s", dir, p[i].data);
			r = link(src, path) < 0 ? kisol_negerrno() : 0;
			break;
		case P_WHITEOUT:
			r = kisol_ovl_mk_whiteout(AT_FDCWD, path);
			break;
		case P_XWHITEOUT:
			r = kisol_ovl_mk_xattr_whiteout(AT_FDCWD, path, userxattr);
			break;
		case P_OPAQUE:
			r = kisol_ovl_set_marker(AT_FDCWD, path, "opaque", userxattr, "y", 1);
			break;
		case P_XATTR:
			if (!ovl_user_xattrs)
				break; /* tests that need it SKIP through OVL_NEED_USER_XATTRS */
			r = lsetxattr(path, "user.kisol", p[i].data, strlen(p[i].data), 0) < 0 ?
				    kisol_negerrno() : 0;
			break;
		}
		if (r < 0)
			return r;
		/*
		 * The model is read back from the layers: a marker that the
		 * filesystem did not keep would silently take the case's
		 * whiteout/opaque semantics out of the test. Check it is there.
		 */
		if ((p[i].kind == P_WHITEOUT && kisol_ovl_whiteout_kind(AT_FDCWD, path, userxattr) != 1) ||
		    (p[i].kind == P_XWHITEOUT && kisol_ovl_whiteout_kind(AT_FDCWD, path, userxattr) != 2) ||
		    (p[i].kind == P_OPAQUE && kisol_ovl_is_opaque(AT_FDCWD, path, userxattr) != 1))
			return -EPROTO;
		if (p[i].kind == P_FILE || p[i].kind == P_SYMLINK)
			utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW);
	}
	return 0;
}

/*
 * Mount, or SKIP when a throw-away probe shows the kernel refuses the
 * options (naming the refused option); a mount failure the probe does
 * not reproduce is a FAIL.
 */
#define OVL_MOUNT_OR_SKIP(o, api, extra, flags, ut_)                                        \
	do {                                                                                  \
		char _log_[256], _why_[512];                                                  \
		int _r_ = kisol_ovl_mount((o), (api), (extra), (flags), _log_, sizeof(_log_)); \
		if (_r_ < 0) {                                                                \
			struct kisol_ovl_layout _l_ = { .nlower = (o)->nlower,                \
							.ndata = (o)->ndata,                  \
							.upper_tmpfs = (ut_),                 \
							.no_upper = !(o)->has_upper };        \
			int _p_ = kisol_ovl_probe_layout(&_l_, (extra), (api), (flags), _why_, \
							 sizeof(_why_));                      \
			/* setup failures skip the teardown: clean up here */                 \
			kisol_ovl_cleanup(o);                                                 \
			if (_p_ == 1)                                                         \
				SKIP(return, "%s", _why_);                                    \
			ASSERT_EQ(0, _r_) TH_LOG("overlay mount failed (%s) %s", strerror(-_r_), \
						 _log_);                                      \
		}                                                                             \
	} while (0)

/* ASSERT in a fixture setup, cleaning up the overlay first (no teardown follows a failed setup). */
#define OVL_SETUP_ASSERT(o, call)                                                             \
	do {                                                                                  \
		int _r_ = (call);                                                             \
		if (_r_ < 0)                                                                  \
			kisol_ovl_cleanup(o);                                                 \
		ASSERT_EQ(0, _r_) TH_LOG("%s: %s", #call, strerror(-_r_));                    \
	} while (0)

/*
 * 0 if dir's filesystem takes xattrs of this namespace ("trusted" or
 * "user"), else -errno (EOPNOTSUPP: e.g. user.* on tmpfs before 6.6).
 */
static inline int ovl_xattr_probe(const char *dir, const char *ns)
{
	char p[PATH_MAX + 32], name[32];
	int fd, r = 0;

	snprintf(p, sizeof(p), "%s/.kisol-xattr-probe", dir);
	snprintf(name, sizeof(name), "%s.kisol-probe", ns);
	fd = open(p, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0)
		return kisol_negerrno();
	close(fd);
	if (lsetxattr(p, name, "1", 1, 0) < 0)
		r = kisol_negerrno();
	unlink(p);
	return r;
}

/*
 * Overlay markers need trusted.* xattrs on the layers' filesystems (a VM
 * guest's initramfs may be ramfs): SKIP with the reason where they are
 * missing. Records whether user.* xattrs work as well.
 */
#define OVL_NEED_XATTRS(o)                                                                   \
	do {                                                                                 \
		const char *_dirs_[] = { (o)->root, (o)->has_upper ? (o)->upper : (o)->root }; \
		ovl_user_xattrs = true;                                                      \
		for (size_t _i_ = 0; _i_ < 2; _i_++) {                                       \
			int _r_ = ovl_userxattr() ? 0 : ovl_xattr_probe(_dirs_[_i_], "trusted"); \
			if (_r_ < 0) {                                                       \
				char _d_[PATH_MAX];                                          \
				snprintf(_d_, sizeof(_d_), "%s", _dirs_[_i_]);               \
				kisol_ovl_cleanup(o);                                        \
				SKIP(return, "scratch filesystem at %.200s: no trusted.* xattrs (%s)", \
				     _d_, strerrorname_np(-_r_));                            \
			}                                                                    \
			if (ovl_xattr_probe(_dirs_[_i_], "user") < 0)                        \
				ovl_user_xattrs = false;                                     \
		}                                                                            \
	} while (0)

#include "ovl_view.h"

/* An option overlay refuses with userxattr: the variant needs root. */
#define OVL_NEED_TRUSTED_FOR(opts)                                                          \
	do {                                                                                \
		const char *_o_ = (opts) ? (opts) : "";                                      \
		if (strstr(_o_, "redirect_dir=on") || strstr(_o_, "index=on") ||            \
		    strstr(_o_, "metacopy=on"))                                              \
			NEED_ROOT_TO("mount overlay with trusted.overlay.* xattrs (redirect_dir=on, " \
				     "index=on, metacopy=on): in a user namespace overlay needs " \
				     "userxattr, which refuses them");                       \
	} while (0)

/* For tests that set user.* xattrs on the layers (after OVL_NEED_XATTRS). */
#define OVL_NEED_USER_XATTRS()                                                              \
	do {                                                                                \
		if (!ovl_user_xattrs)                                                       \
			SKIP(return, "user.* xattrs unsupported on the layers' filesystem "  \
				     "(EOPNOTSUPP; tmpfs has them since 6.6)");               \
	} while (0)

/* Apply ops to the merged view and to the model; the results must agree. */
static inline void ovl_run_ops(struct __test_metadata *_metadata, struct kisol_ovl_model *m,
			       const struct kisol_ovl *o, const struct kisol_ovl_op *ops,
			       size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char real_out[KISOL_OVL_DATA] = "", model_out[KISOL_OVL_DATA] = "", desc[256];
		int real, want;

		kisol_ovl_op_describe(&ops[i], desc, sizeof(desc));
		want = kisol_ovl_op_model(m, &ops[i], model_out, sizeof(model_out));
		real = kisol_ovl_op_real(o->merged, &ops[i], real_out, sizeof(real_out));
		ASSERT_EQ(want, real)
			TH_LOG("op %zu (%s): kernel gave %s, model expects %s", i, desc,
			       real ? strerrorname_np(-real) : "success",
			       want ? strerrorname_np(-want) : "success");
		ASSERT_STREQ(model_out, real_out) TH_LOG("op %zu (%s): content differs", i, desc);
	}
}

/* Merged == model, upper == model, lowers unchanged; then after a remount again. */
static inline void ovl_verify(struct __test_metadata *_metadata, struct kisol_ovl_model *m,
			      struct kisol_ovl *o, bool remount)
{
	char diff[1024], log[256];
	int r;

	r = kisol_ovl_model_check(m, o, diff, sizeof(diff));
	ASSERT_EQ(0, r) TH_LOG("before remount: %s", r > 0 ? diff : strerror(-r));
	if (!remount)
		return;
	r = kisol_ovl_remount(o, log, sizeof(log));
	ASSERT_EQ(0, r) TH_LOG("remount: %s %s", strerror(-r), log);
	r = kisol_ovl_model_check(m, o, diff, sizeof(diff));
	ASSERT_EQ(0, r) TH_LOG("after remount: %s", r > 0 ? diff : strerror(-r));
}

#endif
