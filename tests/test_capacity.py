"""Capacity estimation (``python -m sim capacity``): occupancy with capacity unlimited and the
capacity each criterion needs.

- analytic: an unlimited service with Poisson arrivals holds a Poisson number of patients
  (M/G/infinity, lognormal stays), its "all busy" criterion follows Erlang's loss formula
  (insensitive to the stay distribution) and, with exponential stays, the queue version
  follows Erlang's delay formula;
- exact: the criteria on hand-made distributions; units and months against sampling the
  event log on a fine grid, and their days adding up to the period;
- the command: files, columns, reproducibility, clear errors.

Comparisons with theory use 95% t-intervals across independent replications widened by half
(as tests/test_analytic.py), and check the interval is narrow enough to reject a
neighbouring case.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from helpers import SCENARIOS, base_dict, days, one_service_scenario
from scipy import stats

from sim.analysis.logview import LogView
from sim.analysis.summary import t_interval
from sim.capacity.command import add_parser
from sim.capacity.criteria import (
    Criteria,
    blocking_probabilities,
    capacity_all_busy,
    capacity_all_busy_queue,
    capacity_mean_occupancy,
    capacity_percentile,
    capacity_table,
    waiting_probabilities,
)
from sim.capacity.occupancy import (
    Histograms,
    check_services,
    occupancy_histograms,
    periods,
    simulate_occupancy,
    unlimited,
)
from sim.compile import load_scenario, validate
from sim.config import ScenarioError
from sim.config.capacity import unit_capacities
from sim.config.schema import Scenario
from sim.engine.eventlog import Event
from sim.engine.model import run_replication
from sim.verify.queueing import erlang_b, erlang_c

SERIAL = {"executor": "serial", "progress": False, "cache": None}
RATE = 5.0  # arrivals a day
MEAN_STAY = 2.0  # days; offered load 10
LOAD = RATE * MEAN_STAY
REPLICATIONS = 10


def within(value: float, low: float, high: float, widen: float = 1.5) -> bool:
    centre, half = (low + high) / 2, (high - low) / 2
    return abs(value - centre) <= widen * half


def fractions(histograms: list[Histograms], key: tuple[str, str, str], size: int) -> np.ndarray:
    """Per replication (rows), fraction of time at occupancy 0..size-1 (columns)."""
    rows = np.zeros((len(histograms), size))
    for i, h in enumerate(histograms):
        days_at = h[key][:size]
        rows[i, : len(days_at)] = days_at / h[key].sum()
    return rows


def unlimited_server(duration: dict[str, Any], seed: int = 7) -> tuple[Scenario, list[Histograms]]:
    scenario = one_service_scenario("unlimited", duration, RATE, run_days=2000, warmup_days=50,
                                    replications=REPLICATIONS, seed=seed)
    return scenario, simulate_occupancy(scenario, ["server"], REPLICATIONS, **SERIAL)


@pytest.fixture(scope="module")
def lognormal_runs() -> tuple[Scenario, list[Histograms]]:
    return unlimited_server({"dist": "lognormal", "mean": MEAN_STAY, "sd": 3.0, "unit": "days"})


@pytest.fixture(scope="module")
def exponential_runs() -> tuple[Scenario, list[Histograms]]:
    return unlimited_server({"dist": "exponential", "mean": MEAN_STAY, "unit": "days"})


ALL_KEY = ("server", "all", "all")


# --- analytic -------------------------------------------------------------------------------

def test_unlimited_service_holds_a_poisson_number_of_patients(lognormal_runs):
    _, histograms = lognormal_runs
    size = 26
    by_rep = fractions(histograms, ALL_KEY, size)
    bulk = [k for k in range(size) if stats.poisson.pmf(k, LOAD) > 0.01]
    rejects_neighbour = False
    for k in bulk:
        mean, low, high = t_interval(by_rep[:, k])
        assert within(stats.poisson.pmf(k, LOAD), low, high), (k, mean, low, high)
        rejects_neighbour |= not within(stats.poisson.pmf(k, 1.1 * LOAD), low, high)
    assert rejects_neighbour  # precise enough to tell a 10% higher load apart


def test_all_busy_follows_erlangs_loss_formula(lognormal_runs):
    scenario, histograms = lognormal_runs
    by_rep = fractions(histograms, ALL_KEY, 40)
    loss = np.array([blocking_probabilities(row) for row in by_rep])
    for n in range(8, 19):
        mean, low, high = t_interval(loss[:, n])
        assert within(erlang_b(LOAD, n), low, high), (n, mean, low, high)
    assert not within(erlang_b(LOAD, 14), *t_interval(loss[:, 15])[1:])
    # the capacity: smallest n with B(n) <= 5% is 15 (B(14) = 5.7%, B(15) = 3.7%)
    needed = next(n for n in range(1, 40) if erlang_b(LOAD, n) <= 0.05)
    table = capacity_table(histograms, scenario, Criteria())
    row = table[(table["period"] == "all") & (table["criterion"] == "all_busy")].iloc[0]
    assert row["capacity"] == needed == 15
    assert row["ci_low"] - 0.5 <= needed <= row["ci_high"] + 0.5


def test_all_busy_queue_follows_erlangs_delay_formula(exponential_runs):
    scenario, histograms = exponential_runs
    by_rep = fractions(histograms, ALL_KEY, 40)
    waits = np.array([waiting_probabilities(row) for row in by_rep])
    for n in range(12, 22):
        mean, low, high = t_interval(waits[:, n])
        assert within(erlang_c(LOAD, n), low, high), (n, mean, low, high)
    needed = next(n for n in range(1, 40) if erlang_c(LOAD, n) <= 0.05)  # 18
    table = capacity_table(histograms, scenario, Criteria())
    row = table[(table["period"] == "all") & (table["criterion"] == "all_busy_queue")].iloc[0]
    assert row["capacity"] == needed


# --- criteria, exactly ----------------------------------------------------------------------

def test_criteria_on_a_hand_made_distribution():
    p = np.array([0.5, 0.3, 0.2])  # mean occupancy 0.7
    assert blocking_probabilities(p) == pytest.approx([1.0, 0.375, 0.2])
    assert capacity_all_busy(p, 0.25) == 2
    assert capacity_all_busy(p, 0.2) == 2
    assert capacity_all_busy(p, 0.1) == 3  # beyond the highest occupancy seen, B = 0
    # C(2) = 2 x 0.2 / (2 - 0.7 x 0.8); C(1) = 0.375 / (1 - 0.7 x 0.625)
    assert waiting_probabilities(p)[1:] == pytest.approx([0.375 / (1 - 0.7 * 0.625),
                                                          0.4 / (2 - 0.56)])
    assert capacity_all_busy_queue(p, 0.3) == 2
    assert capacity_mean_occupancy(p, 0.5) == 2  # 0.7 / 0.5 = 1.4
    assert capacity_mean_occupancy(p, 0.7) == 1  # exactly at the target
    assert capacity_percentile(p, 0.8) == 1
    assert capacity_percentile(p, 0.81) == 2


def test_all_busy_respects_a_later_rise_and_never_gives_zero():
    p = np.array([0.0, 0.0, 0.6, 0.1, 0.3])  # B: 1, 1, 1, 0.14, 0.3
    assert capacity_all_busy(p, 0.2) == 5
    assert capacity_all_busy(np.array([1.0]), 0.05) == 1  # never used: still one unit


def test_criteria_targets_are_checked():
    with pytest.raises(ScenarioError, match="--all-busy-pct: expected a percentage"):
        Criteria(all_busy_pct=0)
    assert Criteria().occupancy_pct_for(load_scenario(SCENARIOS / "baseline.yaml"), "acute") == 92


# --- units and months -----------------------------------------------------------------------

def two_locality_scenario(level: str) -> Scenario:
    """Two localities in one partnership, a ward organised at ``level`` with capacity
    unlimited; 15 days from mid-January into February."""
    services = {
        "ward": {"kind": "ward", "level": level, "capacity": "unlimited",
                 "duration": {"dist": "exponential", "mean": 3.0, "unit": "days"},
                 "routes": {"home": {"to": "out", "probability": 1.0}}},
        "out": {"kind": "exit"},
    }
    data = base_dict(services, "ward", 4.0, run_days=40, warmup_days=10, follow_up_days=5)
    only = data["geography"]["localities"].pop("only")
    data["geography"]["localities"] = {"north": only, "south": {**only, "need_index": 2.0}}
    data["time"]["start_date"] = "2025-01-15"
    return validate(data)


def sampled_occupancy(scenario: Scenario, localities: list[int], times: np.ndarray) -> np.ndarray:
    """Patients of ``localities`` holding the ward at each of ``times``, counted directly."""
    log = run_replication(scenario, 0)
    view = LogView(log)
    pairs = view.pairs("ward", Event.START, Event.LEAVE)
    keep = np.isin(log.patients["locality"][pairs.patient], localities)
    start, end = pairs.start[keep], pairs.end_or(np.inf)[keep]
    return ((start[None, :] <= times[:, None]) & (times[:, None] < end[None, :])).sum(axis=1)


@pytest.mark.parametrize("level, unit, localities", [
    ("locality", "north", [0]), ("locality", "south", [1]), ("locality", "all", [0, 1]),
    ("partnership", "all", [0, 1]),
])
def test_unit_histograms_match_the_log_sampled_on_a_grid(level, unit, localities):
    scenario = two_locality_scenario(level)
    histograms = occupancy_histograms(run_replication(scenario, 0), ["ward"])
    start, end = scenario.time.warmup_days, scenario.time.warmup_days + scenario.time.run_days
    grid = np.arange(start, end, 0.001) + 0.0005
    counted = np.bincount(sampled_occupancy(scenario, localities, grid))
    days_at = histograms[("ward", unit, "all")]
    expected = np.zeros(max(len(counted), len(days_at)))
    expected[: len(counted)] = counted * 0.001
    assert days_at.sum() == pytest.approx(end - start)
    assert days_at == pytest.approx(expected[: len(days_at)], abs=0.01)
    # a single partnership is reported as "all" only
    assert {k[1] for k in histograms} == ({"north", "south", "all"} if level == "locality"
                                          else {"all"})


def test_months_split_the_results_period():
    scenario = two_locality_scenario("locality")
    found = periods(scenario)
    assert [(p.name, p.start, p.end) for p in found] == [
        ("all", 10, 50), ("2025-01", 10, 27), ("2025-02", 27, 50)]
    histograms = occupancy_histograms(run_replication(scenario, 0), ["ward"])
    for period in found:
        assert histograms[("ward", "north", period.name)].sum() == pytest.approx(
            period.end - period.start)

    def area(name: str) -> float:
        days_at = histograms[("ward", "all", name)]
        return float(np.dot(np.arange(len(days_at)), days_at))

    assert area("2025-01") + area("2025-02") == pytest.approx(area("all"))


# --- scenario changes and errors ------------------------------------------------------------

def test_unlimited_drops_capacity_by_unit():
    scenario = load_scenario(SCENARIOS / "locality.yaml")
    assert scenario.services["ic_home"].capacity_by_unit is not None
    changed = unlimited(scenario, ["ic_home", "acute"])
    for name in ("ic_home", "acute"):
        assert set(unit_capacities(changed, changed.services[name]).values()) == {None}
    assert unit_capacities(changed, changed.services["ic_beds"]) == unit_capacities(
        scenario, scenario.services["ic_beds"])


def test_services_must_be_capacitated_services_of_the_scenario():
    scenario = load_scenario(SCENARIOS / "baseline.yaml")
    with pytest.raises(ScenarioError) as error:
        check_services(scenario, ["acute", "acutee", "after_discharge"])
    assert len(error.value.messages) == 2
    assert error.value.messages[0].startswith("--services: 'acutee' is not a team, ward or "
                                              "caseload of scenario 'baseline'")


# --- the command ----------------------------------------------------------------------------

def capacity_command(*argv: str | Path) -> int:
    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers())
    args = parser.parse_args(["capacity", *map(str, argv)])
    return args.handler(args)


@pytest.fixture()
def small_scenario_file(tmp_path: Path) -> Path:
    """A team and a ward in two localities, the team organised per locality."""
    services = {
        "team": {"kind": "team", "level": "locality", "capacity": 4, "duration": days(0.5),
                 "routes": {"admit": {"to": "ward", "probability": 0.5},
                            "home": {"to": "out", "probability": 0.5}}},
        "ward": {"kind": "ward", "capacity": 12,
                 "duration": {"dist": "lognormal", "mean": 3.0, "sd": 2.0, "unit": "days"},
                 "routes": {"home": {"to": "out", "probability": 1.0}}},
        "out": {"kind": "exit"},
    }
    data = base_dict(services, "team", 4.0, run_days=60, warmup_days=10, follow_up_days=5,
                     replications=3, name="small")
    only = data["geography"]["localities"].pop("only")
    data["geography"]["localities"] = {"north": only, "south": only}
    path = tmp_path / "small.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.slow
def test_command_writes_a_reproducible_results_folder(small_scenario_file, tmp_path, capsys):
    common = ["--executor", "serial", "--no-cache", "--quiet", "--percentile", "90"]
    assert capacity_command(small_scenario_file, "--out", tmp_path / "a", *common) == 0
    printed = capsys.readouterr().out
    assert "all_busy_queue (5%)" in printed and "-> " in printed
    assert capacity_command(small_scenario_file, "--out", tmp_path / "b", *common) == 0
    folder = tmp_path / "a"
    for name in ("occupancy_distribution.csv", "capacity.csv"):
        assert (folder / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert {p.name for p in (folder / "plots").iterdir()} == {"occupancy_team.png",
                                                              "occupancy_ward.png"}
    dist = pd.read_csv(folder / "occupancy_distribution.csv")
    assert list(dist.columns) == ["service", "locality", "period", "occupancy",
                                  "fraction_of_time", "fraction_of_time_above"]
    sums = dist.groupby(["service", "locality", "period"])["fraction_of_time"].sum()
    assert np.allclose(sums, 1.0)
    assert set(dist.loc[dist["service"] == "team", "locality"]) == {"north", "south", "all"}
    assert set(dist.loc[dist["service"] == "ward", "locality"]) == {"all"}
    assert set(dist["period"]) == {"all", "2025-01", "2025-02", "2025-03"}
    capacity = pd.read_csv(folder / "capacity.csv")
    assert list(capacity.columns) == ["service", "locality", "period", "days", "criterion",
                                      "target_pct", "capacity", "mean", "ci_low", "ci_high",
                                      "n_reps", "occupancy_mean", "current_capacity"]
    team = capacity[(capacity["service"] == "team") & (capacity["period"] == "all")]
    assert dict(zip(team["locality"], team["current_capacity"])) == {
        "north": 2, "south": 2, "all": 4, "pooled": 4}
    # "all" of a team per locality is what the teams need together; "pooled" one shared team
    by_unit = team[team["criterion"] == "all_busy_queue"].set_index("locality")["capacity"]
    assert by_unit["all"] == by_unit["north"] + by_unit["south"] >= by_unit["pooled"]
    months = capacity.drop_duplicates("period").set_index("period")["days"]
    assert months.drop("all").sum() == pytest.approx(months["all"])
    assert set(capacity.loc[capacity["criterion"] == "percentile", "target_pct"]) == {90}
    assert (capacity["n_reps"] == 3).all()
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["services_unlimited"] == ["team", "ward"]
    assert "--percentile 90" in manifest["reproduce"]
    assert load_scenario(folder / "scenario.yaml").services["ward"].capacity == 12


def test_command_measures_only_the_chosen_services(small_scenario_file, tmp_path):
    out = tmp_path / "out"
    assert capacity_command(small_scenario_file, "--services", "ward", "--out", out,
                            "--executor", "serial", "--no-cache", "--quiet", "--reps", "2") == 0
    dist = pd.read_csv(out / "occupancy_distribution.csv")
    assert set(dist["service"]) == {"ward"}
    assert json.loads((out / "manifest.json").read_text())["services_unlimited"] == ["ward"]


def test_command_rejects_an_unknown_service_before_running(small_scenario_file, tmp_path):
    with pytest.raises(ScenarioError, match="--services: 'wrad'"):
        capacity_command(small_scenario_file, "--services", "wrad", "--out", tmp_path / "x")
    assert not (tmp_path / "x").exists()


def test_mean_occupancy_criterion_is_the_rounded_up_ratio(exponential_runs):
    scenario, histograms = exponential_runs
    table = capacity_table(histograms, scenario, Criteria(occupancy_pct=80))
    for row in table[table["criterion"] == "mean_occupancy"].itertuples():
        assert row.capacity == max(1, math.ceil(row.occupancy_mean / 0.8))
