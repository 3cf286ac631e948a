# SPDX-License-Identifier: GPL-2.0-only
"""LAVA: the job templates and the test definition pass LAVA's own schema
validation (lava_common, Debian's lava-common), the validation rejects what
LAVA rejects, the test definition's script reports every case outside and
inside LAVA, and LAVA's results come back as a kisol run that history,
compare and the KCIDB export accept.

data/lava/lava-run-6.1.log.gz is the log of a real `make lava-run KERNEL=6.1
AREA="utsns nsfs" LAVA_BENCH=quick` on this machine (lava-dispatcher
2023.01, Debian 12), kept verbatim except debug-level lines;
data/lava/results-6.1.yaml.gz is the same job's results in the layout a LAVA
server exports them (/results/<job>/yaml, lava_results_app export_testcase):
see data/README.md."""

import json
import os
import shutil
import stat
import subprocess
import sys

import pytest

from kisol import history, kcidb, kcidb_schema, lava, rundata

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(os.path.dirname(__file__), "data", "lava")
SCRIPT = os.path.join(TOP, "lava", "testdef", "kisol-lava.sh")
PY = [sys.executable, "-m", "kisol.lava"]
ENV = dict(os.environ, PYTHONPATH=os.path.join(TOP, "scripts"))


# ---- validation with LAVA's own schemas --------------------------------------

def test_every_template_and_the_testdef_validate():
    names = lava.validate_all()
    assert names == ["lava/testdef/kisol.yaml", "lava/jobs/board.yaml.jinja2",
                     "lava/jobs/qemu-x86_64.yaml.jinja2"]


@pytest.mark.parametrize("template", sorted(lava.TEMPLATES))
def test_validation_rejects_what_lava_rejects(template):
    good = lava.render_job(template, {})
    lava.validate_job_text(good)
    broken = {
        "no timeouts": good.replace("timeouts:", "timeouts_gone:", 1),
        "unknown key": good + "not_a_lava_key: 1\n",
        "bad test name": good.replace("      name: kisol", "      name: 'kisol tests'"),
        "bad boot method": good.replace("method: ", "method: warp-", 1),
    }
    for why, text in broken.items():
        with pytest.raises(lava.UserError, match="invalid LAVA job"):
            lava.validate_job_text(text, why)


def test_testdef_schema_rejects_a_wrong_format(tmp_path):
    bad = tmp_path / "kisol.yaml"
    bad.write_text(open(os.path.join(TOP, "lava", "testdef", "kisol.yaml")).read()
                   .replace("Lava-Test Test Definition 1.0", "Lava-Test 2"))
    with pytest.raises(lava.UserError, match="invalid LAVA test definition"):
        lava.validate_testdef(str(bad))


def test_qemu_job_is_tcg_only_and_offline():
    import yaml
    job = yaml.safe_load(lava.render_job("qemu", {}))
    ctx = job["context"]
    assert ctx["no_kvm"] is True and "-accel tcg,thread=multi" in ctx["extra_options"]
    assert "restrict=on" in ctx["netdevice"]
    images = job["actions"][0]["deploy"]["images"]
    assert images["initrd"]["overlays"] == {"lava": True}
    assert all(i["url"].startswith("file://") for i in images.values())
    test = job["actions"][2]["test"]["definitions"][0]
    assert test["path"] == "lava/testdef/kisol.yaml" and test["name"] == "kisol"


def test_board_job_carries_the_urls():
    import yaml
    text = lava.render_job("board", {"kernel_url": "https://lab/Image", "dtb_url": "",
                                     "rootfs_url": "https://lab/rootfs.tar.xz",
                                     "tree_url": "https://lab/tree.tgz", "areas": "utsns"})
    lava.validate_job_text(text)
    job = yaml.safe_load(text)
    deploy = job["actions"][0]["deploy"]
    assert deploy["kernel"]["url"] == "https://lab/Image" and "dtb" not in deploy
    params = job["actions"][2]["test"]["definitions"][0]["parameters"]
    assert params == {"TREE_URL": "https://lab/tree.tgz", "AREAS": "utsns", "BENCH": "none"}


