"""Patience and balking against queueing theory.

- Erlang A (M/M/c+M), the formulas: ``sim.verify.queueing.erlang_a`` against a stationary
  distribution solved here another way (the generator matrix, by linear algebra), against
  the closed form when patience is as long as service (the number in the system is then
  Poisson), and against its limits: Erlang C when nobody gives up, Erlang B when everyone
  who would wait gives up at once.
- Erlang A, the model: a team whose waiting patients give up after an exponential patience
  gives the chance of giving up, ``reneged_pct``, and the mean waits, ``wait_days_mean`` (a
  wait ends at the start or on giving up) and ``renege_wait_hours_mean``, of the theory;
  so does patience declared on the route into the team, and a route declaring endless
  patience (``when_busy: {}``) overrides the team's, giving Erlang C.
- A waiting room: balking once k wait, or once the expected wait exceeds a threshold, is
  M/M/c/K.
- Erlang loss, the model: a ward whose patients go elsewhere when no bed is free turns away
  Erlang B(c, a) of them, ``balked_pct``, whatever the stay distribution.

As in tests/test_analytic.py, each comparison uses the 95% t-interval across independent
replications widened by half, and checks that the interval is narrow enough to tell the
theory from a nearby wrong answer. The runs are short (a few seconds each); the validation
report (``python -m sim verify``) runs the same systems for longer.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from scipy import stats
from test_analytic import metric, t_interval, within

from sim.compile import validate
from sim.engine.model import ReplicationLog, run_replication
from sim.verify.measure import measure_log
from sim.verify.queueing import (
    ELSEWHERE,
    SERVER,
    erlang_a,
    erlang_b,
    erlang_c,
    mmc_mean_wait,
    one_service,
    scenario_mapping,
)

EXPONENTIAL_DAY = {"dist": "exponential", "mean": 1.0, "unit": "days"}

# --- Erlang A, the formulas ---------------------------------------------------------------------


def stationary_by_linear_algebra(rate: float, servers: int, mean_patience: float,
                                 size: int = 200) -> np.ndarray:
    """Stationary distribution of the number in an M/M/c+M system (service mean 1 day),
    truncated at ``size`` states: ``pi Q = 0`` with ``sum pi = 1`` solved by least squares."""
    n = np.arange(size)
    deaths = np.minimum(n, servers) + np.maximum(n - servers, 0) / mean_patience
    generator = np.diag(np.full(size - 1, rate), 1) + np.diag(deaths[1:], -1)
    generator -= np.diag(generator.sum(axis=1))
    system = np.vstack([generator.T, np.ones(size)])
    target = np.zeros(size + 1)
    target[-1] = 1.0
    return np.linalg.lstsq(system, target, rcond=None)[0]


@pytest.mark.parametrize("servers, rate, mean_patience", [
    (2, 2.5, 1.0), (3, 2.7, 2.0), (10, 11.0, 0.5), (1, 0.9, 5.0), (5, 8.0, 0.1)])
def test_erlang_a_agrees_with_littles_law_at_the_queue(servers: int, rate: float,
                                                      mean_patience: float) -> None:
    """Patients give up at rate theta x (number waiting), so the chance of giving up is
    ``theta E[Q] / lambda``, and the mean wait of all arrivals is ``E[Q] / lambda`` (Little);
    ``erlang_a`` computes both per arrival, from the position it joins the queue at."""
    pi = stationary_by_linear_algebra(rate, servers, mean_patience)
    queue = float(np.dot(np.maximum(np.arange(len(pi)) - servers, 0), pi))
    theory = erlang_a(rate, 1.0, servers, mean_patience)
    assert theory.abandon == pytest.approx(queue / mean_patience / rate, rel=1e-9)
    assert theory.wait_all == pytest.approx(queue / rate, rel=1e-9)
    # the patients who start waited less on average than all (those who give up wait long)
    assert 0 < theory.wait_served < theory.wait_all


def test_erlang_a_when_patience_is_as_long_as_service() -> None:
    """theta = mu: every patient leaves at rate mu whether served or waiting, so the number
    in the system is Poisson(lambda / mu) (M/M/infinity). A patient joining at position i
    then starts with probability ``c / (c + i)`` (the product telescopes) after
    ``sum_{k<=i} 1 / (mu (c + k))``."""
    rate, servers = 2.5, 2
    k = np.arange(100)
    pi = stats.poisson.pmf(k, rate)
    position = np.maximum(k - servers + 1, 0)  # 0: a unit is free
    starts = servers / (servers + position)
    time_to_start = np.array([sum(1 / (servers + j) for j in range(1, i + 1)) for i in position])
    theory = erlang_a(rate, 1.0, servers, 1.0)
    assert theory.abandon == pytest.approx(float(np.dot(pi, 1 - starts)), rel=1e-9)
    assert theory.abandon == pytest.approx(0.34775, abs=1e-5)  # 34.8%
    assert theory.wait_served == pytest.approx(
        float(np.dot(pi, starts * time_to_start)) / (1 - theory.abandon), rel=1e-9)


def test_erlang_a_limits_are_erlang_c_and_erlang_b() -> None:
    """Patience without end: nobody gives up, and the waits are Erlang C's. Patience of no
    time: whoever finds no unit free leaves at once, a loss system, Erlang B."""
    patient = erlang_a(2.1, 1.0, 3, 1e9)
    assert patient.abandon < 1e-8
    assert patient.wait_all == pytest.approx(mmc_mean_wait(2.1, 1.0, 3), rel=1e-6)
    assert patient.wait_served == pytest.approx(mmc_mean_wait(2.1, 1.0, 3), rel=1e-6)
    assert erlang_c(2.1, 3) > 0.4  # so the waits above are not trivially small
    hasty = erlang_a(10.0, 2.0, 12, 1e-9)  # load 20 on 12 units
    assert hasty.abandon == pytest.approx(erlang_b(20.0, 12), rel=1e-6)
    assert hasty.wait_all < 1e-8


# --- the model ----------------------------------------------------------------------------------

def replicate(name: str, capacity: int, duration: dict[str, Any], rate: float,
              when_busy: dict[str, Any], customers: int, replications: int, warmup_days: float,
              follow_up_days: float, kind: str = "team") -> list[ReplicationLog]:
    """Independent replications of one service with ``customers`` arrivals each in the
    results period."""
    scenario = one_service(name, capacity, duration, rate, kind=kind,
                           run_days=round(customers / rate), warmup_days=warmup_days,
                           follow_up_days=follow_up_days, seed=2026, when_busy=when_busy)
    return [run_replication(scenario, r) for r in range(replications)]


IMPATIENT_SERVERS, IMPATIENT_RATE, IMPATIENT_PATIENCE = 3, 2.7, 2.0  # rho 0.9, patience 2 days


@pytest.fixture(scope="module")
def impatient_runs() -> list[ReplicationLog]:
    patience = {"dist": "exponential", "mean": IMPATIENT_PATIENCE, "unit": "days"}
    return replicate("impatient team", IMPATIENT_SERVERS, EXPONENTIAL_DAY, IMPATIENT_RATE,
                     {"renege": {"patience": patience, "to": ELSEWHERE}}, customers=5000,
                     replications=10, warmup_days=100, follow_up_days=40)


def test_erlang_a_chance_of_giving_up(impatient_runs: list[ReplicationLog]) -> None:
    """``reneged_pct`` (of the patients who queued) against Erlang A: 15.3%; with patience
    halved it would be 18.9%, and with one clinician more 6.0%."""
    gave_up = [metric(log, f"reneged_pct:{SERVER}") / 100 for log in impatient_runs]
    mean, low, high = t_interval(gave_up)
    expected = erlang_a(IMPATIENT_RATE, 1.0, IMPATIENT_SERVERS, IMPATIENT_PATIENCE).abandon
    assert within(expected, low, high), (mean, low, high, expected)
    for other in (erlang_a(IMPATIENT_RATE, 1.0, IMPATIENT_SERVERS, IMPATIENT_PATIENCE / 2),
                  erlang_a(IMPATIENT_RATE, 1.0, IMPATIENT_SERVERS + 1, IMPATIENT_PATIENCE)):
        assert not within(other.abandon, low, high)
    # every patient who gave up went elsewhere, and counted as asking, not as balking
    for log in impatient_runs:
        assert metric(log, f"balked:{SERVER}") == 0
        assert log.exits[ELSEWHERE] > 0


def test_erlang_a_mean_wait_of_all_arrivals(impatient_runs: list[ReplicationLog]) -> None:
    """``wait_days_mean`` (to the start or giving up) against Erlang A: 0.305 days; Erlang C,
    as if nobody gave up, would be 2.72, and patience 20% shorter 0.263."""
    waits = [metric(log, f"wait_days_mean:{SERVER}") for log in impatient_runs]
    mean, low, high = t_interval(waits)
    expected = erlang_a(IMPATIENT_RATE, 1.0, IMPATIENT_SERVERS, IMPATIENT_PATIENCE).wait_all
    assert within(expected, low, high), (mean, low, high, expected)
    shorter = erlang_a(IMPATIENT_RATE, 1.0, IMPATIENT_SERVERS, IMPATIENT_PATIENCE / 1.25)
    assert not within(shorter.wait_all, low, high)
    assert not within(mmc_mean_wait(IMPATIENT_RATE, 1.0, IMPATIENT_SERVERS), low, high)



def test_erlang_a_mean_wait_of_those_who_gave_up(impatient_runs: list[ReplicationLog]) -> None:
    """``renege_wait_hours_mean`` against Erlang A: all arrivals' mean wait is made of those
    served and those who gave up, so theirs is ``(W - (1 - P_ab) W_served) / P_ab``, 11.4
    hours, well below the mean patience of 48 hours (the patient are served first)."""
    hours = [metric(log, f"renege_wait_hours_mean:{SERVER}") for log in impatient_runs]
    mean, low, high = t_interval(hours)
    theory = erlang_a(IMPATIENT_RATE, 1.0, IMPATIENT_SERVERS, IMPATIENT_PATIENCE)
    expected = 24 * (theory.wait_all - (1 - theory.abandon) * theory.wait_served) / theory.abandon
    assert within(expected, low, high), (mean, low, high, expected)
    assert not within(24 * theory.wait_all, low, high)  # all arrivals' mean wait, 7.3 hours


def referred(route_when_busy: dict[str, Any] | None,
             service_when_busy: dict[str, Any] | None) -> list[ReplicationLog]:
    """The impatient team's patients referred to it by a route from a front door (a delay of
    no time), the route's ``when_busy`` replacing the team's own."""
    route: dict[str, Any] = {"to": SERVER, "probability": 1.0}
    if route_when_busy is not None:
        route["when_busy"] = route_when_busy
    team: dict[str, Any] = {"kind": "team", "capacity": IMPATIENT_SERVERS,
                            "duration": EXPONENTIAL_DAY,
                            "routes": {"done": {"to": "out", "probability": 1.0}}}
    if service_when_busy is not None:
        team["when_busy"] = service_when_busy
    services = {"front": {"kind": "delay", "duration": {"dist": "fixed", "value": 0, "unit": "days"},
                          "routes": {"refer": route}},
                SERVER: team, "out": {"kind": "exit"}, ELSEWHERE: {"kind": "exit"}}
    scenario = validate(scenario_mapping(
        services, "front", IMPATIENT_RATE, run_days=round(5000 / IMPATIENT_RATE),
        warmup_days=100, follow_up_days=40, seed=2027))
    return [run_replication(scenario, r) for r in range(10)]


IMPATIENT = {"renege": {"patience": {"dist": "exponential", "mean": IMPATIENT_PATIENCE,
                                     "unit": "days"}, "to": ELSEWHERE}}


def test_erlang_a_when_the_route_in_sets_the_patience() -> None:
    """Patience declared on the route into the team, not on the team: the same Erlang A."""
    runs = referred(IMPATIENT, None)
    gave_up = [metric(log, f"reneged_pct:{SERVER}") / 100 for log in runs]
    mean, low, high = t_interval(gave_up)
    expected = erlang_a(IMPATIENT_RATE, 1.0, IMPATIENT_SERVERS, IMPATIENT_PATIENCE).abandon
    assert within(expected, low, high), (mean, low, high, expected)
    halved = erlang_a(IMPATIENT_RATE, 1.0, IMPATIENT_SERVERS, IMPATIENT_PATIENCE / 2).abandon
    assert not within(halved, low, high)


def test_a_route_in_with_endless_patience_overrides_the_team() -> None:
    """``when_busy: {}`` on the route: its patients wait as long as it takes, whatever the
    team declares, so nobody gives up and the chance of waiting is Erlang C's, 81.7% (with
    the team's own patience it would be 56.6%)."""
    runs = referred({}, IMPATIENT)
    assert all(metric(log, f"reneged:{SERVER}") == 0 for log in runs)
    mean, low, high = t_interval([measure_log(log).services[SERVER].waited_share
                                  for log in runs])
    assert within(erlang_c(IMPATIENT_RATE, IMPATIENT_SERVERS), low, high), (mean, low, high)
    pi = stationary_by_linear_algebra(IMPATIENT_RATE, IMPATIENT_SERVERS, IMPATIENT_PATIENCE)
    assert not within(float(pi[IMPATIENT_SERVERS:].sum()), low, high)


