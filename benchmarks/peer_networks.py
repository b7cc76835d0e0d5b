"""The three small networks of the peer benchmark, each built twice: as a scenario run by the
model (``benchmarks/scenarios/peers/*.yaml``) and as a Ciw network, with the measures both
are compared on.

Both sides are reduced to the same table of visits (``Visits``): one row per request for a
service, with when it was asked for, how long the patient waited and how it ended (started,
gave up, went elsewhere at once). "Asked for" is when the patient arrived at the service, or,
for a patient moving on by a blocking route, when they were ready to leave the previous one:
their wait is the time they kept the previous bed. That is the model's own definition
(``waited_days``); Ciw records it as the previous visit's ``time_blocked``, so its rows are
shifted to match. Times are days on both sides (Ciw is given rates a day).

Ciw keeps the records of a visit only once it is over; visits still under way at the horizon
are left out on both sides, and a follow-up after the results period makes them negligible.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import ciw  # type: ignore[import-untyped]
import numpy as np

from sim.analysis.logview import WAIT_ENDS, LogView
from sim.engine.eventlog import Event
from sim.engine.model import ReplicationLog

SCENARIOS = Path(__file__).with_name("scenarios") / "peers"
HOURS = 24.0  # hours a day

STARTED, GAVE_UP, WENT_ELSEWHERE = 0, 1, 2  # how a visit's wait ended


@dataclass(frozen=True)
class Visits:
    """Every finished request for a service in one replication; times in days."""

    node: np.ndarray  # index into the network's ``nodes``
    asked: np.ndarray  # arrival at the service, or ready to leave the previous (blocking)
    waited: np.ndarray  # asked -> start or giving up; 0 for those who went elsewhere at once
    outcome: np.ndarray  # STARTED, GAVE_UP or WENT_ELSEWHERE
    arrivals: np.ndarray  # times patients entered the system
    window: tuple[float, float]  # the results period [start, end)

    def asked_in_results(self, node: int) -> np.ndarray:
        start, end = self.window
        return (self.node == node) & (self.asked >= start) & (self.asked < end)

    @property
    def results_days(self) -> float:
        return self.window[1] - self.window[0]


def model_visits(log: ReplicationLog, nodes: tuple[str, ...]) -> Visits:
    """The visits of a replication of the model to the services ``nodes``."""
    view = LogView(log)
    node, asked, waited, outcome = [], [], [], []
    for i, name in enumerate(nodes):
        waits = view.pairs(name, Event.QUEUE, WAIT_ENDS)
        done = ~np.isnan(waits.end)
        balked = view.time[view.mask(name, Event.BALK)]
        node += [np.full(int(done.sum()) + len(balked), i)]
        asked += [waits.start[done], balked]
        waited += [(waits.end - waits.start)[done], np.zeros(len(balked))]
        outcome += [np.where(waits.ended_by[done] == Event.START, STARTED, GAVE_UP),
                    np.full(len(balked), WENT_ELSEWHERE)]
    return Visits(np.concatenate(node), np.concatenate(asked), np.concatenate(waited),
                  np.concatenate(outcome), view.time[view.event == Event.ARRIVE],
                  (log.results_start, log.results_end))


def ciw_visits(records: list[Any], window: tuple[float, float]) -> Visits:
    """The visits in Ciw's records (``Simulation.get_all_records()``), nodes numbered from 1."""
    ordered = sorted(records, key=lambda r: (r.id_number, r.arrival_date))
    node, asked, waited, outcome, arrivals = [], [], [], [], []
    previous: Any = None  # the record before, of the same patient or another
    for record in ordered:
        first = previous is None or previous.id_number != record.id_number
        if first:
            arrivals.append(record.arrival_date)
            ready = record.arrival_date
        elif previous.record_type == "service":  # blocked ones asked when it ended
            ready = record.arrival_date - previous.time_blocked
        else:
            ready = record.arrival_date
        node.append(record.node - 1)
        asked.append(ready)
        if record.record_type == "service":
            outcome.append(STARTED)
            waited.append(record.service_start_date - ready)
        elif record.record_type == "renege":
            outcome.append(GAVE_UP)
            waited.append(record.exit_date - ready)
        elif record.record_type in ("baulk", "rejection"):
            outcome.append(WENT_ELSEWHERE)
            waited.append(0.0)
        else:
            raise ValueError(f"Ciw record of an unexpected type: {record.record_type!r}")
        previous = record
    return Visits(np.array(node, dtype=int), np.array(asked), np.array(waited),
                  np.array(outcome, dtype=int), np.array(arrivals), window)


# --- measures ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Measure:
    """A number both sides are compared on, from one replication's visits."""

    label: str
    of: Callable[[Visits], float]


