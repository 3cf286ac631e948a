// SPDX-License-Identifier: GPL-2.0-only
/*
 * kisol cgroup: the controller table, discovery of the mounted hierarchies
 * and of the process's own cgroups, locating controllers, need probes.
 * Operations on cgroup directories are in cgroup_ops.c.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup-internal.h"

/* clang-format off */
const struct kisol_cg_info kisol_cg_table[_KISOL_CG_MAX] = {
	[KISOL_CG_CORE] = { "core", NULL, NULL, true,
		NULL, NULL, "cgroup.procs", "cgroup.procs", NULL, "cgroup.events", "CONFIG_CGROUPS" },
	[KISOL_CG_CPU] = { "cpu", "cpu", "cpu", false,
		"cpu.cfs_quota_us", "cpu.max", "cpuacct.usage", "cpu.stat", "cpu.stat", "cpu.stat",
		"CONFIG_CGROUP_SCHED" },
	[KISOL_CG_CPUACCT] = { "cpuacct", "cpuacct", NULL, true,
		NULL, NULL, "cpuacct.usage", "cpu.stat", "cpuacct.stat", "cpu.stat", "CONFIG_CGROUP_CPUACCT" },
	[KISOL_CG_CPUSET] = { "cpuset", "cpuset", "cpuset", false,
		"cpuset.cpus", "cpuset.cpus", "cpuset.effective_cpus", "cpuset.cpus.effective",
		NULL, NULL, "CONFIG_CPUSETS" },
	[KISOL_CG_MEMORY] = { "memory", "memory", "memory", false,
		"memory.limit_in_bytes", "memory.max", "memory.usage_in_bytes", "memory.current",
		"memory.oom_control", "memory.events", "CONFIG_MEMCG" },
	[KISOL_CG_PIDS] = { "pids", "pids", "pids", false,
		"pids.max", "pids.max", "pids.current", "pids.current", "pids.events", "pids.events",
		"CONFIG_CGROUP_PIDS" },
	[KISOL_CG_FREEZER] = { "freezer", "freezer", NULL, true,
		"freezer.state", "cgroup.freeze", "freezer.state", "cgroup.events", NULL, "cgroup.events",
		"CONFIG_CGROUP_FREEZER" },
	[KISOL_CG_DEVICES] = { "devices", "devices", NULL, false,
		"devices.deny", NULL, "devices.list", NULL, NULL, NULL, "CONFIG_CGROUP_DEVICE" },
	[KISOL_CG_IO] = { "io", "blkio", "io", false,
		"blkio.throttle.read_bps_device", "io.max", "blkio.throttle.io_service_bytes", "io.stat",
		NULL, "io.stat", "CONFIG_BLK_CGROUP" },
	[KISOL_CG_HUGETLB] = { "hugetlb", "hugetlb", "hugetlb", false,
		NULL, NULL, NULL, NULL, NULL, NULL, "CONFIG_CGROUP_HUGETLB" },
	[KISOL_CG_PERF_EVENT] = { "perf_event", "perf_event", "perf_event", false,
		NULL, NULL, NULL, NULL, NULL, NULL, "CONFIG_CGROUP_PERF" },
	[KISOL_CG_NET_CLS] = { "net_cls", "net_cls", NULL, false,
		"net_cls.classid", NULL, NULL, NULL, NULL, NULL, "CONFIG_CGROUP_NET_CLASSID" },
	[KISOL_CG_NET_PRIO] = { "net_prio", "net_prio", NULL, false,
		"net_prio.ifpriomap", NULL, NULL, NULL, NULL, NULL, "CONFIG_CGROUP_NET_PRIO" },
	[KISOL_CG_RDMA] = { "rdma", "rdma", "rdma", false,
		"rdma.max", "rdma.max", "rdma.current", "rdma.current", NULL, NULL, "CONFIG_CGROUP_RDMA" },
	[KISOL_CG_MISC] = { "misc", "misc", "misc", false,
		"misc.max", "misc.max", "misc.current", "misc.current", "misc.events", "misc.events",
		"CONFIG_CGROUP_MISC" },
};
/* clang-format on */

int kisol_cg_ctrl_from_name(const char *name)
{
	if (!name)
		return -EINVAL;
	for (int c = 0; c < _KISOL_CG_MAX; c++) {
		const struct kisol_cg_info *i = &kisol_cg_table[c];

		if (!strcmp(name, i->name) || (i->v1 && !strcmp(name, i->v1)) ||
		    (i->v2 && !strcmp(name, i->v2)))
			return c;
	}
	return -EINVAL;
}

