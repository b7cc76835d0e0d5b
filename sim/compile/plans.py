"""What moves each unit's capacity while the model runs, compiled from the scenario's staffing
(rosters, absence), surges (absence, closed beds) and escalation: one ``UnitPlan`` per unit
whose capacity can change, and one ``MutualAidPlan`` per mutual-aid escalation. The engine's
capacity controllers (``sim.engine.capacity_control``) run them; they read nothing else.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

import numpy as np

from sim.compile.clocks import SurgeClock
from sim.config.calendar import SimCalendar
from sim.config.capacity import split_capacity, unit_capacities
from sim.config.escalation import Escalation
from sim.config.profile import MONTHS, WEEKDAYS
from sim.config.schema import CapacitatedService, Scenario
from sim.config.staffing import Roster, UnitRosters


@dataclass(frozen=True)
class EscalationRule:
    """One escalation's trigger (``sim.config.escalation``) with its months as numbers."""

    name: str  # key in the scenario's escalation block
    measure: str  # "occupancy_pct" (% of core capacity in use) or "queue" (patients waiting)
    open_above: float  # opens when the measure is above this at a check
    close_below: float  # closes when the measure is below this at a check
    check_every_hours: int
    months: frozenset[int] | None  # months it may be open (1 = January); None: all year
    capacity: int | None  # units a mutual-aid loan moves (None: not mutual aid)

    def open_in(self, month: int) -> bool:
        """May it be open in ``month`` (1 = January)?"""
        return self.months is None or month in self.months


@dataclass(frozen=True)
class UnitPlan:
    """What moves one unit's capacity: its own roster and absence, or its share of the
    service's."""

    service: int  # index into the scenario's services
    unit: int  # index into the service's units (``sim.config.capacity.unit_capacities``)
    name: str  # "service.unit", names the unit's absence stream
    base: int  # capacity with everyone on duty and nothing closed or escalated, units
    roster: np.ndarray | None  # staff by [calendar day from day 0, hour]; None: ``base``
    absence: float  # chance a member of staff is off on a given day
    surge_absence: tuple[tuple[SurgeClock, float], ...]  # (surge, chance at full size)
    closed_beds: tuple[tuple[SurgeClock, int], ...]  # (surge, units closed at full size)
    escalations: tuple[tuple[EscalationRule, int], ...]  # (rule, units it opens here)
    mutual_aid: tuple[EscalationRule, ...]  # loans it may take part in

    @property
    def hourly(self) -> bool:
        """Set every hour (a roster or escalation), else at 00:00."""
        return self.roster is not None or bool(self.escalations)


@dataclass(frozen=True)
class MutualAidPlan:
    """A mutual-aid escalation: the units of ``service`` whose plans list ``rule`` lend and
    borrow ``rule.capacity`` units."""

    service: int
    rule: EscalationRule


def escalation_rule(name: str, escalation: Escalation) -> EscalationRule:
    return EscalationRule(
        name, escalation.measure, escalation.open_above, escalation.close_below,
        escalation.check_every_hours,
        None if escalation.months is None else frozenset(
            MONTHS.index(month) + 1 for month in escalation.months),
        escalation.capacity if escalation.mutual_aid else None)


def mutual_aid_plans(scenario: Scenario) -> tuple[MutualAidPlan, ...]:
    """The scenario's mutual-aid escalations, in its order."""
    names = list(scenario.services)
    return tuple(MutualAidPlan(names.index(escalation.service), escalation_rule(name, escalation))
                 for name, escalation in scenario.escalation.items() if escalation.mutual_aid)