def arrivals_a_day() -> Measure:
    def of(v: Visits) -> float:
        start, end = v.window
        return float(((v.arrivals >= start) & (v.arrivals < end)).sum()) / v.results_days
    return Measure("arrivals a day", of)


def started_a_day(nodes: tuple[str, ...], node: int) -> Measure:
    def of(v: Visits) -> float:
        return float((v.asked_in_results(node) & (v.outcome == STARTED)).sum()) / v.results_days
    return Measure(f"{nodes[node]}: starts a day", of)


def share(nodes: tuple[str, ...], node: int, ending: int, what: str) -> Measure:
    def of(v: Visits) -> float:
        asked = v.asked_in_results(node)
        return float((v.outcome[asked] == ending).mean())
    return Measure(f"{nodes[node]}: share {what}", of)


def mean_wait(nodes: tuple[str, ...], node: int, unit: str = "hours") -> Measure:
    """Mean wait of those who queued (to a start or giving up), in ``unit``."""
    scale = HOURS if unit == "hours" else 1.0

    def of(v: Visits) -> float:
        queued = v.asked_in_results(node) & (v.outcome != WENT_ELSEWHERE)
        return float(v.waited[queued].mean()) * scale
    return Measure(f"{nodes[node]}: mean wait, {unit}", of)


# --- the networks ------------------------------------------------------------------------------

def lognormal(mean: float, sd: float) -> ciw.dists.Lognormal:
    """Ciw's lognormal (parameters of the log) with this mean and standard deviation."""
    sigma2 = math.log(1 + (sd / mean) ** 2)
    return ciw.dists.Lognormal(math.log(mean) - sigma2 / 2, math.sqrt(sigma2))


def balk_when_at_least(individuals: int) -> Callable[..., float]:
    """A Ciw baulking function: go elsewhere when ``individuals`` are at the node already."""
    def chance(n: int, **_: Any) -> float:
        return 1.0 if n >= individuals else 0.0
    return chance


def reentry_network() -> ciw.Network:
    return ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(3 * HOURS), None],
        service_distributions=[ciw.dists.Exponential(HOURS / 1.2),
                               ciw.dists.Exponential(HOURS / 2.5)],
        number_of_servers=[5, 4],
        routing=[[0.15, 0.30], [0.20, 0.0]],  # the rest leave
    )


def blocking_network() -> ciw.Network:
    return ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(5.0), None],
        service_distributions=[lognormal(4.0, 3.0), lognormal(10.0, 6.0)],
        number_of_servers=[24, 8],
        # no waiting room anywhere: outside arrivals to a full acute ward are turned away,
        # patients for a full step-down ward stay blocked in their acute bed (Ciw's type 1)
        queue_capacities=[0, 0],
        routing=[[0.0, 0.30], [0.0, 0.0]],
    )


def impatience_network() -> ciw.Network:
    return ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(10 * HOURS)],
        service_distributions=[ciw.dists.Exponential(HOURS / 0.55)],
        number_of_servers=[6],
        baulking_functions=[balk_when_at_least(6 + 4)],  # all 6 busy and 4 waiting
        reneging_time_distributions=[ciw.dists.Exponential(HOURS / 0.75)],
    )


@dataclass(frozen=True)
class PeerNetwork:
    """One network in both simulators. ``nodes`` are the model's capacitated services in the
    order of Ciw's nodes."""

    name: str
    scenario_file: Path
    ciw_network: Callable[[], ciw.Network]
    nodes: tuple[str, ...]
    measures: tuple[Measure, ...]


def _reentry() -> PeerNetwork:
    nodes = ("triage", "treatment")
    return PeerNetwork("re-entry", SCENARIOS / "reentry.yaml", reentry_network, nodes, (
        arrivals_a_day(), started_a_day(nodes, 0), started_a_day(nodes, 1),
        mean_wait(nodes, 0), mean_wait(nodes, 1)))


def _blocking() -> PeerNetwork:
    nodes = ("acute", "step_down")
    return PeerNetwork("blocking", SCENARIOS / "blocking.yaml", blocking_network, nodes, (
        arrivals_a_day(), share(nodes, 0, WENT_ELSEWHERE, "turned away"),
        started_a_day(nodes, 0), started_a_day(nodes, 1), mean_wait(nodes, 1, "days")))


def _impatience() -> PeerNetwork:
    nodes = ("team",)
    return PeerNetwork("impatience", SCENARIOS / "impatience.yaml", impatience_network, nodes, (
        arrivals_a_day(), share(nodes, 0, WENT_ELSEWHERE, "balked"),
        share(nodes, 0, GAVE_UP, "gave up"), started_a_day(nodes, 0), mean_wait(nodes, 0)))


PEERS: tuple[PeerNetwork, ...] = (_reentry(), _blocking(), _impatience())
