"""How many replications: keep adding them until the chosen metrics are known precisely enough.

A sequential procedure: after each round, the 95% t-interval half-width of every chosen metric
(whole system) is compared with ``precision`` x |mean|. If any is wider, the replications
needed are estimated as n x (half-width / wanted)^2 for the widest metric, and the next round
runs that many more (at least one per worker), never beyond ``max_replications``. Because the
interval is re-estimated each round the stopping rule is approximate (the classic relative-
precision procedure of Law and Kelton, ch. 9); the report says exactly what was reached.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.analysis.metrics import ALL
from sim.analysis.registry import renamed_note
from sim.analysis.summary import summarise
from sim.cache import ResultCache
from sim.compile import with_changes
from sim.config import Scenario, ScenarioError
from sim.executors import ExecutorName, open_executor
from sim.runner import (
    Progress,
    ReplicationResult,
    ScenarioResult,
    map_replications,
    produced_metrics,
    simulate,
)

MIN_REPLICATIONS = 3  # fewer gives an interval too unstable to stop on


@dataclass(frozen=True)
class SettingNames:
    """What a caller calls the three settings in its messages (the command line its options,
    the app its form fields), so each message names what the user typed."""

    precision: str
    metrics: str
    max_replications: str


CLI_SETTINGS = SettingNames("--precision", "--metrics", "--max-reps")


def check_settings(precision: float, metrics: list[str], max_replications: int,
                   names: SettingNames = CLI_SETTINGS) -> None:
    """``ScenarioError`` listing every unusable setting: ``precision`` a fraction of the mean
    (0.05 = 5%) strictly between 0 and 1, at least one metric, and ``max_replications`` (a
    count of replications) at least ``MIN_REPLICATIONS``."""
    problems = []
    if not 0 < precision < 1:
        problems.append(f"{names.precision}: expected a fraction between 0 and 1 (0.05 = 5%), "
                        f"got {precision:g}")
    if max_replications < MIN_REPLICATIONS:
        problems.append(f"{names.max_replications}: expected at least {MIN_REPLICATIONS}, got "
                        f"{max_replications}")
    if not metrics:
        problems.append(f"{names.metrics}: choose at least one metric")
    if problems:
        raise ScenarioError(problems)


def first_round(replications: int, max_replications: int) -> int:
    """Replications (a count) of the first round: the scenario's ``replications``, at least
    ``MIN_REPLICATIONS``, at most ``max_replications``."""
    return min(max(replications, MIN_REPLICATIONS), max_replications)


def next_round(wanted: float, n: int, workers: int, max_replications: int) -> int | None:
    """Total replications (a count) for the next round after ``n``, or None to stop: stop when
    ``wanted`` (from ``replications_wanted``) is already run or ``n`` is at the cap; otherwise
    ``wanted``, at least one more per worker (so a round keeps every worker busy), at most
    ``max_replications``."""
    if wanted <= n or n >= max_replications:
        return None
    return int(min(max(wanted, n + workers), max_replications))


def precision_report(metrics: pd.DataFrame, names: list[str], precision: float) -> pd.DataFrame:
    """metric, n_reps, mean, half_width, relative_half_width, target, reached."""
    summary = summarise(metrics[(metrics["locality"] == ALL) & metrics["metric"].isin(names)])
    summary = summary.set_index("metric").reindex(names)
    half = (summary["ci_high"] - summary["ci_low"]) / 2
    # a metric with no spread at all (e.g. a wait that is always 0) is known exactly
    relative = (half / summary["mean"].abs()).mask(half == 0, 0.0)
    return pd.DataFrame({
        "metric": names,
        "n_reps": summary["n_reps"].to_numpy(),
        "mean": summary["mean"].to_numpy(),
        "half_width": half.to_numpy(),
        "relative_half_width": relative.to_numpy(),
        "target": precision,
        "reached": (relative <= precision).to_numpy(),
    })


def replications_wanted(report: pd.DataFrame, n: int) -> float:
    """Estimated total replications for every metric to reach its target (infinite while a
    metric's spread or mean is not known)."""
    ratio = (report["relative_half_width"] / report["target"]).to_numpy(dtype=float)
    ratio = np.where(np.isfinite(ratio), ratio, np.inf)
    worst = float(ratio.max()) if len(ratio) else 0.0
    return n if worst <= 1 else (math.inf if math.isinf(worst) else math.ceil(n * worst ** 2))


def run_to_precision(
    scenario: Scenario,
    metrics: list[str],
    precision: float,
    max_replications: int,
    executor: ExecutorName = "processes",
    jobs: int | None = None,
    scheduler: str | None = None,
    cache: ResultCache | None = None,
    progress: bool | Progress = True,
    names: SettingNames = CLI_SETTINGS,
) -> tuple[ScenarioResult, pd.DataFrame]:
    """Run ``scenario`` until every metric in ``metrics`` (whole system) has a 95% interval
    half-width within ``precision`` (a fraction, 0.05 = 5%) of its mean, or until
    ``max_replications``. Starts with the scenario's replications (at least 3).

    Returns the run and the final report (see ``precision_report``).
    """
    (result,), report = run_together_to_precision(
        [scenario], metrics, precision, max_replications, executor, jobs, scheduler, cache,
        progress, names)
    return result, report.drop(columns="scenario")


def run_together_to_precision(
    scenarios: Sequence[Scenario],
    metrics: list[str],
    precision: float,
    max_replications: int,
    executor: ExecutorName = "processes",
    jobs: int | None = None,
    scheduler: str | None = None,
    cache: ResultCache | None = None,
    progress: bool | Progress = True,
    names: SettingNames = CLI_SETTINGS,
) -> tuple[list[ScenarioResult], pd.DataFrame]:
    """``run_to_precision`` of several scenarios in step: every round runs each of them to the
    same number of replications, until the precision is reached on every one (or the cap), so
    that compared scenarios keep their replications paired. ``progress``, when a function, is
    told (replications done, in all) over all scenarios.

    Returns each scenario's run, its ``time.replications`` the number reached, and the final
    report: ``precision_report`` of each, with a ``scenario`` column (its name) last.
    """
    check_settings(precision, metrics, max_replications, names)
    for scenario in scenarios:  # before any long run
        _check_names(set(produced_metrics(scenario)), metrics, names)
    n = first_round(max(s.time.replications for s in scenarios), max_replications)
    started = time.perf_counter()
    results: list[list[ReplicationResult]] = [[] for _ in scenarios]
    with open_executor(executor, jobs, scheduler) as pool:
        while True:
            owners = [i for i, done in enumerate(results) for _ in range(len(done), n)]
            tasks = [(scenarios[i], r) for i, done in enumerate(results)
                     for r in range(len(done), n)]
            before = sum(map(len, results))

            def counted(finished: int, _: int, before: int = before, n: int = n) -> None:
                if callable(progress):  # this round's count on top of the earlier rounds'
                    progress(before + finished, len(scenarios) * n)

            new = map_replications(simulate, tasks, pool, cache=cache,
                                   progress=counted if callable(progress) else progress,
                                   desc=f"{', '.join(s.name for s in scenarios)} (to {n} reps)")
            for owner, result in zip(owners, new):
                results[owner].append(result)
            reports = [precision_report(pd.concat([r.metrics for r in done], ignore_index=True),
                                        metrics, precision) for done in results]
            wanted = max(replications_wanted(report, n) for report in reports)
            following = next_round(wanted, n, pool.workers, max_replications)
            if following is None:
                break
            n = following
    wall = (time.perf_counter() - started) / len(scenarios)  # shared: each its part
    runs = [ScenarioResult(with_changes(s, {"time.replications": n}), done, wall)
            for s, done in zip(scenarios, results)]
    report = pd.concat([r.assign(scenario=s.name) for s, r in zip(scenarios, reports)],
                       ignore_index=True)
    return runs, report


def _check_names(known: set[str], metrics: list[str], names: SettingNames) -> None:
    unknown = [name for name in metrics if name not in known]
    if unknown:
        raise ScenarioError([f"{names.metrics}: unknown metric(s) {', '.join(unknown)}"
                             f"{renamed_note(unknown)}; expected names from summary.csv, e.g. "
                             f"{', '.join(sorted(known)[:6])}"])


def __getattr__(name: str) -> object:
    if name == "PRECISION_CSV":  # moved with the folders it names a file of
        warnings.warn("sim.precision.PRECISION_CSV is now sim.results.PRECISION_CSV",
                      DeprecationWarning, stacklevel=2)
        from sim.results.run import PRECISION_CSV
        return PRECISION_CSV
    raise AttributeError(f"module 'sim.precision' has no attribute {name!r}")
