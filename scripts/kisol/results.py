# SPDX-License-Identifier: GPL-2.0-only
"""The results directory: run.json and cases.json (see README, 'Results')."""
import datetime
import json
import os
import platform
import re
import subprocess

RUN_SCHEMA = "kisol-run/1"
CASES_SCHEMA = "kisol-cases/1"
TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class ResultsError(Exception):
    """A results file a user handed us is missing, corrupt or foreign."""


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


def cgroup_layout(mountinfo="/proc/self/mountinfo"):
    """'v2', 'v1', 'hybrid' or 'none' from the mounted cgroup filesystems."""
    v1 = v2 = False
    try:
        with open(mountinfo) as f:
            for line in f:
                fstype = line.split(" - ", 1)[1].split()[0] if " - " in line else ""
                if fstype == "cgroup2":
                    v2 = True
                elif fstype == "cgroup" and "name=" not in line.split(" - ", 1)[1]:
                    v1 = True
    except OSError:
        return "none"
    if v1 and v2:
        return "hybrid"
    return "v2" if v2 else ("v1" if v1 else "none")


def kisol_commit():
    try:
        out = subprocess.run(["git", "-C", TOP, "rev-parse", "--short=12", "HEAD"],
                             capture_output=True, text=True, timeout=5)
        if out.returncode == 0:
            dirty = subprocess.run(["git", "-C", TOP, "status", "--porcelain", "-uno"],
                                   capture_output=True, text=True, timeout=5).stdout.strip()
            return out.stdout.strip() + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        pass
    return "unknown"


def harness_version():
    try:
        with open(os.path.join(TOP, "build", "include", "kselftest-source.txt")) as f:
            return f.read().strip()
    except OSError:
        return "unknown"


def host_facts():
    u = os.uname()
    return {"host": u.nodename, "kernel": u.release, "cpu_model": cpu_model(),
            "cgroup_layout": cgroup_layout(), "kisol_commit": kisol_commit(),
            "harness": harness_version()}


def make_run_id(host, kernel, when=None, suffix=""):
    when = when or datetime.datetime.now(datetime.timezone.utc)
    safe = lambda s: re.sub(r"[^A-Za-z0-9._-]", "_", s)
    return f"{when.strftime('%Y%m%dT%H%M%SZ')}-{safe(host)}-{safe(kernel)}{suffix}"


def _write_json(path, obj):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f, indent=1, sort_keys=True)
        f.write("\n")
    os.replace(tmp, path)


def write_run(directory, run):
    os.makedirs(directory, exist_ok=True)
    run = dict(run)
    run.setdefault("schema", RUN_SCHEMA)
    _write_json(os.path.join(directory, "run.json"), run)


def write_cases(directory, run_id, cases):
    os.makedirs(directory, exist_ok=True)
    _write_json(os.path.join(directory, "cases.json"),
                {"schema": CASES_SCHEMA, "run_id": run_id, "cases": list(cases)})


def _load_json(path, schema):
    try:
        with open(path) as f:
            text = f.read()
    except FileNotFoundError:
        raise ResultsError(f"{path}: no such file") from None
    except OSError as e:
        raise ResultsError(f"{path}: {e.strerror}") from None
    except UnicodeDecodeError:
        raise ResultsError(f"{path}: not a kisol results file (binary data)") from None
    if not text.strip():
        raise ResultsError(f"{path}: file is empty")
    try:
        obj = json.loads(text)
    except RecursionError:
        raise ResultsError(f"{path}: not valid JSON (nested too deeply)") from None
    except ValueError as e:
        raise ResultsError(f"{path}: not valid JSON (truncated or corrupt): {str(e).splitlines()[0][:200]}") from None
    if not isinstance(obj, dict) or obj.get("schema") != schema:
        raise ResultsError(f"{path}: not a kisol results file (expected schema {schema})")
    return obj


def _case_ok(c):
    return (isinstance(c, dict) and isinstance(c.get("id"), str)
            and c.get("verdict") in ("pass", "fail", "skip", "xfail", "xpass", "error")
            and all(isinstance(c.get(k, ""), str) for k in ("area", "binary", "test", "reason"))
            and isinstance(c.get("meta", {}), dict))


def load_run(directory):
    """run.json plus cases.json (if present) of a run directory, validated."""
    if not os.path.isdir(directory):
        raise ResultsError(f"{directory}: no such run directory")
    run = _load_json(os.path.join(directory, "run.json"), RUN_SCHEMA)
    cases_path = os.path.join(directory, "cases.json")
    run["cases"] = []
    if os.path.exists(cases_path):
        cases = _load_json(cases_path, CASES_SCHEMA).get("cases")
        if not isinstance(cases, list) or not all(_case_ok(c) for c in cases):
            raise ResultsError(f"{cases_path}: malformed case list")
        run["cases"] = cases
    return run
