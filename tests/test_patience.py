"""Patience, balking and harm while waiting (``when_busy``, ``by: waited_days``), readmissions
through ED, and how emergency admissions respond to community capacity (issue 10).

Queueing theory for these (Erlang A, Erlang loss) is checked in the validation suite; here:
bad input, extreme values, the event log, pairing and direction over the shipped baseline.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from helpers import BASELINE, baseline, days, edited, one_service_scenario

from sim.analysis.logview import LogView
from sim.analysis.metrics import replication_metrics
from sim.analysis.summary import compare
from sim.compile import load_scenario
from sim.config.loader import ScenarioError
from sim.engine.eventlog import Event
from sim.engine.model import run_replication
from sim.runner import run_scenario


def _metrics(log: Any) -> dict[tuple[str, str], float]:
    return {(metric, locality): value for metric, locality, value in replication_metrics(log)}


def _with_when_busy(when_busy: dict[str, Any], capacity: int = 1, rate: float = 2.0,
                    stay: dict[str, Any] | None = None) -> Any:
    """One service of ``capacity`` with ``when_busy``, sending its alternatives to an exit."""
    scenario = one_service_scenario(capacity, stay or {"dist": "exponential", "mean": 1,
                                                       "unit": "days"},
                                    rate, run_days=400, warmup_days=20, replications=1)

    def edit(data: dict[str, Any]) -> None:
        data["services"]["server"]["when_busy"] = when_busy
        data["services"]["elsewhere"] = {"kind": "exit"}
    return edited(scenario, edit)


# --- bad input: one clear message per problem -----------------------------------------------

def _problem(edit: Any) -> str:
    with pytest.raises((ScenarioError, ValueError)) as error:
        edited(baseline(), edit)
    return str(error.value)


def test_an_alternative_that_does_not_exist_is_named():
    def edit(data):
        data["services"]["ucr"]["when_busy"]["renege"]["to"] = "emergency"
    message = _problem(edit)
    assert "services.ucr.when_busy.renege.to" in message and "undefined service 'emergency'" in message


def test_an_alternative_cannot_be_the_service_itself():
    def edit(data):
        data["services"]["ic_beds"]["when_busy"]["balk"]["to"] = "ic_beds"
    assert "cannot be 'ic_beds' itself" in _problem(edit)


def test_a_negative_patience_is_refused():
    def edit(data):
        data["services"]["spa"]["when_busy"]["renege"]["patience"]["mean"] = -15
    message = _problem(edit)
    assert "patience" in message and "greater than 0" in message


def test_a_queue_threshold_below_zero_is_refused():
    def edit(data):
        data["services"]["ic_beds"]["when_busy"]["balk"]["queue_at_least"] = -1
    message = _problem(edit)
    assert "queue_at_least" in message and "greater than or equal to 0" in message


def test_a_harm_curve_that_leaves_zero_to_one_is_refused():
    def edit(data):
        data["services"]["ic_home"]["routes"]["long_term_care"]["probability"]["values"]["14"] = 1.2
    message = _problem(edit)
    assert "long_term_care.probability" in message and "less than or equal to 1" in message


def test_harm_curves_must_sum_to_one_in_every_band_of_days():
    def edit(data):
        data["services"]["ic_home"]["routes"]["long_term_care"]["probability"]["values"]["7"] = 0.2
    message = _problem(edit)
    assert "sum to 1.07 for waited_days=7" in message


def test_bands_of_days_must_be_numbers_starting_at_zero():
    def edit(data):
        values = data["services"]["ic_home"]["routes"]["home"]["probability"]["values"]
        values["a week"] = values.pop("7")
    assert "lower bound of a band of days" in _problem(edit)

    def no_zero(data):
        for route in ("home", "long_term_care"):
            data["services"]["ic_home"]["routes"][route]["probability"]["values"].pop("0")
    assert "must start at '0'" in _problem(no_zero)


def test_when_busy_on_a_route_into_a_service_that_is_never_busy_is_refused():
    def edit(data):
        data["services"]["acute"]["routes"]["P3"]["when_busy"] = {"balk": {"to": "died"}}
    assert "never busy" in _problem(edit)


# --- extreme values and the event log ---------------------------------------------------------

def test_endless_patience_changes_nothing():
    """Patience far beyond the horizon: exactly the numbers of a service without when_busy."""
    patient = _with_when_busy({"renege": {"patience": days(1e6), "to": "elsewhere"}})
    waits = one_service_scenario(1, {"dist": "exponential", "mean": 1, "unit": "days"}, 2.0,
                                 run_days=400, warmup_days=20, replications=1)
    a, b = run_replication(patient, 0), run_replication(waits, 0)
    for column in ("patient", "time", "event", "service"):
        np.testing.assert_array_equal(a.events[column], b.events[column])


def test_no_patience_at_all_means_nobody_waits():
    """Patience of zero: a patient who finds the unit busy gives up at once; nobody waits."""
    log = run_replication(_with_when_busy({"renege": {"patience": days(0), "to": "elsewhere"}},
                                          rate=0.9), 0)
    view = LogView(log)
    waits = view.pairs("server", Event.QUEUE, (Event.START, Event.RENEGE))
    assert (waits.end - waits.start <= 1e-12).all()
    gave_up = (waits.ended_by == Event.RENEGE).mean()
    assert 0.3 < gave_up < 0.6  # Erlang B(1, 0.9) = 0.47


def test_every_wait_ends_in_a_start_or_giving_up_and_a_balk_is_never_served():
    log = run_replication(_with_when_busy(
        {"balk": {"to": "elsewhere", "queue_at_least": 2},
         "renege": {"patience": {"dist": "exponential", "mean": 6, "unit": "hours"},
                    "to": "elsewhere"}}, capacity=2, rate=3.0), 0)
    view = LogView(log)
    events = pd.DataFrame({"patient": view.patient, "event": view.event})
    per_patient = events.groupby("patient")["event"].apply(tuple)
    served = (Event.ARRIVE, Event.QUEUE, Event.START, Event.READY, Event.LEAVE, Event.EXIT)
    balked = (Event.ARRIVE, Event.BALK, Event.EXIT)
    reneged = (Event.ARRIVE, Event.QUEUE, Event.RENEGE, Event.EXIT)
    finished = per_patient[per_patient.map(lambda e: e[-1] == Event.EXIT)]
    assert set(finished.map(tuple)) <= {served, balked, reneged}
    assert {served, balked, reneged} <= set(finished)
    metrics = _metrics(log)
    assert metrics[("balked:server", "all")] > 0 and metrics[("reneged:server", "all")] > 0
    # nobody balks while fewer than 2 wait: the queue at a balk was at least 2
    queue = view.queue("server")
    balk_times = view.time[view.event == Event.BALK]
    level = queue.levels[np.searchsorted(queue.times, balk_times, side="right") - 1]
    assert (level >= 2).all()


def test_route_probabilities_follow_days_waited():
    """Harm while waiting: a patient who waited a day or more takes the other route."""
    scenario = one_service_scenario(1, days(0.7), 1.2, run_days=300, warmup_days=10,
                                    replications=1)

    def edit(data: dict[str, Any]) -> None:
        data["services"]["server"]["routes"] = {
            "recovered": {"to": "out", "probability":
                          {"by": "waited_days", "values": {"0": 1.0, "1": 0.0}}},
            "placed": {"to": "care", "probability":
                       {"by": "waited_days", "values": {"0": 0.0, "1": 1.0}}}}
        data["services"]["care"] = {"kind": "exit"}
    log = run_replication(edited(scenario, edit), 0)
    view = LogView(log)
    waits = view.pairs("server", Event.QUEUE, Event.START)
    exits = view.service[view.event == Event.EXIT]
    exited = view.patient[view.event == Event.EXIT]
    outcome = dict(zip(exited.tolist(), exits.tolist()))
    care = view.service_index["care"]
    done = [i for i, p in enumerate(waits.patient.tolist()) if p in outcome]
    waited = (waits.end - waits.start)[done]
    placed = np.array([outcome[p] == care for p in waits.patient[done].tolist()])
    assert placed.any() and (~placed).any()
    np.testing.assert_array_equal(placed, waited >= 1)


# --- the shipped baseline ---------------------------------------------------------------------

def test_readmissions_come_back_through_ed():
    log = run_replication(baseline({"time.replications": 1}), 0)
    view = LogView(log)
    admitted = np.flatnonzero(view.mask("acute", Event.QUEUE) & (view.time > 0))
    before = view.neighbour_service(admitted, -1)
    names = list(log.scenario.services)
    # every admission comes from ED, a direct GP admission (arrival), or a full step-up bed
    assert {names[s] for s in set(before.tolist())} <= {"ed", "acute", "ic_beds"}
    readmission = log.scenario.pathways.index("readmission") + 1
    from_ed = np.flatnonzero(view.mask("ed", Event.QUEUE) & (view.pathway == readmission))
    assert len(from_ed) > 0


SHORT_RUN = {"time.replications": 4, "time.run_days": 120}


def _metrics_of(changes: dict[str, Any]) -> pd.DataFrame:
    """Replication metrics of a short run of the shipped baseline with ``changes``."""
    return run_scenario(baseline({**SHORT_RUN, **changes}), progress=False).metrics


@pytest.fixture(scope="module")
def base_metrics() -> pd.DataFrame:
    return _metrics_of({})


def _paired(base: pd.DataFrame, changes: dict[str, Any]) -> pd.DataFrame:
    """Paired differences (changed - baseline), overall."""
    table = compare(base, _metrics_of(changes))
    return table[table["locality"] == "all"].set_index("metric")


@pytest.mark.slow
def test_starving_ucr_raises_ed_attendances_and_admissions(base_metrics):
    diff = _paired(base_metrics, {"services.ucr.capacity": 1})
    for metric in ("ed_attendances", "emergency_admissions", "admissions_after_reneging"):
        assert diff.loc[metric, "diff_ci_low"] > 0, (metric, diff.loc[metric].to_dict())


@pytest.mark.slow
@pytest.mark.parametrize("field, more", [("services.ucr.capacity", 6),
                                         ("services.ic_beds.capacity", 90),
                                         ("services.ic_home.capacity", 110)])
def test_more_community_capacity_never_raises_admissions(base_metrics, field, more):
    diff = _paired(base_metrics, {field: more})
    admissions = diff.loc["emergency_admissions"]
    assert admissions["diff_mean"] <= 0 and admissions["diff_ci_low"] < 0, admissions.to_dict()


@pytest.mark.slow
def test_pairing_keeps_the_difference_precise(base_metrics):
    """Common random numbers: when only a capacity changes, the paired differences vary far
    less than the runs themselves (the patience draws come from each patient's own stream)."""
    a, b = base_metrics, _metrics_of({"services.ucr.capacity": 4})

    def values(metrics: pd.DataFrame) -> np.ndarray:
        rows = metrics[(metrics["metric"] == "emergency_admissions") & (metrics["locality"] == "all")]
        return rows.sort_values("replication")["value"].to_numpy()
    paired = np.var(values(b) - values(a), ddof=1)
    unpaired = np.var(values(a), ddof=1) + np.var(values(b), ddof=1)
    assert paired < 0.05 * unpaired, (paired, unpaired)


def test_a_layer_that_rewrites_a_patience_is_told_to_replace_it(tmp_path):
    """A layer giving a plain patience where the base varies it by source merges the two
    mappings; the message says how to set it in full, and doing so works."""
    layer = tmp_path / "patient_crews.yaml"
    patience = "{dist: exponential, mean: 2, unit: hours}"
    layer.write_text(f"extends: {BASELINE}\nname: patient_crews\nservices:\n  ucr:\n"
                     f"    when_busy:\n      renege: {{patience: {patience}}}\n")
    with pytest.raises(ScenarioError) as error:
        load_scenario(layer)
    assert "list 'services.ucr.when_busy.renege.patience' under replace:" in str(error.value)
    layer.write_text(layer.read_text() + "replace: [services.ucr.when_busy.renege.patience]\n")
    assert load_scenario(layer).services["ucr"].when_busy.renege.patience.mean_days == 2 / 24


# --- journeys that cannot end, and loops where no time passes ---------------------------------

def test_a_loop_whose_way_out_is_for_other_age_bands_is_refused():
    """After discharge, the oldest are always readmitted: the pooled graph has a way home, but
    not for them (this validated before and then ran with those patients never leaving)."""
    def edit(data):
        routes = data["services"]["after_discharge"]["routes"]
        routes["readmitted"]["probability"] = {"by": "age_band",
                                               "values": {"85+": 1.0, "default": 0.1}}
        routes["stayed_home"]["probability"] = {"by": "age_band",
                                                "values": {"85+": 0.0, "default": 0.9}}
        data["services"]["acute"]["routes"]["P0"]["probability"]["values"]["85+"] = 0.0
        data["services"]["acute"]["routes"]["died"]["probability"]["values"]["85+"] = 0.0
        for pathway in ("P1", "P2", "P3"):
            data["services"]["acute"]["routes"][pathway]["probability"]["values"]["85+"] = 0.0
        data["services"]["acute"]["routes"]["P0"]["probability"]["values"]["85+"] = 1.0
    message = _problem(edit)
    assert "age_band=85+" in message and "never leave" in message


def test_a_loop_gone_round_without_time_passing_is_refused():
    """A full step-up ward whose patients are sent to a no-time triage that sends them
    straight back would spin the clock in place."""
    def edit(data):
        data["services"]["bounce"] = {
            "kind": "delay", "duration": days(0),
            "routes": {"back": {"to": "ic_beds", "probability": 0.5},
                       "home": {"to": "home", "probability": 0.5}}}
        data["services"]["ic_beds"]["when_busy"]["balk"]["to"] = "bounce"
    message = _problem(edit)
    assert "without any time passing" in message and "ic_beds -> bounce -> ic_beds" in message


def test_uncertain_ranges_are_checked_at_their_joint_extremes(tmp_path):
    """Acute beds drawn from [20, 60] and beds closed by the flu wave from [0, 55]: each range
    is valid alone, but 20 beds with 55 closed is not; refused before any replication runs."""
    flu = BASELINE.parent / "winter" / "flu_wave.yaml"
    layer = tmp_path / "uncertain_flu.yaml"
    layer.write_text(f"extends: {flu}\nname: uncertain_flu\nuncertain:\n"
                     "  services.acute.capacity: {uniform: [20, 60]}\n"
                     "  surges.flu.effects.closed_beds.acute: {uniform: [0, 55]}\n")
    with pytest.raises(ScenarioError) as error:
        load_scenario(layer)
    assert "take services.acute.capacity = 20" in str(error.value)
    assert "surges.flu.effects.closed_beds.acute = 55 together" in str(error.value)
