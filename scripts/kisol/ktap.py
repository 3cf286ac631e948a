# SPDX-License-Identifier: GPL-2.0-only
"""Parse KTAP / TAP 13 as printed by the kselftest harness.

Only top-level result lines count; lines indented or prefixed with '#'
are diagnostics of the result that follows them (the harness prints a
test's log before its result line).
"""
import re
from dataclasses import dataclass, field

VERDICTS = ("pass", "fail", "skip", "xfail", "xpass", "error")

# Test numbers and plans of up to 18 digits: a longer run of digits is not
# a result or plan line (int() would refuse one of more than 4300 digits).
_RESULT = re.compile(r"^(?P<ok>ok|not ok)\s+(?P<num>\d{1,18})(?!\d)(?:\s+-)?\s*(?P<rest>.*)$")
_DIRECTIVE = re.compile(r"^(?P<d>SKIP|XFAIL|XPASS|TODO|TIMEOUT)\b\s*(?P<reason>.*)$", re.IGNORECASE)
_PLAN = re.compile(r"^1\.\.(?P<n>\d{1,18})(?!\d)")
_VERSION = re.compile(r"^(?:TAP|KTAP) version (?P<v>\d+)")


class KtapError(ValueError):
    """Input that is not KTAP at all."""


@dataclass
class KtapResult:
    num: int
    ok: bool
    name: str
    directive: str | None = None
    reason: str = ""
    diagnostics: list = field(default_factory=list)

    @property
    def verdict(self):
        d = (self.directive or "").upper()
        if d == "SKIP":
            return "skip"
        if d == "XFAIL":
            return "xfail"
        if d == "XPASS":
            return "xpass"
        if d == "TIMEOUT":
            return "fail"
        return "pass" if self.ok else "fail"


@dataclass
class KtapDoc:
    version: int | None = None
    plan: int | None = None
    results: list = field(default_factory=list)
    trailing: list = field(default_factory=list)  # diagnostics after the last result

    @property
    def complete(self):
        return self.plan is not None and len(self.results) == self.plan


def parse(text):
    """Parse one KTAP document; returns a KtapDoc (results in order)."""
    if not isinstance(text, str):
        raise KtapError("KTAP input must be text")
    doc = KtapDoc()
    pending = []
    for raw in text.splitlines():
        line = raw.rstrip("\r")
        if not line:
            continue
        if line[0] in " \t#":
            pending.append(line.lstrip(" \t"))
            continue
        m = _VERSION.match(line)
        if m:
            if doc.version is None:
                doc.version = int(m.group("v"))
            continue
        m = _PLAN.match(line)
        if m:
            if doc.plan is None:
                doc.plan = int(m.group("n"))
            continue
        m = _RESULT.match(line)
        if m:
            name, _, comment = m.group("rest").partition("#")
            d = _DIRECTIVE.match(comment.strip())
            r = KtapResult(num=int(m.group("num")), ok=m.group("ok") == "ok",
                           name=name.strip(),
                           directive=d.group("d").upper() if d else None,
                           reason=(d.group("reason") if d else comment).strip(),
                           diagnostics=pending)
            doc.results.append(r)
            pending = []
            continue
        pending.append(line)
    doc.trailing = pending
    if doc.version is None and doc.plan is None and not doc.results:
        raise KtapError("no KTAP version, plan or result line found")
    return doc
