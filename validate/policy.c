// SPDX-License-Identifier: GPL-2.0-only
/*
 * Permitted: the policy that decides whether this user may do a thing,
 * read once. Sysctls (per user namespace limits, Debian's
 * unprivileged_userns_clone, AppArmor's restriction of unprivileged user
 * namespaces), LSMs, seccomp mode, capabilities, newuidmap/newgidmap and
 * the /etc/subuid and /etc/subgid ranges of this user.
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kisol/ns.h"
#include "kisol/util.h"
#include "vl.h"

static int64_t read_int(const char *path)
{
	int64_t v;

	return kisol_read_int64(path, &v) == 0 ? v : -1;
}

bool vl_in_userns(void)
{
	char buf[256];
	unsigned a, b, c;

	if (kisol_read_file("/proc/self/uid_map", buf, sizeof(buf)) < 0)
		return false;
	if (sscanf(buf, "%u %u %u", &a, &b, &c) != 3)
		return true;
	return !(a == 0 && b == 0 && c == 4294967295u);
}

static void status_fields(struct vl_policy *p)
{
	char buf[8192];
	int64_t v;

	p->seccomp_mode = -1;
	if (kisol_read_file("/proc/self/status", buf, sizeof(buf)) < 0)
		return;
	if (kisol_keyed_int64(buf, "Seccomp:", &v) == 0)
		p->seccomp_mode = (int)v;
	if (kisol_keyed_int64(buf, "Seccomp_filters:", &v) == 0)
		p->seccomp_filters = (int)v;
	if (kisol_keyed_int64(buf, "NoNewPrivs:", &v) == 0)
		p->no_new_privs = v != 0;
	{
		char *c = strstr(buf, "CapEff:");

		if (c)
			sscanf(c + 7, "%lx", (unsigned long *)&p->cap_eff);
	}
}

static void find_helper(const char *name, char *buf, size_t size)
{
	static const char *dirs[] = { "/usr/bin", "/bin", "/usr/sbin", "/sbin", "/usr/local/bin" };
	struct stat st;

	buf[0] = '\0';
	for (size_t i = 0; i < KISOL_ARRAY_SIZE(dirs); i++) {
		snprintf(buf, size, "%s/%s", dirs[i], name);
		if (stat(buf, &st) == 0 && (st.st_mode & S_IXUSR))
			return;
	}
	buf[0] = '\0';
}

/* "name:start:count" lines; a numeric uid counts as the name too. */
static bool subid_range(const char *file, const char *user, uid_t uid, unsigned long *count,
			unsigned long *first)
{
	char line[256], ids[32];
	FILE *f = fopen(file, "re");
	bool found = false;

	*count = 0;
	if (!f)
		return false;
	snprintf(ids, sizeof(ids), "%u", (unsigned)uid);
	while (fgets(line, sizeof(line), f)) {
		char name[128];
		unsigned long start, n;

		if (sscanf(line, "%127[^:]:%lu:%lu", name, &start, &n) != 3)
			continue;
		if (strcmp(name, user) && strcmp(name, ids))
			continue;
		if (!found)
			*first = start;
		found = true;
		*count += n;
	}
	fclose(f);
	return found;
}

void vl_policy_gather(struct vl_policy *p)
{
	struct passwd *pw;
	char path[128];

	memset(p, 0, sizeof(*p));
	p->uid = getuid();
	p->euid = geteuid();
	p->gid = getgid();
	pw = getpwuid(p->euid);
	snprintf(p->user, sizeof(p->user), "%s", pw ? pw->pw_name : "?");
	p->in_userns = vl_in_userns();
	p->root = p->euid == 0 && !p->in_userns;
	status_fields(p);
	for (int t = 0; t < _KISOL_NS_MAX; t++) {
		snprintf(path, sizeof(path), "/proc/sys/user/max_%s_namespaces", kisol_ns_table[t].name);
		p->max_ns[t] = read_int(path);
	}
	p->unpriv_userns_clone = read_int("/proc/sys/kernel/unprivileged_userns_clone");
	p->aa_restrict_userns = read_int("/proc/sys/kernel/apparmor_restrict_unprivileged_userns");
	{
		char b[16];

		p->apparmor = kisol_read_file("/sys/module/apparmor/parameters/enabled", b, sizeof(b)) > 0 &&
			      b[0] == 'Y';
	}
	p->selinux_enforcing = read_int("/sys/fs/selinux/enforce") == 1;
	find_helper("newuidmap", p->newuidmap, sizeof(p->newuidmap));
	find_helper("newgidmap", p->newgidmap, sizeof(p->newgidmap));
	p->subuid = subid_range("/etc/subuid", p->user, p->euid, &p->subuid_count, &p->subuid_start);
	p->subgid = subid_range("/etc/subgid", p->user, p->euid, &p->subgid_count, &p->subgid_start);
}

int vl_policy_ns_gate(const struct vl_policy *p, int type, bool unpriv, char *why, size_t size)
{
	const char *name = kisol_ns_table[type].name;

	if (p->max_ns[type] == 0) {
		snprintf(why, size, "user.max_%s_namespaces is 0 (fix: sysctl -w user.max_%s_namespaces=15000)",
			 name, name);
		return 1;
	}
	if (!unpriv)
		return 0;
	if (p->max_ns[KISOL_NS_USER] == 0) {
		snprintf(why, size, "user.max_user_namespaces is 0 (fix: sysctl -w user.max_user_namespaces=15000)");
		return 1;
	}
	if (p->unpriv_userns_clone == 0) {
		snprintf(why, size, "kernel.unprivileged_userns_clone is 0 (fix: sysctl -w kernel.unprivileged_userns_clone=1)");
		return 1;
	}
	if (p->aa_restrict_userns == 1) {
		snprintf(why, size, "AppArmor restricts unprivileged user namespaces "
			 "(kernel.apparmor_restrict_unprivileged_userns=1; fix: an AppArmor profile with 'userns,' "
			 "for the runtime, or set the sysctl to 0)");
		return 1;
	}
	return 0;
}
