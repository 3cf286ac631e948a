# SPDX-License-Identifier: GPL-2.0-only
"""The make targets of scripts/mk/report.mk: `make compare` on the recorded
A/A runs and on an injected slowdown, and usage errors."""

import gzip
import json
import os
import subprocess

import pytest

DATA = os.path.join(os.path.dirname(__file__), "data")
TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
AA1 = os.path.join(DATA, "bench-aa-1.jsonl.gz")
AA2 = os.path.join(DATA, "bench-aa-2.jsonl.gz")

pytest.importorskip("scipy", reason="python3-scipy missing (scripts/install-deps --report)")


def make(*args):
    # a make of its own, not a sub-make of the `make check` that may run us
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    return subprocess.run(["make", "-s", "--no-print-directory", "-C", TOP, *args], env=env,
                          capture_output=True, text=True, timeout=300)


def test_make_compare_aa_passes():
    p = make("compare", f"BASE={AA1}", f"NEW={AA2}", "COMPARE_ARGS=--no-noise")
    assert p.returncode == 0, p.stdout + p.stderr
    assert "result: OK" in p.stdout


def test_make_compare_slowdown_fails(tmp_path):
    slow = tmp_path / "slow.jsonl"
    with gzip.open(AA1, "rt") as f, open(slow, "w") as out:
        for line in f:
            r = json.loads(line)
            if r["benchmark"] == "setns.ipc":
                r["raw"] = [x * 1.1 for x in r["raw"]]
                r["median"] *= 1.1
            out.write(json.dumps(r) + "\n")
    p = make("compare", f"BASE={AA1}", f"NEW={slow}", "COMPARE_ARGS=--no-noise")
    # the script exits 1; make reports any failing recipe with its own status 2
    assert p.returncode != 0
    assert "result: FAIL (1 benchmark regression(s)" in p.stdout
    assert "Error 1" in p.stderr


@pytest.mark.parametrize("target,args", [("compare", []), ("compare", [f"BASE={AA1}"]),
                                         ("history-trend", [])])
def test_make_usage(target, args):
    p = make(target, *args)
    assert p.returncode != 0
    assert "usage: make " + target.split("-")[0] in p.stderr
