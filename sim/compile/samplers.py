"""Duration distributions compiled into plain functions of one uniform, for the engine.

Each function computes exactly what the distribution's ``sample_days`` computes, with the same
floating-point operations in the same order (so results are bit-identical), but with the
parameters read once here rather than from the configuration object at every draw: sampling
runs several times per stage visit.
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Callable

from scipy.special import gammaincinv

from sim.config.distributions import (
    TINY,
    Empirical,
    Exponential,
    Fixed,
    Gamma,
    Lognormal,
    Uniform,
)

Draw = Callable[[float], float]  # uniform in [0, 1) -> days


def draw_days(distribution: object) -> Draw:
    """``distribution.sample_days`` as a function with its parameters bound."""
    if isinstance(distribution, Fixed):
        days = distribution.value * distribution.scale_days
        return lambda u: days
    if isinstance(distribution, Exponential):
        minus_mean = -distribution.mean * distribution.scale_days
        log1p = math.log1p
        return lambda u: minus_mean * log1p(-u)
    if isinstance(distribution, Lognormal):
        mu, sigma = distribution.log_params
        scale = distribution.scale_days
        inv_cdf, exp, below_one = NormalDist().inv_cdf, math.exp, 1 - TINY
        return lambda u: exp(mu + sigma * inv_cdf(min(max(u, TINY), below_one))) * scale
    if isinstance(distribution, Gamma):
        shape = (distribution.mean / distribution.sd) ** 2
        theta = distribution.sd**2 / distribution.mean
        scale = distribution.scale_days
        return lambda u: float(gammaincinv(shape, u)) * theta * scale
    if isinstance(distribution, Uniform):
        low, width = distribution.low, distribution.high - distribution.low
        scale = distribution.scale_days
        return lambda u: (low + u * width) * scale
    if isinstance(distribution, Empirical):
        values, n = list(distribution.values), len(distribution.values)
        scale = distribution.scale_days
        return lambda u: values[min(int(u * n), n - 1)] * scale
    raise TypeError(f"not a duration distribution: {distribution!r}")
