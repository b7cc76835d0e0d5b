"""Capacity that changes while the model runs: rosters, sickness absence, beds closed by a
surge, and escalation capacity opened and closed by triggers.

Each unit whose capacity can change (its plan: ``sim.compile.plans``) gets a controller
process that sets its capacity at calendar hour boundaries (every hour when it has a roster
or escalation, else at 00:00).
Capacity falling below the units in use interrupts no-one: patients in service finish and
new requests wait until fewer units are in use than the new capacity (``Pool``).
"""

from __future__ import annotations

import math
from typing import Any, Callable, Generator

import numpy as np
import simpy

from sim.compile.plans import EscalationRule, MutualAidPlan, UnitPlan
from sim.config.calendar import SimCalendar


class Holders(list[Any]):
    """What holds a unit of a pool (SimPy's ``Resource.users``), removed in constant time:
    the last holder is swapped into the freed place, where a list would search for it (a
    ward of a thousand beds searched ~500 places at every discharge). Order among holders
    means nothing to SimPy or to the model."""

    def __init__(self) -> None:
        super().__init__()
        self.place: dict[Any, int] = {}

    def append(self, holder: Any) -> None:
        self.place[holder] = len(self)
        super().append(holder)

    def remove(self, holder: Any) -> None:
        index = self.place.pop(holder, None)
        if index is None:  # as list.remove: SimPy's release ignores a request not holding
            raise ValueError("not holding a unit")
        last = super().pop()
        if last is not holder:
            self[index] = last
            self.place[last] = index


class Pool(simpy.Resource):
    """A ``simpy.Resource`` whose capacity may change, to 0 included, while it is in use.

    Extended through SimPy's documented door (``BaseResource``: a subclass customises a
    resource through ``_do_put`` / ``_do_get``): ``capacity`` is overridden (SimPy's
    ``_do_put`` grants a request while fewer than ``capacity`` units are in use), ``users`` is
    a ``Holders``, and the waiting requests that a larger capacity or a unit given back lets in
    are handed to that same ``_do_put``, in queue order (tests/test_library_behaviour.py pins
    what this relies on).

    A unit free with nobody waiting is taken with ``take`` and every unit is given back with
    ``give_back``: neither schedules a SimPy event (a granted request and a release each
    would, and nothing can happen between them and the patient's next step). Only a patient
    who has to wait asks with ``request()`` and is woken by an event.
    """

    # units: a plain attribute shadowing SimPy's property (read at every request and release)
    capacity: int = 0

    def __init__(self, env: simpy.Environment, capacity: int):
        super().__init__(env, max(capacity, 1))  # SimPy refuses to start at 0
        self.capacity = capacity
        self.users = Holders()

    def free_now(self) -> bool:
        """Is a unit free with nobody waiting for it?"""
        return len(self.users) < self.capacity and not self.queue

    def take(self) -> object:
        """A free unit (``free_now``) at once; the claim to give back."""
        claim: Any = object()  # held in ``users`` among granted requests
        self.users.append(claim)
        return claim

    def give_back(self, claim: Any) -> None:
        """Give back a unit (a claim from ``take`` or a granted request); the first waiting
        request is granted if a unit is free, as SimPy grants one per release."""
        self.users.remove(claim)
        if self.queue and len(self.users) < self.capacity:
            self._grant_first()

    def set_capacity(self, capacity: int) -> None:
        self.capacity = capacity
        while self.queue and len(self.users) < capacity:
            self._grant_first()

    def _grant_first(self) -> None:
        self._do_put(self.queue[0])  # SimPy's grant: the request joins the users
        self.queue.pop(0)


def round_half_up(x: float) -> int:
    return math.floor(x + 0.5)