def test_cli_validate_and_user_errors(tmp_path):
    r = subprocess.run(PY + ["validate"], capture_output=True, text=True, env=ENV, cwd=TOP)
    assert r.returncode == 0 and r.stdout.count("lava: valid:") == 3
    bad = tmp_path / "job.yaml"
    bad.write_text("device_type: qemu\njob_name: x\n")
    r = subprocess.run(PY + ["validate", str(bad)], capture_output=True, text=True, env=ENV)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    assert "invalid LAVA job" in r.stderr
    r = subprocess.run(PY + ["job", "--template", "board"], capture_output=True, text=True, env=ENV)
    assert r.returncode == 2 and "DEVICE_TYPE, KERNEL_URL, ROOTFS_URL, TREE_URL" in r.stderr


# ---- the test definition's script, outside and inside LAVA -----------------

KTAP_MIXED = r"""TAP version 13
1..4
# Starting 4 tests from 1 test cases.
ok 1 fx.v.passes
ok 2 fx.v.skips # SKIP no frobnicator here (ENOSYS)
ok 3 fx.v.known_bug # XFAIL known kernel bug: ids per CPU
# fx.c:12:fx.v.fails:Expected 1 (1) == 2 (2)
not ok 4 fx.v.fails
# Totals: pass:1 fail:1 xfail:1 xpass:0 skip:1 error:0
"""


def _exe(path, text):
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


@pytest.fixture
def tree(tmp_path):
    """An install tree of fake binaries: mixed verdicts, a crash after the
    first of three tests, and a binary that skips as a whole."""
    t = tmp_path / "tree"
    (t / "kisol" / "alpha").mkdir(parents=True)
    (t / "kisol" / "beta").mkdir(parents=True)
    shutil.copy(os.path.join(TOP, "scripts", "run_kselftest.sh"), t)
    (t / "kselftest-list.txt").write_text("kisol/alpha:mixed\nkisol/alpha:crash\nkisol/beta:skipall\n")
    _exe(t / "kisol" / "alpha" / "mixed", "#!/bin/sh\ncat <<'EOF'\n" + KTAP_MIXED + "EOF\nexit 1\n")
    _exe(t / "kisol" / "alpha" / "crash",
         "#!/bin/sh\necho 'TAP version 13'\necho '1..3'\necho 'ok 1 c.one'\nexit 139\n")
    _exe(t / "kisol" / "beta" / "skipall", "#!/bin/sh\necho 'TAP version 13'\necho '1..0 # SKIP no beta'\nexit 4\n")
    return t


EXPECTED = [
    "alpha mixed.fx.v.passes pass",
    "alpha mixed.fx.v.skips skip",
    "alpha mixed.fx.v.known_bug pass",
    "alpha mixed.fx.v.fails fail",
    "alpha crash.c.one pass",
    "alpha crash.__binary__ fail",
    "beta skipall.__all__ skip",
]


def _shells():
    out = ["/bin/sh"]
    if os.path.exists("/bin/busybox"):
        out.append("/bin/busybox sh")
    return out


@pytest.mark.parametrize("shell", _shells())
def test_script_outside_lava_prints_every_result(tree, tmp_path, shell):
    r = subprocess.run(shell.split() + [SCRIPT, "-t", str(tree), "-o", str(tmp_path / "out")],
                       capture_output=True, text=True, timeout=60,
                       env=dict(os.environ, PATH="/usr/bin:/bin"))
    assert r.returncode == 0, r.stderr
    results = [x for x in r.stdout.splitlines() if x.startswith(("alpha ", "beta "))]
    assert results == EXPECTED
    assert "KISOL-LAVA ktap-begin" in r.stdout and "KISOL-LAVA ktap-end rc=1" in r.stdout


