# SPDX-License-Identifier: GPL-2.0-only
"""The parsers a user feeds files to, fuzzed with hypothesis: KTAP, a case
binary's --kisol-list, results directories (counts), bench records and
history exports (history import), compare inputs.

Inputs are valid documents taken apart (fields dropped or replaced by any
JSON value, huge numbers, deep nesting), then cut short or sprinkled with
stray bytes. Every command must end in exit status 0 or 1 (the input was
still good) or 2 with exactly one line on stderr, never a traceback; the
library parsers raise only their own error type, with a one-line message.
Deterministic (derandomize=True, no example database) and bounded
(max_examples), so each test takes a second or two. The long version:
KISOL_FUZZ_EXAMPLES=2000 (examples per test, default 50) with this file
alone, e.g. `KISOL_FUZZ_EXAMPLES=2000 make check-driver
PYTEST_ARGS=-k test_fuzz` (still derandomized: raise the count to search
further).
"""
import contextlib
import copy
import io
import json
import os

import pytest

pytest.importorskip("hypothesis", reason="python3-hypothesis missing (scripts/install-deps)")

from hypothesis import HealthCheck, example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.configuration import set_hypothesis_home_dir  # noqa: E402

from kisol import caselist, counts, history, ktap  # noqa: E402

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# hypothesis keeps a cache of Unicode tables: in build/, not in the checkout
set_hypothesis_home_dir(os.path.join(TOP, "build", "hypothesis"))
FUZZ = settings(derandomize=True, max_examples=int(os.environ.get("KISOL_FUZZ_EXAMPLES", "50")),
                deadline=None, database=None, suppress_health_check=list(HealthCheck))

# Values a JSON parser turns into trouble further down: an integer beyond
# Python's 4300-digit conversion limit, nesting beyond the recursion limit,
# numbers sqlite cannot store, non-finite floats.
BIG = "1" + "0" * 5000
DEEP = "[" * 100000 + "]" * 100000
SPECIAL = {"@@big@@": BIG, "@@deep@@": DEEP, "@@huge@@": str(2 ** 70), "@@nan@@": "NaN",
           "@@inf@@": "-Infinity"}

# Text from the first 2048 code points (ASCII, Latin, Arabic-Indic digits,
# control characters): cheap to generate, and enough to upset a parser.
TEXT = st.characters(max_codepoint=0x7ff)


def text(n):
    return st.text(TEXT, max_size=n)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-2 ** 66, 2 ** 66) | st.floats() | text(12)
    | st.sampled_from(sorted(SPECIAL)),
    lambda c: st.lists(c, max_size=3) | st.dictionaries(text(8), c, max_size=3),
    max_leaves=8)

RUN = {"schema": "kisol-run/1", "run_id": "r1", "host": "vm", "kernel": "6.18.44",
       "cpu_model": "x", "cgroup_layout": "hybrid", "kisol_commit": "abc", "harness": "h",
       "started": "2026-12-05T10:00:00+00:00", "finished": "2026-12-05T10:01:00+00:00",
       "vm": False, "vm_accel": None, "complete": True, "leaks": []}
CASES = {"schema": "kisol-cases/1", "run_id": "r1", "cases": [
    {"id": "cases/utsns/isolation::uts.a", "area": "utsns", "binary": "cases/utsns/isolation",
     "test": "uts.a", "verdict": "pass", "reason": "", "duration_s": 0.01,
     "meta": {"sides": "both"}},
    {"id": "cases/pidns/basic::p.b", "area": "pidns", "binary": "cases/pidns/basic",
     "test": "p.b", "verdict": "skip", "reason": "no", "duration_s": 0.02, "meta": {}}]}


def bench_rec(name, base):
    raw = [base + (i % 5) for i in range(24)]
    return {"schema": "kisol-bench/1", "benchmark": name, "params": {"batch": 1, "cpu": -1},
            "unit": "ns", "better": "lower", "samples": len(raw), "min": min(raw),
            "median": base + 2, "mean": base + 2.0, "p90": base + 4, "p99": base + 4,
            "max": max(raw), "stddev": 1.4, "ci95_median": [base + 1, base + 3], "floor": None,
            "kernel": "6.18.44", "host": "vm", "cgroup_layout": "hybrid",
            "timestamp": "2026-12-05T10:00:00Z", "round": 0, "raw": raw}


