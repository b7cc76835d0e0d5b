"""Duration distributions: what a scenario may write, their means, and how they are sampled.

Every sample is drawn by inverting the distribution function at one uniform number. Drawing
exactly one uniform per duration keeps a patient's random numbers aligned across scenarios
(common random numbers) even when a scenario changes the distribution's family.
All samples are returned in days, the model's time unit.

``length_biased_days`` samples the total stay of a patient *found* in service at a given moment
(a census), which is not a fresh stay: long stays are more likely to be caught, in proportion
to their length, so its density is ``x f(x) / mean``. Each family has an exact form.
"""

from __future__ import annotations

import math
from functools import cached_property
from statistics import NormalDist
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, model_validator
from scipy.special import gammaincinv

from sim.config.base import Frozen, NonNegative, Positive, key_or_attr, tagged_union

Unit = Literal["minutes", "hours", "days", "weeks"]
DAYS_PER_UNIT: dict[str, float] = {"minutes": 1 / 1440, "hours": 1 / 24, "days": 1.0, "weeks": 7.0}

_STANDARD_NORMAL = NormalDist()
TINY = 1e-12  # keeps inverse CDFs finite at u = 0


class _Distribution(Frozen):
    unit: Unit

    @property
    def scale_days(self) -> float:
        return DAYS_PER_UNIT[self.unit]

    @property
    def mean_days(self) -> float:
        """Analytic mean in days."""
        raise NotImplementedError

    def sample_days(self, u: float) -> float:
        """The duration in days at cumulative probability ``u`` in [0, 1)."""
        raise NotImplementedError

    def length_biased_days(self, u: float) -> float:
        """Total duration in days, at cumulative probability ``u`` in [0, 1), of a patient found
        in service: density ``x f(x) / mean`` (0 when the mean is 0)."""
        raise NotImplementedError


class Fixed(_Distribution):
    """Always the same duration."""

    dist: Literal["fixed"]
    value: NonNegative

    @property
    def mean_days(self) -> float:
        return self.value * self.scale_days

    def sample_days(self, u: float) -> float:
        return self.value * self.scale_days

    def length_biased_days(self, u: float) -> float:
        return self.value * self.scale_days


class Exponential(_Distribution):
    dist: Literal["exponential"]
    mean: Positive

    @property
    def mean_days(self) -> float:
        return self.mean * self.scale_days

    def sample_days(self, u: float) -> float:
        return -self.mean * self.scale_days * math.log1p(-u)

    def length_biased_days(self, u: float) -> float:
        # x e^(-x/m) / m^2: gamma with shape 2 and scale m
        return float(gammaincinv(2.0, u)) * self.mean * self.scale_days


class Lognormal(_Distribution):
    """Lognormal given by its mean and standard deviation (not those of the log)."""

    dist: Literal["lognormal"]
    mean: Positive
    sd: Positive

    @property
    def mean_days(self) -> float:
        return self.mean * self.scale_days

    @cached_property  # sampled ~100,000 times a replication
    def log_params(self) -> tuple[float, float]:
        """(mu, sigma) of the underlying normal."""
        sigma2 = math.log1p((self.sd / self.mean) ** 2)
        return math.log(self.mean) - sigma2 / 2, math.sqrt(sigma2)

    def sample_days(self, u: float) -> float:
        mu, sigma = self.log_params
        z = _STANDARD_NORMAL.inv_cdf(min(max(u, TINY), 1 - TINY))
        return math.exp(mu + sigma * z) * self.scale_days

    def length_biased_days(self, u: float) -> float:
        # x f(x) / mean is lognormal again, with the log-mean moved up by sigma^2
        mu, sigma = self.log_params
        z = _STANDARD_NORMAL.inv_cdf(min(max(u, TINY), 1 - TINY))
        return math.exp(mu + sigma**2 + sigma * z) * self.scale_days


class Gamma(_Distribution):
    """Gamma given by its mean and standard deviation."""

    dist: Literal["gamma"]
    mean: Positive
    sd: Positive

    @property
    def mean_days(self) -> float:
        return self.mean * self.scale_days

    def sample_days(self, u: float) -> float:
        shape = (self.mean / self.sd) ** 2
        scale = self.sd**2 / self.mean
        return float(gammaincinv(shape, u)) * scale * self.scale_days

    def length_biased_days(self, u: float) -> float:
        # x f(x) / mean of gamma(k, theta) is gamma(k + 1, theta)
        shape = (self.mean / self.sd) ** 2
        scale = self.sd**2 / self.mean
        return float(gammaincinv(shape + 1, u)) * scale * self.scale_days


class Uniform(_Distribution):
    dist: Literal["uniform"]
    low: NonNegative
    high: NonNegative

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.high < self.low:
            raise ValueError(f"high ({self.high}) must be at least low ({self.low})")
        return self

    @property
    def mean_days(self) -> float:
        return (self.low + self.high) / 2 * self.scale_days

    def sample_days(self, u: float) -> float:
        return (self.low + u * (self.high - self.low)) * self.scale_days

    def length_biased_days(self, u: float) -> float:
        # density 2x / (high^2 - low^2) on [low, high]: F(x) = (x^2 - low^2) / (high^2 - low^2);
        # low == high needs no case of its own
        return math.sqrt(self.low**2 + u * (self.high**2 - self.low**2)) * self.scale_days


class Empirical(_Distribution):
    """Resamples observed durations with equal weight."""

    dist: Literal["empirical"]
    values: Annotated[list[NonNegative], Field(min_length=1)]

    @property
    def mean_days(self) -> float:
        return sum(self.values) / len(self.values) * self.scale_days

    def sample_days(self, u: float) -> float:
        return self.values[min(int(u * len(self.values)), len(self.values) - 1)] * self.scale_days

    def length_biased_days(self, u: float) -> float:
        # each value weighted by itself, in increasing order so that u inverts a CDF
        ordered = sorted(self.values)
        total = sum(ordered)
        if total == 0:
            return 0.0  # every value is 0
        running = 0.0
        for value in ordered:
            running += value
            if u * total < running:
                return value * self.scale_days
        return ordered[-1] * self.scale_days  # rounding: u * total reached the last sum


DISTRIBUTIONS = {
    "fixed": Fixed,
    "exponential": Exponential,
    "lognormal": Lognormal,
    "gamma": Gamma,
    "uniform": Uniform,
    "empirical": Empirical,
}

if TYPE_CHECKING:  # what the tagged union holds, for a type checker
    Distribution = Fixed | Exponential | Lognormal | Gamma | Uniform | Empirical
else:
    Distribution = tagged_union(
        DISTRIBUTIONS,
        lambda value: key_or_attr(value, "dist"),
        "expected a distribution with 'dist' one of " + ", ".join(DISTRIBUTIONS)
        + " and a 'unit' (minutes, hours, days, weeks)",
    )
