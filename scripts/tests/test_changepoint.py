# SPDX-License-Identifier: GPL-2.0-only
"""kisol.changepoint and `history trend`: known answers.

Tests on real stored runs with a real injected step: test_changepoint_real.py.
"""
import pytest

np = pytest.importorskip("numpy")

from kisol import changepoint  # noqa: E402


# ---- known answers on constructed series ----

def test_flat_series_has_no_step():
    rng = np.random.default_rng(7)
    for _ in range(20):
        assert changepoint.find(np.exp(rng.normal(0, 0.03, 30)), permutations=199) == []


def test_one_step_found_where_it_is_with_its_size():
    rng = np.random.default_rng(3)
    x = np.exp(rng.normal(0, 0.01, 24)) * 1000
    x[10:] *= 1.25
    steps = changepoint.find(x)
    assert [s.index for s in steps] == [10]
    assert steps[0].pct == pytest.approx(25, abs=2)
    assert steps[0].confidence > 0.99 and steps[0].p < 0.01


def test_two_steps_up_and_down():
    base = np.array([100.0, 101, 99, 100, 102, 98, 100, 101])
    x = np.concatenate([base, base * 1.3, base])
    assert [s.index for s in changepoint.find(x)] == [8, 16]
    up, down = changepoint.find(x)
    assert up.pct == pytest.approx(30, abs=2) and down.pct == pytest.approx(-23, abs=2)


def test_single_outlier_is_not_a_step():
    x = np.array([100.0, 101, 99, 100, 102, 98, 160, 100, 101, 99, 100, 102, 98, 100])
    assert changepoint.find(x) == []


def test_constant_and_short_series():
    assert changepoint.find([5.0] * 12) == []
    assert changepoint.find([1.0, 2.0, 3.0]) == []
    with pytest.raises(ValueError):
        changepoint.find([1.0, -2.0, 3.0, 4.0, 5.0, 6.0])


def test_confidence_is_one_minus_p_and_deterministic():
    x = np.concatenate([np.full(8, 10.0), np.full(8, 12.0)]) * np.linspace(1, 1.01, 16)
    a, b = changepoint.find(x, seed=5), changepoint.find(x, seed=5)
    assert a == b and a[0].confidence == pytest.approx(1 - a[0].p)
