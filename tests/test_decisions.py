"""The seam for a service's decisions (sim/compile/decisions.py): compile wraps a service's
route decision in the rules its scenario fields name, and the engine asks that decision, with
the time, as the patient starts the service."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from helpers import baseline, days

from sim.compile import decisions
from sim.compile.compiled import compile_scenario
from sim.compile.decisions import RouteChooser, RouteDecision
from sim.compile.network import Network
from sim.compile.scenario import validate
from sim.engine.eventlog import Event
from sim.engine.model import Model
from sim.verify.queueing import scenario_mapping


class MorningsFirst:
    """A rule for the tests: route 0 before noon, route 1 after, whatever the uniform."""

    def __init__(self, block: Any, decision: RouteDecision, routes: list[str]):
        self.routes = routes

    def __call__(self, patient: Any, u: float, now: float) -> int:
        return 0 if now % 1 < 0.5 else 1


def test_a_rule_wraps_the_decision_of_the_services_that_set_its_field(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(decisions.ROUTE_RULES, "when_busy", MorningsFirst)
    scenario = baseline()
    for service in Network.build(scenario).services:
        spec = scenario.services[service.name]
        if getattr(spec, "when_busy", None) is None:
            assert isinstance(service.choose, RouteChooser), service.name
        else:
            assert isinstance(service.choose, MorningsFirst), service.name
            assert service.choose.routes == [route.name for route in service.routes]


def test_the_engine_asks_the_decision_with_the_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two exits at even odds by the scenario; the rule sends mornings' patients to the first:
    each patient's exit follows from the time they started."""
    monkeypatch.setitem(decisions.ROUTE_RULES, "when_busy", MorningsFirst)
    services = {
        "server": {"kind": "team", "capacity": "unlimited", "duration": days(0.1),
                   "when_busy": {},  # sets the field the rule is registered under
                   "routes": {"am": {"to": "am_out", "probability": 0.5},
                              "pm": {"to": "pm_out", "probability": 0.5}}},
        "am_out": {"kind": "exit"},
        "pm_out": {"kind": "exit"},
    }
    scenario = validate(scenario_mapping(services, "server", 20.0, run_days=10, warmup_days=0,
                                  follow_up_days=1), {}, "two exits")
    log = Model(compile_scenario(scenario), replication=0).run()
    kinds, times, who = log.events["event"], log.events["time"], log.events["patient"]
    started = dict(zip(who[kinds == Event.START].tolist(), times[kinds == Event.START]))
    exited = who[kinds == Event.EXIT]
    assert len(exited) > 100
    in_afternoon = np.array([started[patient] % 1 >= 0.5 for patient in exited.tolist()])
    to_pm = log.events["service"][kinds == Event.EXIT] == list(scenario.services).index("pm_out")
    assert in_afternoon.any() and (~in_afternoon).any()
    assert np.array_equal(to_pm, in_afternoon)
