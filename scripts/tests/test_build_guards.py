# SPDX-License-Identifier: GPL-2.0-only
"""The benchmarks build against a C library whose <sched.h> lacks
CLONE_NEWTIME (glibc before 2.36): bench_ns.h supplies the flag and
nothing else twice. Simulated by undefining the flag after <sched.h>."""
import glob
import os
import subprocess

import pytest

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
USERS = sorted(p for p in glob.glob(f"{TOP}/bench/*.c") if '"bench_ns.h"' in open(p).read())


@pytest.mark.parametrize("src", USERS, ids=os.path.basename)
def test_bench_builds_without_clone_newtime(src, tmp_path):
    if not os.path.exists(f"{TOP}/build/include/kselftest_harness.h"):
        pytest.skip("harness headers not extracted yet (run make)")
    pre = tmp_path / "no_newtime.h"
    pre.write_text("#define _GNU_SOURCE\n#include <sched.h>\n#undef CLONE_NEWTIME\n")
    p = subprocess.run(["gcc", "-std=gnu11", "-fsyntax-only", "-include", str(pre),
                        "-I", f"{TOP}/lib/include", "-I", f"{TOP}/build/include",
                        "-I", f"{TOP}/cases", src], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr


def test_some_bench_uses_bench_ns():
    assert USERS
