"""Capacity search (``python -m sim capacity --search``) on a tiny pathway where services
interact: a ward whose patients wait in their bed (blocking) for a rehab caseload, so rehab
capacity changes the ward's occupancy and its waits.

- the solution meets every target in its confirming run (replications the search never saw);
- one unit less of each binding resource breaks a target, checked by running it afresh;
- targets that cannot be met within the bounds are reported as such;
- targets files are checked before anything runs, every problem named by file and field.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from helpers import SCENARIOS, base_dict

from sim.capacity.command import add_parser
from sim.capacity.search import Search, SearchResult, target_means
from sim.capacity.targets import Resource, SearchPlan, capacity_changes, load_targets
from sim.compile import load_scenario, validate, with_changes
from sim.config import ScenarioError
from sim.config.schema import Scenario
from sim.runner import run_scenario

SERIAL = {"executor": "serial", "cache": None}
# Mean waits (days) over replications 0-3 (4-13 in brackets), measured once: with 7 beds and
# 7 slots, ward 0.070 (0.077) and rehab 0.095 (0.064); one bed less, ward 0.20 (0.20); one
# slot less, rehab 0.24 (0.19). So (7, 7) is the answer with room either side.
TARGETS = [{"metric": "wait_days_mean:ward", "at_most": 0.1},
           {"metric": "wait_days_mean:rehab", "at_most": 0.15}]
RESOURCES = [{"service": "ward", "bounds": [3, 12]}, {"service": "rehab", "bounds": [3, 12]}]


def pathway(ward_beds: int = 8, rehab_slots: int = 8) -> dict[str, Any]:
    """4 patients a day into a ward (1 day); half then wait in their bed for rehab (2 days)."""
    services = {
        "ward": {"kind": "ward", "capacity": ward_beds,
                 "duration": {"dist": "exponential", "mean": 1.0, "unit": "days"},
                 "routes": {"rehab": {"to": "rehab", "probability": 0.5, "blocking": True},
                            "home": {"to": "out", "probability": 0.5}}},
        "rehab": {"kind": "caseload", "capacity": rehab_slots,
                  "duration": {"dist": "exponential", "mean": 2.0, "unit": "days"},
                  "routes": {"home": {"to": "out", "probability": 1.0}}},
        "out": {"kind": "exit"},
    }
    return base_dict(services, "ward", 4.0, run_days=300, warmup_days=30, follow_up_days=30,
                     name="pathway")


def write_yaml(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def targets_file(tmp_path: Path, **changes: Any) -> Path:
    data = {"replications": 4, "confirm_replications": 10, "targets": TARGETS,
            "resources": RESOURCES, **changes}
    return write_yaml(tmp_path / "targets.yaml", data)


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory) -> SearchPlan:
    folder = tmp_path_factory.mktemp("search")
    return load_targets(targets_file(folder), validate(pathway()))


@pytest.fixture(scope="module")
def solved(plan: SearchPlan) -> SearchResult:
    return Search(plan, progress=False, **SERIAL).run()


def test_solution_meets_every_target_in_its_confirming_run(solved: SearchResult):
    assert solved.status == "solved"
    assert solved.capacities == (7, 7)
    confirmation = solved.confirmation
    assert confirmation is not None
    assert list(confirmation["target"]) == ["wait_days_mean:ward <= 0.1",
                                            "wait_days_mean:rehab <= 0.15"]
    assert confirmation["met"].all() and solved.confirmed
    assert (confirmation["n_reps"] == 10).all()
    assert (confirmation["ci_low"] <= confirmation["mean"]).all()


def test_one_unit_less_of_a_binding_resource_breaks_a_target(plan: SearchPlan,
                                                             solved: SearchResult):
    assert [r.binding for r in solved.resources] == [True, True]
    for i, resource in enumerate(solved.resources):
        fewer = list(solved.capacities)
        fewer[i] -= 1
        # run afresh, not from the search's memo
        metrics = run_scenario(plan.candidate(tuple(fewer)), replications=plan.replications,
                               progress=False, **SERIAL).metrics
        means = target_means(metrics, plan.targets)
        missed = [t.label for t, m in zip(plan.targets, means) if not t.met(m)]
        assert missed and missed == resource.missed_with_one_less
    # ...and the solution itself meets them on the search's replications
    assert next(e for e in solved.evaluations if e.capacities == solved.capacities).feasible


def test_rehab_capacity_changes_the_ward(plan: SearchPlan):
    """Services interact: fewer rehab slots keep patients in ward beds, so ward waits rise."""
    search = Search(plan, progress=False, **SERIAL)
    ward_wait = [search.evaluate((7, rehab)).means[0] for rehab in (5, 7, 12)]
    assert ward_wait[0] > ward_wait[1] > ward_wait[2]


def test_search_records_every_candidate_once_and_is_reproducible(plan: SearchPlan,
                                                                 solved: SearchResult):
    seen = [e.capacities for e in solved.evaluations]
    assert len(seen) == len(set(seen)) and seen[0] == plan.upper
    again = Search(plan, progress=False, **SERIAL).run()
    assert again.capacities == solved.capacities
    assert [e.means for e in again.evaluations] == [e.means for e in solved.evaluations]


def test_targets_out_of_reach_are_reported(plan: SearchPlan):
    narrow = SearchPlan(plan.scenario, plan.targets, [
        plan.resources[0].model_copy(update={"bounds": (3, 5)}), plan.resources[1]],
        plan.replications, plan.confirm_replications)
    result = Search(narrow, progress=False, **SERIAL).run()
    assert result.status == "infeasible"
    assert result.capacities == (5, 12) and len(result.evaluations) == 1
    assert result.missed_at_upper_bounds == ["wait_days_mean:ward <= 0.1"]
    assert result.confirmation is None and not result.confirmed


# --- the command ----------------------------------------------------------------------------

def capacity_command(*argv: str | Path) -> int:
    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers())
    args = parser.parse_args(["capacity", *map(str, argv)])
    return args.handler(args)


@pytest.mark.slow
def test_command_writes_the_search_folder(tmp_path: Path, capsys):
    scenario = write_yaml(tmp_path / "pathway.yaml", pathway())
    out = tmp_path / "out"
    status = capacity_command(scenario, "--search", targets_file(tmp_path), "--out", out,
                              "--executor", "serial", "--no-cache", "--quiet")
    assert status == 0
    printed = capsys.readouterr().out
    assert "Smallest capacities meeting every target" in printed
    assert "NOT CONFIRMED" not in printed
    solution = pd.read_csv(out / "solution.csv")
    assert list(solution["capacity"]) == [7, 7]
    assert list(solution["binding"]) == ["yes", "yes"]
    search = pd.read_csv(out / "search.csv")
    assert list(search.columns[:3]) == ["evaluation", "ward", "rehab"]
    assert search["feasible"].iloc[0]
    confirmation = pd.read_csv(out / "confirmation.csv")
    assert confirmation["met"].all()
    found = load_scenario(out / "solution_scenario.yaml")
    assert (found.services["ward"].capacity, found.services["rehab"].capacity) == (7, 7)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "solved" and manifest["confirm_replications"] == list(
        range(4, 14))


def test_command_says_when_targets_cannot_be_met(tmp_path: Path, capsys):
    scenario = write_yaml(tmp_path / "pathway.yaml", pathway())
    targets = targets_file(tmp_path, resources=[{"service": "ward", "bounds": [3, 5]}])
    out = tmp_path / "out"
    assert capacity_command(scenario, "--search", targets, "--out", out, "--executor",
                            "serial", "--no-cache", "--quiet") == 1
    printed = capsys.readouterr().out
    assert "Targets cannot be met within the bounds" in printed
    assert "wait_days_mean:ward <= 0.1 (mean" in printed
    assert (out / "search.csv").exists() and not (out / "solution.csv").exists()


def test_command_rejects_options_the_search_does_not_use(tmp_path: Path):
    scenario = write_yaml(tmp_path / "pathway.yaml", pathway())
    with pytest.raises(ScenarioError) as error:
        capacity_command(scenario, "--search", targets_file(tmp_path), "--reps", "3",
                         "--percentile", "90")
    assert [m.split(":")[0] for m in error.value.messages] == ["--reps", "--percentile"]


# --- targets files --------------------------------------------------------------------------

def problems(tmp_path: Path, scenario: Scenario | None = None, **changes: Any) -> list[str]:
    path = targets_file(tmp_path, **changes)
    with pytest.raises(ScenarioError) as error:
        load_targets(path, scenario or validate(pathway()))
    assert all(m.startswith(f"{path}: ") for m in error.value.messages), error.value.messages
    return [m.removeprefix(f"{path}: ") for m in error.value.messages]


def test_targets_file_structure_errors_name_the_field(tmp_path: Path):
    found = problems(tmp_path, replications=0, targets=[
        {"metrc": "x", "at_most": 1}, {"metric": "wait_days_mean:ward"},
        {"metric": "wait_days_mean:ward", "at_least": 1, "at_most": 2}],
        resources=[{"service": "ward", "bounds": [5, 3]}], confirm_replication=3)
    assert found == [
        "replications: expected greater than or equal to 1, got 0",
        "targets.0.metric: required field is missing",
        "targets.0.metrc: unknown key; did you mean 'metric'?",
        "targets.1: give exactly one of 'at_least' or 'at_most'",
        "targets.2: give exactly one of 'at_least' or 'at_most'",
        "resources.0.bounds: expected [low, high] with low <= high, got [5, 3]",
        "confirm_replication: unknown key; did you mean 'confirm_replications'?",
    ]


def test_targets_file_errors_against_the_scenario(tmp_path: Path):
    found = problems(tmp_path, targets=[
        {"metric": "wait_days_mean:wrad", "at_most": 1},
        {"metric": "wait_days_mean:ward", "locality": "north", "at_most": 1}],
        resources=[{"service": "out", "bounds": [1, 2]},
                   {"service": "ward", "unit": "north", "bounds": [1, 2]},
                   {"service": "rehab", "bounds": [1, 2]}, {"service": "rehab", "bounds": [1, 3]}])
    assert found == [
        "resources.0.service: 'out' is not a team, ward or caseload of the scenario (expected "
        "one of ['ward', 'rehab'])",
        "resources.1.unit: 'north' is not a system (expected one of ['s'])",
        "resources.3: 'rehab' is listed twice",
        "targets.0.metric: 'wait_days_mean:wrad' is not a metric this scenario produces; did "
        "you mean 'wait_days_mean:ward'?",
        "targets.1.locality: 'wait_days_mean:ward' is reported for ['all'], not 'north'",
    ]


def test_a_renamed_metric_in_a_targets_file_is_told_its_new_name(tmp_path: Path):
    found = problems(tmp_path, targets=[{"metric": "ucr_within_2h_pct", "at_least": 80}])
    assert found == ["targets.0.metric: 'ucr_within_2h_pct' is not a metric this scenario "
                     "produces; it was renamed 'ucr_within_target_pct'"]


def test_bounds_that_make_the_scenario_invalid_are_reported(tmp_path: Path):
    data = pathway()
    only = data["geography"]["localities"].pop("only")
    data["geography"]["localities"] = {"north": only, "south": only}
    data["services"]["rehab"]["level"] = "locality"
    found = problems(tmp_path, validate(data),
                     resources=[{"service": "rehab", "bounds": [1, 4]}])
    assert found == [
        "resources: with every resource at its lower bound the scenario is not valid: "
        "services.rehab.capacity: leaves locality ['south'] with no capacity, so patients sent "
        "there would never be served; give at least 1 per unit (or 'unlimited')"]


def test_scenario_changes_in_a_targets_file(tmp_path: Path):
    path = targets_file(tmp_path, scenario_changes={"time.warmup_days": 10})
    plan = load_targets(path, validate(pathway()))
    assert plan.scenario.time.warmup_days == 10
    assert problems(tmp_path, scenario_changes={"time.warmup_days": -1})[0].startswith(
        "scenario_changes.time.warmup_days: expected greater than or equal to 0")


def test_unit_resources_keep_the_other_units():
    scenario = load_scenario(SCENARIOS / "locality.yaml")
    resources = [Resource(service="ic_home", unit="north", bounds=(20, 40)),
                 Resource(service="ucr", unit="south", bounds=(1, 3))]
    changes = capacity_changes(scenario, resources, (25, 2))
    assert changes["services.ic_home.capacity_by_unit"] == {"north": 25, "central": 29,
                                                            "south": 25}
    ucr = with_changes(scenario, changes).services["ucr"]
    assert ucr.capacity is None and ucr.capacity_by_unit["south"] == 2


def test_the_shipped_targets_file_fits_the_baseline():
    plan = load_targets(SCENARIOS / "targets" / "baseline_targets.yaml",
                        load_scenario(SCENARIOS / "baseline.yaml"))
    assert [r.label for r in plan.resources] == ["ucr", "ic_home", "ic_beds", "acute"]
    assert plan.replications * 4 <= 20  # a few minutes on 2 cores
