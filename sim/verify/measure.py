"""One replication reduced, in the worker, to the small numbers every check needs.

``measure_replication(scenario, replication)`` is the single unit of work of the suite: it
runs the replication and keeps, per capacitated service, the time-weighted occupancy
distribution and the quantities of Little's law, plus the conservation counts and every
metric at locality ``all`` (what the national figures are read from). It is pure and
picklable, so any executor can run it and the cache can keep it.

Times are days; "in the results period" means ``warmup_days <= t < warmup_days + run_days``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.analysis.logview import WAIT_ENDS, LogView
from sim.analysis.metrics import ALL, replication_metrics
from sim.config.schema import CapacitatedService, Scenario
from sim.engine.eventlog import Event
from sim.engine.model import ReplicationLog, run_replication


@dataclass(frozen=True)
class ServiceMeasures:
    """One capacitated service over the results period of one replication."""

    arrivals: int  # queue events (patients who balked never queue)
    balked: int  # balk events: patients who found no unit free and went elsewhere at once
    reneged: int  # of the arrivals, those who gave up waiting
    starts: int  # start events
    wait_days_mean: float  # queue -> start or giving up, of the arrivals (open: to the horizon)
    served_wait_days_mean: float  # queue -> start, of the arrivals who started
    waited_share: float  # share of the arrivals not started at once (still waiting: waited)
    queue_mean: float  # time-weighted mean number waiting (queue -> start)
    held_days_mean: float  # start -> leave of the starts (still held: to the horizon)
    occupancy_days: np.ndarray  # days spent with k units in use, k = 0, 1, ...

    @property
    def occupancy_mean(self) -> float:
        """Time-weighted mean number of units in use."""
        return moment(self.occupancy_days, 0.0, 1)


@dataclass(frozen=True)
class Measures:
    """What the verification suite keeps of one replication."""

    replication: int
    run_days: float  # length of the results period
    services: dict[str, ServiceMeasures]
    arrived: int  # patients who entered the system (whole run), from the log
    exited: int  # of them, patients with an exit event, from the log
    still_in: int  # arrived with no exit event, from the log
    model_exited: int  # the model's own counters, kept while it ran
    model_in_system: int
    metrics: dict[str, float]  # every metric at locality ``all``


def moment(days_at: np.ndarray, centre: float, power: int) -> float:
    """Time-weighted mean of ``(k - centre) ** power`` from days spent at each level k."""
    k = np.arange(len(days_at), dtype=float)
    return float(np.dot((k - centre) ** power, days_at) / days_at.sum())


def measure_replication(scenario: Scenario, replication: int) -> Measures:
    """Run replication ``replication`` of ``scenario`` and reduce it to ``Measures``."""
    return measure_log(run_replication(scenario, replication))


def measure_log(log: ReplicationLog) -> Measures:
    """``Measures`` of a replication already run."""
    view = LogView(log)
    kinds = view.event
    arrived_ids = view.patient[kinds == Event.ARRIVE]
    exited_ids = view.patient[kinds == Event.EXIT]
    return Measures(
        replication=log.replication,
        run_days=log.results_end - log.results_start,
        services={name: _service(view, name) for name, spec in log.scenario.services.items()
                  if isinstance(spec, CapacitatedService)},
        arrived=len(arrived_ids),
        exited=len(exited_ids),
        still_in=len(np.setdiff1d(arrived_ids, exited_ids)),
        model_exited=sum(log.exits.values()),
        model_in_system=log.in_system,
        metrics={m: v for m, loc, v in replication_metrics(log) if loc == ALL},
    )


def _service(view: LogView, name: str) -> ServiceMeasures:
    horizon = view.log.horizon
    waits = view.pairs(name, Event.QUEUE, WAIT_ENDS)
    asked = view.in_results(waits.start)
    wait_days = waits.elapsed(horizon)[asked]
    ended_by = waits.ended_by[asked]
    held = view.pairs(name, Event.START, Event.LEAVE)
    started = view.in_results(held.start)
    window = np.array([view.start, view.end])
    levels, days = view.occupancy(name).level_durations(view.start, view.end)
    kept = days > 0
    occupancy_days = np.bincount(np.rint(levels[kept]).astype(np.int64), weights=days[kept],
                                 minlength=1)
    return ServiceMeasures(
        arrivals=int(asked.sum()),
        balked=int((view.mask(name, Event.BALK) & view.in_results(view.time)).sum()),
        reneged=int((ended_by == Event.RENEGE).sum()),
        starts=int(started.sum()),
        wait_days_mean=_mean(wait_days),
        served_wait_days_mean=_mean(wait_days[ended_by == Event.START]),
        waited_share=_mean((wait_days > 0).astype(float)),
        queue_mean=float(view.queue(name).mean_between(window)[0]),
        held_days_mean=_mean(held.elapsed(horizon)[started]),
        occupancy_days=occupancy_days,
    )


def _mean(values: np.ndarray) -> float:
    return float(values.mean()) if len(values) else float("nan")
