"""Queueing theory the analytic checks compare against, and the one-service scenarios they
run.

Rates are per day and times in days. ``load`` is the offered load ``a = lambda x E[S]``
(arrival rate times mean time in service), in units (servers, beds) busy on average.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.compile import validate
from sim.config.schema import Scenario

POPULATION = 1000  # residents of the single locality of a one-service scenario
SERVER = "server"  # the service of a one-service scenario
ELSEWHERE = "elsewhere"  # the exit of patients who balk or give up, where ``when_busy`` sends them


def erlang_b(load: float, servers: int) -> float:
    """Erlang's loss formula: chance an arrival finds all ``servers`` busy in M/G/c/c."""
    blocked = 1.0
    for k in range(1, servers + 1):
        blocked = load * blocked / (k + load * blocked)
    return blocked


def erlang_c(load: float, servers: int) -> float:
    """Erlang's delay formula: chance an arrival waits in M/M/c (1 when unstable)."""
    if servers <= load:
        return 1.0
    blocked = erlang_b(load, servers)
    return servers * blocked / (servers - load * (1 - blocked))


def mmc_mean_wait(arrival_rate: float, mean_service: float, servers: int) -> float:
    """Mean wait in queue of M/M/c, days: ``C / (c mu - lambda)``; inf when unstable."""
    load = arrival_rate * mean_service
    if servers <= load:
        return math.inf
    return erlang_c(load, servers) / (servers / mean_service - arrival_rate)


@dataclass(frozen=True)
class ErlangA:
    """An M/M/c+M queue (Erlang A) in steady state, as its arrivals see it; waits in days."""

    abandon: float  # chance an arrival gives up before starting
    wait_all: float  # mean wait of all arrivals, ending at start or on giving up
    wait_served: float  # mean wait of the arrivals who start


def erlang_a(arrival_rate: float, mean_service: float, servers: int, mean_patience: float,
             tail: float = 1e-15) -> ErlangA:
    """M/M/c+M: Poisson arrivals at ``arrival_rate`` a day to ``servers`` units with
    exponential times of mean ``mean_service`` days, first come first served; a waiting
    patient gives up after an exponential patience of mean ``mean_patience`` days.

    The number in the system is a birth-death chain: births at lambda, deaths in state n at
    ``min(n, c) mu + max(n - c, 0) theta``. Its stationary distribution is solved
    numerically, truncated once the last state holds less than ``tail`` of the total (the
    death rate grows without bound, so the tail falls faster than geometrically), and an
    arrival sees it (PASTA). One finding n >= c in the system joins the queue at position
    ``i = n - c + 1``. At position k it moves up (a start or a patient ahead giving up) at
    rate ``c mu + (k - 1) theta`` and gives up itself at ``theta``: it stays there an
    exponential time of rate ``r_k = c mu + k theta`` and moves up with probability
    ``(c mu + (k - 1) theta) / r_k``. So it starts with probability
    ``S_i = prod_{k<=i} (c mu + (k - 1) theta) / r_k`` after ``T_i = sum_{k<=i} 1 / r_k`` on
    average, and waits ``W_i = 1 / r_i + (c mu + (i - 1) theta) / r_i x W_{i-1}`` on
    average whatever the outcome.
    """
    lam, mu, theta = arrival_rate, 1 / mean_service, 1 / mean_patience
    weights = [1.0]  # pi_n unnormalised, n = 0, 1, ...
    while len(weights) <= servers or weights[-1] > tail * sum(weights):
        n = len(weights)
        weights.append(weights[-1] * lam / (min(n, servers) * mu + max(n - servers, 0) * theta))
    pi = np.array(weights) / sum(weights)
    starts, time_to_start, wait = 1.0, 0.0, 0.0  # S_i, T_i, W_i at position i; i = 0: free
    abandon = wait_all = served_wait = 0.0
    for i, p in enumerate(pi[servers:], start=1):
        rate = servers * mu + i * theta
        moves_up = (servers * mu + (i - 1) * theta) / rate
        starts *= moves_up
        time_to_start += 1 / rate
        wait = 1 / rate + moves_up * wait
        abandon += p * (1 - starts)
        wait_all += p * wait
        served_wait += p * starts * time_to_start
    return ErlangA(float(abandon), float(wait_all), float(served_wait / (1 - abandon)))