BENCH = [bench_rec("floor.getppid", 90), bench_rec("setns.uts", 900)]
EXPORT = {"schema": "kisol-export/1", "run": RUN, "cases": CASES["cases"], "bench": BENCH}


@st.composite
def taken_apart(draw, doc):
    """doc with one to three fields dropped or replaced, anywhere in it."""
    doc = copy.deepcopy(doc)
    for _ in range(draw(st.integers(1, 3))):
        node = doc
        while isinstance(node, (dict, list)) and node:
            keys = sorted(node) if isinstance(node, dict) else list(range(len(node)))
            k = draw(st.sampled_from(keys))
            if isinstance(node[k], (dict, list)) and node[k] and draw(st.booleans()):
                node = node[k]
                continue
            if draw(st.integers(0, 3)) == 0:
                del node[k]
            else:
                node[k] = draw(JSON)
            break
    return doc


def dumps(doc):
    text = json.dumps(doc)
    for k, v in SPECIAL.items():
        text = text.replace(json.dumps(k), v)
    return text


@st.composite
def damaged(draw, text):
    """text as bytes, maybe cut short or with a few stray bytes inside."""
    data = text.encode("utf-8", "surrogatepass")
    how = draw(st.sampled_from(["keep", "keep", "cut", "insert"]))
    if how == "cut":
        data = data[:draw(st.integers(0, len(data)))]
    elif how == "insert":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=6)) + data[at:]
    return data


def json_file(doc):
    return taken_apart(doc).map(dumps).flatmap(damaged)


def jsonl_file(recs):
    """JSON lines of one to three records, each whole or taken apart."""
    rec = st.sampled_from(recs).flatmap(lambda r: st.just(r) | taken_apart(r))
    return st.lists(rec, min_size=1, max_size=3).map(
        lambda rs: "\n".join(dumps(r) for r in rs) + "\n").flatmap(damaged)


def cli(main, argv):
    """(exit status, stderr) of a command's main() run in this process: an
    uncaught exception (a traceback for the user) fails the test."""
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        try:
            rc = main(argv)
        except SystemExit as e:
            rc = e.code
    return rc, err.getvalue()


def assert_user_error_contract(rc, err):
    assert rc in (0, 1, 2), (rc, err)
    if rc == 2:
        lines = err.rstrip("\n").split("\n")
        assert len(lines) == 1 and lines[0].strip(), f"want one line on stderr, got:\n{err}"
    assert "Traceback" not in err, err


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)
    return str(path)


# ---- KTAP ----------------------------------------------------------------

KTAP_LINE = st.one_of(
    st.sampled_from(["TAP version 13", "KTAP version 1", "1..2", "1..", "ok", "not ok",
                     "# diag", "  indented", "ok 1 a # SKIP why", "not ok 2 b # XFAIL known",
                     "ok 3 c # xpass", "not ok 4 d # TIMEOUT", "ok 5 - e # TODO", "1..0",
                     "\r", "ok -1 neg"]),
    st.builds(lambda ok, n, name, d: f"{ok} {n} {name}{d}",
              st.sampled_from(["ok", "not ok"]), st.integers(-5, 10 ** 30), text(10),
              st.sampled_from(["", " # SKIP", " # skip x", " # XFAIL", "#", " # XPASS y"])),
    text(20))


@FUZZ
@given(st.lists(KTAP_LINE, max_size=12).map("\n".join))
@example("ok " + "9" * 5000 + " x")
@example("1.." + "9" * 5000)
def test_ktap_parse(text):
    try:
        doc = ktap.parse(text)
    except ktap.KtapError as e:
        assert "\n" not in str(e) and str(e)
        return
    for r in doc.results:
        assert r.verdict in ktap.VERDICTS
        assert isinstance(r.num, int) and isinstance(r.name, str)
    assert doc.complete in (True, False)


# ---- --kisol-list ----------------------------------------------------------

