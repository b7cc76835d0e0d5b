"""Winter outputs: periods, weekly and monthly tables, escalation episodes, the peak week and
the files ``run`` writes (sim.analysis.winter, docs/winter.md).

Exact answers come from hand-made logs: a ward of 10 beds whose stays are laid out so that
each day's occupancy is known, and a capacity log with escalation opened and closed at known
times. Short simulated runs check that the periods add up to the headline metrics.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
import pytest
from helpers import SCENARIOS, assert_clean, baseline, days, edited, one_service_scenario, sim

from sim.analysis.metrics import ALL, replication_metrics
from sim.analysis.periods import calendar_periods
from sim.analysis.summary import metric_interval
from sim.analysis.winter import (
    EPISODE_COLUMNS,
    SUMMARY_COLUMNS,
    escalation_episodes,
    monthly_table,
    peak_week,
    summarise_periods,
    weekly_table,
)
from sim.compile import with_changes
from sim.engine.eventlog import PATIENT_COLUMNS, Event
from sim.engine.model import CAPACITY_COLUMNS, ReplicationLog, empty_capacity_log
from sim.runner import simulate

RUN_DAYS = 14
START = dt.date(2025, 11, 5)  # a Wednesday: weeks of 5 (W45), 7 (W46) and 2 days (W47)
NINE_ALL_ALONG = [(0.0, RUN_DAYS)] * 9
# Stays on top of the nine, with each day's mean occupancy (beds of 10) in the comment:
EXTRA = [
    (1.0, 1.3),                # day 1: 9.3  (93%)
    (2.0, 3.0),                # day 2: 10   (100%: above 95, not above 100)
    (3.0, 3.5),                # day 3: 9.5  (95%: above 92 only)
    (4.0, 5.0), (4.5, 5.0),    # day 4: 10.5 (105%, in escalation beds)
    (5.0, 8.5),                # days 5-7: 10 (100%), day 8: 9.5 (95%); days 9-13: 9 (90%)
]
DAILY_PCT = [90, 93, 100, 95, 105, 100, 100, 100, 95, 90, 90, 90, 90, 90]


def ward(escalation: bool = False) -> Any:
    """A 10-bed ward in the acute role, results from 5 November (no warm-up)."""
    def edit(data: dict[str, Any]) -> None:
        data["time"].update(start_date=START.isoformat(), follow_up_days=30)  # acute needs 30
        data["reporting"] = {"acute": "server"}
        if escalation:
            data["escalation"] = {"extra": {"service": "server", "capacity": 2,
                                            "open_above": 95, "close_below": 90}}
    scenario = one_service_scenario(10, days(1), 1.0, kind="ward", run_days=RUN_DAYS)
    return edited(scenario, edit)


def handmade_log(scenario: Any, stays: list[tuple[float, float]],
                 capacity_rows: list[tuple[float, int, int, int, int]] = ()) -> ReplicationLog:
    """A log in which patient i queues and starts at ``stays[i][0]`` and is ready and leaves
    at ``stays[i][1]``; ``capacity_rows``: (time, service, unit, capacity, escalation)."""
    rows = []
    for patient, (start, end) in enumerate(stays):
        rows += [(start, patient, Event.QUEUE), (start, patient, Event.START),
                 (end, patient, Event.READY), (end, patient, Event.LEAVE)]
    rows.sort(key=lambda row: (row[0], row[2] in (Event.QUEUE, Event.START)))  # leaves first
    time, patient, event = (np.array(column) for column in zip(*rows))
    n = len(stays)
    events = {"patient": patient.astype(np.int32), "time": time.astype(float),
              "event": event.astype(np.int8), "service": np.zeros(len(rows), np.int16),
              "pathway": np.zeros(len(rows), np.int8)}
    patients = {name: np.zeros(n, np.float64 if name == "arrival_time" else np.int8)
                for name in PATIENT_COLUMNS}
    capacity = empty_capacity_log()
    if capacity_rows:
        capacity = {name: np.array(values, dtype=CAPACITY_COLUMNS[name])
                    for name, values in zip(CAPACITY_COLUMNS, zip(*capacity_rows))}
    return ReplicationLog(scenario=scenario, replication=0, events=events, patients=patients,
                          results_start=0.0, results_end=RUN_DAYS, horizon=RUN_DAYS, exits={},
                          in_system=0, wall_seconds=0.0, capacity_log=capacity)


def values(table: pd.DataFrame, metric: str) -> np.ndarray:
    return table.loc[table["metric"] == metric, "value"].to_numpy()


def headline(log: ReplicationLog) -> dict[str, float]:
    return {metric: value for metric, locality, value in replication_metrics(log)
            if locality == ALL}


# --- periods --------------------------------------------------------------------------------

def test_weeks_start_on_monday_and_partial_periods_carry_their_days():
    weeks = calendar_periods(ward(), "week")
    assert weeks.labels == ["2025-W45", "2025-W46", "2025-W47"]
    assert weeks.starts == [START, dt.date(2025, 11, 10), dt.date(2025, 11, 17)]
    assert weeks.days.tolist() == [5, 7, 2]
    months = calendar_periods(with_changes(ward(), {"time.run_days": 40}), "month")
    assert months.labels == ["2025-11", "2025-12"]
    assert months.days.tolist() == [26, 14]
    year = calendar_periods(with_changes(ward(), {"time.start_date": "2026-12-28",
                                                 "time.run_days": 10.5}), "week")
    assert year.labels == ["2026-W53", "2027-W01"] and year.days.tolist() == [7, 3.5]


# --- occupancy and thresholds on a hand-made ward -------------------------------------------

def test_days_above_thresholds_and_occupancy_by_week():
    log = handmade_log(ward(), NINE_ALL_ALONG + EXTRA)
    weekly = weekly_table(log)
    assert list(weekly.columns) == ["replication", "period_start", "period", "days", "metric",
                                    "locality", "value"]
    daily = np.array(DAILY_PCT, dtype=float)
    weeks = [slice(0, 5), slice(5, 12), slice(12, 14)]
    for level in (92, 95, 100):
        expected = [float((daily[w] > level).sum()) for w in weeks]
        assert values(weekly, f"acute_days_above_{level}pct").tolist() == expected
        assert headline(log)[f"acute_days_above_{level}pct"] == sum(expected)
    assert values(weekly, "acute_occupancy_pct_mean") == pytest.approx(
        [daily[w].mean() for w in weeks])
    assert values(weekly, "acute_occupancy_mean") == pytest.approx(
        [daily[w].mean() / 10 for w in weeks])
    assert values(weekly, "acute_occupancy_pct_max_day") == pytest.approx([105, 100, 90])
    assert values(weekly, "emergency_admissions").tolist() == [9 + 5, 1, 0]
    # the partial first week is the busiest, but the peak week counts full weeks only
    assert headline(log)["peak_week_acute_occupancy_pct"] == pytest.approx(95.0)
    # every stay here is a delay of 0 days
    assert values(weekly, "delayed_discharge_bed_days").tolist() == [0, 0, 0]


def test_monthly_table_matches_the_whole_period():
    log = handmade_log(ward(), NINE_ALL_ALONG + EXTRA)
    monthly = monthly_table(log)
    assert monthly["period"].unique().tolist() == ["2025-11"]
    assert values(monthly, "acute_occupancy_pct_mean") == pytest.approx(
        [np.mean(DAILY_PCT)])
    assert values(monthly, "acute_days_above_92pct") == [headline(log)["acute_days_above_92pct"]]


def test_delayed_discharges_by_period_are_the_time_between_ready_and_leave():
    scenario = ward()
    log = handmade_log(scenario, [(0.0, 1.0)])
    events = dict(log.events)
    # ready at 1, leaves at 9.5: delayed 6 days in W45 (days 1-4 of 5) and 4.5 in W46
    events["time"] = np.where(events["event"] == Event.LEAVE, 9.5, events["time"])
    weekly = weekly_table(replace(log, events=events))
    assert values(weekly, "delayed_discharge_bed_days") == pytest.approx([4.0, 4.5, 0.0])
    assert values(weekly, "delayed_discharges_mean") == pytest.approx([4.0 / 5, 4.5 / 7, 0.0])


# --- escalation ---------------------------------------------------------------------------

CAPACITY_ROWS = [
    (0.0, 0, 0, 10, 0),
    (4.0, 0, 0, 11, 1),    # opened on day 4 (9 November) at 00:00...
    (5.0, 0, 0, 10, 0),    # ...closed 24 hours later
    (12.5, 0, 0, 11, 1),   # opened on day 12 at noon, 2 units from day 13, open at the end
    (13.0, 0, 0, 12, 2),
]


def test_escalation_episodes_and_the_patients_they_took():
    log = handmade_log(ward(escalation=True), NINE_ALL_ALONG + EXTRA, CAPACITY_ROWS)
    episodes = escalation_episodes(log)
    assert list(episodes.columns) == EPISODE_COLUMNS
    assert episodes["unit"].tolist() == ["s", "s"]  # the ward is organised at system level
    assert episodes["opened"].tolist() == [pd.Timestamp("2025-11-09"),
                                           pd.Timestamp("2025-11-17 12:00")]
    assert episodes["closed"].iloc[0] == pd.Timestamp("2025-11-10")
    assert pd.isna(episodes["closed"].iloc[1])  # still open at the horizon
    assert episodes["hours_open"].tolist() == [24.0, 36.0]
    assert episodes["max_units_open"].tolist() == [1, 2]
    # on day 4 the patient starting at 4.0 takes the 10th (core) bed, the one at 4.5 the 11th
    assert episodes["patients_taken"].tolist() == [1, 0]


def test_escalation_days_by_period_and_overall():
    log = handmade_log(ward(escalation=True), NINE_ALL_ALONG + EXTRA, CAPACITY_ROWS)
    weekly = weekly_table(log)
    assert values(weekly, "escalation_days:server").tolist() == [1, 0, 2]
    assert values(weekly, "escalation_units_mean:server") == pytest.approx(
        [1 / 5, 0, (0.5 * 1 + 1 * 2) / 2])
    metrics = headline(log)
    assert metrics["escalation_days"] == metrics["escalation_days:server"] == 3


def test_no_escalation_gives_an_empty_table_with_its_header(tmp_path):
    log = handmade_log(ward(), NINE_ALL_ALONG)
    episodes = escalation_episodes(log)
    assert episodes.empty and list(episodes.columns) == EPISODE_COLUMNS
    assert headline(log)["escalation_days"] == 0
    episodes.to_csv(tmp_path / "escalation.csv", index=False)
    assert (tmp_path / "escalation.csv").read_text().strip() == ",".join(EPISODE_COLUMNS)


# --- across replications ----------------------------------------------------------------------

def test_summarise_periods_gives_the_interval_of_summary_csv():
    log = handmade_log(ward(), NINE_ALL_ALONG + EXTRA)
    def shifted(t: pd.DataFrame, r: int) -> pd.Series:  # counts of days stay within the week
        return t["value"] + r * ~t["metric"].str.startswith("acute_days_above")

    tables = pd.concat([weekly_table(log).assign(replication=r, value=lambda t, r=r: shifted(t, r))
                        for r in range(4)], ignore_index=True)
    summary = summarise_periods(tables)
    assert list(summary.columns) == SUMMARY_COLUMNS
    row = summary[(summary["metric"] == "emergency_admissions") & (summary["period"] == "2025-W45")]
    assert tuple(row[["mean", "ci_low", "ci_high"]].iloc[0]) == pytest.approx(
        metric_interval("emergency_admissions", np.array([14.0, 15.0, 16.0, 17.0])))
    assert (summary["n_reps"] == 4).all()
    peak = peak_week(summary)
    assert peak["period"] == "2025-W46" and peak["days"] == 7  # a full week, not W45
    assert peak["acute_occupancy_pct_mean"] == pytest.approx(95 + 1.5)
    assert peak["acute_occupancy_pct_mean_ci_low"] < peak["acute_occupancy_pct_mean"]


# --- simulated runs -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def baseline_result():
    return simulate(baseline(), 0)


def test_periods_add_up_to_the_replications_metrics(baseline_result):
    metrics = baseline_result.metrics.set_index(["metric", "locality"])["value"]
    for table in (baseline_result.weekly, baseline_result.monthly):
        for metric in ["emergency_admissions", "delayed_discharge_bed_days",
                       "delayed_discharge_bed_days_P1", "delayed_discharge_bed_days_P3",
                       "ucr_referrals", "acute_days_above_92pct", "acute_days_above_95pct"]:
            assert values(table, metric).sum() == pytest.approx(metrics[(metric, ALL)]), metric
        days_by_period = table.groupby("period", sort=False)["days"].first()
        assert days_by_period.sum() == 60
    # the shortened baseline starts on Tuesday 1 April 2025: a first week of 6 days
    first = baseline_result.weekly.iloc[0]
    assert (first["period"], first["period_start"], first["days"]) == \
        ("2025-W14", dt.date(2025, 4, 1), 6)
    assert baseline_result.escalation.empty  # the baseline has no escalation


def test_weekly_tables_of_a_simulated_run_cover_every_role(baseline_result):
    weekly = baseline_result.weekly
    assert set(weekly["locality"]) == {ALL}
    assert {"ed_boarding_mean", "ed_boarding_hours_mean", "ucr_within_target_pct",
            "delayed_discharges_mean_P2", "acute_occupancy_max_day"} <= set(weekly["metric"])
    pct = values(weekly, "ucr_within_target_pct")
    assert np.nanmin(pct) >= 0 and np.nanmax(pct) <= 100


@pytest.mark.slow
def test_run_writes_the_winter_outputs(tmp_path):
    scenario = tmp_path / "short_winter.yaml"
    scenario.write_text(f"extends: {SCENARIOS / 'winter' / 'escalation_20_beds.yaml'}\n"
                        "name: short_winter\ntime:\n  run_days: 35\n  warmup_days: 30\n"
                        "  replications: 2\n", encoding="utf-8")
    out = tmp_path / "out"
    result = sim("run", scenario, "--out", out, "--no-cache", "--quiet")
    assert_clean(result)
    assert result.returncode == 0, result.stderr
    weekly = pd.read_csv(out / "weekly.csv")
    assert list(weekly.columns) == SUMMARY_COLUMNS
    assert (weekly["n_reps"] == 2).all()
    assert weekly.groupby("period")["days"].first().sum() == 35
    monthly = pd.read_csv(out / "monthly.csv")
    assert monthly["period"].unique().tolist() == ["2025-11", "2025-12"]
    assert len(pd.read_csv(out / "weekly_replications.csv")) == 2 * len(weekly)
    episodes = pd.read_csv(out / "escalation.csv")
    assert list(episodes.columns) == EPISODE_COLUMNS
    summary = pd.read_csv(out / "summary.csv")
    assert {"acute_days_above_92pct", "acute_days_above_95pct", "acute_days_above_100pct",
            "peak_week_acute_occupancy_pct", "escalation_days",
            "escalation_days:acute"} <= set(summary["metric"])
    assert {p.name for p in (out / "plots").iterdir()} >= {
        "weekly_acute_occupancy.png", "weekly_admissions.png", "weekly_delayed_discharges.png",
        "weekly_ucr_2h.png"}
    report = (out / "winter.md").read_text()
    assert "## Peak week" in report and "## Month by month" in report
