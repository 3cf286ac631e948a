/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kisol-validate: which container workloads this host can run, for the
 * invoking user, proven by doing. Internal header of the validate/ sources.
 *
 * Every feature is a row with three independent answers: configured (the
 * kernel option), permitted (policy: sysctls, LSM, seccomp, capabilities,
 * delegation, id ranges) and works (done in a throwaway child, namespace,
 * cgroup or scratch directory, and the effect checked). Profiles turn rows
 * into verdicts. Probes never print; output.c does.
 */
#ifndef KISOL_VALIDATE_H
#define KISOL_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define VL_DETAIL 320

enum vl_cfg { VL_CFG_NA, VL_CFG_YES, VL_CFG_MODULE, VL_CFG_NO, VL_CFG_UNKNOWN };
enum vl_ans { VL_UNKNOWN, VL_YES, VL_NO };

struct vl_ctx;
struct vl_sec;

struct vl_row {
	const struct vl_feature *f;
	enum vl_cfg configured;
	enum vl_ans permitted;
	enum vl_ans works; /* VL_UNKNOWN: not tried (the detail says why) */
	char detail[VL_DETAIL];
};

typedef void (*vl_probe_fn)(struct vl_ctx *ctx, struct vl_row *row);

struct vl_feature {
	const char *id;      /* "ns.uts", "cgroup.pids", "overlay.userns" ... */
	const char *kconfig; /* "CONFIG_A" or "CONFIG_A CONFIG_B" (all needed); NULL: none */
	const char *what;    /* one line for --list */
	vl_probe_fn probe;
};

extern const struct vl_feature vl_features[];
extern const size_t vl_nfeatures;
/* Kernel options of a feature (space separated), NULL when none. */
const char *vl_feature_kconfig(const struct vl_feature *f);

/* Kernel configuration (kconfig.c). */
struct vl_kconfig {
	bool loaded;
	char source[4096];
	char **lines; /* "CONFIG_X=y" lines only */
	size_t n;
};
/* Load from path, or (path NULL) /proc/config.gz then /boot/config-$(uname -r). */
int vl_kconfig_load(struct vl_kconfig *kc, const char *path);
/* 'y', 'm', 'n' (absent or "is not set"), or 0 when no config is loaded. */
char vl_kconfig_get(const struct vl_kconfig *kc, const char *option);
enum vl_cfg vl_kconfig_row(const struct vl_kconfig *kc, const char *options, char *missing,
			   size_t size);
void vl_kconfig_free(struct vl_kconfig *kc);

/* Policy facts gathered once (policy.c). */
struct vl_policy {
	uid_t uid, euid;
	gid_t gid;
	char user[64];
	bool root;          /* euid 0 in the initial user namespace */
	bool in_userns;     /* not in the initial user namespace */
	int seccomp_mode;   /* /proc/self/status Seccomp: 0, 1, 2; -1 unknown */
	int seccomp_filters;
	bool no_new_privs;
	uint64_t cap_eff;
	int64_t max_ns[8];  /* user.max_<type>_namespaces by enum kisol_ns; -1 unknown */
	int64_t unpriv_userns_clone;  /* kernel.unprivileged_userns_clone; -1 absent */
	int64_t aa_restrict_userns;   /* kernel.apparmor_restrict_unprivileged_userns; -1 */
	bool apparmor, selinux_enforcing;
	char newuidmap[128], newgidmap[128]; /* paths, "" if absent */
	bool subuid, subgid;                 /* a range for this user */
	unsigned long subuid_count, subgid_count;
	unsigned long subuid_start, subgid_start; /* of the first range */
};
void vl_policy_gather(struct vl_policy *p);
/* Not in the initial user namespace (uid_map is not the identity). */
bool vl_in_userns(void);
/*
 * Policy gate for creating a namespace of that type as this user (an
 * unprivileged user creates it inside a new user namespace): 0 open, 1 with
 * the reason (and its fix) in why.
 */
int vl_policy_ns_gate(const struct vl_policy *p, int type, bool unpriv, char *why, size_t size);

struct vl_opts {
	const char *profiles[8];
	int nprofiles;
	bool json, color, strict, list, no_security;
	const char *kernel_config;
	const char *storage;
};

struct vl_ctx {
	struct vl_opts opts;
	struct vl_kconfig kc;
	struct vl_policy pol;
	char storage[3968];    /* resolved --storage directory */
	char storage_fs[32];   /* its filesystem type */
	char scratch[4096];    /* our scratch dir on storage, removed at exit */
	char exe_dir[4096];
	struct vl_row *rows;
	size_t nrows;
};

/* The row of a feature (after probing); NULL for an unknown id. */
const struct vl_row *vl_row(const struct vl_ctx *ctx, const char *id);
bool vl_row_ok(const struct vl_ctx *ctx, const char *id);

