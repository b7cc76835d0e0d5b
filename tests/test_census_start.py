"""Starting from a census: the model starts with exactly the census in place, census patients
leave as the length-biased theory says (M/G/infinity with fixed stays: the census drains
linearly while arrivals refill), a census at the equilibrium level needs no warm-up, and
nothing of the census counts as results."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from helpers import baseline, days, edited, one_service_scenario

from sim.analysis.logview import LogView
from sim.compile import validate
from sim.config import ScenarioError
from sim.engine.eventlog import Event
from sim.engine.model import run_replication

RATE, STAY = 20.0, 10.0  # arrivals a day; fixed stay, days: lambda x d = 200 at equilibrium


def ward_with_census(census: int, stay: dict[str, Any], run_days: float = 20) -> Any:
    scenario = one_service_scenario("unlimited", stay, RATE, kind="ward", run_days=run_days)

    def add(data: dict[str, Any]) -> None:
        data["census"] = {"server": {"in_service": census}}
    return edited(scenario, add)


def daily_occupancy(scenario: Any, replications: int) -> tuple[np.ndarray, list[Any]]:
    logs = [run_replication(scenario, r) for r in range(replications)]
    edges = np.arange(0, scenario.time.run_days + 1, 1.0)
    return np.mean([LogView(log).occupancy("server").mean_between(edges) for log in logs],
                   axis=0), logs


def test_occupancy_starts_at_the_census_and_drains_as_length_biased_stays_say():
    census = 400  # twice the equilibrium
    reps = 8
    occupancy, logs = daily_occupancy(ward_with_census(census, days(STAY)), reps)
    for log in logs:
        start = LogView(log).occupancy("server")
        assert at_start(start) == census
    # E[L(t)] = census x (1 - t/d) + lambda t for t < d, then lambda d: remaining stays are
    # uniform on [0, d]. Fresh stays would keep all 400 until day 10 (600 by then).
    t = np.arange(20) + 0.5
    left = np.clip(1 - t / STAY, 0, 1)
    expected = census * left + RATE * np.minimum(t, STAY)
    # binomial census still in, Poisson arrivals still in; 4 standard errors of the mean
    sd = np.sqrt(census * left * (1 - left) + RATE * np.minimum(t, STAY)) / np.sqrt(reps)
    assert (np.abs(occupancy - expected) < 4 * sd + 1).all(), np.round(occupancy - expected, 1)


def test_remaining_stays_of_exponential_census_patients_are_fresh_exponential_stays():
    scenario = ward_with_census(300, {"dist": "exponential", "mean": STAY, "unit": "days"}, 80)
    log = run_replication(scenario, 0)
    census = np.flatnonzero(log.patients["arrival_time"] < 0)
    assert len(census) == 300
    ev = log.events
    ready = ev["time"][(ev["event"] == Event.READY) & np.isin(ev["patient"], census)]
    assert ready.mean() == pytest.approx(STAY, rel=0.15)  # memoryless: mean d left, not 2d
    started = ev["time"][(ev["event"] == Event.START) & np.isin(ev["patient"], census)]
    assert (started < 0).all() and (-started).mean() == pytest.approx(STAY, rel=0.15)


def test_a_census_at_equilibrium_needs_no_warm_up():
    occupancy, _ = daily_occupancy(
        ward_with_census(int(RATE * STAY), {"dist": "lognormal", "mean": STAY, "sd": 8,
                                            "unit": "days"}, 30), 4)
    # flat at lambda x mean from the first day (an empty start would be at ~10 on day 1)
    assert np.abs(occupancy - RATE * STAY).max() < 15, np.round(occupancy, 1)


def test_census_patients_are_not_results_and_everyone_is_accounted_for():
    scenario = baseline({"time.warmup_days": 0, "census": {
        "acute": {"in_service": 360, "ready": {"P1": 12, "P2": 6, "P3": 4}},
        "ic_beds": {"in_service": 60}, "ic_home": {"in_service": 80, "waiting": 5}}})
    log = run_replication(scenario, 0)
    view = LogView(log)
    census = log.patients["arrival_time"] < 0
    assert census.sum() == 360 + 22 + 60 + 85
    first_event = np.unique(view.patient, return_index=True)[1]
    assert (view.time[first_event][census[view.patient[first_event]]] < 0).all()
    assert at_start(view.occupancy("acute")) == 382
    assert at_start(view.occupancy("ic_beds")) == 60 and at_start(view.occupancy("ic_home")) == 80
    assert at_start(view.queue("ic_home")) == 5
    # nothing of the census is counted as results: no arrival or admission before time 0
    assert (view.time[view.in_results(view.time)] >= 0).all()
    # the ready patients leave acute for their pathway: the P1 ones when home IC has room
    ready = view.pairs("acute", Event.READY, Event.LEAVE)
    from_census = census[ready.patient] & (ready.start < 0)
    assert from_census.sum() == 22 and (ready.end[from_census] >= 0).all()
    assert np.isnan(ready.end[from_census]).sum() < 22


def at_start(series: Any) -> float:
    """The level just before time 0: the state the census set."""
    return float(series.levels[np.searchsorted(series.times, 0.0, side="left") - 1])


def test_census_patients_waiting_for_a_closed_service_wait_for_its_roster():
    scenario = one_service_scenario(3, {"dist": "exponential", "mean": 2, "unit": "hours"}, 5.0,
                                    run_days=10)

    def add(data: dict[str, Any]) -> None:
        # 1 January 2025 is a bank holiday, staffed as a Sunday: nobody on duty that day
        data["staffing"] = {"rosters": {"server": {"shifts": [
            {"days": ["Mon", "Tue", "Wed", "Thu", "Fri"], "hours": [8, 20], "staff": 3}]}}}
        data["census"] = {"server": {"in_service": 1, "waiting": 5}}
    log = run_replication(edited(scenario, add), 0)
    ev = log.events
    starts = ev["time"][(ev["event"] == Event.START) & (ev["time"] >= 0)]
    assert starts.min() == pytest.approx(1 + 8 / 24)  # 08:00 on 2 January
    # the patient found in service keeps their clinician although capacity is 0
    assert (ev["time"][ev["event"] == Event.START] < 0).sum() == 1


def test_a_census_that_cannot_be_drawn_is_rejected_before_running():
    scenario = one_service_scenario(10, days(1), 5.0, kind="ward", run_days=10)
    data = scenario.model_dump(mode="json")
    data["geography"]["age_bands"] = ["all", "young"]
    data["geography"]["care_home_share"]["young"] = 0.0
    data["geography"]["localities"]["only"]["population"]["young"] = 0  # nobody young lives here
    data["demand"]["arrivals"]["rate_per_1000_per_year"]["young"] = 10.0
    data["census"] = {"server": {"in_service": 5, "age_mix": {"young": 1.0}}}
    with pytest.raises(ScenarioError, match=r"census.server.*age band 'young'"):
        validate(data, {}, "census.yaml")
