# SPDX-License-Identifier: GPL-2.0-only
"""The kisol-validate/1 document (`kisol-validate --json`, scripts/FORMATS.md).

SCHEMA is a JSON Schema (draft 2020-12 subset, the keywords the
kisol-bench/1 validator implements). errors() adds what a schema cannot
say: feature ids are unique, every profile's blocking/missing entries name
a feature row, "root" or a CVE of the security section, and a verdict
agrees with its lists.

    /usr/bin/python3 -m kisol.validate_schema FILE...   # exit 0 valid, 2 invalid
"""
import json
import sys

from kisol.bench_schema import _check

_STR = {"type": "string"}
_ISSUE = {
    "type": "object", "required": ["feature", "why", "fix"], "additionalProperties": False,
    "properties": {"feature": _STR, "why": _STR, "fix": {"type": ["string", "null"]}},
}
_PROFILE = {
    "type": "object", "required": ["verdict", "blocking", "missing"], "additionalProperties": False,
    "properties": {
        "verdict": {"enum": ["ready", "degraded", "not-ready"]},
        "blocking": {"type": "array", "items": _ISSUE},
        "missing": {"type": "array", "items": _ISSUE},
    },
}
PROFILES = ("docker", "rootless", "kubernetes", "lxc-unprivileged")

SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "kisol-validate/1",
    "type": "object",
    "required": ["schema", "host", "kernel", "user", "storage", "kernel_config", "seccomp_mode",
                 "features", "profiles", "security"],
    "additionalProperties": False,
    "properties": {
        "schema": {"const": "kisol-validate/1"},
        "host": _STR,
        "kernel": _STR,
        "user": {
            "type": "object", "required": ["name", "uid", "euid", "root", "in_userns"],
            "additionalProperties": False,
            "properties": {"name": _STR, "uid": {"type": "integer", "minimum": 0},
                           "euid": {"type": "integer", "minimum": 0},
                           "root": {"type": "boolean"}, "in_userns": {"type": "boolean"}},
        },
        "storage": {"type": "object", "required": ["path", "fs"], "additionalProperties": False,
                    "properties": {"path": {"type": "string", "pattern": "^/"}, "fs": _STR}},
        "kernel_config": {"type": ["string", "null"]},
        "seccomp_mode": {"type": "integer", "minimum": -1},
        "features": {
            "type": "array", "minItems": 1,
            "items": {
                "type": "object", "additionalProperties": False,
                "required": ["id", "kconfig", "configured", "permitted", "works", "detail"],
                "properties": {
                    "id": {"type": "string", "pattern": r"^[a-z0-9_]+(\.[a-z0-9_]+)?$"},
                    "kconfig": {"type": ["string", "null"]},
                    "configured": {"enum": ["yes", "module", "no", "unknown", "n/a"]},
                    "permitted": {"enum": ["yes", "no", "unknown"]},
                    "works": {"enum": ["yes", "no", "untested"]},
                    "detail": {"type": "string", "pattern": "."},
                },
            },
        },
        "profiles": {"type": "object", "additionalProperties": _PROFILE},
        "security": {
            "type": ["array", "null"],
            "items": {
                "type": "object", "additionalProperties": False,
                "required": ["cve", "commit", "test", "state", "reason"],
                "properties": {
                    "cve": {"type": "string", "pattern": r"^CVE-\d{4}-\d+(,CVE-\d{4}-\d+)*$"},
                    "commit": _STR,
                    "test": {"type": "string", "pattern": r"^[a-z0-9_]+/[a-z0-9_]+::\S+$"},
                    "state": {"enum": ["fixed", "exposed", "not applicable", "undecided"]},
                    "reason": _STR,
                },
            },
        },
    },
}


def errors(doc):
    """List of problems (empty when valid)."""
    errs = []
    _check(doc, SCHEMA, "$", errs)
    if errs:
        return errs
    ids = [f["id"] for f in doc["features"]]
    if len(ids) != len(set(ids)):
        errs.append("$.features: duplicate ids")
    cves = {s["cve"] for s in doc["security"] or []}
    for name, p in doc["profiles"].items():
        if name not in PROFILES:
            errs.append(f"$.profiles: unknown profile {name}")
        for kind in ("blocking", "missing"):
            for i in p[kind]:
                if i["feature"] not in ids and i["feature"] != "root" and i["feature"] not in cves:
                    errs.append(f"$.profiles.{name}.{kind}: {i['feature']} is no feature")
        want = "not-ready" if p["blocking"] else "degraded" if p["missing"] else "ready"
        if p["verdict"] != want:
            errs.append(f"$.profiles.{name}: verdict {p['verdict']} but lists say {want}")
    return errs


def main(argv):
    if not argv:
        print("usage: python3 -m kisol.validate_schema FILE...", file=sys.stderr)
        return 2
    bad = 0
    for path in argv:
        try:
            with open(path) as f:
                doc = json.load(f)
        except (OSError, ValueError) as e:
            print(f"{path}: {e}", file=sys.stderr)
            return 2
        for e in errors(doc):
            print(f"{path}: {e}", file=sys.stderr)
            bad += 1
    return 2 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
