"""The model against queueing theory and exact hand calculation.

- M/M/c: one team with c servers matches Erlang C (mean wait in queue, chance of waiting);
- M/G/infinity: an unlimited ward with lognormal stays holds a Poisson number of patients
  with mean arrival rate x mean stay;
- Little's law on the baseline's own log: mean acute occupancy = admissions per day x mean
  time in a bed;
- fixed durations: every patient's events and times are known exactly, including the FIFO
  queue of a single server (Lindley's recursion), hand-off delays held on the server,
  blocking discharges and placements; and which acute stays are discharges, counted by hand.

Each comparison against theory uses the 95% t-interval across independent replications,
widened by half (see ``within``), and checks that the interval is narrow enough to tell the
theory from a neighbouring case (one server more or fewer, a 10% higher mean).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from helpers import base_dict, baseline, days, one_service_scenario
from scipy import stats

from sim.analysis.logview import LogView
from sim.analysis.metrics import replication_metrics
from sim.compile import validate
from sim.config.schema import Scenario
from sim.engine.eventlog import Event
from sim.engine.model import ReplicationLog, run_replication
from sim.verify import queueing

CONFIDENCE = 0.95


def t_interval(values: list[float] | np.ndarray) -> tuple[float, float, float]:
    """Mean and 95% t-interval (computed here, independently of sim.analysis.summary)."""
    values = np.asarray(values, dtype=float)
    mean = float(values.mean())
    half = stats.t.ppf((1 + CONFIDENCE) / 2, len(values) - 1) * values.std(ddof=1) / math.sqrt(
        len(values))
    return mean, mean - half, mean + half


def within(value: float, low: float, high: float, widen: float = 1.5) -> bool:
    """``value`` inside the interval [low, high] widened ``widen`` times about its centre."""
    centre, half = (low + high) / 2, (high - low) / 2
    return abs(value - centre) <= widen * half


def metric(log: ReplicationLog, name: str, locality: str = "all") -> float:
    return next(v for m, loc, v in replication_metrics(log) if m == name and loc == locality)


# --- M/M/c against Erlang C -------------------------------------------------------------------

def erlang_c(arrival_rate: float, service_rate: float, servers: int) -> tuple[float, float]:
    """(probability of waiting, mean wait in queue) of an M/M/c queue; wait inf if unstable.

    Written from the textbook sums, independently of the recursion in sim.verify.queueing,
    so that each checks the other."""
    a = arrival_rate / service_rate
    rho = a / servers
    if rho >= 1:
        return 1.0, math.inf
    top = a**servers / math.factorial(servers) / (1 - rho)
    p_wait = top / (sum(a**k / math.factorial(k) for k in range(servers)) + top)
    return p_wait, p_wait / (servers * service_rate - arrival_rate)


MMC_RATE = 2.1  # arrivals a day
MMC_MEAN = 1.0  # mean service, days
MMC_SERVERS = 3  # utilisation 0.7
MMC_REPLICATIONS = 20


@pytest.fixture(scope="module")
def mmc_runs() -> list[ReplicationLog]:
    scenario = one_service_scenario(
        MMC_SERVERS, {"dist": "exponential", "mean": MMC_MEAN, "unit": "days"}, MMC_RATE,
        run_days=5000, warmup_days=100, follow_up_days=30, replications=MMC_REPLICATIONS,
        seed=2024,
    )
    return [run_replication(scenario, r) for r in range(MMC_REPLICATIONS)]


def test_erlang_c_formula() -> None:
    # M/M/1: P(wait) = rho, Wq = rho / (mu - lambda); a textbook M/M/2 value.
    assert erlang_c(0.5, 1.0, 1) == pytest.approx((0.5, 1.0))
    assert erlang_c(1.0, 1.0, 2)[0] == pytest.approx(1 / 3)
    for load, servers in [(0.7, 1), (2.1, 3), (9.0, 10), (40.0, 45)]:
        p_wait, wait = erlang_c(load, 1.0, servers)
        assert queueing.erlang_c(load, servers) == pytest.approx(p_wait, rel=1e-9)
        assert queueing.mmc_mean_wait(load, 1.0, servers) == pytest.approx(wait, rel=1e-9)


def test_mmc_mean_wait_matches_erlang_c(mmc_runs: list[ReplicationLog]) -> None:
    waits = [metric(log, "wait_days_mean:server") for log in mmc_runs]
    mean, low, high = t_interval(waits)
    _, expected = erlang_c(MMC_RATE, 1 / MMC_MEAN, MMC_SERVERS)  # 0.547 days
    # Precise enough to tell a server more or fewer apart (c=4: 0.105 d; c=2 is unstable)...
    assert (high - low) / 2 < 0.1 * expected
    for other in (MMC_SERVERS - 1, MMC_SERVERS + 1):
        assert not within(erlang_c(MMC_RATE, 1 / MMC_MEAN, other)[1], low, high)
    # ...and Erlang C inside the interval, widened by half: replications' mean waits are
    # skewed, and the plain 95% interval covered Erlang C for 29 of 30 seeds (26 of 30 with
    # 10 replications).
    assert within(expected, low, high), (mean, low, high, expected)


def test_mmc_chance_of_waiting_and_queue_length(mmc_runs: list[ReplicationLog]) -> None:
    waited, queue_per_wait = [], []
    for log in mmc_runs:
        view = LogView(log)
        pairs = view.pairs("server", Event.QUEUE, Event.START)
        keep = view.in_results(pairs.start)
        assert not np.isnan(pairs.end[keep]).any()  # follow-up lets every wait finish
        waited.append(float(np.mean(pairs.end[keep] > pairs.start[keep])))
        # Little's law at the queue: time-weighted queue length = arrival rate x mean wait
        queue = float(view.queue("server").mean_between(np.array([view.start, view.end]))[0])
        rate = keep.sum() / (view.end - view.start)
        queue_per_wait.append(queue / (rate * np.mean(pairs.end[keep] - pairs.start[keep])))
    p_wait, _ = erlang_c(MMC_RATE, 1 / MMC_MEAN, MMC_SERVERS)  # 0.492
    mean, low, high = t_interval(waited)
    assert within(p_wait, low, high), (mean, low, high, p_wait)
    assert not within(erlang_c(MMC_RATE, 1 / MMC_MEAN, MMC_SERVERS + 1)[0], low, high)
    assert np.allclose(queue_per_wait, 1.0, atol=0.03)


# --- M/G/infinity --------------------------------------------------------------------------------

MGI_RATE = 4.0  # arrivals a day
MGI_STAY = {"dist": "lognormal", "mean": 5.0, "sd": 8.0, "unit": "days"}
MGI_MEAN = MGI_RATE * MGI_STAY["mean"]  # 20 in service on average
MGI_REPLICATIONS = 10


@pytest.fixture(scope="module")
def mgi_runs() -> list[ReplicationLog]:
    scenario = one_service_scenario(
        "unlimited", MGI_STAY, MGI_RATE, kind="ward", run_days=2000, warmup_days=200,
        replications=MGI_REPLICATIONS, seed=7,
    )
    return [run_replication(scenario, r) for r in range(MGI_REPLICATIONS)]


def test_mginf_mean_occupancy_is_rate_times_stay(mgi_runs: list[ReplicationLog]) -> None:
    occupancy = [metric(log, "occupancy_mean:server") for log in mgi_runs]
    mean, low, high = t_interval(occupancy)
    assert (high - low) / 2 < 0.03 * MGI_MEAN
    assert within(MGI_MEAN, low, high), (mean, low, high)
    # nobody waits for an unlimited service
    assert all(metric(log, "wait_days_mean:server") == 0 for log in mgi_runs)


def test_mginf_stays_have_the_lognormal_mean_and_sd(mgi_runs: list[ReplicationLog]) -> None:
    stays = []
    for log in mgi_runs:
        pairs = LogView(log).pairs("server", Event.START, Event.READY)
        stays.append(pairs.end[~np.isnan(pairs.end)] - pairs.start[~np.isnan(pairs.end)])
    all_stays = np.concatenate(stays)
    assert np.mean(all_stays) == pytest.approx(MGI_STAY["mean"], rel=0.03)
    assert np.std(all_stays) == pytest.approx(MGI_STAY["sd"], rel=0.1)
    # lognormal: the median is mean / sqrt(1 + cv^2), well below the mean
    cv2 = (MGI_STAY["sd"] / MGI_STAY["mean"]) ** 2
    assert np.median(all_stays) == pytest.approx(MGI_STAY["mean"] / math.sqrt(1 + cv2), rel=0.03)


def test_mginf_occupancy_is_poisson(mgi_runs: list[ReplicationLog]) -> None:
    time_at = np.zeros(200)
    for log in mgi_runs:
        view = LogView(log)
        levels, durations = view.occupancy("server").level_durations(view.start, view.end)
        np.add.at(time_at, levels.astype(int), durations)
    fraction = time_at / time_at.sum()
    k = np.arange(len(fraction))
    mean = float((k * fraction).sum())
    variance = float(((k - mean) ** 2 * fraction).sum())
    assert mean == pytest.approx(MGI_MEAN, rel=0.02)
    assert variance / mean == pytest.approx(1.0, abs=0.1)  # Poisson: variance = mean
    poisson = stats.poisson.pmf(k, MGI_MEAN)
    distance = 0.5 * np.abs(fraction - poisson).sum()  # total variation
    assert distance < 0.04, distance
    # the same statistic does tell Poisson(20) from a neighbour
    assert 0.5 * np.abs(fraction - stats.poisson.pmf(k, MGI_MEAN * 1.1)).sum() > 0.1


# --- Little's law on the baseline ---------------------------------------------------------------

@pytest.fixture(scope="module")
def baseline_logs() -> list[ReplicationLog]:
    scenario = baseline()
    return [run_replication(scenario, r) for r in range(scenario.time.replications)]


def test_acute_occupancy_is_the_time_average_of_bed_stays(
        baseline_logs: list[ReplicationLog]) -> None:
    """acute_occupancy_mean equals the total overlap of (start, leave) stays with the results
    period divided by its length, computed here from the raw log."""
    for log in baseline_logs:
        view = LogView(log)
        pairs = view.pairs("acute", Event.START, Event.LEAVE)
        end = np.where(np.isnan(pairs.end), log.horizon, pairs.end)
        overlap = np.clip(np.minimum(end, view.end) - np.maximum(pairs.start, view.start), 0, None)
        direct = overlap.sum() / (view.end - view.start)
        assert metric(log, "acute_occupancy_mean") == pytest.approx(direct, rel=1e-9)
        assert metric(log, "occupancy_mean:acute") == pytest.approx(direct, rel=1e-9)


def test_littles_law_acute(baseline_logs: list[ReplicationLog]) -> None:
    """L = lambda x W: patients starting a bed in the results period per day, times their
    mean time in the bed (start to leave, so blocked days count), against the time-weighted
    occupancy. Stays straddling the window's start and end balance out in steady state; the
    follow-up lets all but a few stays started in the window finish (the rest count to the
    horizon)."""
    for log in baseline_logs:
        view = LogView(log)
        run_days = view.end - view.start
        pairs = view.pairs("acute", Event.START, Event.LEAVE)
        started = view.in_results(pairs.start)
        assert np.isnan(pairs.end[started]).mean() < 0.01
        end = np.where(np.isnan(pairs.end), log.horizon, pairs.end)
        throughput = started.sum() / run_days
        mean_stay = float((end - pairs.start)[started].mean())
        occupancy = metric(log, "acute_occupancy_mean")
        assert occupancy > 100
        assert throughput * mean_stay == pytest.approx(occupancy, rel=0.04)


# --- fixed durations: exact event sequences -----------------------------------------------------

HOUR = 1 / 24
TRIAGE, HANDOFF, STAY, PLACEMENT = 1 * HOUR, 2 * HOUR, 3.0, 1.0


def fixed_scenario() -> Scenario:
    """triage (1 clinician, 1 hour, then a 2-hour hand-off still holding the clinician) ->
    ward (unlimited, 3 days) -> blocking route to a placement found after 1 day -> home."""
    services = {
        "triage": {"kind": "team", "capacity": 1, "duration": days(TRIAGE),
                   "routes": {"on": {"to": "ward", "probability": 1.0,
                                     "handoff_delay": days(HANDOFF)}}},
        "ward": {"kind": "ward", "capacity": "unlimited", "duration": days(STAY),
                 "routes": {"out": {"to": "placement", "probability": 1.0, "blocking": True,
                                    "pathway": "P3"}}},
        "placement": {"kind": "placement", "delay": days(PLACEMENT),
                      "routes": {"placed": {"to": "home", "probability": 1.0}}},
        "home": {"kind": "exit"},
    }
    # 5 a day on a server held 3 hours each: utilisation 0.625, so some patients queue
    return validate(base_dict(services, "triage", 5.0, run_days=40,
                                             warmup_days=0, follow_up_days=5))


def test_fixed_durations_give_exact_events() -> None:
    scenario = fixed_scenario()
    log = run_replication(scenario, 0)
    s = {name: i for i, name in enumerate(scenario.services)}
    arrivals = log.patients["arrival_time"]
    assert len(arrivals) > 150
    ev = log.events
    order = np.lexsort((np.arange(len(ev["patient"])), ev["patient"]))  # by patient, log order
    by_patient = np.split(order, np.flatnonzero(np.diff(ev["patient"][order])) + 1)
    assert len(by_patient) == len(arrivals)

    free_at = -math.inf  # when the single triage clinician is next free (FIFO, Lindley)
    complete = 0
    waited = 0
    for pid, rows in enumerate(by_patient):
        assert (ev["patient"][rows] == pid).all()
        t0 = float(arrivals[pid])
        start = max(t0, free_at)
        waited += start > t0
        ready = start + TRIAGE
        free_at = ready + HANDOFF
        ward_ready = free_at + STAY
        placed = ward_ready + PLACEMENT
        expected = [
            (Event.ARRIVE, "triage", t0),
            (Event.QUEUE, "triage", t0),
            (Event.START, "triage", start),
            (Event.READY, "triage", ready),
            (Event.LEAVE, "triage", free_at),
            (Event.QUEUE, "ward", free_at),
            (Event.START, "ward", free_at),
            (Event.READY, "ward", ward_ready),
            (Event.QUEUE, "placement", ward_ready),
            (Event.LEAVE, "ward", placed),  # the ward bed is held until the placement
            (Event.START, "placement", placed),
            (Event.READY, "placement", placed),
            (Event.LEAVE, "placement", placed),
            (Event.EXIT, "home", placed),
        ]
        expected = [(e, s[name], t) for e, name, t in expected if t < log.horizon]
        got = list(zip(ev["event"][rows].tolist(), ev["service"][rows].tolist(),
                       ev["time"][rows].tolist()))
        assert [(e, svc) for e, svc, _ in got] == [(e, svc) for e, svc, _ in expected], pid
        np.testing.assert_allclose([t for *_, t in got], [t for *_, t in expected],
                                   rtol=0, atol=1e-9)
        complete += len(expected) == 14
    assert waited > 20  # the recursion was exercised, not just t0 every time
    assert sum(log.exits.values()) == complete and log.exits["home"] == complete
    assert log.in_system == len(arrivals) - complete


def test_fixed_durations_every_stay_is_exact() -> None:
    """READY - START is the fixed duration for every patient, LEAVE - READY the hand-off
    (triage) or the placement delay (ward, blocked), whatever the queue."""
    scenario = fixed_scenario()
    log = run_replication(scenario, 1)
    view = LogView(log)
    for service, duration, held in (("triage", TRIAGE, HANDOFF), ("ward", STAY, PLACEMENT)):
        served = view.pairs(service, Event.START, Event.READY)
        done = ~np.isnan(served.end)
        assert done.sum() > 100
        np.testing.assert_allclose(served.end[done] - served.start[done], duration, atol=1e-9)
        kept = view.pairs(service, Event.READY, Event.LEAVE)
        done = ~np.isnan(kept.end)
        np.testing.assert_allclose(kept.end[done] - kept.start[done], held, atol=1e-9)
    # the ward's blocked days are READY -> LEAVE; pathway P3 is carried from the ward route on
    codes = [None, *scenario.pathways]
    leaves = view.mask("placement", Event.LEAVE)
    assert {codes[p] for p in view.pathway[leaves]} == {"P3"}


def readmission_scenario() -> Scenario:
    """acute (unlimited, 2 days) -> half die, half go home on P0 after a 1-day hand-off; of
    those, 60% are readmitted 5 days later (and may then die), 40% stay home."""
    services = {
        "acute": {"kind": "ward", "capacity": "unlimited", "duration": days(2),
                  "routes": {"P0": {"to": "after", "probability": 0.5, "pathway": "P0",
                                    "handoff_delay": days(1)},
                             "died": {"to": "died", "probability": 0.5}}},
        "after": {"kind": "delay", "duration": days(0),
                  "routes": {"readmitted": {"to": "acute", "probability": 0.6,
                                            "duration": days(5)},
                             "stayed": {"to": "home", "probability": 0.4}}},
        "home": {"kind": "exit"},
        "died": {"kind": "exit"},
    }
    data = base_dict(services, "acute", 4.0, run_days=200, warmup_days=20, follow_up_days=30)
    data["reporting"] = {"acute": "acute"}
    return validate(data)


def test_discharges_are_the_stays_that_leave_on_a_discharge_route() -> None:
    """Counted by hand from the log: a discharge is an acute stay whose next service is
    `after` (the P0 route). A patient discharged on P0, readmitted and then dying keeps the
    P0 tag, but that stay is a death, not a discharge."""
    log = run_replication(readmission_scenario(), 0)
    view = LogView(log)
    leaves = np.flatnonzero(view.mask("acute", Event.LEAVE))
    discharged = view.neighbour_service(leaves, +1) == view.service_index["after"]
    died = view.neighbour_service(leaves, +1) == view.service_index["died"]
    stale = died & (view.pathway[leaves] == 1)  # deaths carrying P0 from an earlier stay
    assert stale.sum() > 20  # the case this test is about happens
    in_results = view.in_results(view.time[leaves])
    discharges = leaves[discharged & in_results]
    admissions = np.flatnonzero(view.mask("acute", Event.QUEUE))
    readmitted = [
        bool(np.any((view.patient[admissions] == view.patient[row])
                    & (view.time[admissions] > view.time[row])
                    & (view.time[admissions] <= view.time[row] + 30)))
        for row in discharges
    ]
    assert metric(log, "readmissions_30d") == sum(readmitted)
    assert metric(log, "readmission_rate_30d_pct") == pytest.approx(100 * np.mean(readmitted))
    # every P0 stay waits exactly its 1-day hand-off; deaths wait nothing and are not counted
    assert metric(log, "ready_to_discharge_days_mean") == pytest.approx(1.0, abs=1e-9)
    # deaths have no hand-off, so all delayed bed-days are P0 hand-offs
    assert metric(log, "delayed_discharge_bed_days") > 0
    assert metric(log, "delayed_discharge_bed_days_P0") == pytest.approx(
        metric(log, "delayed_discharge_bed_days"))
