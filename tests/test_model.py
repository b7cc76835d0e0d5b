"""Behaviour of the whole model on short runs of the shipped scenarios.

- extreme values: unlimited capacity and no delays give no waits; no demand gives no patients;
- direction: more acute beds never lengthen ED boarding, more UCR staff never lower the share
  reached within 2 hours;
- conservation: every patient who arrived has exited or is still in the system, in every
  shipped scenario, and the model's own check notices a lost patient;
- reproducibility: same seed, same results, serial or parallel; different seeds differ;
  common random numbers across scenarios that differ only in capacity;
- a second pathway (stroke) written only as a scenario file runs and is measured.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from helpers import (
    SCENARIOS,
    SHORT,
    baseline,
    days,
    edited,
    one_service_scenario,
    shipped_cases,
    shipped_scenarios,
)

from sim.analysis.logview import LogView
from sim.analysis.metrics import replication_metrics
from sim.compile import load_scenario, with_changes
from sim.compile.compiled import compile_scenario
from sim.config.schema import CapacitatedService, Scenario
from sim.engine.counting import simpy_events
from sim.engine.eventlog import Event
from sim.engine.model import Model, ReplicationLog, run_replication
from sim.runner import run_scenario, simulate

CAPACITATED = ("team", "ward", "caseload")


def metrics_of(log: ReplicationLog) -> pd.Series:
    rows = replication_metrics(log)
    return pd.Series([v for *_, v in rows],
                     index=pd.MultiIndex.from_tuples([(m, loc) for m, loc, _ in rows]))


@functools.lru_cache(maxsize=None)
def baseline_run(changes: tuple[tuple[str, Any], ...] = (),
                 replication: int = 0) -> tuple[ReplicationLog, pd.Series]:
    """One short baseline replication with dotted-path ``changes``, run once per session."""
    log = run_replication(baseline(dict(changes)), replication)
    return log, metrics_of(log)


def baseline_capacity(service: str) -> int:
    capacity = baseline().services[service].capacity
    assert isinstance(capacity, int)
    return capacity


# --- extreme values -----------------------------------------------------------------------------

def _no_limits(data: dict[str, Any]) -> None:
    for service in data["services"].values():
        if service["kind"] in CAPACITATED:
            service["capacity"], service["capacity_by_unit"] = "unlimited", None
        if service["kind"] == "placement":
            service["delay"] = days(0)
        for route in service.get("routes", {}).values():
            route["handoff_delay"] = None


def test_unlimited_capacity_and_no_delays_give_no_waits() -> None:
    scenario = edited(baseline(), _no_limits)
    capacitated = [name for name, s in scenario.services.items()
                   if isinstance(s, CapacitatedService)]
    for replication in range(2):
        log = run_replication(scenario, replication)
        m = metrics_of(log)
        for name in capacitated:
            assert m[(f"arrivals:{name}", "all")] > 0, name
            assert m[(f"wait_days_mean:{name}", "all")] == 0, name
        waits = ["ic_wait_days_mean", "ed_boarding_hours_mean", "ready_to_discharge_days_mean"]
        zeros = ["delayed_discharge_bed_days", "ed_boarding_over_12h",
                 "waited_for_capacity_pct_P1", "waited_for_capacity_pct_P2",
                 *(f"delayed_discharge_bed_days_{p}" for p in ("P0", "P1", "P2", "P3"))]
        for name in waits + zeros:
            values = m[name]
            assert len(values) == 4 and (values == 0).all(), (name, values)
        # and in the log itself: nobody is ever queued at any service
        daily = simulate(scenario, replication).daily
        assert (daily["queue"] == 0).all()


def test_no_demand_gives_an_empty_log() -> None:
    def no_demand(data: dict[str, Any]) -> None:
        for stream in data["demand"].values():
            stream["rate_per_1000_per_year"] = dict.fromkeys(stream["rate_per_1000_per_year"], 0)

    scenario = edited(baseline(), no_demand)
    log = run_replication(scenario, 0)
    assert log.n_events == 0 and len(log.patients["arrival_time"]) == 0
    assert log.in_system == 0 and sum(log.exits.values()) == 0
    result = simulate(scenario, 0)  # measures of an empty log are zero counts, not errors
    m = result.metrics.set_index(["metric", "locality"])["value"]
    for name in ("emergency_admissions", "ed_attendances", "spa_referrals",
                 "acute_occupancy_mean", "delayed_discharge_bed_days"):
        assert (m[name] == 0).all(), name
    assert (result.daily[["occupancy", "queue", "arrivals"]] == 0).all().all()


# --- direction ---------------------------------------------------------------------------------

@pytest.mark.slow
def test_more_acute_beds_never_lengthen_ed_boarding() -> None:
    """Paired (same seed and replication) runs with fewer, more and the baseline's beds."""
    beds = baseline_capacity("acute")
    ladder = [beds - 65, beds - 35, beds]
    for replication in range(2):
        boarding = [baseline_run((("services.acute.capacity", n),), replication)[1]
                    [("ed_boarding_hours_mean", "all")] for n in ladder]
        assert all(a >= b for a, b in zip(boarding, boarding[1:])), (ladder, boarding)
        assert boarding[0] > boarding[-1] + 1, (ladder, boarding)  # beds matter at all