/* Bits of the v1 controllers named in a comma-separated option list. */
static uint64_t v1_ctrl_bits(const char *opts)
{
	char buf[KISOL_CG_PATH], *save = NULL, *tok;
	uint64_t bits = 0;

	snprintf(buf, sizeof(buf), "%s", opts);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		for (int c = 0; c < _KISOL_CG_MAX; c++)
			if (kisol_cg_table[c].v1 && !strcmp(tok, kisol_cg_table[c].v1))
				bits |= 1ULL << c;
	return bits;
}

/* Bits of the v2 controllers in a space-separated cgroup.controllers line. */
uint64_t kisol_cg__v2_bits(const char *list)
{
	char buf[KISOL_CG_PATH], *save = NULL, *tok;
	uint64_t bits = 0;

	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save))
		for (int c = 0; c < _KISOL_CG_MAX; c++)
			if (kisol_cg_table[c].v2 && !strcmp(tok, kisol_cg_table[c].v2))
				bits |= 1ULL << c;
	return bits;
}

/* Split a mountinfo line into fields; returns the index after " - ". */
static int mountinfo_fields(char *line, char **f, int max, int *sep)
{
	int n = 0;
	char *save = NULL;

	*sep = -1;
	for (char *t = strtok_r(line, " \n", &save); t && n < max; t = strtok_r(NULL, " \n", &save)) {
		if (*sep < 0 && !strcmp(t, "-"))
			*sep = n + 1;
		f[n++] = t;
	}
	return n;
}

static int add_mount(struct kisol_cg_layout *l, int version, const char *root,
		     const char *mnt, uint64_t ctrls)
{
	struct kisol_cg_hier *h;

	for (int i = 0; i < l->n; i++) {
		if (l->h[i].version != version)
			continue;
		if (version == 2 || l->h[i].ctrls == ctrls)
			return 0; /* the same hierarchy mounted again */
	}
	if (l->n >= KISOL_CG_MAX_HIER)
		return -E2BIG;
	h = &l->h[l->n];
	memset(h, 0, sizeof(*h));
	h->version = version;
	h->hier_id = version == 2 ? 0 : -1;
	h->ctrls = ctrls;
	snprintf(h->mnt, sizeof(h->mnt), "%s", mnt);
	snprintf(h->root, sizeof(h->root), "%s", root);
	if (version == 2) {
		char buf[KISOL_CG_PATH], path[KISOL_CG_PATH + 32];

		l->v2 = l->n;
		snprintf(path, sizeof(path), "%s/cgroup.controllers", mnt);
		if (kisol_read_file(path, buf, sizeof(buf)) >= 0)
			h->ctrls = kisol_cg__v2_bits(buf);
	}
	l->n++;
	return 0;
}

static int read_mountinfo(struct kisol_cg_layout *l)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL;
	size_t cap = 0;
	int r = 0;

	if (!f)
		return kisol_negerrno();
	while (getline(&line, &cap, f) > 0) {
		char *fl[64];
		int sep, n = mountinfo_fields(line, fl, 64, &sep);
		uint64_t bits;

		if (sep < 0 || sep + 2 >= n || n < 5)
			continue;
		if (!strcmp(fl[sep], "cgroup2")) {
			r = add_mount(l, 2, fl[3], fl[4], 0);
		} else if (!strcmp(fl[sep], "cgroup")) {
			bits = v1_ctrl_bits(fl[sep + 2]);
			if (!bits)
				continue; /* named hierarchy (name=systemd): ignored */
			r = add_mount(l, 1, fl[3], fl[4], bits);
		}
		if (r < 0)
			break;
	}
	free(line);
	fclose(f);
	return r;
}

static void set_own(struct kisol_cg_hier *h, int id, const char *path)
{
	size_t rl = strlen(h->root);

	h->hier_id = id;
	snprintf(h->own, sizeof(h->own), "%s", path);
	h->own_dir[0] = '\0';
	if (!strcmp(h->root, "/"))
		rl = 0;
	else if (strncmp(path, h->root, rl) || (path[rl] && path[rl] != '/'))
		return; /* own cgroup outside the mounted subtree */
	if (!strncmp(path, "/..", 3))
		return; /* outside our cgroup namespace root */
	snprintf(h->own_dir, sizeof(h->own_dir), "%s%s", h->mnt,
		 strcmp(path + rl, "/") ? path + rl : "");
}

