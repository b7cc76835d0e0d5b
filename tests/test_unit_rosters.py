"""Locality teams staffed their own way: a roster, absence and escalation for each unit of a
service (``by_unit``, escalation ``units`` and ``capacity_by_unit``), read back from the
replication's capacity log; the service-wide forms still give the numbers they gave."""

from __future__ import annotations

import copy
import hashlib
from typing import Any

import numpy as np
import pytest
from helpers import SCENARIOS, days, edited, one_service_scenario

from sim.compile import load_scenario, validate
from sim.compile.compiled import compile_scenario
from sim.config import ScenarioError
from sim.config.schema import Scenario
from sim.engine.eventlog import Event
from sim.engine.model import ReplicationLog, run_replication

UNITS = ["north", "central", "south"]
EVERY_DAY = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
HOURS = np.arange(0, 56, 1 / 24) + 1 / 48  # the middle of every hour of 8 weeks, days


def three_localities(capacity: int | dict[str, int], kind: str = "team",
                     duration: dict[str, Any] | None = None, rate_per_day: float = 4.0,
                     run_days: int = 60, **blocks: Any) -> Scenario:
    """One service organised in three locality units (north, central, south, of equal
    population), ``rate_per_day`` patients a day from each, and the winter ``blocks``."""
    scenario = one_service_scenario(
        6, duration or {"dist": "exponential", "mean": 2, "unit": "hours"}, rate_per_day,
        kind=kind, run_days=run_days)

    def edit(data: dict[str, Any]) -> None:
        only = data["geography"]["localities"].pop("only")
        data["geography"]["localities"] = {unit: copy.deepcopy(only) for unit in UNITS}
        server = data["services"]["server"]
        server["level"] = "locality"
        if isinstance(capacity, dict):
            server.update(capacity=None, capacity_by_unit=capacity)
        else:
            server["capacity"] = capacity
        data.update(blocks)
    return edited(scenario, edit)


def roster(day: int, night: int, days_on: list[str] = EVERY_DAY) -> dict[str, Any]:
    """``day`` staff 08:00-20:00 and ``night`` staff 20:00-08:00 on ``days_on``."""
    shifts = [{"days": days_on, "hours": [8, 20], "staff": day}]
    if night:
        shifts.append({"days": days_on, "hours": [20, 8], "staff": night})
    return {"bank_holidays_as": None, "shifts": shifts}


def capacity_by_hour(log: ReplicationLog, unit: int, times: np.ndarray = HOURS) -> np.ndarray:
    """The capacity of ``unit`` at ``times`` (days from the first day of results)."""
    cap = log.capacity_log
    mine = cap["unit"] == unit
    at = np.searchsorted(cap["time"][mine] - log.results_start, times, side="right") - 1
    return cap["capacity"][mine][at]


def day_and_night(day: int, night: int, times: np.ndarray = HOURS) -> np.ndarray:
    hour = (times % 1) * 24
    return np.where((hour >= 8) & (hour < 20), day, night)


# --- rosters ---------------------------------------------------------------------------------

def test_each_unit_follows_its_own_roster_hour_by_hour():
    rosters = {"north": roster(3, 1), "central": roster(2, 0), "south": roster(1, 1)}
    scenario = three_localities({"north": 3, "central": 2, "south": 1},
                                staffing={"rosters": {"server": {"by_unit": rosters}}})
    log = run_replication(scenario, 0)
    assert (capacity_by_hour(log, 0) == day_and_night(3, 1)).all()
    assert (capacity_by_hour(log, 1) == day_and_night(2, 0)).all()  # closed at night
    assert (capacity_by_hour(log, 2) == day_and_night(1, 1)).all()
    # nobody starts at central at night, while north and south work through it
    ev = log.events
    starts = ev["event"] == Event.START
    hour = (ev["time"][starts] - log.results_start) % 1 * 24
    locality = log.patients["locality"][ev["patient"][starts]]
    night = (hour < 8 - 1e-9) | (hour >= 20)
    assert not (night & (locality == 1)).any()
    assert (night & (locality == 0)).sum() > 10 and (night & (locality == 2)).sum() > 10


