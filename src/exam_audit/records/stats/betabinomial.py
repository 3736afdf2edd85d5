"""The beta-binomial upper tail, summed over groups, in plain Python (no scipy to load for every audit).

A pass-rate test counts a unit's passes against a baseline rate that is itself estimated from a finite
baseline: the number of passes among n sittings is beta-binomial (n, a, b) with a, b the baseline's passes
and failures (plus one); a unit whose sittings span several operations sums one per operation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def _log_pmf(k: int, n: int, a: float, b: float) -> float:
    return (math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
            + math.lgamma(k + a) + math.lgamma(n - k + b) - math.lgamma(n + a + b)
            + math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b))


def pmf(n: int, a: float, b: float) -> list[float]:
    """P(X = k) for k = 0..n, X ~ BetaBinomial(n, a, b)."""
    return [math.exp(_log_pmf(k, n, a, b)) for k in range(n + 1)]


def beta_binomial_sum_sf(groups: Sequence[tuple[int, float, float]], observed: int) -> float:
    """P(X >= observed) where X sums independent beta-binomials (n, a, b)."""
    total = [1.0]
    for n, a, b in groups:
        part = pmf(n, a, b)
        total = [sum(total[i] * part[k - i] for i in range(max(0, k - n), min(k, len(total) - 1) + 1))
                 for k in range(len(total) + n)]
    return float(min(1.0, max(0.0, sum(total[max(0, observed):]))))