@pytest.mark.slow
def test_more_ucr_staff_never_lower_two_hour_performance() -> None:
    staff = baseline_capacity("ucr")
    ladder = [staff - 1, staff, staff + 2]
    for replication in range(2):
        within = [baseline_run((("services.ucr.capacity", n),), replication)[1]
                  [("ucr_within_target_pct", "all")] for n in ladder]
        assert all(a <= b for a, b in zip(within, within[1:])), (ladder, within)
        assert within[-1] > within[0] + 10, (ladder, within)


# --- conservation ------------------------------------------------------------------------------

def test_the_stroke_example_is_among_the_shipped_scenarios() -> None:
    names = {path.relative_to(SCENARIOS).as_posix() for path in shipped_scenarios()}
    assert {"baseline.yaml", "examples/stroke.yaml"} <= names


@pytest.mark.parametrize("path", shipped_cases())
def test_no_patient_is_lost(path: Path, shipped_run) -> None:
    run = shipped_run(path)
    scenario, log = run.scenario, run.log
    event, patient, service = log.events["event"], log.events["patient"], log.events["service"]
    arrived = np.flatnonzero(event == Event.ARRIVE)
    exited = np.flatnonzero(event == Event.EXIT)
    assert len(arrived) > 0
    assert len(arrived) == len(exited) + log.in_system
    assert sum(log.exits.values()) == len(exited)
    # everyone not prevented arrives once and exits at most once, as their last event
    prevented = log.patients["prevented"].astype(bool)
    assert np.array_equal(np.sort(patient[arrived]), np.flatnonzero(~prevented))
    assert len(np.unique(patient[exited])) == len(exited)
    last = {p: i for i, p in enumerate(patient.tolist())}
    assert all(last[p] == i for p, i in zip(patient[exited].tolist(), exited.tolist()))
    # the patients still in the system are exactly those who arrived and have not exited
    assert len(set(patient[arrived].tolist()) - set(patient[exited].tolist())) == log.in_system
    # exit counts by service agree with the log
    names = list(scenario.services)
    by_service = pd.Series([names[s] for s in service[exited]]).value_counts()
    assert all(by_service.get(name, 0) == count for name, count in log.exits.items())


def test_check_conservation_notices_a_lost_patient() -> None:
    scenario = one_service_scenario(2, days(1), 1.5, run_days=30, follow_up_days=0)
    model = Model(compile_scenario(scenario), 0)
    log = model.run()
    assert log.in_system > 0 and sum(log.exits.values()) > 0
    model.check_conservation()  # consistent as run
    lost = model.active.pop()
    with pytest.raises(RuntimeError, match="patients lost"):
        model.check_conservation()
    model.active.add(lost)
    model.check_conservation()
    model.arrived += 1
    with pytest.raises(RuntimeError, match="patients lost"):
        model.check_conservation()
    model.arrived -= 1
    model.exits["out"] += 1  # counted as exited and still in the system
    with pytest.raises(RuntimeError, match="patients lost"):
        model.check_conservation()


