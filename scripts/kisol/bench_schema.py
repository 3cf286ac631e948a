# SPDX-License-Identifier: GPL-2.0-only
"""The kisol-bench/1 record (one line of results/<run-id>/bench.jsonl).

SCHEMA is a JSON Schema (draft 2020-12 subset). validate() checks a record
against it with python3-jsonschema when that is installed, else with the
small validator below, which implements exactly the keywords SCHEMA uses
(type, required, properties, additionalProperties, items, minItems,
maxItems, enum, const, minimum, pattern). On top of the schema it checks
what a schema cannot say: min <= median <= max, p90 <= p99, the CI around
the median, and raw's length.

    /usr/bin/python3 -m kisol.bench_schema FILE...   # exit 0 valid, 2 invalid
"""
import json
import re
import sys

NUM = {"type": "number"}
NONNEG = {"type": "number", "minimum": 0}

SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "kisol-bench/1",
    "title": "kisol benchmark record",
    "type": "object",
    "required": ["schema", "benchmark", "params", "unit", "samples", "min", "median",
                 "mean", "p90", "p99", "max", "stddev", "ci95_median", "floor",
                 "kernel", "host", "cpu_model", "cgroup_layout", "timestamp"],
    "properties": {
        "schema": {"const": "kisol-bench/1"},
        "benchmark": {"type": "string", "pattern": r"^[a-z][a-z0-9_]*(\.[A-Za-z0-9_:+-]+)+$"},
        "params": {"type": "object",
                   "additionalProperties": {"type": ["string", "number", "boolean"]}},
        "unit": {"enum": ["ns", "ops/s"]},
        "better": {"enum": ["lower", "higher"]},
        "samples": {"type": "integer", "minimum": 1},
        "min": NONNEG, "median": NONNEG, "mean": NONNEG, "p90": NONNEG,
        "p99": NONNEG, "max": NONNEG, "stddev": NONNEG,
        "ci95_median": {"type": "array", "items": NONNEG, "minItems": 2, "maxItems": 2},
        "floor": {"type": ["string", "null"], "pattern": r"^floor\.[a-z_]+$"},
        "timing_overhead_ns": NONNEG,
        "kernel": {"type": "string", "pattern": r"^\S+$"},
        "host": {"type": "string"},
        "cpu_model": {"type": "string"},
        "cgroup_layout": {"enum": ["v1", "v2", "hybrid", "none"]},
        "timestamp": {"type": "string",
                      "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$"},
        "raw": {"type": "array", "items": NONNEG},
        # added by the driver
        "run_id": {"type": "string"},
        "repeat": {"type": "integer", "minimum": 0},
        "round": {"type": "integer", "minimum": 0},
        "rounds": {"type": "integer", "minimum": 1},
        "floor_median": {"type": ["number", "null"]},
        "x_floor": {"type": ["number", "null"]},
    },
    "additionalProperties": False,
}

_TYPES = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None)}


def _is(v, t):
    if t == "integer":
        return isinstance(v, int) and not isinstance(v, bool)
    if t == "number":
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    return isinstance(v, _TYPES[t])


def _check(v, s, path, errs):
    t = s.get("type")
    if t is not None:
        ts = t if isinstance(t, list) else [t]
        if not any(_is(v, x) for x in ts):
            errs.append(f"{path}: expected {'/'.join(ts)}, got {type(v).__name__}")
            return
    if "const" in s and v != s["const"]:
        errs.append(f"{path}: must be {s['const']!r}")
    if "enum" in s and v not in s["enum"]:
        errs.append(f"{path}: {v!r} not one of {s['enum']}")
    if "minimum" in s and _is(v, "number") and v < s["minimum"]:
        errs.append(f"{path}: {v} < {s['minimum']}")
    if "pattern" in s and isinstance(v, str) and not re.search(s["pattern"], v):
        errs.append(f"{path}: {v!r} does not match {s['pattern']}")
    if isinstance(v, dict):
        for k in s.get("required", []):
            if k not in v:
                errs.append(f"{path}: missing {k}")
        props = s.get("properties", {})
        extra = s.get("additionalProperties", True)
        for k, x in v.items():
            if k in props:
                _check(x, props[k], f"{path}.{k}", errs)
            elif extra is False:
                errs.append(f"{path}: unexpected field {k}")
            elif isinstance(extra, dict):
                _check(x, extra, f"{path}.{k}", errs)
    if isinstance(v, list):
        if "minItems" in s and len(v) < s["minItems"]:
            errs.append(f"{path}: fewer than {s['minItems']} items")
        if "maxItems" in s and len(v) > s["maxItems"]:
            errs.append(f"{path}: more than {s['maxItems']} items")
        if "items" in s:
            for i, x in enumerate(v):
                _check(x, s["items"], f"{path}[{i}]", errs)


def errors(rec):
    """List of problems with one record (empty when valid)."""
    errs = []
    try:
        import jsonschema  # optional
        v = jsonschema.Draft202012Validator(SCHEMA)
        errs += [f"$.{'.'.join(map(str, e.path))}: {e.message}" for e in v.iter_errors(rec)]
    except ImportError:
        _check(rec, SCHEMA, "$", errs)
    if errs or not isinstance(rec, dict):
        return errs
    eps = 1e-6 * max(1.0, abs(rec["max"]))
    if not rec["min"] - eps <= rec["median"] <= rec["max"] + eps:
        errs.append("$: median outside [min, max]")
    if not rec["min"] - eps <= rec["mean"] <= rec["max"] + eps:
        errs.append("$: mean outside [min, max]")
    if not rec["median"] - eps <= rec["p90"] <= rec["p99"] + eps <= rec["max"] + 2 * eps:
        errs.append("$: percentiles not ordered (median <= p90 <= p99 <= max)")
    lo, hi = rec["ci95_median"]
    if not lo - eps <= rec["median"] <= hi + eps:
        errs.append("$: ci95_median does not contain the median")
    if "raw" in rec and len(rec["raw"]) != rec["samples"]:
        errs.append("$: raw has a different length than samples")
    return errs


def main(argv):
    if not argv:
        print("usage: python3 -m kisol.bench_schema BENCH.jsonl...", file=sys.stderr)
        return 2
    bad = 0
    for path in argv:
        try:
            with open(path) as f:
                lines = f.readlines()
        except OSError as e:
            print(f"{path}: {e.strerror}", file=sys.stderr)
            return 2
        for n, line in enumerate(lines, 1):
            try:
                rec = json.loads(line)
            except ValueError:
                print(f"{path}:{n}: not JSON", file=sys.stderr)
                bad += 1
                continue
            for e in errors(rec):
                print(f"{path}:{n}: {e}", file=sys.stderr)
                bad += 1
    return 2 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