def test_unit_rosters_are_scaled_to_each_unit_capacity():
    """A sweep or search changing one unit's capacity scales that unit's roster only."""
    rosters = {unit: roster(2, 1) for unit in UNITS}
    staffing = {"rosters": {"server": {"by_unit": rosters}}}
    log = run_replication(three_localities({"north": 4, "central": 2, "south": 1},
                                           staffing=staffing), 0)
    assert (capacity_by_hour(log, 0) == day_and_night(4, 2)).all()  # doubled
    assert (capacity_by_hour(log, 1) == day_and_night(2, 1)).all()  # as written
    assert (capacity_by_hour(log, 2) == day_and_night(1, 1)).all()  # halved, 1/2 rounded up


def test_a_service_roster_and_the_unit_rosters_it_splits_into_give_the_same_run():
    """6 by day and 3 at night over three equal localities are 2 and 1 in each: written
    either way, the replication is the same, event for event."""
    absence = {"server": 5}
    whole = three_localities(6, staffing={"absence_pct": absence,
                                          "rosters": {"server": roster(6, 3)}})
    by_unit = three_localities(
        {unit: 2 for unit in UNITS},
        staffing={"absence_pct": {"server": {"by_unit": {unit: 5 for unit in UNITS}}},
                  "rosters": {"server": {"by_unit": {unit: roster(2, 1) for unit in UNITS}}}})
    a, b = run_replication(whole, 0), run_replication(by_unit, 0)
    for column in a.capacity_log:
        assert np.array_equal(a.capacity_log[column], b.capacity_log[column])
    for column in a.events:
        assert np.array_equal(a.events[column], b.events[column])
    assert len(a.capacity_log["time"]) > 300


def test_the_service_wide_forms_give_the_numbers_they_gave_before_per_unit_staffing():
    """A service-wide roster and absence over three need-weighted units: the capacity log is
    the one recorded before per-unit staffing was added (commit f973046)."""
    def need_weighted(data: dict[str, Any]) -> None:
        localities = data["geography"]["localities"]
        localities["north"]["need_index"], localities["south"]["need_index"] = 1.25, 0.8
        data["services"]["server"]["split"] = "need_weighted_population"
    staffing = {"absence_pct": {"server": 8}, "rosters": {"server": {"shifts": [
        {"days": EVERY_DAY, "hours": [8, 20], "staff": 6},
        {"days": EVERY_DAY[:5], "hours": [20, 8], "staff": 2}]}}}
    scenario = edited(three_localities(6, rate_per_day=8.0, staffing=staffing), need_weighted)
    cap = run_replication(scenario, 0).capacity_log
    digest = hashlib.sha256(b"".join(cap[c].tobytes() for c in
                                     ("time", "service", "unit", "capacity", "escalation")))
    assert (len(cap["time"]), int(cap["capacity"].sum())) == (379, 415)
    assert digest.hexdigest()[:16] == "e486b2b54e270098"


# --- absence ---------------------------------------------------------------------------------

def test_each_unit_loses_its_own_share_of_staff():
    absence = {"by_unit": {"north": 20, "central": 0, "south": 10}}
    scenario = three_localities({unit: 20 for unit in UNITS}, duration=days(0.1),
                                run_days=365, staffing={"absence_pct": {"server": absence}})
    log = run_replication(scenario, 0)
    middays = np.arange(365) + 0.5
    assert capacity_by_hour(log, 0, middays).mean() == pytest.approx(16.0, abs=0.4)
    assert not (log.capacity_log["unit"] == 1).any()  # nobody off: its capacity never changes
    assert capacity_by_hour(log, 2, middays).mean() == pytest.approx(18.0, abs=0.4)


# --- escalation ------------------------------------------------------------------------------

