# SPDX-License-Identifier: GPL-2.0-only
"""make install: the kselftest-layout tree and its runner's KTAP."""
import os
import subprocess

import pytest

from kisol import install, ktap
from test_driver_e2e import DEMO, TOP, build


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    if not os.path.exists(f"{TOP}/build/libkisol.a"):
        pytest.skip("build/libkisol.a not built (run make)")
    src = tmp_path_factory.mktemp("src")
    # Without the driver's sandbox nothing would reap the hanging test or the
    # orphan that escapes with setsid(): both stay out of the installed demo.
    demo = DEMO.replace("TEST_F_TIMEOUT(slow, hangs, 1) { for (;;) pause(); }", "")
    a = demo.index("/* A background process that outlives the test")
    b = demo.index("FIXTURE(slow)")
    build(src, "demo", "demo", demo[:a] + demo[b:] + "KISOL_MAIN\n")
    build(src, "other", "ok", '#include "kisol_test.h"\nTEST(a) {}\nTEST(b) { SKIP(return, "r"); }\nKISOL_MAIN\n')
    (src / "cases" / "other" / "settings").write_text("timeout=60\n")
    (src / "scripts").mkdir()
    (src / "scripts" / "run_kselftest.sh").write_bytes(open(f"{TOP}/scripts/run_kselftest.sh", "rb").read())
    dest = tmp_path_factory.mktemp("inst") / "t"
    assert install.install(str(src), str(dest)) == 2
    return dest


def run(tree, *args):
    return subprocess.run(["sh", str(tree / "run_kselftest.sh"), *args], capture_output=True,
                          text=True, timeout=120)


def test_layout(tree):
    assert (tree / "kselftest-list.txt").read_text().split() == ["kisol/demo:demo", "kisol/other:ok"]
    assert os.access(tree / "kisol" / "demo" / "demo", os.X_OK)
    assert (tree / "kisol" / "other" / "settings").read_text() == "timeout=60\n"


def test_runner_ktap_all(tree):
    p = run(tree)
    doc = ktap.parse(p.stdout)
    assert doc.version == 13 and doc.plan == 2 and doc.complete
    assert [(r.name, r.verdict) for r in doc.results] == [
        ("selftests: kisol/demo: demo", "fail"), ("selftests: kisol/other: ok", "pass")]
    assert p.returncode == 1
    # each binary's own KTAP is nested as diagnostics and parses too
    inner = "\n".join(d[2:] if d.startswith("# ") else d for d in doc.results[1].diagnostics[1:])
    assert [r.verdict for r in ktap.parse(inner).results] == ["pass", "skip"]


def test_runner_one_collection(tree):
    p = run(tree, "-c", "kisol/other")
    doc = ktap.parse(p.stdout)
    assert doc.plan == 1 and doc.results[0].ok and p.returncode == 0


@pytest.mark.parametrize("args", [["-c", "kisol/nope"], ["-t", "kisol/x:y"], ["-q"]])
def test_runner_bad_args(tree, args):
    p = run(tree, *args)
    assert p.returncode == 2 and p.stderr.strip()


def test_install_refuses_unbuilt(tmp_path):
    (tmp_path / "cases" / "a").mkdir(parents=True)
    (tmp_path / "cases" / "a" / "b.c").write_text("")
    with pytest.raises(install.InstallError, match="not built"):
        install.install(str(tmp_path), str(tmp_path / "dest"))