@pytest.mark.parametrize("balk", [{"queue_at_least": 4}, {"expected_wait_hours_above": 36}],
                         ids=["queue at least 4", "expected wait above 36 hours"])
def test_a_waiting_room_of_four_is_mmc_k(balk: dict[str, Any]) -> None:
    """Balking when 4 already wait makes M/M/3/7 (a waiting room of 4): the chain above,
    cut at 7, gives the fraction turned away and the mean wait of those let in. An expected
    wait above 36 hours is the same rule here: it is (waiting + 1) x 1 day / 3 clinicians,
    40 hours with 4 waiting and 32 with 3."""
    servers, rate, room = 3, 2.7, 4
    runs = replicate("waiting room", servers, EXPONENTIAL_DAY, rate,
                     {"balk": {"to": ELSEWHERE, **balk}}, customers=4000, replications=8,
                     warmup_days=50, follow_up_days=30)
    pi = stationary_by_linear_algebra(rate, servers, math.inf, size=servers + room + 1)
    turned_away = float(pi[-1])  # 10.4%
    queue = float(np.dot(np.maximum(np.arange(len(pi)) - servers, 0), pi))
    mean, low, high = t_interval([metric(log, f"balked_pct:{SERVER}") / 100 for log in runs])
    assert within(turned_away, low, high), (mean, low, high, turned_away)
    wider = stationary_by_linear_algebra(rate, servers, math.inf, size=servers + room + 2)
    assert not within(float(wider[-1]), low, high)  # a room of 5: 8.5%
    mean, low, high = t_interval([metric(log, f"wait_days_mean:{SERVER}") for log in runs])
    expected = queue / (rate * (1 - turned_away))  # Little's law for those let in
    assert within(expected, low, high), (mean, low, high, expected)


