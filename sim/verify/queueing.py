"""Queueing theory the analytic checks compare against, and the one-service scenarios they
run.

Rates are per day and times in days. ``load`` is the offered load ``a = lambda x E[S]``
(arrival rate times mean time in service), in units (servers, beds) busy on average.
"""

from __future__ import annotations

import math
import zlib
from typing import Any

import numpy as np

from sim.config.schema import Scenario

POPULATION = 1000  # residents of the single locality of a one-service scenario
SERVER = "server"  # the service of a one-service scenario


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
                follow_up_days: float, seed: int) -> Scenario:
    """Poisson arrivals at ``rate_per_day`` into one service ``SERVER`` of ``kind`` with
    ``capacity`` units (or ``"unlimited"``) and times ``duration`` (a distribution mapping as
    in a scenario file), then an exit; everyone leaves by one route.
    """
    services = {
        SERVER: {"kind": kind, "capacity": capacity, "duration": duration,
                 "routes": {"done": {"to": "out", "probability": 1.0}}},
        "out": {"kind": "exit"},
    }
    return Scenario.model_validate(scenario_mapping(
        services, SERVER, rate_per_day, run_days=run_days, warmup_days=warmup_days,
        follow_up_days=follow_up_days, seed=seed, name=name))
