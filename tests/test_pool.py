"""The engine's pool of units (``sim.engine.capacity_control.Pool``): units taken at once and
given back without SimPy events, waiting requests granted in order, one per unit given back,
and holders removed in any order."""

from __future__ import annotations

from typing import Any, Generator

import simpy

from sim.engine.capacity_control import Holders, Pool


def test_holders_remove_any_holder_and_keep_the_others() -> None:
    holders = Holders()
    items = [object() for _ in range(6)]
    for item in items:
        holders.append(item)
    for gone in (items[0], items[3], items[5]):
        holders.remove(gone)
    assert sorted(map(id, holders)) == sorted(map(id, (items[1], items[2], items[4])))
    assert all(holders[holders.place[item]] is item for item in holders)
    try:
        holders.remove(items[0])
    except ValueError:
        pass
    else:
        raise AssertionError("removing what does not hold a unit must raise ValueError")


def test_a_unit_taken_at_once_schedules_nothing_and_its_return_grants_the_first_waiting() -> None:
    env = simpy.Environment()
    pool = Pool(env, 1)
    assert pool.free_now()
    claim = pool.take()
    assert not pool.free_now() and pool.count == 1
    assert env.peek() == float("inf")  # nothing scheduled by taking a unit
    started: list[tuple[str, float]] = []

    def wait(name: str) -> Generator[Any, Any, None]:
        request = pool.request()
        yield request
        started.append((name, env.now))

    def give_back_at(t: float) -> Generator[Any, Any, None]:
        yield env.timeout(t)
        pool.give_back(claim)

    for name in "ab":
        env.process(wait(name))
    env.process(give_back_at(2.0))
    env.run()
    assert started == [("a", 2.0)]  # one per unit given back, first come first served
    assert len(pool.queue) == 1 and pool.count == 1


def test_a_unit_given_back_over_a_lowered_capacity_grants_nobody() -> None:
    env = simpy.Environment()
    pool = Pool(env, 2)
    first, second = pool.take(), pool.take()
    request = pool.request()
    pool.set_capacity(1)
    pool.give_back(first)
    assert not request.triggered  # one unit in use: at the new capacity
    pool.give_back(second)
    assert request.triggered and pool.count == 1
