# SPDX-License-Identifier: GPL-2.0-only
"""kisol.repeat finds a test whose verdict changes between runs, and agrees
when none does (make repeat-check runs it on the real cases)."""
import json
import os
import subprocess
import sys

import pytest

from test_driver_e2e import TOP, build

FLAKY = r'''
// SPDX-License-Identifier: GPL-2.0-only
#include <fcntl.h>
#include "kisol_test.h"

TEST(stable) { ASSERT_EQ(1, 1); }
/* passes on every other run: a counter in a file of the test's tmp dir */
TEST(flaky)
{
	int fd = open(COUNTER, O_RDWR | O_CREAT, 0600);
	char c = 0;

	ASSERT_LE(0, fd);
	read(fd, &c, 1);
	c ^= 1;
	pwrite(fd, &c, 1, 0);
	close(fd);
	ASSERT_EQ(1, c);
}
KISOL_MAIN
'''


def repeat(tmp, *args, pytest_args=()):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KISOL_", "PYTEST_"))}
    env["PYTHONPATH"] = os.path.join(TOP, "scripts")
    return subprocess.run([sys.executable, "-m", "kisol.repeat", "--top", str(tmp),
                           "--out", str(tmp / "out"), *args, "--", "--kisol-no-leak-check", *pytest_args],
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    if not os.path.exists(f"{TOP}/build/libkisol.a"):
        pytest.skip("build/libkisol.a not built (run make)")
    tmp = tmp_path_factory.mktemp("rep")
    build(tmp, "rep", "rep", FLAKY.replace("COUNTER", f'"{tmp}/counter"'))
    return tmp


def test_flaky_verdict_is_found(tree):
    p = repeat(tree, "--runs", "2", "--hogs", "1", "--serial", "--areas", "rep")
    assert p.returncode == 1, p.stdout + p.stderr
    assert "DIFFERS cases/rep/rep::global.flaky" in p.stdout, p.stdout
    assert "global.stable" not in p.stdout.split("DIFFERS")[-1]
    assert {"quiet-1", "quiet-2", "hogs1-1", "hogs1-2", "serial-1"} <= set(p.stdout.split())
    rep = json.load(open(tree / "out" / "repeat.json"))
    assert list(rep["differ"]) == ["cases/rep/rep::global.flaky"]


def test_stable_runs_agree(tree):
    p = repeat(tree, "--runs", "2", "--serial", "--areas", "rep", pytest_args=("-k", "stable"))
    assert p.returncode == 0, p.stdout + p.stderr
    assert "0 with differing verdicts, 0 problems" in p.stdout


@pytest.mark.parametrize("args", [["--runs", "0"], ["--jobs", "x"], ["--areas", "nonexistent"]])
def test_bad_arguments(tree, args):
    p = repeat(tree, *args)
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1, p.stderr
