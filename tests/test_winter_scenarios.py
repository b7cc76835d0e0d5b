"""The shipped winter scenarios: built from layers (extends lists several files), and the
what-ifs move the answers the way they must (a flu wave adds admissions and bed pressure;
escalation beds never make boarding worse, and leave admissions as they were)."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import SCENARIOS, SHORT

from sim.compile import load_scenario
from sim.config import ScenarioError
from sim.runner import run_scenario

WINTER = SCENARIOS / "winter"


def test_a_layer_is_added_to_different_base_files(tmp_path):
    baseline = load_scenario(WINTER / "baseline_winter.yaml")
    locality = load_scenario(WINTER / "locality_winter.yaml")
    for scenario in (baseline, locality):
        assert str(scenario.time.start_date) == "2025-11-01" and scenario.time.run_days == 151
        assert "ucr" in scenario.staffing.rosters
    # the locality file's own changes survive the layer added after it
    assert locality.services["ucr"].level == "locality" and baseline.services["ucr"].level == "system"
    assert locality.name == "locality_winter"


def test_an_error_in_a_listed_file_names_that_file(tmp_path):
    layer = tmp_path / "layer.yaml"
    layer.write_text("staffing:\n  absence_pct: {ucr: 150}\n")
    child = tmp_path / "child.yaml"
    child.write_text(f"extends: [{SCENARIOS / 'baseline.yaml'}, layer.yaml]\n")
    with pytest.raises(ScenarioError, match=r"layer.yaml.*staffing.absence_pct.ucr"):
        load_scenario(child)
    child.write_text("extends: [missing.yaml]\n")
    with pytest.raises(ScenarioError, match="file not found"):
        load_scenario(child)


@pytest.fixture(scope="module")
def winter_runs():
    """Short runs (2 replications) of baseline winter, flu wave and 20 escalation beds."""
    names = ["baseline_winter", "flu_wave", "escalation_20_beds"]
    scenarios = [load_scenario(WINTER / f"{name}.yaml", {**SHORT, "time.run_days": 90})
                 for name in names]
    return {name: run_scenario(scenario, 2, executor="serial", progress=False).metrics
            for name, scenario in zip(names, scenarios)}


def metric(metrics, name: str) -> float:
    """Mean over the replications of a metric for all localities."""
    return float(metrics[(metrics.metric == name) & (metrics.locality == "all")].value.mean())


@pytest.mark.slow
def test_a_flu_wave_adds_admissions_and_bed_pressure(winter_runs):
    base, flu = winter_runs["baseline_winter"], winter_runs["flu_wave"]
    assert metric(flu, "emergency_admissions") > metric(base, "emergency_admissions")
    assert metric(flu, "acute_occupancy_mean") > metric(base, "acute_occupancy_mean")


@pytest.mark.slow
def test_escalation_beds_never_make_boarding_worse(winter_runs):
    base, more = winter_runs["baseline_winter"], winter_runs["escalation_20_beds"]
    assert metric(more, "ed_boarding_hours_mean") <= metric(base, "ed_boarding_hours_mean")
    assert metric(more, "acute_occupancy_mean") >= metric(base, "acute_occupancy_mean")
    # same patients (common random numbers): admissions are unchanged by beds
    assert np.isclose(metric(more, "emergency_admissions"), metric(base, "emergency_admissions"),
                      rtol=0.01)
