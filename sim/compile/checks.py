"""Every whole-scenario check, in order: those of ``sim.config.checks`` on the scenario as
written, then those that need it compiled (the census's patients can be drawn from the
network), then the scenario at the ends of its uncertain fields' ranges."""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import ValidationError

from sim.compile.census import census_patients
from sim.compile.network import Network
from sim.config.census import Census
from sim.config.checks import find_problems
from sim.config.loader import apply_changes
from sim.config.problems import Problem
from sim.config.schema import Scenario
from sim.config.uncertainty import as_field_type, field_value


def scenario_problems(scenario: Scenario) -> list[Problem]:
    """Every problem with a scenario whose fields are valid; later checks run only once the
    earlier ones find none (they rely on references resolving)."""
    problems = find_problems(scenario)
    if not problems and scenario.census is not None:
        _check_census_drawn(scenario, scenario.census, problems)
    if not problems:
        _check_uncertain(scenario, problems)
    return problems


def _check_census_drawn(scenario: Scenario, census: Census, problems: list[Problem]) -> None:
    """The census's patients can be drawn: every locality and age band it puts in a service
    is one the demand and routes bring there (found only by drawing them, so done here
    rather than failing when the run starts)."""
    try:
        census_patients(census, Network.build(scenario), np.random.default_rng(0))
    except ValueError as error:
        where, _, message = str(error).partition(": ")
        problems.append(Problem(tuple(where.split(".")), message))


def _check_uncertain(scenario: Scenario, problems: list[Problem]) -> None:
    """Each uncertain field exists, holds a number, and the scenario is valid at both ends of
    its distribution; then with several fields, at their joint extremes: all low, all high,
    and each one at one end with the others at the other (ranges that are fine one at a time
    can clash, e.g. fewer beds than the beds a surge closes)."""
    if not scenario.uncertain:
        return
    data = scenario.model_dump(mode="json")
    del data["uncertain"]
    ends: dict[str, tuple[Any, Any]] = {}
    for path, distribution in scenario.uncertain.items():
        where = ("uncertain", path)
        value = field_value(data, path)
        if value is None:
            problems.append(Problem(where, "no such field in the scenario (write the dotted "
                                           "path of a field that is set, e.g. "
                                           "policies.mdt_case_management.crisis_reduction)"))
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            problems.append(Problem(where, f"expected a field holding a number, found "
                                           f"{type(value).__name__}"))
            continue
        low, high = (as_field_type(end, value) for end in distribution.support)
        ends[path] = (low, high)

    def clash(changes: dict[str, Any]) -> str | None:
        try:
            changed = Scenario.model_validate(apply_changes(data, changes))
        except ValidationError as error:
            return str(error.errors()[0]["msg"])
        return "\n".join(map(str, scenario_problems(changed))) or None

    for path, (low, high) in ends.items():
        for bound in (low, high):
            message = clash({path: bound})
            if message:
                problems.append(Problem(("uncertain", path),
                                        f"the scenario is not valid with {bound:g}: {message}"))
                break
    if problems or len(ends) < 2:
        return
    corners = [{p: ends[p][0] for p in ends}, {p: ends[p][1] for p in ends}]
    for path in ends:
        corners.append({p: ends[p][0 if p == path else 1] for p in ends})
        corners.append({p: ends[p][1 if p == path else 0] for p in ends})
    for corner in corners:
        message = clash(corner)
        if message:
            values = ", ".join(f"{p} = {v:g}" for p, v in corner.items())
            problems.append(Problem(("uncertain",), f"the scenario is not valid when the "
                                                    f"uncertain fields take {values} together: "
                                                    f"{message}"))
            return
