"""Kinds of check and the rules that decide them.

Every check turns the ``Measures`` of its experiment's replications into one ``CheckResult``
(a row of ``checks.csv``). Four kinds:

- ``IntervalCheck`` (analytic): one number per replication; passes when the theoretical
  value lies inside the t-interval of their mean across replications, at the suite's
  Bonferroni-adjusted confidence (``bonferroni_confidence``);
- ``ToleranceCheck`` (analytic): a statistic of all replications pooled, at most a
  tolerance set by a stated rule (distributions, where a per-replication interval is not
  the right tool);
- ``ExactCheck`` (analytic): an identity that must hold exactly in every replication;
- ``RangeCheck`` (plausibility): the mean across replications inside a published range;
  reported, never failing the command.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Protocol, Sequence

import numpy as np
from scipy import stats

from sim.verify.measure import Measures

ANALYTIC = "analytic"
PLAUSIBILITY = "plausibility"
FAMILY_ERROR = 0.05  # chance that any interval check of an exact model fails by chance
PLAUSIBILITY_CONFIDENCE = 0.95

PerReplication = Callable[[Measures], float]  # one number from one replication
Pooled = Callable[[Sequence[Measures]], float]  # one number from all replications


@dataclass(frozen=True)
class CheckResult:
    """One row of ``checks.csv``."""

    kind: str  # ``analytic`` or ``plausibility``
    group: str
    check: str
    parameters: str  # what was simulated
    expected: float  # the theoretical value, or the published figure
    model_mean: float
    ci_low: float  # NaN where no interval applies
    ci_high: float
    rule: str  # how ``passed`` was decided
    passed: bool  # analytic: passed; plausibility: within the accepted range
    n_reps: int
    accepted_low: float = math.nan  # plausibility: the accepted range
    accepted_high: float = math.nan
    alternative: str = ""  # a nearby wrong answer the check should be able to reject
    alternative_value: float = math.nan
    alternative_excluded: bool | None = None  # is it outside the interval (or tolerance)?
    source: str = ""  # the formula or the publication
    note: str = ""  # how to read it


class Check(Protocol):
    """What the suite needs of a check (read-only: checks are frozen dataclasses)."""

    @property
    def kind(self) -> str: ...

    @property
    def group(self) -> str: ...

    @property
    def check(self) -> str: ...

    @property
    def uses_interval(self) -> bool:
        """Whether it counts towards the Bonferroni adjustment."""
        ...

    def evaluate(self, measures: Sequence[Measures], confidence: float) -> CheckResult:
        ...


def bonferroni_confidence(n_checks: int, family_error: float = FAMILY_ERROR) -> float:
    """Confidence of each of ``n_checks`` intervals so that, if the model is exact, all of
    them cover their theoretical values with probability at least ``1 - family_error``."""
    return 1.0 - family_error / max(n_checks, 1)


def t_interval(values: np.ndarray, confidence: float) -> tuple[float, float, float]:
    """Mean and two-sided Student t-interval at ``confidence`` of independent values (NaNs
    left out); the interval is NaN with fewer than two values."""
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    if len(values) == 0:
        return math.nan, math.nan, math.nan
    mean = float(values.mean())
    if len(values) < 2:
        return mean, math.nan, math.nan
    half = stats.t.ppf((1 + confidence) / 2, len(values) - 1) * values.std(ddof=1) / math.sqrt(
        len(values))
    return mean, mean - half, mean + half


def _inside(value: float, low: float, high: float) -> bool:
    return bool(low <= value <= high)


@dataclass(frozen=True)
class IntervalCheck:
    """The theoretical ``expected`` inside the interval of ``value`` across replications."""

    group: str
    check: str
    parameters: str
    expected: float
    value: PerReplication
    source: str
    alternative: tuple[str, float] | None = None
    kind: str = ANALYTIC

    @property
    def uses_interval(self) -> bool:
        return True

    def evaluate(self, measures: Sequence[Measures], confidence: float) -> CheckResult:
        values = np.array([self.value(m) for m in measures])
        mean, low, high = t_interval(values, confidence)
        n = int((~np.isnan(values)).sum())
        label, other = self.alternative or ("", math.nan)
        return CheckResult(
            kind=self.kind, group=self.group, check=self.check, parameters=self.parameters,
            expected=self.expected, model_mean=mean, ci_low=low, ci_high=high,
            rule=f"expected inside the {100 * confidence:.2f}% t-interval across {n} "
                 "replications",
            passed=_inside(self.expected, low, high), n_reps=n,
            alternative=label, alternative_value=other,
            alternative_excluded=None if not label else not _inside(other, low, high),
            source=self.source)


@dataclass(frozen=True)
class ToleranceCheck:
    """A pooled ``statistic`` (a distance from theory, 0 when exact) at most a ``tolerance``
    computed from the same replications (e.g. a multiple of what sampling noise alone gives),
    described by ``tolerance_rule``."""

    group: str
    check: str
    parameters: str
    statistic: Pooled
    tolerance: Pooled
    tolerance_rule: str
    source: str
    alternative: tuple[str, float] | None = None  # the distance of a wrong theory from the right
    kind: str = ANALYTIC

    @property
    def uses_interval(self) -> bool:
        return False

    def evaluate(self, measures: Sequence[Measures], confidence: float) -> CheckResult:
        distance = self.statistic(measures)
        bound = self.tolerance(measures)
        label, other = self.alternative or ("", math.nan)
        return CheckResult(
            kind=self.kind, group=self.group, check=self.check, parameters=self.parameters,
            expected=0.0, model_mean=distance, ci_low=math.nan, ci_high=math.nan,
            rule=f"pooled over {len(measures)} replications, at most {bound:.4f} "
                 f"({self.tolerance_rule})",
            passed=bool(distance <= bound), n_reps=len(measures),
            alternative=label, alternative_value=other,
            alternative_excluded=None if not label else bool(other > bound),
            source=self.source)


@dataclass(frozen=True)
class ExactCheck:
    """``counts(m)`` gives (expected, model) per replication; they must be equal in every
    replication and ``consistent(m)`` must hold (e.g. independent counts agreeing)."""

    group: str
    check: str
    parameters: str
    counts: Callable[[Measures], tuple[int, int]]
    consistent: Callable[[Measures], bool]
    describe: Callable[[Sequence[Measures]], str]  # the counts, for the report
    source: str
    kind: str = ANALYTIC

    @property
    def uses_interval(self) -> bool:
        return False

    def evaluate(self, measures: Sequence[Measures], confidence: float) -> CheckResult:
        pairs = [self.counts(m) for m in measures]
        exact = all(a == b for a, b in pairs) and all(self.consistent(m) for m in measures)
        return CheckResult(
            kind=self.kind, group=self.group, check=self.check,
            parameters=f"{self.parameters}; {self.describe(measures)}",
            expected=float(sum(a for a, _ in pairs)), model_mean=float(sum(b for _, b in pairs)),
            ci_low=math.nan, ci_high=math.nan,
            rule=f"equal in each of {len(measures)} replications (totals shown), and the "
                 "model's counters equal the event log's",
            passed=exact, n_reps=len(measures), source=self.source)


@dataclass(frozen=True)
class RangeCheck:
    """Plausibility: the mean of ``value`` across replications inside [low, high]."""

    group: str
    check: str
    parameters: str
    published: float
    low: float
    high: float
    value: PerReplication
    source: str
    note: str
    kind: str = PLAUSIBILITY

    @property
    def uses_interval(self) -> bool:
        return False

    def evaluate(self, measures: Sequence[Measures], confidence: float) -> CheckResult:
        values = np.array([self.value(m) for m in measures])
        mean, low, high = t_interval(values, PLAUSIBILITY_CONFIDENCE)
        n = int((~np.isnan(values)).sum())
        return CheckResult(
            kind=self.kind, group=self.group, check=self.check, parameters=self.parameters,
            expected=self.published, model_mean=mean, ci_low=low, ci_high=high,
            rule=f"mean across {n} replications within [{self.low:g}, {self.high:g}] "
                 "(interval: 95%)",
            passed=_inside(mean, self.low, self.high), n_reps=n,
            accepted_low=self.low, accepted_high=self.high, source=self.source,
            note=self.note)
