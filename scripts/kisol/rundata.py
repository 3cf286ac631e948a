# SPDX-License-Identifier: GPL-2.0-only
"""The data model of kisol results, shared by bench, compare, history, the
report and the KCIDB and LAVA exports: the loaders of run.json, cases.json,
bench.jsonl, mutation.json and history exports (a Run), and the keys that
identify a measurement across runs (bench_key, semantic_key with
HARNESS_PARAMS and REPEAT_PARAMS left out).

A leaf: it imports no other kisol module. Turning a name the user typed
(a run id, a stored run, `latest`) into a Run is the command-line layer's
job (kisol.cli), since it needs the history database.

Every problem a user can cause (missing, empty, truncated or foreign file)
raises InputError with a one-line message; the command-line tools print it
and exit 2.
"""

import gzip
import json
import math
import os
import re
import zlib

RUN_SCHEMA = "kisol-run/1"
CASES_SCHEMA = "kisol-cases/1"
BENCH_SCHEMA = "kisol-bench/1"
EXPORT_SCHEMA = "kisol-export/1"

VERDICTS = ("pass", "fail", "skip", "xfail", "xpass", "error")
STATS = ("min", "median", "mean", "p90", "p99", "max")

# Parameters of a record that are harness settings (warm-up, batch, sample
# limits, CPU pinning) or a repetition number, not what is measured: left out
# where runs made with different settings must line up.
HARNESS_PARAMS = {"warmup", "batch", "max_samples", "min_samples", "budget_ms", "cpu",
                  "samples", "raw"}
REPEAT_PARAMS = {"repeat", "rep", "repetition", "iteration"}


class InputError(Exception):
    """A problem with user-supplied input; str() is one line."""


class Run:
    """One run: run facts, case verdicts and benchmark records."""

    def __init__(self, run, cases, bench, source, bench_skips=()):
        self.run = run
        self.cases = cases
        self.bench = bench
        self.source = source
        self.bench_skips = list(bench_skips)   # kisol-bench-skip/1 records
        self.mutation = None                   # mutation.json of `make mutate`, if any

    @property
    def run_id(self):
        return self.run.get("run_id") or os.path.basename(self.source.rstrip("/"))

    def label(self):
        """Short label for table columns: kernel release, else run id."""
        return self.run.get("kernel") or self.run_id

    def export(self):
        out = {"schema": EXPORT_SCHEMA, "run": self.run,
               "cases": self.cases, "bench": self.bench}
        if self.bench_skips:
            out["bench_skips"] = self.bench_skips
        return out


def _read_text(path):
    try:
        with open(path, "rb") as f:
            data = f.read()
        if path.endswith(".gz"):
            data = gzip.decompress(data)
    except (EOFError, gzip.BadGzipFile, zlib.error):
        raise InputError(f"{path}: truncated or corrupt gzip file") from None
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory") from None
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a kisol results file (binary data)") from None
    if not text.strip():
        raise InputError(f"{path}: empty file")
    return text


def _loads(path, text, where):
    """json.loads, with what its non-JSONDecodeError failures mean for the user."""
    try:
        return json.loads(text)
    except RecursionError:
        raise InputError(f"{path}: {where}: JSON nested too deeply") from None
    except json.JSONDecodeError:
        raise
    except ValueError as e:  # e.g. an integer of more than 4300 digits
        raise InputError(f"{path}: {where}: unreadable JSON value ({str(e).split(':')[0]})") from None


def _parse_json(path, text, lineno=None):
    try:
        return _loads(path, text, f"line {lineno}" if lineno else "document")
    except json.JSONDecodeError as e:
        where = f"line {lineno}" if lineno else f"line {e.lineno} column {e.colno}"
        if e.pos >= len(text.rstrip()) - 1 or "Unterminated" in e.msg \
                or "Expecting" in e.msg and e.pos >= len(text.rstrip()) - 2:
            raise InputError(f"{path}: truncated JSON at {where}") from None
        raise InputError(f"{path}: invalid JSON at {where}: {e.msg}") from None


