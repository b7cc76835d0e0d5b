"""The ``census:`` block: the patients already in the system when the simulation starts.

A scenario without a census starts empty and needs a warm-up to fill. A census gives, for
each capacitated service (team, ward or caseload), the patients there at 00:00 on the first
simulated day (the start of warm-up; a census usually comes with a short warm-up or none):

- ``in_service``: receiving care, each holding a unit (a bed, a caseload slot, a clinician);
- ``ready``: delayed discharges, medically optimised and still holding a unit while they wait
  for the service a blocking route takes them to, counted by the pathway that route tags;
- ``waiting``: in the queue for the service, holding nothing of it;
- ``age_mix``: optionally, the share of the service's patients in each age band.

Each count is a total, split across localities in proportion to their population (largest
remainder), or a mapping of locality to count. How census counts become patients, with the
remaining stays they need, is ``sim.engine.census``; docs/census.md explains both.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import ConfigDict, Field, RootModel

from sim.config.base import Fraction, Frozen, tagged_union
from sim.config.capacity import split_capacity, unit_capacities

if TYPE_CHECKING:  # schema imports this module, and checks imports schema
    from sim.config.checks import Problem
    from sim.config.schema import Scenario

CAPACITATED = ("team", "ward", "caseload")
STATES = ("in_service", "ready", "waiting")

# strict: 1.5 and true are not counts. At most MAX_CENSUS_COUNT in one place: each patient is
# a process created before the first event, and a million of them takes minutes and gigabytes.
MAX_CENSUS_COUNT = 100_000
Count = Annotated[int, Field(ge=0, le=MAX_CENSUS_COUNT, strict=True)]
Counts = tagged_union(
    {"total": Count, "by_locality": dict[str, Count]},
    lambda value: "by_locality" if isinstance(value, dict) else "total",
    "expected a whole number of at least 0, or a mapping of locality to such a number",
)


class ServiceCensus(Frozen):
    """The patients of one service at the census; every count is a number of patients."""

    in_service: Counts = Field(0, description="receiving care, each holding a unit")
    ready: dict[str, Counts] = Field(
        default_factory=dict,
        description="pathway -> delayed discharges holding a unit, waiting for that pathway")
    waiting: Counts = Field(0, description="queueing for the service, holding nothing")
    age_mix: dict[str, Fraction] | None = Field(
        None, description="age band -> share of this service's census patients; "
                          "none: drawn from the demand that reaches the service")


class Census(RootModel[dict[str, ServiceCensus]]):
    """Service name -> its patients at the start of the simulation."""

    model_config = ConfigDict(frozen=True)

    def items(self) -> Any:
        return self.root.items()

    def get(self, service: str) -> ServiceCensus | None:
        return self.root.get(service)


def locality_counts(counts: Any, scenario: Scenario) -> dict[str, int]:
    """A count by locality, in the scenario's order of localities: a total is split in
    proportion to population by largest remainder; a mapping lists the localities it has
    (localities it leaves out have none; unknown ones are ignored, see census_problems)."""
    localities = scenario.geography.localities
    if isinstance(counts, dict):
        return {name: counts.get(name, 0) for name in localities}
    shares = split_capacity(counts, [loc.total_population for loc in localities.values()])
    return dict(zip(localities, shares))


def ready_routes(service: Any, pathway: str) -> list[str]:
    """Names of the blocking routes out of ``service`` that tag ``pathway``: a delayed
    discharge on that pathway waits for one of their targets."""
    return [name for name, route in getattr(service, "routes", {}).items()
            if route.blocking and route.pathway == pathway]


def census_problems(census: Census, scenario: Scenario) -> list[Problem]:
    """Every problem with ``census`` in ``scenario``; paths start with ``census``."""
    from sim.config.checks import TOLERANCE, Problem

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
        if service.kind not in CAPACITATED:
            problems.append(Problem(path, (
                f"'{name}' is of kind {service.kind}; a census counts patients of a team, ward "
                f"or caseload (expected one of {capacitated})")))
            continue
        groups = [(("in_service",), entry.in_service), (("waiting",), entry.waiting)]
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
    from sim.config.checks import Problem

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
    from sim.config.schema import alternatives, largest_probability  # schema imports this

    reached: set[str] = set()
    pending = [stream.entry for stream in scenario.demand.values()]
    while pending:
        name = pending.pop()
        if name in reached or name not in scenario.services:
            continue
        reached.add(name)
        service = scenario.services[name]
        pending.extend(alternatives(getattr(service, "when_busy", None)))
        for route in getattr(service, "routes", {}).values():
            if largest_probability(route.probability) > 0:
                pending.append(route.to)
                pending.extend(alternatives(route.when_busy))
    return reached
