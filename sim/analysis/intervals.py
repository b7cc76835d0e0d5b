"""95% intervals of a mean across replications that stay inside the metric's possible range.

A count, hours or a percentage cannot be negative, and a share cannot exceed 100%, but the
symmetric t-interval ``mean -/+ t sd / sqrt(n)`` of a metric near its bound crosses it (ED
boarding hours -0.09 to 1.13). For a bounded metric the interval is instead built on a scale
where the bound is out of reach and mapped back (the delta method, with the same Student t
quantile):

- bounded below only (``low``): on the log scale of ``mean - low``,
  ``low + (mean - low) x exp(-/+ t se / (mean - low))``;
- bounded on both sides (``low``, ``high``): on the logit scale of
  ``p = (mean - low) / (high - low)``, ``logit(p) -/+ t se_p / (p (1 - p))``.

Far from the bound these agree with the t-interval to within a small fraction of its width;
near it they are asymmetric, longer on the side away from the bound. When every replication
has the same value (so the mean sits on the bound, or the sd is 0) the interval is that
value. Paired differences B - A can take either sign and keep the t-interval
(``sim.analysis.summary.compare``).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

CONFIDENCE = 0.95


def t_interval(values: np.ndarray) -> tuple[float, float, float]:
    """Mean and 95% t-interval of independent replication values (NaNs ignored)."""
    return bounded_interval(values, None, None)


def bounded_interval(values: np.ndarray, low: float | None,
                     high: float | None) -> tuple[float, float, float]:
    """Mean and 95% interval of the mean of ``values`` (NaNs ignored) within
    ``[low, high]`` (None: no bound on that side); see the module docstring.

    Returns ``(mean, ci_low, ci_high)``; the interval is NaN with fewer than two values.
    """
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    n = len(values)
    if n == 0:
        return (math.nan, math.nan, math.nan)
    mean = float(values.mean())
    if n == 1:
        return (mean, math.nan, math.nan)
    t = float(stats.t.ppf((1 + CONFIDENCE) / 2, n - 1))
    se = float(values.std(ddof=1)) / math.sqrt(n)
    return (mean, *transformed(mean, se, t, low, high))


def transformed(mean: float, se: float, t: float, low: float | None,
                high: float | None) -> tuple[float, float]:
    """The interval ``mean -/+ t se`` built on the scale that keeps it in ``[low, high]``."""
    if low is None and high is None:
        return (mean - t * se, mean + t * se)
    if se == 0:
        return (mean, mean)
    if high is None:
        assert low is not None  # both None returned above
        return _log_interval(mean - low, se, t, low, 1.0)
    if low is None:
        return _log_interval(high - mean, se, t, high, -1.0)
    width = high - low
    p = (mean - low) / width
    if p <= 0 or p >= 1:  # the mean on a bound with a spread: values outside the range
        raise ValueError(f"mean {mean:g} with spread is not inside [{low:g}, {high:g}]")
    half = t * (se / width) / (p * (1 - p))
    logit = math.log(p / (1 - p))
    return (low + width * _expit(logit - half), low + width * _expit(logit + half))


def _log_interval(distance: float, se: float, t: float, bound: float,
                  side: float) -> tuple[float, float]:
    """``bound + side x distance x exp(-/+ t se / distance)``, ends in increasing order."""
    if distance <= 0:
        raise ValueError(f"mean with spread on or beyond the bound {bound:g}")
    factor = math.exp(t * se / distance)
    ends = (bound + side * distance / factor, bound + side * distance * factor)
    return (min(ends), max(ends))


def _expit(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))
