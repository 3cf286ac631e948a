# SPDX-License-Identifier: GPL-2.0-only
"""What the command-line tools (compare, report, kcidb) share: turning the
run a user names into loaded data, and looking up what the history database
knows about noise.

A run is named by a results directory, a file (run.json, cases.json,
bench.jsonl, a history export), a run id under the results directory, or a
stored run (an id, a unique prefix of one, a number from `history list`, or
`latest`). This layer sits on top of kisol.rundata (the data model) and
kisol.history (the database); compare and the report take what it loads as
arguments and never open the database themselves.
"""

import os

from kisol import history
from kisol.rundata import InputError, load_dir, load_path, no_such_run


def resolve(spec, results_dir="results", db=None):
    """Load a run named by a directory, a file, a run id under
    results_dir, or a run id / number / `latest` in the history database."""
    run = load_path(spec)
    if run is not None:
        return run
    cand = os.path.join(results_dir, spec)
    if os.path.isdir(cand):
        return load_dir(cand)
    if db and os.path.exists(db):
        run = history.load(db, spec)
        if run is not None:
            return run
    raise no_such_run(spec)


def history_noise(db, runs):
    """Between-run noise of the baseline's host and kernel from the history
    database, leaving out the runs being compared against it: the `noise`
    argument of compare.Comparison ({} when the database has none)."""
    base = runs[0].run
    try:
        return history.noise(db, base.get("host"), base.get("kernel"),
                             exclude={r.run_id for r in runs[1:]})
    except InputError:
        return {}
