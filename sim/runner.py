"""Running replications on any executor (sim.executors), with a cache and progress shown.

``simulate(scenario, replication)`` is the unit of work: it runs one replication and reduces
it to metrics, daily, weekly and monthly tables and escalation episodes in the worker, so only
small tables cross processes. Results
depend only on (scenario, replication), never on which process ran them or in what order.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, Sequence, TypeVar

import numpy as np
import pandas as pd
from tqdm import tqdm

from sim.analysis.costs import cost_metrics
from sim.analysis.daily import daily_table
from sim.analysis.logview import LogView
from sim.analysis.metrics import replication_metrics
from sim.analysis.summary import summarise
from sim.analysis.winter import escalation_episodes, period_tables, summarise_periods
from sim.cache import ResultCache, replication_key
from sim.compile import with_changes
from sim.config.schema import Scenario
from sim.engine.eventlog import Event
from sim.engine.model import ReplicationLog, run_replication
from sim.executors import Executor, ExecutorName, Serial, open_executor

T = TypeVar("T")
# told (replications done, replications in all) after each one finishes: the app's progress bar
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ReplicationResult:
    replication: int
    metrics: pd.DataFrame  # replication, metric, locality, value
    daily: pd.DataFrame
    weekly: pd.DataFrame  # sim.analysis.winter.weekly_table
    monthly: pd.DataFrame
    escalation: pd.DataFrame  # escalation episodes
    events: pd.DataFrame | None  # the full log, when asked for
    n_events: int
    wall_seconds: float


@dataclass(frozen=True)
class ScenarioResult:
    scenario: Scenario
    replications: list[ReplicationResult]
    wall_seconds: float

    def _joined(self, table: str) -> pd.DataFrame:
        """One table of every replication's ``table``, in replication order."""
        return pd.concat([getattr(r, table) for r in self.replications], ignore_index=True)

    @property
    def metrics(self) -> pd.DataFrame:
        return self._joined("metrics")

    @property
    def daily(self) -> pd.DataFrame:
        return self._joined("daily")

    @property
    def weekly(self) -> pd.DataFrame:
        return self._joined("weekly")

    @property
    def monthly(self) -> pd.DataFrame:
        return self._joined("monthly")

    @property
    def escalation(self) -> pd.DataFrame:
        """Escalation episodes of every replication (sim.analysis.winter)."""
        return self._joined("escalation")

    @property
    def events(self) -> pd.DataFrame | None:
        frames = [r.events for r in self.replications if r.events is not None]
        return pd.concat(frames, ignore_index=True) if frames else None

    def summary(self) -> pd.DataFrame:
        return summarise(self.metrics, self.scenario.time.run_days)

    def weekly_summary(self) -> pd.DataFrame:
        """Each week's metrics: mean and 95% interval across replications."""
        return summarise_periods(self.weekly)

    def monthly_summary(self) -> pd.DataFrame:
        return summarise_periods(self.monthly)


def simulate(scenario: Scenario, replication: int, keep_events: bool = False) -> ReplicationResult:
    """Run and reduce one replication; a pure function, picklable for any executor."""
    log = run_replication(scenario, replication)
    view = LogView(log)  # one view, so the tables share its caches
    metrics = pd.DataFrame(replication_metrics(log, view), columns=["metric", "locality", "value"])
    daily = daily_table(log, view)
    metrics = pd.concat([metrics, cost_metrics(scenario, daily, metrics)], ignore_index=True)
    metrics.insert(0, "replication", replication)
    periods = period_tables(log, view)
    return ReplicationResult(
        replication=replication,
        metrics=metrics,
        daily=daily,
        weekly=periods["week"],
        monthly=periods["month"],
        escalation=escalation_episodes(log, view),
        events=events_table(log) if keep_events else None,
        n_events=log.n_events,
        wall_seconds=log.wall_seconds,
    )


def simulate_with_events(scenario: Scenario, replication: int) -> ReplicationResult:
    return simulate(scenario, replication, keep_events=True)