def pressed_wards(**escalation: Any) -> ReplicationLog:
    """Three wards of 10 beds, each with ~9 in use on average, and one escalation."""
    block = {"service": "server", "open_above": 90, "close_below": 70, "check_every_hours": 4,
             **escalation}
    scenario = three_localities({unit: 10 for unit in UNITS}, kind="ward",
                                duration={"dist": "exponential", "mean": 2, "unit": "days"},
                                rate_per_day=4.5, run_days=120, escalation={"extra": block})
    return run_replication(scenario, 0)


def escalation_sizes(log: ReplicationLog) -> list[set[int]]:
    """The escalation units each unit has had open at some time."""
    cap = log.capacity_log
    return [set(cap["escalation"][cap["unit"] == unit].tolist()) for unit in range(3)]


def test_escalation_opens_only_at_the_units_named():
    # 4 beds split over north and south as their capacity (10 : 10); central never escalates
    assert escalation_sizes(pressed_wards(capacity=4, units=["north", "south"])) == [
        {0, 2}, set(), {0, 2}]


def test_escalation_capacity_given_unit_by_unit():
    assert escalation_sizes(pressed_wards(capacity_by_unit={"north": 3, "south": 1})) == [
        {0, 3}, set(), {0, 1}]


def test_mutual_aid_only_between_the_units_named():
    log = pressed_wards(capacity=2, mutual_aid=True, units=["north", "central"], open_above=95,
                        close_below=80)
    lent_or_borrowed = escalation_sizes(log)
    assert lent_or_borrowed[0] >= {0, 2} or lent_or_borrowed[0] >= {0, -2}
    assert lent_or_borrowed[1] - {0} and lent_or_borrowed[1] <= {-2, 0, 2}
    assert lent_or_borrowed[2] == set()  # south neither lends nor borrows


# --- the shipped locality winter -------------------------------------------------------------

def test_every_shipped_locality_ucr_team_has_staff_on_duty_every_hour():
    scenario = load_scenario(SCENARIOS / "winter" / "locality_winter.yaml")
    ucr = list(scenario.services).index("ucr")
    rosters = [plan.roster for plan in compile_scenario(scenario).unit_plans
               if plan.service == ucr]
    assert len(rosters) == 3
    assert all(r is not None and r.min() >= 1 for r in rosters)


# --- validation ------------------------------------------------------------------------------

TEAM = roster(2, 1)