def unit_plans(scenario: Scenario, calendar: SimCalendar, horizon: float,
               clocks: dict[str, SurgeClock]) -> tuple[UnitPlan, ...]:
    """A plan for every unit whose capacity can change in ``scenario`` over [0, ``horizon``)
    days; ``clocks``: each surge's clock, by name."""
    # a day past the horizon: the last hour boundary may round to just before it
    dates = calendar.dates(horizon + 1)
    plans: list[UnitPlan] = []
    for index, (name, spec) in enumerate(scenario.services.items()):
        if not isinstance(spec, CapacitatedService):
            continue
        capacities = unit_capacities(scenario, spec)
        if None in capacities.values():
            continue
        units = list(capacities)
        bases = [int(c or 0) for c in capacities.values()]

        def shares(total: int, weights: list[int] = bases) -> list[int]:
            return split_capacity(total, [float(b) for b in weights])

        rosters = _unit_rosters(scenario, name, units, bases, calendar, dates, shares)
        surge_absence: list[tuple[SurgeClock, float]] = []
        closed: list[list[tuple[SurgeClock, int]]] = [[] for _ in units]
        for surge_name, surge in scenario.surges.items():
            effects = surge.effects
            if name in effects.absence_pct:
                surge_absence.append((clocks[surge_name], effects.absence_pct[name] / 100))
            if name in effects.closed_beds:
                for u, beds in enumerate(shares(effects.closed_beds[name])):
                    closed[u].append((clocks[surge_name], beds))
        escalations: list[list[tuple[EscalationRule, int]]] = [[] for _ in units]
        aid: list[list[EscalationRule]] = [[] for _ in units]
        for escalation_name, escalation in scenario.escalation.items():
            if escalation.service != name:
                continue
            rule = escalation_rule(escalation_name, escalation)
            taking_part = [u for u, unit in enumerate(units) if escalation.covers(unit)]
            if escalation.mutual_aid:
                for u in taking_part:
                    aid[u].append(rule)
            elif escalation.capacity_by_unit is not None:
                for u in taking_part:
                    escalations[u].append((rule, escalation.capacity_by_unit[units[u]]))
            else:
                assert escalation.capacity is not None  # validated: one of the two is given
                # split as the service's capacity, over the units that escalate
                extras = shares(escalation.capacity, [bases[u] for u in taking_part])
                for u, extra in zip(taking_part, extras):
                    escalations[u].append((rule, extra))
        for u, unit in enumerate(units):
            plan = UnitPlan(index, u, f"{name}.{unit}", bases[u], rosters[u],
                            scenario.staffing.absence_of(name, unit) / 100,
                            tuple(surge_absence), tuple(closed[u]), tuple(escalations[u]),
                            tuple(aid[u]))
            if plan.hourly or plan.absence or plan.surge_absence or plan.closed_beds \
                    or plan.mutual_aid:
                plans.append(plan)
    return tuple(plans)


def _unit_rosters(scenario: Scenario, service: str, units: list[str], bases: list[int],
                  calendar: SimCalendar, dates: list[dt.date],
                  shares: Callable[[int], list[int]]) -> list[np.ndarray | None]:
    """Staff by [day, hour] of each unit of ``service`` (None: no roster): a unit's own
    roster scaled to its capacity, or its share of the service's roster."""
    roster = scenario.staffing.rosters.get(service)
    if isinstance(roster, UnitRosters):
        return [scaled_roster(roster.by_unit[unit], base, calendar, dates)
                for unit, base in zip(units, bases)]
    if roster is None:
        return [None] * len(units)
    by_day = scaled_roster(roster, sum(bases), calendar, dates)
    # the few distinct totals split once: [distinct total, unit]
    totals, where = np.unique(by_day, return_inverse=True)
    split = np.array([shares(int(total)) for total in totals])
    return [split[:, u][where].reshape(by_day.shape) for u in range(len(units))]


def scaled_roster(roster: Roster, peak: int, calendar: SimCalendar,
                  dates: list[dt.date]) -> np.ndarray:
    """Staff on duty by [day, hour] for ``dates``, scaled so that the roster's peak is ``peak``
    (equal as written; a sweep or capacity search that changes the capacity scales every
    shift), rounded half up."""
    scale = peak / roster.peak
    return np.floor(roster_by_day(roster, calendar, dates) * scale + 0.5).astype(int)


def roster_by_day(roster: Roster, calendar: SimCalendar, dates: list[dt.date]) -> np.ndarray:
    """Staff on duty by [day, hour] for each of ``dates`` (consecutive), with bank holidays
    staffed as ``roster.bank_holidays_as``."""
    def staffed_as(date: dt.date) -> str:
        if roster.bank_holidays_as is not None and date in calendar.bank_holidays:
            return roster.bank_holidays_as
        return WEEKDAYS[date.weekday()]

    return np.array([roster.day(staffed_as(date), staffed_as(date - dt.timedelta(days=1)))
                     for date in dates])
