# SPDX-License-Identifier: GPL-2.0-only
"""pytest plugin: every harness test of every built case binary is an item.

Item ids read cases/<area>/<binary>::<fixture[.variant].test>. Each item
runs `<binary> -r <name>` in a sandbox (own cgroup, own mount namespace,
see kisol.sandbox) and maps the KTAP verdict to a pytest outcome:
pass -> passed, fail -> failed (harness output shown), skip -> skipped
(reason shown), xfail -> xfailed, xpass -> failed (an XFAIL_ADD that
passes means the expectation is stale). The controller snapshots the host
before and after the session and fails the run on any difference.

The binaries are those of the build flavour (kisol.paths, KISOL_FLAVOUR):
with the sanitized build (`make check SANITIZE=1`) an item keeps its id
but runs build/san/cases/<area>/<binary>, a sanitizer report anywhere in
its output fails it whatever the harness said, and of the driver tests
only those marked kisol_build run (the others test the driver and the
plain tools, which do not change with the flavour).
"""
import os
import shutil
from pathlib import Path

import pytest

from kisol import caselist, hoststate, ktap, paths, results, sandbox

TIMEOUT_MARGIN = 15


def pytest_addoption(parser):
    g = parser.getgroup("kisol", "kisol case driver")
    g.addoption("--kisol-results", metavar="DIR",
                help="write run.json and cases.json of this run into DIR")
    g.addoption("--kisol-no-leak-check", action="store_true",
                help="do not compare host state before and after (for debugging only)")


def _is_worker(config):
    return hasattr(config, "workerinput")


def pytest_configure(config):
    config.addinivalue_line("markers", "kisol_case: a harness test of a case binary")
    config.addinivalue_line("markers", "kisol_build: a driver test that runs the binaries of the "
                            "build flavour (also run by make check-driver SANITIZE=1)")
    try:
        config._kisol_flavour = paths.flavour()
    except paths.FlavourError as e:
        raise pytest.UsageError(str(e)) from None
    if config._kisol_flavour == "san":
        # a stack with every UBSan report; the defaults otherwise (ASan and
        # UBSan end the process with status 1, LeakSanitizer with 23)
        os.environ.setdefault("UBSAN_OPTIONS", "print_stacktrace=1")
    if _is_worker(config):
        return
    facts = results.host_facts()
    out = config.getoption("--kisol-results")
    # A results directory names its run; otherwise a time-host-kernel id.
    run_id = (os.path.basename(os.path.normpath(out)) if out else
              results.make_run_id(facts["host"], facts["kernel"]))
    # The host-side names (cgroup dirs, scratch) also carry the driver's pid,
    # so that concurrent runs stay apart and a dead run's leftovers are known.
    tag = f"{run_id}-p{os.getpid()}"
    config._kisol = {"run_id": run_id, "tag": tag, "facts": facts,
                     "started": results.now_iso(), "cases": [], "leaks": []}
    stale = sandbox.remove_stale_runs() + hoststate.remove_stale_scratch()
    if stale:
        config._kisol["stale"] = stale
    if not config.getoption("--kisol-no-leak-check"):
        config._kisol["before"] = hoststate.snapshot()
    scratch = f"/var/tmp/kisol-{tag}"
    os.makedirs(scratch, exist_ok=True)
    os.environ["KISOL_RUN_ID"] = tag
    os.environ["KISOL_SCRATCH"] = scratch
    # The run's cgroup directories exist before workers start; workers
    # inherit the environment.
    sb = sandbox.Sandbox(tag, f"main-{os.getpid()}")
    config._kisol_sandbox = sb
    if sb.v2_base:
        os.environ["KISOL_CG_V2_BASE"] = sb.v2_base


def _sandbox(config):
    sb = getattr(config, "_kisol_sandbox", None)
    if sb is None:
        name = os.environ.get("PYTEST_XDIST_WORKER", "w") + f"-{os.getpid()}"
        sb = sandbox.Sandbox(os.environ["KISOL_RUN_ID"], name)
        config._kisol_sandbox = sb
    return sb


def pytest_unconfigure(config):
    sb = getattr(config, "_kisol_sandbox", None)
    if sb is not None and _is_worker(config):
        sb.close()


def _case_file(path, top):
    """cases/<area>/<name>.c, or its plain binary cases/<area>/<name>?"""
    try:
        rel = path.relative_to(top / "cases")
    except ValueError:
        return False
    return len(rel.parts) == 2 and (path.suffix == ".c" or
                                    (not path.suffix and path.with_suffix(".c").exists()))


def _named(config, path):
    """Was path given on the command line (alone or as path::test)?"""
    here = config.invocation_params.dir
    return any((here / a.split("::")[0]).resolve() == path.resolve() for a in config.args)


