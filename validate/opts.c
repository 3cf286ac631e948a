// SPDX-License-Identifier: GPL-2.0-only
/* Options of kisol-validate. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vl.h"

static void usage(FILE *f)
{
	fputs("usage: kisol-validate [--profile NAME]... [--json] [--no-color] [--strict]\n"
	      "                      [--kernel-config FILE] [--storage DIR] [--no-security] [--list]\n"
	      "Which container workloads this host can run for the invoking user, proven by doing.\n"
	      "  --profile NAME       docker, rootless, kubernetes, lxc-unprivileged (repeatable; default all)\n"
	      "  --json               one JSON document on stdout (kisol-validate/1, scripts/FORMATS.md)\n"
	      "  --no-color           no colour (also NO_COLOR; colour only on a terminal)\n"
	      "  --strict             a degraded profile also exits 1\n"
	      "  --kernel-config FILE kernel config to read instead of /proc/config.gz or /boot/config-$(uname -r)\n"
	      "  --storage DIR        filesystem that will hold container layers\n"
	      "                       (default /var/lib/containers, else /var/lib/docker, else /var/tmp)\n"
	      "  --no-security        skip running kisol's CVE regression cases\n"
	      "  --list               list features and profiles\n"
	      "Exit status: 0 every requested profile ready (or degraded), 1 one is not, 2 usage error.\n",
	      f);
}

void vl_list(FILE *f)
{
	fputs("features:\n", f);
	for (size_t i = 0; i < vl_nfeatures; i++)
		fprintf(f, "  %-22s %s\n", vl_features[i].id, vl_features[i].what);
	fputs("profiles:\n", f);
	for (const struct vl_profile *p = vl_profiles; p->name; p++)
		fprintf(f, "  %-22s %s\n", p->name, p->what);
}

static int bad(const char *fmt, const char *arg)
{
	fputs("kisol-validate: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs(" (see --help)\n", stderr);
	return 2;
}

int vl_opts_parse(int argc, char **argv, struct vl_opts *o)
{
	static const struct option lo[] = {
		{ "profile", required_argument, NULL, 'p' }, { "json", no_argument, NULL, 'j' },
		{ "no-color", no_argument, NULL, 'C' },      { "no-colour", no_argument, NULL, 'C' },
		{ "strict", no_argument, NULL, 's' },        { "kernel-config", required_argument, NULL, 'k' },
		{ "storage", required_argument, NULL, 'S' }, { "no-security", no_argument, NULL, 'n' },
		{ "list", no_argument, NULL, 'l' },          { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *nc = getenv("NO_COLOR");
	int c;

	memset(o, 0, sizeof(*o));
	o->color = isatty(1) && !(nc && *nc);
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", lo, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (!vl_profile_find(optarg))
				return bad("unknown profile '%s'", optarg);
			if (o->nprofiles < (int)(sizeof(o->profiles) / sizeof(o->profiles[0])))
				o->profiles[o->nprofiles++] = optarg;
			break;
		case 'j': o->json = true; break;
		case 'C': o->color = false; break;
		case 's': o->strict = true; break;
		case 'k': o->kernel_config = optarg; break;
		case 'S': o->storage = optarg; break;
		case 'n': o->no_security = true; break;
		case 'l': vl_list(stdout); return 1;
		case 'h': usage(stdout); return 1;
		default:
			return bad("unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return bad("unexpected argument '%s'", argv[optind]);
	if (o->json)
		o->color = false;
	return 0;
}
