"""Exact upper tails of sums of independent Bernoulli trials with unequal probabilities.

The generalized binomial test counts identical answers whose probabilities differ item by item (the
Poisson-binomial distribution); a pass-rate test counts passes against baseline rates that are themselves
estimated from a finite baseline (the beta-binomial distribution, summed over operations).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.stats import betabinom


def poisson_binomial_sf(probabilities: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """P(M >= observed) for each row of ``probabilities`` (rows x trials; NaN = no trial), computed by the
    exact recursion over trials, all rows at once."""
    probabilities = np.atleast_2d(np.asarray(probabilities, dtype=float))
    rows, trials = probabilities.shape
    dist = np.zeros((rows, trials + 1))
    dist[:, 0] = 1.0
    for j in range(trials):
        p = probabilities[:, j]
        p = np.where(np.isnan(p), 0.0, p)[:, None]  # no trial: a sure "no match", the count unchanged
        shifted = np.zeros_like(dist)
        shifted[:, 1:] = dist[:, :-1]
        dist = dist * (1.0 - p) + shifted * p
    observed = np.asarray(observed, dtype=int).reshape(rows)
    cumulative = np.cumsum(dist[:, ::-1], axis=1)[:, ::-1]  # cumulative[k] = P(M >= k)
    return np.clip(cumulative[np.arange(rows), np.clip(observed, 0, trials)], 0.0, 1.0)


def beta_binomial_sum_sf(groups: Sequence[tuple[int, float, float]], observed: int) -> float:
    """P(X >= observed) where X sums independent beta-binomials (n, a, b) — one per operation a unit's
    sittings belong to."""
    if len(groups) == 1:
        n, a, b = groups[0]
        return float(betabinom.sf(observed - 1, n, a, b))
    pmf = np.array([1.0])
    for n, a, b in groups:
        pmf = np.convolve(pmf, betabinom.pmf(np.arange(n + 1), n, a, b))
    return float(min(1.0, max(0.0, pmf[observed:].sum())))
