"""Targets files for the capacity search: what must be achieved, and what may be changed.

A targets file (see scenarios/targets/baseline_targets.yaml) holds:

- ``targets``: metrics of the constrained model (as in ``summary.csv``) with ``at_least`` or
  ``at_most`` a threshold, for a ``locality`` (default ``all``), judged on the mean across
  the search's replications;
- ``resources``: the capacities the search may change, each a whole service (its total
  ``capacity``, split across units as the scenario splits it) or one ``unit`` of it, with
  ``bounds: [low, high]``;
- ``replications`` per evaluation (replications 0..R-1, the same in every evaluation),
  ``confirm_replications`` for the confirming run (the next ones, R..R+N-1, which the search
  never saw), and optional ``scenario_changes`` (dotted paths, as ``sim.with_changes``)
  applied before searching.

Errors name the file, the field and what was expected, as scenario errors do.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from sim.analysis.metrics import ALL
from sim.analysis.registry import RENAMED
from sim.compile import with_changes
from sim.config.capacity import unit_capacities
from sim.config.loader import ScenarioError, read_yaml_file
from sim.config.numbers import Checked
from sim.config.problems import InputProblem, Problem
from sim.config.schema import CapacitatedService, Scenario
from sim.runner import produced_metrics

Count = Annotated[int, Field(ge=1)]


class _Strict(Checked):
    """Immutable, unknown keys rejected, numbers by the rules of every input file (not a
    scenario model, so not in scenario hints)."""


class Target(_Strict):
    """``metric`` (at ``locality``) must be at least or at most a threshold."""

    metric: str
    locality: str = ALL
    at_least: float | None = None
    at_most: float | None = None

    @model_validator(mode="after")
    def _one_direction(self) -> Target:
        if (self.at_least is None) == (self.at_most is None):
            raise ValueError("give exactly one of 'at_least' or 'at_most'")
        return self

    @property
    def threshold(self) -> float:
        if self.at_least is not None:
            return self.at_least
        assert self.at_most is not None  # exactly one is given (``_one_direction``)
        return self.at_most

    @property
    def label(self) -> str:
        where = "" if self.locality == ALL else f"[{self.locality}]"
        sign = ">=" if self.at_least is not None else "<="
        return f"{self.metric}{where} {sign} {self.threshold:g}"

    def met(self, value: float) -> bool:
        """Whether ``value`` meets the target (a missing value, NaN, never does)."""
        if self.at_least is not None:
            return bool(value >= self.at_least)
        return bool(value <= self.threshold)


class Resource(_Strict):
    """A capacity the search may change: a whole service, or one ``unit`` of it."""

    service: str
    unit: str | None = None
    bounds: tuple[Count, Count] = Field(description="[low, high], whole units")

    @field_validator("bounds")
    @classmethod
    def _ordered(cls, bounds: tuple[int, int]) -> tuple[int, int]:
        if bounds[0] > bounds[1]:
            raise ValueError(f"expected [low, high] with low <= high, got {list(bounds)}")
        return bounds

    @property
    def label(self) -> str:
        return self.service if self.unit is None else f"{self.service}@{self.unit}"


class TargetsFile(_Strict):
    replications: Count = Field(5, description="per evaluation, the same in every one")
    confirm_replications: Annotated[int, Field(ge=2)] = 10
    scenario_changes: dict[str, Any] = {}
    targets: Annotated[list[Target], Field(min_length=1)]
    resources: Annotated[list[Resource], Field(min_length=1)]


@dataclass(frozen=True)
class SearchPlan:
    """A validated targets file together with the scenario it applies to."""

    scenario: Scenario  # with scenario_changes applied
    targets: list[Target]
    resources: list[Resource]
    replications: int  # per evaluation: replications 0..R-1
    confirm_replications: int  # the confirming run: replications R..R+N-1

    @property
    def confirm_numbers(self) -> list[int]:
        """Replication numbers of the confirming run: after those the search used."""
        return list(range(self.replications, self.replications + self.confirm_replications))

    @property
    def lower(self) -> tuple[int, ...]:
        return tuple(r.bounds[0] for r in self.resources)

    @property
    def upper(self) -> tuple[int, ...]:
        return tuple(r.bounds[1] for r in self.resources)

    def candidate(self, capacities: tuple[int, ...]) -> Scenario:
        """The scenario with each resource at the given capacity."""
        return with_changes(self.scenario, capacity_changes(self.scenario, self.resources,
                                                           capacities))


def capacity_changes(scenario: Scenario, resources: list[Resource],
                     capacities: tuple[int, ...]) -> dict[str, Any]:
    """Dotted-path changes setting each resource to its capacity. A service changed unit by
    unit gets ``capacity_by_unit``, the units not searched keeping their capacity."""
    changes: dict[str, Any] = {}
    by_unit: dict[str, dict[str, int | None]] = {}  # None: unlimited
    for resource, capacity in zip(resources, capacities):
        if resource.unit is None:
            changes[f"services.{resource.service}.capacity"] = capacity
            continue
        if resource.service not in by_unit:
            spec = scenario.services[resource.service]
            assert isinstance(spec, CapacitatedService)
            by_unit[resource.service] = dict(unit_capacities(scenario, spec))
        by_unit[resource.service][resource.unit] = capacity
    for service, units in by_unit.items():
        changes[f"services.{service}.capacity"] = None
        changes[f"services.{service}.capacity_by_unit"] = units
    return changes


def load_targets(path: Path, scenario: Scenario) -> SearchPlan:
    """Read and check a targets file against ``scenario``; ``ScenarioError`` lists every
    problem as ``FILE: field: what was expected``."""
    data = read_yaml_file(path)
    try:
        spec = TargetsFile.model_validate(data)
    except ValidationError as error:
        raise ScenarioError(_in_file(path, _describe(error))) from None
    try:
        searched = with_changes(scenario, spec.scenario_changes)
    except ScenarioError as error:
        raise ScenarioError([InputProblem(str(path), ("scenario_changes", *p.path), p.message)
                             for p in error.problems]) from None
    problems = _resource_problems(spec.resources, searched)
    if not problems:
        problems = _bound_problems(spec.resources, searched)
    problems += _target_problems(spec.targets, searched)
    if problems:
        raise ScenarioError(_in_file(path, problems))
    return SearchPlan(
        scenario=searched,
        targets=spec.targets,
        resources=spec.resources,
        replications=spec.replications,
        confirm_replications=spec.confirm_replications,
    )


def _in_file(path: Path, problems: list[Problem]) -> list[InputProblem]:
    return [InputProblem(str(path), problem.path, problem.message) for problem in problems]


def _describe(error: ValidationError) -> list[Problem]:
    """``field: what was expected`` for each problem pydantic found, with a guess at the
    intended key for an unknown one."""
    models: dict[tuple[str, ...], type[BaseModel]] = {
        (): TargetsFile, ("targets",): Target, ("resources",): Resource}
    messages = []
    for detail in error.errors():
        loc = detail["loc"]
        if detail["type"] == "extra_forbidden":
            model = models.get(tuple(str(p) for p in loc[:-1] if not isinstance(p, int)))
            names = list(model.model_fields) if model else []
            guess = difflib.get_close_matches(str(loc[-1]), names, n=1)
            hint = f"did you mean '{guess[0]}'?" if guess else f"expected one of {names}"
            messages.append(Problem(loc, f"unknown key; {hint}"))
            continue
        message = detail["msg"].replace("Input should be", "expected").replace(
            "Value error, ", "")
        if detail["type"] == "missing":
            message = "required field is missing"
        elif isinstance(detail.get("input"), (int, float, str, bool)) and ", got" not in message:
            message += f", got {detail['input']!r}"
        messages.append(Problem(loc, message if loc else f"(top level): {message}"))
    return messages


def _resource_problems(resources: list[Resource], scenario: Scenario) -> list[Problem]:
    problems: list[Problem] = []
    known = [name for name, s in scenario.services.items() if isinstance(s, CapacitatedService)]
    seen: set[tuple[str, str | None]] = set()
    whole = {r.service for r in resources if r.unit is None}
    for i, resource in enumerate(resources):
        path = ("resources", i)
        spec = scenario.services.get(resource.service)
        if not isinstance(spec, CapacitatedService):
            problems.append(Problem((*path, "service"), (
                f"'{resource.service}' is not a team, ward or caseload of the scenario "
                f"(expected one of {known})")))
            continue
        if (resource.service, resource.unit) in seen:
            problems.append(Problem(path, f"'{resource.label}' is listed twice"))
        seen.add((resource.service, resource.unit))
        if resource.unit is None:
            continue
        units = scenario.geography.units(spec.level)
        unit = (*path, "unit")
        if resource.unit not in units:
            problems.append(Problem(unit, f"'{resource.unit}' is not a {spec.level} "
                                          f"(expected one of {units})"))
        elif resource.service in whole:
            problems.append(Problem(unit, f"'{resource.service}' is also searched as a whole; "
                                          "give the whole service or its units, not both"))
        elif None in unit_capacities(scenario, spec).values():
            problems.append(Problem(unit, (
                f"'{resource.service}' has unlimited capacity, so the units not searched have "
                "none to keep; search it as a whole or give it capacity_by_unit in the "
                "scenario")))
    return problems


def _bound_problems(resources: list[Resource], scenario: Scenario) -> list[Problem]:
    """Every resource at its lower bound, and at its upper bound, must give a valid scenario
    (a total too small to give every unit a bed is caught here, not mid-search)."""
    problems: list[Problem] = []
    for name, index in (("lower", 0), ("upper", 1)):
        capacities = tuple(r.bounds[index] for r in resources)
        try:
            with_changes(scenario, capacity_changes(scenario, resources, capacities))
        except ScenarioError as error:
            problems += [Problem(("resources",), (
                f"with every resource at its {name} bound the scenario is not valid: "
                f"{': '.join(part for part in (p.field, p.message) if part)}"))
                for p in error.problems]
    return problems


def _target_problems(targets: list[Target], scenario: Scenario) -> list[Problem]:
    available = produced_metrics(scenario)
    problems: list[Problem] = []
    for i, target in enumerate(targets):
        localities = available.get(target.metric)
        if localities is None:
            guess = difflib.get_close_matches(target.metric, list(available), n=1)
            hint = f"; did you mean '{guess[0]}'?" if guess else " (see docs/metrics.md)"
            if target.metric in RENAMED:
                hint = f"; it was renamed '{RENAMED[target.metric]}'"
            problems.append(Problem(("targets", i, "metric"), (
                f"'{target.metric}' is not a metric this scenario produces{hint}")))
        elif target.locality not in localities:
            problems.append(Problem(("targets", i, "locality"), (
                f"'{target.metric}' is reported for {localities}, not '{target.locality}'")))
    return problems
