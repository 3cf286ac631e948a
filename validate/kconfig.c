// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kernel configuration: /proc/config.gz, /boot/config-$(uname -r), or a
 * file given with --kernel-config (plain or gzip: zlib reads both).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <stdio.h>
#include <unistd.h>
#include <zlib.h>

#include "vl.h"

static int load_file(struct vl_kconfig *kc, const char *path)
{
	char line[1024];
	gzFile gz = gzopen(path, "rb");

	if (!gz)
		return errno ? -errno : -ENOMEM;
	while (gzgets(gz, line, sizeof(line))) {
		char **nl;

		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "CONFIG_", 7))
			continue;
		nl = realloc(kc->lines, (kc->n + 1) * sizeof(*nl));
		if (!nl || !(nl[kc->n] = strdup(line))) {
			if (nl)
				kc->lines = nl;
			gzclose(gz);
			return -ENOMEM;
		}
		kc->lines = nl;
		kc->n++;
	}
	gzclose(gz);
	kc->loaded = true;
	snprintf(kc->source, sizeof(kc->source), "%s", path);
	return 0;
}

int vl_kconfig_load(struct vl_kconfig *kc, const char *path)
{
	struct utsname u;
	char boot[512];

	memset(kc, 0, sizeof(*kc));
	if (path)
		return access(path, R_OK) < 0 ? -errno : load_file(kc, path);
	if (access("/proc/config.gz", R_OK) == 0)
		return load_file(kc, "/proc/config.gz");
	if (uname(&u) == 0) {
		snprintf(boot, sizeof(boot), "/boot/config-%s", u.release);
		if (access(boot, R_OK) == 0)
			return load_file(kc, boot);
	}
	return -ENOENT;
}

char vl_kconfig_get(const struct vl_kconfig *kc, const char *option)
{
	size_t len = strlen(option);

	if (!kc->loaded)
		return 0;
	for (size_t i = 0; i < kc->n; i++)
		if (!strncmp(kc->lines[i], option, len) && kc->lines[i][len] == '=')
			return kc->lines[i][len + 1] == 'm' ? 'm' : 'y';
	return 'n';
}

/* Every option of a space separated list: NO if one is off (named in missing). */
enum vl_cfg vl_kconfig_row(const struct vl_kconfig *kc, const char *options, char *missing,
			   size_t size)
{
	enum vl_cfg res = VL_CFG_YES;
	char buf[256], *save = NULL;

	if (size)
		missing[0] = '\0';
	if (!options)
		return VL_CFG_NA;
	if (!kc->loaded)
		return VL_CFG_UNKNOWN;
	snprintf(buf, sizeof(buf), "%s", options);
	for (char *o = strtok_r(buf, " ", &save); o; o = strtok_r(NULL, " ", &save)) {
		char v = vl_kconfig_get(kc, o);

		if (v == 'n') {
			size_t l = strlen(missing);

			snprintf(missing + l, size - l, "%s%s", l ? " " : "", o);
			res = VL_CFG_NO;
		} else if (v == 'm' && res == VL_CFG_YES) {
			res = VL_CFG_MODULE;
		}
	}
	return res;
}

void vl_kconfig_free(struct vl_kconfig *kc)
{
	for (size_t i = 0; i < kc->n; i++)
		free(kc->lines[i]);
	free(kc->lines);
	memset(kc, 0, sizeof(*kc));
}
