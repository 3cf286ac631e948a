# SPDX-License-Identifier: GPL-2.0-only
"""The tests inside a case binary, from its --kisol-list output."""
import subprocess
from dataclasses import dataclass, field


class ListError(Exception):
    pass


@dataclass
class CaseTest:
    fixture: str
    variant: str
    test: str
    timeout: int = 30
    xfail: bool = False
    meta: dict = field(default_factory=dict)

    @property
    def name(self):
        """The harness's own name: fixture[.variant].test (what -r takes)."""
        v = f".{self.variant}" if self.variant else ""
        return f"{self.fixture}{v}.{self.test}"


LIST_KEYS = ("mutant_immune",)


def parse_meta(text):
    meta = {}
    for part in text.split(";"):
        part = part.strip()
        if not part:
            continue
        k, sep, v = part.partition("=")
        k, v = k.strip(), (v.strip() if sep else True)
        # mutant_immune repeats (one per mutation): all are kept, in a
        # list; for any other key the later one (the test's own) wins
        if k in LIST_KEYS:
            meta[k] = meta.get(k, []) + [v]
        else:
            meta[k] = v
    return meta


def sides_of(meta):
    """Which sides of its property a case asserts, from its sides= metadata:
    "both" (inside and outside), "one" (one side, with the reason given
    after "one:"), "none" (no isolation property: a test of kisol itself,
    with the reason after "none:"), or None when it declares none of them."""
    v = (meta or {}).get("sides", "")
    if isinstance(v, list):  # a test's own declaration follows its fixture's
        v = v[-1] if v else ""
    v = str(v).strip()
    if v == "both":
        return "both"
    for kind in ("one", "none"):
        if v.startswith(kind + ":") and v[len(kind) + 1:].strip():
            return kind
    return None


def parse_list(text):
    tests = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        cols = line.split("\t")
        if len(cols) < 5:
            raise ListError(f"line {n}: expected 5 or 6 tab-separated fields, got {len(cols)}")
        try:
            timeout, xfail = int(cols[3]), cols[4] == "1"
        except ValueError:
            raise ListError(f"line {n}: bad timeout '{cols[3]}'") from None
        tests.append(CaseTest(cols[0], cols[1], cols[2], timeout, xfail,
                              parse_meta(cols[5]) if len(cols) > 5 else {}))
    return tests


def list_binary(path, timeout=20):
    try:
        p = subprocess.run([path, "--kisol-list"], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise ListError(f"{path} --kisol-list timed out") from None
    except OSError as e:
        raise ListError(f"{path}: {e.strerror}") from None
    if p.returncode != 0:
        raise ListError(f"{path} --kisol-list exited {p.returncode}: {p.stderr.strip()[:200]}")
    return parse_list(p.stdout)