def poisson_pmf(mean: float, size: int) -> np.ndarray:
    """P(N = k) for k = 0..size-1 of a Poisson distribution (M/G/infinity occupancy)."""
    k = np.arange(size)
    log_pmf = k * math.log(mean) - mean - np.array([math.lgamma(i + 1) for i in k])
    return np.exp(log_pmf)


def total_variation(fractions: np.ndarray, pmf: np.ndarray) -> float:
    """Total variation distance ``0.5 sum |p - q|`` (shorter array padded with zeros)."""
    size = max(len(fractions), len(pmf))
    p = np.zeros(size)
    q = np.zeros(size)
    p[: len(fractions)] = fractions
    q[: len(pmf)] = pmf
    return 0.5 * float(np.abs(p - q).sum())


def check_seed(seed: int, name: str) -> int:
    """A seed for the experiment ``name`` derived from the suite's ``seed``, so experiments
    draw independent random numbers whatever their order."""
    return int(np.random.SeedSequence([seed, zlib.crc32(name.encode())]).generate_state(1)[0])


def scenario_mapping(
    services: dict[str, Any],
    entry: str,
    rate_per_day: float,
    *,
    run_days: float = 100,
    warmup_days: float = 0,
    follow_up_days: float = 0,
    replications: int = 1,
    seed: int = 12345,
    name: str = "test",
) -> dict[str, Any]:
    """A scenario mapping with one locality of ``POPULATION`` residents in one age band and
    one Poisson demand stream of ``rate_per_day`` patients a day into ``entry``."""
    return {
        "name": name,
        "time": {"start_date": "2025-01-01", "run_days": run_days, "warmup_days": warmup_days,
                 "follow_up_days": follow_up_days, "replications": replications, "seed": seed},
        "geography": {
            "age_bands": ["all"],
            "care_home_share": {"all": 0.0},
            "localities": {"only": {"population": {"all": POPULATION},
                                    "partnership": "p", "system": "s"}},
        },
        "demand": {"arrivals": {
            "entry": entry,
            # the daily rate for the whole locality, as an annual rate per 1,000 residents
            "rate_per_1000_per_year": {"all": rate_per_day * 365 * 1000 / POPULATION},
            "sources": {"other": 1.0},
        }},
        "services": services,
    }


def one_service(name: str, capacity: int | str, duration: dict[str, Any], rate_per_day: float,
                *, kind: str = "team", run_days: float, warmup_days: float,
                follow_up_days: float, seed: int,
                when_busy: dict[str, Any] | None = None) -> Scenario:
    """Poisson arrivals at ``rate_per_day`` into one service ``SERVER`` of ``kind`` with
    ``capacity`` units (or ``"unlimited"``) and times ``duration`` (a distribution mapping as
    in a scenario file), then an exit; everyone served leaves by one route. ``when_busy`` (as
    in a scenario file, sending patients ``to: ELSEWHERE``) lets them balk or give up into a
    second exit, ``ELSEWHERE``.
    """
    services: dict[str, Any] = {
        SERVER: {"kind": kind, "capacity": capacity, "duration": duration,
                 "routes": {"done": {"to": "out", "probability": 1.0}}},
        "out": {"kind": "exit"},
    }
    if when_busy is not None:
        services[SERVER]["when_busy"] = when_busy
        services[ELSEWHERE] = {"kind": "exit"}
    return validate(scenario_mapping(
        services, SERVER, rate_per_day, run_days=run_days, warmup_days=warmup_days,
        follow_up_days=follow_up_days, seed=seed, name=name), {}, f"scenario '{name}'")
