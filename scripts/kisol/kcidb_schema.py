# SPDX-License-Identifier: GPL-2.0-only
"""The KCIDB I/O schema version kisol targets (v4.3), restated from the
KCIDB documentation (kernelci/kcidb-io, schema v04_03) as JSON Schema, and a
small validator for the subset of JSON Schema it uses (no third-party
jsonschema package on the target systems).

Facts taken from the KCIDB documentation:
- top level: object, required "version" {major, minor}; optional arrays
  "checkouts", "builds", "tests", "issues", "incidents"; nothing else.
- every object id is "<origin>:<anything>", origin matching [a-z0-9_]+.
- checkout: required id, origin; build: required id, origin, checkout_id;
  test: required id, origin, build_id. No additional properties; no nulls.
- test status one of FAIL ERROR MISS PASS DONE SKIP (priority order);
  "waived" marks a status to be ignored; "path" is dot-separated
  [.a-zA-Z0-9_-]*; log_excerpt at most 16384 characters.
- build architecture matches [a-z0-9_]*; git_commit_hash is 40 hex digits;
  git_repository_url is https:// or git://; times are RFC 3339 date-time.
"""

import re

MAJOR, MINOR = 4, 3
ORIGIN = "[a-z0-9_]+"
ORIGIN_ID = f"^{ORIGIN}:.*$"

_ts = {"type": "string", "format": "date-time"}
_uri = {"type": "string", "format": "uri"}
_id = {"type": "string", "pattern": ORIGIN_ID}
_origin = {"type": "string", "pattern": f"^{ORIGIN}$"}
_excerpt = {"type": "string", "maxLength": 16384}
_misc = {"type": "object"}
_resources = {"type": "array", "items": {"$ref": "#/$defs/resource"}}

SCHEMA = {
    "title": "KCIDB I/O data, schema v4.3 (as targeted by kisol)",
    "type": "object",
    "$defs": {
        "resource": {
            "type": "object",
            "properties": {"name": {"type": "string", "pattern": "^[^/]+$"}, "url": _uri},
            "required": ["name", "url"],
            "additionalProperties": False,
        },
        "status": {"type": "string", "enum": ["FAIL", "ERROR", "MISS", "PASS", "DONE", "SKIP"]},
        "checkout": {
            "type": "object",
            "properties": {
                "_timestamp": _ts, "id": _id, "origin": _origin,
                "tree_name": {"type": "string"},
                "git_repository_url": {"type": "string", "format": "uri",
                                       "pattern": "^(https|git)://.*$"},
                "git_commit_hash": {"type": "string", "pattern": "^[0-9a-f]{40}$"},
                "git_commit_name": {"type": "string"},
                "git_repository_branch": {"type": "string"},
                "patchset_files": _resources,
                "patchset_hash": {"type": "string", "pattern": "^$|^[0-9a-f]{64}$"},
                "message_id": {"type": "string", "format": "email"},
                "comment": {"type": "string"},
                "start_time": _ts,
                "contacts": {"type": "array", "items": {"type": "string"}},
                "log_url": _uri, "log_excerpt": _excerpt,
                "valid": {"type": "boolean"},
                "misc": _misc,
            },
            "required": ["id", "origin"],
            "additionalProperties": False,
        },
        "build": {
            "type": "object",
            "properties": {
                "_timestamp": _ts, "checkout_id": _id, "id": _id, "origin": _origin,
                "comment": {"type": "string"}, "start_time": _ts,
                "duration": {"type": "number"},
                "architecture": {"type": "string", "pattern": "^[a-z0-9_]*$"},
                "command": {"type": "string"}, "compiler": {"type": "string"},
                "input_files": _resources, "output_files": _resources,
                "config_name": {"type": "string"}, "config_url": _uri,
                "log_url": _uri, "log_excerpt": _excerpt,
                "valid": {"type": "boolean"}, "misc": _misc,
            },
            "required": ["checkout_id", "id", "origin"],
            "additionalProperties": False,
        },
        "test": {
            "type": "object",
            "properties": {
                "_timestamp": _ts, "build_id": _id, "id": _id, "origin": _origin,
                "environment": {
                    "type": "object",
                    "properties": {"comment": {"type": "string"}, "misc": _misc},
                    "additionalProperties": False,
                },
                "path": {"type": "string", "pattern": "^[.a-zA-Z0-9_-]*$"},
                "comment": {"type": "string"},
                "log_url": _uri, "log_excerpt": _excerpt,
                "status": {"$ref": "#/$defs/status"},
                "waived": {"type": "boolean"},
                "start_time": _ts,
                "duration": {"type": "number"},
                "output_files": _resources,
                "misc": _misc,
            },
            "required": ["build_id", "id", "origin"],
            "additionalProperties": False,
        },
        "issue": {
            "type": "object",
            "properties": {
                "_timestamp": _ts, "id": _id, "origin": _origin,
                "version": {"type": "integer", "minimum": 0},
                "report_url": _uri, "report_subject": {"type": "string"},
                "culprit": {"type": "object",
                            "properties": {"code": {"type": "boolean"},
                                           "tool": {"type": "boolean"},
                                           "harness": {"type": "boolean"}},
                            "additionalProperties": False},
                "build_valid": {"type": "boolean"},
                "test_status": {"$ref": "#/$defs/status"},
                "comment": {"type": "string"}, "misc": _misc,
            },
            "required": ["id", "version", "origin"],
            "additionalProperties": False,
        },
        "incident": {
            "type": "object",
            "properties": {
                "_timestamp": _ts, "id": _id, "origin": _origin,
                "issue_id": _id, "issue_version": {"type": "integer", "minimum": 0},
                "build_id": _id, "test_id": _id, "present": {"type": "boolean"},
                "comment": {"type": "string"}, "misc": _misc,
            },
            "required": ["id", "origin", "issue_id", "issue_version"],
            "additionalProperties": False,
        },
    },
    "properties": {
        "version": {
            "type": "object",
            "properties": {"major": {"type": "integer", "const": MAJOR},
                           "minor": {"type": "integer", "minimum": 0, "maximum": MINOR}},
            "required": ["major"],
            "additionalProperties": False,
        },
        "checkouts": {"type": "array", "items": {"$ref": "#/$defs/checkout"}},
        "builds": {"type": "array", "items": {"$ref": "#/$defs/build"}},
        "tests": {"type": "array", "items": {"$ref": "#/$defs/test"}},
        "issues": {"type": "array", "items": {"$ref": "#/$defs/issue"}},
        "incidents": {"type": "array", "items": {"$ref": "#/$defs/incident"}},
    },
    "required": ["version"],
    "additionalProperties": False,
}

