"""Small builders shared by the tests: scenarios written in Python, and short runs.

``one_service_scenario`` is the smallest valid scenario: one locality of 1,000 residents in
one age band, one Poisson demand stream of ``rate_per_day`` patients a day into a single
service, which routes everyone to an exit. Queueing theory applies to it directly.
"""

from __future__ import annotations

import copy
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sim.compile import load_scenario, validate
from sim.config.schema import Scenario

# a scenario mapping with one locality, one age band and one Poisson demand stream, shared
# with the validation suite
from sim.verify.queueing import scenario_mapping as base_dict

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = REPO / "scenarios"
BASELINE = SCENARIOS / "baseline.yaml"

NOT_SCENARIOS = {"targets", "sweeps", "layers", "figures"}  # not runnable scenarios


def shipped_scenarios(*, places: bool = True) -> list[Path]:
    """Every shipped scenario file (examples/ included; places/ unless ``places=False``)."""
    skip = NOT_SCENARIOS | (set() if places else {"places"})
    return sorted(p for p in SCENARIOS.rglob("*.yaml")
                  if skip.isdisjoint(p.relative_to(SCENARIOS).parts[:-1]))


def shipped_cases(*, places: bool = True) -> list[Any]:
    """``shipped_scenarios`` as parameters named by their path under scenarios/, each in the
    pytest-xdist group of its scenario, so that one worker runs every test of a scenario and
    the session's ``shipped_run`` (tests/conftest.py) runs it once."""
    cases = []
    for path in shipped_scenarios(places=places):
        name = path.relative_to(SCENARIOS).as_posix()
        cases.append(pytest.param(path, id=name, marks=pytest.mark.xdist_group(name)))
    return cases


# The shipped scenarios' one shared run (tests/conftest.py): 10 days of warm-up and 30 of
# results; follow-up stays at the 30 days the readmission measures need (horizon 70 days).
BRIEF = {"time.warmup_days": 10, "time.run_days": 30, "time.follow_up_days": 30,
         "time.replications": 1}

SHORT = {"time.run_days": 60, "time.warmup_days": 30, "time.follow_up_days": 30,
         "time.replications": 2}


def days(value: float) -> dict[str, Any]:
    """A fixed duration of ``value`` days."""
    return {"dist": "fixed", "value": value, "unit": "days"}


def one_service_scenario(
    capacity: int | str,
    duration: dict[str, Any],
    rate_per_day: float,
    kind: str = "team",
    **time: Any,
) -> Scenario:
    """Poisson arrivals into one ``kind`` service with ``capacity`` units, then an exit."""
    services = {
        "server": {"kind": kind, "capacity": capacity, "duration": duration,
                   "routes": {"done": {"to": "out", "probability": 1.0}}},
        "out": {"kind": "exit"},
    }
    return validate(base_dict(services, "server", rate_per_day, **time), {}, "one service")


def baseline(changes: dict[str, Any] | None = None) -> Scenario:
    """The shipped baseline, shortened (60 results days, 30 warm-up, 2 replications)."""
    return load_scenario(BASELINE, {**SHORT, **(changes or {})})


def edited(scenario: Scenario, edit: Any) -> Scenario:
    """A validated copy of ``scenario`` after ``edit(data)`` changes its plain mapping in place
    (for changes that dotted paths cannot express, such as replacing a distribution)."""
    data = copy.deepcopy(scenario.model_dump(mode="json"))
    edit(data)
    return validate(data, {}, f"scenario '{scenario.name}' edited")


def sim(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """``python -m sim ARGS`` run as a user would, in a subprocess from the repository root."""
    return subprocess.run(
        [sys.executable, "-m", "sim", *map(str, args)],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )


def children(pid: int) -> list[int]:
    """Process ids of ``pid``'s children (Linux /proc; [] once it has ended)."""
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
        return [int(c) for task in tasks for c in (task / "children").read_text().split()]
    except FileNotFoundError:
        return []


def wait_until(condition: Callable[[], Any], what: str, timeout_s: float = 60.0) -> Any:
    """Poll ``condition`` (every 20 ms) until it returns something true, and return that;
    fail naming ``what`` after ``timeout_s`` seconds. A test waits on a condition, never for a
    guessed time: a guess is too short on a loaded machine and too long on an idle one."""
    deadline = time.monotonic() + timeout_s
    while not (value := condition()):
        if time.monotonic() > deadline:
            pytest.fail(f"waited {timeout_s:g} s for {what}")
        time.sleep(0.02)
    return value


def assert_clean(result: subprocess.CompletedProcess[str]) -> None:
    """A command may fail, but never with a traceback: users get messages."""
    assert "Traceback" not in result.stderr, result.stderr
    assert "Traceback" not in result.stdout, result.stdout


class Counting:
    """A serial executor that records which calls it was given."""

    workers = 1

    def __init__(self, interrupt_after: int | None = None):
        self.calls: list[tuple[str, int]] = []
        self.interrupt_after = interrupt_after

    def completed(self, calls):  # the Executor protocol of sim.executors
        for i, (fn, (scenario, replication)) in enumerate(calls):
            if self.interrupt_after is not None and i == self.interrupt_after:
                raise KeyboardInterrupt
            self.calls.append((scenario.name, replication))
            yield i, fn(scenario, replication)