static int read_proc_cgroup(struct kisol_cg_layout *l)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	char *line = NULL;
	size_t cap = 0;

	if (!f)
		return kisol_negerrno();
	while (getline(&line, &cap, f) > 0) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		int id;

		if (!c2)
			continue;
		*c1 = *c2 = '\0';
		kisol_chomp(c2 + 1);
		id = atoi(line);
		if (id == 0 && c1 + 1 == c2) {
			if (l->v2 >= 0)
				set_own(&l->h[l->v2], 0, c2 + 1);
			continue;
		}
		uint64_t bits = v1_ctrl_bits(c1 + 1);

		if (!bits)
			continue;
		for (int i = 0; i < l->n; i++)
			if (l->h[i].version == 1 && (l->h[i].ctrls & bits))
				set_own(&l->h[i], id, c2 + 1);
	}
	free(line);
	fclose(f);
	return 0;
}

int kisol_cg_discover(struct kisol_cg_layout *ret)
{
	struct kisol_cg_layout l = { .n = 0, .v2 = -1 };
	int r;

	if (!ret)
		return -EINVAL;
	r = read_mountinfo(&l);
	if (r < 0)
		return r;
	r = read_proc_cgroup(&l);
	if (r < 0)
		return r;
	*ret = l;
	return 0;
}

static struct kisol_cg_layout cached;
static pid_t cached_pid;

int kisol_cg_layout(const struct kisol_cg_layout **ret)
{
	if (!ret)
		return -EINVAL;
	if (cached_pid != getpid()) {
		int r = kisol_cg_discover(&cached);

		if (r < 0)
			return r;
		cached_pid = getpid();
	}
	*ret = &cached;
	return 0;
}

const struct kisol_cg_hier *kisol_cg__hier(int idx)
{
	const struct kisol_cg_layout *l;

	if (kisol_cg_layout(&l) < 0 || idx < 0 || idx >= l->n)
		return NULL;
	return &l->h[idx];
}

const struct kisol_cg_hier *kisol_cg_hier_of(const struct kisol_cg *cg)
{
	return cg ? kisol_cg__hier(cg->hier_idx) : NULL;
}

const char *kisol_cg_layout_name(const struct kisol_cg_layout *l)
{
	bool v1 = false;

	if (!l)
		return "none";
	for (int i = 0; i < l->n; i++)
		if (l->h[i].version == 1)
			v1 = true;
	if (v1)
		return l->v2 >= 0 ? "hybrid" : "v1";
	return l->v2 >= 0 ? "v2" : "none";
}

static int find_v1(const struct kisol_cg_layout *l, enum kisol_cg_ctrl c)
{
	for (int i = 0; i < l->n; i++)
		if (l->h[i].version == 1 && (c == KISOL_CG_CORE || (l->h[i].ctrls & (1ULL << c))))
			return i;
	return -1;
}

int kisol_cg__locate_idx(enum kisol_cg_ctrl c, int version)
{
	const struct kisol_cg_layout *l;
	const struct kisol_cg_info *i;
	int r, v1;
	bool on_v2;

	if ((int)c < 0 || c >= _KISOL_CG_MAX || version < 0 || version > 2)
		return -EINVAL;
	r = kisol_cg_layout(&l);
	if (r < 0)
		return r;
	i = &kisol_cg_table[c];
	v1 = find_v1(l, c);
	on_v2 = l->v2 >= 0 && (c == KISOL_CG_CORE || (l->h[l->v2].ctrls & (1ULL << c)));
	switch (version) {
	case KISOL_CG_ANY:
		if (on_v2)
			return l->v2;
		if (v1 >= 0)
			return v1;
		if (l->v2 >= 0 && i->v2_core)
			return l->v2;
		return -ENOENT;
	case KISOL_CG_V1:
		if (v1 >= 0)
			return v1;
		if (c == KISOL_CG_CORE)
			return -ENOENT;
		if (on_v2 || (l->v2 >= 0 && i->v2_core))
			return -EXDEV; /* bound to (or served by) cgroup v2 */
		return i->v1 ? -ENOENT : -EOPNOTSUPP;
	default:
		if (on_v2 || (l->v2 >= 0 && i->v2_core))
			return l->v2;
		if (c == KISOL_CG_CORE)
			return -ENOENT; /* no cgroup2 mount at all */
		if (!i->v2 && !i->v2_core)
			return -EOPNOTSUPP;
		return v1 >= 0 ? -EXDEV : -ENOENT;
	}
}

int kisol_cg_locate(enum kisol_cg_ctrl c, int version, const struct kisol_cg_hier **ret)
{
	int idx = kisol_cg__locate_idx(c, version);

	if (idx < 0)
		return idx;
	if (ret)
		*ret = kisol_cg__hier(idx);
	return 0;
}

