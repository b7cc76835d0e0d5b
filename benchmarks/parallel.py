"""Parallel efficiency of running replications: T(serial) / (workers x T(parallel)).

Every executor runs the same unit of work, ``sim.runner.simulate(scenario, replication)``,
through ``sim.runner.run_scenario``; times are wall clock. Dask is timed twice: with the
start-up of its local cluster, and without it (the cluster opened first, then timed runs).
"""

from __future__ import annotations

import importlib.util
import time

from benchmarks.figures import Figure
from sim.config.schema import Scenario
from sim.executors import Executor, ExecutorName, open_executor
from sim.runner import ScenarioResult, run_scenario

SECTION = "parallel"
EFFICIENCY_GOAL = 0.9


def efficiency(serial_seconds: float, parallel_seconds: float, workers: int) -> float:
    """Speed-up per worker: 1.0 when ``workers`` workers take 1/``workers`` of the time."""
    return serial_seconds / (workers * parallel_seconds)


def timed_run(scenario: Scenario, replications: int, executor: ExecutorName | Executor,
              jobs: int | None = None) -> tuple[float, ScenarioResult]:
    """Wall seconds of ``run_scenario`` (no cache, no progress bar), and its result."""
    started = time.perf_counter()
    result = run_scenario(scenario, replications=replications, jobs=jobs, progress=False,
                          executor=executor)
    return time.perf_counter() - started, result


def measure_parallel(scenario: Scenario, replications: int, jobs: int, dask: bool = True,
                     assessed: bool = True) -> tuple[list[Figure], ScenarioResult]:
    """Figures for serial, local processes and Dask; also the serial result, for reuse."""
    serial, result = timed_run(scenario, replications, "serial")
    processes, _ = timed_run(scenario, replications, "processes", jobs)
    label = f"{replications} replications"
    figures = [
        Figure(SECTION, f"serial, {label}", serial, "s"),
        Figure(SECTION, f"{jobs} local processes, {label}", processes, "s"),
        Figure(SECTION, f"efficiency, {jobs} local processes", efficiency(serial, processes, jobs),
               at_least=EFFICIENCY_GOAL, assessed=assessed),
    ]
    if not dask:
        return figures, result
    if importlib.util.find_spec("distributed") is None:
        return figures + [Figure(SECTION, f"efficiency, Dask {jobs} workers", None,
                                 note="dask not installed")], result
    started = time.perf_counter()
    with open_executor("dask", jobs=jobs) as cluster:
        startup = time.perf_counter() - started
        on_dask, _ = timed_run(scenario, replications, cluster)
    figures += [
        Figure(SECTION, "Dask local cluster start-up", startup, "s"),
        Figure(SECTION, f"Dask {jobs} workers, {label}", on_dask, "s",
               note="cluster already running"),
        Figure(SECTION, f"efficiency, Dask {jobs} workers, with start-up",
               efficiency(serial, startup + on_dask, jobs)),
        Figure(SECTION, f"efficiency, Dask {jobs} workers, without start-up",
               efficiency(serial, on_dask, jobs), at_least=EFFICIENCY_GOAL, assessed=assessed),
    ]
    return figures, result
