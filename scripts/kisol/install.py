# SPDX-License-Identifier: GPL-2.0-only
"""make install: a self-contained tree in the kselftest install layout.

DEST/run_kselftest.sh       runner (POSIX sh), prints KTAP
DEST/kselftest-list.txt     kisol/<area>:<binary> per line
DEST/kisol/<area>/          binaries, settings, config
DEST/bench/                 benchmark binaries
DEST/kisol-validate         host validator (runs the CVE cases of DEST/kisol/)
DEST/VERSION                kisol commit and harness source

The binaries are those of the build flavour (kisol.paths): `make install
SANITIZE=1` installs the sanitized ones (default INSTALL_PATH build/san/install),
which need the ASan/UBSan runtime (libasan, libubsan) where they run.
"""
import os
import shutil
import sys

from kisol import paths, results
from kisol.usage import Parser


class InstallError(Exception):
    pass


def built_cases(top):
    cases = os.path.join(top, "cases")
    for area in sorted(os.listdir(cases)):
        d = os.path.join(cases, area)
        if not os.path.isdir(d):
            continue
        for f in sorted(os.listdir(d)):
            if f.endswith(".c"):
                b = paths.case_binary(top, area, f[:-2])
                yield area, f[:-2], b if os.access(b, os.X_OK) else None


def _replaceable(dest):
    """An empty directory, or a tree an earlier install wrote: only these
    are removed and rewritten (never a user's directory given by mistake)."""
    if not os.path.isdir(dest) or os.path.islink(dest):
        return False
    names = set(os.listdir(dest))
    if not names:
        return True
    try:
        with open(os.path.join(dest, "VERSION")) as f:
            ours = f.read(6) == "kisol "
    except OSError:
        ours = False
    return ours and {"kselftest-list.txt", "run_kselftest.sh"} <= names


def install(top, dest):
    missing = [f"cases/{a}/{n}" for a, n, b in built_cases(top) if b is None]
    if missing:
        raise InstallError(f"not built: {', '.join(missing[:5])} (run make)")
    if os.path.exists(dest):
        if not _replaceable(dest):
            raise InstallError(f"INSTALL_PATH={dest} exists and is not a kisol install tree: "
                               "give a new or empty directory, or an earlier install tree")
        shutil.rmtree(dest)
    os.makedirs(dest)
    lines = []
    for area, name, b in built_cases(top):
        out = os.path.join(dest, "kisol", area)
        if not os.path.isdir(out):
            os.makedirs(out)
            for extra in ("settings", "config"):
                src = os.path.join(top, "cases", area, extra)
                if os.path.exists(src):
                    shutil.copy(src, out)
        shutil.copy2(b, out)
        lines.append(f"kisol/{area}:{name}")
    with open(os.path.join(dest, "kselftest-list.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    bench, bbin = os.path.join(top, "bench"), paths.bench_dir(top)
    bdest = os.path.join(dest, "bench")
    os.makedirs(bdest)
    for f in sorted(os.listdir(bench)) if os.path.isdir(bench) else []:
        b = os.path.join(bbin, f[:-2])
        if f.endswith(".c") and os.access(b, os.X_OK):
            shutil.copy2(b, bdest)
    shutil.copy2(os.path.join(top, "scripts", "run_kselftest.sh"), dest)
    validator = os.path.join(top, "build", "kisol-validate")
    if os.access(validator, os.X_OK):  # `make install` builds it; a bare test tree may not have it
        shutil.copy2(validator, dest)
    with open(os.path.join(dest, "VERSION"), "w") as f:
        f.write(f"kisol {results.kisol_commit()}\nharness {results.harness_version()}\n")
    return len(lines)


def main(argv=None):
    ap = Parser(prog="kisol.install", description="install kisol in the kselftest layout")
    ap.add_argument("--dest", required=True)
    a = ap.parse_args(argv)
    try:
        paths.flavour()
        n = install(results.TOP, os.path.abspath(a.dest))
    except (InstallError, paths.FlavourError, OSError) as e:
        print(f"install: {e}", file=sys.stderr)
        return 2
    print(f"installed {n} case binaries into {a.dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
