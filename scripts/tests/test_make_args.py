# SPDX-License-Identifier: GPL-2.0-only
"""A make target given a wrong value says what is wrong and what is valid,
in one line on stderr, with exit status 2, before it builds or runs anything."""
import os
import subprocess
import sys

import pytest

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def make(*args):
    # -n: the checks run when make reads the Makefile, so nothing is built
    # (vm-validate and the python steps are run by the test directly)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KISOL_", "PYTEST_", "MAKE"))}
    return subprocess.run(["make", "-s", "-n", "-C", TOP, *args], capture_output=True,
                          text=True, env=env, timeout=120)


def one_error_line(p):
    lines = [l for l in p.stderr.splitlines() if l.strip()]
    assert p.returncode == 2, (p.returncode, p.stdout[-2000:], p.stderr)
    assert len(lines) == 1, p.stderr
    return lines[0]


@pytest.mark.parametrize("goal", ["check", "vm-check", "matrix"])
def test_unknown_area(goal):
    line = one_error_line(make(goal, "AREA=utsns nonexistent"))
    assert "no area 'nonexistent'" in line and "valid:" in line and " pidns " in line, line


@pytest.mark.parametrize("jobs", ["x", "-1", "2 3", "", "1.5"])
def test_bad_jobs(jobs):
    line = one_error_line(make("check", f"JOBS={jobs}"))
    assert f"JOBS='{jobs}'" in line and "auto" in line, line


@pytest.mark.parametrize("jobs", ["0", "2", "auto"])
def test_good_jobs(jobs):
    p = make("check", f"JOBS={jobs}", "AREA=utsns")
    assert p.returncode == 0, p.stderr


def test_empty_install_path():
    line = one_error_line(make("install", "INSTALL_PATH="))
    assert "INSTALL_PATH is empty" in line


def run_py(*args):
    env = dict(os.environ, PYTHONPATH=os.path.join(TOP, "scripts"))
    return subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True,
                          env=env, cwd=TOP, timeout=120)


def test_install_never_replaces_a_foreign_directory(tmp_path):
    (tmp_path / "precious").write_text("keep")
    line = one_error_line(run_py("kisol.install", "--dest", str(tmp_path)))
    assert "not a kisol install tree" in line
    assert (tmp_path / "precious").read_text() == "keep"


def test_unknown_kernel_series():
    line = one_error_line(run_py("kisol.vm", "validate", "--kernel", "9.9"))
    assert "KERNEL=9.9" in line and "valid series here:" in line and "bzImage" in line, line


@pytest.mark.parametrize("kernel,want", [("nonsense", "bad KERNEL"), ("/no/such/bzImage", "not a file"),
                                         ("host", "only valid for 'make matrix'")])
def test_bad_kernel_spec(kernel, want):
    assert want in one_error_line(run_py("kisol.vm", "validate", "--kernel", kernel))


def test_bad_cgroup_layout():
    line = one_error_line(run_py("kisol.vm", "validate", "--kernel", "6.12", "--cgroup", "v3"))
    assert "v2, v1, hybrid" in line


def test_report_bad_base_fails_before_running(tmp_path):
    p = run_py("kisol.report", "--base", "no-such-run", "--results", str(tmp_path / "res"),
               "--db", str(tmp_path / "h.sqlite"), "--out", str(tmp_path / "out"))
    assert "no-such-run" in one_error_line(p)
    assert not (tmp_path / "res").exists()


@pytest.mark.parametrize("args,want", [
    (["kisol.compare", "nope-a", "nope-b"], "nope-a"),
    (["kisol.compare", "--threshold", "abc", "a", "b"], "abc"),
    (["kisol.kcidb", "nope"], "nope"),
])
def test_python_targets(args, want):
    p = run_py(*args)
    assert p.returncode == 2 and want in p.stderr and "Traceback" not in p.stderr, p.stderr


@pytest.mark.parametrize("value", ["2", "yes", "1 1"])
def test_bad_sanitize(value):
    line = one_error_line(make("check", f"SANITIZE={value}"))
    assert f"SANITIZE='{value}'" in line and "expected 1" in line, line


@pytest.mark.parametrize("goal", ["mutate", "vm-smoke", "bench-calibrate", "validate", "report"])
def test_sanitize_refused_by_other_targets(goal):
    line = one_error_line(make(goal, "SANITIZE=1"))
    assert f"not for '{goal}'" in line and "bench-quick" in line, line


@pytest.mark.parametrize("sanitize", ["0", "1"])
def test_flavours_build_apart(sanitize):
    """SANITIZE=1 compiles with the sanitizers into build/san and runs the
    driver on that flavour; the plain build never touches build/san."""
    p = make("-B", "check", f"SANITIZE={sanitize}", "AREA=utsns")
    assert p.returncode == 0, p.stderr
    if sanitize == "1":
        assert "-fsanitize=address,undefined" in p.stdout
        assert "-o build/san/cases/utsns/isolation" in p.stdout and "KISOL_FLAVOUR=san" in p.stdout
        assert "-o cases/utsns/isolation" not in p.stdout
    else:
        assert "-fsanitize" not in p.stdout and "build/san" not in p.stdout
        assert "-o cases/utsns/isolation" in p.stdout and "KISOL_FLAVOUR=plain" in p.stdout
