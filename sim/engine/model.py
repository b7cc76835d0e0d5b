"""The SimPy model: patients arrive, move through services by their routes, and leave.

``run_replication(scenario, replication)`` is the one entry point every executor calls: a
pure function of its arguments returning the event log. A patient's journey is one process:

    ask for the service [-> go elsewhere at once if it is busy (balk)] -> queue, keeping the
    previous service if the route into it was blocking [-> give up after the patient's
    patience and go elsewhere (renege)] -> start: choose a route -> [travel] -> time in
    service -> hand-off delay -> next service

The route is chosen as the service starts, so the time in service can depend on where the
patient goes next, and both on the days waited. A placement's "queue" is the delay until
the place is available. Balking and reneging follow the service's ``when_busy`` (or the one
of the route that led there); docs/patience.md.
"""

from __future__ import annotations

import time as wallclock
from bisect import bisect_right
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Generator

import numpy as np
import simpy

from sim.compile.census import IN_SERVICE, WAITING, CensusPatient
from sim.compile.census import READY as READY_TO_LEAVE
from sim.compile.clocks import SurgeClock
from sim.compile.compiled import CompiledScenario, compile_scenario
from sim.compile.network import DemandTable, RouteTable, ServiceTable
from sim.config.schema import Scenario
from sim.engine.capacity_control import CapacityController, MutualAid, Pool
from sim.engine.eventlog import Event, Recorder
from sim.engine.parameters import draw_parameters
from sim.engine.streams import named_stream, patient_stream

CENSUS_LEAD = 1 / 1440  # census patients ready or waiting were found a minute before 0, days
ARRIVAL_BATCH = 512  # arrivals drawn at a time from a stream's generator
# Event codes as plain ints for the journey, which logs about a million events a year: an
# enum member lookup costs ~50 ns, a module constant ~4 ns.
PREVENTED, ARRIVE, QUEUE, START, VISIT, READY, LEAVE, EXIT, BALK, RENEGE = (
    int(Event.PREVENTED), int(Event.ARRIVE), int(Event.QUEUE), int(Event.START),
    int(Event.VISIT), int(Event.READY), int(Event.LEAVE), int(Event.EXIT), int(Event.BALK),
    int(Event.RENEGE))


# One row per change of a unit's capacity: the time (days), the service (index into the
# scenario's services), the unit (index into the service's units, in the order of
# ``sim.config.capacity.unit_capacities``), the units available from then on (escalation
# included) and how many of them are escalation capacity.
CAPACITY_COLUMNS = {"time": np.float64, "service": np.int16, "unit": np.int16,
                    "capacity": np.int32, "escalation": np.int32}


def empty_capacity_log() -> dict[str, np.ndarray]:
    return {name: np.zeros(0, dtype=dtype) for name, dtype in CAPACITY_COLUMNS.items()}


class Patient:
    """One patient on a journey. Attributes are small integer codes, indices into the
    network's domains (``stream``, ``locality``, ``age_band``, ``residence`` 0 own home / 1 care
    home, ``source``, ``pathway``); ``high_risk`` is 0 or 1; ``rng`` is the patient's private
    stream (one uniform per decision); times ``ready_at`` and ``waited_days`` are in days."""

    __slots__ = ("id", "stream", "locality", "age_band", "residence", "source", "high_risk",
                 "pathway", "rng", "surge", "stretch", "ready_at", "waited_days")

    def __init__(self, pid: int, stream: int, locality: int, age_band: int, residence: int,
                 seed: int):
        self.id = pid
        self.stream = stream
        self.locality = locality
        self.age_band = age_band
        self.residence = residence
        self.pathway = 0  # code of "none"
        self.rng = patient_stream(seed)
        self.source = 0
        self.high_risk = 0
        self.surge = -1  # index of the surge that added this patient, -1 for none
        self.stretch: tuple[float, ...] | None = None  # multiplier of time in each service
        # when the patient was last ready to move on (or asked first), and the days from then
        # to starting the current service (harm while waiting: ``by: waited_days``)
        self.ready_at = 0.0
        self.waited_days = 0.0