_DATE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$", re.I)
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_FORMATS = {"date-time": _DATE_TIME, "uri": _URI, "email": _EMAIL}
_TYPES = {"object": dict, "array": list, "string": str, "boolean": bool}


def _type_ok(v, t):
    if t == "integer":
        return isinstance(v, int) and not isinstance(v, bool)
    if t == "number":
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    return isinstance(v, _TYPES[t])


def _resolve(root, ref):
    if not ref.startswith("#/"):
        raise ValueError(f"unsupported $ref {ref}")
    node = root
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def validate(doc, schema=SCHEMA):
    """List of 'path: problem' strings; empty when doc is valid."""
    errors = []
    _check(doc, schema, schema, "$", errors)
    return errors


def _check(v, s, root, path, errors):
    if "$ref" in s:
        _check(v, _resolve(root, s["$ref"]), root, path, errors)
    if v is None:
        errors.append(f"{path}: null is not allowed")
        return
    t = s.get("type")
    if t and not _type_ok(v, t):
        errors.append(f"{path}: expected {t}, got {type(v).__name__}")
        return
    if "const" in s and v != s["const"]:
        errors.append(f"{path}: must be {s['const']!r}")
    if "enum" in s and v not in s["enum"]:
        errors.append(f"{path}: {v!r} not one of {s['enum']}")
    if isinstance(v, str):
        if "pattern" in s and not re.search(s["pattern"], v):
            errors.append(f"{path}: {v[:60]!r} does not match {s['pattern']}")
        if "maxLength" in s and len(v) > s["maxLength"]:
            errors.append(f"{path}: longer than {s['maxLength']}")
        fmt = _FORMATS.get(s.get("format"))
        if fmt and not fmt.match(v):
            errors.append(f"{path}: {v[:60]!r} is not a valid {s['format']}")
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        if "minimum" in s and v < s["minimum"]:
            errors.append(f"{path}: below minimum {s['minimum']}")
        if "maximum" in s and v > s["maximum"]:
            errors.append(f"{path}: above maximum {s['maximum']}")
    if isinstance(v, dict):
        props = s.get("properties", {})
        for r in s.get("required", []):
            if r not in v:
                errors.append(f"{path}: missing required property {r!r}")
        for k, val in v.items():
            if k in props:
                _check(val, props[k], root, f"{path}.{k}", errors)
            elif s.get("additionalProperties") is False:
                errors.append(f"{path}: unexpected property {k!r}")
    if isinstance(v, list) and "items" in s:
        for i, item in enumerate(v):
            _check(item, s["items"], root, f"{path}[{i}]", errors)
