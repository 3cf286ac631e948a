# SPDX-License-Identifier: GPL-2.0-only
# kisol is found through pythonpath = scripts (scripts/pytest.ini); testlock
# through this directory, which pytest puts on sys.path for its conftest.
import pytest

from testlock import stale_lock


@pytest.fixture
def stale_exclusive():
    """Asked for by a test that checks which run removes stale kisol objects:
    no other test starts a driver or a case binary meanwhile (each of those
    removes the stale objects of dead owners it sees)."""


@pytest.fixture(autouse=True)
def _stale_lock(request):
    with stale_lock("stale_exclusive" in request.fixturenames):
        yield
