# SPDX-License-Identifier: GPL-2.0-only
"""One lock for the driver tests that start kisol drivers or case binaries
(shared) and those that check who removes stale objects (exclusive): every
driver and case binary start removes the stale objects of dead owners it
sees, which would take them from under such a test. The lock file lives in
/tmp under a name the host-state check ignores (not kisol*)."""
import contextlib
import fcntl

LOCK_PATH = "/tmp/.kisol-driver-tests.lock"
_held = {"excl": False}


@contextlib.contextmanager
def stale_lock(exclusive=False):
    if _held["excl"]:       # this process holds it exclusively already
        yield
        return
    with open(LOCK_PATH, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        _held["excl"] = exclusive
        try:
            yield
        finally:
            _held["excl"] = False