/* Detail helpers (row.c). */
void vl_set(struct vl_row *row, enum vl_ans permitted, enum vl_ans works, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void vl_append(struct vl_row *row, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Permitted NO when err is a policy error (EPERM, EACCES, ENOSPC, EUSERS). */
bool vl_denied_errno(int err);

/*
 * Run fn in a throwaway child (dies with us: PR_SET_PDEATHSIG), at most
 * timeout_ms. The child fills m; rc -errno (or 0) is its result. When
 * outside is given it runs in the parent after the child reported and
 * while the child still waits (to check the other side of an isolation).
 */
struct vl_msg {
	int rc;          /* 0: the effect was seen; -errno otherwise */
	int step;        /* which step failed (probe specific) */
	bool denied;     /* the failure was a permission refusal */
	char detail[VL_DETAIL];
	int64_t val[4];  /* probe specific values for the outside check */
};
typedef int (*vl_child_fn)(void *arg, struct vl_msg *m);
typedef int (*vl_outside_fn)(void *arg, pid_t child, struct vl_msg *m);
int vl_child(vl_child_fn fn, vl_outside_fn outside, void *arg, int timeout_ms, struct vl_msg *ret);
/* In a child: fail with -errno of the last call, at step, with a message. */
int vl_fail(struct vl_msg *m, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * In a child: become the user the rootless rows answer for: the invoking
 * user; root drops to KISOL_UNPRIV_UID (an ordinary user of this host).
 */
int vl_become_ordinary(void);
/* In a child: unshare(CLONE_NEWUSER | flags) and map root to the caller. */
int vl_userns_root(uint64_t flags);
/* Scratch directory for a probe below ctx->scratch (owned by uid). */
int vl_scratch_dir(struct vl_ctx *ctx, const char *name, uid_t uid, char *buf, size_t size);

/* Probes, one file per concept. */
void vl_probe_ns(struct vl_ctx *ctx, struct vl_row *row);
void vl_probe_userns_unpriv(struct vl_ctx *ctx, struct vl_row *row);
void vl_probe_userns_nested(struct vl_ctx *ctx, struct vl_row *row);
void vl_probe_userns_maps(struct vl_ctx *ctx, struct vl_row *row);
void vl_probe_userns_setgroups(struct vl_ctx *ctx, struct vl_row *row);
void vl_probe_userns_subid(struct vl_ctx *ctx, struct vl_row *row);
void vl_probe_cg_unified(struct vl_ctx *ctx, struct vl_row *row);
void vl_probe_cg_layout(struct vl_ctx *ctx, struct vl_row *row);
void vl_probe_cg_ctrl(struct vl_ctx *ctx, struct vl_row *row);
void vl_probe_cg_delegation(struct vl_ctx *ctx, struct vl_row *row);
void vl_probe_cg_clone_into(struct vl_ctx *ctx, struct vl_row *row);
void vl_probe_cg_kill(struct vl_ctx *ctx, struct vl_row *row);
void vl_probe_cg_freeze(struct vl_ctx *ctx, struct vl_row *row);
void vl_probe_psi(struct vl_ctx *ctx, struct vl_row *row);
void vl_probe_overlay(struct vl_ctx *ctx, struct vl_row *row);
void vl_probe_overlay_opt(struct vl_ctx *ctx, struct vl_row *row);
void vl_probe_idmapped(struct vl_ctx *ctx, struct vl_row *row);
void vl_probe_mount_api(struct vl_ctx *ctx, struct vl_row *row);
void vl_probe_pivot_root(struct vl_ctx *ctx, struct vl_row *row);
void vl_probe_pidfd(struct vl_ctx *ctx, struct vl_row *row);
void vl_probe_setns_pidfd(struct vl_ctx *ctx, struct vl_row *row);
void vl_probe_seccomp(struct vl_ctx *ctx, struct vl_row *row);
void vl_probe_nnp(struct vl_ctx *ctx, struct vl_row *row);
void vl_probe_net(struct vl_ctx *ctx, struct vl_row *row);

/* Profiles (profiles.c). */
enum vl_verdict { VL_READY, VL_DEGRADED, VL_NOT_READY };
struct vl_profile_need {
	const char *feature;
	bool blocking;
	const char *fix;
};
struct vl_profile {
	const char *name;
	const char *what;
	bool needs_root;
	const struct vl_profile_need *needs;
};
extern const struct vl_profile vl_profiles[];
const struct vl_profile *vl_profile_find(const char *name);
struct vl_issue {
	const char *feature; /* or a CVE id */
	char why[VL_DETAIL];
	const char *fix;
};
struct vl_result {
	const struct vl_profile *p;
	enum vl_verdict verdict;
	struct vl_issue blocking[48], missing[48];
	int nblocking, nmissing;
};
void vl_profile_eval(const struct vl_ctx *ctx, const struct vl_profile *p,
		     const struct vl_sec *sec, size_t nsec, struct vl_result *ret);
const char *vl_verdict_name(enum vl_verdict v);

/* Security section (security.c): CVE regression cases of kisol. */
/* NA: the case's precondition is missing (its SKIP reason); UNDECIDED: the run
 * gave no answer (no result in time, or a failure that only root can read) */
enum vl_sec_state { VL_SEC_FIXED, VL_SEC_EXPOSED, VL_SEC_NA, VL_SEC_UNDECIDED };
struct vl_sec {
	char cve[32];
	char commit[48];
	char test[384]; /* cases/<area>/<binary>::<fixture.variant.test> */
	enum vl_sec_state state;
	char reason[VL_DETAIL];
};
/* Find and run them; *ret is malloc'ed. Returns the count or -errno. */
int vl_security_run(struct vl_ctx *ctx, struct vl_sec **ret);
const char *vl_sec_name(enum vl_sec_state s);

/* Output (output.c). */
void vl_print_human(FILE *f, const struct vl_ctx *ctx, const struct vl_result *res, int nres,
		    const struct vl_sec *sec, int nsec);
void vl_print_json(FILE *f, const struct vl_ctx *ctx, const struct vl_result *res, int nres,
		   const struct vl_sec *sec, int nsec);
const char *vl_cfg_name(enum vl_cfg c);
const char *vl_ans_name(enum vl_ans a, bool works);

/* Options (opts.c): 0, 1 for --help/--list printed, 2 on a usage error (printed). */
int vl_opts_parse(int argc, char **argv, struct vl_opts *o);
void vl_list(FILE *f);

/* Leftovers (stale.c). */
void vl_stale_remove(void);
int vl_scratch_create(struct vl_ctx *ctx);
void vl_scratch_remove(struct vl_ctx *ctx);

#endif
