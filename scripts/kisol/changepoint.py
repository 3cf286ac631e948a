# SPDX-License-Identifier: GPL-2.0-only
"""Step changes in a series of benchmark results (one value per run).

An E-divisive means style test (after Matteson and James, "A nonparametric
approach for multiple change point analysis of multivariate data", JASA
2014), written here on numpy: for every split of a segment the energy
distance between the values before and after it,

    Q(t, k) = m r / (m + r) * (2 mean|a - b| - mean|a - a'| - mean|b - b'|)

(a: the m values before t, b: the r values from t to k),

is computed from one prefix-summed distance matrix, for every split t and
every end k of the part after it (so a bump inside a segment stands out as
well as a step); the split with the largest Q is the candidate, and its confidence comes from a permutation
test (the same maximum over random reorderings of the segment: a step
survives only when few shuffles look as split as the real order). Found
steps split the series and the search repeats in every piece (bisection),
until no piece holds a significant step.

The values are the logarithms of the run medians, so a step is a ratio and
a 10% step looks the same on a 100 ns and a 10 ms benchmark.

    find(values, alpha=0.01, permutations=499, min_size=3, seed=0)
        -> [Step(index, before, after, pct, p, confidence)]

index is the position of the first value after the step.
"""

import math
from dataclasses import dataclass

# numpy is imported by the functions that use it: it costs 100-160 ms per
# interpreter start here, and compare, history, report and kcidb import this
# module even when they never look for a step.


@dataclass
class Step:
    index: int          # first value after the step
    before: float       # median of the segment before (original units)
    after: float        # median of the segment after
    pct: float          # (after / before - 1) * 100
    p: float            # permutation p-value
    confidence: float   # 1 - p


def _prefix(d):
    """2-D prefix sums with a zero row and column: block sums in O(1)."""
    import numpy as np
    s = np.zeros((d.shape[0] + 1, d.shape[1] + 1))
    s[1:, 1:] = d.cumsum(0).cumsum(1)
    return s


def _q_grid(x, min_size):
    """Q(t, k) between x[:t] and x[t:k] for every t, k leaving at least
    min_size values on each side (E-divisive's moving end k lets a bump in
    the middle of a segment stand out). Returns (t values, Q maximised
    over k for each t)."""
    import numpy as np
    n = len(x)
    d = np.abs(x[:, None] - x[None, :])
    s = _prefix(d)
    t = np.arange(min_size, n - min_size + 1)
    if len(t) == 0:
        return t, np.array([])
    k = np.arange(2 * min_size, n + 1)
    tt, kk = t[:, None], k[None, :]
    ok = kk - tt >= min_size
    kk_c = np.where(ok, kk, tt + min_size)      # keep indices valid where masked
    between = s[tt, kk_c] - s[tt, tt]           # rows < t, columns t..k
    left = s[tt, tt]                            # both < t (each pair twice)
    right = s[kk_c, kk_c] - s[tt, kk_c] - s[kk_c, tt] + s[tt, tt]
    nl = tt.astype(float)
    nr = (kk_c - tt).astype(float)
    e = 2.0 * between / (nl * nr) - left / (nl * (nl - 1)) - right / (nr * (nr - 1))
    q = np.where(ok, nl * nr / (nl + nr) * e, -np.inf)
    return t, q.max(axis=1)


def _best(x, min_size):
    import numpy as np
    t, q = _q_grid(x, min_size)
    if len(q) == 0:
        return None, 0.0
    i = int(np.argmax(q))
    return int(t[i]), float(q[i])


def _test(x, min_size, permutations, rng, alpha=1.0):
    """(split, p) for the best split of x, or (None, 1.0). Stops shuffling
    once p cannot fall below alpha any more (the answer is then 'no')."""
    import numpy as np
    if len(x) < 2 * min_size or np.ptp(x) == 0:
        return None, 1.0
    t, q = _best(x, min_size)
    if t is None:
        return None, 1.0
    over, limit = 0, alpha * (permutations + 1) - 1
    for i in range(permutations):
        _, qp = _best(rng.permutation(x), min_size)
        over += qp >= q
        if over > limit:
            return t, (over + 1) / (i + 2)
    return t, (over + 1) / (permutations + 1)


def find(values, alpha=0.01, permutations=499, min_size=3, seed=0, max_steps=10):
    """Steps in values (positive numbers, oldest first); see the module doc."""
    import numpy as np
    vals = np.asarray([float(v) for v in values], dtype=float)
    if len(vals) == 0 or np.any(~np.isfinite(vals)) or np.any(vals <= 0):
        raise ValueError("values must be positive finite numbers")
    x = np.log(vals)
    rng = np.random.default_rng(seed)
    cuts, found = [0, len(x)], {}
    pending = [(0, len(x))]
    while pending and len(found) < max_steps:
        lo, hi = pending.pop()
        t, p = _test(x[lo:hi], min_size, permutations, rng, alpha)
        if t is None or p >= alpha:
            continue
        found[lo + t] = p
        cuts.append(lo + t)
        pending += [(lo, lo + t), (lo + t, hi)]
    cuts = sorted(set(cuts))
    out = []
    for k in sorted(found):
        i = cuts.index(k)
        before = float(np.median(vals[cuts[i - 1]:k]))
        after = float(np.median(vals[k:cuts[i + 1]]))
        p = found[k]
        out.append(Step(k, before, after, (after / before - 1.0) * 100.0, p, 1.0 - p))
    return out


def describe(step, labels=None):
    """One line: where, how big, how sure."""
    where = labels[step.index] if labels else f"#{step.index}"
    return (f"step at {where}: {step.pct:+.1f}% (median {step.before:.4g} -> {step.after:.4g}), "
            f"confidence {step.confidence * 100:.1f}% (p={step.p:.3g})")


def _selftest():
    """Known answers (also in scripts/tests/test_changepoint.py)."""
    import numpy as np
    rng = np.random.default_rng(1)
    flat = np.exp(rng.normal(0, 0.02, 40))
    assert find(flat) == []
    stepped = np.concatenate([flat[:20], flat[20:] * 1.2])
    s = find(stepped)
    assert len(s) == 1 and s[0].index == 20 and math.isclose(s[0].pct, 20, abs_tol=3)
    return True


if __name__ == "__main__":
    print("ok" if _selftest() else "fail")