class CapacityController:
    """Runs one unit's plan: a SimPy process setting its pool's capacity and logging changes.

    The unit's capacity is its core (rostered staff less absence, beds less closures), plus
    escalation capacity open, plus capacity borrowed from (or less capacity lent to) another
    unit by mutual aid. ``log(time, service, unit, capacity, escalation)`` is called at the
    start and at every change, with escalation = open + borrowed - lent.
    """

    def __init__(self, plan: UnitPlan, pool: Pool, calendar: SimCalendar,
                 rng: np.random.Generator, log: Callable[..., None]):
        self.plan = plan
        self.pool = pool
        self.calendar = calendar
        self.rng = rng
        self.log = log
        self.first_date = calendar.date_of(0.0)
        self.core = plan.base
        self.open = [0] * len(plan.escalations)
        self.loan = 0  # units borrowed by mutual aid (negative: lent)
        self.capacity: int | None = None

    def run(self, env: simpy.Environment) -> Generator[Any, Any, None]:
        plan, calendar = self.plan, self.calendar
        step_hours = 1 if plan.hourly else 24
        absent, absent_day = 0, None
        while True:
            now = env.now
            hour_index = hours_since_results_start(calendar, now)
            date = calendar.date_of(now + 1e-9)
            day, hour = (date - self.first_date).days, hour_index % 24
            if day != absent_day:
                absent, absent_day = self._absent(now), day
            staff = int(plan.roster[day, hour]) if plan.roster is not None else plan.base
            on_duty = staff - (round_half_up(staff * absent / plan.base) if plan.base else 0)
            closed = round_half_up(sum(beds * clock.intensity(now) for clock, beds in plan.closed_beds))
            self.core = max(0, on_duty - closed)
            self._escalate(hour_index, date.month)
            self.apply(now)
            boundary = (hour_index // step_hours + 1) * step_hours
            yield env.timeout(calendar.results_start + boundary / 24 - now)

    def apply(self, now: float) -> None:
        """Set the pool's capacity from the current core, escalation and loans."""
        escalated = sum(self.open) + self.loan
        if max(0, self.core + escalated) != self.capacity:
            # a loan is recalled within the hour if the lender's core falls below it
            self.capacity = max(0, self.core + escalated)
            self.pool.set_capacity(self.capacity)
            self.log(now, self.plan.service, self.plan.unit, self.capacity, escalated)

    def measure(self, escalation: EscalationRule) -> float:
        """The escalation's trigger measure for this unit: % of core capacity in use, or
        patients waiting."""
        if escalation.measure == "queue":
            return float(len(self.pool.queue))
        if not self.core:
            return math.inf if self.pool.count else 0.0
        return 100 * self.pool.count / self.core

    def _absent(self, now: float) -> int:
        """Staff of the unit off today, each independently with today's absence chance."""
        chance = self.plan.absence + sum(p * clock.intensity(now)
                                         for clock, p in self.plan.surge_absence)
        if chance <= 0:
            return 0
        return int(self.rng.binomial(self.plan.base, min(chance, 1.0)))

    def _escalate(self, hour_index: int, month: int) -> None:
        """Open or close each escalation at its check times, with hysteresis."""
        for i, (escalation, extra) in enumerate(self.plan.escalations):
            if hour_index % escalation.check_every_hours:
                continue
            measure = self.measure(escalation)
            # a service closed by its roster (no core capacity) does not escalate
            if not escalation.open_in(month) or not self.core or \
                    measure < escalation.close_below:
                self.open[i] = 0
            elif measure > escalation.open_above:
                self.open[i] = extra


class MutualAid:
    """Mutual aid between the units (localities) of one service: at each check, a unit whose
    measure is above ``open_above`` borrows ``capacity`` units from the least pressed other
    unit whose measure is below ``close_below``; it gives them back once its own measure is
    below ``close_below``. A unit takes part in one loan at a time."""

    def __init__(self, plan: MutualAidPlan, units: list[CapacityController],
                 calendar: SimCalendar):
        """``units``: the controllers of the plan's service; those of units not taking part
        in it are left out."""
        rule = plan.rule
        assert rule.capacity is not None  # compiled for mutual aid: the units lent
        self.escalation = rule
        self.amount = rule.capacity
        self.units = [unit for unit in units if rule in unit.plan.mutual_aid]
        self.calendar = calendar
        self.loans: dict[int, int] = {}  # borrower -> lender (indices into units)

    def run(self, env: simpy.Environment) -> Generator[Any, Any, None]:
        every = self.escalation.check_every_hours
        yield env.timeout(0)  # after the units' controllers have set their first capacity
        while True:
            now = env.now
            hour_index = hours_since_results_start(self.calendar, now)
            self.recall(now)
            if hour_index % every == 0:
                self.check(now, self.calendar.date_of(now + 1e-9).month)
            yield env.timeout(self.calendar.results_start + (hour_index + 1) / 24 - now)

    def recall(self, now: float) -> None:
        """Every hour: a lender whose own core has fallen below the loan (its roster, absence
        or closed beds) takes the loan back, as does one lent to a unit now closed."""
        amount = self.amount
        for borrower, lender in list(self.loans.items()):
            if self.units[lender].core < amount or not self.units[borrower].core:
                self._move(now, lender, borrower, -amount)
                del self.loans[borrower]

    def check(self, now: float, month: int) -> None:
        escalation, units, amount = self.escalation, self.units, self.amount
        for borrower, lender in list(self.loans.items()):
            if not escalation.open_in(month) or \
                    units[borrower].measure(escalation) < escalation.close_below:
                self._move(now, lender, borrower, -amount)
                del self.loans[borrower]
        if not escalation.open_in(month):
            return
        for borrower, unit in enumerate(units):
            busy = set(self.loans) | set(self.loans.values())
            if borrower in busy or not unit.core or \
                    unit.measure(escalation) <= escalation.open_above:
                continue
            lenders = [(units[i].measure(escalation), i) for i in range(len(units))
                       if i != borrower and i not in busy and units[i].core >= amount
                       and units[i].measure(escalation) < escalation.close_below]
            if lenders:
                lender = min(lenders)[1]
                self._move(now, lender, borrower, amount)
                self.loans[borrower] = lender

    def _move(self, now: float, lender: int, borrower: int, amount: int) -> None:
        self.units[lender].loan -= amount
        self.units[borrower].loan += amount
        self.units[lender].apply(now)
        self.units[borrower].apply(now)


def hours_since_results_start(calendar: SimCalendar, now: float) -> int:
    """Whole calendar hours from 00:00 on the first day of results to ``now`` (negative in
    warm-up)."""
    return math.floor((now - calendar.results_start) * 24 + 1e-9)
