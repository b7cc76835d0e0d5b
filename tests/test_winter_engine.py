"""Winter engine: surges raise demand only inside their window and by their multiplier,
rosters set capacity by hour and no service starts outside rostered hours, absence and
closed beds lower capacity by the stated amounts, and escalation opens above its threshold
and closes below the lower one."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pytest
import simpy
from helpers import baseline, days, edited, one_service_scenario

from sim.analysis.logview import LogView
from sim.compile.clocks import SurgeClock
from sim.compile.plans import roster_by_day
from sim.config import ScenarioError
from sim.config.calendar import SimCalendar
from sim.config.schema import Scenario
from sim.config.staffing import Roster
from sim.config.surges import Surge
from sim.engine.capacity_control import Pool
from sim.engine.eventlog import Event
from sim.engine.model import ReplicationLog, run_replication

START = dt.date(2025, 1, 1)  # one_service_scenario's first day of results
RATE = 50.0  # arrivals a day
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri"]


def with_blocks(scenario: Scenario, **blocks: Any) -> Scenario:
    """``scenario`` with top-level blocks (surges, staffing, escalation) set."""
    def edit(data: dict[str, Any]) -> None:
        data.update(blocks)
    return edited(scenario, edit)


def arrival_times(log: ReplicationLog) -> np.ndarray:
    """Arrival times in days from the first day of results."""
    return log.events["time"][log.events["event"] == Event.ARRIVE] - log.results_start


def capacity_series(log: ReplicationLog) -> tuple[np.ndarray, np.ndarray]:
    """(times from the first day of results, capacity) of the first unit with a roster."""
    cap = log.capacity_log
    return cap["time"] - log.results_start, cap["capacity"]


def capacity_at(log: ReplicationLog, t: np.ndarray) -> np.ndarray:
    times, capacity = capacity_series(log)
    return capacity[np.searchsorted(times, t, side="right") - 1]


# --- surges ---------------------------------------------------------------------------------

def surge_run(surge: dict[str, Any], duration: dict[str, Any] | None = None) -> ReplicationLog:
    scenario = one_service_scenario("unlimited", duration or days(0.01), RATE, run_days=200)
    return run_replication(with_blocks(scenario, surges={"wave": surge}), 0)


def test_a_step_surge_multiplies_demand_inside_its_window_only():
    log = surge_run({"start": "2025-02-01", "end": "2025-03-03", "multiplier": 1.8})
    times = arrival_times(log)
    start, end = 31, 61  # days from 1 January
    inside = ((times >= start) & (times < end)).sum()
    before, after = (times < start).sum(), ((times >= end) & (times < 200)).sum()
    for observed, expected in ((inside, RATE * 30 * 1.8), (before, RATE * 31), (after, RATE * 139)):
        assert abs(observed - expected) < 4 * math.sqrt(expected), (observed, expected)
    # the patients the surge added are 0.8/1.8 of those inside it, and none outside
    surge = log.patients["surge"] == 0
    added = arrival_times_of(log, surge)
    assert ((added >= start) & (added < end)).all()
    expected = RATE * 30 * 0.8
    assert abs(surge.sum() - expected) < 4 * math.sqrt(expected)


def arrival_times_of(log: ReplicationLog, patients: np.ndarray) -> np.ndarray:
    return log.patients["arrival_time"][patients] - log.results_start


def test_a_peaked_surge_follows_its_curve():
    surge = {"start": "2025-02-01", "end": "2025-04-02", "shape": "peaked", "peak": "2025-03-03",
             "multiplier": 2.0}
    log = surge_run(surge)
    times = arrival_times(log)
    clock = SurgeClock(Surge.model_validate(surge), SimCalendar(START, 0.0))
    # counts in 10-day bins against the integral of the rate, and the half-cosine's mean 1/2
    edges = np.arange(0, 121, 10)
    observed = np.histogram(times, bins=edges)[0]
    grid = np.linspace(0, 120, 120 * 96, endpoint=False) + 1 / 192
    rate = RATE * np.array([1 + (2.0 - 1) * clock.intensity(t) for t in grid]) / 96
    expected = np.add.reduceat(rate, np.arange(0, len(grid), 960))
    assert np.all(np.abs(observed - expected) < 4 * np.sqrt(expected)), (observed, expected)
    assert clock.intensity(31) == 0 and clock.intensity(61) == pytest.approx(1)
    assert clock.intensity(46) == pytest.approx(0.5)
    assert (log.patients["surge"] == 0).sum() == pytest.approx(RATE * 60 * 0.5, rel=0.1)


def test_a_surge_raises_only_its_localities_and_age_bands():
    flu = {"start": "2025-05-01", "end": "2025-06-01", "multiplier": 3.0, "localities": ["north"],
           "age_bands": ["85+"], "streams": ["ed_attendance"]}
    base = baseline({"time.start_date": "2025-05-01", "time.run_days": 31, "time.warmup_days": 0})
    logs = [run_replication(s, 0) for s in (base, with_blocks(base, surges={"flu": flu}))]
    counts = []
    for log in logs:
        p = log.patients
        ed = (p["stream"] == list(base.demand).index("ed_attendance")) & (
            p["arrival_time"] < 31)
        target = ed & (p["locality"] == 0) & (p["age_band"] == 3)
        counts.append((target.sum(), (ed & ~target).sum(), (p["surge"] == 0).sum()))
    (target0, other0, _), (target1, other1, added) = counts
    assert target1 == pytest.approx(3 * target0, rel=0.15)
    assert abs(other1 - other0) < 4 * math.sqrt(other0)
    assert added == pytest.approx(2 / 3 * target1, rel=0.15)


def test_a_surge_leaves_the_other_arrivals_exactly_as_they_were():
    """Surge patients come from a process of their own: comparisons stay paired."""
    plain = surge_run({"start": "2025-02-01", "end": "2025-03-03", "multiplier": 1.0})
    surged = surge_run({"start": "2025-02-01", "end": "2025-03-03", "multiplier": 1.5})
    base = surged.patients["surge"] == -1
    assert np.array_equal(np.sort(surged.patients["arrival_time"][base]),
                          np.sort(plain.patients["arrival_time"]))
    assert (~base).sum() > 500


def test_overlapping_surges_add_and_do_not_depend_on_their_order():
    wave = {"start": "2025-02-01", "end": "2025-03-03", "multiplier": 2.0}
    scenario = one_service_scenario("unlimited", days(0.01), RATE, run_days=100)
    log = run_replication(with_blocks(scenario, surges={"a": wave, "b": wave}), 0)
    added = np.bincount(log.patients["surge"] + 1, minlength=3)
    expected = RATE * 30  # each adds base x (2 - 1) over 30 days
    assert all(abs(n - expected) < 4 * math.sqrt(expected) for n in added[1:]), added


def test_surge_patients_stay_longer_by_the_multiplier():
    log = surge_run({"start": "2025-02-01", "end": "2025-03-03", "multiplier": 2.0,
                     "effects": {"stay_multiplier": {"server": 1.5}}}, duration=days(1.0))
    pairs = LogView(log).pairs("server", Event.START, Event.READY)
    done = ~np.isnan(pairs.end)
    stays, surge = (pairs.end - pairs.start)[done], (log.patients["surge"][pairs.patient] == 0)[done]
    assert surge.sum() > 100
    assert np.allclose(stays[surge], 1.5) and np.allclose(stays[~surge], 1.0)


# --- rosters ---------------------------------------------------------------------------------

DAY_ROSTER = {"shifts": [{"days": WEEKDAYS, "hours": [8, 20], "staff": 3},
                         {"days": WEEKDAYS, "hours": [12, 16], "staff": 1}]}


def rostered_team(roster: dict[str, Any], capacity: int = 4, **staffing: Any) -> Scenario:
    scenario = one_service_scenario(capacity, {"dist": "exponential", "mean": 2, "unit": "hours"},
                                    20.0, run_days=120)
    return with_blocks(scenario, staffing={"rosters": {"server": roster}, **staffing})


def test_no_service_starts_outside_rostered_hours_and_capacity_follows_the_roster():
    log = run_replication(rostered_team(DAY_ROSTER), 0)
    ev = log.events
    midnight = dt.datetime(START.year, START.month, START.day)
    when = [midnight + dt.timedelta(days=float(t))
            for t in ev["time"][ev["event"] == Event.START] - log.results_start]
    hours = np.array([w.hour for w in when])
    weekdays = np.array([w.weekday() for w in when])
    bank_holidays = SimCalendar(START, 0).bank_holidays
    assert ((hours >= 8) & (hours < 20) & (weekdays < 5)).all()
    assert not any(w.date() in bank_holidays for w in when)
    # capacity each hour: 3 from 08:00, 4 from 12:00 to 16:00, none at night or at weekends
    hourly = np.arange(0, 120, 1 / 24) + 1 / 48
    expected = [0 if (START + dt.timedelta(days=float(t))) in bank_holidays else
                Roster.model_validate(DAY_ROSTER).weekly()[
                    (START + dt.timedelta(days=float(t))).weekday(), int(t % 1 * 24)]
                for t in hourly]
    assert (capacity_at(log, hourly) == expected).all()
    # work arriving overnight waits for the morning: some of it is served at 08:00 sharp
    assert np.isclose((ev["time"][ev["event"] == Event.START] - log.results_start) % 1,
                      8 / 24).sum() > 10


def test_a_roster_is_scaled_to_the_service_capacity():
    """A sweep or search that doubles the capacity doubles every shift."""
    log = run_replication(rostered_team(DAY_ROSTER, capacity=8), 0)
    assert sorted(set(log.capacity_log["capacity"].tolist())) == [0, 6, 8]


def test_a_patient_in_service_at_shift_end_is_finished_not_interrupted():
    log = run_replication(rostered_team(DAY_ROSTER), 0)
    ev = log.events
    start = ev["time"][ev["event"] == Event.START] % 1
    ready = ev["time"][ev["event"] == Event.READY] % 1
    # every start is in hours; some patients finish after 20:00 the same evening
    assert (start * 24 < 20).all() and ((ready * 24 >= 20) | (ready * 24 < 8)).sum() > 0


def test_an_overnight_shift_runs_into_the_next_day():
    roster = Roster.model_validate({"bank_holidays_as": None, "shifts": [
        {"days": ["Mon"], "hours": [20, 8], "staff": 2}]})
    week = roster.weekly()
    assert week[0, 20:].tolist() == [2] * 4 and week[1, :8].tolist() == [2] * 8
    assert week.sum() == 2 * 12


def test_bank_holidays_are_staffed_as_the_day_named():
    roster = Roster.model_validate({"bank_holidays_as": "Sun", "shifts": [
        {"days": WEEKDAYS, "hours": [9, 17], "staff": 2},
        {"days": ["Sun"], "hours": [10, 14], "staff": 1}]})
    christmas = dt.date(2025, 12, 25)  # a Thursday; 31 December is a Wednesday
    table = roster_by_day(roster, SimCalendar(christmas, 0),
                          [christmas, christmas + dt.timedelta(days=6)])
    assert table[0].sum() == 4 and table[1].sum() == 16


def test_absence_removes_the_stated_share_of_staff_on_average():
    scenario = one_service_scenario(20, days(0.1), 50.0, run_days=365)
    log = run_replication(with_blocks(scenario, staffing={"absence_pct": {"server": 10}}), 0)
    times, capacity = capacity_series(log)
    daily = capacity_at(log, np.arange(365) + 0.5)
    assert daily.mean() == pytest.approx(18.0, abs=0.3)  # binomial(20, 0.1) off a day
    assert daily.std() == pytest.approx(math.sqrt(20 * 0.1 * 0.9), rel=0.2)
    assert np.allclose(times % 1, 0)  # absence changes at midnight


def test_closed_beds_follow_the_surge_curve():
    scenario = one_service_scenario(30, days(2), 10.0, kind="ward", run_days=120)
    surge = {"start": "2025-02-01", "end": "2025-04-02", "shape": "peaked", "peak": "2025-03-03",
             "effects": {"closed_beds": {"server": 10}}}
    log = run_replication(with_blocks(scenario, surges={"noro": surge}), 0)
    at = capacity_at(log, np.array([10.5, 46.5, 61.5, 100.5]))
    assert at.tolist() == [30, 25, 20, 30]  # half-size half way up, 10 closed at the peak


def test_pool_capacity_can_fall_below_use_and_rise_to_admit_several():
    env = simpy.Environment()
    pool = Pool(env, 2)
    held = [pool.request() for _ in range(2)]
    waiting = [pool.request() for _ in range(3)]
    env.run()
    pool.set_capacity(0)
    pool.release(held[0])
    env.run()
    assert pool.count == 1 and not any(r.triggered for r in waiting)  # no-one new starts
    pool.set_capacity(4)
    env.run()
    assert pool.count == 4 and all(r.triggered for r in waiting)


# --- escalation ------------------------------------------------------------------------------

def escalation_run(**escalation: Any) -> tuple[ReplicationLog, np.ndarray, np.ndarray]:
    scenario = one_service_scenario(20, {"dist": "exponential", "mean": 2, "unit": "days"}, 10.0,
                                    kind="ward", run_days=200)
    block = {"service": "server", "capacity": 5, "check_every_hours": 2, **escalation}
    log = run_replication(with_blocks(scenario, escalation={"extra": block}), 0)
    ev = log.events
    change = np.where(ev["event"] == Event.START, 1, np.where(ev["event"] == Event.LEAVE, -1, 0))
    return log, ev["time"], np.cumsum(change)


def test_escalation_opens_above_its_threshold_and_closes_below_the_lower_one():
    log, times, busy = escalation_run(open_above=90, close_below=70)
    cap = log.capacity_log
    assert cap["capacity"][0] == 20 and cap["escalation"][0] == 0
    opened = np.flatnonzero(np.diff(cap["escalation"]) > 0) + 1
    closed = np.flatnonzero(np.diff(cap["escalation"]) < 0) + 1
    assert len(opened) > 5 and len(closed) > 5
    occupancy = 100 * busy[np.searchsorted(times, cap["time"], side="left") - 1] / 20
    assert (occupancy[opened] > 90).all() and (occupancy[closed] < 70).all()
    assert (cap["capacity"] - cap["escalation"] == 20).all()
    assert np.allclose(cap["time"] * 12 % 1, 0, atol=1e-6)  # only at 2-hourly checks
    assert (busy <= 25).all() and busy.max() > 20  # the escalation beds are used


def test_escalation_is_closed_outside_its_months():
    log, _, busy = escalation_run(open_above=90, close_below=70, months=["Mar"])
    cap = log.capacity_log
    months = [(START + dt.timedelta(days=float(t))).month for t in cap["time"]]
    assert any(cap["escalation"] > 0)
    assert all(m == 3 for m, e in zip(months, cap["escalation"]) if e > 0)


def test_a_closed_service_does_not_escalate():
    """Escalation on a rostered team: nothing opens, and nobody starts, out of hours."""
    for measure in ("occupancy_pct", "queue"):
        scenario = with_blocks(rostered_team(DAY_ROSTER), escalation={"extra": {
            "service": "server", "capacity": 2, "measure": measure, "open_above": 1,
            "close_below": 0.5, "check_every_hours": 1}})
        log = run_replication(scenario, 0)
        starts = log.events["time"][log.events["event"] == Event.START] - log.results_start
        assert ((starts % 1 * 24 >= 8 - 1e-9) & (starts % 1 * 24 < 20)).all()
        cap = log.capacity_log
        assert (cap["escalation"] > 0).any()
        hours = (cap["time"] - log.results_start) % 1 * 24
        assert not ((cap["escalation"] > 0) & ((hours < 8 - 1e-9) | (hours >= 20))).any()


@pytest.mark.parametrize("warmup", [1 / 24, 1 / 3, 2.75])
def test_rosters_run_to_the_horizon_whatever_the_warm_up(warmup):
    scenario = one_service_scenario(4, {"dist": "exponential", "mean": 2, "unit": "hours"}, 20.0,
                                    run_days=30, warmup_days=warmup, follow_up_days=30)
    log = run_replication(with_blocks(scenario, staffing={"rosters": {"server": DAY_ROSTER}}), 0)
    # it ran to the end (the last hour once fell on a day past the roster's table), with the
    # roster still changing capacity in its last days (weekends have no change)
    assert log.capacity_log["time"].max() > log.horizon - 3


# --- validation ------------------------------------------------------------------------------

@pytest.mark.parametrize("blocks, message", [
    ({"surges": {"flu": {"start": "2025-01-10", "end": "2025-01-20", "streams": ["nope"]}}},
     "surges.flu.streams.nope: unknown demand stream"),
    ({"surges": {"flu": {"start": "2030-01-10", "end": "2030-01-20"}}},
     "outside the simulated period"),
    ({"surges": {"flu": {"start": "2025-01-10", "end": "2025-01-20", "shape": "peaked"}}},
     "a peaked surge needs a 'peak' date"),
    ({"surges": {"flu": {"start": "2025-01-10", "end": "2025-01-20",
                         "effects": {"closed_beds": {"server": 2}}}}},
     "expected one of ward"),
    ({"staffing": {"rosters": {"server": {"shifts": [
        {"days": ["Mon"], "hours": [8, 20], "staff": 0}]}}}}, "the roster has no staff"),
    ({"staffing": {"rosters": {"server": {"shifts": [
        {"days": ["Monday"], "hours": [8, 20], "staff": 4}]}}}}, "Monday"),
    ({"escalation": {"e": {"service": "server", "capacity": 2, "open_above": 90,
                           "close_below": 95}}}, "close_below (95.0) must be below open_above"),
    ({"escalation": {"e": {"service": "elsewhere", "capacity": 2, "open_above": 90,
                           "close_below": 80}}}, "undefined service 'elsewhere'"),
    ({"escalation": {"e": {"service": "server", "capacity": 2, "open_above": 90,
                           "close_below": 0}}}, "close_below"),
    ({"escalation": {"e": {"service": "server", "capacity": 2, "open_above": 90,
                           "close_below": 80, "months": []}}}, "months"),
    ({"surges": {"flu": {"start": "2025-01-10", "end": "2025-01-20", "streams": []}}},
     "streams"),
    ({"surges": {"flu": {"start": "2025-01-10", "end": "2025-01-20",
                         "effects": {"stay_multiplier": {"server": 1.2}}}}},
     "give a multiplier above 1"),
])
def test_bad_winter_blocks_are_rejected_with_the_field_and_what_was_expected(blocks, message):
    scenario = one_service_scenario(4, days(0.1), 5.0, run_days=60)
    data = scenario.model_dump(mode="json")
    data.update(blocks)
    from sim.compile import validate

    with pytest.raises(ScenarioError) as error:
        validate(data, {}, "winter.yaml")
    assert message in str(error.value)


def test_mutual_aid_lends_from_the_quiet_locality_to_the_busy_one_and_keeps_the_total():
    # 2 a day for each locality's population; the second locality is added below
    scenario = one_service_scenario(20, {"dist": "exponential", "mean": 2, "unit": "days"}, 2.0,
                                    kind="ward", run_days=200)

    def two_localities(data: dict[str, Any]) -> None:
        localities = data["geography"]["localities"]
        localities["busy"] = dict(localities["only"])
        data["services"]["server"]["level"] = "locality"
        rates = data["demand"]["arrivals"]["rate_per_1000_per_year"]
        # the busy locality has twice the demand for the same 10 beds: 8 beds in use on
        # average, against 4 in the quiet one
        data["demand"]["arrivals"]["rate_per_1000_per_year_by_locality"] = {
            "busy": {band: 2 * rate for band, rate in rates.items()}}
        data["escalation"] = {"aid": {"service": "server", "capacity": 3, "mutual_aid": True,
                                      "open_above": 95, "close_below": 75}}
    scenario = edited(scenario, two_localities)
    log = run_replication(scenario, 0)
    cap = log.capacity_log
    only, busy = (cap["unit"] == 0), (cap["unit"] == 1)
    # the busy locality borrows, the quiet one lends; never the other way
    assert (cap["escalation"][busy] >= 0).all() and (cap["escalation"][only] <= 0).all()
    assert (cap["escalation"][busy] == 3).sum() > 3
    # every loan moves capacity: the two units' capacities always add up to 20
    capacity = {0: 10, 1: 10}
    for unit, value in zip(cap["unit"].tolist(), cap["capacity"].tolist()):
        capacity[unit] = value
        assert sum(capacity.values()) in (20, 17, 23)  # mid-move, one unit updated
    final = {u: cap["capacity"][cap["unit"] == u][-1] for u in (0, 1)}
    assert sum(final.values()) == 20


def test_mutual_aid_loans_are_recalled_when_the_lender_is_short():
    """With a roster, a lender's staff fall at night: its loan comes back, and no unit's
    capacity is ever below 0."""
    scenario = one_service_scenario(4, {"dist": "exponential", "mean": 3, "unit": "hours"}, 6.0,
                                    run_days=60)

    def two_rostered_localities(data: dict[str, Any]) -> None:
        data["geography"]["localities"]["busy"] = dict(data["geography"]["localities"]["only"])
        data["services"]["server"]["level"] = "locality"
        rates = data["demand"]["arrivals"]["rate_per_1000_per_year"]
        data["demand"]["arrivals"]["rate_per_1000_per_year_by_locality"] = {
            "busy": {band: 3 * rate for band, rate in rates.items()}}
        data["staffing"] = {"rosters": {"server": {"shifts": [
            {"days": WEEKDAYS + ["Sat", "Sun"], "hours": [8, 20], "staff": 4},
            {"days": WEEKDAYS + ["Sat", "Sun"], "hours": [20, 8], "staff": 2}]}}}
        data["escalation"] = {"aid": {"service": "server", "capacity": 2, "mutual_aid": True,
                                      "open_above": 90, "close_below": 50, "check_every_hours": 1}}
    log = run_replication(edited(scenario, two_rostered_localities), 0)
    cap = log.capacity_log
    assert (cap["capacity"] >= 0).all()
    assert (cap["escalation"] > 0).any()


def test_mutual_aid_needs_a_service_in_several_units():
    scenario = one_service_scenario(4, days(0.1), 5.0, run_days=60)
    data = scenario.model_dump(mode="json")
    data["escalation"] = {"aid": {"service": "server", "capacity": 1, "mutual_aid": True,
                                  "open_above": 90, "close_below": 80}}
    from sim.compile import validate

    with pytest.raises(ScenarioError, match="mutual aid needs a service organised in several"):
        validate(data, {}, "aid.yaml")
