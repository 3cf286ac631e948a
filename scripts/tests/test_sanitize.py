# SPDX-License-Identifier: GPL-2.0-only
"""The sanitized build flavour (make SANITIZE=1, kisol.paths).

A deliberately broken case binary, built twice in a scratch tree as the
Makefile builds the two flavours (plain: cases/<area>/<name>; sanitized:
build/san/cases/<area>/<name>, ASan+UBSan), shows that
  * a sanitizer report fails its test: a heap overflow and a signed
    overflow (the harness sees the process die), and a heap overflow in a
    child whose exit status the test ignores (the harness says ok: only
    the report in the output tells), and a clean test still passes;
  * the two flavours keep their test ids and never run each other's
    binary: the plain run of the same source passes all four (without the
    sanitizer the bugs go unseen, which is what SANITIZE=1 is for).
"""
import json
import os
import subprocess
import sys

import pytest

from kisol import paths
from test_driver_e2e import TOP, run_pytest

pytestmark = pytest.mark.kisol_build

BROKEN = r'''
// SPDX-License-Identifier: GPL-2.0-only
#include <limits.h>
#include <stdlib.h>
#include "kisol_test.h"

static volatile int idx = 8;

TEST(clean)
{
	char *p = malloc(8);

	ASSERT_NE(NULL, p);
	p[idx - 1] = 1;
	free(p);
}

TEST(heap_overflow)
{
	char *p = malloc(8);

	ASSERT_NE(NULL, p);
	p[idx] = 1;             /* one byte past the end */
	free(p);
}

TEST(signed_overflow)
{
	volatile int x = INT_MAX;

	x = x + idx;            /* undefined: int overflow */
	EXPECT_NE(0, x);
}

/* The bug is in a child whose status the test does not look at: the
 * harness reports ok, the sanitizer's report is all there is. */
TEST(child_overflow)
{
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0) {
		char *p = malloc(8);

		p[idx] = 1;
		free(p);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, NULL, 0));
}
KISOL_MAIN
'''

TESTS = ["clean", "heap_overflow", "signed_overflow", "child_overflow"]


def cc(src, out, extra, lib):
    os.makedirs(os.path.dirname(out), exist_ok=True)
    subprocess.run(["gcc", "-O0", "-g", "-D_GNU_SOURCE", *extra, "-I", f"{TOP}/build/include",
                    "-I", f"{TOP}/cases", "-I", f"{TOP}/lib/include", "-o", out, src, lib,
                    "-lmnl", "-lcap", "-lpthread", "-lm"], check=True)


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    # links the flavour's libkisol: plain or sanitized, the test binary
    # itself is built both ways
    lib = paths.libkisol(TOP)
    if not os.path.exists(lib) or not os.path.exists(f"{TOP}/build/include/kselftest_harness.h"):
        pytest.skip(f"{os.path.relpath(lib, TOP)} not built (run make{' SANITIZE=1' if paths.sanitized() else ''})")
    tmp = tmp_path_factory.mktemp("san")
    src = tmp / "cases" / "broken" / "broken.c"
    src.parent.mkdir(parents=True)
    src.write_text(BROKEN)
    plain = paths.case_binary(tmp, "broken", "broken", {paths.ENV: "plain"})
    san = paths.case_binary(tmp, "broken", "broken", {paths.ENV: "san"})
    assert plain == str(tmp / "cases/broken/broken") and san == str(tmp / "build/san/cases/broken/broken")
    plain_lib = paths.libkisol(TOP, {paths.ENV: "plain"})
    if os.path.exists(plain_lib):   # not in a checkout built only with SANITIZE=1
        cc(str(src), plain, [], plain_lib)
    cc(str(src), san, paths.SAN_FLAGS, lib)
    return tmp


def verdicts(tree, flavour, tag):
    res = tree / f"res-{tag}"
    p = run_pytest(tree, "cases/broken", "-q", "-n", "0", f"--kisol-results={res}",
                   env={paths.ENV: flavour})
    cases = json.load(open(res / "cases.json"))["cases"]
    return p, {c["id"]: c for c in cases}


def test_sanitizer_report_fails_the_case(tree):
    p, by = verdicts(tree, "san", "san")
    assert sorted(by) == sorted(f"cases/broken/broken::global.{t}" for t in TESTS)
    v = {i.split("::global.")[1]: c["verdict"] for i, c in by.items()}
    assert v == {"clean": "pass", "heap_overflow": "fail", "signed_overflow": "fail",
                 "child_overflow": "fail"}, p.stdout
    assert p.returncode == 1
    out = by["cases/broken/broken::global.heap_overflow"]["output"]
    assert "ERROR: AddressSanitizer: heap-buffer-overflow" in out, out
    assert "runtime error: signed integer overflow" in by[
        "cases/broken/broken::global.signed_overflow"]["output"]
    # the harness itself said ok here: the driver's reading of the report decides
    child = by["cases/broken/broken::global.child_overflow"]
    assert "ok 1 global.child_overflow" in child["output"]
    assert child["reason"].startswith("sanitizer: ") and "heap-buffer-overflow" in child["reason"]
    assert "sanitized (ASan+UBSan" in p.stdout


def test_plain_flavour_runs_the_plain_binary(tree):
    if not os.path.exists(tree / "cases/broken/broken"):
        pytest.skip("build/libkisol.a not built (plain make)")
    p, by = verdicts(tree, "plain", "plain")
    assert sorted(by) == sorted(f"cases/broken/broken::global.{t}" for t in TESTS)
    assert {c["verdict"] for c in by.values()} == {"pass"}, p.stdout
    assert p.returncode == 0 and "AddressSanitizer" not in p.stdout


def test_unbuilt_flavour_is_a_collection_error(tmp_path):
    (tmp_path / "cases" / "a").mkdir(parents=True)
    (tmp_path / "cases" / "a" / "b.c").write_text("")
    (tmp_path / "cases" / "a" / "b").write_text("")
    os.chmod(tmp_path / "cases" / "a" / "b", 0o755)     # a plain binary only
    p = run_pytest(tmp_path, "cases/a", "-q", env={paths.ENV: "san"})
    assert p.returncode != 0
    assert "cases/a/b is not built (make SANITIZE=1 builds it)" in p.stdout, p.stdout


def test_bad_flavour_is_a_usage_error(tmp_path):
    p = run_pytest(tmp_path, "-q", env={paths.ENV: "asan"})
    assert p.returncode == 4 and "KISOL_FLAVOUR='asan'" in p.stderr, p.stdout + p.stderr
    env = dict(os.environ, PYTHONPATH=os.path.join(TOP, "scripts"), KISOL_FLAVOUR="asan")
    b = subprocess.run([sys.executable, "-m", "kisol.bench", "--list"], env=env,
                       capture_output=True, text=True, timeout=60)
    assert b.returncode == 2 and len(b.stderr.strip().splitlines()) == 1, b.stderr


def test_sanitizer_report_lines():
    assert paths.sanitizer_report("x\n==12==ERROR: AddressSanitizer: heap-use-after-free on\n") \
        .startswith("==12==ERROR: AddressSanitizer")
    assert paths.sanitizer_report("a.c:3:5: runtime error: shift exponent 40") \
        == "a.c:3:5: runtime error: shift exponent 40"
    assert paths.sanitizer_report("ok 1 global.x\n# PASSED: 1 / 1 tests passed.\n") == ""
