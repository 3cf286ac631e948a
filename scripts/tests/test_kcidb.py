# SPDX-License-Identifier: GPL-2.0-only
"""KCIDB export: the output of a recorded real run validates against the
KCIDB I/O schema v4.3 restated in kisol.kcidb_schema, and that schema check
rejects what KCIDB rejects."""

import copy
import gzip
import json
import os
import subprocess
import sys

import pytest

from kisol import kcidb, kcidb_schema
from kisol.rundata import Run

DATA = os.path.join(os.path.dirname(__file__), "data")
TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="module")
def run():
    r = json.load(open(os.path.join(DATA, "run-real.json")))
    with gzip.open(os.path.join(DATA, "cases-real.json.gz"), "rt") as f:
        cases = json.load(f)["cases"]
    with gzip.open(os.path.join(DATA, "bench-aa-1.jsonl.gz"), "rt") as f:
        bench = [json.loads(x) for x in f if x.strip()]
    cases.append(dict(cases[0], id=cases[0]["id"] + "_x", verdict="xfail", reason="known"))
    return Run(r, cases, bench, "data")


@pytest.fixture(scope="module")
def doc(run):
    return kcidb.export(run)


def test_export_validates(doc):
    assert kcidb_schema.validate(doc) == []


def test_export_shape(doc, run):
    assert doc["version"] == {"major": 4, "minor": 3}
    assert len(doc["checkouts"]) == 1 and len(doc["builds"]) == 1
    assert doc["builds"][0]["checkout_id"] == doc["checkouts"][0]["id"]
    assert len(doc["tests"]) == len(run.cases) + len(run.bench)
    statuses = {}
    for t in doc["tests"]:
        assert t["build_id"] == doc["builds"][0]["id"]
        statuses[t["status"]] = statuses.get(t["status"], 0) + 1
    assert statuses == {"PASS": 238, "FAIL": 19, "SKIP": 1, "DONE": 95}
    waived = [t for t in doc["tests"] if t.get("waived")]
    assert len(waived) == 1 and waived[0]["misc"]["verdict"] == "xfail"
    failed = [t for t in doc["tests"] if t["status"] == "FAIL" and not t.get("waived")]
    assert all(t.get("log_excerpt") for t in failed)
    assert all(t["environment"]["misc"]["cgroup_layout"] == "hybrid" for t in doc["tests"])
    ids = [t["id"] for t in doc["tests"]]
    assert len(ids) == len(set(ids))


def _bad(doc, mutate):
    d = copy.deepcopy(doc)
    mutate(d)
    return kcidb_schema.validate(d)


@pytest.mark.parametrize("what,mutate", [
    ("no version", lambda d: d.pop("version")),
    ("wrong major", lambda d: d["version"].update(major=3)),
    ("minor too new", lambda d: d["version"].update(minor=4)),
    ("unknown top-level", lambda d: d.update(runs=[])),
    ("bad status", lambda d: d["tests"][0].update(status="OK")),
    ("null value", lambda d: d["tests"][0].update(comment=None)),
    ("id without origin", lambda d: d["tests"][0].update(id="no-colon")),
    ("bad origin", lambda d: d["tests"][0].update(origin="Kisol!")),
    ("missing build_id", lambda d: d["tests"][0].pop("build_id")),
    ("extra test field", lambda d: d["tests"][0].update(verdict="pass")),
    ("bad path", lambda d: d["tests"][0].update(path="a/b c")),
    ("bad arch", lambda d: d["builds"][0].update(architecture="X86-64")),
    ("bad time", lambda d: d["tests"][0].update(start_time="yesterday")),
    ("excerpt too long", lambda d: d["tests"][0].update(log_excerpt="x" * 16385)),
    ("bad commit hash", lambda d: d["checkouts"][0].update(git_commit_hash="abc")),
    ("duration not number", lambda d: d["tests"][0].update(duration="1s")),
    ("env extra", lambda d: d["tests"][0]["environment"].update(host="h")),
])
def test_schema_rejects(doc, what, mutate):
    assert _bad(doc, mutate), what


def test_schema_accepts_minimal():
    assert kcidb_schema.validate({"version": {"major": 4}}) == []
    assert kcidb_schema.validate({"version": {"major": 4, "minor": 0}, "checkouts": [
        {"id": "x:1", "origin": "x"}], "builds": [{"id": "x:b", "origin": "x", "checkout_id": "x:1"}],
        "tests": [{"id": "x:t", "origin": "x", "build_id": "x:b", "status": "MISS"}]}) == []


def test_cli(tmp_path):
    env = dict(os.environ, PYTHONPATH=os.path.join(TOP, "scripts"))
    d = tmp_path / "run"
    d.mkdir()
    (d / "run.json").write_text(open(os.path.join(DATA, "run-real.json")).read())
    out = tmp_path / "k.json"
    p = subprocess.run([sys.executable, "-m", "kisol.kcidb", str(d), "-o", str(out)], cwd=TOP,
                       env=env, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert kcidb_schema.validate(json.loads(out.read_text())) == []
    for args in ([str(tmp_path / "missing")], [str(d), "--origin", "Bad Origin"]):
        p = subprocess.run([sys.executable, "-m", "kisol.kcidb", *args], cwd=TOP, env=env,
                           capture_output=True, text=True, timeout=60)
        assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1
