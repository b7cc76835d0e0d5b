"""Simultaneous use of services with their capacity made unlimited: how many beds, slots or
staff are in use, and for how long, per service, organisational unit and calendar month.

Occupancy counts patients holding a service, from ``start`` to ``leave``: time in service,
any hand-off delay, and time blocked waiting for the next service (a delayed discharge still
holds its bed). Services left constrained keep their queues, so what they block shows up in
the occupancy of the services before them.

One replication is reduced in the worker to histograms: days spent at each occupancy level
0, 1, 2, ... in the results period (warm-up excluded), so only small arrays cross processes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.logview import LogView
from sim.analysis.metrics import ALL
from sim.analysis.timeweighted import StepSeries
from sim.compile import validate
from sim.config.capacity import unit_capacities
from sim.config.loader import ScenarioError
from sim.config.schema import CapacitatedService, Scenario
from sim.engine.model import ReplicationLog, run_replication
from sim.runner import map_replications

Key = tuple[str, str, str]  # (service, unit, period)
Histograms = dict[Key, np.ndarray]  # days at occupancy 0, 1, 2, ... (index = level)


@dataclass(frozen=True)
class Period:
    """A stretch of the results period: ``all`` or a calendar month ``YYYY-MM``."""

    name: str
    start: float  # days from the start of warm-up
    end: float


def capacitated_services(scenario: Scenario) -> list[str]:
    """Services with capacity (teams, wards, caseloads), in scenario order."""
    return [name for name, spec in scenario.services.items()
            if isinstance(spec, CapacitatedService)]


def unlimited_services(scenario: Scenario) -> list[str]:
    """Capacitated services whose capacity is unlimited in every unit."""
    return [name for name, spec in scenario.services.items()
            if isinstance(spec, CapacitatedService)
            and all(c is None for c in unit_capacities(scenario, spec).values())]


def check_services(scenario: Scenario, services: list[str]) -> None:
    """Raise ``ScenarioError`` unless every name is a capacitated service of ``scenario``."""
    known = capacitated_services(scenario)
    problems = [f"--services: '{name}' is not a team, ward or caseload of scenario "
                f"'{scenario.name}' (expected one of {known})"
                for name in services if name not in known]
    if problems:
        raise ScenarioError(problems)


def unlimited(scenario: Scenario, services: list[str]) -> Scenario:
    """A copy of ``scenario`` in which ``services`` have unlimited capacity, so without the
    rosters, absence, closed beds and escalation that would vary it."""
    data = scenario.model_dump(mode="json")
    for name in services:
        data["services"][name].update(capacity="unlimited", capacity_by_unit=None)
    blocks = [data["staffing"]["rosters"], data["staffing"]["absence_pct"]]
    blocks += [surge["effects"][effect] for surge in data["surges"].values()
               for effect in ("absence_pct", "closed_beds")]
    for block in blocks:
        for name in services:
            block.pop(name, None)
    data["escalation"] = {k: v for k, v in data["escalation"].items()
                          if v["service"] not in services}
    return validate(data, {}, f"scenario '{scenario.name}' with {', '.join(services)} unlimited")


def periods(scenario: Scenario) -> list[Period]:
    """``all`` (the whole results period), then each calendar month it touches, clipped."""
    t = scenario.time
    start, end = t.warmup_days, t.warmup_days + t.run_days
    found = [Period(ALL, start, end)]
    month = t.start_date.replace(day=1)
    while True:
        following = (month + dt.timedelta(days=32)).replace(day=1)
        begin = start + max((month - t.start_date).days, 0)
        if begin >= end:
            return found
        finish = min(start + (following - t.start_date).days, end)
        found.append(Period(month.strftime("%Y-%m"), begin, finish))
        month = following


def units(scenario: Scenario, service: str) -> dict[str, list[int] | None]:
    """Unit name -> indices of the localities it serves (None: everyone, unit ``all``).

    A service organised in several units (localities, partnerships, systems) is reported per
    unit and for ``all``; one organised in a single unit only for ``all``.
    """
    spec = scenario.services[service]
    assert isinstance(spec, CapacitatedService)
    geo = scenario.geography
    names = geo.units(spec.level)
    found: dict[str, list[int] | None] = {}
    if len(names) > 1:
        for unit in names:
            found[unit] = [i for i, loc in enumerate(geo.localities)
                           if geo.unit_of(loc, spec.level) == unit]
    found[ALL] = None
    return found


def occupancy_histograms(log: ReplicationLog, services: list[str]) -> Histograms:
    """Days spent at each occupancy level, per service, unit and period, in one replication."""
    view = LogView(log)
    found: Histograms = {}
    for service in services:
        for unit, localities in units(log.scenario, service).items():
            series = _unit_series(view, service, localities)
            for period in periods(log.scenario):
                levels, days = series.level_durations(period.start, period.end)
                found[(service, unit, period.name)] = _histogram(levels, days)
    return found


def replication_histograms(scenario: Scenario, replication: int) -> Histograms:
    """Run one replication and reduce it to histograms of every service with unlimited
    capacity; pure and picklable, and depends on (scenario, replication) only, so results
    can be cached."""
    log = run_replication(scenario, replication)
    return occupancy_histograms(log, unlimited_services(scenario))


def simulate_occupancy(scenario: Scenario, services: list[str], replications: int,
                       **settings: Any) -> list[Histograms]:
    """Histograms of ``services`` in replications 0..n-1, in order, with ``services`` made
    unlimited in ``scenario``. ``settings`` go to ``sim.runner.map_replications``
    (executor, jobs, scheduler, cache, progress)."""
    run = unlimited(scenario, services)
    found = map_replications(replication_histograms, [(run, r) for r in range(replications)],
                             desc=scenario.name, **settings)
    return [{key: days for key, days in h.items() if key[0] in services} for h in found]


def pooled(histograms: list[Histograms], key: Key) -> np.ndarray:
    """Fraction of time at each occupancy level, pooled over replications (sums to 1)."""
    total = add_histograms([h[key] for h in histograms])
    return total / total.sum()


def add_histograms(parts: list[np.ndarray]) -> np.ndarray:
    total = np.zeros(max(len(p) for p in parts))
    for part in parts:
        total[: len(part)] += part
    return total


def _unit_series(view: LogView, service: str, localities: list[int] | None) -> StepSeries:
    """Occupancy of the unit serving ``localities`` (the whole service when None)."""
    if localities is None:
        return view.occupancy(service)
    parts = [view.occupancy(service, i) for i in localities]
    if len(parts) == 1:
        return parts[0]
    times = np.concatenate([p.times for p in parts])
    deltas = np.concatenate([np.diff(p.levels, prepend=0.0) for p in parts])
    order = np.argsort(times, kind="stable")
    return StepSeries(times[order], deltas[order])


def _histogram(levels: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Days at each whole level 0..max, from the distinct levels and their durations.

    Levels held for no time (simultaneous events) are dropped, so the array ends at the
    highest level actually held.
    """
    held = days > 0
    counts = np.rint(levels[held]).astype(np.int64)
    return np.bincount(counts, weights=days[held], minlength=1)


def distribution_table(histograms: list[Histograms]) -> pd.DataFrame:
    """Pooled distribution per service, unit (column ``locality``) and period: the fraction
    of time at each occupancy 0..max, and above it (the chance that many units are too few)."""
    frames = []
    for key in histograms[0]:
        fractions = pooled(histograms, key)
        above = np.clip(1.0 - np.cumsum(fractions), 0.0, None)
        service, unit, period = key
        frames.append(pd.DataFrame({
            "service": service, "locality": unit, "period": period,
            "occupancy": np.arange(len(fractions)), "fraction_of_time": fractions,
            "fraction_of_time_above": above}))
    return pd.concat(frames, ignore_index=True)
