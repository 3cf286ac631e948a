# SPDX-License-Identifier: GPL-2.0-only
"""KTAP parsing, case-list parsing and results files: the driver's inputs."""
import json

import pytest

from kisol import caselist, counts, ktap, results

SAMPLE = """TAP version 13
1..5
# Starting 5 tests from 2 test cases.
#  RUN           f.a.t1 ...
#            OK  f.a.t1
ok 1 f.a.t1
#  RUN           f.a.t2 ...
# t.c:10:t2:Expected 1 (1) == 2 (2)
# t2: Test terminated by assertion
#          FAIL  f.a.t2
not ok 2 f.a.t2
ok 3 f.b.t1 # SKIP user namespace: unshare gives EPERM
ok 4 f.b.t2 # XFAIL known bug
ok 5 global.solo # XPASS stale
# Totals: pass:1 fail:1 xfail:1 xpass:1 skip:1 error:0
"""


def test_parse_verdicts():
    doc = ktap.parse(SAMPLE)
    assert doc.version == 13 and doc.plan == 5 and doc.complete
    assert [r.verdict for r in doc.results] == ["pass", "fail", "skip", "xfail", "xpass"]
    assert doc.results[2].reason == "user namespace: unshare gives EPERM"
    assert doc.results[3].name == "f.b.t2"


def test_diagnostics_belong_to_the_following_result():
    doc = ktap.parse(SAMPLE)
    assert any("Expected 1 (1) == 2 (2)" in d for d in doc.results[1].diagnostics)
    assert not any("Expected" in d for d in doc.results[0].diagnostics)
    assert any("Totals" in d for d in doc.trailing)


def test_truncated_stream_is_incomplete():
    doc = ktap.parse("\n".join(SAMPLE.splitlines()[:7]))
    assert doc.plan == 5 and len(doc.results) == 1 and not doc.complete


def test_nested_results_are_diagnostics():
    doc = ktap.parse("KTAP version 1\n1..1\n    KTAP version 1\n    1..1\n    ok 1 inner\nok 1 outer\n")
    assert [r.name for r in doc.results] == ["outer"]


@pytest.mark.parametrize("text", ["", "hello\nworld\n", "\x00\x01garbage"])
def test_not_ktap(text):
    with pytest.raises(ktap.KtapError):
        ktap.parse(text)


def test_timeout_directive_is_failure():
    assert ktap.parse("1..1\nnot ok 1 x # TIMEOUT 30 seconds\n").results[0].verdict == "fail"


def test_case_list_and_names():
    tests = caselist.parse_list("uts\thostname\tset\t30\t0\t\n"
                                "global\t\tsolo\t120\t1\tcve=CVE-2018-18955;commit=d2f007dbe7e4\n")
    assert [t.name for t in tests] == ["uts.hostname.set", "global.solo"]
    assert tests[1].timeout == 120 and tests[1].xfail
    assert tests[1].meta == {"cve": "CVE-2018-18955", "commit": "d2f007dbe7e4"}


@pytest.mark.parametrize("meta,kind", [
    ({"sides": "both"}, "both"),
    ({"sides": "one: the refusal is the property; nothing exists inside"}, "one"),
    ({"sides": "one:"}, None),       # one side without a reason is not a declaration
    ({"sides": "inside"}, None),
    ({"sides": "none: a test of the harness itself"}, "none"),
    ({"sides": "none"}, None),       # nor is none without one
    ({}, None), (None, None),
    ({"sides": ["both", "one: the test's own reason"]}, "one")])
def test_sides_of(meta, kind):
    assert caselist.sides_of(meta) == kind


def test_counts_table_counts_both_kinds():
    cases = [{"area": "utsns", "verdict": "pass", "meta": {"sides": "both"}},
             {"area": "utsns", "verdict": "skip", "meta": {"sides": "one: errno only"}},
             {"area": "utsns", "verdict": "pass", "meta": {}},
             {"area": "utsns", "verdict": "pass", "meta": {"sides": "none: a harness test"}},
             {"area": "pidns", "verdict": "fail", "meta": {"sides": "both"}}]
    lines = counts.table(cases).splitlines()
    assert lines[0].endswith("| both sides | one side |")
    assert lines[2] == "| pidns | 1 | 1 | 0 | 1 | 0 | 0 | 0 | 0 | 1 | 0 |"
    assert lines[3] == "| utsns | 4 | 4 | 3 | 0 | 1 | 0 | 0 | 0 | 1 | 1 |"
    assert lines[4] == "| **all** | **5** | **5** | 3 | 1 | 1 | 0 | 0 | 0 | 2 | 1 |"


def test_counts_bodies_count_a_test_once_over_its_variants():
    def case(binary, test, verdict="pass"):
        return {"area": "a", "id": f"{binary}::{test}", "verdict": verdict}
    cases = [case("cases/a/x", "fx.v1.t"), case("cases/a/x", "fx.v2.t", "skip"),
             case("cases/a/x", "fx.v1.u"), case("cases/a/x", "global.solo"),
             case("cases/a/y", "fx.v1.t"),          # same names, other binary: another body
             case("cases/a/x", "gx.v1.t")]          # same test name, other fixture
    line = counts.table(cases).splitlines()[2]
    assert line.startswith("| a | 6 | 5 | 5 | 0 | 1 |"), line


@pytest.mark.parametrize("bad", ["only\ttwo\n", "f\tv\tt\tthirty\t0\n"])
def test_case_list_bad_input(bad):
    with pytest.raises(caselist.ListError):
        caselist.parse_list(bad)


def test_results_round_trip(tmp_path):
    results.write_run(tmp_path, {"run_id": "r1", "host": "h"})
    results.write_cases(tmp_path, "r1", [{"id": "cases/a/b::f.t", "verdict": "pass"}])
    run = results.load_run(str(tmp_path))
    assert run["run_id"] == "r1" and run["cases"][0]["verdict"] == "pass"


@pytest.mark.parametrize("content,msg", [
    (None, "no such file"), ("", "empty"), ('{"schema": "kisol-run/1", "ho', "not valid JSON"),
    ('{"schema": "junit"}', "not a kisol results file")])
def test_results_bad_input(tmp_path, content, msg):
    if content is not None:
        (tmp_path / "run.json").write_text(content)
    with pytest.raises(results.ResultsError, match=msg):
        results.load_run(str(tmp_path))


def test_results_malformed_cases(tmp_path):
    results.write_run(tmp_path, {"run_id": "r1"})
    (tmp_path / "cases.json").write_text(json.dumps(
        {"schema": "kisol-cases/1", "cases": [{"id": "x", "verdict": "great"}]}))
    with pytest.raises(results.ResultsError, match="malformed"):
        results.load_run(str(tmp_path))


def test_cgroup_layout(tmp_path):
    mi = tmp_path / "mountinfo"
    v1 = "32 31 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n"
    named = "40 31 0:37 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,name=systemd\n"
    v2 = "41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n"
    for text, want in [(v1 + v2, "hybrid"), (v2 + named, "v2"), (v1, "v1"), ("", "none")]:
        mi.write_text(text)
        assert results.cgroup_layout(str(mi)) == want
