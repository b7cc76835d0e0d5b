"""Capacity that changes while the model runs: rosters, sickness absence, beds closed by a
surge, and escalation capacity opened and closed by triggers.

Each unit whose capacity can change gets a controller process that sets its capacity at
calendar hour boundaries (every hour when it has a roster or escalation, else at 00:00).
Capacity falling below the units in use interrupts no-one: patients in service finish and
new requests wait until fewer units are in use than the new capacity (``Pool``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Generator

import numpy as np
import simpy

from sim.config.calendar import SimCalendar
from sim.config.capacity import split_capacity, unit_capacities
from sim.config.escalation import Escalation
from sim.config.schema import CapacitatedService, Scenario
from sim.config.surges import SurgeClock

HOUR = 1 / 24  # days


class Pool(simpy.Resource):
    """A ``simpy.Resource`` whose capacity may change, to 0 included, while it is in use."""

    def __init__(self, env: simpy.Environment, capacity: int):
        super().__init__(env, max(capacity, 1))
        self._capacity = capacity

    def set_capacity(self, capacity: int) -> None:
        self._capacity = capacity
        # SimPy grants at most one waiting request per trigger
        while self.put_queue and len(self.users) < capacity:
            self._trigger_put(None)


def round_half_up(x: float) -> int:
    return math.floor(x + 0.5)


@dataclass
class UnitPlan:
    """What moves one unit's capacity. Counts are this unit's share of the service's."""

    service: int
    unit: int
    name: str  # "service.unit", names the unit's absence stream
    base: int  # capacity with everyone on duty and nothing closed or escalated
    roster: np.ndarray | None = None  # staff by [calendar day, hour]
    absence: float = 0.0  # chance a member of staff is off on a given day
    surge_absence: list[tuple[SurgeClock, float]] = field(default_factory=list)  # (surge, chance)
    closed_beds: list[tuple[SurgeClock, int]] = field(default_factory=list)
    escalations: list[tuple[Escalation, int]] = field(default_factory=list)

    @property
    def hourly(self) -> bool:
        return self.roster is not None or bool(self.escalations)


def unit_plans(scenario: Scenario, calendar: SimCalendar, horizon: float) -> list[UnitPlan]:
    """A plan for every unit whose capacity can change in ``scenario``."""
    clocks = {name: SurgeClock(surge, calendar) for name, surge in scenario.surges.items()}
    plans = []
    for index, (name, spec) in enumerate(scenario.services.items()):
        if not isinstance(spec, CapacitatedService):
            continue
        capacities = unit_capacities(scenario, spec)
        if None in capacities.values():
            continue
        bases = [int(c or 0) for c in capacities.values()]

        def shares(total: int, bases: list[int] = bases) -> list[int]:
            return split_capacity(total, [float(b) for b in bases])

        units = [UnitPlan(index, u, f"{name}.{unit}", bases[u])
                 for u, unit in enumerate(capacities)]
        staffing = scenario.staffing
        if name in staffing.rosters:
            by_day = staffing.rosters[name].by_day(calendar, calendar.dates(horizon))
            # the few distinct totals split once: [distinct total, unit]
            totals, where = np.unique(by_day, return_inverse=True)
            split = np.array([shares(int(total)) for total in totals])
            for u, plan in enumerate(units):
                plan.roster = split[:, u][where].reshape(by_day.shape)
        for plan in units:
            plan.absence = staffing.absence_pct.get(name, 0.0) / 100
        for surge_name, surge in scenario.surges.items():
            effects = surge.effects
            if name in effects.absence_pct:
                for plan in units:
                    plan.surge_absence.append((clocks[surge_name], effects.absence_pct[name] / 100))
            if name in effects.closed_beds:
                for plan, beds in zip(units, shares(effects.closed_beds[name])):
                    plan.closed_beds.append((clocks[surge_name], beds))
        for escalation in scenario.escalation.values():
            if escalation.service == name:
                for plan, extra in zip(units, shares(escalation.capacity)):
                    plan.escalations.append((escalation, extra))
        plans += [p for p in units if p.hourly or p.absence or p.surge_absence or p.closed_beds]
    return plans


class CapacityController:
    """Runs one unit's plan: a SimPy process setting its pool's capacity and logging changes.

    ``log(time, service, unit, capacity, escalation)`` is called at the start and at every
    change.
    """

    def __init__(self, plan: UnitPlan, pool: Pool, calendar: SimCalendar,
                 rng: np.random.Generator, log: Callable[..., None]):
        self.plan = plan
        self.pool = pool
        self.calendar = calendar
        self.rng = rng
        self.log = log
        self.first_date = calendar.date_of(0.0)
        self.open = [0] * len(plan.escalations)

    def run(self, env: simpy.Environment) -> Generator[Any, Any, None]:
        plan, calendar = self.plan, self.calendar
        step_hours = 1 if plan.hourly else 24
        absent, absent_day = 0, None
        capacity = None
        while True:
            now = env.now
            hour_index = math.floor((now - calendar.results_start) * 24 + 1e-9)  # hours since results start
            date = calendar.date_of(now + 1e-9)
            day, hour = (date - self.first_date).days, hour_index % 24
            if day != absent_day:
                absent, absent_day = self._absent(now), day
            staff = int(plan.roster[day, hour]) if plan.roster is not None else plan.base
            on_duty = staff - (round_half_up(staff * absent / plan.base) if plan.base else 0)
            closed = round_half_up(sum(beds * clock.intensity(now) for clock, beds in plan.closed_beds))
            core = max(0, on_duty - closed)
            self._escalate(core, hour_index, date.month)
            escalated = sum(self.open)
            if core + escalated != capacity:
                capacity = core + escalated
                self.pool.set_capacity(capacity)
                self.log(now, plan.service, plan.unit, capacity, escalated)
            boundary = (hour_index // step_hours + 1) * step_hours
            yield env.timeout(calendar.results_start + boundary / 24 - now)

    def _absent(self, now: float) -> int:
        """Staff of the unit off today, each independently with today's absence chance."""
        chance = self.plan.absence + sum(p * clock.intensity(now)
                                         for clock, p in self.plan.surge_absence)
        if chance <= 0:
            return 0
        return int(self.rng.binomial(self.plan.base, min(chance, 1.0)))

    def _escalate(self, core: int, hour_index: int, month: int) -> None:
        """Open or close each escalation at its check times, with hysteresis."""
        pool = self.pool
        for i, (escalation, extra) in enumerate(self.plan.escalations):
            if hour_index % escalation.check_every_hours:
                continue
            if not escalation.open_in(month):
                self.open[i] = 0
                continue
            if escalation.measure == "queue":
                measure = float(len(pool.queue))
            else:
                measure = 100 * pool.count / core if core else math.inf
            if measure > escalation.open_above:
                self.open[i] = extra
            elif measure < escalation.close_below:
                self.open[i] = 0
