"""Reading a scenario in two stages, each field (``sim.config.loader``) and then the whole
scenario (``sim.compile.checks``), so nothing runs on a scenario that cannot run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sim.compile.checks import scenario_problems
from sim.config.loader import (
    Provenance,
    ScenarioError,
    apply_changes,
    problem_messages,
    resolve,
    validate_fields,
)
from sim.config.schema import Scenario


def load_scenario(path: str | Path, changes: dict[str, Any] | None = None) -> Scenario:
    """Read, merge and validate a scenario file; ``changes`` are dotted-path overrides."""
    data, provenance = resolve(Path(path))
    if changes:
        data = apply_changes(data, changes)
    return validate(data, provenance, str(path))


def validate(data: dict[str, Any], provenance: Provenance | None = None,
             default_file: str = "scenario") -> Scenario:
    """``data`` (a scenario as a plain mapping) as a scenario that passed every check, or
    ``ScenarioError`` with one line per problem, each naming the file that set the value
    (``provenance``, else ``default_file``). ``Scenario.model_validate`` checks fields only."""
    provenance = provenance or {}
    scenario = validate_fields(data, provenance, default_file)
    problems = scenario_problems(scenario)
    if problems:
        raise ScenarioError(problem_messages(problems, provenance, default_file))
    return scenario


def with_changes(scenario: Scenario, changes: dict[str, Any]) -> Scenario:
    """A validated copy of ``scenario`` with dotted-path changes, e.g.
    ``{"time.replications": 5}``; ``ScenarioError``, as from ``load_scenario``, if the result
    is not valid."""
    data = apply_changes(scenario.model_dump(mode="json"), changes)
    return validate(data, {}, f"scenario '{scenario.name}' with changes")
