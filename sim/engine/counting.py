"""The number of SimPy events a replication processes, for measuring the model's speed.

Counted by an environment that adds one Python call to every event (a few per cent of a
replication), so only when asked for: a replication run for its results does not count.
"""

from __future__ import annotations

import simpy

from sim.compile.compiled import compile_scenario
from sim.config.schema import Scenario
from sim.engine.model import Model
from sim.engine.parameters import draw_parameters


class CountingEnvironment(simpy.Environment):
    """A SimPy environment that counts the events it processes."""

    def __init__(self) -> None:
        super().__init__()
        self.processed = 0

    def step(self) -> None:
        self.processed += 1
        super().step()


def simpy_events(scenario: Scenario, replication: int) -> int:
    """SimPy events processed by ``replication`` of ``scenario`` (the same in every run of the
    same scenario and seed)."""
    drawn, _ = draw_parameters(scenario, replication)
    env = CountingEnvironment()
    Model(compile_scenario(drawn), replication, env).run()
    return env.processed - 1  # less the event ``run(until=...)`` adds to stop at the horizon
