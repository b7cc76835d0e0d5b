"""The capacity part's results folders: ``capacity`` (capacity needed, capacity unlimited)
and ``capacity_search`` (the smallest capacities meeting targets), registered with the door
(``sim.results``) and written from their result objects by the command line and the app."""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import pandas as pd

from sim.capacity.criteria import Criteria, capacity_table
from sim.capacity.occupancy import distribution_table, simulate_occupancy
from sim.capacity.plots import write_occupancy_plots
from sim.capacity.recommend import recommended_capacity
from sim.capacity.search import SearchResult, evaluations_table, solution_table
from sim.config import Scenario
from sim.results import FolderKind, register, write_folder, write_scenario

CAPACITY = register(FolderKind(
    "capacity", "capacity needed with capacity unlimited: occupancy_distribution.csv, "
                "capacity.csv, recommended_capacity.csv (python -m sim capacity)"))
CAPACITY_SEARCH = register(FolderKind(
    "capacity_search", "the smallest capacities meeting targets: search.csv, solution.csv, "
                       "confirmation.csv (python -m sim capacity --search)"))
# each criterion's command-line option, as the manifest's command to reproduce names it
CRITERIA_OPTIONS = {f.name: f"--{f.name.replace('_', '-')}" for f in fields(Criteria)}


@dataclass(frozen=True)
class Estimate:
    """The capacity ``services`` need in ``scenario`` by ``criteria``, measured with their
    capacity unlimited: the occupancy distribution, the capacity by criterion and the one
    recommended, per service, unit and period; the wall time in seconds."""

    scenario: Scenario
    services: list[str]
    criteria: Criteria
    distribution: pd.DataFrame
    capacity: pd.DataFrame
    recommended: pd.DataFrame
    wall_seconds: float


def estimate_capacity(scenario: Scenario, services: list[str], criteria: Criteria,
                      **settings: Any) -> Estimate:
    """Run ``scenario``'s replications with ``services`` unlimited and estimate what they
    need; ``settings`` go to ``sim.runner.map_replications`` (executor, jobs, cache,
    progress...)."""
    started = time.perf_counter()
    histograms = simulate_occupancy(scenario, services, scenario.time.replications, **settings)
    capacity = capacity_table(histograms, scenario, criteria)
    return Estimate(scenario, services, criteria, distribution_table(histograms), capacity,
                    recommended_capacity(capacity), time.perf_counter() - started)


def write_estimate(estimate: Estimate, out: Path) -> Path:
    """The ``capacity`` folder ``out``; returns ``out``."""
    scenario, reps = estimate.scenario, estimate.scenario.time.replications

    def files(folder: Path) -> None:
        estimate.distribution.to_csv(folder / "occupancy_distribution.csv", index=False)
        estimate.capacity.to_csv(folder / "capacity.csv", index=False)
        estimate.recommended.to_csv(folder / "recommended_capacity.csv", index=False)
        write_occupancy_plots(estimate.distribution, estimate.capacity, folder / "plots")
        write_scenario(scenario, folder / "scenario.yaml")

    options = " ".join(f"{option} {getattr(estimate.criteria, name):g}"
                       for name, option in CRITERIA_OPTIONS.items())
    return write_folder(CAPACITY, out, files, [scenario], reps, estimate.wall_seconds,
                        f"python -m sim capacity scenario.yaml --services "
                        f"{' '.join(estimate.services)} --reps {reps} --seed "
                        f"{scenario.time.seed} {options}",
                        {"services_unlimited": estimate.services})


def write_search(result: SearchResult, targets: Path, out: Path, wall_seconds: float) -> Path:
    """The ``capacity_search`` folder ``out`` of a search for the targets file ``targets``
    (copied in), ``wall_seconds`` long; written whether or not the targets were met."""
    plan = result.plan

    def files(folder: Path) -> None:
        evaluations_table(result).to_csv(folder / "search.csv", index=False)
        if result.status == "solved":
            assert result.confirmation is not None  # a solution is confirmed (Search.run)
            solution_table(result).to_csv(folder / "solution.csv", index=False)
            result.confirmation.to_csv(folder / "confirmation.csv", index=False)
            if result.costs is not None and len(result.costs):
                result.costs.to_csv(folder / "solution_costs.csv", index=False)
            write_scenario(plan.candidate(result.capacities), folder / "solution_scenario.yaml")
        write_scenario(plan.scenario, folder / "scenario.yaml")
        shutil.copyfile(targets, folder / "targets.yaml")

    return write_folder(CAPACITY_SEARCH, out, files, [plan.scenario], plan.replications,
                        wall_seconds, "python -m sim capacity scenario.yaml --search targets.yaml",
                        {"status": result.status, "evaluations": len(result.evaluations),
                         "confirm_replications": plan.confirm_numbers})