def pytest_collect_file(file_path, parent):
    """One collector per case source, named as its plain binary
    (cases/<area>/<name>), running the binary of the build flavour. A
    directory's sources are collected; a plain binary only when named on
    the command line (`pytest cases/utsns/hostname::uts.x`)."""
    config = parent.config
    top = config.rootpath
    if not _case_file(file_path, top):
        return None
    if file_path.suffix != ".c" and not _named(config, file_path):
        return None
    exe = Path(paths.case_binary(top, file_path.parent.name, file_path.stem,
                                 {paths.ENV: config._kisol_flavour}))
    node = file_path.with_suffix("")
    if os.access(exe, os.X_OK):
        col = CaseBinary.from_parent(parent, path=node)
        col.exe = exe
        return col
    return MissingBinary.from_parent(parent, path=node)


class MissingBinary(pytest.File):
    def collect(self):
        how = "make SANITIZE=1" if self.config._kisol_flavour == "san" else "make"
        raise CollectError(f"{self.path} is not built ({how} builds it): run `{how}` first")


class CollectError(Exception):
    pass


class CaseBinary(pytest.File):
    def collect(self):
        try:
            tests = caselist.list_binary(str(self.exe))
        except caselist.ListError as e:
            raise CollectError(str(e)) from None
        for t in tests:
            yield CaseItem.from_parent(self, name=t.name, spec=t, exe=self.exe)

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, CollectError):
            return str(excinfo.value)
        return super().repr_failure(excinfo)


class CaseFailure(Exception):
    pass


def _relbin(item):
    return str(Path(item.path).relative_to(item.config.rootpath))


class CaseItem(pytest.Item):
    def __init__(self, *, spec, exe, **kw):
        super().__init__(**kw)
        self.spec = spec
        self.exe = exe
        self.add_marker(pytest.mark.kisol_case)
        self.area = self.path.parent.name

    def _record(self, verdict, reason="", output="", duration=0.0):
        rec = {"id": self.nodeid, "area": self.area, "binary": _relbin(self),
               "test": self.spec.name, "verdict": verdict, "reason": reason,
               "duration_s": round(duration, 6), "meta": self.spec.meta}
        if verdict in ("fail", "error", "xpass"):
            rec["output"] = output[-20000:]
        self.user_properties.append(("kisol", rec))

    def runtest(self):
        sb = _sandbox(self.config)
        env = dict(os.environ)
        argv = [str(self.exe), "-r", self.spec.name]
        rc, out, secs = sb.run(argv, env, self.spec.timeout + TIMEOUT_MARGIN)
        san = paths.sanitizer_report(out) if self.config._kisol_flavour == "san" else ""
        if san:
            # the harness may have printed ok before the report (a leak at
            # exit, an error in a child whose status nobody checks)
            self._record("fail", f"sanitizer: {san}", out, secs)
            raise CaseFailure(f"sanitizer report (exit status {rc}): {san}\n{out}")
        if rc is None:
            self._record("error", f"killed after {self.spec.timeout + TIMEOUT_MARGIN}s", out, secs)
            raise CaseFailure(f"timed out after {self.spec.timeout + TIMEOUT_MARGIN}s; "
                              f"cgroup killed\n{out}")
        try:
            doc = ktap.parse(out)
        except ktap.KtapError as e:
            self._record("error", str(e), out, secs)
            raise CaseFailure(f"exit status {rc}, {e}\n{out}") from None
        res = [r for r in doc.results if r.name == self.spec.name]
        if len(res) != 1:
            self._record("error", f"no result line (exit status {rc})", out, secs)
            raise CaseFailure(f"no KTAP result for {self.spec.name} (exit status {rc})\n{out}")
        r = res[0]
        v = r.verdict
        if v in ("xfail", "xpass") and r.reason in ("", "unknown"):
            # XFAIL_ADD carries no reason; KISOL_META(..., "xfail=why") does
            r.reason = str(self.spec.meta.get("xfail", "marked XFAIL_ADD (no reason given)"))
        self._record(v, r.reason if v in ("skip", "xfail") else _first_fail(r), out, secs)
        if v == "pass":
            return
        if v == "skip":
            # reported at the case's location, not at this line
            raise pytest.skip.Exception(r.reason or "skipped without a reason",
                                        _use_item_location=True)
        if v == "xfail":
            pytest.xfail(r.reason or "expected failure")
        if v == "xpass":
            raise CaseFailure(f"XPASS: marked XFAIL_ADD but passed\n{out}")
        raise CaseFailure(out)

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, CaseFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        # an empty domain keeps pytest from rewriting the dots of the name
        return self.path, 0, ""


