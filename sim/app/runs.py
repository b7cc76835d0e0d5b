"""A browser session's runs: its own results folder, replications run with a progress
callback into the shared results cache, then the command line's own commands over the cache
(``compare``, ``capacity``), so each folder is what the CLI writes.

With a precision instead of a fixed number of replications, both sides run in rounds until
every chosen metric's 95% interval is within that fraction of its mean on each side, with the
rule of ``python -m sim run --precision`` (``sim.precision``); the what-if and reference files
are then rewritten with the replications reached, so the command line runs the same number.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.app.edits import write_whatif
from sim.cache import ResultCache
from sim.capacity.occupancy import capacitated_services, replication_histograms, unlimited
from sim.cli import main as cli_main
from sim.cli_options import DEFAULT_CACHE
from sim.compile import load_scenario, with_changes
from sim.config import Scenario
from sim.executors import open_executor
from sim.precision import (
    SettingNames,
    check_settings,
    first_round,
    next_round,
    precision_report,
    replications_wanted,
)
from sim.runner import ReplicationResult, map_replications, simulate

APP_RESULTS = Path("results") / "app"
FORM_SETTINGS = SettingNames("precision", "precision metrics", "most replications")  # its labels

Progress = Callable[[int, int], None]  # (replications done, replications in all)


@dataclass(frozen=True)
class Precision:
    """Run until each of ``metrics`` (whole system) has a 95% interval half-width within
    ``fraction`` (0.05 = 5%) of its mean, on both sides, or ``max_replications`` a side."""

    fraction: float
    metrics: list[str]
    max_replications: int

    def check(self) -> None:
        """``ScenarioError`` naming each run settings' field that cannot be used."""
        check_settings(self.fraction, self.metrics, self.max_replications, FORM_SETTINGS)


def session_folder(root: Path = APP_RESULTS) -> Path:
    """A new folder for one browser session's files (uploads, what-ifs, results)."""
    folder = root / f"{dt.datetime.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:8]}"
    folder.mkdir(parents=True)
    return folder


def reference_yaml(base: Path, time: dict[str, float | int], folder: Path) -> Path:
    """The chosen scenario with only the run settings changed (run length, warm-up,
    replications, seed): the A side of the comparison, so A and B differ only by the levers."""
    path, _ = write_whatif(base, f"{base.stem}_reference",
                           {f"time.{key}": value for key, value in time.items()}, folder)
    return path


def compare(a_path: Path, b_path: Path, out: Path, progress: Progress,
            cache: Path = DEFAULT_CACHE, jobs: int | None = None) -> Path:
    """Run A and B replication by replication (``progress`` called after each batch), then
    write ``out`` with ``python -m sim compare A B`` reading every replication from the cache.
    Returns ``out``. Raises ``ScenarioError`` or ``OSError`` as the command line would."""
    a, b = _pair(a_path, b_path)
    _fill_cache(simulate, [(s, r) for s in (a, b) for r in range(s.time.replications)],
                ResultCache(cache), progress, jobs)
    return _command(["compare", str(a_path), str(b_path)], out, cache)


def to_precision(a_path: Path, b_path: Path, precision: Precision, progress: Progress,
                 cache: Path = DEFAULT_CACHE, jobs: int | None = None) -> pd.DataFrame:
    """Replications of A and B into the cache, in rounds, until ``precision`` is reached on
    both sides or the cap; returns the final report (``sim.precision.precision_report`` with
    a ``scenario`` column, every row's ``n_reps`` the number reached)."""
    precision.check()
    a, b = _pair(a_path, b_path)
    n = first_round(a.time.replications, precision.max_replications)
    results: dict[str, list[ReplicationResult]] = {a.name: [], b.name: []}
    with open_executor("processes", jobs) as pool:
        while True:
            tasks = [(s, r) for s in (a, b) for r in range(len(results[s.name]), n)]
            done = sum(map(len, results.values()))

            def counted(finished: int, _: int, done: int = done, n: int = n) -> None:
                progress(done + finished, 2 * n)  # this round's count on top of the last ones

            for (scenario, _), result in zip(tasks, _fill_cache(
                    simulate, tasks, ResultCache(cache), counted, jobs, pool)):
                results[scenario.name].append(result)
            reports = {name: precision_report(
                pd.concat([r.metrics for r in reps], ignore_index=True), precision.metrics,
                precision.fraction) for name, reps in results.items()}
            wanted = max(replications_wanted(report, n) for report in reports.values())
            following = next_round(wanted, n, pool.workers, precision.max_replications)
            if following is None:
                break
            n = following
    return pd.concat([report.assign(scenario=name) for name, report in reports.items()],
                     ignore_index=True)


def capacity_needed(path: Path, out: Path, progress: Progress, cache: Path = DEFAULT_CACHE,
                    jobs: int | None = None) -> Path:
    """``python -m sim capacity PATH --out OUT`` (every team, ward and caseload unlimited),
    its replications first computed into the cache with ``progress``. Returns ``out``."""
    scenario = load_scenario(path)
    run = unlimited(scenario, capacitated_services(scenario))
    _fill_cache(replication_histograms, [(run, r) for r in range(scenario.time.replications)],
                ResultCache(cache), progress, jobs)
    return _command(["capacity", str(path)], out, cache)


def _command(args: list[str], out: Path, cache: Path) -> Path:
    """``python -m sim ARGS --out OUT`` reading every replication from ``cache`` (filled
    beforehand, so serially); returns ``out``."""
    status = cli_main([*args, "--out", str(out), "--cache", str(cache), "--quiet",
                       "--executor", "serial"])
    if status != 0:
        raise RuntimeError(f"python -m sim {args[0]} exited with {status}")
    return out


def _pair(a_path: Path, b_path: Path) -> tuple[Scenario, Scenario]:
    """A and B as ``compare`` runs them: B on A's seed and replications."""
    a, b = load_scenario(a_path), load_scenario(b_path)
    return a, with_changes(b, {"time.seed": a.time.seed, "time.replications": a.time.replications})


def _fill_cache(fn: Callable[[Scenario, int], Any], tasks: list[tuple[Scenario, int]],
                cache: ResultCache, progress: Progress, jobs: int | None,
                pool: Any = None) -> list[Any]:
    """``fn`` for every task, computed into ``cache`` a batch of one task per worker at a time
    (on ``pool``, else a pool opened here), so the page can show progress between batches."""
    if pool is None:
        with open_executor("processes", jobs) as opened:
            return _fill_cache(fn, tasks, cache, progress, jobs, opened)
    batch = max(1, pool.workers)
    results: list[Any] = []
    progress(0, len(tasks))
    for start in range(0, len(tasks), batch):
        results += map_replications(fn, tasks[start:start + batch], pool, cache=cache,
                                    progress=False)
        progress(min(start + batch, len(tasks)), len(tasks))
    return results
