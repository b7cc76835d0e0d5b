"""The capacity finder: targets and searched capacities from the page's form, written as a
targets file (``scenarios/targets/`` format) and searched as ``python -m sim capacity
--search`` does, its folder written through the door (``sim.results``), so the page's answer
is the command line's folder."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from sim.app import edits
from sim.app.scenarios import SCENARIOS
from sim.cache import DEFAULT_CACHE, ResultCache
from sim.capacity.folders import write_search
from sim.capacity.search import Capacities, Evaluation, Search
from sim.capacity.targets import SearchPlan, load_targets
from sim.compile import load_scenario
from sim.config import Scenario, ScenarioError
from sim.config.loader import read_yaml_file
from sim.executors import open_executor
from sim.results import check_free

# the shipped example: its targets and bounds are the form's starting values
EXAMPLE = SCENARIOS / "targets" / "baseline_targets.yaml"


@dataclass(frozen=True)
class FinderForm:
    """``targets``: (metric, ``at_least`` or ``at_most``, threshold in the metric's unit);
    ``bounds``: service -> (lowest, highest) capacity to try, whole units; run settings in
    days; replications per candidate and for the confirming run."""

    targets: list[tuple[str, str, float]]
    bounds: dict[str, tuple[int, int]]
    run_days: float
    warmup_days: float
    replications: int
    confirm_replications: int


def example() -> dict[str, Any]:
    """The shipped targets file, as a mapping."""
    return read_yaml_file(EXAMPLE)


def default_bounds(scenario: Scenario) -> dict[str, tuple[int, int]]:
    """Service -> bounds offered: the example's where it names the service, else today's
    capacity to half as much again (services with one whole-number capacity only)."""
    shipped = {r["service"]: (int(r["bounds"][0]), int(r["bounds"][1]))
               for r in example()["resources"]}
    today = edits.current(scenario).capacity
    return {name: shipped.get(name, (units, max(units + 1, round(units * 1.5))))
            for name, units in today.items()}


def write_targets(form: FinderForm, scenario: Scenario, folder: Path) -> Path:
    """The targets file in ``folder``, checked against ``scenario`` (``ScenarioError`` with
    the targets file's own messages when it does not fit)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "targets.yaml"
    content = {"replications": form.replications,
               "confirm_replications": form.confirm_replications,
               "scenario_changes": {"time.run_days": form.run_days,
                                    "time.warmup_days": form.warmup_days},
               "targets": [{"metric": metric, direction: threshold}
                           for metric, direction, threshold in form.targets],
               "resources": [{"service": service, "bounds": list(bounds)}
                             for service, bounds in form.bounds.items()]}
    path.write_text(yaml.safe_dump(content, sort_keys=False), encoding="utf-8")
    try:
        load_targets(path, scenario)
    except ScenarioError:
        path.unlink()
        raise
    return path


Candidates = Callable[[int, int, str], None]  # (evaluated, about how many in all, latest)


class _Reported(Search):
    """The command line's search, telling ``report`` after each new candidate."""

    def __init__(self, plan: SearchPlan, report: Candidates, **settings: Any):
        super().__init__(plan, progress=False, **settings)
        self.report = report
        self.expected = expected_candidates(plan)

    def evaluate(self, capacities: Capacities) -> Evaluation:
        new = capacities not in self.memo
        evaluation = super().evaluate(capacities)
        if new:
            self.expected = max(self.expected, len(self.memo) + 1)
            self.report(len(self.memo), self.expected, ", ".join(
                f"{r.label} {c}" for r, c in zip(self.plan.resources, capacities)))
        return evaluation

    def confirm(self, capacities: Capacities) -> tuple[pd.DataFrame, pd.DataFrame]:
        self.report(len(self.memo), self.expected, "now the confirming run")
        return super().confirm(capacities)


def expected_candidates(plan: SearchPlan) -> int:
    """About how many candidates the search evaluates: the upper bounds, a binary search of
    each resource's range, one unit less of each in the confirming pass, and the confirming
    run (the count grows when more passes are needed)."""
    halvings = sum(math.ceil(math.log2(high - low + 1)) for low, high in
                   zip(plan.lower, plan.upper))
    return 1 + halvings + len(plan.upper) + 1


def search(scenario_path: Path, targets: Path, out: Path, report: Candidates,
           cache: Path = DEFAULT_CACHE) -> Path:
    """The search of ``python -m sim capacity SCENARIO --search TARGETS --out OUT``, ``report``
    told after each candidate, its folder written through the door; returns ``out`` (written
    whether or not the targets were met)."""
    plan = load_targets(targets, load_scenario(scenario_path))
    check_free(out)
    started = time.perf_counter()
    with open_executor("processes") as pool:
        searched = _Reported(plan, report, executor=pool, cache=ResultCache(cache))
        solution = searched.run()
    report(searched.expected, searched.expected, solution.status)
    return write_search(solution, targets, out, time.perf_counter() - started)


def outcome(out: Path) -> tuple[pd.DataFrame | None, pd.DataFrame | None, pd.DataFrame]:
    """(solution, confirmation, every candidate) of a search folder; the first two are None
    when no capacities within the bounds met the targets."""
    def read(name: str) -> pd.DataFrame | None:
        return pd.read_csv(out / name) if (out / name).is_file() else None

    return read("solution.csv"), read("confirmation.csv"), pd.read_csv(out / "search.csv")
