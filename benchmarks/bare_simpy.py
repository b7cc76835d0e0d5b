"""A bare SimPy network of the same shape as a scenario: the reference cost of a stage visit.

The network copies the scenario's services, capacities, routes and blocking, and yields the
same SimPy events per stage as ``sim.engine.model`` (request, [travel], service time,
[hand-off], release, with blocking routes keeping the previous resource until the next one
is granted). It omits everything else the model does, which is what the comparison prices:

- the event log (five typed-array appends per event) and the patient table;
- a private random generator per patient and one uniform per decision (here one shared
  generator, drawing only what it uses);
- values that depend on patient attributes (age band, locality, residence): each ``by:``
  value is replaced by the unweighted mean of its values, each distribution by its mean,
  sampled as an exponential (one ``log``) instead of by inverting a lognormal or gamma;
- demand cells, referral sources, prevention policies, capacity split into units (one pool
  per service with the total capacity) and the conservation check.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any, Generator

import simpy

from sim.compile.network import Network
from sim.config.schema import By, CapacitatedService, PlacementService, Scenario


@dataclass(frozen=True)
class BareRoute:
    target: int
    probability: float
    blocking: bool
    duration_days: float | None  # mean; replaces the stage's own when the route is chosen
    handoff_days: float | None


@dataclass(frozen=True)
class BareStage:
    name: str
    is_exit: bool
    is_placement: bool
    capacity: int | None  # None: no resource (unlimited or not capacitated)
    duration_days: float | None  # mean time in service, or time until available (placement)
    travel_days: float | None
    routes: list[BareRoute]


@dataclass(frozen=True)
class BareResult:
    stage_visits: int
    simulated_days: float  # clock when the last of the stage visits began


def _mean_value(value: Any) -> Any:
    """The unweighted mean over a ``by:`` value's entries, or the value itself."""
    if isinstance(value, By):
        entries = [_mean_value(entry) for entry in value.values.values()]
        return sum(entries) / len(entries)
    return value.mean_days if hasattr(value, "mean_days") else value


def _mean_days(value: Any) -> float | None:
    return None if value is None else float(_mean_value(value))


def bare_stages(scenario: Scenario) -> list[BareStage]:
    """The scenario's services as bare stages (means instead of distributions)."""
    index = {name: i for i, name in enumerate(scenario.services)}
    unit_capacities = [s.capacities for s in Network.build(scenario).services]
    stages = []
    for name, spec in scenario.services.items():
        routes = list(getattr(spec, "routes", {}).values())
        probabilities = [float(_mean_value(r.probability)) for r in routes]
        total = sum(probabilities) or 1.0
        capacity, travel = None, None
        if isinstance(spec, CapacitatedService):
            # the model's pools, merged into one per service
            units = unit_capacities[index[name]]
            capacity = None if None in units else sum(units)  # type: ignore[arg-type]
            if spec.travel_time_by_level is not None:
                travel = _mean_days(spec.travel_time_by_level[spec.level])
        placement = isinstance(spec, PlacementService)
        duration = spec.delay if placement else getattr(spec, "duration", None)
        stages.append(BareStage(
            name=name,
            is_exit=spec.kind == "exit",
            is_placement=placement,
            capacity=capacity,
            duration_days=_mean_days(duration),
            travel_days=travel,
            routes=[BareRoute(index[r.to], p / total, r.blocking, _mean_days(r.duration),
                              _mean_days(r.handoff_delay)) for r, p in zip(routes, probabilities)],
        ))
    return stages


def arrival_rates_per_day(scenario: Scenario) -> list[tuple[int, float]]:
    """(entry stage, patients a day) of each demand stream, as the model computes them."""
    return [(table.entry, table.total_rate_per_day) for table in Network.build(scenario).demand]


def run_bare_network(scenario: Scenario, stage_visits: int, seed: int = 0) -> BareResult:
    """Build and run the bare network until it has done ``stage_visits`` stage visits (units
    granted, as the model's START events)."""
    env = simpy.Environment()
    rng = random.Random(seed)
    stages = bare_stages(scenario)
    pools = [None if s.capacity is None else simpy.Resource(env, s.capacity) for s in stages]
    done = env.event()
    visits = 0

    def draw(mean: float) -> float:
        return -mean * math.log(1.0 - rng.random())

    def journey(at: int) -> Generator[Any, Any, None]:
        nonlocal visits
        held = None
        stage = stages[at]
        while not stage.is_exit:
            u, cumulative = rng.random(), 0.0
            for route in stage.routes:
                cumulative += route.probability
                if u < cumulative:
                    break
            pool, request = pools[at], None
            if stage.is_placement:
                yield env.timeout(draw(stage.duration_days))  # type: ignore[arg-type]
            elif pool is not None:
                request = pool.request()
                yield request
            if held is not None:
                held[0].release(held[1])
                held = None
            visits += 1
            if visits == stage_visits:
                done.succeed()
            if stage.travel_days is not None:
                yield env.timeout(draw(stage.travel_days))
            mean = route.duration_days if route.duration_days is not None else (
                None if stage.is_placement else stage.duration_days)
            if mean is not None:
                yield env.timeout(draw(mean))
            if route.handoff_days is not None:
                yield env.timeout(draw(route.handoff_days))
            if request is not None:
                if route.blocking:
                    held = (pool, request)
                else:
                    pool.release(request)  # type: ignore[union-attr]
            at = route.target
            stage = stages[at]
        if held is not None:
            held[0].release(held[1])

    def arrive(entry: int, rate_per_day: float) -> Generator[Any, Any, None]:
        while True:
            yield env.timeout(rng.expovariate(rate_per_day))
            env.process(journey(entry))

    for entry, rate in arrival_rates_per_day(scenario):
        if rate > 0:
            env.process(arrive(entry, rate))
    env.run(until=done)
    return BareResult(stage_visits=visits, simulated_days=env.now)
