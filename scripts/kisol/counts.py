# SPDX-License-Identifier: GPL-2.0-only
"""Case counts per area from a run directory, as a Markdown table: harness
tests (fixture x variant x test), distinct test bodies (TEST/TEST_F blocks:
one body run in N variants counts once), verdicts, and how many cases
declare that they assert their property from both sides (inside and
outside) or from one side with a reason (sides= metadata).

usage: python3 -m kisol.counts RUN_DIR
"""
import sys

from kisol import results
from kisol.caselist import sides_of

VERDICTS = ("pass", "fail", "skip", "xfail", "xpass", "error")
SIDES = ("both", "one")
COLS = VERDICTS + SIDES


def body_of(case, index):
    """(binary, fixture, test) of a case: the same for every variant of one
    TEST/TEST_F body. Test names read fixture.variant.test or fixture.test
    (C identifiers, so no dots inside a part). Without a name the case
    counts as a body of its own."""
    binary, _, test = case.get("id", "").partition("::")
    test = case.get("test") or test
    parts = test.split(".") if test else []
    if len(parts) < 2:
        return ("?", index)
    return (case.get("binary") or binary, parts[0], parts[-1])


def table(cases):
    areas, bodies = {}, {}
    for i, c in enumerate(cases):
        area = c.get("area", "?")
        a = areas.setdefault(area, dict.fromkeys(COLS, 0))
        a[c["verdict"]] += 1
        bodies.setdefault(area, set()).add(body_of(c, i))
        side = sides_of(c.get("meta"))
        if side in SIDES:
            a[side] += 1
    total = dict.fromkeys(COLS, 0)
    lines = ["| area | cases | bodies | " + " | ".join(VERDICTS) + " | both sides | one side |",
             "|---|---:|---:|" + "---:|" * len(COLS)]
    for name in sorted(areas):
        a = areas[name]
        for v in COLS:
            total[v] += a[v]
        lines.append(f"| {name} | {sum(a[v] for v in VERDICTS)} | {len(bodies[name])} | " +
                     " | ".join(str(a[v]) for v in COLS) + " |")
    lines.append(f"| **all** | **{sum(total[v] for v in VERDICTS)}** | "
                 f"**{sum(len(b) for b in bodies.values())}** | " +
                 " | ".join(str(total[v]) for v in COLS) + " |")
    return "\n".join(lines)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python3 -m kisol.counts RUN_DIR", file=sys.stderr)
        return 2
    try:
        run = results.load_run(argv[0])
    except results.ResultsError as e:
        print(f"counts: {e}", file=sys.stderr)
        return 2
    print(table(run["cases"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
