"""Checks of the ``census:`` block against the rest of the scenario (``sim.config.census``):
services, localities, pathways and age bands it names exist, counts fit the capacity, and
some demand reaches every service it fills."""

from __future__ import annotations

from typing import Any

from sim.config.capacity import unit_capacities
from sim.config.census import CAPACITATED, Census, ServiceCensus
from sim.config.census_counts import locality_counts
from sim.config.problems import TOLERANCE, Problem
from sim.config.schema import CapacitatedService, Scenario, alternatives, largest_probability, routes_of


def census_problems(census: Census, scenario: Scenario) -> list[Problem]:
    """Every problem with ``census`` in ``scenario``; paths start with ``census``."""
    problems: list[Problem] = []
    capacitated = [name for name, s in scenario.services.items() if s.kind in CAPACITATED]
    localities = list(scenario.geography.localities)
    bands = scenario.geography.age_bands
    reached = _reached_by_demand(scenario)
    for name, entry in census.items():
        path: tuple[Any, ...] = ("census", name)
        service = scenario.services.get(name)
        if service is None:
            problems.append(Problem(path, f"unknown service (expected one of {capacitated})"))
            continue
        if not isinstance(service, CapacitatedService):
            problems.append(Problem(path, (
                f"'{name}' is of kind {service.kind}; a census counts patients of a team, ward "
                f"or caseload (expected one of {capacitated})")))
            continue
        groups: list[tuple[tuple[str, ...], Any]] = [(("in_service",), entry.in_service),
                                                     (("waiting",), entry.waiting)]
        groups += [(("ready", pathway), counts) for pathway, counts in entry.ready.items()]
        for where, counts in groups:
            for locality in counts if isinstance(counts, dict) else ():
                if locality not in localities:
                    problems.append(Problem((*path, *where, locality),
                                            f"unknown locality (expected one of {localities})"))
        blocking = list(dict.fromkeys(
            route.pathway for route in service.routes.values() if route.blocking and route.pathway))
        for pathway in entry.ready:
            if pathway not in blocking:
                expected = (f"expected one of {blocking}" if blocking else
                            f"no blocking route out of '{name}' tags a pathway, so it has no "
                            "delayed discharges")
                problems.append(Problem((*path, "ready", pathway), (
                    f"not the pathway of a blocking route out of '{name}' ({expected})")))
        units = scenario.geography.units(service.level)
        if service.capacity_by_unit is None or set(units) <= set(service.capacity_by_unit):
            # (a unit missing from capacity_by_unit is reported by the scenario's own checks)
            capacities = unit_capacities(scenario, service)
            if None in capacities.values() and _total(entry.waiting, localities):
                problems.append(Problem((*path, "waiting"), (
                    f"'{name}' has unlimited capacity, so nobody waits for it; expected 0")))
            _check_capacity(entry, service, capacities, scenario, path, problems)
        if entry.age_mix is not None:
            mpath = (*path, "age_mix")
            for band in entry.age_mix:
                if band not in bands:
                    problems.append(Problem((*mpath, band),
                                            f"unknown age band (expected one of {bands})"))
            total = sum(entry.age_mix.values())
            if abs(total - 1) > TOLERANCE:
                problems.append(Problem(mpath, f"shares sum to {total:g}; expected 1"))
        counted = sum(_total(counts, localities) for _, counts in groups)
        if counted and name not in reached:
            problems.append(Problem(path, (
                f"no demand stream reaches '{name}', so its census patients' attributes cannot "
                "be drawn from the demand; expected a service some patients are routed to")))
    return problems


def _total(counts: Any, localities: list[str]) -> int:
    return sum(c for k, c in counts.items() if k in localities) if isinstance(counts, dict) \
        else counts


def _check_capacity(
    entry: ServiceCensus,
    service: Any,
    capacities: dict[str, int | None],
    scenario: Scenario,
    path: tuple[Any, ...],
    problems: list[Problem],
) -> None:
    """Patients in service and ready each hold a unit: no more than the unit's capacity."""
    geo = scenario.geography
    holding = dict.fromkeys(capacities, 0)
    for counts in (entry.in_service, *entry.ready.values()):
        for locality, count in locality_counts(counts, scenario).items():
            holding[geo.unit_of(locality, service.level)] += count
    for unit, held in holding.items():
        capacity = capacities[unit]
        if capacity is not None and held > capacity:
            where = "" if service.level == "system" and len(capacities) == 1 else \
                f" in {service.level} '{unit}'"
            problems.append(Problem(path, (
                f"{held} patients in service or ready{where}, each holding a unit, but the "
                f"capacity is {capacity}; expected at most {capacity}")))


def _reached_by_demand(scenario: Scenario) -> set[str]:
    """Services some patient can reach: the entries of demand streams and everywhere routes
    of positive probability (for someone) lead from them."""
    reached: set[str] = set()
    pending = [stream.entry for stream in scenario.demand.values()]
    while pending:
        name = pending.pop()
        if name in reached or name not in scenario.services:
            continue
        reached.add(name)
        service = scenario.services[name]
        pending.extend(alternatives(getattr(service, "when_busy", None)))
        for route in routes_of(service).values():
            if largest_probability(route.probability) > 0:
                pending.append(route.to)
                pending.extend(alternatives(route.when_busy))
    return reached
