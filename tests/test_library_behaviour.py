"""What the model relies on from SimPy, NumPy and ``random``, pinned, so that an upgrade that
changes it fails here rather than shifting every result (same scenario and seed, same numbers).

SimPy: a ``Resource`` grants a request while fewer than ``capacity`` units are in use,
reading the public ``capacity`` (``Pool`` overrides it), grants waiting requests first come
first served, one per release; ``run(until=...)`` processes events through ``step`` and adds
one event of its own (``sim.engine.counting``). NumPy and ``random``: the draws of the
generators the model seeds (``sim.engine.streams``).
"""

from __future__ import annotations

from typing import Any, Generator

import simpy

from sim.engine.capacity_control import Pool
from sim.engine.counting import CountingEnvironment
from sim.engine.streams import named_stream, patient_stream


def _holder(env: simpy.Environment, pool: simpy.Resource, name: str, hold: float,
            started: list[tuple[str, float]]) -> Generator[Any, Any, None]:
    with pool.request() as request:
        yield request
        started.append((name, env.now))
        yield env.timeout(hold)


def test_a_resource_grants_waiting_requests_in_order_one_per_release() -> None:
    env = simpy.Environment()
    pool = simpy.Resource(env, capacity=1)
    started: list[tuple[str, float]] = []
    for name, hold in (("a", 2.0), ("b", 1.0), ("c", 1.0)):
        env.process(_holder(env, pool, name, hold, started))
    env.run()
    assert started == [("a", 0.0), ("b", 2.0), ("c", 3.0)]


def test_a_pool_grants_as_many_waiting_requests_as_a_larger_capacity_lets_in() -> None:
    env = simpy.Environment()
    pool = Pool(env, 0)
    started: list[tuple[str, float]] = []
    for name in "abc":
        env.process(_holder(env, pool, name, 10.0, started))

    def open_two() -> Generator[Any, Any, None]:
        yield env.timeout(1.0)
        pool.set_capacity(2)
    env.process(open_two())
    env.run(until=5.0)
    assert started == [("a", 1.0), ("b", 1.0)]
    assert [request.usage_since for request in pool.users] == [1.0, 1.0]
    assert len(pool.queue) == 1 and pool.capacity == 2


def test_a_release_grants_nobody_while_a_pool_is_over_its_lowered_capacity() -> None:
    """Capacity lowered below the units in use: SimPy reads ``capacity`` on release, so the
    waiting patient starts only once fewer units are in use than the new capacity."""
    env = simpy.Environment()
    pool = Pool(env, 2)
    started: list[tuple[str, float]] = []
    for name, hold in (("a", 1.0), ("b", 3.0), ("c", 1.0)):
        env.process(_holder(env, pool, name, hold, started))

    def close_one() -> Generator[Any, Any, None]:
        yield env.timeout(0.5)
        pool.set_capacity(1)
    env.process(close_one())
    env.run()
    assert started == [("a", 0.0), ("b", 0.0), ("c", 3.0)]


def test_run_until_processes_events_through_step_and_adds_one() -> None:
    def ticks(env: simpy.Environment) -> Generator[Any, Any, None]:
        for _ in range(5):
            yield env.timeout(1.0)

    counting, stepping = CountingEnvironment(), simpy.Environment()
    for env in (counting, stepping):
        env.process(ticks(env))
    counting.run(until=10.0)
    stepped = 0
    while stepping.peek() < 10.0:
        stepping.step()
        stepped += 1
    assert counting.processed - 1 == stepped == 7  # start, 5 timeouts, the process's end


def test_the_generators_draw_the_same_numbers() -> None:
    rng = named_stream(2025, 3, "community_crisis")
    assert rng.random(2).tolist() == [0.8990900090428202, 0.1225821187725058]
    assert rng.exponential(0.5, 2).tolist() == [0.21817706324395078, 0.4940463480508692]
    assert rng.integers(0, 2**63, 2).tolist() == [1053712681823307454, 4300878918260693864]
    assert rng.binomial(12, 0.07, 3).tolist() == [0, 1, 1]
    patient = patient_stream(123456789012345)
    assert [patient.random(), patient.random()] == [0.6744750084019356, 0.2923275784421222]
