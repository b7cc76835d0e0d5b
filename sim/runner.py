"""Running replications, serially or over local processes, with progress shown.

``simulate(scenario, replication)`` is the unit of work: it runs one replication and reduces
it to metrics and a daily table in the worker, so only small tables cross processes. Results
depend only on (scenario, replication), never on which process ran them or in what order.
"""

from __future__ import annotations

import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass

import pandas as pd
from tqdm import tqdm

from sim.analysis.daily import daily_table
from sim.analysis.metrics import replication_metrics
from sim.analysis.summary import summarise
from sim.config.schema import Scenario
from sim.engine.eventlog import Event
from sim.engine.model import ReplicationLog, run_replication


@dataclass(frozen=True)
class ReplicationResult:
    replication: int
    metrics: pd.DataFrame  # replication, metric, locality, value
    daily: pd.DataFrame
    events: pd.DataFrame | None  # the full log, when asked for
    n_events: int
    simpy_events: int
    wall_seconds: float


@dataclass(frozen=True)
class ScenarioResult:
    scenario: Scenario
    replications: list[ReplicationResult]
    wall_seconds: float

    @property
    def metrics(self) -> pd.DataFrame:
        return pd.concat([r.metrics for r in self.replications], ignore_index=True)

    @property
    def daily(self) -> pd.DataFrame:
        return pd.concat([r.daily for r in self.replications], ignore_index=True)

    @property
    def events(self) -> pd.DataFrame | None:
        frames = [r.events for r in self.replications if r.events is not None]
        return pd.concat(frames, ignore_index=True) if frames else None

    def summary(self) -> pd.DataFrame:
        return summarise(self.metrics)


def simulate(scenario: Scenario, replication: int, keep_events: bool = False) -> ReplicationResult:
    """Run and reduce one replication; a pure function, picklable for any executor."""
    log = run_replication(scenario, replication)
    metrics = pd.DataFrame(replication_metrics(log), columns=["metric", "locality", "value"])
    metrics.insert(0, "replication", replication)
    return ReplicationResult(
        replication=replication,
        metrics=metrics,
        daily=daily_table(log),
        events=events_table(log) if keep_events else None,
        n_events=log.n_events,
        simpy_events=log.simpy_events,
        wall_seconds=log.wall_seconds,
    )


def events_table(log: ReplicationLog) -> pd.DataFrame:
    """The event log with names instead of codes, for saving and reading by analysts."""
    scenario = log.scenario
    ev, pt = log.events, log.patients
    geo = scenario.geography

    def named(codes, names):  # type: ignore[no-untyped-def]
        return pd.Categorical.from_codes(codes.astype(int), categories=list(names))

    patient = ev["patient"]
    return pd.DataFrame({
        "replication": log.replication,
        "patient": patient,
        "time_days": ev["time"],
        "event": named(ev["event"], [e.name.lower() for e in Event]),
        "service": named(ev["service"], scenario.services),
        "pathway": named(ev["pathway"], ["none", *scenario.pathways]),
        "locality": named(pt["locality"][patient], geo.localities),
        "age_band": named(pt["age_band"][patient], geo.age_bands),
        "residence": named(pt["residence"][patient], ["own_home", "care_home"]),
        "source": named(pt["source"][patient], scenario.sources),
        "stream": named(pt["stream"][patient], scenario.demand),
        "high_risk": pt["high_risk"][patient].astype(bool),
    })


def run_scenario(
    scenario: Scenario,
    replications: int | None = None,
    jobs: int | None = None,
    keep_events: bool = False,
    progress: bool = True,
) -> ScenarioResult:
    """Run replications 0..n-1 (n from the scenario unless given) over ``jobs`` processes
    (default: all cores; 1 runs in this process)."""
    n = scenario.time.replications if replications is None else replications
    if n < 1:
        raise ValueError(f"replications must be at least 1, got {n}")
    jobs = min(jobs or os.cpu_count() or 1, n)
    started = time.perf_counter()
    bar = tqdm(total=n, desc=scenario.name, unit="rep", disable=not progress, file=sys.stderr)
    results: list[ReplicationResult] = []
    try:
        if jobs == 1:
            for r in range(n):
                results.append(simulate(scenario, r, keep_events))
                bar.update()
        else:
            with ProcessPoolExecutor(max_workers=jobs) as pool:
                futures = [pool.submit(simulate, scenario, r, keep_events) for r in range(n)]
                for future in as_completed(futures):
                    results.append(future.result())
                    bar.update()
    finally:
        bar.close()
    results.sort(key=lambda result: result.replication)
    return ScenarioResult(scenario, results, time.perf_counter() - started)
