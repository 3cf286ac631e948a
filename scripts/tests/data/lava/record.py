#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Make the LAVA fixtures of test_lava.py from a real lava-run log.

    make lava-run KERNEL=6.1 AREA="utsns nsfs" LAVA_BENCH=quick
    scripts/tests/data/lava/record.py build/lava/6.1/lava-run.log 6.1

lava-run-<tag>.log.gz: the log verbatim without its debug-level lines.
results-<tag>.yaml.gz: the job's test cases in the layout a LAVA server
exports them (/results/<job>/yaml; fields of lava_results_app's
export_testcase, measurement as the decimal string the database returns,
metadata = the dispatcher's result record), lines numbered as in the log."""
import gzip
import os
import sys

import yaml


def main(log, tag):
    here = os.path.dirname(os.path.abspath(__file__))
    kept, cases = [], []
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(log) as f:
        for n, line in enumerate(f, 1):
            d = yaml.load(line, Loader=loader) if line.startswith("{") else None
            if not isinstance(d, dict) or d.get("lvl") == "debug":
                continue
            kept.append(line)
            if d.get("lvl") != "results":
                continue
            m = d["msg"]
            meas = m.get("measurement")
            if meas is None and "duration" in m:
                meas = m["duration"]
            cases.append({
                "name": str(m["case"]), "job": "1", "suite": str(m["definition"]),
                "result": str(m["result"]),
                "measurement": "None" if meas is None else f"{float(meas):.10f}",
                "unit": str(m.get("units", "seconds" if "duration" in m and "measurement" not in m else "")),
                "level": m.get("level", ""), "url": f"/results/testcase/{len(cases) + 1}",
                "id": str(len(cases) + 1), "logged": d["dt"].replace("T", " ") + "+00:00",
                "log_start_line": str(n), "log_end_line": str(n), "metadata": m})
    with gzip.open(os.path.join(here, f"lava-run-{tag}.log.gz"), "wt") as f:
        f.writelines(kept)
    with gzip.open(os.path.join(here, f"results-{tag}.yaml.gz"), "wt") as f:
        yaml.safe_dump(cases, f, default_flow_style=False, sort_keys=True)
    print(f"{len(kept)} log lines, {len(cases)} test cases")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
