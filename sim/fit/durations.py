"""Fitting lengths of stay: several families by maximum likelihood, chosen by AIC.

Stays still open at the end of the extract are *right-censored*: we know only that they
last longer than the time seen, and the likelihood uses the survival function there instead
of the density (dropping them would underestimate the mean, since long stays are the ones
still open). Stays that began before the extract's period are *left-truncated*: they are
in the data only because they lasted until the period began, so each contributes its
likelihood conditional on that (divided by the survival function at the truncation time).

The candidate families are those a scenario can express (``sim.config.distributions``):
exponential, lognormal and gamma. Each is fitted by maximising the log-likelihood over
unconstrained parameters (logs of positive ones); the interval of the mean comes from the
observed information (a numerical Hessian) by the delta method. Goodness of fit is the
Kolmogorov-Smirnov distance between the fitted distribution function and the product-limit
(Kaplan-Meier) estimate, which accounts for censoring and truncation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Literal, Protocol

import numpy as np
from scipy import optimize, stats

MIN_DAYS = 1 / 1440  # stays under a minute are counted as a minute (the densities need > 0)
MAX_FIT_ROWS = 200_000  # larger samples are fitted on a seeded random subsample of this size
Z95 = 1.959964


@dataclass(frozen=True, init=False)
class Stays:
    """Durations in days; ``closed`` False where the stay was still open (censored) at
    ``days``; ``entered`` the days already elapsed when the period began (0 if it began
    inside); ``weight`` the share of each stay that belongs here (1 unless its route, and so
    its group, is uncertain; all 1 if not given)."""

    days: np.ndarray
    closed: np.ndarray
    entered: np.ndarray
    weight: np.ndarray

    def __init__(self, days: np.ndarray, closed: np.ndarray, entered: np.ndarray,
                 weight: np.ndarray | None = None) -> None:
        days = np.maximum(np.asarray(days, float), MIN_DAYS)
        object.__setattr__(self, "days", days)
        object.__setattr__(self, "closed", np.asarray(closed, bool))
        object.__setattr__(self, "entered",
                           np.minimum(np.asarray(entered, float), days - MIN_DAYS / 2).clip(0))
        object.__setattr__(self, "weight", np.ones(len(days)) if weight is None
                           else np.asarray(weight, float))

    @property
    def size(self) -> float:
        """Number of stays counted by weight."""
        return float(self.weight.sum())

    def __len__(self) -> int:
        return len(self.days)

    def subsample(self, size: int, seed: int = 0) -> Stays:
        if len(self) <= size:
            return self
        keep = np.random.default_rng(seed).choice(len(self), size, replace=False)
        return Stays(self.days[keep], self.closed[keep], self.entered[keep], self.weight[keep])


class FrozenDistribution(Protocol):
    """What we use of a scipy distribution with its parameters set (scipy does not export
    the class), in days."""

    def mean(self) -> float: ...
    def std(self) -> float: ...
    def cdf(self, x: Any) -> Any: ...
    def pdf(self, x: Any) -> Any: ...
    def ppf(self, q: Any) -> Any: ...
    def logpdf(self, x: Any) -> Any: ...
    def logsf(self, x: Any) -> Any: ...


@dataclass(frozen=True)
class Family:
    name: str
    n_params: int
    # unconstrained parameters -> scipy distribution
    frozen: Callable[[np.ndarray], FrozenDistribution]
    start: Callable[[Stays], np.ndarray]  # starting point from the closed stays

    def mean_sd(self, theta: np.ndarray) -> tuple[float, float]:
        dist = self.frozen(theta)
        return float(dist.mean()), float(dist.std())


def _log_moments(stays: Stays) -> tuple[float, float]:
    logs = np.log(stays.days[stays.closed] if stays.closed.any() else stays.days)
    return float(logs.mean()), float(max(logs.std(), 0.1))


def _moments(stays: Stays) -> tuple[float, float]:
    values = stays.days[stays.closed] if stays.closed.any() else stays.days
    return float(values.mean()), float(max(values.std(), values.mean() * 0.1))


FAMILIES: dict[str, Family] = {
    "exponential": Family(
        "exponential", 1, lambda t: stats.expon(scale=math.exp(t[0])),
        lambda s: np.array([math.log(_moments(s)[0])])),
    "lognormal": Family(
        "lognormal", 2, lambda t: stats.lognorm(s=math.exp(t[1]), scale=math.exp(t[0])),
        lambda s: np.array([_log_moments(s)[0], math.log(_log_moments(s)[1])])),
    "gamma": Family(
        "gamma", 2, lambda t: stats.gamma(a=math.exp(t[0]), scale=math.exp(t[1])),
        lambda s: np.array([2 * math.log(_moments(s)[0] / _moments(s)[1]),
                            math.log(_moments(s)[1] ** 2 / _moments(s)[0])])),
}


@dataclass(frozen=True)
class Fit:
    """One family fitted to a set of stays."""

    family: str
    theta: np.ndarray
    log_likelihood: float
    mean_days: float
    sd_days: float
    mean_ci: tuple[float, float]
    ks: float  # largest distance between fitted CDF and the product-limit estimate
    n: int
    n_censored: int
    n_truncated: int

    @property
    def aic(self) -> float:
        return 2 * FAMILIES[self.family].n_params - 2 * self.log_likelihood

    def cdf(self, days: np.ndarray) -> np.ndarray:
        return FAMILIES[self.family].frozen(self.theta).cdf(days)

    def pdf(self, days: np.ndarray) -> np.ndarray:
        return FAMILIES[self.family].frozen(self.theta).pdf(days)

    def ppf(self, q: np.ndarray) -> np.ndarray:
        return FAMILIES[self.family].frozen(self.theta).ppf(q)

    @property
    def unit(self) -> tuple[str, float]:
        """A readable unit for this distribution and the number of them in a day."""
        return ("minutes", 1440) if self.mean_days < 1 / 24 else (
            ("hours", 24) if self.mean_days < 1 else ("days", 1))

    def distribution(self) -> dict[str, object]:
        """The fitted distribution as a scenario writes it, in a readable unit."""
        unit, per_day = self.unit
        out: dict[str, object] = {"dist": self.family, "mean": _sig(self.mean_days * per_day)}
        if self.family != "exponential":
            out["sd"] = _sig(self.sd_days * per_day)
        out["unit"] = unit
        return out


def _sig(value: float, digits: int = 3) -> float:
    return float(f"{value:.{digits}g}")


def negative_log_likelihood(family: Family, theta: np.ndarray, stays: Stays) -> float:
    dist = family.frozen(theta)
    closed, w = stays.closed, stays.weight
    total = (w[closed] * dist.logpdf(stays.days[closed])).sum() + \
        (w[~closed] * dist.logsf(stays.days[~closed])).sum()
    truncated = stays.entered > 0
    total -= (w[truncated] * dist.logsf(stays.entered[truncated])).sum()
    return float(-total) if np.isfinite(total) else 1e300


def fit_family(name: str, stays: Stays) -> Fit:
    """Maximum likelihood fit of one family, with the 95% interval of its mean."""
    family = FAMILIES[name]
    sample = stays.subsample(MAX_FIT_ROWS)
    scale = stays.size / sample.size  # the information grows with the full sample
    objective = lambda t: negative_log_likelihood(family, t, sample)  # noqa: E731
    result = optimize.minimize(objective, family.start(sample), method="Nelder-Mead",
                               options={"xatol": 1e-6, "fatol": 1e-6, "maxiter": 2000})
    theta = result.x
    mean, sd = family.mean_sd(theta)
    cov = _covariance(objective, theta) / scale
    gradient = _gradient(lambda t: family.mean_sd(t)[0], theta)
    half = Z95 * math.sqrt(max(float(gradient @ cov @ gradient), 0.0))
    return Fit(name, theta, -result.fun * scale, mean, sd, (mean - half, mean + half),
               kolmogorov_smirnov(sample, family.frozen(theta).cdf),
               round(stays.size), round(stays.weight[~stays.closed].sum()),
               round(stays.weight[stays.entered > 0].sum()))


def fit_all(stays: Stays, families: tuple[str, ...] = tuple(FAMILIES)) -> list[Fit]:
    """Every family fitted, best (lowest AIC) first."""
    return sorted((fit_family(name, stays) for name in families), key=lambda f: f.aic)


def product_limit(stays: Stays) -> tuple[np.ndarray, np.ndarray]:
    """Kaplan-Meier estimate with censoring, delayed entry and weights: (event times, F at
    each)."""
    times = np.unique(stays.days[stays.closed])
    if not len(times):
        return times, times

    def weight_below(values: np.ndarray, weights: np.ndarray,
                     side: Literal["left", "right"]) -> np.ndarray:
        """Total weight of ``values`` below each time (``side`` right: at or below)."""
        order = np.argsort(values)
        cumulative = np.concatenate([[0.0], np.cumsum(weights[order])])
        return cumulative[np.searchsorted(values[order], times, side=side)]

    w = stays.weight
    # at risk at t: entered before t and not yet ended (ended at or after t)
    at_risk = weight_below(stays.entered, w, "left") - weight_below(stays.days, w, "left")
    closed_days, closed_w = stays.days[stays.closed], w[stays.closed]
    ended = weight_below(closed_days, closed_w, "right") - weight_below(closed_days, closed_w,
                                                                        "left")
    survival = np.cumprod(1 - ended / np.maximum(at_risk, 1e-12))
    return times, 1 - survival


def kolmogorov_smirnov(stays: Stays, cdf: Callable[[np.ndarray], np.ndarray]) -> float:
    times, estimate = product_limit(stays)
    if not len(times):
        return float("nan")
    fitted = cdf(times)
    before = np.concatenate([[0.0], estimate[:-1]])  # the estimate just before each step
    return float(max(np.abs(fitted - estimate).max(), np.abs(fitted - before).max()))


def _gradient(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    steps = np.eye(len(x)) * h
    return np.array([(f(x + e) - f(x - e)) / (2 * h) for e in steps])


def _covariance(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-4) -> np.ndarray:
    """Inverse of the numerical Hessian of the negative log-likelihood at its minimum."""
    k = len(x)
    hessian = np.empty((k, k))
    steps = np.eye(k) * h
    for i in range(k):
        for j in range(k):
            hessian[i, j] = (f(x + steps[i] + steps[j]) - f(x + steps[i] - steps[j])
                             - f(x - steps[i] + steps[j]) + f(x - steps[i] - steps[j])) / (4 * h * h)
    try:
        return np.linalg.inv(hessian)
    except np.linalg.LinAlgError:
        return np.full((k, k), np.nan)