@dataclass(frozen=True)
class ReplicationLog:
    """Everything one replication produced; all measures are functions of it.

    Times are days from the start of warm-up. Results cover ``[results_start, results_end)``;
    the run continues to ``horizon`` so that outcomes of patients seen near the end can be
    followed up.
    """

    scenario: Scenario
    replication: int
    events: dict[str, np.ndarray]
    patients: dict[str, np.ndarray]
    results_start: float
    results_end: float
    horizon: float
    exits: dict[str, int]
    in_system: int
    wall_seconds: float
    parameters: dict[str, float] = field(default_factory=dict)  # uncertain fields' values
    # Changes of capacity of units whose capacity varies (rosters, surges, escalation); see
    # CAPACITY_COLUMNS. Units of constant capacity have no rows.
    capacity_log: dict[str, np.ndarray] = field(default_factory=lambda: empty_capacity_log())

    @property
    def n_events(self) -> int:
        return len(self.events["time"])


class Model:
    """One replication of a compiled scenario: patients' journeys as SimPy processes over the
    units (``Pool``) of each service, with capacity controllers for units whose capacity
    changes. Times are days from the start of warm-up; ``run`` returns the event log.

    Counters, kept to check that no patient is lost (``check_conservation``): ``arrived``
    (patients who entered the system), ``exits`` (by exit service) and ``active`` (ids of
    patients still in the system).
    """

    def __init__(self, compiled: CompiledScenario, replication: int,
                 env: simpy.Environment | None = None):
        """``env``: a fresh environment to run in (sim.engine.counting's counts its events)."""
        self.compiled = compiled
        self.replication = replication
        self.network = compiled.network
        self.env = simpy.Environment() if env is None else env
        self.log = Recorder()
        self.horizon = compiled.horizon
        # pools[service][locality]: the unit that serves the locality's patients (None for no
        # capacity of ours); localities sharing a unit share the Resource object
        self.pools = [self._pools(service) for service in self.network.services]
        self.calendar = compiled.calendar
        self.capacity_log: dict[str, list[Any]] = {name: [] for name in CAPACITY_COLUMNS}
        self.stretch = compiled.stretch
        self.prevention = compiled.prevention
        self.exits = {s.name: 0 for s in self.network.services if s.is_exit}
        self.active: set[int] = set()
        self.arrived = 0
        self.next_id = 0

    def _pools(self, service: ServiceTable) -> list[Pool | None]:
        if not service.capacities:
            return [None] * self.compiled.localities
        # validation guarantees at least one unit of finite capacity
        units = [None if capacity is None else Pool(self.env, capacity)
                 for capacity in service.capacities]
        return [units[unit] for unit in service.unit_of_locality]

    def run(self) -> ReplicationLog:
        started = wallclock.perf_counter()
        self.start_census()  # before capacity control, so its patients keep their units
        for table in self.network.demand:
            if table.total_rate_per_day > 0:
                self.env.process(self.arrive(table))
                for surge, clock, raised in table.surges:
                    if clock.multiplier > 1 and clock.end > 0:
                        self.env.process(self.arrive_in_surge(table, surge, clock, raised))
        self.start_capacity_control()
        self.env.run(until=self.horizon)
        self.check_conservation()
        events, patients = self.log.freeze()
        compiled = self.compiled
        return ReplicationLog(
            scenario=compiled.scenario,
            replication=self.replication,
            events=events,
            patients=patients,
            results_start=compiled.results_start,
            results_end=compiled.results_end,
            horizon=self.horizon,
            exits=dict(self.exits),
            in_system=len(self.active),
            wall_seconds=wallclock.perf_counter() - started,
            capacity_log={name: np.array(values, dtype=CAPACITY_COLUMNS[name])
                          for name, values in self.capacity_log.items()},
        )

    def start_capacity_control(self) -> None:
        """A controller process for each unit whose capacity changes (rosters, absence,
        surges, escalation), logging each change to ``capacity_log``."""
        def log(*row: Any) -> None:
            for column, value in zip(self.capacity_log.values(), row):
                column.append(value)

        seed = self.compiled.seed
        controllers = []
        for plan in self.compiled.unit_plans:
            service = self.network.services[plan.service]
            pool = self.pools[plan.service][service.unit_of_locality.index(plan.unit)]
            assert isinstance(pool, Pool)
            rng = named_stream(seed, self.replication, f"absence.{plan.name}")
            controllers.append(CapacityController(plan, pool, self.calendar, rng, log))
            self.env.process(controllers[-1].run(self.env))
        for aid in self.compiled.mutual_aid:
            units = [c for c in controllers if c.plan.service == aid.service]
            self.env.process(MutualAid(aid, units, self.calendar).run(self.env))

    # --- census -----------------------------------------------------------------------------

    def start_census(self) -> None:
        """Put the census's patients where it found them at time 0.

        What happened to them before is logged at negative times (so nothing of it counts in
        the results): a patient in service started ``elapsed`` days before; patients ready
        to leave or waiting were found a minute before the start. Their journeys then go on
        from where they are (``census_journey``)."""
        found = self.compiled.census_patients(
            named_stream(self.compiled.seed, self.replication, "census"))
        # the log and the patient table stay in time order
        found.sort(key=lambda c: -c.elapsed if c.state == IN_SERVICE else -CENSUS_LEAD)
        for entry in found:
            patient = Patient(self.next_id, entry.stream, entry.locality, entry.age_band,
                              entry.residence, entry.seed)
            self.next_id += 1
            patient.source, patient.pathway = entry.source, entry.pathway
            since = -entry.elapsed if entry.state == IN_SERVICE else -CENSUS_LEAD
            patient.ready_at = since
            service = self.network.services[entry.service]
            self.log.patient(entry.stream, entry.locality, entry.age_band, entry.residence,
                             entry.source, 0, 0, since, -1)
            events = [ARRIVE, QUEUE] + ([] if entry.state == WAITING else [START]) + (
                [VISIT] if entry.state != WAITING and service.travel is not None else []) + (
                [READY] if entry.state == READY_TO_LEAVE else [])
            for event in events:
                self.log.event(patient.id, since, event, entry.service, patient.pathway)
            self.arrived += 1
            self.active.add(patient.id)
            self.env.process(self.census_journey(patient, entry, service))

    def census_journey(self, patient: Patient, entry: CensusPatient,
                       service: ServiceTable) -> Generator[Any, Any, None]:
        if entry.state == WAITING:
            # after capacity control has set the capacity at 00:00 (a roster may have none)
            yield self.env.timeout(0)
            yield from self.journey(patient, service, queued=True)
            return
        pool = self.pools[service.index][patient.locality]
        request = None
        if pool is not None:
            request = pool.request()  # granted at once: the census fits the capacity
            yield request
        route = service.routes[entry.route]
        if entry.state == IN_SERVICE:
            yield self.env.timeout(entry.remaining)
            self.log.event(patient.id, self.env.now, READY, service.index, patient.pathway)
            patient.ready_at = self.env.now
            if route.handoff is not None:
                yield self.env.timeout(route.handoff(patient, patient.rng.random()))
        held = (service.index, pool, request)
        if not route.blocking:
            self.release(patient, *held)
        yield from self.journey(patient, self.network.services[route.target],
                                held if route.blocking else None, came_by=route)

    def check_conservation(self) -> None:
        """Everyone who arrived has exited or is still somewhere in the system: the counters
        kept by the journeys must agree with each other and with the event log."""
        events = self.log.events
        kinds = np.frombuffer(events["event"], dtype=np.int8)
        patients = np.frombuffer(events["patient"], dtype=np.int32)
        logged_arrivals = int((kinds == Event.ARRIVE).sum())
        exited_ids = patients[kinds == Event.EXIT]
        still_in = np.setdiff1d(patients[kinds == Event.ARRIVE], exited_ids)
        exited = sum(self.exits.values())
        if not (self.arrived == logged_arrivals == exited + len(self.active)
                and len(exited_ids) == exited and set(still_in.tolist()) == self.active):
            raise RuntimeError(
                f"patients lost: {self.arrived} arrived ({logged_arrivals} in the log), "
                f"{exited} exited ({len(exited_ids)} in the log), {len(self.active)} still in "
                f"the system ({len(still_in)} by the log)"
            )

    # --- arrivals ---------------------------------------------------------------------------

    def arrive(self, table: DemandTable) -> Generator[Any, Any, None]:
        """Poisson arrivals of one demand stream; each arrival's cell drawn by its rate.

        With a time-varying ``profile`` the process is non-homogeneous, generated by thinning
        (Lewis and Shedler): candidates arrive at the profile's peak rate and each is kept
        with probability rate(t) / peak rate, which is exact.
        """
        profile = table.profile
        peak = 1.0 if profile is None else profile.ceiling(self.horizon)
        keep = None if profile is None else (lambda now, cell: profile.at(now) / peak)
        return self._candidates(table, f"arrivals.{table.name}", peak, 0.0, self.horizon, keep,
                                -1)

    def arrive_in_surge(self, table: DemandTable, surge: int, clock: SurgeClock,
                        raised: list[bool]) -> Generator[Any, Any, None]:
        """The patients a surge adds to a stream: a Poisson process of its own in the surge's
        window, at base rate x profile x (multiplier(t) - 1) in the cells it raises, from a
        random stream of its own, so the stream's other arrivals are exactly as without it."""
        profile = table.profile
        ceiling = 1.0 if profile is None else profile.ceiling(self.horizon)
        extra = clock.multiplier - 1

        def keep(now: float, cell: int) -> float:
            shape = 1.0 if profile is None else profile.at(now) / ceiling
            return shape * clock.intensity(now) if raised[cell] else 0.0

        name = f"surge.{self.compiled.surge_names[surge]}.{table.name}"
        return self._candidates(table, name, ceiling * extra, max(clock.start, 0.0),
                                min(clock.end, self.horizon), keep, surge)

    def _candidates(self, table: DemandTable, stream: str, scale: float, start: float,
                    end: float, keep: Callable[[float, int], float] | None,
                    surge: int) -> Generator[Any, Any, None]:
        """Candidate arrivals at ``scale`` x the stream's total rate over [start, end), each
        kept with probability ``keep(t, cell)`` (all kept if None)."""
        rng = named_stream(self.compiled.seed, self.replication, stream)
        total = table.total_rate_per_day
        cumulative = np.cumsum(table.rates_per_day) / total
        last_cell = len(table.cells) - 1
        now = start
        if start > 0:
            yield self.env.timeout(start)
        while True:
            gaps = rng.exponential(1 / (total * scale), ARRIVAL_BATCH).tolist()
            cells = np.searchsorted(cumulative, rng.random(ARRIVAL_BATCH), side="right")
            seeds = rng.integers(0, 2**63, ARRIVAL_BATCH).tolist()
            uniforms = [0.0] * ARRIVAL_BATCH if keep is None else \
                rng.random(ARRIVAL_BATCH).tolist()
            for gap, cell, seed, u in zip(gaps, cells.tolist(), seeds, uniforms):
                now += gap
                if now >= end:
                    return
                cell = min(cell, last_cell)
                if keep is not None and u >= keep(now, cell):
                    continue  # thinned out: no arrival at this candidate time
                yield self.env.timeout(now - self.env.now)
                self.admit(table, table.cells[cell], seed, surge)

    def admit(self, table: DemandTable, cell: tuple[int, int, int], seed: int,
              surge: int = -1) -> None:
        locality, age_band, residence = cell
        patient = Patient(self.next_id, table.index, locality, age_band, residence, seed)
        if surge >= 0:
            patient.surge, patient.stretch = surge, self.stretch[surge]
        self.next_id += 1
        draw = patient.rng.random
        u_source, u_risk, u_prevent = draw(), draw(), draw()
        cumulative = table.source_cumulative[residence]
        patient.source = min(bisect_right(cumulative, u_source), len(cumulative) - 1)
        patient.high_risk = int(u_risk < table.high_risk_share[age_band])
        prevented = u_prevent < self.prevention[locality][patient.high_risk][residence]
        now = self.env.now
        self.log.patient(table.index, locality, age_band, residence, patient.source,
                         patient.high_risk, int(prevented), now, surge)
        if prevented:
            self.log.event(patient.id, now, PREVENTED, table.entry, 0)
            return
        self.arrived += 1
        self.active.add(patient.id)
        patient.ready_at = now
        self.log.event(patient.id, now, ARRIVE, table.entry, 0)
        self.env.process(self.journey(patient, self.network.services[table.entry]))

    # --- journeys ---------------------------------------------------------------------------

    def journey(self, patient: Patient, service: ServiceTable,
                held: tuple[int, Any, Any] | None = None, queued: bool = False,
                came_by: RouteTable | None = None) -> Generator[Any, Any, None]:
        """From asking for ``service`` to the end. ``held``: (service, pool, request) of a
        unit kept until the next service accepts (blocking); ``queued``: already in the
        queue for ``service`` (a census patient), so not logged as asking again; ``came_by``:
        the route that led to ``service`` (its ``when_busy`` may replace the service's)."""
        env, record, draw, pid = self.env, self.log.event, patient.rng.random, patient.id
        # the log's columns appended to directly at the events of every visit (QUEUE, START,
        # VISIT, READY), a call less for each of about a million rows a year
        add_patient, add_time, add_event, add_service, add_pathway = self.log.event_appenders
        services, pools, locality = self.network.services, self.pools, patient.locality
        timeout = env.timeout
        while not service.is_exit:
            index = service.index
            # One uniform per decision, always drawn, keeps streams aligned across scenarios.
            u_route, u_time, u_handoff, u_travel, u_patience = draw(), draw(), draw(), draw(), draw()
            busy = service.when_busy if came_by is None else came_by.when_busy
            pool, request = pools[index][locality], None
            now = env.now
            if busy is not None and pool is not None and not queued and busy.balks(pool, patient):
                record(pid, now, BALK, index, patient.pathway)
                assert busy.balk_to is not None  # balks() is True only with somewhere to go
                service, came_by = services[busy.balk_to], None
                continue
            if queued:
                queued = False
            else:
                add_patient(pid), add_time(now), add_event(QUEUE), add_service(index)
                add_pathway(patient.pathway)
            if service.is_placement:
                assert service.delay is not None  # every placement has one
                yield timeout(service.delay(patient, u_time))
            elif pool is not None and pool.free_now():
                request = pool.take()
            elif pool is not None:
                request = pool.request()
                # patience only matters to a patient who has to wait
                if busy is not None and busy.patience is not None and not request.triggered:
                    yield request | timeout(busy.patience(patient, u_patience))
                    if not request.triggered:  # patience ran out first
                        request.cancel()
                        record(pid, env.now, RENEGE, index, patient.pathway)
                        assert busy.renege_to is not None  # patience is set with it
                        service, came_by = services[busy.renege_to], None
                        continue
                else:
                    yield request
            if held is not None:
                self.release(patient, *held)
                held = None
            now = env.now
            patient.waited_days = now - patient.ready_at
            route = service.routes[service.choose(patient, u_route, now)]
            if route.pathway is not None:
                patient.pathway = route.pathway
            pathway = patient.pathway
            add_patient(pid), add_time(now), add_event(START), add_service(index)
            add_pathway(pathway)
            if service.travel is not None:
                yield timeout(service.travel(patient, u_travel))
                add_patient(pid), add_time(env.now), add_event(VISIT), add_service(index)
                add_pathway(pathway)
            sampler = route.duration or service.duration
            if sampler is not None:
                stay = sampler(patient, u_time)
                if patient.stretch is not None:
                    stay *= patient.stretch[index]
                yield timeout(stay)
            now = env.now
            add_patient(pid), add_time(now), add_event(READY), add_service(index)
            add_pathway(pathway)
            patient.ready_at = now
            if route.handoff is not None:
                yield timeout(route.handoff(patient, u_handoff))
            if route.blocking:
                held = (index, pool, request)
            else:
                self.release(patient, index, pool, request)
            service, came_by = services[route.target], route
        if held is not None:
            self.release(patient, *held)
        record(pid, env.now, EXIT, service.index, patient.pathway)
        self.exits[service.name] += 1
        self.active.discard(pid)

    def release(self, patient: Patient, service: int, pool: Any, request: Any) -> None:
        """Give back the unit held at ``service`` (if it has one) and log leaving it."""
        if request is not None:
            pool.give_back(request)
        self.log.event(patient.id, self.env.now, LEAVE, service, patient.pathway)


def run_replication(scenario: Scenario, replication: int) -> ReplicationLog:
    """Simulate one replication of ``scenario``; pure and picklable, for any executor.

    Uncertain fields (``scenario.uncertain``) take this replication's values first; the log
    holds the scenario as run and the values drawn."""
    drawn, values = draw_parameters(scenario, replication)
    return replace(Model(compile_scenario(drawn), replication).run(), parameters=values)
