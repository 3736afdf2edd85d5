"""The exact upper tail of a sum of independent Bernoulli trials with unequal probabilities.

The generalized binomial test counts identical answers whose probabilities differ item by item: the
Poisson-binomial distribution (the pass-rate test's beta-binomial is in betabinomial.py).
"""

from __future__ import annotations

import numpy as np


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