LOSS_BEDS, LOSS_RATE, LOSS_STAY_DAYS = 12, 5.0, 2.0  # load 10: B(12, 10) = 12.0%
LOSS_STAYS = {
    "exponential": {"dist": "exponential", "mean": LOSS_STAY_DAYS, "unit": "days"},
    "lognormal cv 2.5": {"dist": "lognormal", "mean": LOSS_STAY_DAYS, "sd": 5.0, "unit": "days"},
    "fixed": {"dist": "fixed", "value": LOSS_STAY_DAYS, "unit": "days"},
}


@pytest.mark.parametrize("label", LOSS_STAYS)
def test_loss_ward_turns_away_erlang_b(label: str) -> None:
    """``balked_pct`` of a ward of 12 beds that turns patients away when none is free, at
    load 10, against Erlang B (insensitive to the stay distribution): 12.0%; at a 10% higher
    load 15.9%; Erlang C's chance of waiting, had they queued, 44.9%. Nobody waits."""
    load = LOSS_RATE * LOSS_STAY_DAYS
    runs = replicate(f"loss ward {label}", LOSS_BEDS, LOSS_STAYS[label], LOSS_RATE,
                     {"balk": {"to": ELSEWHERE}}, customers=10_000, replications=8,
                     warmup_days=200, follow_up_days=0, kind="ward")
    turned_away = [metric(log, f"balked_pct:{SERVER}") / 100 for log in runs]
    mean, low, high = t_interval(turned_away)
    assert within(erlang_b(load, LOSS_BEDS), low, high), (mean, low, high)
    assert not within(erlang_b(1.1 * load, LOSS_BEDS), low, high)
    assert not within(erlang_c(load, LOSS_BEDS), low, high)
    assert all(metric(log, f"wait_days_mean:{SERVER}") == 0 for log in runs)
    # carried load: the beds in use on average are the load of the patients let in
    mean, low, high = t_interval([metric(log, f"occupancy_mean:{SERVER}") for log in runs])
    assert within(load * (1 - erlang_b(load, LOSS_BEDS)), low, high), (mean, low, high)
    assert not within(load, low, high)
