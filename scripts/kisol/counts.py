# SPDX-License-Identifier: GPL-2.0-only
"""Case counts per area from a run directory, as a Markdown table.

usage: python3 -m kisol.counts RUN_DIR
"""
import sys

from kisol import results

VERDICTS = ("pass", "fail", "skip", "xfail", "xpass", "error")


def table(cases):
    areas = {}
    for c in cases:
        a = areas.setdefault(c.get("area", "?"), dict.fromkeys(VERDICTS, 0))
        a[c["verdict"]] += 1
    total = dict.fromkeys(VERDICTS, 0)
    lines = ["| area | cases | " + " | ".join(VERDICTS) + " |",
             "|---|---:|" + "---:|" * len(VERDICTS)]
    for name in sorted(areas):
        a = areas[name]
        for v in VERDICTS:
            total[v] += a[v]
        lines.append(f"| {name} | {sum(a.values())} | " + " | ".join(str(a[v]) for v in VERDICTS) + " |")
    lines.append(f"| **all** | **{sum(total.values())}** | " +
                 " | ".join(str(total[v]) for v in VERDICTS) + " |")
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
