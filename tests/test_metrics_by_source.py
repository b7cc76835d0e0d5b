"""Balk and renege shares and the wait from referral by where the patient came from, and
admissions by age band, on hand-made logs with a known answer: step-up referrals (from the
community) and step-down transfers (from the acute ward) asking for IC beds."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import baseline

from sim.analysis.grouping import ALL, Grouper
from sim.analysis.logview import LogView
from sim.analysis.metrics import _admissions_by_age, _referral_to_start, age_groups
from sim.analysis.patience import came_from_hospital, when_busy_rows
from sim.engine.eventlog import PATIENT_COLUMNS, Event
from sim.engine.model import ReplicationLog

RUN_DAYS = 30.0


def _log(journeys: list[list[tuple[float, str, Event]]],
         age_bands: list[int] | None = None) -> ReplicationLog:
    """Patient i's events are ``journeys[i]``: (time, service, event), in order; their age
    band ``age_bands[i]`` (an index into the scenario's bands; default the first)."""
    scenario = baseline()
    index = {name: i for i, name in enumerate(scenario.services)}
    rows = [(time, patient, order, index[service], event)
            for patient, journey in enumerate(journeys)
            for order, (time, service, event) in enumerate(journey)]
    rows.sort()
    time, patient, _, service, event = (np.array(column) for column in zip(*rows))
    events = {"patient": patient.astype(np.int32), "time": time.astype(float),
              "event": event.astype(np.int8), "service": service.astype(np.int16),
              "pathway": np.zeros(len(rows), np.int8)}
    patients = {name: np.zeros(len(journeys), np.float64 if name == "arrival_time" else np.int8)
                for name in PATIENT_COLUMNS}
    if age_bands is not None:
        patients["age_band"] = np.array(age_bands, np.int8)
    return ReplicationLog(scenario=scenario, replication=0, events=events, patients=patients,
                          results_start=0.0, results_end=RUN_DAYS, horizon=RUN_DAYS, exits={},
                          in_system=0, wall_seconds=0.0)


def _step_up(day: float, outcome: str) -> list[tuple[float, str, Event]]:
    """Referred by UCR to an IC bed: turned away (``balk``), gave up waiting or got a bed."""
    came = [(day, "ucr", Event.QUEUE), (day, "ucr", Event.START), (day, "ucr", Event.READY),
            (day, "ucr", Event.LEAVE)]
    if outcome == "balk":
        return [*came, (day, "ic_beds", Event.BALK), (day, "acute", Event.QUEUE)]
    if outcome == "renege":
        return [*came, (day, "ic_beds", Event.QUEUE), (day + 0.5, "ic_beds", Event.RENEGE)]
    return [*came, (day, "ic_beds", Event.QUEUE), (day + 0.2, "ic_beds", Event.START)]


def _step_down(day: float) -> list[tuple[float, str, Event]]:
    """Discharged from the acute ward to an IC bed on a blocking route."""
    return [(day, "acute", Event.QUEUE), (day, "acute", Event.START),
            (day + 3, "acute", Event.READY), (day + 3, "ic_beds", Event.QUEUE),
            (day + 4, "acute", Event.LEAVE), (day + 4, "ic_beds", Event.START)]


@pytest.fixture(scope="module")
def rows() -> dict[str, float]:
    # 10 step-up requests: 4 turned away, 3 of the 6 who queue give up; 20 step-down, none
    outcomes = ["balk"] * 4 + ["renege"] * 3 + ["start"] * 3
    journeys = [_step_up(1 + i, outcome) for i, outcome in enumerate(outcomes)]
    journeys += [_step_down(1 + i) for i in range(20)]
    view = LogView(_log(journeys))
    return {metric: value for metric, locality, value in when_busy_rows(view, Grouper(view))
            if locality == ALL}


def test_a_patient_asking_straight_after_the_acute_ward_is_a_step_down_transfer():
    view = LogView(_log([_step_up(1, "start"), _step_down(1)]))
    asked = np.flatnonzero(view.mask("ic_beds", Event.QUEUE))
    assert came_from_hospital(view, asked).tolist() == [False, True]


def test_balk_shares_by_where_the_patient_came_from(rows):
    assert rows["balked_pct_step_up:ic_beds"] == pytest.approx(40.0)
    assert rows["balked_pct_step_down:ic_beds"] == 0.0
    assert rows["balked_pct:ic_beds"] == pytest.approx(100 * 4 / 30)  # 13.3%: every request


def test_renege_shares_by_where_the_patient_came_from(rows):
    assert rows["reneged_pct_step_up:ic_beds"] == pytest.approx(50.0)  # 3 of the 6 queueing
    assert rows["reneged_pct_step_down:ic_beds"] == 0.0
    assert rows["reneged_pct:ic_beds"] == pytest.approx(100 * 3 / 26)


def test_services_no_acute_route_leads_to_have_no_split(rows):
    assert "balked_pct:ucr" in rows or "reneged_pct:ucr" in rows
    assert not any(name.endswith(":ucr") and "_step_" in name for name in rows)


def _handed_off(day: float) -> list[tuple[float, str, Event]]:
    """Ready in the acute ward on ``day + 3``, asks for an IC bed after a 2-day hand-off and
    gets one a day later."""
    return [(day, "acute", Event.QUEUE), (day, "acute", Event.START),
            (day + 3, "acute", Event.READY), (day + 5, "ic_beds", Event.QUEUE),
            (day + 6, "acute", Event.LEAVE), (day + 6, "ic_beds", Event.START)]


def test_the_wait_from_referral_counts_a_step_down_transfer_from_ready():
    journeys = [_handed_off(1), _handed_off(2), _step_up(3, "start"), _step_up(4, "start"),
                _step_up(5, "renege"), _step_up(6, "balk")]
    view = LogView(_log(journeys))
    # step-down 3 days each (2-day hand-off + 1 day for a bed), step-up 0.2; the patient who
    # gave up and the one turned away are left out
    assert _referral_to_start(view, "ic_beds") == pytest.approx((3 + 3 + 0.2 + 0.2) / 4)
    assert np.isnan(_referral_to_start(view, "ic_home"))  # nobody asked


def test_older_age_bands_make_the_65_plus_group():
    assert age_groups(["0-64", "65-74", "75-84", "85+"])["65+"] == ["65-74", "75-84", "85+"]
    assert "65+" not in age_groups(["0-17", "18-64"])
    assert age_groups(["all", "65+"]) == {"all": ["all"], "65+": ["65+"]}


def test_admissions_per_1000_by_age_band():
    # admissions by band index (0-64, 65-74, 75-84, 85+): 4, 3, 2, 1, one a day from day 1
    bands = [0] * 4 + [1] * 3 + [2] * 2 + [3]
    journeys = [[(1.0 + i, "acute", Event.QUEUE)] for i in range(len(bands))]
    view = LogView(_log(journeys, bands))
    rows = {(metric, loc): value
            for metric, loc, value in _admissions_by_age(view, Grouper(view), "acute")}
    geography = view.scenario.geography

    def rate(count: int, members: list[str]) -> float:
        residents = sum(loc.population[band] for loc in geography.localities.values()
                        for band in members)
        return count / residents * 1000 / (RUN_DAYS / 365)

    assert rows["emergency_admissions_per_1000_65-74", ALL] == pytest.approx(rate(3, ["65-74"]))
    assert rows["emergency_admissions_per_1000_85+", ALL] == pytest.approx(rate(1, ["85+"]))
    assert rows["emergency_admissions_per_1000_65+", ALL] == \
        pytest.approx(rate(6, ["65-74", "75-84", "85+"]))
    assert rows["emergency_admissions_per_1000_0-64", ALL] == pytest.approx(rate(4, ["0-64"]))
    # every patient lives in the first locality (index 0), so the others have none
    first, *others = geography.localities
    assert rows["emergency_admissions_per_1000_75-84", first] == pytest.approx(
        2 / geography.localities[first].population["75-84"] * 1000 / (RUN_DAYS / 365))
    assert all(rows["emergency_admissions_per_1000_65+", loc] == 0 for loc in others)
