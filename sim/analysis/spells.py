"""Spells read from one replication's log, and what they are measured against: acute stays and
their discharge pathways, ED patients boarding, UCR responses, escalation capacity open, and
the core capacity of a service. The building blocks of ``sim.analysis.metrics`` (the whole
results period) and ``sim.analysis.measures`` (any periods).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.analysis.logview import WAIT_ENDS, LogView, Pairs
from sim.analysis.periods import Periods
from sim.analysis.timeweighted import StepSeries
from sim.config.capacity import unit_capacities
from sim.config.schema import CapacitatedService, Scenario
from sim.engine.eventlog import Event
from sim.engine.model import ReplicationLog

OCCUPANCY_THRESHOLDS_PCT = (92, 95, 100)  # acute occupancy levels counted in days above


def above(pct: np.ndarray, level: float) -> np.ndarray:
    """``pct > level``, ignoring rounding: a time-weighted mean is a difference of running
    areas, so a ward full all day may come out a hair above 100%."""
    return pct > level + 1e-6


def core_capacity(scenario: Scenario, service: str) -> float | None:
    """Units of ``service`` summed over its organisational units, without escalation, rosters
    or closures (the capacity the scenario gives it); None when any unit is unlimited."""
    spec = scenario.services[service]
    if not isinstance(spec, CapacitatedService):
        return None
    units = unit_capacities(scenario, spec).values()
    finite = [c for c in units if c is not None]
    return float(sum(finite)) if len(finite) == len(units) else None



def role_service(scenario: Scenario, name: str) -> CapacitatedService:
    """The service in a reporting role: a team, ward or caseload (checked on loading)."""
    spec = scenario.services[name]
    assert isinstance(spec, CapacitatedService), f"{name}: a reporting role needs capacity"
    return spec


def discharge_pathways(view: LogView, acute: str) -> list[str]:
    """Pathway tags on the acute service's routes that lead on to another service."""
    services = view.scenario.services
    return [route.pathway for route in role_service(view.scenario, acute).routes.values()
            if route.pathway and services[route.to].kind != "exit"]


def pathway_code(view: LogView, pathway: str) -> int:
    """The code a pathway tag has in the log's ``pathway`` column."""
    return view.pathway_names.index(pathway)


def stay_discharge_codes(view: LogView, acute: str) -> np.ndarray:
    """For each acute stay that became ready (in the order of its ``ready`` events): the code
    of the discharge pathway it left on, or -1 for a stay that was not a discharge (a death).

    A patient keeps their last pathway tag, so the tag alone would count a death after a
    readmission as a discharge on the earlier stay's pathway. A stay counts as a discharge on
    pathway P only if the service it went on to is the target of an acute route tagged P.
    Where that service is not known by the horizon (still in the hand-off) the tag decides.
    """
    services = view.scenario.services
    index = view.service_index
    routes = [(index[route.to], pathway_code(view, route.pathway))
              for route in role_service(view.scenario, acute).routes.values()
              if route.pathway and services[route.to].kind != "exit"]
    rows = np.flatnonzero(view.mask(acute, Event.READY))
    tags = view.pathway[rows].astype(np.int64)
    after = view.neighbour_service(rows, +1)
    # after ready comes the next service's queue (blocking route), or leave then the next
    # service (the queue, or the exit of a journey that ends)
    target = np.where(after == index[acute], view.neighbour_service(rows, +2),
                      after).astype(np.int64)
    by_route = np.isin(target * 256 + tags, [t * 256 + c for t, c in routes])
    by_tag = np.isin(tags, [c for _, c in routes])
    return np.where(np.where(target >= 0, by_route, by_tag), tags, -1)



def boarding_pairs(view: LogView, acute: str, ed: str) -> Pairs:
    """Decisions to admit from ED (acute ``queue`` straight after ED, any time) paired with
    getting the bed (acute ``start``): the ED patient boards in between."""
    pairs = view.pairs(acute, Event.QUEUE, WAIT_ENDS)
    rows_q = np.flatnonzero(view.mask(acute, Event.QUEUE))
    from_ed = view.neighbour_service(rows_q, -1) == view.service_index[ed]
    return Pairs(pairs.patient[from_ed], pairs.start[from_ed], pairs.end[from_ed],
                 pairs.pathway[from_ed], pairs.ended_by[from_ed])



@dataclass(frozen=True)
class UcrResponses:
    """UCR referrals (``queue``, any time) paired with reaching the patient or giving up."""

    pairs: Pairs
    known: np.ndarray  # ended, or still open and the target had passed by the horizon
    within: np.ndarray  # reached within the service's response_target_hours
    reached: np.ndarray  # reached at all (not given up, not still waiting)


def ucr_responses(view: LogView, ucr: str) -> UcrResponses:
    spec = role_service(view.scenario, ucr)
    assert spec.response_target_hours is not None, f"{ucr}: UCR needs a response target"
    target_days = spec.response_target_hours / 24
    # a team that travels logs reaching the patient; one that does not reaches them at start
    reached = Event.VISIT if spec.travel_time_by_level is not None else Event.START
    pairs = view.pairs(ucr, Event.QUEUE, (reached, Event.RENEGE))
    censored = np.isnan(pairs.end)
    known = ~censored | (view.log.horizon - pairs.start > target_days)
    came = pairs.ended_by == reached
    return UcrResponses(pairs, known, came & (pairs.end - pairs.start <= target_days), came)



def escalated_services(scenario: Scenario) -> list[str]:
    """Services with an escalation (or mutual aid) in the scenario, in scenario order."""
    named = {escalation.service for escalation in scenario.escalation.values()}
    return [name for name in scenario.services if name in named]


def escalation_units(log: ReplicationLog, service: str) -> StepSeries:
    """Units of escalation capacity open at ``service`` over time, summed over its units, from
    ``log.capacity_log``; capacity a unit borrows by mutual aid counts, capacity it lends
    does not."""
    cap = log.capacity_log
    rows = np.flatnonzero(cap["service"] == list(log.scenario.services).index(service))
    times, deltas = [], []
    for unit in np.unique(cap["unit"][rows]):
        own = rows[cap["unit"][rows] == unit]  # in time order, as logged
        times.append(cap["time"][own])
        deltas.append(np.diff(np.maximum(cap["escalation"][own], 0), prepend=0))
    if not times:
        return StepSeries(np.zeros(0), np.zeros(0))
    all_times = np.concatenate(times)
    order = np.argsort(all_times, kind="stable")
    return StepSeries(all_times[order], np.concatenate(deltas)[order])


def escalation_days(log: ReplicationLog, service: str, days: Periods) -> np.ndarray:
    """For each of ``days``: was any escalation capacity of ``service`` open at some time
    that day (1) or not (0)."""
    units = escalation_units(log, service)
    is_open = (units.levels > 0).astype(float)
    opened = StepSeries(units.times, np.diff(is_open, prepend=0))
    return (opened.mean_between(days.edges) > 0).astype(float)


def open_intervals(starts: np.ndarray, ends: np.ndarray) -> StepSeries:
    """How many of the intervals ``[starts[i], ends[i])`` are open over time."""
    times = np.concatenate([starts, ends])
    order = np.argsort(times, kind="stable")
    deltas = np.concatenate([np.ones(len(starts)), -np.ones(len(ends))])
    return StepSeries(times[order], deltas[order])