static bool user_may_write(const char *dir, const char *file)
{
	char p[KISOL_CG_PATH + 32];
	int n = snprintf(p, sizeof(p), "%s%s%s", dir, file ? "/" : "", file ? file : "");

	return n >= 0 && (size_t)n < sizeof(p) && access(p, W_OK) == 0;
}

bool kisol_cg__delegated(const char *dir)
{
	return user_may_write(dir, NULL) && user_may_write(dir, "cgroup.procs") &&
	       user_may_write(dir, "cgroup.subtree_control");
}

int kisol_cg__delegated_root(const struct kisol_cg_hier *h, char *buf, size_t size)
{
	char cur[KISOL_CG_PATH], top[KISOL_CG_PATH] = "";
	size_t ml;

	if (!h || h->version != 2 || !buf || !size)
		return -EINVAL;
	if (!h->own_dir[0])
		return -ENOENT; /* own cgroup not visible in this mount */
	ml = strlen(h->mnt);
	snprintf(cur, sizeof(cur), "%s", h->own_dir);
	for (;;) {
		if (!kisol_cg__delegated(cur))
			break;
		snprintf(top, sizeof(top), "%s", cur);
		if (strlen(cur) <= ml)
			break; /* the root of the mount */
		*strrchr(cur, '/') = '\0';
	}
	if (!top[0])
		return -ENOENT;
	if (strlen(top) >= size)
		return -ENAMETOOLONG;
	snprintf(buf, size, "%s", top);
	return 0;
}

int kisol_cg_delegated_root(char *buf, size_t size)
{
	int idx = kisol_cg__locate_idx(KISOL_CG_CORE, KISOL_CG_V2);

	if (!buf || !size)
		return -EINVAL;
	if (idx < 0)
		return idx;
	return kisol_cg__delegated_root(kisol_cg__hier(idx), buf, size);
}

int kisol_cg_where(enum kisol_cg_ctrl c, char *buf, size_t size)
{
	const struct kisol_cg_layout *l;
	int r, v1;

	if ((int)c < 0 || c >= _KISOL_CG_MAX || !buf || !size)
		return -EINVAL;
	r = kisol_cg_layout(&l);
	if (r < 0)
		return r;
	v1 = find_v1(l, c);
	if (c == KISOL_CG_CORE) {
		if (l->v2 >= 0)
			snprintf(buf, size, "cgroup v2 (%s)", l->h[l->v2].mnt);
		else
			snprintf(buf, size, v1 >= 0 ? "cgroup v1 only" : "not mounted");
	} else if (l->v2 >= 0 && (l->h[l->v2].ctrls & (1ULL << c)))
		snprintf(buf, size, "cgroup v2 (%s)", l->h[l->v2].mnt);
	else if (v1 >= 0)
		snprintf(buf, size, "cgroup v1 (%s)", l->h[v1].mnt);
	else if (l->v2 >= 0 && kisol_cg_table[c].v2_core)
		snprintf(buf, size, "the cgroup v2 core (%s)", l->h[l->v2].mnt);
	else
		snprintf(buf, size, "not mounted");
	return 0;
}

int kisol_cg_v1_opts(const struct kisol_cg_hier *h, char *buf, size_t size)
{
	size_t n = 0;

	if (!h || !buf || !size || h->version != 1)
		return -EINVAL;
	buf[0] = '\0';
	for (int c = 0; c < _KISOL_CG_MAX; c++) {
		int w;

		if (!(h->ctrls & (1ULL << c)) || !kisol_cg_table[c].v1)
			continue;
		w = snprintf(buf + n, size - n, "%s%s", n ? "," : "", kisol_cg_table[c].v1);
		if (w < 0 || (size_t)w >= size - n)
			return -ENAMETOOLONG;
		n += w;
	}
	return n ? 0 : -ENOENT;
}

int kisol_cg_proc_path(pid_t pid, int hier_id, char *buf, size_t size)
{
	char path[64], text[4096], *p;

	if (!buf || !size)
		return -EINVAL;
	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/cgroup");
	int r = kisol_read_file(path, text, sizeof(text));

	if (r < 0)
		return r;
	for (p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		char *c1 = strchr(p, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL, *e;

		if (!c2 || atoi(p) != hier_id)
			continue;
		if (hier_id == 0 && c1 + 1 != c2)
			continue;
		e = strchr(c2 + 1, '\n');
		snprintf(buf, size, "%.*s", e ? (int)(e - c2 - 1) : (int)strlen(c2 + 1), c2 + 1);
		return 0;
	}
	return -ENOENT;
}
