"""Analytic checks: the model against queueing theory and exact accounting.

- **Erlang C** (M/M/c): a team of c servers, Poisson arrivals, exponential times; mean wait
  in queue and the chance of waiting, at utilisation 0.7 and 0.9 with c = 1, 3, 10.
- **Erlang A** (M/M/c+M): the same team, with each waiting patient giving up after an
  exponential patience; the chance of giving up and the mean waits of all arrivals and of
  those served, overloaded and not, with patience as long as service, twice and half as long.
- **M/G/infinity**: a ward with unlimited beds holds a Poisson number of patients with mean
  ``a = lambda E[S]``, whatever the stay distribution: mean and variance of occupancy, and
  the whole distribution, for exponential, lognormal (cv 2.5, heavy-tailed) and fixed stays.
- **Erlang loss**: from that same unlimited occupancy distribution, truncated at n beds, the
  chance all n are busy, ``B(n) = p_n / sum_{k<=n} p_k`` (sim.capacity.criteria), against
  Erlang's loss formula (insensitive to the stay distribution).
- **Erlang loss (M/G/c/c)**: a real loss system, a ward of n beds whose patients go elsewhere
  when none is free (``when_busy: balk``): the fraction turned away against Erlang's loss
  formula, for the same three stay distributions.
- **Little's law** (L = lambda W) on the shipped baseline's own records: beds held on the
  acute ward, and the queue for them (ED boarding and direct admissions waiting).
- **Conservation**: every patient who arrived has left or is still in the system, on the
  shipped baseline and locality scenarios (run in sim.verify.plausibility).

Times in days. Run lengths are per replication, for the full budget.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Sequence

import numpy as np

from sim.capacity.criteria import blocking_probabilities
from sim.config.schema import Scenario
from sim.verify.checks import Check, ExactCheck, IntervalCheck, PerReplication, ToleranceCheck
from sim.verify.experiment import Budget, Experiment, shipped_scenario
from sim.verify.measure import Measures, moment
from sim.verify.queueing import (
    ELSEWHERE,
    SERVER,
    check_seed,
    erlang_a,
    erlang_b,
    erlang_c,
    mmc_mean_wait,
    one_service,
    poisson_pmf,
    total_variation,
)

ERLANG_C = "Erlang C (M/M/c)"
MG_INFINITY = "M/G/infinity"
ERLANG_LOSS = "Erlang loss (B from occupancy)"
ERLANG_A = "Erlang A (M/M/c+M)"
LOSS_SYSTEM = "Erlang loss (M/G/c/c)"
LITTLE = "Little's law"
CONSERVATION = "Conservation"

MEAN_SERVICE_DAYS = 1.0
UTILISATIONS = (0.7, 0.9)
SERVERS = (1, 3, 10)
CUSTOMERS = {0.7: 30_000, 0.9: 120_000}  # arrivals per replication in the results period
RELAXATION_TIMES = 5  # warm-up, in relaxation times of the queue
WAIT_DECAY_TIMES = 50  # follow-up, in decay times of the waiting-time tail

LOAD = 10.0  # offered load of the unlimited ward, beds: 5 arrivals a day x 2 days
WARD_RATE = 5.0  # arrivals a day
STAYS = {  # mean 2 days each
    "exponential": {"dist": "exponential", "mean": 2.0, "unit": "days"},
    "lognormal cv 2.5": {"dist": "lognormal", "mean": 2.0, "sd": 5.0, "unit": "days"},
    "fixed": {"dist": "fixed", "value": 2.0, "unit": "days"},
}
WARD_RUN_DAYS = 4000.0
WARD_WARMUP_DAYS = 500.0  # the lognormal's tail: about 0.02% of the load still missing
BLOCKING_BEDS = (12, 15)  # B(12) = 12%, B(15) = 3.7% at load 10
NOISE_MULTIPLE = 2.0  # a distribution passes within this many times its sampling noise
MIN_TOLERANCE = 0.005  # total variation; the floor of the tolerance

# Erlang A: (servers, arrivals a day, mean patience in days), service mean MEAN_SERVICE_DAYS
IMPATIENT_TEAMS = ((2, 2.5, 1.0),  # overloaded (rho 1.25), theta = mu: N ~ Poisson(lambda / mu)
                   (3, 2.7, 2.0),  # rho 0.9, patient
                   (10, 11.0, 0.5))  # overloaded (rho 1.1), impatient: gives up within hours
IMPATIENT_CUSTOMERS = 20_000  # arrivals per replication in the results period
IMPATIENT_WARMUP_DAYS = 100.0  # 50 times the longest mean service or patience
PATIENCE_FOLLOW_UP = 20  # follow-up, in mean patiences: every wait begun has ended

LOSS_BEDS = 12  # of the ward that turns patients away; B(12) = 12% at load 10

LITTLE_FOLLOW_UP_DAYS = 240.0  # lets stays and waits begun in the results period finish


def analytic_experiments(budget: Budget, seed: int, baseline: Path,
                         baseline_seed: int | None = None) -> list[Experiment]:
    """Every analytic experiment except conservation, sized by ``budget``: the one-service
    ones seeded from ``seed``, Little's law on ``baseline`` with its own seed unless
    ``baseline_seed`` is given."""
    return [_little(budget, baseline, baseline_seed),
            *(_erlang_c(rho, c, budget, seed) for rho in UTILISATIONS for c in SERVERS),
            *(_erlang_a(c, rate, patience, budget, seed)
              for c, rate, patience in IMPATIENT_TEAMS),
            *(_unlimited_ward(label, stay, budget, seed) for label, stay in STAYS.items()),
            *(_loss_ward(label, stay, budget, seed) for label, stay in STAYS.items())]


# --- Erlang C ----------------------------------------------------------------------------------

def relaxation_days(utilisation: float, servers: int, mean_service: float) -> float:
    """Relaxation time of an M/M/c queue in heavy traffic, ``1 / (c mu (1 - sqrt(rho))^2)``
    (exact for c = 1): how long a queue started empty takes to forget it."""
    return mean_service / (servers * (1 - math.sqrt(utilisation)) ** 2)


def wait_decay_days(utilisation: float, servers: int, mean_service: float) -> float:
    """Decay time of the M/M/c waiting-time tail, ``1 / (c mu (1 - rho))``: P(wait > t)
    falls by e in that time, so waits begun in the results period end within a follow-up
    of many of them."""
    return mean_service / (servers * (1 - utilisation))


def _wait(m: Measures) -> float:
    return m.services[SERVER].wait_days_mean


def _waited(m: Measures) -> float:
    return m.services[SERVER].waited_share


def erlang_c_checks(rate: float, servers: int) -> list[IntervalCheck]:
    """Mean wait in queue and chance of waiting of a team of ``servers`` with Poisson
    arrivals at ``rate`` a day and exponential service of ``MEAN_SERVICE_DAYS``, against
    Erlang C; each with one server more as the alternative it should reject."""
    load = rate * MEAN_SERVICE_DAYS
    parameters = (f"c={servers}, rho={load / servers:g}: {rate:g} arrivals/day, exponential "
                  f"service mean {MEAN_SERVICE_DAYS:g} day")
    other = servers + 1
    return [
        IntervalCheck(ERLANG_C, "mean wait in queue, days", parameters,
                      mmc_mean_wait(rate, MEAN_SERVICE_DAYS, servers), _wait,
                      "Erlang C: C(c, a) / (c mu - lambda)",
                      (f"c={other}", mmc_mean_wait(rate, MEAN_SERVICE_DAYS, other))),
        IntervalCheck(ERLANG_C, "chance of waiting", parameters, erlang_c(load, servers),
                      _waited, "Erlang C: C(c, a)", (f"c={other}", erlang_c(load, other))),
    ]


def _erlang_c(rho: float, servers: int, budget: Budget, seed: int) -> Experiment:
    rate = rho * servers / MEAN_SERVICE_DAYS
    settle = RELAXATION_TIMES * max(relaxation_days(rho, servers, MEAN_SERVICE_DAYS),
                                    MEAN_SERVICE_DAYS)
    finish = WAIT_DECAY_TIMES * wait_decay_days(rho, servers, MEAN_SERVICE_DAYS)
    name = f"M/M/{servers} rho={rho:g}"
    scenario = one_service(
        f"verify_mm{servers}_rho{rho:g}", servers,
        {"dist": "exponential", "mean": MEAN_SERVICE_DAYS, "unit": "days"}, rate,
        run_days=round(CUSTOMERS[rho] * budget.length / rate), warmup_days=round(settle),
        follow_up_days=round(finish), seed=check_seed(seed, name))
    return Experiment(name, scenario, budget.replications,
                      tuple(erlang_c_checks(rate, servers)))


# --- Erlang A ----------------------------------------------------------------------------------

def _abandoned(m: Measures) -> float:
    s = m.services[SERVER]
    return s.reneged / s.arrivals


def _served_wait(m: Measures) -> float:
    return m.services[SERVER].served_wait_days_mean


def erlang_a_checks(rate: float, servers: int, mean_patience: float) -> list[IntervalCheck]:
    """The chance of giving up, and the mean waits of all arrivals (to a start or giving up)
    and of those who start, of a team of ``servers`` with Poisson arrivals at ``rate`` a day,
    exponential service of ``MEAN_SERVICE_DAYS`` and exponential patience of mean
    ``mean_patience`` days, against Erlang A. Each rejects a nearby wrong patience: the
    chance of giving up with patience halved (it moves little when the team is overloaded,
    as most who give up would not have been served in time anyway), the waits with patience
    20% shorter."""
    theory = erlang_a(rate, MEAN_SERVICE_DAYS, servers, mean_patience)
    halved = erlang_a(rate, MEAN_SERVICE_DAYS, servers, mean_patience / 2)
    shorter = erlang_a(rate, MEAN_SERVICE_DAYS, servers, mean_patience / 1.25)
    parameters = (f"c={servers}, rho={rate * MEAN_SERVICE_DAYS / servers:g}, patience "
                  f"{24 * mean_patience:g} h: {rate:g} arrivals/day, exponential service mean "
                  f"{MEAN_SERVICE_DAYS:g} day, exponential patience mean "
                  f"{24 * mean_patience:g} hours")
    source = "Erlang A: birth-death chain, solved numerically (sim.verify.queueing.erlang_a)"
    return [
        IntervalCheck(ERLANG_A, "chance of giving up", parameters, theory.abandon,
                      _abandoned, source, ("patience halved", halved.abandon)),
        IntervalCheck(ERLANG_A, "mean wait of all arrivals, days", parameters,
                      theory.wait_all, _wait, source,
                      ("patience 20% shorter", shorter.wait_all)),
        IntervalCheck(ERLANG_A, "mean wait of those served, days", parameters,
                      theory.wait_served, _served_wait, source,
                      ("patience 20% shorter", shorter.wait_served)),
    ]


def _erlang_a(servers: int, rate: float, mean_patience: float, budget: Budget,
              seed: int) -> Experiment:
    name = f"M/M/{servers}+M lambda={rate:g} patience={mean_patience:g}"
    scenario = one_service(
        f"verify_mm{servers}m_patience{mean_patience:g}", servers,
        {"dist": "exponential", "mean": MEAN_SERVICE_DAYS, "unit": "days"}, rate,
        run_days=round(IMPATIENT_CUSTOMERS * budget.length / rate),
        warmup_days=IMPATIENT_WARMUP_DAYS,
        follow_up_days=math.ceil(PATIENCE_FOLLOW_UP * mean_patience), seed=check_seed(seed, name),
        when_busy={"renege": {"patience": {"dist": "exponential", "mean": mean_patience,
                                           "unit": "days"}, "to": ELSEWHERE}})
    return Experiment(name, scenario, budget.replications,
                      tuple(erlang_a_checks(rate, servers, mean_patience)))


# --- M/G/infinity and Erlang loss --------------------------------------------------------------

def _fractions(m: Measures) -> np.ndarray:
    days = m.services[SERVER].occupancy_days
    return days / days.sum()


def _occupancy(m: Measures) -> float:
    return m.services[SERVER].occupancy_mean


def _variance_about_load(m: Measures) -> float:
    """Time-weighted mean of (N - a)^2: unbiased for Var N when E N = a, so the check is of
    the second moment, with no bias from estimating the mean in a short replication."""
    return moment(m.services[SERVER].occupancy_days, LOAD, 2)


def pooled_fractions(measures: Sequence[Measures]) -> np.ndarray:
    """Fraction of time at each occupancy 0, 1, ..., pooled over replications."""
    parts = [m.services[SERVER].occupancy_days for m in measures]
    total = np.zeros(max(len(p) for p in parts))
    for part in parts:
        total[: len(part)] += part
    return total / total.sum()


def _distance_from_poisson(measures: Sequence[Measures]) -> float:
    fractions = pooled_fractions(measures)
    return total_variation(fractions, poisson_pmf(LOAD, len(fractions) + 30))


def sampling_noise(measures: Sequence[Measures]) -> float:
    """The total variation distance sampling noise alone gives, on average, between the
    pooled distribution and the true one: ``0.5 sqrt(2/pi) sum_k SE_k``, with ``SE_k`` the
    standard error of the mean fraction of time at level k across replications (each
    level's error taken as normal). Its spread is a few times smaller than its mean, so a
    tolerance of twice it is rarely exceeded by chance."""
    size = max(len(m.services[SERVER].occupancy_days) for m in measures)
    by_rep = np.zeros((len(measures), size))
    for i, m in enumerate(measures):
        fractions = _fractions(m)
        by_rep[i, : len(fractions)] = fractions
    standard_errors = by_rep.std(axis=0, ddof=1) / math.sqrt(len(measures))
    return 0.5 * math.sqrt(2 / math.pi) * float(standard_errors.sum())


def _tolerance(measures: Sequence[Measures]) -> float:
    return max(MIN_TOLERANCE, NOISE_MULTIPLE * sampling_noise(measures))


def _blocking(beds: int) -> PerReplication:
    def blocked(m: Measures) -> float:
        chances = blocking_probabilities(_fractions(m))
        return float(chances[beds]) if beds < len(chances) else 0.0  # never that full
    return blocked


def _unlimited_ward(label: str, stay: dict[str, object], budget: Budget,
                    seed: int) -> Experiment:
    name = f"unlimited ward, {label} stays"
    scenario = one_service(
        f"verify_mginf_{label.split()[0]}", "unlimited", stay, WARD_RATE, kind="ward",
        run_days=round(WARD_RUN_DAYS * budget.length), warmup_days=WARD_WARMUP_DAYS,
        follow_up_days=0, seed=check_seed(seed, name))
    parameters = f"{label} stays, mean 2 days; {WARD_RATE:g} arrivals/day; load a={LOAD:g}"
    higher = 1.1 * LOAD
    checks: list[Check] = [
        IntervalCheck(MG_INFINITY, "mean occupancy", parameters, LOAD, _occupancy,
                      "M/G/inf: E N = lambda E[S]", ("load 5% higher", 1.05 * LOAD)),
        IntervalCheck(MG_INFINITY, "variance of occupancy", parameters, LOAD,
                      _variance_about_load,
                      "M/G/inf: N ~ Poisson, Var N = E N; estimated as mean (N - a)^2",
                      ("variance 20% above Poisson", 1.2 * LOAD)),
        ToleranceCheck(MG_INFINITY, "distance from Poisson(a), total variation", parameters,
                       _distance_from_poisson, _tolerance,
                       f"{NOISE_MULTIPLE:g} x the distance sampling noise alone gives, from "
                       f"the spread across replications; at least {MIN_TOLERANCE:g}",
                       "M/G/inf: N ~ Poisson(a)",
                       ("Poisson(1.1a)",
                        total_variation(poisson_pmf(higher, 80), poisson_pmf(LOAD, 80)))),
    ]
    checks += [
        IntervalCheck(ERLANG_LOSS, f"B({beds}): all {beds} beds busy", parameters,
                      erlang_b(LOAD, beds), _blocking(beds),
                      "Erlang B(n, a), insensitive to the stay distribution",
                      ("load 10% higher", erlang_b(higher, beds)))
        for beds in BLOCKING_BEDS]
    return Experiment(name, scenario, budget.replications, tuple(checks))


def _turned_away(m: Measures) -> float:
    s = m.services[SERVER]
    return s.balked / (s.balked + s.arrivals)


def _loss_ward(label: str, stay: dict[str, object], budget: Budget, seed: int) -> Experiment:
    """A ward of ``LOSS_BEDS`` beds, the unlimited ward's arrivals and stays, whose patients
    go elsewhere when no bed is free: the fraction turned away is Erlang B, whatever the
    stay distribution."""
    name = f"ward of {LOSS_BEDS} beds turning patients away, {label} stays"
    scenario = one_service(
        f"verify_mgcc_{label.split()[0]}", LOSS_BEDS, stay, WARD_RATE, kind="ward",
        run_days=round(WARD_RUN_DAYS * budget.length), warmup_days=WARD_WARMUP_DAYS,
        follow_up_days=0, seed=check_seed(seed, name),
        when_busy={"balk": {"to": ELSEWHERE}})
    check = IntervalCheck(
        LOSS_SYSTEM, f"fraction turned away, {LOSS_BEDS} beds",
        f"{label} stays, mean 2 days; {WARD_RATE:g} arrivals/day; load a={LOAD:g}; "
        "balk when no bed is free", erlang_b(LOAD, LOSS_BEDS), _turned_away,
        "Erlang B(n, a), insensitive to the stay distribution",
        ("load 10% higher", erlang_b(1.1 * LOAD, LOSS_BEDS)))
    return Experiment(name, scenario, budget.replications, (check,))


# --- Little's law on the baseline --------------------------------------------------------------

def _little_held(service: str) -> PerReplication:
    def ratio(m: Measures) -> float:
        s = m.services[service]
        return s.occupancy_mean / (s.starts / m.run_days * s.held_days_mean)
    return ratio


def _little_queue(service: str) -> PerReplication:
    def ratio(m: Measures) -> float:  # NaN (left out) in a replication where nobody waited
        s = m.services[service]
        waited = s.arrivals / m.run_days * s.wait_days_mean
        return s.queue_mean / waited if waited > 0 else math.nan
    return ratio


def _little(budget: Budget, baseline: Path, seed: int | None) -> Experiment:
    scenario = shipped_scenario(baseline, budget, seed,
                                {"time.follow_up_days": LITTLE_FOLLOW_UP_DAYS})
    acute = scenario.reporting.acute
    assert acute is not None
    t = scenario.time
    window = (f"{scenario.name}, {t.run_days:g} results days, "
              f"{t.follow_up_days:g} days' follow-up so stays and waits finish")
    rule = "L / (lambda W) = 1: time-weighted mean over the results period / (starts per " \
           "day x mean time of those starts)"
    checks = (
        IntervalCheck(LITTLE, f"{acute} beds held: L / (lambda W)", window, 1.0,
                      _little_held(acute), rule, ("5% off", 1.05)),
        IntervalCheck(LITTLE, f"queue for {acute} beds: L / (lambda W)", window, 1.0,
                      _little_queue(acute), rule, ("5% off", 1.05)),
    )
    return Experiment(f"{scenario.name} (Little's law)", scenario, t.replications, checks)


# --- conservation (on the shipped scenarios, sim.verify.plausibility) -------------------------

def _balance(m: Measures) -> tuple[int, int]:
    return m.arrived, m.exited + m.still_in


def _counters_agree(m: Measures) -> bool:
    return m.model_exited == m.exited and m.model_in_system == m.still_in


def _totals(measures: Sequence[Measures]) -> str:
    return (f"arrived {sum(m.arrived for m in measures):,}, exited "
            f"{sum(m.exited for m in measures):,}, still in the system at the end "
            f"{sum(m.still_in for m in measures):,}")


def conservation_check(scenario: Scenario) -> ExactCheck:
    """Every patient who arrived has exited or is still in the system, in every replication."""
    t = scenario.time
    return ExactCheck(
        CONSERVATION, "arrivals = exits + still in the system",
        f"{scenario.name}, whole run ({t.warmup_days + t.run_days + t.follow_up_days:g} days)",
        _balance, _counters_agree, _totals,
        "no patient is lost (docs/domain.md, checks every sound model passes)")
