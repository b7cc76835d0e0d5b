"""The scenario turned into lookup tables the model runs on: services, routes, demand cells.

Patient attributes are small integers (indices into the scenario's lists of age bands,
localities, ...), and every value that may depend on an attribute becomes a function of the
patient. Nothing here holds simulation state, so one network serves a whole replication.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sized
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, Callable, Protocol

import numpy as np

from sim.compile.clocks import RateProfile, SurgeClock
from sim.compile.decisions import RouteDecision, route_decision
from sim.compile.samplers import draw_days
from sim.config.calendar import SimCalendar
from sim.config.capacity import unit_capacities
from sim.config.checks import attribute_domains
from sim.config.schema import (
    RESIDENCES,
    WAITED_DAYS,
    By,
    CapacitatedService,
    DelayService,
    ExitService,
    PlacementService,
    Scenario,
    WhenBusy,
    routes_of,
)

Sampler = Callable[[Any, float], float]  # (patient, uniform) -> days


def _lookup(value: By, domains: dict[str, list[str]]) -> tuple[list[Any], Callable[[Any], int]]:
    """A ``By``'s values in a list and (patient) -> the index of the patient's value in it.

    Categorical attributes are patient attributes holding the index already; days waited are
    placed in their band (index 0: below the first band, the ``default``)."""
    if value.by == WAITED_DAYS:
        bounds = value.day_bands()
        items = [value.values.get("default")] + [value.values[k] for k in value.band_keys()]
        return items, lambda patient: bisect_right(bounds, patient.waited_days)
    return [value.get(key) for key in domains[value.by]], attrgetter(value.by)


def _not_given(u: float) -> float:
    """Stands in for a value no patient can need (the checks see to it: e.g. a days-waited
    band below 0), so that reaching it is a clear fault, not a call of None."""
    raise AssertionError("a patient needed a value the scenario does not give: a fault of the "
                         "program, please report it")


def _sampler(value: Any, domains: dict[str, list[str]]) -> Sampler | None:
    """(patient, u) -> days, the distribution compiled (``sim.compile.samplers``): this runs
    several times per stage visit, so no lookup is left for sampling time."""
    if value is None:
        return None
    if isinstance(value, By):
        items, index = _lookup(value, domains)
        samplers = [_not_given if d is None else draw_days(d) for d in items]
        return lambda patient, u: samplers[index(patient)](u)
    sample = draw_days(value)
    return lambda patient, u: sample(u)


def _mean(value: Any, domains: dict[str, list[str]]) -> Callable[[Any], float]:
    """(patient) -> mean days of the distribution ``value`` gives the patient (0 for none)."""
    if value is None:
        return lambda patient: 0.0
    if isinstance(value, By):
        items, index = _lookup(value, domains)
        means = [0.0 if d is None else d.mean_days for d in items]
        return lambda patient: means[index(patient)]
    mean = value.mean_days
    return lambda patient: mean


class Units(Protocol):
    """What a balk decision reads of a pool of units (the engine's ``simpy.Resource``)."""

    @property
    def users(self) -> Sized: ...  # requests holding a unit
    @property
    def queue(self) -> Sized: ...  # requests waiting
    @property
    def capacity(self) -> float: ...


@dataclass(frozen=True, slots=True)
class BusyTable:
    """A ``when_busy`` block with its services as indices (see ``sim.config.schema.WhenBusy``)."""

    balk_to: int | None
    queue_at_least: int
    expected_wait_above: float | None  # days
    mean_hold: Callable[[Any], float]  # (patient) -> mean days holding a unit
    renege_to: int | None
    patience: Sampler | None

    def balks(self, pool: Units, patient: Any) -> bool:
        """Does a patient asking ``pool`` now go elsewhere? Only when no unit is free, and at
        least ``queue_at_least`` wait, and (if given) the expected wait exceeds the threshold."""
        queued, capacity = len(pool.queue), int(pool.capacity)
        if self.balk_to is None or len(pool.users) < capacity or queued < self.queue_at_least:
            return False
        if self.expected_wait_above is None:
            return True
        if capacity <= 0:  # nobody on duty: no end to the wait in sight
            return True
        return (queued + 1) * self.mean_hold(patient) / capacity > self.expected_wait_above


@dataclass(frozen=True, slots=True)
class RouteTable:
    name: str
    target: int
    blocking: bool
    pathway: int | None
    duration: Sampler | None
    handoff: Sampler | None
    when_busy: BusyTable | None  # at the target, for patients coming this way: the route's
    # own block if it has one (``{}``: none), else the target's


@dataclass(frozen=True, slots=True)
class ServiceTable:
    name: str
    index: int
    kind: str
    is_exit: bool
    is_placement: bool
    level: str | None
    unit_names: list[str]
    capacities: list[int | None]  # per unit; None = unlimited; empty for uncapacitated kinds
    unit_of_locality: list[int]
    duration: Sampler | None  # time in service (team, ward, caseload, delay)
    delay: Sampler | None  # time until available (placement)
    travel: Sampler | None  # teams: time to reach the patient
    when_busy: BusyTable | None
    routes: list[RouteTable]
    choose: RouteDecision  # (patient, u, now) -> index into routes (sim.compile.decisions)


@dataclass(frozen=True)
class DemandTable:
    """Arrival cells of one demand stream: (locality, age band, residence) with daily rates."""

    name: str
    index: int
    entry: int
    cells: list[tuple[int, int, int]]
    rates_per_day: np.ndarray
    high_risk_share: list[float]  # by age band
    source_cumulative: list[list[float]]  # by residence, cumulative over the source codes
    profile: RateProfile | None  # None: constant rates
    # surges raising this stream: (index in the scenario's surges, its clock, whether each
    # cell is raised)
    surges: list[tuple[int, SurgeClock, list[bool]]]

    @property
    def total_rate_per_day(self) -> float:
        return float(self.rates_per_day.sum())


@dataclass(frozen=True)
class Network:
    scenario: Scenario
    domains: dict[str, list[str]]
    services: list[ServiceTable]
    demand: list[DemandTable]
    pathway_codes: dict[str, int]

    @classmethod
    def build(cls, scenario: Scenario) -> Network:
        domains = attribute_domains(scenario)
        index = {name: i for i, name in enumerate(scenario.services)}
        pathway_codes = {name: i for i, name in enumerate(domains["pathway"])}
        busy = {name: _busy_table(getattr(spec, "when_busy", None), _hold(spec, domains), index,
                                  domains) for name, spec in scenario.services.items()}
        services = [
            _service_table(scenario, name, spec, i, index, domains, pathway_codes, busy)
            for i, (name, spec) in enumerate(scenario.services.items())
        ]
        demand = [_demand_table(scenario, name, i, index, domains)
                  for i, name in enumerate(scenario.demand)]
        return cls(scenario, domains, services, demand, pathway_codes)


def _service_table(
    scenario: Scenario,
    name: str,
    spec: Any,
    i: int,
    index: dict[str, int],
    domains: dict[str, list[str]],
    pathway_codes: dict[str, int],
    busy: dict[str, BusyTable | None],
) -> ServiceTable:
    geo = scenario.geography
    specs = routes_of(spec)
    routes = [
        RouteTable(
            name=route_name,
            target=index[route.to],
            blocking=route.blocking,
            pathway=pathway_codes[route.pathway] if route.pathway else None,
            duration=_sampler(route.duration, domains),
            handoff=_sampler(route.handoff_delay, domains),
            when_busy=busy[route.to] if route.when_busy is None else _busy_table(
                route.when_busy, _hold(scenario.services[route.to], domains), index, domains),
        )
        for route_name, route in specs.items()
    ]
    level, unit_names, capacities, unit_of_locality = None, [], [], [0] * len(geo.localities)
    travel = None
    if isinstance(spec, CapacitatedService):
        level = spec.level
        by_unit = unit_capacities(scenario, spec)
        unit_names, capacities = list(by_unit), list(by_unit.values())
        unit_of_locality = [unit_names.index(geo.unit_of(loc, level)) for loc in geo.localities]
        if spec.travel_time_by_level is not None:
            travel = _sampler(spec.travel_time_by_level[level], domains)
    duration = _sampler(spec.duration, domains) if isinstance(
        spec, (CapacitatedService, DelayService)) else None
    delay = _sampler(spec.delay, domains) if isinstance(spec, PlacementService) else None
    assert isinstance(spec, (CapacitatedService, DelayService, PlacementService, ExitService))
    choose = route_decision(spec, [route.probability for route in specs.values()], domains,
                            list(specs))
    return ServiceTable(name, i, spec.kind, spec.kind == "exit", spec.kind == "placement", level,
                        unit_names, capacities, unit_of_locality, duration, delay, travel,
                        busy[name], routes, choose)


def _hold(spec: Any, domains: dict[str, list[str]]) -> Callable[[Any], float]:
    """(patient) -> mean days a patient holds a unit of ``spec``: travel and time in service
    (routes' own durations and hand-offs left out: an estimate a referrer could make)."""
    if not isinstance(spec, CapacitatedService):
        return lambda patient: 0.0
    stay = _mean(spec.duration, domains)
    if spec.travel_time_by_level is None:
        return stay
    travel = spec.travel_time_by_level[spec.level].mean_days
    return lambda patient: travel + stay(patient)


def _busy_table(block: WhenBusy | None, hold: Callable[[Any], float], index: dict[str, int],
                domains: dict[str, list[str]]) -> BusyTable | None:
    if block is None or (block.balk is None and block.renege is None):
        return None
    balk, renege = block.balk, block.renege
    return BusyTable(
        balk_to=None if balk is None else index[balk.to],
        queue_at_least=0 if balk is None else balk.queue_at_least,
        expected_wait_above=None if balk is None or balk.expected_wait_hours_above is None
        else balk.expected_wait_hours_above / 24,
        mean_hold=hold,
        renege_to=None if renege is None else index[renege.to],
        patience=None if renege is None else _sampler(renege.patience, domains),
    )


def _demand_table(
    scenario: Scenario, name: str, i: int, index: dict[str, int], domains: dict[str, list[str]]
) -> DemandTable:
    stream = scenario.demand[name]
    geo = scenario.geography
    cells, rates = [], []
    for li, (loc_name, loc) in enumerate(geo.localities.items()):
        own = stream.rate_per_1000_per_year_by_locality.get(loc_name)
        rates_per_1000 = own or stream.rate_per_1000_per_year
        need = loc.need_index if stream.scale_by_need and own is None else 1.0
        for ai, band in enumerate(geo.age_bands):
            base = loc.population[band] * rates_per_1000[band] / 1000 * need / 365
            share = geo.care_home_share[band]
            for ri, residence_share in enumerate((1 - share, share * stream.care_home_rate_ratio)):
                cells.append((li, ai, ri))
                rates.append(base * residence_share)
    sources = domains["source"]
    cumulative = []
    for residence in RESIDENCES:
        mix = stream.sources.get(residence) if isinstance(stream.sources, By) else stream.sources
        # Python floats: compared with a uniform at every arrival
        cumulative.append(np.cumsum([mix.get(s, 0.0) for s in sources]).tolist())
    return DemandTable(
        name=name,
        index=i,
        entry=index[stream.entry],
        cells=cells,
        rates_per_day=np.array(rates),
        high_risk_share=[stream.high_risk_share.get(b, 0.0) for b in geo.age_bands],
        source_cumulative=cumulative,
        profile=None if stream.profile is None else RateProfile(
            stream.profile, scenario.time.start_date, scenario.time.warmup_days),
        surges=_surges_raising(scenario, name, cells),
    )


def _surges_raising(scenario: Scenario, stream: str, cells: list[tuple[int, int, int]]
                    ) -> list[tuple[int, SurgeClock, list[bool]]]:
    calendar = SimCalendar(scenario.time.start_date, scenario.time.warmup_days)
    geo = scenario.geography
    localities, bands = list(geo.localities), list(geo.age_bands)
    raising = []
    for index, surge in enumerate(scenario.surges.values()):
        if surge.streams is not None and stream not in surge.streams:
            continue
        raised = [(surge.localities is None or localities[li] in surge.localities)
                  and (surge.age_bands is None or bands[ai] in surge.age_bands)
                  for li, ai, _ in cells]
        raising.append((index, SurgeClock(surge, calendar), raised))
    return raising
