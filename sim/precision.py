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
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.analysis.metrics import ALL
from sim.analysis.registry import renamed_note
from sim.analysis.summary import summarise
from sim.cache import ResultCache
from sim.config import Scenario, ScenarioError
from sim.executors import ExecutorName, open_executor
from sim.runner import (
    ReplicationResult,
    ScenarioResult,
    map_replications,
    produced_metrics,
    simulate,
)

MIN_REPLICATIONS = 3  # fewer gives an interval too unstable to stop on
PRECISION_CSV = "precision.csv"  # where a run to a precision writes its final report


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
    progress: bool = True,
) -> tuple[ScenarioResult, pd.DataFrame]:
    """Run ``scenario`` until every metric in ``metrics`` (whole system) has a 95% interval
    half-width within ``precision`` (a fraction, 0.05 = 5%) of its mean, or until
    ``max_replications``. Starts with the scenario's replications (at least 3).

    Returns the run and the final report (see ``precision_report``).
    """
    check_settings(precision, metrics, max_replications)
    _check_names(set(produced_metrics(scenario)), metrics)  # before any long run
    n = first_round(scenario.time.replications, max_replications)
    started = time.perf_counter()
    results: list[ReplicationResult] = []
    with open_executor(executor, jobs, scheduler) as pool:
        while True:
            tasks = [(scenario, r) for r in range(len(results), n)]
            results += map_replications(simulate, tasks, pool, cache=cache, progress=progress,
                                        desc=f"{scenario.name} (to {n} reps)")
            table = pd.concat([r.metrics for r in results], ignore_index=True)
            report = precision_report(table, metrics, precision)
            following = next_round(replications_wanted(report, n), n, pool.workers,
                                   max_replications)
            if following is None:
                break
            n = following
    return ScenarioResult(scenario, results, time.perf_counter() - started), report


def _check_names(known: set[str], names: list[str]) -> None:
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ScenarioError([f"--metrics: unknown metric(s) {', '.join(unknown)}"
                             f"{renamed_note(unknown)}; expected names from summary.csv, e.g. "
                             f"{', '.join(sorted(known)[:6])}"])
