"""Capacity needed under three criteria, from the distribution of unconstrained occupancy.

``fractions[k]`` is the fraction of time k units were in use with capacity unlimited.

- **all busy**: the smallest n such that an arriving patient finds all n units busy with
  probability at most the target. With n units and patients turned away when all are busy
  (a loss system), the occupancy distribution is the unconstrained one truncated at n, so
  ``B(n) = p_n / sum_{k<=n} p_k``. For Poisson arrivals this is exact whatever the length of
  stay (Erlang's loss formula; arrivals see time averages). It suits services that turn
  patients away when full; where patients wait instead it understates what is needed, since
  waiting patients add to later demand (for a busy ward it can fall below the mean
  occupancy).
- **all busy, queue**: the same target for patients who wait: the chance of having to wait,
  ``C(n) = n B(n) / (n - a (1 - B(n)))`` with ``a`` the mean occupancy (the offered load),
  1 when n <= a. Exact for Poisson arrivals and exponential times (Erlang's delay formula),
  an approximation otherwise; this is the one to read for beds, caseloads and teams.
- **mean occupancy**: the smallest n with mean occupancy / n at most the target (by default
  92% for the acute service, 85% for others).
- **percentile**: the chosen percentile of occupancy, i.e. enough units for that share of
  the time.

Every capacity is at least 1: a unit with none would never serve anyone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.analysis.intervals import bounded_interval
from sim.analysis.metrics import ALL
from sim.capacity.occupancy import Histograms, Key, periods, pooled
from sim.config.capacity import unit_capacities
from sim.config.loader import ScenarioError
from sim.config.schema import CapacitatedService, Scenario

CRITERIA = ("all_busy", "all_busy_queue", "mean_occupancy", "percentile")
POOLED = "pooled"  # a multi-unit service sized as one shared pool
_ROUNDING = 1e-9  # mean / target within this of a whole number is that number


@dataclass(frozen=True)
class Criteria:
    """Targets of the three criteria, in percent (named as the command's options)."""

    all_busy_pct: float = 5.0  # chance an arrival finds all units busy (lost or waits), at most
    occupancy_pct: float = 85.0  # mean occupancy of non-acute services, at most
    acute_occupancy_pct: float = 92.0  # mean occupancy of the acute service, at most
    percentile: float = 95.0  # of occupancy

    def __post_init__(self) -> None:
        problems = [f"--{name.replace('_', '-')}: expected a percentage above 0 and below "
                    f"100, got {value:g}"
                    for name, value in vars(self).items() if not 0 < value < 100]
        if problems:
            raise ScenarioError(problems)

    def occupancy_pct_for(self, scenario: Scenario, service: str) -> float:
        return (self.acute_occupancy_pct if service == scenario.reporting.acute
                else self.occupancy_pct)


def blocking_probabilities(fractions: np.ndarray) -> np.ndarray:
    """``B(n)`` for n = 0..len-1: the chance an arrival finds all n units busy (loss system).

    Where occupancy was never at or below n, the truncated distribution is undefined and
    B(n) is 1: n units are always too few.
    """
    cumulative = np.cumsum(fractions)
    blocked = np.ones(len(fractions))
    np.divide(fractions, cumulative, out=blocked, where=cumulative > 0)
    return blocked


def waiting_probabilities(fractions: np.ndarray) -> np.ndarray:
    """``C(n)`` for n = 0..len-1: the chance an arrival waits with n units (delay system),
    from the loss probabilities and the offered load (mean occupancy)."""
    load = mean_occupancy(fractions)
    blocked = blocking_probabilities(fractions)
    n = np.arange(len(fractions), dtype=float)
    waits = np.ones(len(fractions))
    stable = n > load
    waits[stable] = n[stable] * blocked[stable] / (n[stable] - load * (1 - blocked[stable]))
    return waits


def capacity_all_busy(fractions: np.ndarray, target: float) -> int:
    """Smallest n from which ``B(m) <= target`` for every m >= n (patients lost)."""
    return _smallest_from(blocking_probabilities(fractions), target)


def capacity_all_busy_queue(fractions: np.ndarray, target: float) -> int:
    """Smallest n from which ``C(m) <= target`` for every m >= n (patients wait)."""
    return _smallest_from(waiting_probabilities(fractions), target)


def _smallest_from(chances: np.ndarray, target: float) -> int:
    """Smallest n >= 1 with ``chances[m] <= target`` for every m >= n; beyond the highest
    occupancy seen the chance is 0. Estimates need not fall steadily, so a later rise above
    the target is respected."""
    too_few = np.flatnonzero(chances > target)
    return max(1, int(too_few[-1]) + 1 if len(too_few) else 0)


def capacity_mean_occupancy(fractions: np.ndarray, target: float) -> int:
    """Smallest n with mean occupancy / n <= target (a fraction)."""
    mean = mean_occupancy(fractions)
    return max(1, math.ceil(mean / target - _ROUNDING))


def capacity_percentile(fractions: np.ndarray, q: float) -> int:
    """Smallest n with occupancy at or below n for at least a fraction ``q`` of the time."""
    cumulative = np.cumsum(fractions) / fractions.sum()
    return max(1, int(np.searchsorted(cumulative, q - _ROUNDING)))


def mean_occupancy(fractions: np.ndarray) -> float:
    return float(np.dot(np.arange(len(fractions)), fractions) / fractions.sum())


def capacities(fractions: np.ndarray, criteria: Criteria, occupancy_pct: float) -> dict[str, int]:
    """Capacity under each criterion for one distribution."""
    return {
        "all_busy": capacity_all_busy(fractions, criteria.all_busy_pct / 100),
        "all_busy_queue": capacity_all_busy_queue(fractions, criteria.all_busy_pct / 100),
        "mean_occupancy": capacity_mean_occupancy(fractions, occupancy_pct / 100),
        "percentile": capacity_percentile(fractions, criteria.percentile / 100),
    }


def capacity_table(histograms: list[Histograms], scenario: Scenario,
                   criteria: Criteria) -> pd.DataFrame:
    """One row per service, unit (column ``locality``), period and criterion: the capacity
    from the pooled distribution (``capacity``) and the mean and 95% interval of the
    capacities of the replications, with the pooled mean occupancy, today's capacity and the
    period's length in ``days`` (a month at either end of the run may be partial).

    For a service run by several units (e.g. a team per locality), ``all`` is the sum of what
    the units need, each sized on its own, and ``pooled`` is what one shared pool serving
    everyone would need (less: the difference is the cost of not pooling). ``scenario`` is
    the scenario as given (before capacity was made unlimited).
    """
    lengths = {period.name: period.end - period.start for period in periods(scenario)}
    sized: dict[Key, tuple[dict[str, int], list[dict[str, int]], float]] = {}
    for key in histograms[0]:
        occupancy_pct = criteria.occupancy_pct_for(scenario, key[0])
        distribution = pooled(histograms, key)
        sized[key] = (capacities(distribution, criteria, occupancy_pct),
                      [capacities(_fractions(h[key]), criteria, occupancy_pct)
                       for h in histograms],
                      mean_occupancy(distribution))
    rows = []
    for (service, unit, period), (from_pooled, by_rep, occupancy) in sized.items():
        parts = [k for k in sized if k[0] == service and k[2] == period and k[1] != ALL]
        label = unit
        if unit == ALL and parts:  # the units' sum, and the single pool as "pooled"
            rows.extend(_rows(scenario, criteria, (service, ALL, period), lengths[period],
                              _summed([sized[k][0] for k in parts]),
                              [_summed(reps) for reps in zip(*(sized[k][1] for k in parts))],
                              sum(sized[k][2] for k in parts)))
            label = POOLED
        rows.extend(_rows(scenario, criteria, (service, label, period), lengths[period],
                          from_pooled, by_rep, occupancy))
    return pd.DataFrame(rows, columns=[
        "service", "locality", "period", "days", "criterion", "target_pct", "capacity",
        "mean", "ci_low", "ci_high", "n_reps", "occupancy_mean", "current_capacity"])


def _rows(scenario: Scenario, criteria: Criteria, key: Key, days: float,
          from_pooled: dict[str, int], by_rep: list[dict[str, int]],
          occupancy: float) -> list[tuple[object, ...]]:
    service, unit, period = key
    occupancy_pct = criteria.occupancy_pct_for(scenario, service)
    target_pct = {"all_busy": criteria.all_busy_pct, "all_busy_queue": criteria.all_busy_pct,
                  "mean_occupancy": occupancy_pct, "percentile": criteria.percentile}
    current = current_capacity(scenario, (service, ALL if unit == POOLED else unit, period))
    rows: list[tuple[object, ...]] = []
    for criterion in CRITERIA:
        # every capacity is at least 1 unit, so its interval is kept at or above 1
        mean, low, high = bounded_interval(np.array([c[criterion] for c in by_rep]), 1.0, None)
        rows.append((service, unit, period, days, criterion, target_pct[criterion],
                     from_pooled[criterion], mean, low, high, len(by_rep), occupancy, current))
    return rows


def _summed(parts: list[dict[str, int]] | tuple[dict[str, int], ...]) -> dict[str, int]:
    return {criterion: sum(part[criterion] for part in parts) for criterion in CRITERIA}


def current_capacity(scenario: Scenario, key: Key) -> float:
    """Capacity of the unit in ``scenario`` (the total for ``all``); NaN when unlimited."""
    service, unit, _ = key
    spec = scenario.services[service]
    assert isinstance(spec, CapacitatedService)
    by_unit = unit_capacities(scenario, spec)
    chosen = list(by_unit.values()) if unit == ALL else [by_unit[unit]]
    known = [c for c in chosen if c is not None]
    return float(sum(known)) if len(known) == len(chosen) else math.nan


def _fractions(days: np.ndarray) -> np.ndarray:
    return days / days.sum()
