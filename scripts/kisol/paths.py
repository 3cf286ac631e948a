# SPDX-License-Identifier: GPL-2.0-only
"""Where the built binaries of a build flavour are.

Two flavours share one checkout without overwriting each other:

  plain (`make`)             build/lib/*.o, build/libkisol.a, cases/<area>/<name>, bench/<name>
  san   (`make SANITIZE=1`)  build/san/lib/*.o, build/san/libkisol.a,
                             build/san/cases/<area>/<name>, build/san/bench/<name>

The flavour comes from KISOL_FLAVOUR (the Makefile sets it to "san" for
SANITIZE=1; unset or "plain" is the plain build). Test ids keep the source
layout in both flavours (cases/<area>/<name>::<test>), so the results of
the two compare test by test.
"""
import os

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FLAVOURS = ("plain", "san")
ENV = "KISOL_FLAVOUR"
# What `make SANITIZE=1` adds to the compile and link lines of libkisol, the
# cases and the benchmarks (the Makefile's SAN_FLAGS says the same).
SAN_FLAGS = ["-fsanitize=address,undefined", "-fno-sanitize-recover=undefined",
             "-fno-omit-frame-pointer"]
# Lines that open a sanitizer report (ASan, LeakSanitizer, UBSan): a case
# whose output holds one fails, whatever its harness said.
SAN_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error: ",
               "SUMMARY: UndefinedBehaviorSanitizer", "ERROR: UndefinedBehaviorSanitizer")


class FlavourError(Exception):
    pass


def flavour(env=None):
    v = (os.environ if env is None else env).get(ENV, "") or "plain"
    if v not in FLAVOURS:
        raise FlavourError(f"{ENV}='{v}': expected one of {', '.join(FLAVOURS)}")
    return v


def sanitized(env=None):
    return flavour(env) == "san"


def out_dir(top=TOP, env=None):
    """build/ or build/san/: libkisol.a and lib/*.o of the flavour."""
    return os.path.join(top, "build", "san") if sanitized(env) else os.path.join(top, "build")


def libkisol(top=TOP, env=None):
    return os.path.join(out_dir(top, env), "libkisol.a")


def case_binary(top, area, name, env=None):
    """The binary built from cases/<area>/<name>.c in this flavour."""
    base = os.path.join(top, "build", "san") if sanitized(env) else str(top)
    return os.path.join(base, "cases", area, name)


def bench_dir(top=TOP, env=None):
    return os.path.join(top, "build", "san", "bench") if sanitized(env) else os.path.join(top, "bench")


def results_dir(top=TOP, env=None):
    """Benchmark results: timings of a sanitized build are no measurement of
    the kernel, so they stay out of results/ (history, compare, report)."""
    return os.path.join(top, "build", "san", "results") if sanitized(env) else os.path.join(top, "results")


def cflags(env=None):
    return list(SAN_FLAGS) if sanitized(env) else []


def sanitizer_report(output):
    """The first line of a sanitizer report in output, or ''."""
    for line in output.splitlines():
        if any(m in line for m in SAN_MARKERS):
            return line.strip()[:300]
    return ""
