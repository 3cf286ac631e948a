# SPDX-License-Identifier: GPL-2.0-only
"""Case counts per area from a run directory, as a Markdown table: verdicts,
and how many cases declare that they assert their property from both sides
(inside and outside) or from one side with a reason (sides= metadata).

usage: python3 -m kisol.counts RUN_DIR
"""
import sys

from kisol import results
from kisol.caselist import sides_of

VERDICTS = ("pass", "fail", "skip", "xfail", "xpass", "error")
SIDES = ("both", "one")
COLS = VERDICTS + SIDES


def table(cases):
    areas = {}
    for c in cases:
        a = areas.setdefault(c.get("area", "?"), dict.fromkeys(COLS, 0))
        a[c["verdict"]] += 1
        side = sides_of(c.get("meta"))
        if side:
            a[side] += 1
    total = dict.fromkeys(COLS, 0)
    lines = ["| area | cases | " + " | ".join(VERDICTS) + " | both sides | one side |",
             "|---|---:|" + "---:|" * len(COLS)]
    for name in sorted(areas):
        a = areas[name]
        for v in COLS:
            total[v] += a[v]
        lines.append(f"| {name} | {sum(a[v] for v in VERDICTS)} | " +
                     " | ".join(str(a[v]) for v in COLS) + " |")
    lines.append(f"| **all** | **{sum(total[v] for v in VERDICTS)}** | " +
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