@pytest.mark.parametrize("blocks, message", [
    ({"staffing": {"rosters": {"server": {"by_unit": {
        "north": TEAM, "central": TEAM, "south": TEAM, "west": TEAM}}}}},
     "staffing.rosters.server.by_unit.west: unknown locality (expected one of "
     "['north', 'central', 'south'])"),
    ({"staffing": {"rosters": {"server": {"by_unit": {"north": TEAM}}}}},
     "staffing.rosters.server.by_unit: missing central, south: every locality unit of 'server' "
     "needs its own roster"),
    ({"staffing": {"rosters": {"server": {"by_unit": {
        "north": roster(-1, 0), "central": TEAM, "south": TEAM}}}}},
     "staffing.rosters.server.by_unit.north.shifts.0.staff: expected greater than or equal to 0"),
    ({"staffing": {"rosters": {"server": {"by_unit": {
        "north": roster(0, 0), "central": TEAM, "south": TEAM}}}}},
     "staffing.rosters.server.by_unit.north: the roster has no staff on any shift"),
    ({"staffing": {"rosters": {"server": {**TEAM, "by_unit": {unit: TEAM for unit in UNITS}}}}},
     "staffing.rosters.server: both shifts (a roster for the whole service) and by_unit: a "
     "file that extends one with the other merges them; list this roster in the file's "
     "replace: [staffing.rosters.<service>]"),
    ({"staffing": {"absence_pct": {"server": {"by_unit": {"north": -3, "central": 2,
                                                          "south": 2}}}}},
     "staffing.absence_pct.server.by_unit.north: expected greater than or equal to 0"),
    ({"staffing": {"absence_pct": {"server": {"by_unit": {"north": 3}}}}},
     "staffing.absence_pct.server.by_unit: missing central, south: every locality unit of "
     "'server' needs its own absence"),
    ({"staffing": {"absence_pct": {"server": {"north": 3}}}},
     "staffing.absence_pct.server.by_unit: required field is missing"),
    ({"escalation": {"e": {"service": "server", "capacity": 2, "units": ["west"],
                           "open_above": 90, "close_below": 80}}},
     "escalation.e.units.west: unknown locality (expected one of"),
    ({"escalation": {"e": {"service": "server", "capacity_by_unit": {"west": 2},
                           "open_above": 90, "close_below": 80}}},
     "escalation.e.capacity_by_unit.west: unknown locality"),
    ({"escalation": {"e": {"service": "server", "capacity_by_unit": {"north": -1},
                           "open_above": 90, "close_below": 80}}},
     "escalation.e.capacity_by_unit.north: expected greater than or equal to 0"),
    ({"escalation": {"e": {"service": "server", "capacity": 2, "capacity_by_unit": {"north": 1},
                           "open_above": 90, "close_below": 80}}},
     "escalation.e: give exactly one of 'capacity' or 'capacity_by_unit'"),
    ({"escalation": {"e": {"service": "server", "capacity_by_unit": {"north": 1},
                           "units": ["north"], "open_above": 90, "close_below": 80}}},
     "escalation.e: give 'units' with 'capacity', not with 'capacity_by_unit'"),
    ({"escalation": {"e": {"service": "server", "capacity_by_unit": {"north": 1},
                           "mutual_aid": True, "open_above": 90, "close_below": 80}}},
     "escalation.e: mutual aid lends 'capacity' units"),
    ({"escalation": {"e": {"service": "server", "capacity": 1, "mutual_aid": True,
                           "units": ["north"], "open_above": 90, "close_below": 80}}},
     "escalation.e.units: mutual aid needs at least two units"),
])
def test_bad_unit_staffing_is_rejected_with_the_field_and_what_was_expected(blocks, message):
    data = three_localities({unit: 2 for unit in UNITS}).model_dump(mode="json")
    data.update(blocks)
    with pytest.raises(ScenarioError) as error:
        validate(data, {}, "locality.yaml")
    assert f"locality.yaml: {message}" in str(error.value)


def test_unit_rosters_need_each_unit_capacity_not_a_total():
    """A total would be split by population and each team's roster silently rescaled to its
    share (6 over three teams rostered 3, 2 and 1 would give 2 each)."""
    rosters = {"north": roster(3, 1), "central": roster(2, 1), "south": roster(1, 1)}
    data = three_localities(6).model_dump(mode="json")
    data["staffing"] = {"rosters": {"server": {"by_unit": rosters}}}
    with pytest.raises(ScenarioError) as error:
        validate(data, {}, "locality.yaml")
    assert ("locality.yaml: services.server.capacity: 'server' is rostered unit by unit "
            "(staffing.rosters.server.by_unit): give capacity_by_unit, each unit's roster peak "
            "({north: 3, central: 2, south: 1}), and capacity: null") in str(error.value)


def test_a_service_in_one_unit_takes_no_by_unit_staffing():
    data = one_service_scenario(4, days(0.1), 5.0, run_days=60).model_dump(mode="json")
    data["staffing"] = {"rosters": {"server": {"by_unit": {"s": TEAM}}},
                        "absence_pct": {"server": {"by_unit": {"s": 5}}}}
    with pytest.raises(ScenarioError) as error:
        validate(data, {}, "system.yaml")
    for block, what in (("rosters", "roster"), ("absence_pct", "absence")):
        assert (f"staffing.{block}.server.by_unit: 'server' is organised in one system unit "
                f"('s'); give one {what} for the whole service instead of by_unit"
                ) in str(error.value)