# --- reproducibility ---------------------------------------------------------------------------

def test_same_seed_gives_identical_results() -> None:
    log, metrics = baseline_run()
    again = run_replication(baseline(), 0)  # a fresh scenario object and model
    for name, column in log.events.items():
        assert np.array_equal(column, again.events[name]), name
    pd.testing.assert_series_equal(metrics, metrics_of(again))


@pytest.mark.slow
def test_serial_and_parallel_runs_are_identical() -> None:
    scenario = baseline()
    serial = run_scenario(scenario, jobs=1, progress=False)
    parallel = run_scenario(scenario, jobs=2, progress=False)
    assert len(serial.replications) == len(parallel.replications) == 2
    pd.testing.assert_frame_equal(serial.metrics, parallel.metrics)
    pd.testing.assert_frame_equal(serial.daily, parallel.daily)
    pd.testing.assert_frame_equal(serial.summary(), parallel.summary())
    # replication r of a scenario run is the same as running replication r alone
    pd.testing.assert_frame_equal(
        serial.metrics.query("replication == 1").reset_index(drop=True),
        simulate(scenario, 1).metrics)


def test_different_seeds_and_replications_differ() -> None:
    log, metrics = baseline_run()
    other_seed, other_metrics = baseline_run((("time.seed", baseline().time.seed + 1),))
    other_rep, rep_metrics = baseline_run((), 1)
    for other, other_m in ((other_seed, other_metrics), (other_rep, rep_metrics)):
        assert not np.array_equal(log.patients["arrival_time"][:100],
                                  other.patients["arrival_time"][:100])
        for name in ("emergency_admissions", "acute_occupancy_mean", "ed_attendances"):
            assert metrics[(name, "all")] != other_m[(name, "all")], name


@pytest.mark.parametrize("change", [("services.acute.capacity", -35),
                                    ("services.ucr.capacity", +2)])
def test_capacity_changes_keep_the_same_arrivals(change: tuple[str, int]) -> None:
    """Common random numbers: a scenario differing only in a capacity sees the same patients
    (same arrival times and attributes) in each replication."""
    path, step = change
    service = path.split(".")[1]
    for replication in range(2):
        log, _ = baseline_run((), replication)
        changed, _ = baseline_run(((path, baseline_capacity(service) + step),), replication)
        assert log.patients.keys() == changed.patients.keys()
        for name, column in log.patients.items():
            assert np.array_equal(column, changed.patients[name]), name
        arrive, arrive_changed = (lg.events["event"] == Event.ARRIVE for lg in (log, changed))
        for name in ("patient", "time", "service"):
            assert np.array_equal(log.events[name][arrive], changed.events[name][arrive_changed])
        # but the change did change what happened to them
        assert log.n_events != changed.n_events or not np.array_equal(
            log.events["time"], changed.events["time"])


def test_each_patient_keeps_their_own_durations_and_routes() -> None:
    """One uniform per decision from each patient's own stream: with more servers, patient k
    still has the same service time, whatever the queue does to everyone's timing."""
    def durations(servers: int) -> dict[int, float]:
        scenario = one_service_scenario(servers, {"dist": "exponential", "mean": 1, "unit": "days"},
                                        2.1, run_days=200, follow_up_days=50)
        pairs = LogView(run_replication(scenario, 0)).pairs("server", Event.START, Event.READY)
        done = ~np.isnan(pairs.end)
        return dict(zip(pairs.patient[done].tolist(), (pairs.end - pairs.start)[done].tolist()))

    three, four = durations(3), durations(4)
    common = sorted(three.keys() & four.keys())
    assert len(common) > 300
    np.testing.assert_allclose([three[p] for p in common], [four[p] for p in common],
                               rtol=1e-9, atol=1e-12)


# --- a second pathway: stroke ------------------------------------------------------------------

STROKE = SCENARIOS / "examples" / "stroke.yaml"