def test_script_areas_and_missing_tree(tree, tmp_path):
    r = subprocess.run(["/bin/sh", SCRIPT, "-t", str(tree), "-a", "beta", "-o", str(tmp_path / "o")],
                       capture_output=True, text=True, timeout=60)
    assert [x for x in r.stdout.splitlines() if x.startswith(("alpha", "beta"))] == \
        ["beta skipall.__all__ skip"]
    r = subprocess.run(["/bin/sh", SCRIPT, "-t", str(tmp_path / "none"), "-o", str(tmp_path / "o")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "kisol tree fail" in r.stdout and "no install tree" in r.stderr
    r = subprocess.run(["/bin/sh", SCRIPT, "-b", "fast"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "bad -b" in r.stderr


@pytest.fixture
def fake_lava(tmp_path):
    """lava-test-case / lava-test-set printing the signals LAVA's helpers
    (lava_dispatcher/lava_test_shell) print, so the script's calls are checked
    without lava-dispatcher installed."""
    bindir = tmp_path / "lavabin"
    bindir.mkdir()
    _exe(bindir / "lava-test-set", '#!/bin/sh\ncase $1 in start) echo "<LAVA_SIGNAL_TESTSET START $2>";;\n'
         '  stop) echo "<LAVA_SIGNAL_TESTSET STOP>";; *) exit 1;; esac\n')
    _exe(bindir / "lava-test-case", '#!/bin/sh\nn=$1; shift\nr= m= u=\n'
         'while [ $# -gt 0 ]; do case $1 in --result) r=$2;; --measurement) m=$2;; --units) u=$2;; esac; shift 2; done\n'
         'echo "<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=$n RESULT=$r${m:+ MEASUREMENT=$m}${u:+ UNITS=$u}>"\n')
    return bindir


def _signals_to_log(stdout, definition="0_kisol"):
    """A lava-run style log of the script's output: every line a "target"
    record, every test case signal a "results" record (what the dispatcher's
    lava-test-shell does with them)."""
    import re
    lines, cur = [], None
    for line in stdout.splitlines():
        lines.append(json.dumps({"dt": "2026-01-01T00:00:00", "lvl": "target", "msg": line}))
        m = re.match(r"<LAVA_SIGNAL_TESTSET (START|STOP) ?(\S*)>", line)
        if m:
            cur = m.group(2) if m.group(1) == "START" else None
            continue
        m = re.match(r"<LAVA_SIGNAL_TESTCASE (.*)>", line)
        if m:
            kv = dict(x.split("=", 1) for x in m.group(1).split())
            msg = {"case": kv["TEST_CASE_ID"], "definition": definition, "result": kv["RESULT"]}
            if cur:
                msg["set"] = cur
            if "MEASUREMENT" in kv:
                msg["measurement"], msg["units"] = float(kv["MEASUREMENT"]), kv.get("UNITS")
            lines.append(json.dumps({"dt": "2026-01-01T00:00:00", "lvl": "results", "msg": msg}))
    lines.append(json.dumps({"dt": "2026-01-01T00:00:01", "lvl": "results",
                             "msg": {"case": "job", "definition": "lava", "result": "pass"}}))
    return "\n".join(lines) + "\n"


def test_script_in_lava_signals_sets_and_cases(tree, tmp_path, fake_lava):
    env = dict(os.environ, PATH=f"{fake_lava}:/usr/bin:/bin")
    r = subprocess.run(["/bin/sh", SCRIPT, "-t", str(tree), "-o", str(tmp_path / "out")],
                       capture_output=True, text=True, timeout=60, env=env)
    assert r.returncode == 0, r.stderr
    sig = [x for x in r.stdout.splitlines() if x.startswith("<LAVA_SIGNAL")]
    assert sig[0] == "<LAVA_SIGNAL_TESTSET START alpha>"
    assert "<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=mixed.fx.v.fails RESULT=fail>" in sig
    assert sig[-2:] == ["<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=skipall.__all__ RESULT=skip>",
                        "<LAVA_SIGNAL_TESTSET STOP>"]
    assert sum(x.startswith("<LAVA_SIGNAL_TESTCASE") for x in sig) == len(EXPECTED)
    # ... and back: LAVA's verdicts, refined by the KTAP in the log.
    log = tmp_path / "lava-run.log"
    log.write_text(_signals_to_log(r.stdout))
    out, run, cases = lava.import_results(str(log), results_dir=str(tmp_path / "results"),
                                          extra_run={"kernel": "6.99-test", "device": "board1"})
    by = {c["id"]: c for c in cases}
    assert by["cases/alpha/mixed::fx.v.known_bug"]["verdict"] == "xfail"
    assert by["cases/alpha/mixed::fx.v.known_bug"]["reason"].startswith("known kernel bug")
    assert by["cases/alpha/mixed::fx.v.skips"]["reason"] == "no frobnicator here (ENOSYS)"
    assert by["cases/alpha/mixed::fx.v.fails"]["verdict"] == "fail"
    assert "Expected 1 (1) == 2 (2)" in by["cases/alpha/mixed::fx.v.fails"]["output"]
    assert by["cases/alpha/crash::<binary>"]["verdict"] == "error"
    assert by["cases/beta/skipall::*"]["verdict"] == "skip"
    assert len(cases) == len(EXPECTED) and run["complete"] is True
    assert run["kernel"] == "6.99-test" and run["host"] == "board1" and run["source"] == "lava"


# ---- results written by LAVA itself -----------------------------------------

@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lava-import")
    db = str(tmp / "history.sqlite")
    out, run, cases = lava.import_results(os.path.join(DATA, "lava-run-6.1.log.gz"),
                                          results_dir=str(tmp / "results"), db=db,
                                          extra_run={"device": "lava-qemu", "vm": True,
                                                     "vm_accel": "tcg", "cgroup_layout": "v2"})
    return out, run, cases, db


def _counts(cases):
    c = {}
    for x in cases:
        c[x["verdict"]] = c.get(x["verdict"], 0) + 1
    return c


def test_real_lava_run_log_imports(imported):
    out, run, cases, _ = imported
    # utsns + nsfs on 6.1 in the guest: the same counts as `make vm-check KERNEL=6.1`.
    assert _counts(cases) == {"pass": 175, "skip": 17}
    assert run["kernel"] == "6.1.0-57-cloud-amd64" and run["lava"]["job"] == "pass"
    assert run["lava"]["ktap_cases"] == 192 and run["lava"]["ktap_not_in_lava"] == 0
    skips = [c for c in cases if c["verdict"] == "skip"]
    assert all(c["reason"] for c in skips)
    bench = rundata.load_dir(out).bench
    assert bench and all(b["schema"] == "kisol-bench/1" and b["vm"] for b in bench)
    assert len(run["lava"]["measurements"]) == len(bench)


def test_real_run_in_history_compare_and_kcidb(imported, tmp_path):
    out, run, cases, db = imported
    rows = history.list_runs(db)
    assert [r[1] for r in rows] == [run["run_id"]]
    assert rows[0][7] == len(cases)
    r = subprocess.run([sys.executable, "-m", "kisol.history", "--db", db, "show", "latest"],
                       capture_output=True, text=True, env=ENV)
    assert r.returncode == 0 and "175 pass, 17 skip" in r.stdout
    r = subprocess.run([sys.executable, "-m", "kisol.compare", out, out], capture_output=True,
                       text=True, env=ENV, cwd=str(tmp_path))
    assert r.returncode == 0, r.stderr
    doc = kcidb.export(rundata.load_dir(out))
    assert kcidb_schema.validate(doc) == []
    assert len([t for t in doc["tests"] if t["path"].startswith("kisol.nsfs")]) == 134


def test_server_results_yaml_imports(tmp_path):
    """The server's export has no device output: LAVA's verdicts only, the
    benchmark medians stay measurements in run.json."""
    out, run, cases = lava.import_results(os.path.join(DATA, "results-6.1.yaml.gz"),
                                          results_dir=str(tmp_path),
                                          extra_run={"kernel": "6.1.0-57-cloud-amd64"})
    assert _counts(cases) == {"pass": 175, "skip": 17}
    assert run["lava"]["job"] == "pass" and run["lava"]["measurements"]
    assert not os.path.exists(os.path.join(out, "bench.jsonl"))
    # with the job log beside it, the same enrichment as from lava-run's log
    out2, _, cases2 = lava.import_results(os.path.join(DATA, "results-6.1.yaml.gz"),
                                          log_path=os.path.join(DATA, "lava-run-6.1.log.gz"),
                                          results_dir=str(tmp_path))
    assert all(c["reason"] for c in cases2 if c["verdict"] == "skip")
    assert os.path.exists(os.path.join(out2, "bench.jsonl"))


@pytest.mark.parametrize("content,msg", [
    ("", "empty file"),
    ("- {name: a, result: pass\n", "not YAML"),
    ("just: a mapping\n", "not LAVA results"),
    ("- {name: x, suite: 0_other, result: pass}\n", "no kisol test cases"),
])
def test_import_rejects_bad_input(tmp_path, content, msg):
    p = tmp_path / "results.yaml"
    p.write_text(content)
    r = subprocess.run(PY + ["import", str(p), "--results", str(tmp_path / "r"),
                             "--db", str(tmp_path / "h.sqlite")],
                       capture_output=True, text=True, env=ENV)
    assert r.returncode == 2 and msg in r.stderr and len(r.stderr.strip().splitlines()) == 1