def events_table(log: ReplicationLog) -> pd.DataFrame:
    """The event log with names instead of codes, for saving and reading by analysts."""
    scenario = log.scenario
    ev, pt = log.events, log.patients
    geo = scenario.geography

    def named(codes: np.ndarray, names: Iterable[str]) -> pd.Categorical[str]:
        return pd.Categorical.from_codes(codes.astype(np.int64), categories=pd.Index(list(names)))

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


def map_replications(
    fn: Callable[[Scenario, int], T],
    tasks: Sequence[tuple[Scenario, int]],
    executor: ExecutorName | Executor = "processes",
    jobs: int | None = None,
    scheduler: str | None = None,
    cache: ResultCache | None = None,
    progress: bool | Progress = True,
    desc: str = "",
) -> list[T]:
    """``fn(scenario, replication)`` for every task, returned in task order.

    ``fn`` must be a module-level function (it is sent to other processes). ``executor`` is a
    name (opened for this call, with ``jobs`` workers or the Dask ``scheduler``) or an executor
    already open (see ``sim.executors.open_executor``), so many calls can share one pool.
    With a ``cache``, results already computed are read back and new ones are stored as each
    finishes, so an interrupted run resumes where it stopped. ``progress``: a bar on stderr
    (True), nothing (False), or a function told (done, in all) as tasks finish, those read
    from the cache counted first.
    """
    kind = f"{fn.__module__}.{fn.__qualname__}"
    keys = [replication_key(s, r, kind) for s, r in tasks] if cache else []
    results: list[Any] = [cache.get(key) for key in keys] if cache else [None] * len(tasks)
    todo = [i for i, result in enumerate(results) if result is None]
    bar = tqdm(total=len(tasks), initial=len(tasks) - len(todo), desc=desc, unit="rep",
               disable=progress is not True, file=sys.stderr)
    tell = progress if callable(progress) else None
    done = len(tasks) - len(todo)
    if tell:
        tell(done, len(tasks))
    try:
        with _executor(executor, jobs, scheduler, len(todo)) as pool:
            calls = [(fn, tasks[i]) for i in todo]
            for position, result in pool.completed(calls):
                i = todo[position]
                results[i] = result
                if cache:
                    cache.put(keys[i], result)
                bar.update()
                done += 1
                if tell:
                    tell(done, len(tasks))
    finally:
        bar.close()
    return results


@contextlib.contextmanager
def _executor(executor: ExecutorName | Executor, jobs: int | None, scheduler: str | None,
              n_calls: int) -> Iterator[Executor]:
    if not isinstance(executor, str):
        yield executor
    elif n_calls == 0:  # everything came from the cache: no pool or cluster to start
        yield Serial()
    else:
        with open_executor(executor, min(jobs or os.cpu_count() or 1, n_calls),
                           scheduler) as pool:
            yield pool


def run_scenario(
    scenario: Scenario,
    replications: int | Sequence[int] | None = None,
    jobs: int | None = None,
    keep_events: bool = False,
    progress: bool | Progress = True,
    executor: ExecutorName | Executor = "processes",
    scheduler: str | None = None,
    cache: ResultCache | None = None,
) -> ScenarioResult:
    """Run replications 0..n-1 (n from the scenario unless given; or the replication numbers
    given) with ``executor`` over ``jobs`` workers (default: all cores).

    The event log is kept only when asked for (``keep_events``); such runs bypass the cache.
    """
    if replications is None:
        replications = scenario.time.replications
    numbers = list(range(replications)) if isinstance(replications, int) else list(replications)
    if not numbers:
        raise ValueError("replications must be at least 1")
    started = time.perf_counter()
    fn = simulate_with_events if keep_events else simulate
    results = map_replications(fn, [(scenario, r) for r in numbers], executor, jobs,
                               scheduler, None if keep_events else cache, progress,
                               scenario.name)
    return ScenarioResult(scenario, results, time.perf_counter() - started)


def produced_metrics(scenario: Scenario) -> dict[str, list[str]]:
    """Metric -> localities it is reported for, from one day of the scenario (which metrics
    appear depends on the scenario's services and roles, not on what happens)."""
    probe = with_changes(scenario, {"time.warmup_days": 0, "time.run_days": 1})
    metrics = simulate(probe, 0).metrics
    return {str(metric): list(group["locality"]) for metric, group in
            metrics.groupby("metric", sort=False)}