LIST_LINE = st.one_of(
    st.builds(lambda *c: "\t".join(c), text(6), text(6),
              text(6), st.sampled_from(["30", "0", "-1", "x", "9" * 40, "", "1e3"]),
              st.sampled_from(["0", "1", "", "2"]),
              st.sampled_from(["", "sides=both", "sides=one:", "sides", ";;", "a=b;a=c",
                               "mutant_immune=ns.uts: why;mutant_immune=x", "=v", "k="])),
    text(30))


@FUZZ
@given(st.lists(LIST_LINE, max_size=8).map("\n".join))
def test_kisol_list_parse(text):
    try:
        tests = caselist.parse_list(text)
    except caselist.ListError as e:
        assert "\n" not in str(e) and str(e)
        return
    for t in tests:
        assert isinstance(t.timeout, int) and isinstance(t.name, str)
        assert caselist.sides_of(t.meta) in (None, "both", "one", "none")


# ---- results directories (kisol.counts) --------------------------------------

@FUZZ
@given(json_file(RUN), json_file(CASES))
@example(dumps(RUN).encode(), dumps(dict(CASES, cases="@@deep@@")).encode())
@example(dumps(dict(RUN, kernel="@@big@@")).encode(), dumps(CASES).encode())
@example(dumps(RUN).encode(), dumps(dict(CASES, cases=[{"id": 5, "verdict": "pass"}])).encode())
@example(dumps(RUN).encode(), dumps(dict(CASES, cases=[{"id": "a::b", "verdict": "pass",
                                                         "meta": {"sides": []}}])).encode())
def test_counts_of_a_damaged_run(tmp_path, run, cases):
    write(tmp_path / "run.json", run)
    write(tmp_path / "cases.json", cases)
    assert_user_error_contract(*cli(counts.main, [str(tmp_path)]))


# ---- history import: run directories, bench.jsonl, exports -----------------

@FUZZ
@given(json_file(RUN), json_file(CASES), jsonl_file(BENCH))
@example(dumps(dict(RUN, host={"a": 1})).encode(), dumps(CASES).encode(), b"")
@example(dumps(RUN).encode(), dumps(CASES).encode(),
         (dumps(dict(BENCH[0], samples="@@huge@@")) + "\n").encode())
def test_history_import_of_a_damaged_run_dir(tmp_path, run, cases, bench):
    d = tmp_path / "run"
    d.mkdir(exist_ok=True)
    write(d / "run.json", run)
    write(d / "cases.json", cases)
    if bench:
        write(d / "bench.jsonl", bench)
    elif os.path.exists(d / "bench.jsonl"):
        os.unlink(d / "bench.jsonl")
    db = tmp_path / "h.sqlite"
    if db.exists():
        db.unlink()
    assert_user_error_contract(*cli(history.main, ["--db", str(db), "import", str(d)]))


@FUZZ
@given(json_file(EXPORT))
@example(dumps(dict(EXPORT, run=dict(RUN, run_id=["x"]))).encode())
@example(dumps(dict(EXPORT, cases=[{"id": "x", "verdict": "pass", "duration_s": {"a": 1}}])).encode())
def test_history_import_of_a_damaged_export(tmp_path, data):
    path = write(tmp_path / "export.json", data)
    db = tmp_path / "h.sqlite"
    if db.exists():
        db.unlink()
    assert_user_error_contract(*cli(history.main, ["--db", str(db), "import", path]))


# ---- compare ---------------------------------------------------------------

@FUZZ
@given(jsonl_file(BENCH))
@example((dumps(dict(BENCH[0], median=0, raw=[0] * 24)) + "\n").encode())
@example((dumps(dict(BENCH[0], raw=[])) + "\n").encode())
@example((dumps(dict(BENCH[0], median="@@nan@@")) + "\n").encode())
def test_compare_with_a_damaged_run(tmp_path, new):
    pytest.importorskip("scipy", reason="python3-scipy missing (scripts/install-deps --report)")
    from kisol import compare
    base = write(tmp_path / "base.jsonl", ("\n".join(dumps(r) for r in BENCH) + "\n").encode())
    new = write(tmp_path / "new.jsonl", new)
    for argv in ([base, new], [new, base]):
        assert_user_error_contract(*cli(compare.main, ["--db", "/nonexistent/h.sqlite",
                                                       "--no-noise", *argv]))