def _expect_schema(path, obj, schema):
    if not isinstance(obj, dict) or obj.get("schema") != schema:
        got = obj.get("schema") if isinstance(obj, dict) else type(obj).__name__
        raise InputError(f"{path}: not a kisol results file "
                         f"(expected schema {schema!r}, found {got!r})")


def _is_number(v):
    """A finite number that fits the history database (SQLite: 64-bit integers)."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return False
    return -2 ** 63 <= v < 2 ** 63 if isinstance(v, int) else math.isfinite(v)


def _check_number(path, where, rec, key, required=True):
    v = rec.get(key)
    if v is None and not required:
        return
    if not _is_number(v):
        raise InputError(f"{path}: {where}: field {key!r} must be a finite number")


# Fields of run.json and of a case that the history database stores in
# columns of their own: text or null (numbers for duration_s).
RUN_TEXT = ("run_id", "host", "kernel", "kisol_commit", "started", "finished", "cgroup_layout",
            "cpu_model")
CASE_TEXT = ("area", "reason", "binary", "test")


def _check_text(path, where, rec, keys):
    for k in keys:
        if rec.get(k) is not None and not isinstance(rec[k], str):
            raise InputError(f"{path}: {where}: field {k!r} must be a string")


def check_run(path, run):
    _check_text(path, "run", run, RUN_TEXT)
    return run


def check_case(path, i, c):
    if not isinstance(c, dict) or not isinstance(c.get("id"), str):
        raise InputError(f"{path}: case {i}: missing string field 'id'")
    if c.get("verdict") not in VERDICTS:
        raise InputError(f"{path}: case {c['id']}: unknown verdict {c.get('verdict')!r}")
    _check_text(path, f"case {c['id']}", c, CASE_TEXT)
    _check_number(path, f"case {c['id']}", c, "duration_s", required=False)
    if not isinstance(c.get("meta", {}), dict):
        raise InputError(f"{path}: case {c['id']}: field 'meta' must be an object")


def load_run_json(path):
    obj = _parse_json(path, _read_text(path))
    _expect_schema(path, obj, RUN_SCHEMA)
    return check_run(path, obj)


def load_cases_json(path):
    obj = _parse_json(path, _read_text(path))
    _expect_schema(path, obj, CASES_SCHEMA)
    cases = obj.get("cases")
    if not isinstance(cases, list):
        raise InputError(f"{path}: field 'cases' must be a list")
    for i, c in enumerate(cases):
        check_case(path, i, c)
    return obj


def check_bench_record(path, where, rec):
    _expect_schema(f"{path}: {where}", rec, BENCH_SCHEMA)
    if not isinstance(rec.get("benchmark"), str) or not rec["benchmark"]:
        raise InputError(f"{path}: {where}: missing field 'benchmark'")
    if not isinstance(rec.get("unit"), str):
        raise InputError(f"{path}: {where}: missing field 'unit'")
    if not isinstance(rec.get("params", {}), dict):
        raise InputError(f"{path}: {where}: field 'params' must be an object")
    _check_number(path, where, rec, "median")
    for k in ("min", "mean", "p90", "p99", "max", "stddev", "samples"):
        _check_number(path, where, rec, k, required=False)
    raw = rec.get("raw")
    if raw is not None:
        if not isinstance(raw, list) or not all(_is_number(x) for x in raw):
            raise InputError(f"{path}: {where}: field 'raw' must be a list of finite numbers")


def load_bench_jsonl(path, skips=None):
    """kisol-bench/1 records of a JSON-lines file; kisol-bench-skip/1 lines
    go to skips (a list) if given, other kisol-bench-* lines are ignored."""
    text = _read_text(path)
    records = []
    lines = text.split("\n")
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rec = _loads(path, line, f"line {n}")
        except json.JSONDecodeError as e:
            last = all(not x.strip() for x in lines[n:])
            kind = "truncated record" if last else f"invalid JSON ({e.msg})"
            raise InputError(f"{path}: line {n}: {kind}") from None
        schema = rec.get("schema") if isinstance(rec, dict) else None
        if isinstance(schema, str) and schema.startswith("kisol-bench-"):
            if schema == "kisol-bench-skip/1" and skips is not None:
                skips.append(rec)
            continue
        check_bench_record(path, f"line {n}", rec)
        records.append(rec)
    if not records and not (skips is not None and skips):
        raise InputError(f"{path}: no kisol-bench/1 records")
    return records


def load_export(path, obj=None):
    if obj is None:
        obj = _parse_json(path, _read_text(path))
    _expect_schema(path, obj, EXPORT_SCHEMA)
    run = obj.get("run")
    if not isinstance(run, dict):
        raise InputError(f"{path}: export without a 'run' object")
    check_run(path, run)
    cases = obj.get("cases") or []
    bench = obj.get("bench") or []
    if not isinstance(cases, list) or not isinstance(bench, list):
        raise InputError(f"{path}: 'cases' and 'bench' must be lists")
    for i, c in enumerate(cases):
        check_case(path, i, c)
    for i, rec in enumerate(bench):
        check_bench_record(path, f"bench record {i}", rec)
    skips = obj.get("bench_skips") or []
    if not isinstance(skips, list) or not all(isinstance(s, dict) for s in skips):
        raise InputError(f"{path}: 'bench_skips' must be a list of objects")
    return Run(run, cases, bench, path, skips)


def synth_run(source, bench=(), run_id=None):
    """run.json stand-in when only cases.json or bench.jsonl exist."""
    first = bench[0] if bench else {}
    src = os.path.normpath(source)
    if re.match(r"(bench|cases)\.jsonl?(\.gz)?$", os.path.basename(src)):
        src = os.path.dirname(os.path.abspath(src))
    rid = run_id or first.get("run_id") or re.sub(r"\.jsonl?(\.gz)?$", "", os.path.basename(src))
    run = {"schema": RUN_SCHEMA, "run_id": rid, "host": first.get("host"),
           "kernel": first.get("kernel"), "cpu_model": first.get("cpu_model"),
           "cgroup_layout": first.get("cgroup_layout"),
           "started": first.get("timestamp"), "finished": None,
           "kisol_commit": None, "vm": False, "complete": None}
    return check_run(f"{source}: first bench record", run)


MUTATION_SCHEMA = "kisol-mutation/1"


def load_mutation_json(path):
    obj = _parse_json(path, _read_text(path))
    _expect_schema(path, obj, MUTATION_SCHEMA)
    if not isinstance(obj.get("cases"), list) or not isinstance(obj.get("summary"), dict):
        raise InputError(f"{path}: mutation results without cases or summary")
    return obj


def latest_mutation(results_dir, kernel=None):
    """The newest results/*/mutation.json (of this kernel when given), or None."""
    best = None
    try:
        names = os.listdir(results_dir)
    except OSError:
        return None
    for n in names:
        p = os.path.join(results_dir, n, "mutation.json")
        if os.path.exists(p) and (best is None or os.path.getmtime(p) > os.path.getmtime(best)):
            try:
                doc = load_mutation_json(p)
            except InputError:
                continue
            if kernel is None or doc.get("kernel") == kernel:
                best = p
    return load_mutation_json(best) if best else None


def load_dir(path):
    rp, cp, bp, mp = (os.path.join(path, n) for n in ("run.json", "cases.json", "bench.jsonl",
                                                      "mutation.json"))
    if not any(os.path.exists(p) for p in (rp, cp, bp, mp)):
        raise InputError(f"{path}: no kisol results (run.json, cases.json, bench.jsonl, mutation.json)")
    skips = []
    bench = load_bench_jsonl(bp, skips) if os.path.exists(bp) else []
    cases = load_cases_json(cp)["cases"] if os.path.exists(cp) else []
    mut = load_mutation_json(mp) if os.path.exists(mp) else None
    run = load_run_json(rp) if os.path.exists(rp) else synth_run(path, bench)
    if mut and not os.path.exists(rp):
        run.update({k: mut.get(k) for k in ("run_id", "host", "kernel", "kisol_commit",
                                            "started", "finished")})
        check_run(mp, run)
    r = Run(run, cases, bench, path, skips)
    r.mutation = mut
    return r


def load_file(path):
    """A single file: run.json/cases.json (its directory is loaded),
    a bench JSONL file (with run.json/cases.json beside it if present)
    or a history export."""
    text = _read_text(path)
    first = text.lstrip().split("\n", 1)[0]
    if path.endswith((".jsonl", ".jsonl.gz")) or (first.startswith("{") and first.rstrip().endswith("}")
                                   and BENCH_SCHEMA in first):
        skips = []
        bench = load_bench_jsonl(path, skips)
        d = os.path.dirname(path) or "."
        rp, cp = os.path.join(d, "run.json"), os.path.join(d, "cases.json")
        same_dir = os.path.basename(path) == "bench.jsonl"
        cases = load_cases_json(cp)["cases"] if same_dir and os.path.exists(cp) else []
        run = load_run_json(rp) if same_dir and os.path.exists(rp) else synth_run(path, bench)
        return Run(run, cases, bench, path, skips)
    obj = _parse_json(path, text)
    schema = obj.get("schema") if isinstance(obj, dict) else None
    if schema == EXPORT_SCHEMA:
        return load_export(path, obj)
    if schema in (RUN_SCHEMA, CASES_SCHEMA):
        run = load_dir(os.path.dirname(path) or ".")
        return run
    _expect_schema(path, obj, RUN_SCHEMA)  # raises with a clear message


def load_path(spec):
    """Load the run at a directory or file path; None when nothing is there."""
    if not spec:
        raise InputError("empty run name")
    if os.path.isdir(spec):
        return load_dir(spec)
    if os.path.exists(spec):
        return load_file(spec)
    return None


def no_such_run(spec):
    return InputError(f"{spec}: no such results directory, file or stored run")


def params_label(params):
    return ",".join(f"{k}={params[k]}" for k in sorted(params))


def bench_key(rec):
    """Identity of a measurement across runs: benchmark name + parameters."""
    return (rec["benchmark"], json.dumps(rec.get("params") or {}, sort_keys=True))


def semantic_key(rec):
    """benchmark + parameters without repetition and harness settings."""
    return bench_key({"benchmark": rec["benchmark"],
                      "params": {p: v for p, v in (rec.get("params") or {}).items()
                                 if p not in HARNESS_PARAMS and p not in REPEAT_PARAMS}})


def bench_label(rec):
    p = params_label(rec.get("params") or {})
    return f"{rec['benchmark']} [{p}]" if p else rec["benchmark"]


def fmt_ns(v):
    """A duration in nanoseconds in a readable unit."""
    if v is None:
        return "-"
    if v >= 1e9:
        return f"{v / 1e9:.2f} s"
    if v >= 1e6:
        return f"{v / 1e6:.2f} ms"
    if v >= 1e3:
        return f"{v / 1e3:.1f} us"
    return f"{v:.0f} ns" if v >= 100 else f"{v:.1f} ns"


def fmt_val(v, unit):
    """A measured value in its unit (ns scaled to us/ms/s, others to k/M)."""
    if unit == "ns":
        return fmt_ns(v)
    if v >= 1e6:
        return f"{v / 1e6:.2f} M{unit}"
    if v >= 1e3:
        return f"{v / 1e3:.1f} k{unit}"
    return f"{v:.0f} {unit}"


def case_area(case):
    if case.get("area"):
        return case["area"]
    m = re.match(r"cases/([^/]+)/", case.get("id", ""))
    return m.group(1) if m else "?"