def pytest_collection_modifyitems(session, config, items):
    """The sanitized build: the driver tests not marked kisol_build do not
    run (they test the Python driver and the plain tools, which the plain
    `make check-driver` runs; nothing in them changes with the flavour)."""
    if config._kisol_flavour != "san":
        return
    keep, drop = [], []
    for it in items:
        plain_only = not isinstance(it, CaseItem) and it.get_closest_marker("kisol_build") is None
        (drop if plain_only else keep).append(it)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def _first_fail(r):
    for d in r.diagnostics:
        s = d.lstrip("# ").strip()
        if ":" in s and ("Expected" in s or "ASSERT" in s or "EXPECT" in s or "Test" in s):
            return s[:300]
    return ""


def pytest_runtest_logreport(report):
    config = _CONFIG.get("config")
    if config is None or _is_worker(config):
        return
    for k, v in report.user_properties:
        if k == "kisol" and (report.when == "call" or (report.when == "setup" and report.skipped)):
            config._kisol["cases"].append(v)


_CONFIG = {}


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session):
    _CONFIG["config"] = session.config


def _run_leftovers(run_id):
    """Directories below this run's cgroup dirs that are not the driver's."""
    leaks = []
    for d in sandbox.run_dirs(run_id):
        if not os.path.isdir(d):
            continue
        for r, ds, _ in os.walk(d):
            for n in ds:
                p = os.path.join(r, n)
                rel = os.path.relpath(p, d)
                if rel in ("sandbox", "cg") or rel.startswith("sandbox/"):
                    continue
                leaks.append(f"cgroups: + {p}")
            if r != d:
                ds[:] = []  # report top-most leftovers only
    return leaks


def _cleanup_run(config):
    k = config._kisol
    run_id = k["tag"]
    leaks = _run_leftovers(run_id)
    scratch = os.environ.get("KISOL_SCRATCH", "")
    if scratch and os.path.isdir(scratch):
        left = sorted(os.listdir(scratch))
        leaks += [f"scratch: + {scratch}/{n}" for n in left]
        shutil.rmtree(scratch, onerror=lambda f, path, e: leaks.append(
            f"scratch: cannot remove {path}: {e[1]}"))
    config._kisol_sandbox.close()
    for d, key in sandbox.run_dirs(run_id).items():
        for l in sandbox.remove_tree(d, key == "v2"):
            leaks.append(f"cgroups: cannot remove {l}")
    return leaks


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    config = session.config
    if _is_worker(config) or not hasattr(config, "_kisol"):
        return
    k = config._kisol
    leaks = _cleanup_run(config)
    if "before" in k:
        leaks += hoststate.diff(k["before"], hoststate.snapshot())
    k["leaks"] = leaks
    if leaks and session.exitstatus == 0:
        session.exitstatus = 1
    out = config.getoption("--kisol-results")
    if out:
        run = dict(k["facts"], run_id=k["run_id"], started=k["started"],
                   finished=results.now_iso(), vm=False, vm_accel=None,
                   complete=exitstatus in (0, 1), leaks=leaks)
        results.write_run(out, run)
        results.write_cases(out, k["run_id"], sorted(k["cases"], key=lambda c: c["id"]))


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    k = getattr(config, "_kisol", None)
    if not k:
        return
    tr = terminalreporter
    if config._kisol_flavour == "san":
        tr.section("kisol build flavour")
        tr.write_line("sanitized (ASan+UBSan, build/san/cases): a sanitizer report fails its case; "
                      "driver tests not marked kisol_build are deselected (independent of the "
                      "build flavour: the plain make check-driver runs them)")
    counts = {}
    for c in k["cases"]:
        counts.setdefault(c["area"], {}).setdefault(c["verdict"], 0)
        counts[c["area"]][c["verdict"]] += 1
    if counts:
        tr.section("kisol cases per area")
        for area in sorted(counts):
            tr.write_line(f"{area:16s} " + "  ".join(f"{v}:{n}" for v, n in sorted(counts[area].items())))
    tr.section("kisol host state")
    for l in k.get("stale", []):
        tr.write_line(f"removed before the run, left by a killed kisol run (owner gone): {l}",
                      yellow=True)
    if "before" not in k:
        tr.write_line("leak check DISABLED (--kisol-no-leak-check)")
    elif k["leaks"]:
        tr.write_line("LEAK: the run changed host state:", red=True, bold=True)
        for l in k["leaks"]:
            tr.write_line("  " + l, red=True)
    else:
        tr.write_line("unchanged (mounts, cgroups, links, netns, hostname, SysV IPC, "
                      "mqueue, sysctls, scratch)", green=True)