def test_stroke_pathway_runs_and_is_measured() -> None:
    scenario: Scenario = load_scenario(STROKE, {**SHORT, "time.warmup_days": 60})
    assert {"spa", "ucr"}.isdisjoint(scenario.services)  # not the integrated care pathway
    result = run_scenario(scenario, jobs=1, progress=False)
    summary = result.summary().set_index(["metric", "locality"])
    mean = summary["mean"]
    # suspected strokes arrive at ED; three quarters go on to the HASU
    attendances, admissions = mean[("ed_attendances", "all")], mean[("emergency_admissions", "all")]
    assert attendances > 100
    assert 0.6 < admissions / attendances < 0.9
    for service in ("hasu", "asu", "rehab", "esd"):
        assert mean[(f"arrivals:{service}", "all")] > 0, service
        assert mean[(f"occupancy_mean:{service}", "all")] > 0, service
        assert 0 < mean[(f"occupancy_pct_mean:{service}", "all")] < 100, service
        assert np.isfinite(mean[(f"wait_days_mean:{service}", "all")]), service
    for name in ("acute_occupancy_mean", "ic_bed_occupancy_mean", "ic_home_caseload_mean"):
        assert mean[(name, "all")] > 0, name
    for name in ("ed_boarding_hours_mean", "delayed_discharge_bed_days", "ic_wait_days_mean"):
        assert np.isfinite(mean[(name, "all")]) and mean[(name, "all")] >= 0, name
    # per locality too
    assert {"east", "west", "all"} <= set(summary.index.get_level_values("locality"))
    # every outcome happens
    log = run_replication(scenario, 0)
    assert all(count > 0 for count in log.exits.values()), log.exits


def test_ucr_without_travel_reaches_patients_when_the_clinician_starts():
    """A co-located team logs no visit; its response time is the wait for a clinician."""
    log, metrics = baseline_run((("services.ucr.travel_time_by_level", None),))
    view = LogView(log)
    waits = view.pairs("ucr", Event.QUEUE, Event.START)
    keep = view.in_results(waits.start)
    expected = 100 * np.mean(waits.end[keep] - waits.start[keep] <= 2 / 24)
    assert not view.mask("ucr", Event.VISIT).any()
    assert metrics[("ucr_within_target_pct", "all")] == pytest.approx(expected)
    assert expected > 50


def test_fewer_ic_slots_make_more_p1_patients_wait() -> None:
    """The share of P1 discharges that found no home IC slot rises as slots are cut."""
    shares = [baseline_run((("services.ic_home.capacity", c),))[1]
              [("waited_for_capacity_pct_P1", "all")] for c in (55, 65, 200)]
    assert shares[0] > shares[1] > shares[2] == 0, shares


def test_a_locality_can_have_its_own_demand_rates() -> None:
    """Own rates replace the borough rate x need index for that locality only."""
    from sim.compile.network import Network

    scenario = baseline()
    rates = scenario.demand["community_crisis"].rate_per_1000_per_year
    doubled = {band: 2 * r for band, r in rates.items()}
    changed = with_changes(scenario,
        {"demand.community_crisis.rate_per_1000_per_year_by_locality": {"south": doubled}})
    need = scenario.geography.localities["south"].need_index

    def south_rate(s: Scenario) -> float:
        table = next(t for t in Network.build(s).demand if t.name == "community_crisis")
        south = list(s.geography.localities).index("south")
        return sum(r for (loc, _, _), r in zip(table.cells, table.rates_per_day) if loc == south)

    assert south_rate(changed) == pytest.approx(2 / need * south_rate(scenario))


def test_simpy_event_count_matches_stepping_one_event_at_a_time() -> None:
    """The counting environment's count equals the events a step loop processes."""
    scenario = baseline({"time.run_days": 20, "time.warmup_days": 10})
    model = Model(compile_scenario(scenario), 0)
    for table in model.network.demand:
        if table.total_rate_per_day > 0:
            model.env.process(model.arrive(table))
    stepped = 0
    while model.env.peek() < model.horizon:
        model.env.step()
        stepped += 1
    assert simpy_events(scenario, 0) == stepped > 1000


